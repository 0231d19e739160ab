//! Evaluated values → the typed [`model`]. Checks every field's name, type and
//! unit, and resolves component addresses (`x.host`, `x.port.http`) to DNS
//! names, ports or external hosts now that every component is known.
//!
//! A diagnostic about a field points at the value (which may have been written
//! in a library or a profile) and at the component that received it.

mod plan;

use std::collections::BTreeMap;
use std::rc::Rc;

mod policy;

use super::value::{Address, AddressPart, Attrs, Field, TextPart, Value, ValueKind};
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::*;
use crate::quantity::{Dim, Quantity};
use crate::source::{Span, Spanned};
use crate::syntax::ast::Name;

pub(crate) struct ComponentValue {
    pub name: Rc<str>,
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

/// What other components need to know about a component to resolve its address.
struct AddressEntry {
    external: bool,
    host: Option<HostValue>,
    /// Ports in the order they were written.
    ports: Vec<(String, u16)>,
}

/// A resolved string value.
enum Resolved {
    Plain(String),
    Secret(SecretRef),
    /// It referred to a component removed by the profile, through an optional edge.
    Dropped,
}

pub(crate) fn lower(input: LowerInput<'_>, diagnostics: &mut Diagnostics) -> Option<Stack> {
    let mut lowerer = Lowerer {
        diagnostics,
        book: BTreeMap::new(),
        namespace: String::new(),
        cluster_domain: String::new(),
        removed: &input.removed,
        removed_uses: BTreeMap::new(),
        component: Rc::from(""),
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

fn address_entry(value: &Value) -> AddressEntry {
    let attrs = value.as_attrs();
    let field = |name: &str| attrs.and_then(|a| a.get(name)).map(|f| &f.value);
    let external = matches!(field("kind").map(|v| &v.kind), Some(ValueKind::Str(s)) if &**s == "external");
    let host = match field("host").map(|v| &v.kind) {
        Some(ValueKind::Str(s)) => Some(HostValue::Name(s.to_string())),
        Some(ValueKind::Secret(s)) => Some(HostValue::Secret(SecretRef {
            name: s.name.to_string(),
            key: s.key.to_string(),
        })),
        _ => None,
    };
    let mut ports: Vec<(Span, String, u16)> = Vec::new();
    if let Some(ports_attrs) = field("ports").and_then(Value::as_attrs) {
        for f in &ports_attrs.fields {
            if let ValueKind::Number(q) = &f.value.kind {
                if let Some(n) = q.as_integer().and_then(|n| u16::try_from(n).ok()) {
                    ports.push((f.key_span, f.name.to_string(), n));
                }
            }
        }
    }
    ports.sort_by_key(|(span, _, _)| (span.file, span.start));
    AddressEntry {
        external,
        host,
        ports: ports.into_iter().map(|(_, n, p)| (n, p)).collect(),
    }
}

struct Lowerer<'a> {
    diagnostics: &'a mut Diagnostics,
    book: BTreeMap<Rc<str>, AddressEntry>,
    namespace: String,
    cluster_domain: String,
    removed: &'a [RemovedComponent],
    /// Removed component → (user, span of the use).
    removed_uses: BTreeMap<String, Vec<(String, Span)>>,
    /// The component being lowered.
    component: Rc<str>,
    component_span: Span,
    /// The whole declaration of the component being lowered.
    component_decl: Span,
    /// Targets of this component's optional edges.
    optional_targets: Vec<String>,
    references: Vec<Reference>,
    max_string_bytes: usize,
}

impl Lowerer<'_> {
    fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Adds "in component x" when the value was written elsewhere (a library, a profile).
    fn at_component(&self, mut d: Diagnostic) -> Diagnostic {
        let inside = d.primary.span.file == self.component_decl.file
            && self.component_decl.start <= d.primary.span.start
            && d.primary.span.end <= self.component_decl.end;
        if !self.component.is_empty() && !inside {
            d = d.with_label(self.component_span, format!("used by component `{}`", self.component));
        }
        d
    }

    fn type_error(&mut self, field: &str, expected: &str, v: &Value) {
        let d = if let ValueKind::Unknown(u) = &v.kind {
            let d = Diagnostic::error(
                Code::K0201,
                format!("unknown name `{}`", u.name),
                v.origin,
                "no variable or component has this name",
            );
            match &u.suggestion {
                Some(s) => d.with_help(s.clone()),
                None => d.with_help("define it with `let`, declare a component with this name, or import it"),
            }
        } else {
            Diagnostic::error(
                Code::K0202,
                format!("`{field}` expects {expected}, found {}", v.type_name()),
                v.origin,
                format!("this is {}", v.type_name()),
            )
            .with_help(format!("give `{field}` {expected}"))
        };
        let d = self.at_component(d);
        self.error(d);
    }

    /// Reports fields not in `known`; returns the fields that are set (not null).
    fn fields<'v>(&mut self, attrs: &'v Attrs, known: &[&str], what: &str) -> BTreeMap<&'v str, &'v Field> {
        let mut out = BTreeMap::new();
        for f in &attrs.fields {
            if !known.contains(&&*f.name) {
                let help = suggest::did_you_mean(&f.name, "field", known.iter().copied())
                    .unwrap_or_else(|| format!("the fields of {what} are: {}", known.join(", ")));
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0206,
                        format!("unknown field `{}` in {what}", f.name),
                        f.key_span,
                        "not a known field",
                    )
                    .with_help(help),
                );
                self.error(d);
                continue;
            }
            if !f.value.is_null() {
                out.insert(&*f.name, f);
            }
        }
        out
    }

    fn attrs<'v>(&mut self, field: &str, v: &'v Value) -> Option<&'v Attrs> {
        match &v.kind {
            ValueKind::Attrs(a) => Some(a),
            _ => {
                self.type_error(field, "an attribute set `{ ... }`", v);
                None
            }
        }
    }

    fn plain_string(&mut self, field: &str, v: &Value) -> Option<String> {
        match &v.kind {
            ValueKind::Str(s) => Some(s.to_string()),
            ValueKind::Text(_) | ValueKind::Address(_) => {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0218,
                        format!("`{field}` cannot contain a component address"),
                        v.origin,
                        "an address is only allowed in env, command, args and gates",
                    )
                    .with_help("write the value as a constant string"),
                );
                self.error(d);
                None
            }
            _ => {
                self.type_error(field, "a string", v);
                None
            }
        }
    }

    fn integer(&mut self, field: &str, v: &Value, min: i64, max: i64) -> Option<Spanned<i64>> {
        let ValueKind::Number(q) = &v.kind else {
            self.type_error(field, "a whole number", v);
            return None;
        };
        let n = q.as_integer().filter(|_| q.dim == Dim::Scalar);
        match n
            .and_then(|n| i64::try_from(n).ok())
            .filter(|n| (min..=max).contains(n))
        {
            Some(n) => Some(Spanned::new(n, v.origin)),
            None => {
                let why = if q.dim != Dim::Scalar {
                    format!("`{field}` is a plain number, not {}", q.dim.noun())
                } else if n.is_none() {
                    format!("`{field}` must be a whole number, not {}", q.human())
                } else {
                    format!("`{field}` must be between {min} and {max}, not {}", q.human())
                };
                let d = self.at_component(
                    Diagnostic::error(Code::K0212, why, v.origin, "invalid value")
                        .with_help(format!("give `{field}` a whole number from {min} to {max}")),
                );
                self.error(d);
                None
            }
        }
    }

    fn quantity(&mut self, field: &str, v: &Value, dim: Dim) -> Option<Spanned<Quantity>> {
        let ValueKind::Number(q) = &v.kind else {
            self.type_error(field, dim_expectation(dim), v);
            return None;
        };
        if q.dim != dim {
            let help = match (dim, q.dim) {
                (Dim::Bytes, Dim::Scalar) => match q.as_integer() {
                    Some(n) => format!("add a unit: `{n}Gi` or `{n}Mi`"),
                    None => "add a unit, e.g. `512Mi` or `2Gi`".to_string(),
                },
                (Dim::Scalar, Dim::Bytes) => {
                    "cpu is counted in cores (`2`) or millicores (`500m`), not bytes".to_string()
                }
                (Dim::Seconds, _) => "write a duration such as `30s`, `5min` or `1h`".to_string(),
                _ => format!("give `{field}` {}", dim_expectation(dim)),
            };
            let d = self.at_component(
                Diagnostic::error(
                    Code::K0203,
                    format!("`{field}` is {}, but `{}` is {}", dim.noun(), q, q.dim.noun()),
                    v.origin,
                    "wrong unit",
                )
                .with_help(help),
            );
            self.error(d);
            return None;
        }
        if q.is_negative() {
            let d = self.at_component(
                Diagnostic::error(
                    Code::K0212,
                    format!("`{field}` cannot be negative"),
                    v.origin,
                    "negative",
                )
                .with_help("quantities in Kubernetes are zero or positive"),
            );
            self.error(d);
            return None;
        }
        Some(Spanned::new(*q, v.origin))
    }

    fn seconds(&mut self, field: &str, v: &Value) -> Option<Spanned<u32>> {
        let q = self.quantity(field, v, Dim::Seconds)?;
        match q.value.whole_seconds().and_then(|s| u32::try_from(s).ok()) {
            Some(s) => Some(Spanned::new(s, q.span)),
            None => {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        format!("`{field}` must be whole seconds"),
                        v.origin,
                        "not whole seconds",
                    )
                    .with_help("write a duration such as `30s`, `5min` or `1h`"),
                );
                self.error(d);
                None
            }
        }
    }

    fn boolean(&mut self, field: &str, v: &Value) -> Option<bool> {
        match v.kind {
            ValueKind::Bool(b) => Some(b),
            _ => {
                self.type_error(field, "`true` or `false`", v);
                None
            }
        }
    }

    // ------------------------------------------------------------- addresses

    fn resolve_address(&mut self, a: &Address, context: &str) -> Option<Resolved> {
        let port = match &a.part {
            AddressPart::Host => None,
            AddressPart::Port(Some(name)) => Some(name.to_string()),
            AddressPart::Port(None) => self
                .book
                .get(&a.component)
                .and_then(|e| e.ports.first())
                .map(|(name, _)| name.clone()),
        };
        self.references.push(Reference {
            target: a.component.to_string(),
            span: a.span,
            context: context.to_string(),
            port,
        });
        if let Some(r) = self.removed.iter().find(|r| *r.name == *a.component) {
            if self.optional_targets.contains(&r.name) && context.starts_with("env ") {
                return Some(Resolved::Dropped);
            }
            self.removed_uses
                .entry(r.name.clone())
                .or_default()
                .push((self.component.to_string(), a.span));
            return None;
        }
        let entry = self.book.get(&a.component)?;
        match &a.part {
            AddressPart::Host => {
                if entry.external {
                    return match &entry.host {
                        Some(HostValue::Name(h)) => Some(Resolved::Plain(h.clone())),
                        Some(HostValue::Secret(s)) => Some(Resolved::Secret(s.clone())),
                        None => None, // reported as a missing `host` on the external component
                    };
                }
                Some(Resolved::Plain(format!(
                    "{}.{}.svc.{}",
                    a.component, self.namespace, self.cluster_domain
                )))
            }
            AddressPart::Port(name) => {
                let found = match name {
                    None => entry.ports.first(),
                    Some(n) => entry.ports.iter().find(|(p, _)| **p == **n),
                };
                match found {
                    Some((_, number)) => Some(Resolved::Plain(number.to_string())),
                    None => {
                        let ports: Vec<String> = entry.ports.iter().map(|(n, p)| format!("`{n}` ({p})")).collect();
                        let message = match name {
                            Some(n) => {
                                format!("component `{}` has no port named `{n}`", a.component)
                            }
                            None => format!("component `{}` declares no ports", a.component),
                        };
                        let help = match (name, ports.is_empty()) {
                            (_, true) => format!("declare one in `{}`: `ports = {{ http = 8080; }};`", a.component),
                            (Some(n), false) => {
                                suggest::did_you_mean(n, "port", entry.ports.iter().map(|(p, _)| p.as_str()))
                                    .unwrap_or_else(|| format!("its ports are {}", ports.join(", ")))
                            }
                            (None, false) => String::new(),
                        };
                        let d = self.at_component(
                            Diagnostic::error(Code::K0218, message, a.span, "unknown port").with_help(help),
                        );
                        self.error(d);
                        None
                    }
                }
            }
        }
    }

    /// A string-like value with addresses resolved.
    fn text(&mut self, field: &str, v: &Value, context: &str) -> Option<Resolved> {
        match &v.kind {
            ValueKind::Str(s) => Some(Resolved::Plain(s.to_string())),
            ValueKind::Number(q) => Some(Resolved::Plain(match q.dim {
                Dim::Seconds => q.whole_seconds().map_or_else(|| q.human(), |s| s.to_string()),
                _ => q.to_k8s_string(),
            })),
            ValueKind::Bool(b) => Some(Resolved::Plain(b.to_string())),
            ValueKind::Address(a) => self.resolve_address(a, context),
            ValueKind::Text(parts) => {
                let mut out = String::new();
                let mut ok = true;
                for part in parts.iter() {
                    if out.len() > self.max_string_bytes {
                        return self.resolved_too_long(v);
                    }
                    match part {
                        TextPart::Literal(s) => out.push_str(s),
                        TextPart::Address(a) => match self.resolve_address(a, context) {
                            Some(Resolved::Plain(s)) => out.push_str(&s),
                            Some(Resolved::Dropped) => return Some(Resolved::Dropped),
                            Some(Resolved::Secret(s)) => {
                                let d = self.at_component(
                                    Diagnostic::error(
                                        Code::K0218,
                                        format!("the host of `{}` is a secret and cannot be part of a string", a.component),
                                        a.span,
                                        "its value is only known inside the pod",
                                    )
                                    .with_help(format!(
                                        "put `{}.host` in its own env variable (it becomes a secretKeyRef to {}/{}) and refer to it as `$(NAME)`",
                                        a.component, s.name, s.key
                                    )),
                                );
                                self.error(d);
                                ok = false;
                            }
                            None => ok = false,
                        },
                    }
                }
                if out.len() > self.max_string_bytes {
                    return self.resolved_too_long(v);
                }
                ok.then_some(Resolved::Plain(out))
            }
            ValueKind::Secret(s) => Some(Resolved::Secret(SecretRef {
                name: s.name.to_string(),
                key: s.key.to_string(),
            })),
            ValueKind::Component(name) => {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0218,
                        format!("`{field}` needs a value, not the component `{name}` itself"),
                        v.origin,
                        "a component reference",
                    )
                    .with_help(format!(
                        "use `{name}.host` for its DNS name or `{name}.port.NAME` for a port"
                    )),
                );
                self.error(d);
                None
            }
            _ => {
                self.type_error(field, "a string", v);
                None
            }
        }
    }

    /// K0105 for a string that grew past the limit when its addresses were resolved.
    fn resolved_too_long(&mut self, v: &Value) -> Option<Resolved> {
        let d = self.at_component(
            Diagnostic::error(
                Code::K0105,
                format!(
                    "with its addresses resolved, this string exceeds the limit of {} bytes",
                    self.max_string_bytes
                ),
                v.origin,
                "string too long",
            )
            .with_help("keep large content out of the stack, or raise `--max-string-bytes`"),
        );
        self.error(d);
        None
    }

    fn string_list(&mut self, field: &str, v: &Value) -> Option<Vec<String>> {
        let ValueKind::List(items) = &v.kind else {
            self.type_error(field, "a list of strings", v);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            match self.text(field, item, field) {
                Some(Resolved::Plain(s)) => out.push(s),
                Some(Resolved::Secret(_)) => {
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0202,
                            format!("`{field}` cannot contain a secret"),
                            item.origin,
                            "a secret reference",
                        )
                        .with_help("pass the secret through an env variable and refer to it as `$(NAME)`"),
                    );
                    self.error(d);
                    ok = false;
                }
                Some(Resolved::Dropped) | None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn report_removed_uses(&mut self) {
        let uses = std::mem::take(&mut self.removed_uses);
        for (name, users) in uses {
            let Some(r) = self.removed.iter().find(|r| r.name == name) else {
                continue;
            };
            let mut names: Vec<&str> = users.iter().map(|(u, _)| u.as_str()).collect();
            names.dedup();
            let mut d = Diagnostic::error(
                Code::K0306,
                format!(
                    "profile `{}` removes `{}`, but {} still {} it",
                    r.profile,
                    name,
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                    if names.len() == 1 { "needs" } else { "need" }
                ),
                r.span,
                "removed here",
            );
            // One label per place; a template used by many components is one place.
            let mut places: Vec<(Span, Vec<&str>)> = Vec::new();
            for (user, span) in &users {
                match places.iter_mut().find(|(s, _)| s == span) {
                    Some((_, who)) => who.push(user),
                    None => places.push((*span, vec![user])),
                }
            }
            for (span, who) in places {
                let label = match who.as_slice() {
                    [one] => format!("`{one}` uses `{name}` here"),
                    many => format!("{} components use `{name}` here", many.len()),
                };
                d = d.with_label(span, label);
            }
            d = d.with_help(format!(
                "declare those edges `{{ on = {name}; optional = true; }}` so they (and env wired to `{name}`) disappear with it, or override the components in the profile"
            ));
            self.error(d);
        }
    }

    // ----------------------------------------------------------------- stack

    fn stack_settings(&mut self, input: &LowerInput<'_>) -> Option<Stack> {
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

    fn positive_seconds(&mut self, field: &str, v: &Value) -> Option<u32> {
        let s = self.seconds(field, v)?;
        if s.value == 0 {
            let d = Diagnostic::error(
                Code::K0212,
                format!("`{field}` must be longer than zero"),
                s.span,
                "zero",
            )
            .with_help("give a duration such as `5min`");
            self.error(d);
            return None;
        }
        Some(s.value)
    }

    // ------------------------------------------------------------- component

    fn component(&mut self, cv: &ComponentValue) -> Option<Component> {
        self.component = cv.name.clone();
        self.component_span = cv.name_span;
        self.component_decl = cv.span;
        self.optional_targets.clear();
        self.references.clear();
        let attrs = cv.value.as_attrs()?;
        let errors_before = self.diagnostics.error_count();

        let kind_field = attrs.get("kind").filter(|f| !f.value.is_null());
        let kind_value = kind_field.and_then(|f| self.plain_string("kind", &f.value).map(|s| (s, f.value.origin)));
        let has_storage = attrs.get("storage").is_some_and(|f| !f.value.is_null());
        let kind = match kind_value {
            None => Spanned::new(
                if has_storage {
                    WorkloadKind::Stateful
                } else {
                    WorkloadKind::Service
                },
                cv.name_span,
            ),
            Some((s, span)) => match s.as_str() {
                "service" => Spanned::new(WorkloadKind::Service, span),
                "stateful" => Spanned::new(WorkloadKind::Stateful, span),
                "job" => Spanned::new(WorkloadKind::Job, span),
                "external" => Spanned::new(WorkloadKind::External, span),
                other => {
                    let help = suggest::did_you_mean(other, "kind", ["service", "stateful", "job", "external"])
                        .unwrap_or_else(|| {
                            "the kinds are \"service\", \"stateful\", \"job\" and \"external\"".to_string()
                        });
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0212,
                            format!("unknown kind \"{other}\""),
                            span,
                            "not a component kind",
                        )
                        .with_help(help),
                    );
                    self.error(d);
                    return None;
                }
            },
        };
        let external = kind.value == WorkloadKind::External;
        let known = if external { EXTERNAL_FIELDS } else { COMPONENT_FIELDS };
        let what = if external {
            "an external component"
        } else {
            "a component"
        };
        let fields = self.fields(attrs, known, what);

        // Edges first: optional targets decide whether env wired to removed components disappears.
        let after = match fields.get("after") {
            Some(f) => self.edges(&f.value).unwrap_or_default(),
            None => Vec::new(),
        };

        let image = match fields.get("image") {
            Some(f) => self
                .plain_string("image", &f.value)
                .map(|s| Spanned::new(s, f.value.origin)),
            None => None,
        };
        let replicas = match (fields.get("replicas"), kind.value) {
            (Some(f), WorkloadKind::Job) => {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0206,
                        "a job has no `replicas`",
                        f.key_span,
                        "not a field of a job",
                    )
                    .with_help("run several pods of a job with `job = { parallelism = N; };`"),
                );
                self.error(d);
                Spanned::new(1, cv.name_span)
            }
            (Some(f), _) => self
                .integer("replicas", &f.value, 0, 10_000)
                .unwrap_or(Spanned::new(1, f.value.origin)),
            (None, _) => Spanned::new(1, cv.name_span),
        };
        let command = fields
            .get("command")
            .and_then(|f| self.string_list("command", &f.value))
            .unwrap_or_default();
        let args = fields
            .get("args")
            .and_then(|f| self.string_list("args", &f.value))
            .unwrap_or_default();
        let ports = fields.get("ports").map(|f| self.ports(&f.value)).unwrap_or_default();
        let env = fields.get("env").map(|f| self.env(&f.value)).unwrap_or_default();
        let cpu = fields
            .get("cpu")
            .and_then(|f| self.resource("cpu", &f.value, Dim::Scalar))
            .unwrap_or_default();
        let memory = fields
            .get("memory")
            .and_then(|f| self.resource("memory", &f.value, Dim::Bytes))
            .unwrap_or_default();
        let storage = fields.get("storage").and_then(|f| self.storage(&f.value));
        let ready = fields.get("ready").and_then(|f| self.probe(&f.value, &ports));
        let job = match fields.get("job") {
            Some(f) => self.job(&f.value, kind.value).unwrap_or_default(),
            None => JobSettings::default(),
        };
        let external_host = match fields.get("host") {
            Some(f) if external => match &f.value.kind {
                ValueKind::Secret(s) => Some(Spanned::new(
                    HostValue::Secret(SecretRef {
                        name: s.name.to_string(),
                        key: s.key.to_string(),
                    }),
                    f.value.origin,
                )),
                _ => self
                    .plain_string("host", &f.value)
                    .map(|h| Spanned::new(HostValue::Name(h), f.value.origin)),
            },
            Some(f) => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0206, "only external components have a `host`", f.key_span, "not a field here")
                        .with_help("in-cluster components are reached at their Service's DNS name; to point at an outside service, set `kind = \"external\";`"),
                );
                self.error(d);
                None
            }
            None => None,
        };
        let labels = match fields.get("labels") {
            Some(f) => self.labels(&f.value),
            None => Vec::new(),
        };
        let startup = fields.get("startup").and_then(|f| self.seconds("startup", &f.value));
        let files = match fields.get("files") {
            Some(f) => self.files(&f.value),
            None => Vec::new(),
        };

        if external && external_host.is_none() && !fields.contains_key("host") {
            let d = Diagnostic::error(
                Code::K0205,
                format!("external component `{}` has no `host`", cv.name),
                cv.name_span,
                "missing `host`",
            )
            .with_help("say where it lives: `host = \"athena.us-east-1.amazonaws.com\";` (or a secret: `host = secret \"athena\" \"endpoint\";`)");
            self.error(d);
        }
        if !external {
            for (field, present) in [
                ("cpu", fields.contains_key("cpu")),
                ("memory", fields.contains_key("memory")),
            ] {
                if !present {
                    let example = if field == "cpu" {
                        "cpu = { request = 500m; limit = 1; };"
                    } else {
                        "memory = { request = 1Gi; limit = 2Gi; };"
                    };
                    let d = Diagnostic::error(
                        Code::K0205,
                        format!("component `{}` does not declare `{field}`", cv.name),
                        cv.name_span,
                        format!("missing `{field}`"),
                    )
                    .with_help(format!(
                        "every workload declares its resources so the budget can be checked: `{example}`"
                    ));
                    self.error(d);
                }
            }
        }

        let policy = self.policy(&fields, kind.value);

        if self.diagnostics.error_count() > errors_before {
            return None;
        }
        let mut references = std::mem::take(&mut self.references);
        references.sort_by(|a, b| (a.span, &a.target).cmp(&(b.span, &b.target)));
        Some(Component {
            name: cv.name.to_string(),
            name_span: cv.name_span,
            span: cv.span,
            kind,
            image,
            replicas,
            command,
            args,
            ports,
            env,
            cpu,
            memory,
            storage,
            ready,
            after,
            references,
            job,
            external_host,
            labels,
            overrides: cv.overridden.clone(),
            files,
            policy,
            startup,
        })
    }

    fn ports(&mut self, v: &Value) -> Vec<Port> {
        let Some(attrs) = self.attrs("ports", v) else {
            return Vec::new();
        };
        let mut ports = Vec::new();
        for f in &attrs.fields {
            if f.value.is_null() {
                continue;
            }
            if let Some(n) = self.integer(&format!("ports.{}", f.name), &f.value, 1, 65535) {
                ports.push(Port {
                    name: f.name.to_string(),
                    number: u16::try_from(n.value).unwrap_or(0),
                    span: f.key_span,
                });
            }
        }
        ports.sort_by_key(|p| (p.span.file, p.span.start));
        ports
    }

    fn env(&mut self, v: &Value) -> Vec<EnvVar> {
        let Some(attrs) = self.attrs("env", v) else {
            return Vec::new();
        };
        let mut env = Vec::new();
        for f in &attrs.fields {
            if f.value.is_null() {
                continue;
            }
            let context = format!("env {}", f.name);
            let value = match self.text(&format!("env.{}", f.name), &f.value, &context) {
                Some(Resolved::Plain(s)) => EnvValue::Plain(s),
                Some(Resolved::Secret(s)) => EnvValue::Secret(s),
                Some(Resolved::Dropped) | None => continue,
            };
            env.push(EnvVar {
                name: f.name.to_string(),
                value,
                span: f.key_span,
            });
        }
        // Source order: `$(VAR)` expansion in Kubernetes only sees variables defined earlier.
        env.sort_by_key(|e| (e.span.file, e.span.start));
        env
    }

    fn resource(&mut self, field: &str, v: &Value, dim: Dim) -> Option<Resource> {
        match &v.kind {
            ValueKind::Number(_) => {
                let q = self.quantity(field, v, dim)?;
                Some(Resource {
                    request: Some(q.clone()),
                    limit: Some(q),
                    span: v.origin,
                })
            }
            ValueKind::Attrs(a) => {
                let f = self.fields(a, RESOURCE_FIELDS, &format!("`{field}`"));
                let request = f
                    .get("request")
                    .and_then(|r| self.quantity(&format!("{field}.request"), &r.value, dim));
                let limit = f
                    .get("limit")
                    .and_then(|l| self.quantity(&format!("{field}.limit"), &l.value, dim));
                if request.is_none() && limit.is_none() {
                    if f.is_empty() {
                        let d = self.at_component(
                            Diagnostic::error(
                                Code::K0205,
                                format!("`{field}` sets neither request nor limit"),
                                v.origin,
                                "empty",
                            )
                            .with_help(format!("write `{field} = {{ request = ...; limit = ...; }};`")),
                        );
                        self.error(d);
                    }
                    return None;
                }
                Some(Resource {
                    request,
                    limit,
                    span: v.origin,
                })
            }
            _ => {
                self.type_error(
                    field,
                    &format!("{} or `{{ request = ...; limit = ...; }}`", dim_expectation(dim)),
                    v,
                );
                None
            }
        }
    }

    fn storage(&mut self, v: &Value) -> Option<Storage> {
        let a = self.attrs("storage", v)?;
        let f = self.fields(a, STORAGE_FIELDS, "`storage`");
        let size = match f.get("size") {
            Some(s) => self.quantity("storage.size", &s.value, Dim::Bytes)?,
            None => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0205, "`storage` has no `size`", v.origin, "missing `size`")
                        .with_help("write `storage = { size = 50Gi; path = \"/data\"; };`"),
                );
                self.error(d);
                return None;
            }
        };
        let path = match f.get("path") {
            Some(p) => self.plain_string("storage.path", &p.value)?,
            None => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0205, "`storage` has no mount `path`", v.origin, "missing `path`")
                        .with_help("say where the volume is mounted: `path = \"/data\";`"),
                );
                self.error(d);
                return None;
            }
        };
        if !path.starts_with('/') {
            let span = f.get("path").map_or(v.origin, |p| p.value.origin);
            let d = self.at_component(
                Diagnostic::error(
                    Code::K0212,
                    format!("mount path `{path}` is not absolute"),
                    span,
                    "relative path",
                )
                .with_help("mount paths start with `/`"),
            );
            self.error(d);
            return None;
        }
        let class = match f.get("class") {
            Some(c) => Some(self.plain_string("storage.class", &c.value)?),
            None => None,
        };
        Some(Storage {
            size,
            path,
            class,
            span: v.origin,
        })
    }

    fn probe(&mut self, v: &Value, ports: &[Port]) -> Option<Probe> {
        let a = self.attrs("ready", v)?;
        let f = self.fields(a, READY_FIELDS, "`ready`");
        let port_name = |this: &mut Self, value: Option<&&Field>| -> Option<String> {
            match value {
                Some(p) => this.plain_string("ready.port", &p.value),
                None => match ports.first() {
                    Some(p) => Some(p.name.clone()),
                    None => {
                        let d = this.at_component(
                            Diagnostic::error(
                                Code::K0212,
                                "the readiness check needs a port, and the component has none",
                                v.origin,
                                "no port",
                            )
                            .with_help("declare `ports = { http = 8080; };` or use an `exec` check"),
                        );
                        this.error(d);
                        None
                    }
                },
            }
        };
        let action = match (f.get("tcp"), f.get("http"), f.get("exec")) {
            (Some(t), None, None) => {
                let port = match &t.value.kind {
                    ValueKind::Bool(true) => port_name(self, None)?,
                    _ => self.plain_string("ready.tcp", &t.value)?,
                };
                ProbeAction::Tcp { port }
            }
            (None, Some(h), None) => {
                let path = self.plain_string("ready.http", &h.value)?;
                let port = port_name(self, f.get("port"))?;
                ProbeAction::Http { path, port }
            }
            (None, None, Some(e)) => ProbeAction::Exec {
                command: self.string_list("ready.exec", &e.value)?,
            },
            _ => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0212, "`ready` needs exactly one of `tcp`, `http` or `exec`", v.origin, "ambiguous or empty check")
                        .with_help("e.g. `ready = { http = \"/healthz\"; port = \"http\"; };` or `ready = { tcp = \"postgres\"; };`"),
                );
                self.error(d);
                return None;
            }
        };
        let port = match &action {
            ProbeAction::Tcp { port } | ProbeAction::Http { port, .. } => Some(port.clone()),
            ProbeAction::Exec { .. } => None,
        };
        if let Some(port) = port {
            if !ports.iter().any(|p| p.name == port) {
                let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                let help = suggest::did_you_mean(&port, "port", names.iter().copied())
                    .unwrap_or_else(|| format!("the component's ports are: {}", expr_list(&names)));
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        format!("the readiness check uses port `{port}`, which is not declared"),
                        v.origin,
                        "unknown port",
                    )
                    .with_help(help),
                );
                self.error(d);
                return None;
            }
        }
        Some(Probe { action, span: v.origin })
    }

    fn job(&mut self, v: &Value, kind: WorkloadKind) -> Option<JobSettings> {
        let a = self.attrs("job", v)?;
        if kind != WorkloadKind::Job {
            let d = self.at_component(
                Diagnostic::error(
                    Code::K0206,
                    "`job` settings only apply to `kind = \"job\"`",
                    v.origin,
                    "not a job",
                )
                .with_help("remove `job`, or set `kind = \"job\";`"),
            );
            self.error(d);
            return None;
        }
        let f = self.fields(a, JOB_FIELDS, "`job`");
        let mut job = JobSettings::default();
        if let Some(t) = f.get("ttl") {
            job.ttl_seconds = Some(self.seconds("job.ttl", &t.value)?);
        }
        if let Some(b) = f.get("backoff") {
            job.backoff_limit = i32::try_from(self.integer("job.backoff", &b.value, 0, 1000)?.value).unwrap_or(6);
        }
        if let Some(p) = f.get("parallelism") {
            job.parallelism = self.integer("job.parallelism", &p.value, 1, 1000)?.value;
        }
        Some(job)
    }

    fn files(&mut self, v: &Value) -> Vec<ConfigFile> {
        let Some(a) = self.attrs("files", v) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in &a.fields {
            if f.value.is_null() {
                continue;
            }
            if !f.name.starts_with('/') || f.name.ends_with('/') || f.name.contains("/../") {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        format!("file path `{}` is not an absolute file path", f.name),
                        f.key_span,
                        "invalid path",
                    )
                    .with_help("write the full path in the container: `\"/etc/trino/config.properties\" = \"...\";`"),
                );
                self.error(d);
                continue;
            }
            let context = format!("file {}", f.name);
            match self.text(&format!("files.\"{}\"", f.name), &f.value, &context) {
                Some(Resolved::Plain(content)) => out.push(ConfigFile {
                    path: f.name.to_string(),
                    content,
                    span: f.key_span,
                }),
                Some(Resolved::Secret(_)) => {
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0202,
                            "a file's content cannot be a secret",
                            f.value.origin,
                            "secret",
                        )
                        .with_help(
                            "pass secrets through env; Trino and many tools read `${ENV:NAME}` in their config files",
                        ),
                    );
                    self.error(d);
                }
                Some(Resolved::Dropped) | None => {}
            }
        }
        out
    }

    fn labels(&mut self, v: &Value) -> Vec<(String, String)> {
        let Some(a) = self.attrs("labels", v) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in &a.fields {
            if f.value.is_null() {
                continue;
            }
            if let Some(s) = self.plain_string(&format!("labels.{}", f.name), &f.value) {
                out.push((f.name.to_string(), s));
            }
        }
        out
    }

    // ----------------------------------------------------------------- edges

    fn edges(&mut self, v: &Value) -> Option<Vec<Edge>> {
        let ValueKind::List(items) = &v.kind else {
            self.type_error("after", "a list of components", v);
            return None;
        };
        let mut edges = Vec::with_capacity(items.len());
        for item in items.iter() {
            if let Some(edge) = self.edge(item) {
                edges.push(edge);
            }
        }
        // Removed targets of optional edges vanish with their gate.
        let mut kept = Vec::with_capacity(edges.len());
        for (edge, target_value) in edges {
            if let Some(r) = self.removed.iter().find(|r| r.name == edge.target) {
                if edge.optional {
                    self.optional_targets.push(r.name.clone());
                } else {
                    self.removed_uses
                        .entry(r.name.clone())
                        .or_default()
                        .push((self.component.to_string(), target_value));
                }
                continue;
            }
            kept.push(edge);
        }
        Some(kept)
    }

    /// One `after` entry; also returns the span of the target for diagnostics.
    fn edge(&mut self, item: &Value) -> Option<(Edge, Span)> {
        match &item.kind {
            ValueKind::Component(name) => Some((
                Edge {
                    target: name.to_string(),
                    span: item.origin,
                    gate: None,
                    optional: false,
                    timeout_seconds: None,
                },
                item.origin,
            )),
            ValueKind::Unknown(u) => {
                let help =
                    suggest::did_you_mean(&u.name, "component", self.book.keys().map(|k| &**k)).unwrap_or_else(|| {
                        "`after` lists components declared in this stack (or added by the profile)".to_string()
                    });
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0301,
                        format!("`{}` comes after unknown component `{}`", self.component, u.name),
                        item.origin,
                        "no component has this name",
                    )
                    .with_help(help),
                );
                self.error(d);
                None
            }
            ValueKind::Attrs(a) => {
                let f = self.fields(a, AFTER_ENTRY_FIELDS, "an `after` entry");
                let Some(on) = f.get("on") else {
                    let d = self.at_component(
                        Diagnostic::error(Code::K0205, "an `after` entry needs `on`", item.origin, "missing `on`")
                            .with_help("write `{ on = trino-coordinator; gate = { http = \"/v1/info\"; }; }`"),
                    );
                    self.error(d);
                    return None;
                };
                let (mut edge, target_span) = self.edge(&on.value)?;
                if let ValueKind::Attrs(_) = on.value.kind {
                    self.type_error("on", "a component", &on.value);
                    return None;
                }
                edge.span = item.origin;
                if let Some(o) = f.get("optional") {
                    edge.optional = self.boolean("optional", &o.value)?;
                }
                if let Some(t) = f.get("timeout") {
                    edge.timeout_seconds = Some(self.positive_seconds("timeout", &t.value)?);
                }
                // A gate on a component the profile removed goes with the edge (or
                // the edge is reported): its command may refer to removed things too.
                let target_removed = self.removed.iter().any(|r| r.name == edge.target);
                if let (Some(g), false) = (f.get("gate"), target_removed) {
                    edge.gate = Some(Spanned::new(self.gate(&g.value, &edge.target)?, g.value.origin));
                }
                Some((edge, target_span))
            }
            _ => {
                self.type_error("after", "a component or `{ on = component; ... }`", item);
                None
            }
        }
    }

    fn gate(&mut self, v: &Value, target: &str) -> Option<Gate> {
        let a = self.attrs("gate", v)?;
        let f = self.fields(a, GATE_FIELDS, "a gate");
        let port = match f.get("port") {
            Some(p) => Some(self.plain_string("gate.port", &p.value)?),
            None => None,
        };
        let context = Reference::gate_context(target);
        match (f.get("tcp"), f.get("http"), f.get("exec"), f.get("complete")) {
            (Some(t), None, None, None) => {
                let port = match &t.value.kind {
                    ValueKind::Bool(true) => port,
                    _ => Some(self.plain_string("gate.tcp", &t.value)?),
                };
                Some(Gate::Tcp { port })
            }
            (None, Some(h), None, None) => Some(Gate::Http {
                path: self.plain_string("gate.http", &h.value)?,
                port,
            }),
            (None, None, Some(e), None) => {
                let ValueKind::List(items) = &e.value.kind else {
                    self.type_error("gate.exec", "a list of strings", &e.value);
                    return None;
                };
                let mut command = Vec::new();
                for item in items.iter() {
                    match self.text("gate.exec", item, &context)? {
                        Resolved::Plain(s) => command.push(s),
                        _ => {
                            self.type_error("gate.exec", "a list of strings", item);
                            return None;
                        }
                    }
                }
                let image = match f.get("image") {
                    Some(i) => Some(self.plain_string("gate.image", &i.value)?),
                    None => None,
                };
                Some(Gate::Exec { command, image })
            }
            (None, None, None, Some(c)) => match c.value.kind {
                ValueKind::Bool(true) => Some(Gate::Complete),
                _ => {
                    self.type_error("gate.complete", "`true`", &c.value);
                    None
                }
            },
            _ => {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        "a gate needs exactly one of `tcp`, `http`, `exec` or `complete`",
                        v.origin,
                        "ambiguous or empty gate",
                    )
                    .with_help("e.g. `gate = { http = \"/v1/info\"; };` or `gate = { exec = [\"pg_isready\"]; };`"),
                );
                self.error(d);
                None
            }
        }
    }
}

fn dim_expectation(dim: Dim) -> &'static str {
    match dim {
        Dim::Scalar => "a number of cores such as `2` or `500m`",
        Dim::Bytes => "a size such as `512Mi` or `6Gi`",
        Dim::Seconds => "a duration such as `30s` or `5min`",
    }
}

fn expr_list(names: &[&str]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    }
}
