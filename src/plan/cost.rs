//! What the stack costs at the prices it declares.
//!
//! The priced amounts are the stack's totals from [`crate::check::usage`]
//! (gates included, the way the scheduler reserves them), over the components
//! that keep running: Jobs run to completion and external components live
//! elsewhere, so neither is priced. cpu and memory are priced on requests or on
//! limits (`prices.basis`); storage is the claimed size either way. Fixed
//! monthly costs (`prices.fixed`) are added as they are.

use super::money::{Money, MoneyOverflow, PER_CORE, PER_GIB};
use crate::check::usage::{totals, Usage};
use crate::model::{PriceBasis, Prices, Stack, WorkloadKind};
use crate::quantity::{Quantity, QuantityError};

/// One line of the bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostLine {
    /// `cpu`, `memory`, `storage`, or the name of a fixed cost.
    pub item: String,
    /// The priced amount (cores or bytes); `None` for a fixed cost.
    pub amount: Option<Quantity>,
    /// The price per core-month, per GiB-month, or per month (fixed).
    pub price: Quantity,
    pub monthly: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    pub basis: PriceBasis,
    pub currency: String,
    pub horizon_months: u32,
    pub lines: Vec<CostLine>,
    pub monthly: Money,
    /// `monthly` times `horizon_months`.
    pub horizon: Money,
    /// The usage that was priced (running components only).
    pub priced: Usage,
    /// Components not priced because they run to completion (Jobs).
    pub unpriced_jobs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CostError {
    Totals(QuantityError),
    Money(MoneyOverflow),
}

impl From<MoneyOverflow> for CostError {
    fn from(e: MoneyOverflow) -> CostError {
        CostError::Money(e)
    }
}

/// Is this component priced (does it keep running in the cluster)?
pub fn is_priced(kind: WorkloadKind) -> bool {
    matches!(kind, WorkloadKind::Service | WorkloadKind::Stateful)
}

/// The cost of `stack` at `prices`.
pub fn cost(stack: &Stack, prices: &Prices) -> Result<Cost, CostError> {
    let priced = totals(stack, |c| is_priced(c.kind.value)).map_err(CostError::Totals)?;
    let (cpu, memory) = match prices.basis.value {
        PriceBasis::Requests => (priced.cpu_requests, priced.memory_requests),
        PriceBasis::Limits => (priced.cpu_limits, priced.memory_limits),
    };
    let mut lines = vec![
        CostLine {
            item: "cpu".to_string(),
            amount: Some(cpu),
            price: prices.cpu.value,
            monthly: Money::price_times(prices.cpu.value, cpu, PER_CORE)?,
        },
        CostLine {
            item: "memory".to_string(),
            amount: Some(memory),
            price: prices.memory.value,
            monthly: Money::price_times(prices.memory.value, memory, PER_GIB)?,
        },
        CostLine {
            item: "storage".to_string(),
            amount: Some(priced.storage),
            price: prices.storage.value,
            monthly: Money::price_times(prices.storage.value, priced.storage, PER_GIB)?,
        },
    ];
    for (name, amount) in &prices.fixed {
        lines.push(CostLine {
            item: name.clone(),
            amount: None,
            price: amount.value,
            monthly: Money::from_price(amount.value)?,
        });
    }
    let mut monthly = Money::ZERO;
    for line in &lines {
        monthly = monthly.checked_add(line.monthly)?;
    }
    let horizon = monthly.checked_mul_int(i128::from(prices.horizon_months.value))?;
    let unpriced_jobs = stack
        .components
        .iter()
        .filter(|c| c.kind.value == WorkloadKind::Job)
        .map(|c| c.name.clone())
        .collect();
    Ok(Cost {
        basis: prices.basis.value,
        currency: prices.currency.clone(),
        horizon_months: prices.horizon_months.value,
        lines,
        monthly,
        horizon,
        priced,
        unpriced_jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::MemoryLoader;
    use crate::{compile, Options};
    use std::path::Path;

    fn stack_cost(text: &str, profile: Option<&str>) -> Cost {
        let mut loader = MemoryLoader::new(None);
        loader.insert("s.koku", text.to_string());
        let options = Options {
            profile: profile.map(str::to_string),
            ..Options::default()
        };
        let c = compile(&loader, Path::new("s.koku"), &options);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let stack = c.stack.unwrap();
        cost(&stack, stack.prices.as_ref().unwrap()).unwrap()
    }

    /// The seed's Option 1: PostgreSQL sized 3 cores / 12 GB / 200 GB.
    const POSTGRES_ONLY: &str = r#"
        stack koku {
          namespace = "koku";
          prices = { cpu = 50; memory = 10; storage = 0.10; };
        }
        component koku-db {
          image = "postgres:16";
          ports = { postgres = 5432; };
          cpu = 3;
          memory = 12Gi;
          storage = { size = 200Gi; path = "/var/lib/postgresql/data"; };
        }
    "#;

    #[test]
    fn the_seeds_postgres_only_option_costs_290_a_month() {
        let c = stack_cost(POSTGRES_ONLY, None);
        assert_eq!(c.monthly, Money::units(290));
        assert_eq!(c.horizon_months, 36);
        assert_eq!(c.horizon, Money::units(10_440));
        assert_eq!(c.horizon.display("$"), "$10,440.00");
        let by_item: Vec<(String, String)> = c
            .lines
            .iter()
            .map(|l| (l.item.clone(), l.monthly.exact_decimal()))
            .collect();
        assert_eq!(
            by_item,
            [("cpu", "150"), ("memory", "120"), ("storage", "20")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn the_minimal_trino_cluster_priced_on_limits_adds_555_a_month() {
        // 1 coordinator + 2 workers at 1/6Gi requested, 2/8Gi limit, 50Gi each;
        // the seed prices them on limits: 6 cores, 24 GB, 150 GB.
        let with_trino = format!(
            "{POSTGRES_ONLY}
            profile trino {{
              stack {{ prices = {{ basis = \"limits\"; }}; }}
              component trino-coordinator {{
                image = \"trinodb/trino:435\"; ports = {{ http = 8080; }};
                cpu = {{ request = 1; limit = 2; }}; memory = {{ request = 6Gi; limit = 8Gi; }};
                storage = {{ size = 50Gi; path = \"/data\"; }};
              }}
              component trino-worker {{
                image = \"trinodb/trino:435\"; replicas = 2;
                cpu = {{ request = 1; limit = 2; }}; memory = {{ request = 6Gi; limit = 8Gi; }};
                storage = {{ size = 50Gi; path = \"/data\"; }};
                after = [ {{ on = trino-coordinator; gate = {{ http = \"/v1/info\"; }}; }} ];
              }}
            }}"
        );
        let base = stack_cost(&with_trino, None);
        let trino = stack_cost(&with_trino, Some("trino"));
        let added = trino.monthly.checked_sub(base.monthly).unwrap();
        assert_eq!(added, Money::units(555));
        assert_eq!(trino.monthly, Money::units(845));
        assert_eq!(trino.horizon, Money::units(30_420));
    }

    #[test]
    fn jobs_are_not_priced_and_fixed_costs_are() {
        let text = r#"
            stack s { namespace = "s"; prices = { cpu = 50; memory = 10; storage = 0.10; fixed = { operations = 200; }; horizon_months = 12; }; }
            component api { image = "x:1"; cpu = 500m; memory = 512Mi; }
            component migrate { kind = "job"; image = "x:1"; cpu = 4; memory = 8Gi; }
        "#;
        let c = stack_cost(text, None);
        // 0.5 * 50 + 0.5 * 10 + 200 = 230 a month.
        assert_eq!(c.monthly, Money::units(230));
        assert_eq!(c.horizon, Money::units(2_760));
        assert_eq!(c.unpriced_jobs, ["migrate"]);
    }
}
