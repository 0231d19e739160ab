//! `kokuc graph --format svg`: the graph drawn by kokuc itself (no Graphviz),
//! from [`super::layout`]. One `<g class="node">` per component (with
//! `data-component`), one `<g class="edge">` per edge with its gate label;
//! critical components and edges in red, needless edges dashed.

use super::layout::{layout, EdgePath, Layout, NodeBox};
use crate::graph::DependencyGraph;
use crate::model::Stack;
use crate::plan::critical_path::duration;
use crate::plan::Plan;

/// Escapes text for XML content and attribute values.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

const LEGEND_H: i64 = 34;

const STYLE: &str = "
.kg text { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; fill: #1d2430; }
.kg .wave { font-size: 13px; font-weight: bold; fill: #55606e; }
.kg .node rect { stroke: #5b7db1; stroke-width: 1.2; fill: #eef3fb; }
.kg .node.stateful rect { stroke: #4f8a5f; fill: #eaf6ee; }
.kg .node.job rect { stroke: #b07a2a; fill: #fdf3e6; }
.kg .node.external rect { stroke: #888; fill: #f4f4f4; stroke-dasharray: 5 3; }
.kg .node.critical rect { stroke: #b3261e; stroke-width: 2.4; }
.kg .node .name { font-size: 13px; font-weight: bold; }
.kg .node .detail { font-size: 11px; fill: #3b4452; }
.kg .edge path { fill: none; stroke: #8a94a3; stroke-width: 1.2; }
.kg .edge.critical path { stroke: #b3261e; stroke-width: 2.2; }
.kg .edge.needless path { stroke-dasharray: 6 4; stroke: #c26a00; }
.kg .edge .gate { font-size: 10px; fill: #414b59; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
.kg .edge.critical .gate { fill: #b3261e; }
.kg .legend { font-size: 11px; fill: #55606e; }
";

pub fn svg(stack: &Stack, graph: &DependencyGraph, plan: &Plan) -> String {
    let l = layout(stack, graph, plan);
    render(stack, plan, &l)
}

fn render(stack: &Stack, plan: &Plan, l: &Layout) -> String {
    let width = l.width.max(640);
    let height = l.height + LEGEND_H;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"kg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"kg-title\">\n"
    );
    out.push_str(&format!(
        "<title id=\"kg-title\">Dependency graph of stack {}{}: {} components in {} waves</title>\n",
        xml(&plan.stack),
        plan.profile
            .as_ref()
            .map_or(String::new(), |p| format!(" (profile {})", xml(p))),
        plan.rows.len(),
        plan.wave_count
    ));
    out.push_str(&format!("<style>{STYLE}</style>\n"));
    out.push_str(
        "<defs>\n\
         <marker id=\"kg-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8a94a3\"/></marker>\n\
         <marker id=\"kg-arrow-critical\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#b3261e\"/></marker>\n\
         </defs>\n",
    );
    out.push_str("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    for &(wave, x) in &l.columns {
        out.push_str(&format!(
            "<text class=\"wave\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">wave {wave}</text>\n",
            x + super::layout::NODE_W / 2,
            super::layout::MARGIN + 12
        ));
    }
    out.push_str("<g class=\"edges\">\n");
    for e in &l.edges {
        out.push_str(&edge(stack, e));
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for n in &l.nodes {
        out.push_str(&node(stack, plan, n));
    }
    out.push_str("</g>\n");
    out.push_str(&legend(l.height));
    out.push_str("</svg>\n");
    out
}

fn edge(stack: &Stack, e: &EdgePath) -> String {
    let mut class = String::from("edge");
    if e.critical {
        class.push_str(" critical");
    }
    if e.needless {
        class.push_str(" needless");
    }
    let mut d = String::new();
    for (i, &(x, y)) in e.points.iter().enumerate() {
        if i == 0 {
            d.push_str(&format!("M{x},{y}"));
        } else if i % 2 == 1 {
            // A hop between columns: a horizontal S-curve.
            let (px, py) = e.points[i - 1];
            let mid = (px + x) / 2;
            d.push_str(&format!(" C{mid},{py} {mid},{y} {x},{y}"));
        } else {
            d.push_str(&format!(" L{x},{y}"));
        }
    }
    let marker = if e.critical { "kg-arrow-critical" } else { "kg-arrow" };
    let (ex, ey) = e.points.last().copied().unwrap_or((0, 0));
    let from = &stack.components[e.from].name;
    let to = &stack.components[e.to].name;
    format!(
        "<g class=\"{class}\" data-from=\"{}\" data-to=\"{}\"><title>{} waits for {} ({})</title><path d=\"{d}\" marker-end=\"url(#{marker})\"/><text class=\"gate\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></g>\n",
        xml(from),
        xml(to),
        xml(to),
        xml(from),
        xml(&e.label),
        ex - 9,
        ey - 4,
        xml(&e.label)
    )
}

fn node(stack: &Stack, plan: &Plan, n: &NodeBox) -> String {
    let c = &stack.components[n.index];
    let Some(row) = plan.rows.iter().find(|r| r.index == n.index) else {
        return String::new();
    };
    let mut class = format!("node {}", c.kind.value.keyword());
    if row.critical {
        class.push_str(" critical");
    }
    let mut tooltip = format!(
        "{} ({}), wave {}; starts at {}, ready at {}",
        c.name,
        c.kind.value.keyword(),
        row.wave,
        duration(row.start),
        duration(row.ready)
    );
    if !row.waits_for.is_empty() {
        let waits: Vec<String> = row.waits_for.iter().map(|(t, g)| format!("{t} ({g})")).collect();
        tooltip.push_str(&format!("; waits for {}", waits.join(", ")));
    }
    let name: String = if c.name.chars().count() > 30 {
        format!("{}…", c.name.chars().take(29).collect::<String>())
    } else {
        c.name.clone()
    };
    let mut out = format!(
        "<g class=\"{class}\" id=\"node-{}\" data-component=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"7\"/><text class=\"name\" x=\"{}\" y=\"{}\">{}</text>",
        xml(&c.name),
        xml(&c.name),
        xml(&tooltip),
        n.x,
        n.y,
        n.w,
        n.h,
        n.x + 10,
        n.y + 19,
        xml(&name)
    );
    for (k, line) in super::node_lines(c, row).iter().enumerate() {
        out.push_str(&format!(
            "<text class=\"detail\" x=\"{}\" y=\"{}\">{}</text>",
            n.x + 10,
            n.y + 36 + 15 * k as i64,
            xml(line)
        ));
    }
    out.push_str("</g>\n");
    out
}

fn legend(top: i64) -> String {
    let y = top + 14;
    let x = super::layout::MARGIN;
    let mut out = format!("<g class=\"legend\" transform=\"translate({x},{y})\">");
    let mut at = 0;
    for (kind, fill, stroke) in [
        ("service", "#eef3fb", "#5b7db1"),
        ("stateful", "#eaf6ee", "#4f8a5f"),
        ("job", "#fdf3e6", "#b07a2a"),
        ("external", "#f4f4f4", "#888888"),
    ] {
        out.push_str(&format!(
            "<rect x=\"{at}\" y=\"-9\" width=\"14\" height=\"11\" rx=\"2\" fill=\"{fill}\" stroke=\"{stroke}\"/><text class=\"legend\" x=\"{}\" y=\"0\">{kind}</text>",
            at + 19
        ));
        at += 90;
    }
    out.push_str(&format!(
        "<line x1=\"{at}\" y1=\"-4\" x2=\"{}\" y2=\"-4\" stroke=\"#b3261e\" stroke-width=\"2.2\"/><text class=\"legend\" x=\"{}\" y=\"0\">critical path</text>",
        at + 24,
        at + 30
    ));
    at += 120;
    out.push_str(&format!(
        "<line x1=\"{at}\" y1=\"-4\" x2=\"{}\" y2=\"-4\" stroke=\"#c26a00\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/><text class=\"legend\" x=\"{}\" y=\"0\">needless wait</text>",
        at + 24,
        at + 30
    ));
    out.push_str("</g>\n");
    out
}
