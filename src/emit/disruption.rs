//! PodDisruptionBudgets: every component with more than one replica keeps
//! enough of them through node drains and upgrades (`disruption`, or by
//! default all but one).

use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::model::{Amount, Component, DisruptionLimit, Stack, WorkloadKind};

fn int_or_percent(a: Amount) -> IntOrString {
    match a {
        Amount::Pods(n) => IntOrString::Int(i32::try_from(n).unwrap_or(i32::MAX)),
        Amount::Percent(p) => IntOrString::String(format!("{p}%")),
    }
}

pub fn pod_disruption_budget(stack: &Stack, c: &Component) -> Option<PodDisruptionBudget> {
    if !matches!(c.kind.value, WorkloadKind::Service | WorkloadKind::Stateful) || c.replicas.value <= 1 {
        return None;
    }
    let (min_available, max_unavailable) = match c.policy.disruption.as_ref().map(|d| &d.limit) {
        Some(DisruptionLimit::MinAvailable(a)) => (Some(int_or_percent(*a)), None),
        Some(DisruptionLimit::MaxUnavailable(a)) => (None, Some(int_or_percent(*a))),
        None => (Some(int_or_percent(Amount::Pods(c.replicas.value - 1))), None),
    };
    Some(PodDisruptionBudget {
        metadata: labels::metadata(stack, c, &c.name, None),
        spec: Some(PodDisruptionBudgetSpec {
            selector: Some(labels::selector(stack, c)),
            min_available,
            max_unavailable,
            // A pod that is not ready protects nothing; never let it block a drain.
            unhealthy_pod_eviction_policy: Some("AlwaysAllow".to_string()),
        }),
        ..PodDisruptionBudget::default()
    })
}
