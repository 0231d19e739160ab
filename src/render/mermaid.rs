//! `kokuc graph --format mermaid`: a Mermaid flowchart, waves as subgraphs
//! left to right. Node ids are generated (`n0`, `n1`, ...) so that no
//! component name can collide with Mermaid's keywords or link syntax.

use crate::graph::DependencyGraph;
use crate::model::Stack;
use crate::plan::{gate_label, Plan};

/// Text inside `"..."` in Mermaid: quotes and markup-significant characters as entities.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            _ => out.push(ch),
        }
    }
    out
}

pub fn mermaid(stack: &Stack, graph: &DependencyGraph, plan: &Plan) -> String {
    let id = |i: usize| format!("n{i}");
    let mut out = String::from("flowchart LR\n");
    let mut wave = None;
    for row in &plan.rows {
        if wave != Some(row.wave) {
            if wave.is_some() {
                out.push_str("  end\n");
            }
            wave = Some(row.wave);
            out.push_str(&format!(
                "  subgraph wave{}[\"wave {}\"]\n    direction TB\n",
                row.wave, row.wave
            ));
        }
        let c = &stack.components[row.index];
        let mut label = format!("<b>{}</b>", escape(&c.name));
        for line in super::node_lines(c, row) {
            label.push_str("<br/>");
            label.push_str(&escape(&line));
        }
        out.push_str(&format!("    {}[\"{label}\"]\n", id(row.index)));
    }
    if wave.is_some() {
        out.push_str("  end\n");
    }
    let mut critical_links = Vec::new();
    for (link, (i, t, edge)) in super::drawn_edges(stack, graph).into_iter().enumerate() {
        let arrow = if plan.needless.iter().any(|f| f.from == i && f.to == t) {
            "-.->"
        } else {
            "-->"
        };
        let label = escape(&gate_label(edge, Some(&stack.components[t])));
        out.push_str(&format!("  {} {arrow}|\"{label}\"| {}\n", id(t), id(i)));
        if plan.timing.is_critical_edge(i, t) {
            critical_links.push(link.to_string());
        }
    }
    for (class, fill, stroke) in [
        ("service", "#eef3fb", "#5b7db1"),
        ("stateful", "#eaf6ee", "#4f8a5f"),
        ("job", "#fdf3e6", "#b07a2a"),
        ("external", "#f1f1f1", "#888888"),
    ] {
        let members: Vec<String> = plan
            .rows
            .iter()
            .filter(|r| stack.components[r.index].kind.value.keyword() == class)
            .map(|r| id(r.index))
            .collect();
        if !members.is_empty() {
            out.push_str(&format!("  classDef {class} fill:{fill},stroke:{stroke}\n"));
            out.push_str(&format!("  class {} {class}\n", members.join(",")));
        }
    }
    let critical: Vec<String> = plan.rows.iter().filter(|r| r.critical).map(|r| id(r.index)).collect();
    if !critical.is_empty() {
        out.push_str("  classDef critical stroke:#b3261e,stroke-width:2px\n");
        out.push_str(&format!("  class {} critical\n", critical.join(",")));
    }
    if !critical_links.is_empty() {
        out.push_str(&format!(
            "  linkStyle {} stroke:#b3261e,stroke-width:2px\n",
            critical_links.join(",")
        ));
    }
    out
}
