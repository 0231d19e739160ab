//! `--format json` for `plan`, `plan --compare` and `diff`.
//!
//! Every quantity is an exact decimal string in its base unit (cores, bytes,
//! pods as numbers); every amount of money is its exact decimal string
//! (`"290"`, `"0.15625"`), never a float; times are whole seconds. Keys are
//! sorted, so the output is deterministic.

use serde_json::{json, Value};

use crate::check::usage::Usage;
use crate::model::Stack;
use crate::plan::compare::{Delta, Figures};
use crate::plan::diff::ProfileDiff;
use crate::plan::money::Money;
use crate::plan::{BudgetLine, Plan};
use crate::quantity::{decimal, Quantity};

const NANO: i128 = 1_000_000_000;

fn q(x: Quantity) -> Value {
    Value::String(decimal(x.nanos, NANO))
}

fn money(m: Money) -> Value {
    Value::String(m.exact_decimal())
}

fn usage(u: &Usage) -> Value {
    json!({
        "pods": u.pods,
        "cpu": { "requests": q(u.cpu_requests), "limits": q(u.cpu_limits) },
        "memory_bytes": { "requests": q(u.memory_requests), "limits": q(u.memory_limits) },
        "storage_bytes": q(u.storage),
    })
}

fn budget(l: &BudgetLine) -> Value {
    json!({
        "resource": l.resource,
        "used": q(l.used),
        "budget": l.cap.map(q),
        "share_percent": l.share_percent().map(|p| p as i64),
        "headroom": l.headroom().map(q),
    })
}

pub fn plan_value(stack: &Stack, plan: &Plan) -> Value {
    let name = |i: usize| stack.components[i].name.clone();
    let components: Vec<Value> = plan
        .rows
        .iter()
        .map(|r| {
            let c = &stack.components[r.index];
            json!({
                "name": c.name,
                "kind": c.kind.value.keyword(),
                "wave": r.wave,
                "per_pod": usage(&r.per_pod),
                "total": usage(&r.total),
                "waits_for": r.waits_for.iter().map(|(t, g)| json!({ "component": t, "gate": g })).collect::<Vec<_>>(),
                "startup_seconds": r.startup,
                "start_seconds": r.start,
                "ready_seconds": r.ready,
                "critical": r.critical,
            })
        })
        .collect();
    let cost = plan.cost.as_ref().map(|c| {
        json!({
            "currency": c.currency,
            "basis": c.basis.keyword(),
            "horizon_months": c.horizon_months,
            "lines": c.lines.iter().map(|l| json!({
                "item": l.item,
                "amount": l.amount.map(q),
                "price": q(l.price),
                "monthly": money(l.monthly),
                "over_horizon": l.monthly.checked_mul_int(i128::from(c.horizon_months)).ok().map(money),
            })).collect::<Vec<_>>(),
            "monthly": money(c.monthly),
            "over_horizon": money(c.horizon),
            "priced": usage(&c.priced),
            "unpriced_jobs": c.unpriced_jobs,
        })
    });
    let t = &plan.timing;
    json!({
        "stack": plan.stack,
        "profile": plan.profile,
        "waves": plan.wave_count,
        "components": components,
        "totals": usage(&plan.totals),
        "budget": plan.budget.iter().map(budget).collect::<Vec<_>>(),
        "cost": cost,
        "startup": {
            "ready_seconds": t.total,
            "critical_path": t.path.iter().map(|&i| name(i)).collect::<Vec<_>>(),
            "critical": (0..stack.components.len()).filter(|&i| t.is_critical(i)).map(name).collect::<Vec<_>>(),
        },
        "needless_serialisation": plan.needless.iter().map(|f| json!({
            "component": name(f.from),
            "waits_for": name(f.to),
            "ready_without_seconds": f.total_without,
            "saved_seconds": f.saved,
            "add_edges": f.rewired.iter().map(|&(x, y)| json!({ "component": name(x), "after": name(y) })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "gate_timeouts": plan.gate_timeouts.iter().map(|g| json!({
            "component": name(g.component),
            "waits_for": name(g.target),
            "gate_starts_seconds": g.gate_start,
            "target_ready_seconds": g.target_ready,
            "timeout_seconds": g.timeout,
        })).collect::<Vec<_>>(),
    })
}

fn figures(f: &Figures) -> Value {
    json!({
        "components": f.components,
        "pods": f.pods,
        "waves": f.waves,
        "cpu": { "requests": q(f.cpu_requests), "limits": q(f.cpu_limits) },
        "memory_bytes": { "requests": q(f.memory_requests), "limits": q(f.memory_limits) },
        "storage_bytes": q(f.storage),
        "ready_seconds": f.ready,
        "cost": f.cost.as_ref().map(|c| json!({
            "currency": c.currency,
            "monthly": money(c.monthly),
            "over_horizon": money(c.horizon),
            "horizon_months": c.horizon_months,
        })),
    })
}

fn delta(d: &Delta) -> Value {
    json!({
        "components": d.components,
        "pods": d.pods,
        "waves": d.waves,
        "cpu": { "requests": q(d.cpu_requests), "limits": q(d.cpu_limits) },
        "memory_bytes": { "requests": q(d.memory_requests), "limits": q(d.memory_limits) },
        "storage_bytes": q(d.storage),
        "ready_seconds": d.ready,
        "monthly": d.monthly.map(money),
        "monthly_percent": d.monthly_percent.map(|p| p as i64),
        "over_horizon": d.horizon.map(money),
    })
}

/// `plan --compare`: each profile's whole plan, its figures, and the
/// differences from the first.
pub fn compare_value(plans: &[(String, &Stack, &Plan)]) -> Value {
    let base = plans.first().map(|(_, _, p)| Figures::of(p));
    let entries: Vec<Value> = plans
        .iter()
        .map(|(name, stack, plan)| {
            let f = Figures::of(plan);
            json!({
                "profile": name,
                "figures": figures(&f),
                "difference_from_baseline": base.as_ref().map(|b| delta(&Delta::between(b, &f))),
                "plan": plan_value(stack, plan),
            })
        })
        .collect();
    json!({
        "baseline": plans.first().map(|(n, _, _)| n.clone()),
        "profiles": entries,
    })
}

pub fn diff_value(old_name: &str, new_name: &str, diffs: &[ProfileDiff]) -> Value {
    let profiles: Vec<Value> = diffs
        .iter()
        .map(|d| {
            let c = &d.changes;
            let summary = |s: &crate::plan::diff::ComponentSummary| {
                json!({ "name": s.name, "kind": s.kind.keyword(), "total": usage(&s.total) })
            };
            let edge = |e: &crate::plan::diff::EdgeSummary| json!({ "component": e.from, "after": e.to, "gate": e.gate });
            json!({
                "profile": d.profile,
                "status": match (&d.old, &d.new) {
                    (None, Some(_)) => "added",
                    (Some(_), None) => "removed",
                    _ if d.is_unchanged() => "unchanged",
                    _ => "changed",
                },
                "old": d.old.as_ref().map(figures),
                "new": d.new.as_ref().map(figures),
                "difference": d.delta().as_ref().map(delta),
                "components_added": c.components_added.iter().map(summary).collect::<Vec<_>>(),
                "components_removed": c.components_removed.iter().map(summary).collect::<Vec<_>>(),
                "components_changed": c.components_changed.iter().map(|ch| json!({
                    "name": ch.name,
                    "changes": ch.changes.iter().map(|(w, a, b)| json!({ "what": w, "old": a, "new": b })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "edges_added": c.edges_added.iter().map(edge).collect::<Vec<_>>(),
                "edges_removed": c.edges_removed.iter().map(edge).collect::<Vec<_>>(),
                "edges_changed": c.edges_changed.iter().map(|e| json!({
                    "component": e.from, "after": e.to, "old_gate": e.old_gate, "new_gate": e.new_gate,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "old": old_name, "new": new_name, "profiles": profiles })
}
