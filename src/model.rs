//! The resolved stack: what evaluation produces and every later stage reads.
//!
//! Plain data, no closures and no unresolved references: every address has been
//! turned into a DNS name or an external host, every quantity is exact, and
//! every field keeps the span it was written at for diagnostics and the editor.

use crate::quantity::Quantity;
use crate::source::{Span, Spanned};

#[derive(Clone, Debug)]
pub struct Stack {
    pub name: Spanned<String>,
    pub namespace: Spanned<String>,
    /// Span of the `stack` declaration.
    pub span: Span,
    pub budget: Budget,
    pub gates: GateSettings,
    pub cluster_domain: String,
    /// Where DNS and the API server are, for the NetworkPolicies.
    pub network: NetworkSettings,
    /// The profile the stack was evaluated with, if any.
    pub profile: Option<String>,
    /// Prices for `kokuc plan`'s cost figures, if the stack declares them.
    pub prices: Option<Prices>,
    /// Components sorted by name.
    pub components: Vec<Component>,
}

impl Stack {
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.components[i])
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.components.binary_search_by(|c| c.name.as_str().cmp(name)).ok()
    }
}

/// Caps on the totals of the whole stack (requests, as the scheduler counts them).
#[derive(Clone, Debug, Default)]
pub struct Budget {
    pub cpu: Option<Spanned<Quantity>>,
    pub memory: Option<Spanned<Quantity>>,
    pub storage: Option<Spanned<Quantity>>,
    pub pods: Option<Spanned<Quantity>>,
    pub cpu_limits: Option<Spanned<Quantity>>,
    pub memory_limits: Option<Spanned<Quantity>>,
    /// Requests and limits the LimitRange gives containers that declare none
    /// (pods kokuc did not write; kokuc's own always declare both).
    pub defaults: ContainerDefaults,
}

/// `budget.defaults`: what a container without requests or limits gets in the namespace.
#[derive(Clone, Debug)]
pub struct ContainerDefaults {
    pub cpu_request: Quantity,
    pub cpu_limit: Quantity,
    pub memory_request: Quantity,
    pub memory_limit: Quantity,
    /// Where `budget.defaults` was written, if it was.
    pub span: Option<Span>,
}

impl Default for ContainerDefaults {
    /// Small enough for a debugging pod, large enough to start one.
    fn default() -> ContainerDefaults {
        let milli = |m: i128| Quantity {
            nanos: m * 1_000_000,
            dim: crate::quantity::Dim::Scalar,
        };
        let mebi = |m: i128| Quantity {
            nanos: m * 1024 * 1024 * 1_000_000_000,
            dim: crate::quantity::Dim::Bytes,
        };
        ContainerDefaults {
            cpu_request: milli(100),
            cpu_limit: milli(500),
            memory_request: mebi(128),
            memory_limit: mebi(512),
            span: None,
        }
    }
}

impl Default for NetworkSettings {
    fn default() -> NetworkSettings {
        NetworkSettings {
            dns_namespace: "kube-system".to_string(),
            dns_pods: vec![("k8s-app".to_string(), "kube-dns".to_string())],
            dns_port: 53,
            api_server: Vec::new(),
        }
    }
}

/// `network` in the stack: the cluster services every pod may need.
#[derive(Clone, Debug)]
pub struct NetworkSettings {
    /// Namespace of the cluster DNS pods.
    pub dns_namespace: String,
    /// Labels of the cluster DNS pods.
    pub dns_pods: Vec<(String, String)>,
    pub dns_port: u16,
    /// CIDRs of the Kubernetes API server, for pods with Job-completion gates.
    /// Empty: any address (on the API server ports).
    pub api_server: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct GateSettings {
    /// Image for tcp and http gates (needs `sh`, `nc`, `wget`, `date`, `sleep`).
    pub image: String,
    /// Image for Job-completion gates (needs `sh` and `kubectl`).
    pub kubectl_image: String,
    pub timeout_seconds: u32,
    pub cpu: Quantity,
    pub memory: Quantity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    /// A long-running service: Deployment.
    Service,
    /// A stateful service: StatefulSet with volumeClaimTemplates.
    Stateful,
    /// A one-shot Job (migrations, schema setup).
    Job,
    /// Lives outside the cluster; emits no workload.
    External,
}

impl WorkloadKind {
    pub fn keyword(self) -> &'static str {
        match self {
            WorkloadKind::Service => "service",
            WorkloadKind::Stateful => "stateful",
            WorkloadKind::Job => "job",
            WorkloadKind::External => "external",
        }
    }

    /// Expected seconds to become ready when `startup` is not declared: a
    /// Deployment's pod 30s, a StatefulSet's pod (storage to attach, often a
    /// database to recover) and a Job (time to complete) 60s. External
    /// components are already running.
    pub fn default_startup_seconds(self) -> u32 {
        match self {
            WorkloadKind::Service => 30,
            WorkloadKind::Stateful | WorkloadKind::Job => 60,
            WorkloadKind::External => 0,
        }
    }

    pub fn kubernetes_kind(self) -> &'static str {
        match self {
            WorkloadKind::Service => "Deployment",
            WorkloadKind::Stateful => "StatefulSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::External => "external",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Component {
    pub name: String,
    pub name_span: Span,
    /// The whole declaration (`component x { ... }`).
    pub span: Span,
    pub kind: Spanned<WorkloadKind>,
    pub image: Option<Spanned<String>>,
    pub replicas: Spanned<i64>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// In declaration order of their names (sorted), the first is the default gate port.
    pub ports: Vec<Port>,
    pub env: Vec<EnvVar>,
    pub cpu: Resource,
    pub memory: Resource,
    pub storage: Option<Storage>,
    pub ready: Option<Probe>,
    pub after: Vec<Edge>,
    /// Other components this one uses (addresses in env, args, gates), for the
    /// "reference without after" check and for the editor.
    pub references: Vec<Reference>,
    pub job: JobSettings,
    /// For external components: where they live.
    pub external_host: Option<Spanned<HostValue>>,
    pub labels: Vec<(String, String)>,
    /// Profile `override`s that changed this component (their name spans).
    pub overrides: Vec<Span>,
    /// Configuration files mounted read-only into the main container.
    pub files: Vec<ConfigFile>,
    /// Security relaxations, singleton, disruption budget and extra ingress.
    pub policy: ComponentPolicy,
    /// Declared expected time to become ready (a Job: to complete), in seconds.
    /// `kokuc plan` falls back to [`WorkloadKind::default_startup_seconds`].
    pub startup: Option<Spanned<u32>>,
}

/// How a component is secured and kept available: everything here defaults to
/// the strict choice, and every relaxation is explicit (and reported as a note).
#[derive(Clone, Debug, Default)]
pub struct ComponentPolicy {
    pub security: Security,
    /// `singleton = true`: never two pods at once (Recreate strategy).
    pub singleton: Option<Span>,
    pub disruption: Option<Disruption>,
    /// Extra ingress besides the components that use this one.
    pub ingress: Vec<IngressRule>,
    /// For external components: the addresses they live at (empty: anywhere).
    pub cidrs: Vec<Spanned<String>>,
}

/// `security = { ... }`. `None`/empty means the secure default.
#[derive(Clone, Debug, Default)]
pub struct Security {
    /// `user = N`: runAsUser (default [`DEFAULT_UID`]).
    pub user: Option<Spanned<i64>>,
    /// `group = N`: runAsGroup and fsGroup (default: the user).
    pub group: Option<Spanned<i64>>,
    /// `root = true`: may run as root (no runAsNonRoot).
    pub root: Option<Span>,
    /// `writable_root = true`: the root file system is writable.
    pub writable_root: Option<Span>,
    /// `privilege_escalation = true`.
    pub privilege_escalation: Option<Span>,
    /// `capabilities = [ "NET_BIND_SERVICE" ]`: added back after dropping ALL.
    pub capabilities: Vec<Spanned<String>>,
    /// `seccomp = "unconfined"`.
    pub seccomp_unconfined: Option<Span>,
    /// `service_account_token = true`: the token is mounted into every container.
    pub service_account_token: Option<Span>,
    /// `unlimited = [ "cpu" ]`: resources declared without a limit on purpose.
    pub unlimited: Vec<Spanned<String>>,
    /// `mutable_tag = true`: the image may be `:latest` or untagged.
    pub mutable_tag: Option<Span>,
    /// `writable = [ "/var/run/postgresql" ]`: extra writable directories (emptyDirs).
    pub writable: Vec<Spanned<String>>,
    /// `reason = "..."`: why the relaxations are needed.
    pub reason: Option<Spanned<String>>,
    /// The `security` block, if written.
    pub span: Option<Span>,
}

/// The user every container runs as unless the component declares another.
pub const DEFAULT_UID: i64 = 10001;
/// The smallest uid that is not a relaxation (host users are below it).
pub const MIN_UID: i64 = 10000;

/// One relaxed default, for notes, annotations and scanners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relaxation {
    /// What is relaxed, e.g. `runs as user 1000`.
    pub what: String,
    pub span: Span,
    /// Checkov checks that flag exactly this relaxation.
    pub checks: &'static [&'static str],
}

impl Security {
    pub fn uid(&self) -> i64 {
        self.user.as_ref().map_or(DEFAULT_UID, |u| u.value)
    }

    pub fn gid(&self) -> i64 {
        self.group.as_ref().map_or_else(|| self.uid(), |g| g.value)
    }

    pub fn is_unlimited(&self, resource: &str) -> bool {
        self.unlimited.iter().any(|u| u.value == resource)
    }

    /// Every relaxed default, in a fixed order.
    pub fn relaxations(&self) -> Vec<Relaxation> {
        let mut out = Vec::new();
        let mut push = |what: String, span: Span, checks: &'static [&'static str]| {
            out.push(Relaxation { what, span, checks });
        };
        if let Some(span) = self.root {
            // Without a user, the image's (maybe root) applies: no high uid either.
            let checks: &'static [&'static str] = if self.user.is_none() {
                &["CKV_K8S_6", "CKV_K8S_23", "CKV_K8S_40"]
            } else {
                &["CKV_K8S_6", "CKV_K8S_23"]
            };
            push("may run as root".to_string(), span, checks);
        }
        if let Some(u) = self.user.as_ref().filter(|u| u.value > 0 && u.value < MIN_UID) {
            push(
                format!("runs as user {} (below {MIN_UID})", u.value),
                u.span,
                &["CKV_K8S_40"],
            );
        }
        if let Some(span) = self.writable_root {
            push("has a writable root file system".to_string(), span, &["CKV_K8S_22"]);
        }
        if let Some(span) = self.privilege_escalation {
            push(
                "allows privilege escalation".to_string(),
                span,
                &["CKV_K8S_5", "CKV_K8S_20"],
            );
        }
        for c in &self.capabilities {
            let checks: &'static [&'static str] = match c.value.as_str() {
                "NET_RAW" => &["CKV_K8S_24", "CKV_K8S_25", "CKV_K8S_7", "CKV_K8S_28"],
                "SYS_ADMIN" => &["CKV_K8S_24", "CKV_K8S_25", "CKV_K8S_39"],
                _ => &["CKV_K8S_24", "CKV_K8S_25"],
            };
            push(format!("adds capability {}", c.value), c.span, checks);
        }
        if let Some(span) = self.seccomp_unconfined {
            push(
                "runs without a seccomp profile".to_string(),
                span,
                &["CKV_K8S_31", "CKV_K8S_32"],
            );
        }
        if let Some(span) = self.service_account_token {
            push("mounts the service account token".to_string(), span, &["CKV_K8S_38"]);
        }
        for u in &self.unlimited {
            let checks: &'static [&'static str] = if u.value == "cpu" {
                &["CKV_K8S_11"]
            } else {
                &["CKV_K8S_13"]
            };
            push(format!("has no {} limit", u.value), u.span, checks);
        }
        if let Some(span) = self.mutable_tag {
            push("may use a mutable image tag".to_string(), span, &["CKV_K8S_14"]);
        }
        out
    }
}

/// `disruption = { min_available = N; }` or `{ max_unavailable = N; }` (N or "N%").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disruption {
    pub limit: DisruptionLimit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisruptionLimit {
    MinAvailable(Amount),
    MaxUnavailable(Amount),
}

/// A number of pods or a percentage of the replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    Pods(i64),
    Percent(u8),
}

/// `ingress = [ { namespace = "ingress-nginx"; ports = [ "http" ]; } ]`: traffic
/// admitted from outside the stack's components.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressRule {
    /// Components of the stack that talk to this one without an edge or a
    /// reference (a coordinator calling its workers, workers calling each other).
    pub from: Vec<String>,
    /// Pods in this namespace (with `pods`: only those pods).
    pub namespace: Option<String>,
    /// Pod labels (in `namespace`, or in the stack's own namespace).
    pub pods: Vec<(String, String)>,
    /// Addresses outside the cluster.
    pub cidrs: Vec<String>,
    /// Port names of the component; empty: all its ports.
    pub ports: Vec<String>,
    pub span: Span,
}

/// A file written into the container from a ConfigMap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    /// Absolute path in the container.
    pub path: String,
    pub content: String,
    pub span: Span,
}

impl Component {
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name == name)
    }

    pub fn first_port(&self) -> Option<&Port> {
        self.ports.first()
    }

    /// Expected seconds from the moment its gates open until it is ready
    /// (a Job: until it has completed).
    pub fn startup_seconds(&self) -> u32 {
        match self.kind.value {
            WorkloadKind::External => 0,
            kind => self
                .startup
                .as_ref()
                .map_or(kind.default_startup_seconds(), |s| s.value),
        }
    }

    /// Pods this component runs when fully rolled out.
    pub fn pods(&self) -> i64 {
        match self.kind.value {
            WorkloadKind::External => 0,
            WorkloadKind::Job => self.job.parallelism,
            _ => self.replicas.value,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostValue {
    Name(String),
    Secret(SecretRef),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub number: u16,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretRef {
    pub name: String,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvValue {
    Plain(String),
    Secret(SecretRef),
}

#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    pub span: Span,
}

/// Request and limit of one resource; at least one is set.
#[derive(Clone, Debug, Default)]
pub struct Resource {
    pub request: Option<Spanned<Quantity>>,
    pub limit: Option<Spanned<Quantity>>,
    /// Where the resource was declared.
    pub span: Span,
}

impl Resource {
    /// What the scheduler reserves: the request, or the limit when only a limit is set.
    pub fn effective_request(&self) -> Option<Quantity> {
        self.request.as_ref().or(self.limit.as_ref()).map(|s| s.value)
    }

    pub fn effective_limit(&self) -> Option<Quantity> {
        self.limit.as_ref().map(|s| s.value)
    }
}

#[derive(Clone, Debug)]
pub struct Storage {
    pub size: Spanned<Quantity>,
    pub path: String,
    pub class: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeAction {
    Tcp { port: String },
    Http { path: String, port: String },
    Exec { command: Vec<String> },
}

#[derive(Clone, Debug)]
pub struct Probe {
    pub action: ProbeAction,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// TCP connect to the target's Service (or external host) on a port.
    Tcp { port: Option<String> },
    /// HTTP GET that must answer 2xx.
    Http { path: String, port: Option<String> },
    /// A command in an image, retried until it exits 0.
    Exec {
        command: Vec<String>,
        image: Option<String>,
    },
    /// The target Job has completed.
    Complete,
}

impl Gate {
    pub fn keyword(&self) -> &'static str {
        match self {
            Gate::Tcp { .. } => "tcp",
            Gate::Http { .. } => "http",
            Gate::Exec { .. } => "exec",
            Gate::Complete => "complete",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub target: String,
    /// The `after` entry.
    pub span: Span,
    /// `None`: the default for the target (completion for Jobs, tcp otherwise).
    pub gate: Option<Spanned<Gate>>,
    pub optional: bool,
    pub timeout_seconds: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Reference {
    pub target: String,
    pub span: Span,
    /// Where the reference was used, e.g. `env TRINO_HOST`.
    pub context: String,
    /// The port it names (`x.port.http`, or the first port for `x.port`);
    /// `None` for `x.host`.
    pub port: Option<String>,
}

impl Reference {
    /// The `context` of an address written inside the gate of the edge on `target`.
    pub fn gate_context(target: &str) -> String {
        format!("gate on {target}")
    }

    /// The target of the edge whose gate holds this reference, if it is in a gate.
    pub fn gate_target(&self) -> Option<&str> {
        self.context.strip_prefix("gate on ")
    }
}

/// What resources cost, per month (`prices = { ... }` on the stack).
///
/// Prices are exact quantities in currency units: `cpu` per core-month,
/// `memory` and `storage` per GiB-month (2^30 bytes).
#[derive(Clone, Debug)]
pub struct Prices {
    pub cpu: Spanned<Quantity>,
    pub memory: Spanned<Quantity>,
    pub storage: Spanned<Quantity>,
    /// Price cpu and memory on requests or on limits.
    pub basis: Spanned<PriceBasis>,
    /// Months for the "over the horizon" figure (the seed's 3 years: 36).
    pub horizon_months: Spanned<u32>,
    /// Written before amounts, e.g. `$`.
    pub currency: String,
    /// Fixed monthly costs that do not depend on resources, by name (sorted).
    pub fixed: Vec<(String, Spanned<Quantity>)>,
    /// The whole `prices` value.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PriceBasis {
    Requests,
    Limits,
}

impl PriceBasis {
    pub fn keyword(self) -> &'static str {
        match self {
            PriceBasis::Requests => "requests",
            PriceBasis::Limits => "limits",
        }
    }
}

#[derive(Clone, Debug)]
pub struct JobSettings {
    /// `ttlSecondsAfterFinished`: the Job deletes itself this long after finishing.
    pub ttl_seconds: Option<Spanned<u32>>,
    pub backoff_limit: i32,
    pub parallelism: i64,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            ttl_seconds: None,
            backoff_limit: 6,
            parallelism: 1,
        }
    }
}
