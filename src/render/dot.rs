//! `kokuc graph --format dot`: Graphviz, waves as ranks left to right.
//!
//! Edges point the way the stack comes up: from a dependency to the component
//! that waits for it, labelled with the gate. Critical components and edges
//! are drawn bold.

use crate::graph::DependencyGraph;
use crate::model::{Stack, WorkloadKind};
use crate::plan::{gate_label, Plan};

/// A DOT string literal.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
    out.push('"');
    out
}

pub fn dot(stack: &Stack, graph: &DependencyGraph, plan: &Plan) -> String {
    let mut out = format!("digraph {} {{\n", quoted(&stack.name.value));
    out.push_str("  rankdir=LR;\n  newrank=true;\n  nodesep=0.3;\n  ranksep=1.0;\n");
    out.push_str(
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=10];\n",
    );
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#55606e\"];\n");
    let mut wave = None;
    for row in &plan.rows {
        if wave != Some(row.wave) {
            if wave.is_some() {
                out.push_str("  }\n");
            }
            wave = Some(row.wave);
            out.push_str(&format!(
                "  subgraph {} {{\n    label={};\n    style=dashed;\n    color=\"#b8c2cc\";\n    fontname=\"Helvetica\";\n",
                quoted(&format!("cluster_wave_{}", row.wave)),
                quoted(&format!("wave {}", row.wave))
            ));
        }
        let c = &stack.components[row.index];
        let mut label = c.name.clone();
        for line in super::node_lines(c, row) {
            label.push('\n');
            label.push_str(&line);
        }
        let fill = match c.kind.value {
            WorkloadKind::Service => "#eef3fb",
            WorkloadKind::Stateful => "#eaf6ee",
            WorkloadKind::Job => "#fdf3e6",
            WorkloadKind::External => "#f1f1f1",
        };
        let mut attrs = format!("label={}, fillcolor=\"{fill}\"", quoted(&label));
        if row.critical {
            attrs.push_str(", penwidth=2, color=\"#b3261e\"");
        }
        if c.kind.value == WorkloadKind::External {
            attrs.push_str(", style=\"rounded,filled,dashed\"");
        }
        out.push_str(&format!("    {} [{attrs}];\n", quoted(&c.name)));
    }
    if wave.is_some() {
        out.push_str("  }\n");
    }
    for (i, t, edge) in super::drawn_edges(stack, graph) {
        let mut attrs = format!("label={}", quoted(&gate_label(edge, Some(&stack.components[t]))));
        if plan.timing.is_critical_edge(i, t) {
            attrs.push_str(", penwidth=2, color=\"#b3261e\"");
        }
        if plan.needless.iter().any(|f| f.from == i && f.to == t) {
            attrs.push_str(", style=dashed");
        }
        out.push_str(&format!(
            "  {} -> {} [{attrs}];\n",
            quoted(&edge.target),
            quoted(&stack.components[i].name)
        ));
    }
    out.push_str("}\n");
    out
}
