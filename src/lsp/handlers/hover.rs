//! textDocument/hover: a component's kind, wave, neighbours, resources and
//! budget share; a quantity's exact value.

use std::fmt::Write;

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::{at, doc_range};
use crate::check::usage::{component_usage, per_pod, Usage};
use crate::lsp::analysis::Analysis;
use crate::lsp::server::Server;
use crate::lsp::symbol::Symbol;
use crate::quantity::{decimal, Dim, Quantity};
use crate::source::Spanned;

pub fn hover(server: &Server, params: HoverParams) -> Option<Hover> {
    let at = at(server, &params.text_document_position_params)?;
    let (symbol, range) = at.symbol?;
    let value = match &symbol {
        Symbol::Component(name) => {
            let (path, _) = server.document(&params.text_document_position_params.text_document.uri)?;
            component(server.evaluated(&path).or(at.analysis)?, name)
        }
        Symbol::Quantity(literal) => quantity(literal)?,
        Symbol::Profile(name) => format!("**profile `{name}`**\n\nselect it with `kokuc build --profile {name}`"),
        Symbol::Import(path) => format!("imports `{}`", path.display()),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(doc_range(at.doc, range)),
    })
}

/// The exact value of a literal.
pub fn quantity(literal: &str) -> Option<String> {
    let q = Quantity::parse(literal).ok()?;
    const NANO: i128 = 1_000_000_000;
    let exact = match q.dim {
        Dim::Scalar => {
            let mut s = decimal(q.nanos, NANO);
            if q.nanos % NANO != 0 {
                let _ = write!(s, " ({} millicores when used as cpu)", decimal(q.nanos, 1_000_000));
            }
            s
        }
        Dim::Bytes => {
            let bytes = decimal(q.nanos, NANO);
            format!("{bytes} bytes ({})", q.to_k8s_string())
        }
        Dim::Seconds => format!("{} seconds", decimal(q.nanos, NANO)),
    };
    Some(format!("`{literal}` = **{exact}**, exactly ({})", q.dim.noun()))
}

fn component(analysis: &Analysis, name: &str) -> String {
    let mut out = String::new();
    let Some(stack) = &analysis.base.stack else {
        return format!("**component `{name}`**\n\n(the stack does not evaluate yet)");
    };
    let Some(index) = stack.index_of(name) else {
        return format!("**component `{name}`**\n\nnot in the base stack (a profile adds it)");
    };
    let c = &stack.components[index];
    let graph = analysis.base.graph.as_ref();
    let wave = graph.and_then(|g| g.waves.get(index)).map_or_else(
        || "no wave (the graph has a cycle)".to_string(),
        |w| format!("wave {w}"),
    );
    let _ = writeln!(
        out,
        "**component `{name}`** · {} ({}) · {wave}\n",
        c.kind.value.keyword(),
        c.kind.value.kubernetes_kind()
    );
    let after: Vec<String> = c
        .after
        .iter()
        .map(|e| match &e.gate {
            Some(g) => format!("`{}` ({} gate)", e.target, g.value.keyword()),
            None => format!("`{}`", e.target),
        })
        .collect();
    let mut dependents: Vec<String> = graph
        .map(|g| {
            g.dependents(index)
                .map(|i| format!("`{}`", stack.components[i].name))
                .collect()
        })
        .unwrap_or_default();
    dependents.sort();
    dependents.dedup();
    let none = || "nothing".to_string();
    let _ = writeln!(
        out,
        "comes after: {}  ",
        if after.is_empty() { none() } else { after.join(", ") }
    );
    let _ = writeln!(
        out,
        "comes before: {}\n",
        if dependents.is_empty() {
            none()
        } else {
            dependents.join(", ")
        }
    );
    if c.kind.value == crate::model::WorkloadKind::External {
        out.push_str("external: runs outside the cluster, uses no resources");
        return out;
    }
    let pod = per_pod(stack, c);
    let Ok(total) = component_usage(stack, c) else {
        out.push_str("resources: the totals overflow");
        return out;
    };
    let b = &stack.budget;
    let rows: [Row<'_>; 5] = [
        ("cpu request", |u| u.cpu_requests, &b.cpu),
        ("cpu limit", |u| u.cpu_limits, &b.cpu_limits),
        ("memory request", |u| u.memory_requests, &b.memory),
        ("memory limit", |u| u.memory_limits, &b.memory_limits),
        ("storage", |u| u.storage, &b.storage),
    ];
    let _ = writeln!(
        out,
        "| | per pod | × {} pod{} | budget share |\n|---|---|---|---|",
        total.pods,
        if total.pods == 1 { "" } else { "s" }
    );
    for (label, read, cap) in rows {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} |",
            read(&pod).human(),
            read(&total).human(),
            share(read(&total), cap)
        );
    }
    let _ = writeln!(
        out,
        "| pods | 1 | {} | {} |",
        total.pods,
        share(Quantity::scalar(total.pods), &b.pods)
    );
    out.push_str("\nper pod counts wait gates the way the scheduler does (the larger of the init and app containers)");
    out
}

/// A hover table row: its label, how to read it from a usage, and its budget.
type Row<'a> = (&'static str, fn(&Usage) -> Quantity, &'a Option<Spanned<Quantity>>);

/// `25% of 16`, or `-` without a budget for this resource.
fn share(used: Quantity, cap: &Option<Spanned<Quantity>>) -> String {
    match cap {
        Some(cap) if cap.value.nanos > 0 => {
            // Per mille, rounded to the nearest.
            let tenths = (used.nanos.saturating_mul(1000) + cap.value.nanos / 2) / cap.value.nanos;
            format!("{}% of {}", decimal(tenths, 10), cap.value.human())
        }
        _ => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_exact() {
        assert!(quantity("1.5Gi").is_some_and(|s| s.contains("**1610612736 bytes (1536Mi)**")));
        assert!(quantity("500m").is_some_and(|s| s.contains("**0.5 (500 millicores")));
        assert!(quantity("5min").is_some_and(|s| s.contains("**300 seconds**")));
        assert_eq!(quantity("6GB"), None);
    }
}
