//! Evaluated values → the typed [`model`]. Checks every field's name, type and
//! unit, and resolves component addresses (`x.host`, `x.port.http`) to DNS
//! names, ports or external hosts now that every component is known.
//!
//! A diagnostic about a field points at the value (which may have been written
//! in a library or a profile) and at the component that received it.

mod address;
mod component;
mod edges;
mod plan;
mod policy;
mod scalars;
mod stack;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::value::Value;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::Name;
use address::{address_entry, AddressEntry};

pub(crate) struct ComponentValue {
    pub name: Arc<str>,
    pub name_span: Span,
    pub span: Span,
    pub value: Value,
    /// Profile `override`s applied to it (name spans).
    pub overridden: Vec<Span>,
}

pub(crate) struct RemovedComponent {
    pub name: String,
    pub span: Span,
    pub profile: String,
}

pub(crate) struct LowerInput<'a> {
    pub stack_name: &'a Name,
    pub stack_span: Span,
    pub stack_value: Value,
    pub components: Vec<ComponentValue>,
    pub removed: Vec<RemovedComponent>,
    pub profile: Option<String>,
    /// Strings with resolved addresses are checked against the limit again.
    pub max_string_bytes: usize,
}

pub const COMPONENT_FIELDS: &[&str] = &[
    "kind",
    "image",
    "replicas",
    "command",
    "args",
    "ports",
    "env",
    "cpu",
    "memory",
    "storage",
    "ready",
    "after",
    "job",
    "host",
    "labels",
    "files",
    "security",
    "singleton",
    "disruption",
    "ingress",
    "startup",
];
pub const EXTERNAL_FIELDS: &[&str] = &["kind", "host", "ports", "labels", "after", "cidrs"];
pub const STACK_FIELDS: &[&str] = &["namespace", "budget", "gates", "cluster_domain", "network", "prices"];

/// Fields of nested sets, by the key that holds them (also offered by editor completion).
pub const BUDGET_FIELDS: &[&str] = &["cpu", "memory", "storage", "pods", "limits", "defaults"];
pub const BUDGET_LIMIT_FIELDS: &[&str] = &["cpu", "memory"];
pub const GATES_FIELDS: &[&str] = &["image", "kubectl_image", "timeout", "cpu", "memory"];
pub const RESOURCE_FIELDS: &[&str] = &["request", "limit"];
pub const STORAGE_FIELDS: &[&str] = &["size", "path", "class"];
pub const READY_FIELDS: &[&str] = &["tcp", "http", "port", "exec"];
pub const JOB_FIELDS: &[&str] = &["ttl", "backoff", "parallelism"];
pub const AFTER_ENTRY_FIELDS: &[&str] = &["on", "gate", "optional", "timeout"];
pub const GATE_FIELDS: &[&str] = &["tcp", "http", "port", "exec", "image", "complete"];

pub const DEFAULT_GATE_IMAGE: &str = "docker.io/library/busybox:1.37.0";
pub const DEFAULT_KUBECTL_IMAGE: &str = "registry.k8s.io/kubectl:v1.34.0";
pub const DEFAULT_GATE_TIMEOUT_SECONDS: u32 = 600;

pub(crate) fn lower(input: LowerInput<'_>, diagnostics: &mut Diagnostics) -> Option<Stack> {
    let mut lowerer = Lowerer {
        diagnostics,
        book: BTreeMap::new(),
        namespace: String::new(),
        cluster_domain: String::new(),
        removed: &input.removed,
        removed_uses: BTreeMap::new(),
        component: Arc::from(""),
        component_span: Span::default(),
        component_decl: Span::default(),
        optional_targets: Vec::new(),
        references: Vec::new(),
        max_string_bytes: input.max_string_bytes,
    };
    let stack = lowerer.stack_settings(&input);
    for c in &input.components {
        let entry = address_entry(&c.value);
        lowerer.book.insert(c.name.clone(), entry);
    }
    let mut components = Vec::with_capacity(input.components.len());
    for c in &input.components {
        if let Some(component) = lowerer.component(c) {
            components.push(component);
        }
    }
    lowerer.report_removed_uses();
    let mut stack = stack?;
    components.sort_by(|a, b| a.name.cmp(&b.name));
    stack.components = components;
    Some(stack)
}

struct Lowerer<'a> {
    diagnostics: &'a mut Diagnostics,
    book: BTreeMap<Arc<str>, AddressEntry>,
    namespace: String,
    cluster_domain: String,
    removed: &'a [RemovedComponent],
    /// Removed component → (user, span of the use).
    removed_uses: BTreeMap<String, Vec<(String, Span)>>,
    /// The component being lowered.
    component: Arc<str>,
    component_span: Span,
    /// The whole declaration of the component being lowered.
    component_decl: Span,
    /// Targets of this component's optional edges.
    optional_targets: Vec<String>,
    references: Vec<Reference>,
    max_string_bytes: usize,
}

impl Lowerer<'_> {
    pub(super) fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Adds "in component x" when the value was written elsewhere (a library, a profile).
    pub(super) fn at_component(&self, mut d: Diagnostic) -> Diagnostic {
        let inside = d.primary.span.file == self.component_decl.file
            && self.component_decl.start <= d.primary.span.start
            && d.primary.span.end <= self.component_decl.end;
        if !self.component.is_empty() && !inside {
            d = d.with_label(self.component_span, format!("used by component `{}`", self.component));
        }
        d
    }
}
