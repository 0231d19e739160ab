//! Lowering of the fields `kokuc plan` reads: the stack's `prices`. (A
//! component's `startup` is a plain duration, lowered with the other fields.)

use super::Lowerer;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::value::{Value, ValueKind};
use crate::model::{PriceBasis, Prices};
use crate::quantity::{Dim, Quantity};
use crate::source::Spanned;

const PRICE_FIELDS: &[&str] = &[
    "cpu",
    "memory",
    "storage",
    "basis",
    "horizon_months",
    "currency",
    "fixed",
];

/// The seed's three-year total cost of ownership.
pub const DEFAULT_HORIZON_MONTHS: u32 = 36;
/// Longest horizon: a century, far beyond any budget, small enough for exact sums.
const MAX_HORIZON_MONTHS: i64 = 1200;

impl Lowerer<'_> {
    /// `prices = { cpu = 50; memory = 10; storage = 0.10; basis = "limits"; ... }`.
    pub(super) fn prices(&mut self, v: &Value) -> Option<Prices> {
        let a = self.attrs("prices", v)?;
        let f = self.fields(a, PRICE_FIELDS, "`prices`");
        let mut missing = Vec::new();
        let mut price = |this: &mut Self, name: &str, per: &str| match f.get(name) {
            Some(field) => this.price(&format!("prices.{name}"), &field.value, per),
            None => {
                missing.push(name.to_string());
                None
            }
        };
        let cpu = price(self, "cpu", "core-month");
        let memory = price(self, "memory", "GiB-month of memory");
        let storage = price(self, "storage", "GiB-month of storage");
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            self.error(
                Diagnostic::error(
                    Code::K0205,
                    format!("`prices` does not set {}", list.join(" and ")),
                    v.origin,
                    "incomplete prices",
                )
                .with_help(
                    "price every resource, even at 0: `prices = { cpu = 50; memory = 10; storage = 0.10; };` \
                     (per core-month, per GiB-month of memory, per GiB-month of storage)",
                ),
            );
        }
        let basis = match f.get("basis") {
            None => Spanned::new(PriceBasis::Requests, v.origin),
            Some(b) => {
                let text = self.plain_string("prices.basis", &b.value)?;
                let basis = match text.as_str() {
                    "requests" => PriceBasis::Requests,
                    "limits" => PriceBasis::Limits,
                    other => {
                        self.error(
                            Diagnostic::error(
                                Code::K0212,
                                format!("unknown price basis \"{other}\""),
                                b.value.origin,
                                "not \"requests\" or \"limits\"",
                            )
                            .with_help(
                                "price cpu and memory on what the scheduler reserves (`basis = \"requests\";`) \
                                 or on what the pods may use (`basis = \"limits\";`)",
                            ),
                        );
                        return None;
                    }
                };
                Spanned::new(basis, b.value.origin)
            }
        };
        let horizon_months = match f.get("horizon_months") {
            None => Spanned::new(DEFAULT_HORIZON_MONTHS, v.origin),
            Some(h) => {
                let n = self.integer("prices.horizon_months", &h.value, 1, MAX_HORIZON_MONTHS)?;
                Spanned::new(u32::try_from(n.value).unwrap_or(DEFAULT_HORIZON_MONTHS), n.span)
            }
        };
        let currency = match f.get("currency") {
            None => "$".to_string(),
            Some(c) => self.plain_string("prices.currency", &c.value)?,
        };
        let mut fixed = Vec::new();
        if let Some(x) = f.get("fixed") {
            let items = self.attrs("prices.fixed", &x.value)?;
            for item in &items.fields {
                if item.value.is_null() {
                    continue;
                }
                let amount = self.price(&format!("prices.fixed.{}", item.name), &item.value, "month")?;
                fixed.push((item.name.to_string(), amount));
            }
        }
        Some(Prices {
            cpu: cpu?,
            memory: memory?,
            storage: storage?,
            basis,
            horizon_months,
            currency,
            fixed,
            span: v.origin,
        })
    }

    /// A price: a plain non-negative number (`50`, `0.10`), in currency per `per`.
    fn price(&mut self, field: &str, v: &Value, per: &str) -> Option<Spanned<Quantity>> {
        let ValueKind::Number(q) = &v.kind else {
            self.type_error(field, &format!("a price per {per}, a number such as `10` or `0.10`"), v);
            return None;
        };
        if q.dim != Dim::Scalar {
            let d = Diagnostic::error(
                Code::K0203,
                format!("`{field}` is a price per {per}, but `{q}` is {}", q.dim.noun()),
                v.origin,
                "a price has no unit",
            )
            .with_help(format!(
                "write the amount of money as a plain number such as `10` or `0.10`; it is always per {per}"
            ));
            self.error(d);
            return None;
        }
        if q.is_negative() {
            let d = Diagnostic::error(
                Code::K0212,
                format!("`{field}` cannot be negative"),
                v.origin,
                "negative",
            )
            .with_help("prices are zero or more");
            self.error(d);
            return None;
        }
        Some(Spanned::new(*q, v.origin))
    }
}
