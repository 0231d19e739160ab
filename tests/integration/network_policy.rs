//! NetworkPolicy semantics, computed from the emitted YAML alone.
//!
//! The evaluator below implements the Kubernetes rules (a pod is isolated for
//! a direction once a policy of that type selects it; a connection needs the
//! sender's egress and the receiver's ingress; peers are pod selectors,
//! namespace selectors or IP blocks; ports are numbers, names or ranges) and
//! knows nothing about kokuc. For every ordered pair of components and every
//! port in play, the test asks it whether a connection is allowed and compares
//! with the traffic the stack declares.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;

/// Something that can send or receive: a pod (in a namespace, with labels and
/// named ports) or an address outside the cluster.
#[derive(Clone, Debug)]
struct Endpoint {
    name: String,
    namespace: Option<String>,
    labels: BTreeMap<String, String>,
    ports: BTreeMap<String, i32>,
    ip: IpAddr,
}

struct Cluster {
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    policies: Vec<NetworkPolicy>,
    endpoints: Vec<Endpoint>,
}

fn selector_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let labels_ok = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let expressions_ok = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.clone().unwrap_or_default();
        match e.operator.as_str() {
            "In" => labels.get(&e.key).is_some_and(|v| values.contains(v)),
            "NotIn" => labels.get(&e.key).is_none_or(|v| !values.contains(v)),
            "Exists" => labels.contains_key(&e.key),
            "DoesNotExist" => !labels.contains_key(&e.key),
            other => panic!("unknown selector operator {other}"),
        }
    });
    labels_ok && expressions_ok
}

fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let (net, prefix) = cidr.split_once('/').expect("CIDR");
    let net: IpAddr = net.parse().expect("CIDR address");
    let prefix: u32 = prefix.parse().expect("prefix");
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

impl Cluster {
    fn namespace_labels(&self, ns: &str) -> BTreeMap<String, String> {
        let mut labels = self.namespaces.get(ns).cloned().unwrap_or_default();
        labels.insert("kubernetes.io/metadata.name".to_string(), ns.to_string());
        labels
    }

    /// Does `peer` (in a policy of namespace `policy_ns`) match `e`?
    fn peer_matches(&self, peer: &NetworkPolicyPeer, policy_ns: &str, e: &Endpoint) -> bool {
        if let Some(block) = &peer.ip_block {
            // Conservative: an IP block matches pods too, as some plugins do.
            return cidr_contains(&block.cidr, e.ip) && !block.except.iter().flatten().any(|x| cidr_contains(x, e.ip));
        }
        let Some(ns) = &e.namespace else {
            return false; // outside the cluster: only IP blocks match
        };
        let ns_ok = match &peer.namespace_selector {
            Some(sel) => selector_matches(sel, &self.namespace_labels(ns)),
            None => ns == policy_ns,
        };
        let pod_ok = peer
            .pod_selector
            .as_ref()
            .is_none_or(|sel| selector_matches(sel, &e.labels));
        ns_ok && pod_ok
    }

    fn port_matches(ports: &Option<Vec<NetworkPolicyPort>>, dst: &Endpoint, port: i32, protocol: &str) -> bool {
        let Some(ports) = ports else {
            return true;
        };
        if ports.is_empty() {
            return true;
        }
        ports.iter().any(|p| {
            let proto_ok = p.protocol.as_deref().unwrap_or("TCP") == protocol;
            let port_ok = match &p.port {
                None => true,
                Some(IntOrString::Int(n)) => match p.end_port {
                    Some(end) => (*n..=end).contains(&port),
                    None => *n == port,
                },
                Some(IntOrString::String(name)) => dst.ports.get(name) == Some(&port),
            };
            proto_ok && port_ok
        })
    }

    /// Policies of `kind` ("Ingress"/"Egress") that select pod `e`.
    fn selecting(&self, e: &Endpoint, kind: &str) -> Vec<&NetworkPolicy> {
        let Some(ns) = &e.namespace else {
            return Vec::new();
        };
        self.policies
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(ns.as_str()))
            .filter(|p| {
                let spec = p.spec.as_ref().expect("spec");
                let types = spec.policy_types.clone().unwrap_or_else(|| {
                    let mut t = vec!["Ingress".to_string()];
                    if spec.egress.is_some() {
                        t.push("Egress".to_string());
                    }
                    t
                });
                types.iter().any(|t| t == kind)
                    && selector_matches(spec.pod_selector.as_ref().expect("podSelector"), &e.labels)
            })
            .collect()
    }

    fn egress_allows(&self, src: &Endpoint, dst: &Endpoint, port: i32, protocol: &str) -> bool {
        let policies = self.selecting(src, "Egress");
        if src.namespace.is_none() || policies.is_empty() {
            return true;
        }
        policies.iter().any(|p| {
            let ns = p.metadata.namespace.as_deref().expect("namespace");
            p.spec
                .as_ref()
                .and_then(|s| s.egress.as_ref())
                .iter()
                .flat_map(|r| r.iter())
                .any(|rule| {
                    let to_ok = match &rule.to {
                        None => true,
                        Some(peers) if peers.is_empty() => true,
                        Some(peers) => peers.iter().any(|peer| self.peer_matches(peer, ns, dst)),
                    };
                    to_ok && Self::port_matches(&rule.ports, dst, port, protocol)
                })
        })
    }

    fn ingress_allows(&self, src: &Endpoint, dst: &Endpoint, port: i32, protocol: &str) -> bool {
        let policies = self.selecting(dst, "Ingress");
        if dst.namespace.is_none() || policies.is_empty() {
            return true;
        }
        policies.iter().any(|p| {
            let ns = p.metadata.namespace.as_deref().expect("namespace");
            p.spec
                .as_ref()
                .and_then(|s| s.ingress.as_ref())
                .iter()
                .flat_map(|r| r.iter())
                .any(|rule| {
                    let from_ok = match &rule.from {
                        None => true,
                        Some(peers) if peers.is_empty() => true,
                        Some(peers) => peers.iter().any(|peer| self.peer_matches(peer, ns, src)),
                    };
                    from_ok && Self::port_matches(&rule.ports, dst, port, protocol)
                })
        })
    }

    fn allows(&self, src: &Endpoint, dst: &Endpoint, port: i32, protocol: &str) -> bool {
        self.egress_allows(src, dst, port, protocol) && self.ingress_allows(src, dst, port, protocol)
    }

    fn endpoint(&self, name: &str) -> &Endpoint {
        self.endpoints
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no endpoint {name}"))
    }
}

/// Reads the YAML stream of a build: policies and namespaces as they are, and
/// one pod per workload (its template's labels and container ports).
fn cluster_from_yaml(yaml: &str) -> Cluster {
    let mut cluster = Cluster {
        namespaces: BTreeMap::new(),
        policies: Vec::new(),
        endpoints: Vec::new(),
    };
    for (i, doc) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        let value = serde_yaml::Value::deserialize(doc).expect("YAML document");
        let kind = value["kind"].as_str().expect("kind").to_string();
        match kind.as_str() {
            "Namespace" => {
                let name = value["metadata"]["name"].as_str().expect("name").to_string();
                let labels = serde_yaml::from_value(value["metadata"]["labels"].clone()).unwrap_or_default();
                cluster.namespaces.insert(name, labels);
            }
            "NetworkPolicy" => cluster
                .policies
                .push(serde_yaml::from_value(value).expect("a valid NetworkPolicy")),
            "Deployment" | "StatefulSet" | "Job" => {
                let template = &value["spec"]["template"];
                let labels: BTreeMap<String, String> =
                    serde_yaml::from_value(template["metadata"]["labels"].clone()).expect("labels");
                let mut ports = BTreeMap::new();
                for c in template["spec"]["containers"].as_sequence().expect("containers") {
                    for p in c["ports"].as_sequence().into_iter().flatten() {
                        let number = p["containerPort"].as_i64().expect("port");
                        ports.insert(p["name"].as_str().unwrap_or("").to_string(), number as i32);
                    }
                }
                cluster.endpoints.push(Endpoint {
                    name: value["metadata"]["name"].as_str().expect("name").to_string(),
                    namespace: value["metadata"]["namespace"].as_str().map(str::to_string),
                    labels,
                    ports,
                    ip: format!("10.244.0.{}", i + 1).parse().expect("ip"),
                });
            }
            _ => {}
        }
    }
    cluster
}

fn build(stack: &Path, profile: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kokuc"));
    cmd.arg("build").arg(stack).arg("--stdout");
    if let Some(p) = profile {
        cmd.args(["--profile", p]);
    }
    let out = cmd.output().expect("run kokuc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Extra endpoints outside the stack: DNS, an ingress controller, a foreign pod
/// in the stack's namespace, and addresses outside the cluster.
fn add_outsiders(cluster: &mut Cluster, namespace: &str) {
    let pod = |name: &str, ns: &str, labels: &[(&str, &str)], ip: &str| Endpoint {
        name: name.to_string(),
        namespace: Some(ns.to_string()),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ports: BTreeMap::new(),
        ip: ip.parse().expect("ip"),
    };
    cluster
        .endpoints
        .push(pod("dns", "kube-system", &[("k8s-app", "kube-dns")], "10.96.0.10"));
    cluster.endpoints.push(pod(
        "other-kube-system",
        "kube-system",
        &[("app", "metrics")],
        "10.96.0.11",
    ));
    cluster.endpoints.push(pod(
        "ingress",
        "ingress-nginx",
        &[("app", "ingress-nginx")],
        "10.244.9.1",
    ));
    cluster
        .endpoints
        .push(pod("intruder", namespace, &[("app", "intruder")], "10.244.9.2"));
    for (name, ip) in [
        ("payments", "203.0.113.10"),
        ("internet", "198.51.100.7"),
        ("apiserver", "10.96.0.1"),
    ] {
        cluster.endpoints.push(Endpoint {
            name: name.to_string(),
            namespace: None,
            labels: BTreeMap::new(),
            ports: BTreeMap::new(),
            ip: ip.parse().expect("ip"),
        });
    }
}

/// Every (src, dst, port) over TCP that the policies allow among `names`,
/// leaving out pairs where neither end is one of the stack's pods (`ours`).
fn allowed(
    cluster: &Cluster,
    names: &[String],
    ours: &[String],
    ports: &BTreeSet<i32>,
) -> BTreeSet<(String, String, i32)> {
    let mut out = BTreeSet::new();
    for a in names {
        for b in names {
            if !ours.contains(a) && !ours.contains(b) {
                continue;
            }
            for &p in ports {
                if cluster.allows(cluster.endpoint(a), cluster.endpoint(b), p, "TCP") {
                    out.insert((a.clone(), b.clone(), p));
                }
            }
        }
    }
    out
}

fn triples(list: &[(&str, &str, i32)]) -> BTreeSet<(String, String, i32)> {
    list.iter()
        .map(|(a, b, p)| (a.to_string(), b.to_string(), *p))
        .collect()
}

#[test]
fn exactly_the_declared_traffic_is_allowed() {
    let yaml = build(&root().join("tests/integration/data/network.koku"), None);
    let mut cluster = cluster_from_yaml(&yaml);
    let components: Vec<String> = cluster.endpoints.iter().map(|e| e.name.clone()).collect();
    let mut sorted = components.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["api", "auditor", "cache", "db", "loner", "migrate", "peers", "reporter", "worker"]
    );
    add_outsiders(&mut cluster, "net");
    let mut ports: BTreeSet<i32> = [5432, 9187, 6379, 8080, 8081, 7946, 8000, 443, 22, 80].into();
    ports.extend(cluster.endpoints.iter().flat_map(|e| e.ports.values().copied()));

    let mut names = components.clone();
    names.extend(["ingress", "intruder", "payments", "internet", "apiserver"].map(String::from));
    let declared = triples(&[
        ("api", "db", 5432),
        ("api", "cache", 6379),
        ("api", "payments", 443),
        ("api", "peers", 7946),
        ("auditor", "cache", 6379),
        ("auditor", "db", 5432),
        ("auditor", "db", 9187),
        ("migrate", "db", 5432),
        ("worker", "api", 8081),
        ("worker", "apiserver", 443),
        ("peers", "peers", 7946),
        ("reporter", "db", 5432),
        ("ingress", "api", 8080),
    ]);
    let got = allowed(&cluster, &names, &components, &ports);
    let extra: Vec<_> = got.difference(&declared).collect();
    let missing: Vec<_> = declared.difference(&got).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "allowed but not declared: {extra:?}\ndeclared but denied: {missing:?}"
    );

    // Every pod resolves names, over UDP and TCP, and reaches nothing else in kube-system.
    for c in &components {
        let src = cluster.endpoint(c);
        for proto in ["UDP", "TCP"] {
            assert!(
                cluster.egress_allows(src, cluster.endpoint("dns"), 53, proto),
                "{c} → DNS/{proto}"
            );
        }
        assert!(
            !cluster.egress_allows(src, cluster.endpoint("dns"), 80, "TCP"),
            "{c} → DNS:80"
        );
        assert!(
            !cluster.egress_allows(src, cluster.endpoint("other-kube-system"), 53, "UDP"),
            "{c} → kube-system"
        );
    }
    // Only the component with a Job-completion gate reaches the API server, on its ports.
    for c in &components {
        let src = cluster.endpoint(c);
        for port in [443, 6443] {
            let to_api = cluster.egress_allows(src, cluster.endpoint("apiserver"), port, "TCP");
            assert_eq!(to_api, c == "worker", "{c} → API server:{port}");
            assert!(
                !cluster.egress_allows(src, cluster.endpoint("internet"), port, "TCP"),
                "{c} → internet:{port}"
            );
        }
    }
}

/// On every profile of the seed stack: traffic allowed between two components
/// exactly when the model declares a use (an edge with a port, an address, or
/// an ingress `from`), and the TCP and HTTP gates always get through.
#[test]
fn the_seed_stack_allows_only_declared_uses() {
    let stack_path = root().join("stacks/koku.koku");
    let loader = kokuc::eval::FsLoader;
    let base = kokuc::compile(&loader, &stack_path, &kokuc::Options::default());
    let mut profiles: Vec<Option<String>> = vec![None];
    profiles.extend(base.facts.profiles.iter().map(|(p, _)| Some(p.clone())));
    assert!(profiles.len() >= 6, "{profiles:?}");
    for profile in profiles {
        let options = kokuc::Options {
            profile: profile.clone(),
            ..kokuc::Options::default()
        };
        let compilation = kokuc::compile(&loader, &stack_path, &options);
        let stack = compilation.stack.expect("the stack compiles");
        let yaml = build(&stack_path, profile.as_deref());
        let mut cluster = cluster_from_yaml(&yaml);
        add_outsiders(&mut cluster, &stack.namespace.value);
        let names: Vec<String> = stack
            .components
            .iter()
            .filter(|c| c.kind.value != kokuc::model::WorkloadKind::External)
            .map(|c| c.name.clone())
            .collect();
        let ports: BTreeSet<i32> = stack
            .components
            .iter()
            .flat_map(|c| c.ports.iter().map(|p| i32::from(p.number)))
            .chain([22, 80])
            .collect();
        // What the model says each component uses: (client, server) pairs.
        let mut uses: BTreeSet<(String, String)> = BTreeSet::new();
        for c in &stack.components {
            for e in &c.after {
                uses.insert((c.name.clone(), e.target.clone()));
            }
            for r in &c.references {
                uses.insert((c.name.clone(), r.target.clone()));
            }
            for rule in &c.policy.ingress {
                for from in &rule.from {
                    uses.insert((from.clone(), c.name.clone()));
                }
            }
        }
        let got = allowed(&cluster, &names, &names, &ports);
        for (a, b, p) in &got {
            assert!(
                uses.contains(&(a.clone(), b.clone())),
                "{profile:?}: {a} → {b}:{p} allowed without a declared use"
            );
            let server = stack.component(b).expect("server");
            assert!(
                server.ports.iter().any(|sp| i32::from(sp.number) == *p),
                "{profile:?}: {a} → {b}:{p} is not a port of {b}"
            );
        }
        for c in &stack.components {
            for e in &c.after {
                let Some(target) = stack.component(&e.target) else {
                    continue;
                };
                if target.kind.value == kokuc::model::WorkloadKind::External {
                    continue;
                }
                let port = match e.gate.as_ref().map(|g| &g.value) {
                    Some(kokuc::model::Gate::Tcp { port } | kokuc::model::Gate::Http { port, .. }) => {
                        port.as_deref().and_then(|n| target.port(n)).or(target.first_port())
                    }
                    None if target.kind.value != kokuc::model::WorkloadKind::Job => target.first_port(),
                    _ => None,
                };
                if let Some(port) = port {
                    let triple = (c.name.clone(), target.name.clone(), i32::from(port.number));
                    assert!(got.contains(&triple), "{profile:?}: the gate {triple:?} is blocked");
                }
            }
        }
        // Nothing reaches a pod the stack did not declare, and it reaches nothing.
        for c in &names {
            for p in &ports {
                let (pod, intruder) = (cluster.endpoint(c), cluster.endpoint("intruder"));
                assert!(
                    !cluster.allows(intruder, pod, *p, "TCP"),
                    "{profile:?}: intruder → {c}:{p}"
                );
                assert!(
                    !cluster.allows(pod, intruder, *p, "TCP"),
                    "{profile:?}: {c} → intruder:{p}"
                );
            }
        }
    }
}

/// The seed's base profile, spelled out: these are the only connections.
#[test]
fn the_seed_stack_connections_by_hand() {
    let yaml = build(&root().join("stacks/koku.koku"), None);
    let mut cluster = cluster_from_yaml(&yaml);
    add_outsiders(&mut cluster, "koku");
    let names: Vec<String> = cluster
        .endpoints
        .iter()
        .filter(|e| e.namespace.as_deref() == Some("koku") && e.name != "intruder")
        .map(|e| e.name.clone())
        .collect();
    let ports: BTreeSet<i32> = [5432, 6379, 8000, 8080, 9000, 9001, 9083].into();
    let koku = [
        "koku-api-reads",
        "koku-api-writes",
        "worker-cost-model",
        "worker-download",
        "worker-ocp",
        "worker-priority",
        "worker-refresh",
        "worker-summary",
    ];
    let mut declared = vec![
        ("koku-migrate", "koku-db", 5432),
        ("metastore-db", "koku-db", 5432),
        ("hive-schema", "koku-db", 5432),
        ("hive-metastore", "koku-db", 5432),
        ("hive-metastore", "minio", 9000),
        ("trino-coordinator", "hive-metastore", 9083),
        ("trino-coordinator", "minio", 9000),
        ("trino-coordinator", "trino-worker", 8080),
        ("trino-worker", "trino-coordinator", 8080),
        ("trino-worker", "hive-metastore", 9083),
        ("trino-worker", "minio", 9000),
        ("trino-worker", "trino-worker", 8080),
        ("celery-beat", "koku-db", 5432),
        ("celery-beat", "redis", 6379),
        ("celery-beat", "minio", 9000),
    ];
    for k in koku {
        declared.extend([
            (k, "koku-db", 5432),
            (k, "redis", 6379),
            (k, "minio", 9000),
            (k, "trino-coordinator", 8080),
            (k, "trino-worker", 8080),
        ]);
    }
    let got = allowed(&cluster, &names, &names, &ports);
    let declared = triples(&declared);
    let extra: Vec<_> = got.difference(&declared).collect();
    let missing: Vec<_> = declared.difference(&got).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "allowed but not declared: {extra:?}\ndeclared but denied: {missing:?}"
    );
    // The ingress controller reaches the API on its port, and nothing else.
    let ingress = cluster.endpoint("ingress");
    for name in &names {
        for &p in &ports {
            let expected = name.starts_with("koku-api-") && p == 8000;
            assert_eq!(
                cluster.allows(ingress, cluster.endpoint(name), p, "TCP"),
                expected,
                "ingress → {name}:{p}"
            );
        }
    }
}
