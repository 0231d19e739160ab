//! `kokuc plan`: the figures a platform team computes by hand before deploying
//! a stack, computed from the checked stack instead.
//!
//! Invariant: pure and exact. A [`Plan`] is a function of a [`Stack`] and its
//! [`DependencyGraph`]: resource totals come from [`crate::check::usage`], money
//! is an exact fraction ([`money::Money`]), times are whole seconds. Nothing
//! here prints; `render/` turns plans into text, JSON, pictures and HTML.

pub mod compare;
pub mod cost;
pub mod critical_path;
pub mod diff;
pub mod gates;
pub mod money;
pub mod serialisation;

use crate::check::usage::{component_usage, per_pod, totals, Usage};
use crate::diagnostics::{Code, Diagnostic};
use crate::graph::DependencyGraph;
use crate::model::{Component, Edge, Gate, Stack, WorkloadKind};
use crate::quantity::Quantity;
use crate::source::Spanned;

use cost::{Cost, CostError};
use critical_path::{duration, Deps, Timing};
use gates::GateTimeout;
use serialisation::{NeedlessEdge, Uses};

/// One component's line in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Index into `Stack::components`.
    pub index: usize,
    pub wave: u32,
    pub per_pod: Usage,
    pub total: Usage,
    /// The components it waits for, in gate order, with a short gate label.
    pub waits_for: Vec<(String, String)>,
    pub startup: u64,
    pub start: u64,
    pub ready: u64,
    pub critical: bool,
}

/// One resource against its budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetLine {
    pub resource: &'static str,
    pub used: Quantity,
    pub cap: Option<Quantity>,
}

impl BudgetLine {
    /// Whole percent of the cap used (rounded down), if there is a non-zero cap.
    pub fn share_percent(&self) -> Option<i128> {
        let cap = self.cap?;
        (cap.nanos > 0).then(|| self.used.nanos.saturating_mul(100) / cap.nanos)
    }

    /// `cap - used`: negative when over budget.
    pub fn headroom(&self) -> Option<Quantity> {
        let cap = self.cap?;
        Some(Quantity {
            nanos: cap.nanos.saturating_sub(self.used.nanos),
            dim: cap.dim,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub stack: String,
    pub profile: Option<String>,
    /// In deploy order (wave, then name).
    pub rows: Vec<Row>,
    pub wave_count: u32,
    pub totals: Usage,
    pub budget: Vec<BudgetLine>,
    /// `None` when the stack declares no prices.
    pub cost: Option<Cost>,
    pub timing: Timing,
    pub needless: Vec<NeedlessEdge>,
    pub gate_timeouts: Vec<GateTimeout>,
}

/// Builds the plan of a checked stack (its graph must be acyclic, with waves).
/// Fails only when an amount does not fit (an absurd price or size).
pub fn plan(stack: &Stack, graph: &DependencyGraph) -> Result<Plan, Diagnostic> {
    let n = stack.components.len();
    let deps = Deps::from_graph(graph, n);
    let timing = critical_path::timing(stack, &deps, &graph.order);
    let uses = Uses::of_stack(stack);
    let needless = serialisation::needless_edges(stack, &deps, &graph.order, &timing, &uses);
    let gate_timeouts = gates::gate_timeouts(stack, &timing);
    let total = totals(stack, |_| true).map_err(|e| overflow(stack, None, &e.to_string()))?;
    let mut rows = Vec::with_capacity(n);
    for &i in &graph.order {
        let c = &stack.components[i];
        let per_pod = if c.kind.value == WorkloadKind::External {
            Usage::default()
        } else {
            per_pod(stack, c)
        };
        rows.push(Row {
            index: i,
            wave: graph.waves.get(i).copied().unwrap_or(0),
            per_pod,
            total: component_usage(stack, c).map_err(|e| overflow(stack, None, &e.to_string()))?,
            waits_for: c
                .after
                .iter()
                .map(|e| (e.target.clone(), gate_label(e, stack.component(&e.target))))
                .collect(),
            startup: u64::from(c.startup_seconds()),
            start: timing.start[i],
            ready: timing.ready[i],
            critical: timing.is_critical(i),
        });
    }
    let cost = match &stack.prices {
        None => None,
        Some(prices) => Some(cost::cost(stack, prices).map_err(|e| match e {
            CostError::Totals(e) => overflow(stack, None, &e.to_string()),
            CostError::Money(e) => overflow(stack, Some(prices.span), &e.to_string()),
        })?),
    };
    Ok(Plan {
        stack: stack.name.value.clone(),
        profile: stack.profile.clone(),
        rows,
        wave_count: graph.wave_count(),
        totals: total,
        budget: budget_lines(stack, &total),
        cost,
        timing,
        needless,
        gate_timeouts,
    })
}

fn budget_lines(stack: &Stack, total: &Usage) -> Vec<BudgetLine> {
    let b = &stack.budget;
    let cap = |c: &Option<Spanned<Quantity>>| c.as_ref().map(|s| s.value);
    vec![
        BudgetLine {
            resource: "cpu requests",
            used: total.cpu_requests,
            cap: cap(&b.cpu),
        },
        BudgetLine {
            resource: "memory requests",
            used: total.memory_requests,
            cap: cap(&b.memory),
        },
        BudgetLine {
            resource: "storage",
            used: total.storage,
            cap: cap(&b.storage),
        },
        BudgetLine {
            resource: "pods",
            used: Quantity::scalar(total.pods),
            cap: cap(&b.pods),
        },
        BudgetLine {
            resource: "cpu limits",
            used: total.cpu_limits,
            cap: cap(&b.cpu_limits),
        },
        BudgetLine {
            resource: "memory limits",
            used: total.memory_limits,
            cap: cap(&b.memory_limits),
        },
    ]
}

fn overflow(stack: &Stack, prices: Option<crate::source::Span>, why: &str) -> Diagnostic {
    let (span, label, help) = match prices {
        Some(span) => (
            span,
            "these prices",
            "check the prices and the sizes for a misplaced exponent or suffix (e.g. `Ei` for `Gi`)",
        ),
        None => (
            stack.name.span,
            "this stack",
            "check the sizes for a misplaced exponent or suffix (e.g. `Ei` for `Gi`)",
        ),
    };
    Diagnostic::error(
        Code::K0603,
        format!("the plan's figures cannot be computed exactly: {why}"),
        span,
        label,
    )
    .with_help(help)
}

/// A short label for an edge's gate: `tcp`, `tcp thrift`, `http /v1/info`,
/// `exec trino`, `complete`.
pub fn gate_label(edge: &Edge, target: Option<&Component>) -> String {
    match edge.gate.as_ref().map(|g| &g.value) {
        None if target.is_some_and(|t| t.kind.value == WorkloadKind::Job) => "complete".to_string(),
        None => "tcp".to_string(),
        Some(Gate::Tcp { port: None }) => "tcp".to_string(),
        Some(Gate::Tcp { port: Some(p) }) => format!("tcp {p}"),
        Some(Gate::Http { path, .. }) => format!("http {path}"),
        Some(Gate::Exec { command, .. }) => match command.first() {
            Some(program) => format!("exec {}", program.rsplit('/').next().unwrap_or(program)),
            None => "exec".to_string(),
        },
        Some(Gate::Complete) => "complete".to_string(),
    }
}

impl Plan {
    /// The plan's findings as warnings pointing at the `after` entries:
    /// K0601 needless serialisation, K0602 gates that time out too early.
    pub fn diagnostics(&self, stack: &Stack) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let name = |i: usize| stack.components[i].name.as_str();
        for f in &self.needless {
            let c = &stack.components[f.from];
            let Some(edge) = c.after.get(f.edge) else {
                continue;
            };
            let effect = if f.saved > 0 {
                format!(
                    "without it the stack is expected ready in {} instead of {} ({} sooner)",
                    duration(f.total_without),
                    duration(self.timing.total),
                    duration(f.saved)
                )
            } else {
                "alone its removal saves nothing: another chain is as long".to_string()
            };
            let mut help = format!("remove `{}` from the `after` list of `{}`", name(f.to), name(f.from));
            for (x, ys) in f.additions() {
                help.push_str(&format!(
                    "; then `{}` needs {} in its own `after` list (it uses {}, and waited only through this edge)",
                    name(x),
                    ys.iter()
                        .map(|&y| format!("`{}`", name(y)))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    if ys.len() == 1 { "it" } else { "them" }
                ));
            }
            help.push_str(&format!("; {effect}"));
            out.push(
                Diagnostic::warning(
                    Code::K0601,
                    format!(
                        "`{}` waits for `{}` on the critical path, but nothing in `{}` needs it",
                        name(f.from),
                        name(f.to),
                        name(f.from)
                    ),
                    edge.span,
                    format!("`{}` uses nothing from `{}`", name(f.from), name(f.to)),
                )
                .with_label(c.name_span, "the component")
                .with_help(help),
            );
        }
        for t in &self.gate_timeouts {
            let c = &stack.components[t.component];
            let Some(edge) = c.after.get(t.edge) else {
                continue;
            };
            out.push(
                Diagnostic::warning(
                    Code::K0602,
                    format!(
                        "the gate of `{}` on `{}` gives up after {}, but `{}` is expected ready only {} after it starts waiting",
                        name(t.component),
                        name(t.target),
                        duration(t.timeout),
                        name(t.target),
                        duration(t.target_ready - t.gate_start)
                    ),
                    edge.span,
                    format!("times out after {}", duration(t.timeout)),
                )
                .with_label(stack.components[t.target].name_span, format!("expected ready at {}", duration(t.target_ready)))
                .with_help(format!(
                    "the pod of `{}` would fail and restart with a back-off before it can start; give the edge a longer timeout: `{{ on = {}; timeout = {}; }}` (or raise `gates.timeout` on the stack)",
                    name(t.component),
                    name(t.target),
                    suggested_timeout(t.target_ready - t.gate_start)
                )),
            );
        }
        out
    }
}

/// The expected wait with half again as margin, rounded up to whole minutes.
fn suggested_timeout(wait: u64) -> String {
    let with_margin = wait.saturating_add(wait / 2);
    format!("{}min", with_margin.div_ceil(60).max(1))
}
