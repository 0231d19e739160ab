//! The headline figures of a plan, and their differences between two plans:
//! `kokuc plan --compare` puts profiles side by side against the first (the
//! baseline, like the seed's cost comparison), and `kokuc diff` compares a
//! stack with an older version of itself.

use super::money::Money;
use super::Plan;
use crate::quantity::Quantity;

/// What a reader compares between variants of a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figures {
    pub components: usize,
    pub pods: i64,
    pub waves: u32,
    pub cpu_requests: Quantity,
    pub cpu_limits: Quantity,
    pub memory_requests: Quantity,
    pub memory_limits: Quantity,
    pub storage: Quantity,
    /// Seconds until the whole stack is expected ready.
    pub ready: u64,
    pub cost: Option<CostFigures>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostFigures {
    pub currency: String,
    pub monthly: Money,
    pub horizon: Money,
    pub horizon_months: u32,
}

impl Figures {
    pub fn of(plan: &Plan) -> Figures {
        let t = &plan.totals;
        Figures {
            components: plan.rows.len(),
            pods: t.pods,
            waves: plan.wave_count,
            cpu_requests: t.cpu_requests,
            cpu_limits: t.cpu_limits,
            memory_requests: t.memory_requests,
            memory_limits: t.memory_limits,
            storage: t.storage,
            ready: plan.timing.total,
            cost: plan.cost.as_ref().map(|c| CostFigures {
                currency: c.currency.clone(),
                monthly: c.monthly,
                horizon: c.horizon,
                horizon_months: c.horizon_months,
            }),
        }
    }
}

/// `new - old` for every figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta {
    pub components: i64,
    pub pods: i64,
    pub waves: i64,
    pub cpu_requests: Quantity,
    pub cpu_limits: Quantity,
    pub memory_requests: Quantity,
    pub memory_limits: Quantity,
    pub storage: Quantity,
    pub ready: i64,
    /// Present when both sides are priced in the same currency.
    pub monthly: Option<Money>,
    /// `monthly` as a whole percentage of the old monthly cost.
    pub monthly_percent: Option<i128>,
    /// Present when both sides are priced over the same horizon.
    pub horizon: Option<Money>,
}

impl Delta {
    pub fn between(old: &Figures, new: &Figures) -> Delta {
        let q = |a: Quantity, b: Quantity| Quantity {
            nanos: b.nanos.saturating_sub(a.nanos),
            dim: b.dim,
        };
        let int = |a: i64, b: i64| b.saturating_sub(a);
        let both = match (&old.cost, &new.cost) {
            (Some(a), Some(b)) if a.currency == b.currency => Some((a, b)),
            _ => None,
        };
        let monthly = both.and_then(|(a, b)| b.monthly.checked_sub(a.monthly).ok());
        Delta {
            components: int(old.components as i64, new.components as i64),
            pods: int(old.pods, new.pods),
            waves: int(i64::from(old.waves), i64::from(new.waves)),
            cpu_requests: q(old.cpu_requests, new.cpu_requests),
            cpu_limits: q(old.cpu_limits, new.cpu_limits),
            memory_requests: q(old.memory_requests, new.memory_requests),
            memory_limits: q(old.memory_limits, new.memory_limits),
            storage: q(old.storage, new.storage),
            ready: (new.ready as i64).saturating_sub(old.ready as i64),
            monthly,
            monthly_percent: both.and_then(|(a, _)| monthly.and_then(|m| m.percent_of(a.monthly))),
            horizon: both
                .filter(|(a, b)| a.horizon_months == b.horizon_months)
                .and_then(|(a, b)| b.horizon.checked_sub(a.horizon).ok()),
        }
    }

    /// Does anything differ?
    pub fn is_zero(&self) -> bool {
        self.components == 0
            && self.pods == 0
            && self.waves == 0
            && [
                self.cpu_requests,
                self.cpu_limits,
                self.memory_requests,
                self.memory_limits,
                self.storage,
            ]
            .iter()
            .all(|q| q.nanos == 0)
            && self.ready == 0
            && self.monthly.is_none_or(Money::is_zero)
    }
}

/// `+1.5`, `-512Mi`, `0`: a signed quantity for a difference column.
pub fn signed_quantity(q: Quantity) -> String {
    if q.nanos > 0 {
        format!("+{}", q.human())
    } else if q.nanos < 0 {
        let positive = Quantity {
            nanos: q.nanos.saturating_neg(),
            dim: q.dim,
        };
        format!("-{}", positive.human())
    } else {
        "0".to_string()
    }
}

/// `+3`, `-2`, `0`.
pub fn signed_int(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// `+1m30s`, `-45s`, `0s`.
pub fn signed_duration(seconds: i64) -> String {
    let d = super::critical_path::duration(seconds.unsigned_abs());
    match seconds.signum() {
        1 => format!("+{d}"),
        -1 => format!("-{d}"),
        _ => d,
    }
}
