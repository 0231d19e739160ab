//! The closing summary of `kokuc check`: components, pods, waves, and totals
//! against the budget.

use crate::check::usage::{totals, Selector, Usage};
use crate::diagnostics::Diagnostics;
use crate::graph::DependencyGraph;
use crate::model::{Stack, WorkloadKind};
use crate::quantity::Quantity;
use crate::source::Spanned;

pub fn summary(shown: &str, stack: &Stack, graph: &DependencyGraph, diagnostics: &Diagnostics) -> String {
    let total = totals(stack, |_| true).unwrap_or_default();
    let count = |k: WorkloadKind| stack.components.iter().filter(|c| c.kind.value == k).count();
    let external = count(WorkloadKind::External);
    let jobs = count(WorkloadKind::Job);
    let mut out = format!(
        "ok: {shown}: {} components ({} services, {} job{}{}), {} pods in {} waves",
        stack.components.len(),
        stack.components.len() - external - jobs,
        jobs,
        if jobs == 1 { "" } else { "s" },
        if external > 0 {
            format!(", {external} external")
        } else {
            String::new()
        },
        total.pods,
        graph.wave_count(),
    );
    let warnings = diagnostics.warning_count();
    if warnings > 0 {
        out.push_str(&format!(", {warnings} warning(s)"));
    }
    out.push('\n');
    out.push_str(&lines(stack, &total));
    out
}

fn lines(stack: &Stack, total: &Usage) -> String {
    let b = &stack.budget;
    let mut out = String::new();
    out.push_str(&format!(
        "  cpu      requests {:<22} limits {}\n",
        against(total.cpu_requests, &b.cpu),
        against(total.cpu_limits, &b.cpu_limits)
    ));
    out.push_str(&format!(
        "  memory   requests {:<22} limits {}\n",
        against(total.memory_requests, &b.memory),
        against(total.memory_limits, &b.memory_limits)
    ));
    out.push_str(&format!("  storage  {}\n", against(total.storage, &b.storage)));
    out.push_str(&format!(
        "  pods     {}\n",
        against(Quantity::scalar(total.pods), &b.pods)
    ));
    out
}

/// `12.5 of 16 (78%)` or just `12.5` without a budget.
fn against(used: Quantity, cap: &Option<Spanned<Quantity>>) -> String {
    match cap {
        Some(cap) if cap.value.nanos > 0 => {
            let percent = used.nanos.saturating_mul(100) / cap.value.nanos;
            format!("{} of {} ({percent}%)", used.human(), cap.value.human())
        }
        Some(cap) => format!("{} of {}", used.human(), cap.value.human()),
        None => used.human(),
    }
}

/// Totals of the components a selector matches (no budget: it caps the whole stack).
pub fn selection(stack: &Stack, pattern: &str) -> String {
    let selector = Selector::parse(pattern);
    let names: Vec<&str> = stack
        .components
        .iter()
        .filter(|c| selector.matches(c))
        .map(|c| c.name.as_str())
        .collect();
    let total = totals(stack, |c| selector.matches(c)).unwrap_or_default();
    let mut out = format!(
        "selection `{pattern}`: {} components ({}), {} pods\n",
        names.len(),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        },
        total.pods
    );
    out.push_str(&format!(
        "  cpu      requests {:<22} limits {}\n",
        total.cpu_requests.human(),
        total.cpu_limits.human()
    ));
    out.push_str(&format!(
        "  memory   requests {:<22} limits {}\n",
        total.memory_requests.human(),
        total.memory_limits.human()
    ));
    out.push_str(&format!("  storage  {}\n", total.storage.human()));
    out
}
