//! Reading one field: the checks every field shares (its name among the known
//! ones, its type, its unit, its range), each a diagnostic at the value.

use super::*;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::value::{Attrs, Field, Value, ValueKind};
use crate::quantity::{Dim, Quantity};
use crate::source::Spanned;

impl Lowerer<'_> {
    pub(super) fn type_error(&mut self, field: &str, expected: &str, v: &Value) {
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
    pub(super) fn fields<'v>(&mut self, attrs: &'v Attrs, known: &[&str], what: &str) -> BTreeMap<&'v str, &'v Field> {
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

    pub(super) fn attrs<'v>(&mut self, field: &str, v: &'v Value) -> Option<&'v Attrs> {
        match &v.kind {
            ValueKind::Attrs(a) => Some(a),
            _ => {
                self.type_error(field, "an attribute set `{ ... }`", v);
                None
            }
        }
    }

    pub(super) fn plain_string(&mut self, field: &str, v: &Value) -> Option<String> {
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

    pub(super) fn integer(&mut self, field: &str, v: &Value, min: i64, max: i64) -> Option<Spanned<i64>> {
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

    pub(super) fn quantity(&mut self, field: &str, v: &Value, dim: Dim) -> Option<Spanned<Quantity>> {
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

    pub(super) fn seconds(&mut self, field: &str, v: &Value) -> Option<Spanned<u32>> {
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

    pub(super) fn positive_seconds(&mut self, field: &str, v: &Value) -> Option<u32> {
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

    pub(super) fn boolean(&mut self, field: &str, v: &Value) -> Option<bool> {
        match v.kind {
            ValueKind::Bool(b) => Some(b),
            _ => {
                self.type_error(field, "`true` or `false`", v);
                None
            }
        }
    }
}

pub(super) fn dim_expectation(dim: Dim) -> &'static str {
    match dim {
        Dim::Scalar => "a number of cores such as `2` or `500m`",
        Dim::Bytes => "a size such as `512Mi` or `6Gi`",
        Dim::Seconds => "a duration such as `30s` or `5min`",
    }
}

pub(super) fn expr_list(names: &[&str]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    }
}
