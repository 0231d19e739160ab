//! `after` entries and their gates.

use super::address::Resolved;
use super::*;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::value::{Value, ValueKind};
use crate::model::*;
use crate::source::{Span, Spanned};

impl Lowerer<'_> {
    pub(super) fn edges(&mut self, v: &Value) -> Option<Vec<Edge>> {
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
    pub(super) fn edge(&mut self, item: &Value) -> Option<(Edge, Span)> {
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

    pub(super) fn gate(&mut self, v: &Value, target: &str) -> Option<Gate> {
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
