//! Labels, selectors and metadata shared by every object of a component.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::model::{Component, Stack};

pub const NAME: &str = "app.kubernetes.io/name";
pub const PART_OF: &str = "app.kubernetes.io/part-of";
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const COMPONENT: &str = "app.kubernetes.io/component";
pub const WAVE: &str = "kokuc.dev/wave";
pub const AFTER: &str = "kokuc.dev/after";
/// The security defaults a workload relaxes, and why.
pub const RELAXED: &str = "kokuc.dev/relaxed";

/// The labels that select a component's pods. Never changes for a component.
pub fn selector_labels(stack: &Stack, c: &Component) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME.to_string(), c.name.clone()),
        (PART_OF.to_string(), stack.name.value.clone()),
    ])
}

/// Every label of a component's objects: the selector, ownership, and the user's own.
pub fn component_labels(stack: &Stack, c: &Component) -> BTreeMap<String, String> {
    let mut labels = selector_labels(stack, c);
    labels.insert(MANAGED_BY.to_string(), "kokuc".to_string());
    labels.insert(COMPONENT.to_string(), c.kind.value.keyword().to_string());
    for (k, v) in &c.labels {
        labels.insert(k.clone(), v.clone());
    }
    labels
}

pub fn stack_labels(stack: &Stack) -> BTreeMap<String, String> {
    BTreeMap::from([
        (PART_OF.to_string(), stack.name.value.clone()),
        (MANAGED_BY.to_string(), "kokuc".to_string()),
    ])
}

pub fn selector(stack: &Stack, c: &Component) -> LabelSelector {
    LabelSelector {
        match_labels: Some(selector_labels(stack, c)),
        ..LabelSelector::default()
    }
}

/// Metadata for an object named `name` belonging to component `c`.
pub fn metadata(stack: &Stack, c: &Component, name: &str, annotations: Option<BTreeMap<String, String>>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(stack.namespace.value.clone()),
        labels: Some(component_labels(stack, c)),
        annotations,
        ..ObjectMeta::default()
    }
}
