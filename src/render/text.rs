//! Terminal reports: `kokuc plan`, `kokuc plan --compare` and `kokuc diff`.

use super::table::{Align, Table};
use crate::check::usage::Usage;
use crate::model::{Stack, WorkloadKind};
use crate::plan::compare::{signed_duration, signed_int, signed_quantity, Delta, Figures};
use crate::plan::cost::Cost;
use crate::plan::critical_path::duration;
use crate::plan::diff::ProfileDiff;
use crate::plan::money::{Money, PER_GIB};
use crate::plan::{BudgetLine, Plan};
use crate::quantity::Quantity;

/// `1/2`: request and limit.
pub fn pair(request: Quantity, limit: Quantity) -> String {
    format!("{}/{}", request.human(), limit.human())
}

/// `50Gi`, or `150Gi (3×50Gi)` for a StatefulSet's claims.
pub fn storage_text(stack: &Stack, index: usize, per_pod: &Usage, total: &Usage) -> String {
    if total.storage.nanos == 0 {
        return "-".to_string();
    }
    let c = &stack.components[index];
    if c.kind.value == WorkloadKind::Stateful && total.pods > 1 {
        format!("{} ({}×{})", total.storage.human(), total.pods, per_pod.storage.human())
    } else {
        total.storage.human()
    }
}

/// The whole `kokuc plan` report.
pub fn plan(stack: &Stack, plan: &Plan, source: &str) -> String {
    let mut out = headline(plan, source);
    out.push('\n');
    out.push_str(&waves(stack, plan));
    out.push('\n');
    out.push_str(&budget(&plan.budget));
    out.push('\n');
    out.push_str(&cost_section(plan.cost.as_ref()));
    out.push('\n');
    out.push_str(&startup(stack, plan));
    out.push('\n');
    out.push_str(&findings(stack, plan));
    out
}

fn headline(plan: &Plan, source: &str) -> String {
    let profile = plan
        .profile
        .as_ref()
        .map_or(String::new(), |p| format!(", profile {p}"));
    let cost = plan.cost.as_ref().map_or(String::new(), |c| {
        format!(", {} a month", c.monthly.display(&c.currency))
    });
    format!(
        "Plan of stack `{}` ({source}{profile}): {}, {} in {}, expected ready in {}{cost}\n",
        plan.stack,
        count(plan.rows.len() as i64, "component"),
        count(plan.totals.pods, "pod"),
        count(i64::from(plan.wave_count), "wave"),
        duration(plan.timing.total),
    )
}

/// `1 pod`, `3 pods`.
pub fn count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn waves(stack: &Stack, plan: &Plan) -> String {
    let mut out = String::from(
        "Deployment in waves (cpu in cores; request/limit; * on the critical path; times from `kubectl apply`)\n",
    );
    let mut t = Table::new(&[
        ("wave", Align::Right),
        ("component", Align::Left),
        ("kind", Align::Left),
        ("pods", Align::Right),
        ("cpu/pod", Align::Right),
        ("cpu", Align::Right),
        ("memory/pod", Align::Right),
        ("memory", Align::Right),
        ("storage", Align::Right),
        ("startup", Align::Right),
        ("ready at", Align::Right),
        ("waits for", Align::Left),
    ]);
    for r in &plan.rows {
        let c = &stack.components[r.index];
        let external = c.kind.value == WorkloadKind::External;
        let dash = || "-".to_string();
        let waits = if r.waits_for.is_empty() {
            "-".to_string()
        } else {
            r.waits_for
                .iter()
                .map(|(target, gate)| format!("{target} ({gate})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        t.row(vec![
            r.wave.to_string(),
            format!("{}{}", c.name, if r.critical { " *" } else { "" }),
            c.kind.value.keyword().to_string(),
            r.total.pods.to_string(),
            if external {
                dash()
            } else {
                pair(r.per_pod.cpu_requests, r.per_pod.cpu_limits)
            },
            if external {
                dash()
            } else {
                pair(r.total.cpu_requests, r.total.cpu_limits)
            },
            if external {
                dash()
            } else {
                pair(r.per_pod.memory_requests, r.per_pod.memory_limits)
            },
            if external {
                dash()
            } else {
                pair(r.total.memory_requests, r.total.memory_limits)
            },
            storage_text(stack, r.index, &r.per_pod, &r.total),
            duration(r.startup),
            duration(r.ready),
            waits,
        ]);
    }
    out.push_str(&t.render(2));
    out
}

/// `64%` or `-` without a budget.
pub fn share(line: &BudgetLine) -> String {
    line.share_percent().map_or("-".to_string(), |p| format!("{p}%"))
}

/// `5.7`, `over by 2Gi`, or `-` without a budget.
pub fn headroom(line: &BudgetLine) -> String {
    match line.headroom() {
        None => "-".to_string(),
        Some(h) if h.nanos < 0 => format!(
            "over by {}",
            Quantity {
                nanos: h.nanos.saturating_neg(),
                dim: h.dim
            }
            .human()
        ),
        Some(h) => h.human(),
    }
}

fn budget(lines: &[BudgetLine]) -> String {
    let mut out = String::from("Totals against the budget (as the scheduler reserves them, wait gates included)\n");
    let mut t = Table::new(&[
        ("resource", Align::Left),
        ("used", Align::Right),
        ("budget", Align::Right),
        ("share", Align::Right),
        ("headroom", Align::Right),
    ]);
    for l in lines {
        t.row(vec![
            l.resource.to_string(),
            l.used.human(),
            l.cap.map_or("-".to_string(), Quantity::human),
            share(l),
            headroom(l),
        ]);
    }
    out.push_str(&t.render(2));
    out
}

/// A price exactly, with at least two decimals: `$50.00`, `$0.10`, `$0.005`.
pub fn price_text(currency: &str, price: Quantity) -> String {
    let exact = Money::from_price(price).map_or_else(|_| price.human(), Money::exact_decimal);
    let (whole, frac) = exact.split_once('.').unwrap_or((&exact, ""));
    let frac = format!("{frac:0<2}");
    format!("{currency}{whole}.{frac}")
}

/// An amount of cores (`25.5 cores`) or of GiB (`56.25 GiB`), exactly.
pub fn amount_text(item: &str, amount: Quantity) -> String {
    if item == "cpu" {
        let n = amount.human();
        format!("{n} {}", if n == "1" { "core" } else { "cores" })
    } else {
        let gib = Money::price_times(Quantity::scalar(1), amount, PER_GIB)
            .map_or_else(|_| amount.human(), |m| m.exact_decimal());
        format!("{gib} GiB")
    }
}

/// `per core-month`, `per GiB-month`, `per month`.
pub fn price_unit(item: &str) -> &'static str {
    match item {
        "cpu" => "/core-month",
        "memory" | "storage" => "/GiB-month",
        _ => "/month",
    }
}

fn cost_section(cost: Option<&Cost>) -> String {
    let Some(cost) = cost else {
        return "Cost: the stack declares no prices (add `prices = { cpu = 50; memory = 10; storage = 0.10; };` to the stack)\n"
            .to_string();
    };
    let mut out = format!(
        "Cost (cpu and memory priced on {}; running components only",
        cost.basis.keyword()
    );
    if !cost.unpriced_jobs.is_empty() {
        out.push_str(&format!(", Jobs not priced: {}", cost.unpriced_jobs.join(", ")));
    }
    out.push_str(")\n");
    let horizon = format!("over {} months", cost.horizon_months);
    let mut t = Table::new(&[
        ("item", Align::Left),
        ("amount", Align::Right),
        ("price", Align::Right),
        ("per month", Align::Right),
        (&horizon, Align::Right),
    ]);
    let over = |m: Money| {
        m.checked_mul_int(i128::from(cost.horizon_months))
            .map_or_else(|_| "-".to_string(), |x| x.display(&cost.currency))
    };
    for l in &cost.lines {
        t.row(vec![
            l.item.clone(),
            l.amount.map_or(String::new(), |a| amount_text(&l.item, a)),
            format!("{}{}", price_text(&cost.currency, l.price), price_unit(&l.item)),
            l.monthly.display(&cost.currency),
            over(l.monthly),
        ]);
    }
    t.row(vec![
        "total".to_string(),
        String::new(),
        String::new(),
        cost.monthly.display(&cost.currency),
        cost.horizon.display(&cost.currency),
    ]);
    out.push_str(&t.render(2));
    out
}

fn startup(stack: &Stack, plan: &Plan) -> String {
    let t = &plan.timing;
    let mut out = format!(
        "Startup: expected ready in {} (declared `startup`, else {} per service, {} per stateful service or job)\n",
        duration(t.total),
        duration(u64::from(WorkloadKind::Service.default_startup_seconds())),
        duration(u64::from(WorkloadKind::Job.default_startup_seconds())),
    );
    out.push_str("Critical path:\n");
    let mut table = Table::new(&[
        ("ready at", Align::Right),
        ("component", Align::Left),
        ("startup", Align::Right),
        ("after", Align::Left),
    ]);
    let mut previous: Option<usize> = None;
    for &i in &t.path {
        let c = &stack.components[i];
        let after = previous.map_or("-".to_string(), |p| {
            let target = &stack.components[p].name;
            let gate = c
                .after
                .iter()
                .find(|e| &e.target == target)
                .map(|e| crate::plan::gate_label(e, Some(&stack.components[p])))
                .unwrap_or_default();
            format!("{target} ({gate})")
        });
        table.row(vec![
            duration(t.ready[i]),
            c.name.clone(),
            duration(u64::from(c.startup_seconds())),
            after,
        ]);
        previous = Some(i);
    }
    out.push_str(&table.render(2));
    let others: Vec<&str> = (0..stack.components.len())
        .filter(|&i| t.is_critical(i) && !t.path.contains(&i))
        .map(|i| stack.components[i].name.as_str())
        .collect();
    if !others.is_empty() {
        out.push_str(&format!(
            "  Also critical (on a chain as long): {}\n",
            others.join(", ")
        ));
    }
    out
}

fn findings(stack: &Stack, plan: &Plan) -> String {
    let name = |i: usize| stack.components[i].name.as_str();
    let names = |is: &[usize]| is.iter().map(|&i| name(i)).collect::<Vec<_>>().join(" and ");
    let mut out = String::new();
    if plan.needless.is_empty() {
        out.push_str("Needless serialisation: none; every `after` edge on the critical path is backed by a use\n");
    } else {
        out.push_str("Needless serialisation: `after` edges on the critical path that no use backs\n");
        for f in &plan.needless {
            let effect = super::needless_effect(f);
            out.push_str(&format!(
                "  {} after {}: {} uses nothing from {}; {effect}\n",
                name(f.from),
                name(f.to),
                name(f.from),
                name(f.to)
            ));
            for (x, ys) in f.additions() {
                out.push_str(&format!(
                    "    then {} needs its own edge on {} (it uses {})\n",
                    name(x),
                    names(&ys),
                    if ys.len() == 1 { "it" } else { "them" }
                ));
            }
        }
    }
    if !plan.gate_timeouts.is_empty() {
        out.push_str("Gates that give up before their target is expected ready\n");
        for g in &plan.gate_timeouts {
            out.push_str(&format!(
                "  {} after {}: gives up after {}, {} is expected ready {} after the gate starts\n",
                name(g.component),
                name(g.target),
                duration(g.timeout),
                name(g.target),
                duration(g.target_ready - g.gate_start)
            ));
        }
    }
    out
}

/// Columns shared by the comparison tables.
const FIGURE_COLUMNS: &[(&str, Align)] = &[
    ("profile", Align::Left),
    ("components", Align::Right),
    ("pods", Align::Right),
    ("cpu req", Align::Right),
    ("cpu lim", Align::Right),
    ("memory req", Align::Right),
    ("memory lim", Align::Right),
    ("storage", Align::Right),
    ("ready in", Align::Right),
    ("per month", Align::Right),
];

/// The common horizon of all priced figures, if they share one.
fn common_horizon<'a>(figures: impl Iterator<Item = &'a Figures>) -> Option<u32> {
    let mut months: Vec<u32> = figures
        .filter_map(|f| f.cost.as_ref().map(|c| c.horizon_months))
        .collect();
    months.dedup();
    match months.as_slice() {
        [m] => Some(*m),
        _ => None,
    }
}

fn horizon_header(horizon: Option<u32>) -> String {
    horizon.map_or("over horizon".to_string(), |m| format!("over {m} months"))
}

/// Figures as cells (without the profile name).
pub fn figure_cells(f: &Figures, horizon: Option<u32>) -> Vec<String> {
    let (monthly, over) = match &f.cost {
        None => ("-".to_string(), "-".to_string()),
        Some(c) => (
            c.monthly.display(&c.currency),
            match horizon {
                Some(_) => c.horizon.display(&c.currency),
                None => format!("{} ({} months)", c.horizon.display(&c.currency), c.horizon_months),
            },
        ),
    };
    vec![
        f.components.to_string(),
        f.pods.to_string(),
        f.cpu_requests.human(),
        f.cpu_limits.human(),
        f.memory_requests.human(),
        f.memory_limits.human(),
        f.storage.human(),
        duration(f.ready),
        monthly,
        over,
    ]
}

/// A difference as cells (without the profile name).
pub fn delta_cells(d: &Delta, currency: &str) -> Vec<String> {
    let monthly = match (d.monthly, d.monthly_percent) {
        (Some(m), Some(p)) => format!("{} ({}%)", m.display_signed(currency), signed_int(p as i64)),
        (Some(m), None) => m.display_signed(currency),
        (None, _) => "-".to_string(),
    };
    vec![
        signed_int(d.components),
        signed_int(d.pods),
        signed_quantity(d.cpu_requests),
        signed_quantity(d.cpu_limits),
        signed_quantity(d.memory_requests),
        signed_quantity(d.memory_limits),
        signed_quantity(d.storage),
        signed_duration(d.ready),
        monthly,
        d.horizon.map_or("-".to_string(), |m| m.display_signed(currency)),
    ]
}

/// `kokuc plan --compare`: profiles side by side, then differences from the first.
pub fn compare(stack_name: &str, plans: &[(String, Plan)]) -> String {
    let figures: Vec<(String, Figures)> = plans.iter().map(|(n, p)| (n.clone(), Figures::of(p))).collect();
    let horizon = common_horizon(figures.iter().map(|(_, f)| f));
    let header = horizon_header(horizon);
    let mut columns: Vec<(&str, Align)> = FIGURE_COLUMNS.to_vec();
    columns.push((&header, Align::Right));
    let Some((base_name, base)) = figures.first() else {
        return String::new();
    };
    let mut out = format!("Profiles of stack `{stack_name}` side by side (baseline: {base_name})\n");
    let mut t = Table::new(&columns);
    for (name, f) in &figures {
        let mut row = vec![name.clone()];
        row.extend(figure_cells(f, horizon));
        t.row(row);
    }
    out.push_str(&t.render(2));
    if figures.len() > 1 {
        out.push_str(&format!("\nDifferences from {base_name}\n"));
        let mut t = Table::new(&columns);
        let currency = base.cost.as_ref().map_or("$", |c| c.currency.as_str());
        for (name, f) in figures.iter().skip(1) {
            let mut row = vec![name.clone()];
            row.extend(delta_cells(&Delta::between(base, f), currency));
            t.row(row);
        }
        out.push_str(&t.render(2));
    }
    out
}

/// `kokuc diff`: per profile, what changed.
pub fn diff(old_name: &str, new_name: &str, diffs: &[ProfileDiff]) -> String {
    let mut out = format!("Changes from {old_name} to {new_name}\n");
    for d in diffs {
        let title = d
            .profile
            .as_ref()
            .map_or("base stack".to_string(), |p| format!("profile {p}"));
        out.push('\n');
        match (&d.old, &d.new) {
            (None, Some(f)) => {
                out.push_str(&format!("{title}: added\n"));
                out.push_str(&figures_line(f));
                continue;
            }
            (Some(f), None) => {
                out.push_str(&format!("{title}: removed\n"));
                out.push_str(&figures_line(f));
                continue;
            }
            _ => {}
        }
        if d.is_unchanged() {
            out.push_str(&format!("{title}: no changes\n"));
            continue;
        }
        out.push_str(&format!("{title}\n"));
        let c = &d.changes;
        for a in &c.components_added {
            out.push_str(&format!(
                "  + component {} ({}, {})\n",
                a.name,
                a.kind.keyword(),
                usage_text(&a.total)
            ));
        }
        for r in &c.components_removed {
            out.push_str(&format!(
                "  - component {} ({}, {})\n",
                r.name,
                r.kind.keyword(),
                usage_text(&r.total)
            ));
        }
        for ch in &c.components_changed {
            let what: Vec<String> = ch.changes.iter().map(|(w, a, b)| format!("{w} {a} -> {b}")).collect();
            out.push_str(&format!("  ~ component {}: {}\n", ch.name, what.join("; ")));
        }
        for e in &c.edges_added {
            out.push_str(&format!("  + edge {} after {} ({})\n", e.from, e.to, e.gate));
        }
        for e in &c.edges_removed {
            out.push_str(&format!("  - edge {} after {} ({})\n", e.from, e.to, e.gate));
        }
        for e in &c.edges_changed {
            out.push_str(&format!(
                "  ~ edge {} after {}: {} -> {}\n",
                e.from, e.to, e.old_gate, e.new_gate
            ));
        }
        if let (Some(old), Some(new), Some(delta)) = (&d.old, &d.new, d.delta()) {
            out.push_str(&totals_change(old, new, &delta));
        }
    }
    out
}

fn usage_text(u: &Usage) -> String {
    let mut s = format!(
        "{} pod{}, cpu {}, memory {}",
        u.pods,
        if u.pods == 1 { "" } else { "s" },
        pair(u.cpu_requests, u.cpu_limits),
        pair(u.memory_requests, u.memory_limits)
    );
    if u.storage.nanos > 0 {
        s.push_str(&format!(", storage {}", u.storage.human()));
    }
    s
}

fn figures_line(f: &Figures) -> String {
    let mut s = format!(
        "  {} components, {} pods, cpu {}, memory {}, storage {}, ready in {}",
        f.components,
        f.pods,
        pair(f.cpu_requests, f.cpu_limits),
        pair(f.memory_requests, f.memory_limits),
        f.storage.human(),
        duration(f.ready)
    );
    if let Some(c) = &f.cost {
        s.push_str(&format!(", {} a month", c.monthly.display(&c.currency)));
    }
    s.push('\n');
    s
}

fn totals_change(old: &Figures, new: &Figures, d: &Delta) -> String {
    let mut parts = Vec::new();
    let mut q = |what: &str, a: Quantity, b: Quantity, delta: Quantity| {
        if delta.nanos != 0 {
            parts.push(format!(
                "{what} {} -> {} ({})",
                a.human(),
                b.human(),
                signed_quantity(delta)
            ));
        }
    };
    q("cpu requests", old.cpu_requests, new.cpu_requests, d.cpu_requests);
    q("cpu limits", old.cpu_limits, new.cpu_limits, d.cpu_limits);
    q(
        "memory requests",
        old.memory_requests,
        new.memory_requests,
        d.memory_requests,
    );
    q("memory limits", old.memory_limits, new.memory_limits, d.memory_limits);
    q("storage", old.storage, new.storage, d.storage);
    if d.pods != 0 {
        parts.insert(0, format!("pods {} -> {} ({})", old.pods, new.pods, signed_int(d.pods)));
    }
    let mut out = String::new();
    if !parts.is_empty() {
        out.push_str(&format!("  totals: {}\n", parts.join(", ")));
    }
    match (&old.cost, &new.cost) {
        (Some(a), Some(b)) => {
            if a.monthly != b.monthly || a.horizon != b.horizon {
                let mut line = format!(
                    "  cost: {} -> {} a month",
                    a.monthly.display(&a.currency),
                    b.monthly.display(&b.currency)
                );
                if let Some(m) = d.monthly {
                    line.push_str(&format!(" ({})", m.display_signed(&b.currency)));
                }
                line.push_str(&format!(
                    "; over {} months {} -> {}",
                    b.horizon_months,
                    a.horizon.display(&a.currency),
                    b.horizon.display(&b.currency)
                ));
                if let Some(h) = d.horizon {
                    line.push_str(&format!(" ({})", h.display_signed(&b.currency)));
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        (None, Some(b)) => out.push_str(&format!(
            "  cost: now priced, {} a month\n",
            b.monthly.display(&b.currency)
        )),
        (Some(_), None) => out.push_str("  cost: no longer priced (prices removed)\n"),
        (None, None) => {}
    }
    if d.ready != 0 {
        out.push_str(&format!(
            "  ready in: {} -> {} ({})\n",
            duration(old.ready),
            duration(new.ready),
            signed_duration(d.ready)
        ));
    }
    out
}
