//! Checks on edges: self-edges, duplicates, gates that do not fit their target,
//! gates that can never open, and references that no `after` edge covers.

use std::collections::HashMap;

use super::DependencyGraph;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Component, Edge, Gate, Stack, WorkloadKind};

pub fn check_edges(stack: &Stack, _graph: &DependencyGraph, diagnostics: &mut Diagnostics) {
    for c in &stack.components {
        if c.kind.value == WorkloadKind::External && !c.after.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    Code::K0308,
                    format!("external component `{}` cannot come after anything", c.name),
                    c.after[0].span,
                    "kokuc does not start external components",
                )
                .with_label(c.kind.span, "declared external here")
                .with_help("remove `after` from the external component; put the edge on the components that use it"),
            );
        }
        // First edge to each target, so duplicates are found in O(edges).
        let mut first_edge: HashMap<&str, &Edge> = HashMap::with_capacity(c.after.len());
        for edge in &c.after {
            if edge.target == c.name {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0302,
                        format!("`{}` comes after itself", c.name),
                        edge.span,
                        "a component cannot wait for itself",
                    )
                    .with_label(c.name_span, "the component")
                    .with_help("remove this entry from `after`; its gate could never open"),
                );
                continue;
            }
            if let Some(first) = first_edge.get(edge.target.as_str()) {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::K0309,
                        format!("`{}` comes after `{}` twice", c.name, edge.target),
                        edge.span,
                        "duplicate edge",
                    )
                    .with_label(first.span, "first edge")
                    .with_help("remove one of them; each edge adds a wait gate"),
                );
            }
            first_edge.entry(edge.target.as_str()).or_insert(edge);
            let Some(target) = stack.component(&edge.target) else {
                continue;
            };
            check_gate(stack, c, edge, target, diagnostics);
        }
    }
}

fn check_gate(stack: &Stack, c: &Component, edge: &Edge, target: &Component, diagnostics: &mut Diagnostics) {
    let gate_span = edge.gate.as_ref().map_or(edge.span, |g| g.span);
    let ports: Vec<&str> = target.ports.iter().map(|p| p.name.as_str()).collect();
    let unknown_port = |port: &str, diagnostics: &mut Diagnostics| {
        if target.port(port).is_none() {
            let help = suggest::did_you_mean(port, "port", ports.iter().copied()).unwrap_or_else(|| {
                if ports.is_empty() {
                    format!("`{}` declares no ports", target.name)
                } else {
                    format!("the ports of `{}` are: {}", target.name, ports.join(", "))
                }
            });
            diagnostics.push(
                Diagnostic::error(
                    Code::K0308,
                    format!(
                        "the gate on `{}` uses port `{port}`, which `{}` does not declare",
                        target.name, target.name
                    ),
                    gate_span,
                    "unknown port",
                )
                .with_label(target.name_span, "the target is declared here")
                .with_help(help),
            );
        }
    };
    let needs_a_port = |what: &str, diagnostics: &mut Diagnostics| {
        diagnostics.push(
            Diagnostic::error(
                Code::K0308,
                format!(
                    "`{}` comes after `{}`, but {what} needs a port and `{}` has none",
                    c.name, target.name, target.name
                ),
                gate_span,
                "nothing to connect to",
            )
            .with_label(target.name_span, "declared without ports")
            .with_help(format!(
                "declare a port on `{}`, or gate with a command: `{{ on = {}; gate = {{ exec = [ ... ]; }}; }}`",
                target.name, target.name
            )),
        );
    };
    match edge.gate.as_ref().map(|g| &g.value) {
        None => match target.kind.value {
            WorkloadKind::Job => {
                check_ttl(c, edge, target, diagnostics);
            }
            _ if target.ports.is_empty() => needs_a_port("the default gate (a TCP connect)", diagnostics),
            _ => {}
        },
        Some(Gate::Tcp { port }) | Some(Gate::Http { port, .. }) => match port {
            Some(p) => unknown_port(p, diagnostics),
            None if target.ports.is_empty() => needs_a_port("a tcp or http gate", diagnostics),
            None => {}
        },
        Some(Gate::Complete) => {
            if target.kind.value != WorkloadKind::Job {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0308,
                        format!(
                            "a completion gate waits for a Job, but `{}` is a {}",
                            target.name,
                            target.kind.value.keyword()
                        ),
                        gate_span,
                        "only Jobs complete",
                    )
                    .with_label(target.kind.span.to(target.kind.span), "its kind")
                    .with_help("use a tcp, http or exec gate for services"),
                );
            } else {
                check_ttl(c, edge, target, diagnostics);
            }
        }
        Some(Gate::Exec { image, .. }) => {
            if image.is_none() && target.kind.value == WorkloadKind::External {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0308,
                        format!("the exec gate on external `{}` needs an `image`", target.name),
                        gate_span,
                        "no image to run the command in",
                    )
                    .with_help("external components have no image of their own; add `image = \"...\";` to the gate"),
                );
            }
        }
    }
    if target.replicas.value == 0 && matches!(target.kind.value, WorkloadKind::Service | WorkloadKind::Stateful) {
        diagnostics.push(
            Diagnostic::error(
                Code::K0304,
                format!("`{}` comes after `{}`, which has 0 replicas", c.name, target.name),
                edge.span,
                "this gate can never open",
            )
            .with_label(target.replicas.span, "replicas set to 0 here")
            .with_help(format!(
                "with no pods, `{}` is never ready and `{}` waits forever; give it replicas, or make the edge optional and remove `{}` in this profile",
                target.name, c.name, target.name
            )),
        );
    }
    let _ = stack;
}

fn check_ttl(c: &Component, edge: &Edge, target: &Component, diagnostics: &mut Diagnostics) {
    if let Some(ttl) = &target.job.ttl_seconds {
        diagnostics.push(
            Diagnostic::error(
                Code::K0305,
                format!(
                    "`{}` waits for Job `{}` to complete, but the Job deletes itself {}s after finishing",
                    c.name, target.name, ttl.value
                ),
                edge.span,
                "completion gate",
            )
            .with_label(ttl.span, "ttlSecondsAfterFinished set here")
            .with_help(format!(
                "once the Job is gone, a restarted `{}` pod waits forever for it; remove `job.ttl`, or gate on what the Job produced (an exec gate)",
                c.name
            )),
        );
    }
}

/// Steps (graph visits) the reference check may take for a whole stack. Real
/// graphs need a few per reference; a chain of 100,000 components that all use
/// the first would need billions.
const REFERENCE_CHECK_STEPS: u64 = 20_000_000;

/// Components that use another (an address in env, args or a gate) should come after it.
pub fn check_references(stack: &Stack, graph: &DependencyGraph, diagnostics: &mut Diagnostics) {
    let mut budget = REFERENCE_CHECK_STEPS;
    for (i, c) in stack.components.iter().enumerate() {
        // Each target is decided once per component, however often it is used.
        let mut decided: HashMap<usize, bool> = HashMap::new();
        let written = written_references(stack, c);
        for r in c.references.iter().chain(written.iter()) {
            let Some(j) = stack.index_of(&r.target) else {
                continue;
            };
            if j == i || decided.contains_key(&j) || stack.components[j].kind.value == WorkloadKind::External {
                continue;
            }
            let Some(covered) = graph.reaches_within(i, j, &mut budget) else {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::K0105,
                        format!(
                            "the `after` graph is too deep to check every use of a component \
                             (more than {REFERENCE_CHECK_STEPS} steps); some K0307 warnings may be missing"
                        ),
                        c.name_span,
                        "checking stopped here",
                    )
                    .with_help("this takes a chain of thousands of components that each use one far below them"),
                );
                return;
            };
            decided.insert(j, covered);
            if covered {
                continue;
            }
            diagnostics.push(
                Diagnostic::warning(
                    Code::K0307,
                    format!("`{}` uses `{}` but does not come after it", c.name, r.target),
                    r.span,
                    format!("used in {}", r.context),
                )
                .with_label(c.name_span, "the component")
                .with_help(format!(
                    "add `{}` to the `after` list of `{}`, so it starts only once `{}` is ready",
                    r.target, c.name, r.target
                )),
            );
        }
    }
}

/// Component names written by hand in env values (`TRINO_HOST = "trino-coordinator"`,
/// `"postgres://koku-db:5432/koku"`): a host name that is a component's name, or
/// its in-cluster DNS name, counts as a use.
pub fn written_references(stack: &Stack, c: &Component) -> Vec<crate::model::Reference> {
    let mut out = Vec::new();
    for var in &c.env {
        let crate::model::EnvValue::Plain(value) = &var.value else {
            continue;
        };
        for token in value.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '.')) {
            let host = token.split('.').next().unwrap_or("");
            let is_dns = token == host || token.starts_with(&format!("{host}.{}.svc", stack.namespace.value));
            if is_dns && host != c.name && stack.component(host).is_some() {
                out.push(crate::model::Reference {
                    target: host.to_string(),
                    span: var.span,
                    context: format!("env {}", var.name),
                    port: None,
                });
            }
        }
    }
    out
}
