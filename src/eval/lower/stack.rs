//! The stack settings: namespace, budget, gates, network, prices.

use super::*;
use crate::model::*;
use crate::quantity::{Dim, Quantity};
use crate::source::Spanned;

impl Lowerer<'_> {
    pub(super) fn stack_settings(&mut self, input: &LowerInput<'_>) -> Option<Stack> {
        let attrs = self.attrs("stack", &input.stack_value)?;
        let fields = self.fields(attrs, STACK_FIELDS, "the stack");
        let name = Spanned::new(input.stack_name.text.to_string(), input.stack_name.span);
        let namespace = match fields.get("namespace") {
            Some(f) => Spanned::new(self.plain_string("namespace", &f.value)?, f.value.origin),
            None => name.clone(),
        };
        let cluster_domain = match fields.get("cluster_domain") {
            Some(f) => self.plain_string("cluster_domain", &f.value)?,
            None => "cluster.local".to_string(),
        };
        let mut budget = Budget::default();
        if let Some(f) = fields.get("budget") {
            let b = self.attrs("budget", &f.value)?;
            let bf = self.fields(b, BUDGET_FIELDS, "the budget");
            if let Some(d) = bf.get("defaults") {
                budget.defaults = self.container_defaults(&d.value)?;
            }
            budget.cpu = bf
                .get("cpu")
                .and_then(|f| self.quantity("budget.cpu", &f.value, Dim::Scalar));
            budget.memory = bf
                .get("memory")
                .and_then(|f| self.quantity("budget.memory", &f.value, Dim::Bytes));
            budget.storage = bf
                .get("storage")
                .and_then(|f| self.quantity("budget.storage", &f.value, Dim::Bytes));
            budget.pods = bf.get("pods").and_then(|f| {
                self.integer("budget.pods", &f.value, 0, i64::MAX)
                    .map(|n| Spanned::new(Quantity::scalar(n.value), n.span))
            });
            if let Some(l) = bf.get("limits") {
                if let Some(la) = self.attrs("budget.limits", &l.value) {
                    let lf = self.fields(la, BUDGET_LIMIT_FIELDS, "budget.limits");
                    budget.cpu_limits = lf
                        .get("cpu")
                        .and_then(|f| self.quantity("budget.limits.cpu", &f.value, Dim::Scalar));
                    budget.memory_limits = lf
                        .get("memory")
                        .and_then(|f| self.quantity("budget.limits.memory", &f.value, Dim::Bytes));
                }
            }
        }
        let mut gates = GateSettings {
            image: DEFAULT_GATE_IMAGE.to_string(),
            kubectl_image: DEFAULT_KUBECTL_IMAGE.to_string(),
            timeout_seconds: DEFAULT_GATE_TIMEOUT_SECONDS,
            cpu: Quantity {
                nanos: 10_000_000,
                dim: Dim::Scalar,
            },
            memory: Quantity {
                nanos: 16 * 1024 * 1024 * 1_000_000_000,
                dim: Dim::Bytes,
            },
        };
        if let Some(f) = fields.get("gates") {
            let g = self.attrs("gates", &f.value)?;
            let gf = self.fields(g, GATES_FIELDS, "gates");
            if let Some(f) = gf.get("image") {
                gates.image = self.plain_string("gates.image", &f.value)?;
            }
            if let Some(f) = gf.get("kubectl_image") {
                gates.kubectl_image = self.plain_string("gates.kubectl_image", &f.value)?;
            }
            if let Some(f) = gf.get("timeout") {
                gates.timeout_seconds = self.positive_seconds("gates.timeout", &f.value)?;
            }
            if let Some(f) = gf.get("cpu") {
                gates.cpu = self.quantity("gates.cpu", &f.value, Dim::Scalar)?.value;
            }
            if let Some(f) = gf.get("memory") {
                gates.memory = self.quantity("gates.memory", &f.value, Dim::Bytes)?.value;
            }
        }
        let network = match fields.get("network") {
            Some(f) => self.network(&f.value)?,
            None => NetworkSettings::default(),
        };
        let prices = match fields.get("prices") {
            Some(f) => Some(self.prices(&f.value)?),
            None => None,
        };
        self.namespace = namespace.value.clone();
        self.cluster_domain = cluster_domain.clone();
        Some(Stack {
            name,
            namespace,
            span: input.stack_span,
            budget,
            gates,
            cluster_domain,
            network,
            profile: input.profile.clone(),
            prices,
            components: Vec::new(),
        })
    }
}
