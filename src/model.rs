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
    /// Declared expected time to become ready (a Job: to complete), in seconds.
    /// `kokuc plan` falls back to [`WorkloadKind::default_startup_seconds`].
    pub startup: Option<Spanned<u32>>,
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
