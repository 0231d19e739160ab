//! NetworkPolicies from the graph: least-privilege networking.
//!
//! The namespace gets a default-deny policy (no ingress, no egress). Each
//! component then gets one policy that admits exactly the traffic the stack
//! declares ([`traffic`]): ingress from the components that use it, egress to
//! the components and external services it uses, to the cluster DNS, and (for
//! Job-completion gates) to the API server. Extra ingress comes only from the
//! component's `ingress` list.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::gate::{self, ResolvedGate};
use super::labels;
use crate::model::{Component, IngressRule, Stack, WorkloadKind};

/// Name of the namespace-wide default-deny policy.
pub const DEFAULT_DENY: &str = "kokuc-default-deny";
/// The label Kubernetes puts on every namespace, with its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// Ports of the Kubernetes API server (the Service, and the usual endpoint).
pub const API_SERVER_PORTS: [u16; 2] = [443, 6443];
const ANYWHERE: [&str; 2] = ["0.0.0.0/0", "::/0"];

/// Declared traffic: (client, server) component indices → TCP ports on the server.
pub type Traffic = BTreeMap<(usize, usize), BTreeSet<u16>>;

/// Who talks to whom, on which ports, from the stack's declarations alone:
///
/// * an `after` edge: the port its gate checks (tcp, http), the target's first
///   port (exec), nothing for a Job-completion gate;
/// * an address: the port it names (`x.port.http`, or the first port for
///   `x.port`); an address naming only the host (`x.host`) admits every port
///   of `x` unless the component names some port of `x` elsewhere;
/// * an `ingress = [ { from = [ ... ]; } ]` entry on the server.
pub fn traffic(stack: &Stack) -> Traffic {
    let mut flows = Traffic::new();
    for (a, client) in stack.components.iter().enumerate() {
        if client.kind.value == WorkloadKind::External {
            continue;
        }
        for edge in &client.after {
            let (Some(b), Some(target)) = (stack.index_of(&edge.target), stack.component(&edge.target)) else {
                continue;
            };
            if b == a {
                continue;
            }
            let port = match gate::resolve(edge, target) {
                Some(ResolvedGate::Tcp { port } | ResolvedGate::Http { port, .. }) => Some(port),
                Some(ResolvedGate::Exec { .. }) => target.first_port().map(|p| p.number),
                Some(ResolvedGate::Complete) | None => None,
            };
            flows.entry((a, b)).or_default().extend(port);
        }
        let mut host_only = BTreeSet::new();
        for r in &client.references {
            let (Some(b), Some(target)) = (stack.index_of(&r.target), stack.component(&r.target)) else {
                continue;
            };
            if b == a {
                continue;
            }
            match r.port.as_deref().and_then(|name| target.port(name)) {
                Some(port) => {
                    flows.entry((a, b)).or_default().insert(port.number);
                }
                None => {
                    host_only.insert(b);
                }
            }
        }
        for b in host_only {
            let ports = flows.entry((a, b)).or_default();
            if ports.is_empty() {
                ports.extend(stack.components[b].ports.iter().map(|p| p.number));
            }
        }
    }
    for (b, server) in stack.components.iter().enumerate() {
        for rule in &server.policy.ingress {
            let ports = rule_ports(server, rule);
            for from in &rule.from {
                if let Some(a) = stack.index_of(from) {
                    if stack.components[a].kind.value != WorkloadKind::External {
                        flows.entry((a, b)).or_default().extend(ports.iter().copied());
                    }
                }
            }
        }
    }
    flows.retain(|_, ports| !ports.is_empty());
    flows
}

/// The port numbers an ingress entry admits: the ones it names, or all.
fn rule_ports(c: &Component, rule: &IngressRule) -> BTreeSet<u16> {
    if rule.ports.is_empty() {
        c.ports.iter().map(|p| p.number).collect()
    } else {
        rule.ports.iter().filter_map(|n| c.port(n)).map(|p| p.number).collect()
    }
}

fn tcp_ports(ports: impl IntoIterator<Item = u16>) -> Vec<NetworkPolicyPort> {
    ports
        .into_iter()
        .map(|p| NetworkPolicyPort {
            port: Some(IntOrString::Int(i32::from(p))),
            protocol: Some("TCP".to_string()),
            ..NetworkPolicyPort::default()
        })
        .collect()
}

fn pods(stack: &Stack, c: &Component) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(labels::selector(stack, c)),
        ..NetworkPolicyPeer::default()
    }
}

fn ip_blocks<'a>(cidrs: impl IntoIterator<Item = &'a str>) -> Vec<NetworkPolicyPeer> {
    cidrs
        .into_iter()
        .map(|cidr| NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.to_string(),
                except: None,
            }),
            ..NetworkPolicyPeer::default()
        })
        .collect()
}

fn label_selector(pairs: &[(String, String)]) -> LabelSelector {
    LabelSelector {
        match_labels: Some(pairs.iter().cloned().collect()),
        ..LabelSelector::default()
    }
}

fn namespace_selector(name: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(NAMESPACE_NAME_LABEL.to_string(), name.to_string())])),
        ..LabelSelector::default()
    }
}

/// Deny all ingress and egress of every pod in the namespace; each component's
/// policy then opens exactly what it needs.
pub fn default_deny(stack: &Stack) -> NetworkPolicy {
    NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(DEFAULT_DENY.to_string()),
            namespace: Some(stack.namespace.value.clone()),
            labels: Some(labels::stack_labels(stack)),
            ..ObjectMeta::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".to_string(), "Egress".to_string()]),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// The policy of one (in-cluster) component.
/// The clients of every component (indices, ascending): the ingress side of
/// [`traffic`], indexed once so that [`policy`] need not scan all the traffic
/// of the stack for each component (quadratic on a big stack).
pub fn clients(stack: &Stack, traffic: &Traffic) -> Vec<Vec<usize>> {
    let mut clients = vec![Vec::new(); stack.components.len()];
    for &(a, b) in traffic.keys() {
        if let Some(list) = clients.get_mut(b) {
            list.push(a);
        }
    }
    clients
}

/// `clients` is [`clients`] of the same traffic.
pub fn policy(stack: &Stack, traffic: &Traffic, clients: &[Vec<usize>], index: usize) -> NetworkPolicy {
    let c = &stack.components[index];
    let mut ingress = Vec::new();
    for &a in clients.get(index).map_or(&[][..], Vec::as_slice) {
        let Some(ports) = traffic.get(&(a, index)) else {
            continue;
        };
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![pods(stack, &stack.components[a])]),
            ports: Some(tcp_ports(ports.iter().copied())),
        });
    }
    // Extra ingress follows, in the order it was written.
    for rule in &c.policy.ingress {
        if !rule.from.is_empty() {
            continue; // already in `traffic`
        }
        let from = if rule.cidrs.is_empty() {
            vec![NetworkPolicyPeer {
                namespace_selector: rule.namespace.as_deref().map(namespace_selector),
                pod_selector: Some(label_selector(&rule.pods)),
                ..NetworkPolicyPeer::default()
            }]
        } else {
            ip_blocks(rule.cidrs.iter().map(String::as_str))
        };
        ingress.push(NetworkPolicyIngressRule {
            from: Some(from),
            ports: Some(tcp_ports(rule_ports(c, rule))),
        });
    }

    let dns = &stack.network;
    let mut egress = vec![NetworkPolicyEgressRule {
        to: Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(namespace_selector(&dns.dns_namespace)),
            pod_selector: Some(label_selector(&dns.dns_pods)),
            ..NetworkPolicyPeer::default()
        }]),
        ports: Some(
            ["UDP", "TCP"]
                .iter()
                .map(|protocol| NetworkPolicyPort {
                    port: Some(IntOrString::Int(i32::from(dns.dns_port))),
                    protocol: Some(protocol.to_string()),
                    ..NetworkPolicyPort::default()
                })
                .collect(),
        ),
    }];
    for ((_, b), ports) in traffic.range((index, 0)..(index + 1, 0)) {
        let server = &stack.components[*b];
        let to = if server.kind.value == WorkloadKind::External {
            if server.policy.cidrs.is_empty() {
                ip_blocks(ANYWHERE)
            } else {
                ip_blocks(server.policy.cidrs.iter().map(|c| c.value.as_str()))
            }
        } else {
            vec![pods(stack, server)]
        };
        egress.push(NetworkPolicyEgressRule {
            to: Some(to),
            ports: Some(tcp_ports(ports.iter().copied())),
        });
    }
    if !gate::waits_for_jobs(stack, c).is_empty() {
        let to = if dns.api_server.is_empty() {
            ip_blocks(ANYWHERE)
        } else {
            ip_blocks(dns.api_server.iter().map(String::as_str))
        };
        egress.push(NetworkPolicyEgressRule {
            to: Some(to),
            ports: Some(tcp_ports(API_SERVER_PORTS)),
        });
    }

    NetworkPolicy {
        metadata: labels::metadata(stack, c, &c.name, None),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(labels::selector(stack, c)),
            policy_types: Some(vec!["Ingress".to_string(), "Egress".to_string()]),
            ingress: (!ingress.is_empty()).then_some(ingress),
            egress: Some(egress),
        }),
    }
}
