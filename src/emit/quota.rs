//! The stack's `budget`, enforced by the cluster: a ResourceQuota caps the
//! namespace's totals (what `kokuc check` proved at build time), and a
//! LimitRange gives containers that declare no requests (pods kokuc did not
//! write) defaults, so that the quota admits them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LimitRange, LimitRangeItem, LimitRangeSpec, ResourceQuota, ResourceQuotaSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::labels;
use crate::model::Stack;
use crate::quantity::Quantity;

pub const QUOTA: &str = "kokuc-budget";
pub const LIMIT_RANGE: &str = "kokuc-defaults";

fn metadata(stack: &Stack, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(stack.namespace.value.clone()),
        labels: Some(labels::stack_labels(stack)),
        ..ObjectMeta::default()
    }
}

fn k8s(q: Quantity) -> K8sQuantity {
    K8sQuantity(q.to_k8s_string())
}

/// The quota, when the budget caps anything.
pub fn resource_quota(stack: &Stack) -> Option<ResourceQuota> {
    let b = &stack.budget;
    let hard: BTreeMap<String, K8sQuantity> = [
        ("requests.cpu", &b.cpu),
        ("requests.memory", &b.memory),
        ("requests.storage", &b.storage),
        ("pods", &b.pods),
        ("limits.cpu", &b.cpu_limits),
        ("limits.memory", &b.memory_limits),
    ]
    .into_iter()
    .filter_map(|(key, cap)| cap.as_ref().map(|c| (key.to_string(), k8s(c.value))))
    .collect();
    (!hard.is_empty()).then(|| ResourceQuota {
        metadata: metadata(stack, QUOTA),
        spec: Some(ResourceQuotaSpec {
            hard: Some(hard),
            ..ResourceQuotaSpec::default()
        }),
        ..ResourceQuota::default()
    })
}

/// Defaults for containers without requests (and, where the budget caps
/// limits, without limits), when the budget caps cpu or memory.
pub fn limit_range(stack: &Stack) -> Option<LimitRange> {
    let b = &stack.budget;
    let d = &b.defaults;
    let caps_requests = b.cpu.is_some() || b.memory.is_some();
    let caps_limits = b.cpu_limits.is_some() || b.memory_limits.is_some();
    if !caps_requests && !caps_limits {
        return None;
    }
    let default_request = BTreeMap::from([
        ("cpu".to_string(), k8s(d.cpu_request)),
        ("memory".to_string(), k8s(d.memory_request)),
    ]);
    // A default limit only where the quota demands one: a component declared
    // `unlimited` must stay unlimited.
    let default_limit: BTreeMap<String, K8sQuantity> = [
        ("cpu", b.cpu_limits.is_some(), d.cpu_limit),
        ("memory", b.memory_limits.is_some(), d.memory_limit),
    ]
    .into_iter()
    .filter(|(_, capped, _)| *capped)
    .map(|(name, _, q)| (name.to_string(), k8s(q)))
    .collect();
    Some(LimitRange {
        metadata: metadata(stack, LIMIT_RANGE),
        spec: Some(LimitRangeSpec {
            limits: vec![LimitRangeItem {
                type_: "Container".to_string(),
                default_request: Some(default_request),
                default: (!default_limit.is_empty()).then_some(default_limit),
                ..LimitRangeItem::default()
            }],
        }),
    })
}
