//! Renderers for plans and graphs: terminal text, JSON, Graphviz DOT,
//! Mermaid, SVG (laid out and drawn by kokuc) and a self-contained HTML report.
//!
//! Invariant: pure functions from data to strings. Renderers compute nothing
//! about the stack themselves (figures come from [`crate::plan`]) and never
//! print; output is byte-for-byte deterministic.

pub mod dot;
pub mod html;
pub mod json;
pub mod layout;
pub mod mermaid;
pub mod svg;
pub mod table;
pub mod text;

use crate::graph::DependencyGraph;
use crate::model::{Component, Edge, Stack, WorkloadKind};
use crate::plan::critical_path::duration;
use crate::plan::serialisation::NeedlessEdge;
use crate::plan::Row;

/// The edges a picture draws, in deploy order: each (component, target) once,
/// as `(component, target, its first after entry)`; self-edges left out.
pub fn drawn_edges<'a>(stack: &'a Stack, graph: &DependencyGraph) -> Vec<(usize, usize, &'a Edge)> {
    let mut out = Vec::new();
    for &i in &graph.order {
        let mut seen = Vec::new();
        for edge in &stack.components[i].after {
            let Some(t) = stack.index_of(&edge.target) else {
                continue;
            };
            if t != i && !seen.contains(&t) {
                seen.push(t);
                out.push((i, t, edge));
            }
        }
    }
    out
}

/// What removing a needless edge would gain, in the words of the reports.
pub fn needless_effect(f: &NeedlessEdge) -> String {
    if f.saved > 0 {
        format!(
            "ready in {} without it ({} sooner)",
            duration(f.total_without),
            duration(f.saved)
        )
    } else {
        "no sooner without it alone (another chain is as long)".to_string()
    }
}

/// The resource lines of a node in a picture: `3 pods · cpu 1/2`, `memory 6Gi/8Gi · storage 50Gi`.
pub fn node_lines(c: &Component, row: &Row) -> Vec<String> {
    if c.kind.value == WorkloadKind::External {
        let host = match c.external_host.as_ref().map(|h| &h.value) {
            Some(crate::model::HostValue::Name(h)) => h.clone(),
            Some(crate::model::HostValue::Secret(s)) => format!("secret {}/{}", s.name, s.key),
            None => "outside the cluster".to_string(),
        };
        return vec!["external".to_string(), host];
    }
    let pods = row.total.pods;
    let mut first = format!(
        "{} · {} pod{} · cpu {}",
        c.kind.value.keyword(),
        pods,
        if pods == 1 { "" } else { "s" },
        text::pair(row.per_pod.cpu_requests, row.per_pod.cpu_limits)
    );
    if pods != 1 {
        first.push_str(" each");
    }
    let mut second = format!(
        "mem {}",
        text::pair(row.per_pod.memory_requests, row.per_pod.memory_limits)
    );
    if row.per_pod.storage.nanos > 0 {
        second.push_str(&format!(" · disk {}", row.per_pod.storage.human()));
    }
    second.push_str(&format!(" · ready {}", crate::plan::critical_path::duration(row.ready)));
    vec![first, second]
}
