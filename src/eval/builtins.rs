//! Built-in functions: `secret`, `toString`, `map`, `concat`.

use std::rc::Rc;
use std::sync::Arc;

use super::value::*;
use super::{Evaluator, R};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

impl Evaluator<'_> {
    pub(crate) fn call_builtin(&mut self, builtin: Builtin, args: Vec<Value>, span: Span) -> R<Value> {
        for a in &args {
            if let ValueKind::Unknown(_) = a.kind {
                return Err(self.unknown_name(a));
            }
        }
        match builtin {
            Builtin::Secret => {
                let name = self.plain_string_arg(&args[0], "the secret name (first argument of `secret`)")?;
                let key = self.plain_string_arg(&args[1], "the secret key (second argument of `secret`)")?;
                Ok(Value::new(ValueKind::Secret(Rc::new(SecretValue { name, key })), span))
            }
            Builtin::ToString => {
                let mut parts = Vec::new();
                self.append_text(&mut parts, &args[0])?;
                self.checked_text(parts, span)
            }
            Builtin::Map => {
                let function = args[0].clone();
                let ValueKind::List(items) = &args[1].kind else {
                    return Err(self.type_error("the second argument of `map`", "a list", &args[1]));
                };
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.apply(function.clone(), item.clone(), span)?);
                }
                Ok(Value::new(ValueKind::List(Rc::from(out)), span))
            }
            Builtin::Concat => {
                let ValueKind::List(lists) = &args[0].kind else {
                    return Err(self.type_error("`concat`", "a list of lists", &args[0]));
                };
                let total = lists.iter().fold(0usize, |n, l| match &l.kind {
                    ValueKind::List(items) => n.saturating_add(items.len()),
                    _ => n,
                });
                self.check_list_len(total, span)?;
                let mut out = Vec::new();
                for list in lists.iter() {
                    match &list.kind {
                        ValueKind::List(items) => out.extend(items.iter().cloned()),
                        _ => return Err(self.type_error("each element given to `concat`", "a list", list)),
                    }
                }
                Ok(Value::new(ValueKind::List(Rc::from(out)), span))
            }
        }
    }

    fn plain_string_arg(&mut self, v: &Value, what: &str) -> R<Arc<str>> {
        match &v.kind {
            ValueKind::Str(s) if !s.is_empty() => Ok(s.clone()),
            ValueKind::Str(_) => Err(self.fail(
                Diagnostic::error(Code::K0212, format!("{what} is empty"), v.origin, "empty string")
                    .with_help("give the name of a Kubernetes Secret and a key in it"),
            )),
            _ => Err(self.type_error(what, "a string", v)),
        }
    }
}
