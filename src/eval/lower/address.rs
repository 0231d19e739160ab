//! Component addresses (`x.host`, `x.port.NAME`) resolved to DNS names, ports
//! or external hosts, strings with addresses in them, and uses of components a
//! profile removed.

use super::*;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::value::{Address, AddressPart, TextPart, Value, ValueKind};
use crate::model::*;
use crate::quantity::Dim;
use crate::source::Span;

/// What other components need to know about a component to resolve its address.
pub(super) struct AddressEntry {
    pub(super) external: bool,
    pub(super) host: Option<HostValue>,
    /// Ports in the order they were written.
    pub(super) ports: Vec<(String, u16)>,
}

/// A resolved string value.
pub(super) enum Resolved {
    Plain(String),
    Secret(SecretRef),
    /// It referred to a component removed by the profile, through an optional edge.
    Dropped,
}

impl Lowerer<'_> {
    pub(super) fn resolve_address(&mut self, a: &Address, context: &str) -> Option<Resolved> {
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
    pub(super) fn text(&mut self, field: &str, v: &Value, context: &str) -> Option<Resolved> {
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
    pub(super) fn resolved_too_long(&mut self, v: &Value) -> Option<Resolved> {
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

    pub(super) fn string_list(&mut self, field: &str, v: &Value) -> Option<Vec<String>> {
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

    pub(super) fn report_removed_uses(&mut self) {
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
}

pub(super) fn address_entry(value: &Value) -> AddressEntry {
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
