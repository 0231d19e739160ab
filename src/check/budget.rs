//! The stack's budget: totals over every component against the declared caps.

use super::usage::{component_usage, totals, Usage};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Stack;
use crate::quantity::Quantity;
use crate::source::Spanned;

/// One budgeted resource: its name, how to read it from a usage, and its cap.
struct Line<'a> {
    name: &'static str,
    field: &'static str,
    read: fn(&Usage) -> Quantity,
    cap: &'a Option<Spanned<Quantity>>,
}

pub fn check_budget(stack: &Stack, diagnostics: &mut Diagnostics) {
    let total = match totals(stack, |_| true) {
        Ok(t) => t,
        Err(e) => {
            diagnostics.push(
                Diagnostic::error(
                    Code::K0204,
                    format!("the stack's totals overflow: {e}"),
                    stack.name.span,
                    "totals",
                )
                .with_help("check for a quantity with a wrong suffix (e.g. `Ei` for `Gi`)"),
            );
            return;
        }
    };
    let b = &stack.budget;
    let lines = [
        Line {
            name: "cpu requests",
            field: "cpu",
            read: |u| u.cpu_requests,
            cap: &b.cpu,
        },
        Line {
            name: "memory requests",
            field: "memory",
            read: |u| u.memory_requests,
            cap: &b.memory,
        },
        Line {
            name: "storage",
            field: "storage",
            read: |u| u.storage,
            cap: &b.storage,
        },
        Line {
            name: "pods",
            field: "pods",
            read: |u| Quantity::scalar(u.pods),
            cap: &b.pods,
        },
        Line {
            name: "cpu limits",
            field: "limits.cpu",
            read: |u| u.cpu_limits,
            cap: &b.cpu_limits,
        },
        Line {
            name: "memory limits",
            field: "limits.memory",
            read: |u| u.memory_limits,
            cap: &b.memory_limits,
        },
    ];
    for line in lines {
        let Some(cap) = line.cap else {
            continue;
        };
        let used = (line.read)(&total);
        if used.nanos <= cap.value.nanos {
            continue;
        }
        let over = Quantity {
            nanos: used.nanos - cap.value.nanos,
            dim: used.dim,
        };
        diagnostics.push(
            Diagnostic::error(
                Code::K0403,
                format!(
                    "{} total {}, over the budget of {} by {}",
                    line.name,
                    show(used),
                    show(cap.value),
                    show(over)
                ),
                cap.span,
                format!("budget.{} is {}", line.field, show(cap.value)),
            )
            .with_help(contributors(stack, line.read, line.name)),
        );
    }
}

fn show(q: Quantity) -> String {
    q.human()
}

/// A small table of the biggest contributors to one resource.
fn contributors(stack: &Stack, read: fn(&Usage) -> Quantity, what: &str) -> String {
    let mut rows: Vec<(Quantity, &str, i64)> = stack
        .components
        .iter()
        .filter_map(|c| {
            component_usage(stack, c)
                .ok()
                .map(|u| (read(&u), c.name.as_str(), u.pods))
        })
        .filter(|(q, _, _)| q.nanos > 0)
        .collect();
    rows.sort_by(|a, b| b.0.nanos.cmp(&a.0.nanos).then(a.1.cmp(b.1)));
    let shown = rows.len().min(5);
    let width = rows.iter().take(shown).map(|r| r.1.len()).max().unwrap_or(9).max(9);
    let mut out = format!("the biggest contributors to {what}:\n");
    out.push_str(&format!("{:<width$}  {:>4}  {:>10}\n", "component", "pods", "total"));
    for (q, name, pods) in rows.iter().take(shown) {
        out.push_str(&format!("{:<width$}  {:>4}  {:>10}\n", name, pods, show(*q)));
    }
    if rows.len() > shown {
        out.push_str(&format!("(and {} more)\n", rows.len() - shown));
    }
    out.push_str("lower replicas or sizes of these, or raise the budget");
    out
}
