//! Evaluation of expressions: names, operators, functions, selection, strings.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::scope::{FrameId, Slot, SlotId, SlotState};
use super::value::*;
use super::{Evaluator, Failed, R};
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::quantity::{Dim, QuantityError};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, Binding, Expr, ExprKind, Name, Pattern, StrPart, UnaryOp};

/// A `let` binding: name, where it is written, its expression.
type LetBinding = (Arc<str>, Span, Arc<Expr>);

/// How deep evaluation may recurse (lazy `let`s forcing each other, calls inside
/// nested expressions) before it is reported. Deterministic; the stack guard in
/// [`crate::limits::stack_exhausted`] is only a backstop for raised limits.
const MAX_EVAL_DEPTH: usize = 10_000;

impl Evaluator<'_> {
    pub(crate) fn eval(&mut self, expr: &Expr, frame: FrameId) -> R<Value> {
        self.charge(1, expr.span)?;
        if self.depth >= MAX_EVAL_DEPTH || crate::limits::stack_exhausted() {
            return Err(self.eval_too_deep(expr.span, self.depth));
        }
        self.depth += 1;
        let result = self.eval_inner(expr, frame);
        self.depth -= 1;
        result
    }

    fn eval_inner(&mut self, expr: &Expr, frame: FrameId) -> R<Value> {
        let span = expr.span;
        let kind = match &expr.kind {
            ExprKind::Null => ValueKind::Null,
            ExprKind::Bool(b) => ValueKind::Bool(*b),
            ExprKind::Number(q) => ValueKind::Number(*q),
            ExprKind::Str(parts) => return self.string(parts, frame, span),
            ExprKind::Ident(name) => return self.lookup(name, frame),
            ExprKind::List(items) => {
                self.check_list_len(items.len(), span)?;
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.eval(item, frame)?);
                }
                ValueKind::List(Rc::from(values))
            }
            ExprKind::Attrs(bindings) => return self.attrs(bindings, frame, span),
            ExprKind::Select(base, keys) => {
                let mut value = self.eval(base, frame)?;
                for key in keys {
                    value = self.select(value, key)?;
                }
                return Ok(value);
            }
            ExprKind::Apply(function, args) => {
                let mut value = self.eval(function, frame)?;
                for arg in args {
                    let arg = self.eval(arg, frame)?;
                    value = self.apply(value, arg, span)?;
                }
                return Ok(value);
            }
            ExprKind::Unary(op, operand) => {
                let value = self.eval(operand, frame)?;
                return self.unary(*op, value, span);
            }
            ExprKind::Binary(op, lhs, rhs) => return self.binary(*op, lhs, rhs, frame, span),
            ExprKind::If(cond, then, otherwise) => {
                let c = self.eval(cond, frame)?;
                return match c.kind {
                    ValueKind::Bool(true) => self.eval(then, frame),
                    ValueKind::Bool(false) => self.eval(otherwise, frame),
                    _ => Err(self.type_error("the condition of `if`", "a boolean", &c)),
                };
            }
            ExprKind::Let(bindings, body) => {
                let slots = self.let_slots(bindings)?;
                // Bindings see each other in any order: they evaluate in the frame that holds them.
                let target = self.scopes.next_frame_id();
                let slots = slots
                    .into_iter()
                    .map(|(name, span, expr)| Slot {
                        name,
                        span,
                        state: SlotState::Pending { expr, frame: target },
                    })
                    .collect();
                let inner = self.scopes.new_frame(Some(frame), slots);
                return self.eval(body, inner);
            }
            ExprKind::Function(function) => ValueKind::Function(Rc::new(Closure {
                function: function.clone(),
                frame,
                name: None,
            })),
            ExprKind::Import(path) => return self.import(path),
        };
        Ok(Value::new(kind, span))
    }

    fn let_slots(&mut self, bindings: &[Binding]) -> R<Vec<LetBinding>> {
        let mut out: Vec<LetBinding> = Vec::with_capacity(bindings.len());
        let mut seen: HashMap<Arc<str>, Span> = HashMap::with_capacity(bindings.len());
        let mut failed = false;
        for b in bindings {
            if b.path.len() != 1 {
                self.report(
                    Diagnostic::error(
                        Code::K0202,
                        "a `let` binding must be a single name",
                        b.span,
                        "dotted names are only allowed inside `{ }`",
                    )
                    .with_help("bind the whole set instead: `let a = { b = 1; };`"),
                );
                failed = true;
                continue;
            }
            let name = &b.path[0];
            if let Some(first) = seen.get(&name.text) {
                self.report(
                    Diagnostic::error(
                        Code::K0207,
                        format!("`{}` is bound twice", name.text),
                        name.span,
                        "second binding",
                    )
                    .with_label(*first, "first binding")
                    .with_help("remove one of the bindings or rename it"),
                );
                failed = true;
                continue;
            }
            seen.insert(name.text.clone(), name.span);
            out.push((name.text.clone(), name.span, b.value.clone()));
        }
        if failed {
            Err(Failed)
        } else {
            Ok(out)
        }
    }

    // ------------------------------------------------------------------ names

    fn lookup(&mut self, name: &Name, frame: FrameId) -> R<Value> {
        if let Some(slot) = self.scopes.lookup(frame, &name.text) {
            return self.force(slot, name.span);
        }
        if self.component_names.contains(&*name.text) {
            self.record_reference(name);
            return Ok(Value::new(ValueKind::Component(name.text.clone()), name.span));
        }
        let mut candidates: Vec<Arc<str>> = self.scopes.visible_names(frame);
        candidates.extend(self.component_names.iter().cloned());
        // Did-you-mean compares against every visible name: pay for it.
        self.charge(u64::try_from(candidates.len()).unwrap_or(u64::MAX), name.span)?;
        let suggestion = suggest::closest(&name.text, candidates.iter().map(|c| &**c)).map(|c| {
            if self.component_names.contains(c) {
                format!("did you mean the component `{c}`?")
            } else {
                format!("did you mean `{c}`?")
            }
        });
        Ok(Value::new(
            ValueKind::Unknown(Rc::new(UnknownName {
                name: name.text.clone(),
                suggestion,
            })),
            name.span,
        ))
    }

    /// Evaluates a lazy binding once; reaching it while it is running is a cycle.
    pub(crate) fn force(&mut self, slot: SlotId, use_span: Span) -> R<Value> {
        let state = std::mem::replace(&mut self.scopes.slot_mut(slot).state, SlotState::Running);
        match state {
            SlotState::Done(v) => {
                self.scopes.slot_mut(slot).state = SlotState::Done(v.clone());
                Ok(v)
            }
            SlotState::Failed => {
                self.scopes.slot_mut(slot).state = SlotState::Failed;
                Err(Failed)
            }
            SlotState::Running => {
                let name = self.scopes.slot(slot).name.clone();
                let defined = self.scopes.slot(slot).span;
                let mut chain: Vec<String> = self.forcing.iter().map(|(n, _)| n.to_string()).collect();
                if let Some(pos) = chain.iter().position(|n| **n == *name) {
                    chain.drain(..pos);
                }
                chain.push(name.to_string());
                let mut d = Diagnostic::error(
                    Code::K0209,
                    format!("infinite recursion: `{name}` depends on itself"),
                    use_span,
                    format!("`{name}` is needed here while it is being computed"),
                )
                .with_label(defined, format!("`{name}` is defined here"))
                .with_help(format!(
                    "the chain is {}; break it by computing one of these values without the other",
                    chain.join(" -> ")
                ));
                for (n, s) in &self.forcing {
                    if chain.iter().any(|c| **c == **n) && *s != defined {
                        d = d.with_label(*s, format!("`{n}` is defined here"));
                    }
                }
                Err(self.fail(d))
            }
            SlotState::Pending { expr, frame } => {
                let name = self.scopes.slot(slot).name.clone();
                let defined = self.scopes.slot(slot).span;
                self.forcing.push((name.clone(), defined));
                let result = self.eval(&expr, frame);
                self.forcing.pop();
                match result {
                    Ok(mut v) => {
                        if let ValueKind::Function(c) = &v.kind {
                            if c.name.is_none() {
                                v.kind = ValueKind::Function(Rc::new(Closure {
                                    function: c.function.clone(),
                                    frame: c.frame,
                                    name: Some(name),
                                }));
                            }
                        }
                        self.scopes.slot_mut(slot).state = SlotState::Done(v.clone());
                        Ok(v)
                    }
                    Err(Failed) => {
                        self.scopes.slot_mut(slot).state = SlotState::Failed;
                        Err(Failed)
                    }
                }
            }
        }
    }

    /// Reports an unknown name at its use; `Failed` so callers stop.
    pub(crate) fn unknown_name(&mut self, value: &Value) -> Failed {
        let ValueKind::Unknown(u) = &value.kind else {
            return Failed;
        };
        let mut d = Diagnostic::error(
            Code::K0201,
            format!("unknown name `{}`", u.name),
            value.origin,
            "no variable or component has this name",
        );
        d = match &u.suggestion {
            Some(s) => d.with_help(s.clone()),
            None => d.with_help("define it with `let`, declare a component with this name, or import it"),
        };
        self.fail(d)
    }

    // -------------------------------------------------------------- attrsets

    fn attrs(&mut self, bindings: &[Binding], frame: FrameId, span: Span) -> R<Value> {
        let mut tree = AttrTree::default();
        let mut failed = false;
        for b in bindings {
            if let Err(d) = tree.insert(&b.path, b) {
                self.report(*d);
                failed = true;
            }
        }
        if failed {
            return Err(Failed);
        }
        self.build_attrs(tree, frame, span)
    }

    fn build_attrs(&mut self, tree: AttrTree<'_>, frame: FrameId, span: Span) -> R<Value> {
        let mut fields = Vec::with_capacity(tree.entries.len());
        let mut failed = false;
        for (name, key_span, node) in tree.entries {
            let value = match node {
                AttrNode::Leaf(binding) => self.eval(&binding.value, frame),
                AttrNode::Nested(sub, sub_span) => self.build_attrs(sub, frame, sub_span),
            };
            match value {
                Ok(value) => fields.push(Field { name, key_span, value }),
                Err(Failed) => failed = true,
            }
        }
        if failed {
            return Err(Failed);
        }
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Value::new(ValueKind::Attrs(Rc::new(Attrs { fields })), span))
    }

    pub(crate) fn select(&mut self, value: Value, key: &Name) -> R<Value> {
        match &value.kind {
            ValueKind::Attrs(attrs) => match attrs.get(&key.text) {
                Some(field) => Ok(field.value.clone()),
                None => {
                    let mut d = Diagnostic::error(
                        Code::K0213,
                        format!("the attribute set has no field `{}`", key.text),
                        key.span,
                        "not found",
                    )
                    .with_label(value.origin, "the set is defined here");
                    d = match suggest::closest(&key.text, attrs.names()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(format!(
                            "the fields are: {}",
                            list_or_none(attrs.names().map(|n| format!("`{n}`")))
                        )),
                    };
                    Err(self.fail(d))
                }
            },
            ValueKind::Component(component) => {
                let part = match &*key.text {
                    "host" => AddressPart::Host,
                    "port" => AddressPart::Port(None),
                    "name" => return Ok(Value::new(ValueKind::Str(component.clone()), key.span)),
                    _ => {
                        return Err(self.fail(
                            Diagnostic::error(
                                Code::K0218,
                                format!("`{component}` is a component; it has no field `{}`", key.text),
                                key.span,
                                "components expose only `host`, `port`, `port.NAME` and `name`",
                            )
                            .with_label(value.origin, "component reference")
                            .with_help("to share other values between components, bind them with `let` or a function"),
                        ))
                    }
                };
                Ok(Value::new(
                    ValueKind::Address(Rc::new(Address {
                        component: component.clone(),
                        part,
                        span: value.origin.to(key.span),
                    })),
                    value.origin.to(key.span),
                ))
            }
            ValueKind::Address(address) if address.part == AddressPart::Port(None) => {
                let span = address.span.to(key.span);
                Ok(Value::new(
                    ValueKind::Address(Rc::new(Address {
                        component: address.component.clone(),
                        part: AddressPart::Port(Some(key.text.clone())),
                        span,
                    })),
                    span,
                ))
            }
            ValueKind::Unknown(_) => Err(self.unknown_name(&value)),
            _ => Err(self.fail(
                Diagnostic::error(
                    Code::K0202,
                    format!("cannot select `.{}` from {}", key.text, value.type_name()),
                    key.span,
                    "only attribute sets and components have fields",
                )
                .with_label(value.origin, format!("this is {}", value.type_name()))
                .with_help("check the name before the dot"),
            )),
        }
    }

    // ------------------------------------------------------------- functions

    pub(crate) fn apply(&mut self, function: Value, arg: Value, call_span: Span) -> R<Value> {
        self.charge(1, call_span)?;
        match &function.kind {
            ValueKind::Function(closure) => {
                let closure = closure.clone();
                self.call_closure(&closure, arg, call_span)
            }
            ValueKind::Builtin(call) => {
                let mut args = call.args.clone();
                args.push(arg);
                if args.len() < call.builtin.arity() {
                    return Ok(Value::new(
                        ValueKind::Builtin(Rc::new(BuiltinCall {
                            builtin: call.builtin,
                            args,
                        })),
                        call_span,
                    ));
                }
                self.call_builtin(call.builtin, args, call_span)
            }
            ValueKind::Unknown(_) => Err(self.unknown_name(&function)),
            _ => Err(self.fail(
                Diagnostic::error(
                    Code::K0208,
                    format!("{} is not a function", function.type_name()),
                    call_span,
                    "called here",
                )
                .with_label(function.origin, format!("this is {}", function.type_name()))
                .with_help("only functions (`x: ...` or `{ a, b }: ...`) can be applied to arguments; a missing `;` or `,` can also join two values into a call"),
            )),
        }
    }

    fn call_closure(&mut self, closure: &Closure, arg: Value, call_span: Span) -> R<Value> {
        let label: Arc<str> = closure.name.clone().unwrap_or_else(|| Arc::from("<function>"));
        if self.calls.len() >= self.limits.max_call_depth {
            return Err(self.call_depth_exceeded(&label, call_span, closure.function.span));
        }
        let function = closure.function.clone();
        let slots = match &function.pattern {
            Pattern::Single(name) => vec![Slot {
                name: name.text.clone(),
                span: name.span,
                state: SlotState::Done(arg),
            }],
            Pattern::Fields(params) => {
                let Some(attrs) = arg.as_attrs() else {
                    if let ValueKind::Unknown(_) = arg.kind {
                        return Err(self.unknown_name(&arg));
                    }
                    return Err(self.fail(
                        Diagnostic::error(
                            Code::K0208,
                            format!("`{label}` takes an attribute set of arguments, not {}", arg.type_name()),
                            arg.origin,
                            format!("this is {}", arg.type_name()),
                        )
                        .with_label(function.span, "the function is defined here")
                        .with_help(format!(
                            "call it as `{label} {{ {} }}`",
                            params
                                .iter()
                                .map(|p| format!("{} = ...;", p.name.text))
                                .collect::<Vec<_>>()
                                .join(" ")
                        )),
                    ));
                };
                let mut failed = false;
                for field in &attrs.fields {
                    if !params.iter().any(|p| *p.name.text == *field.name) {
                        let names: Vec<&str> = params.iter().map(|p| &*p.name.text).collect();
                        let mut d = Diagnostic::error(
                            Code::K0208,
                            format!("`{label}` has no parameter `{}`", field.name),
                            field.key_span,
                            "unexpected argument",
                        )
                        .with_label(function.span, "the function is defined here");
                        d = match suggest::closest(&field.name, names.iter().copied()) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help(format!(
                                "its parameters are: {}",
                                list_or_none(names.iter().map(|n| format!("`{n}`")))
                            )),
                        };
                        self.report(d);
                        failed = true;
                    }
                }
                // Defaults may refer to other parameters, so they evaluate in the call frame.
                let target = self.scopes.next_frame_id();
                let mut slots = Vec::with_capacity(params.len());
                for p in params {
                    match (attrs.get(&p.name.text), &p.default) {
                        (Some(field), _) => slots.push(Slot {
                            name: p.name.text.clone(),
                            span: p.name.span,
                            state: SlotState::Done(field.value.clone()),
                        }),
                        (None, Some(default)) => slots.push(Slot {
                            name: p.name.text.clone(),
                            span: p.name.span,
                            state: SlotState::Pending {
                                expr: default.clone(),
                                frame: target,
                            },
                        }),
                        (None, None) => {
                            self.report(
                                Diagnostic::error(
                                    Code::K0208,
                                    format!("missing argument `{}` in a call to `{label}`", p.name.text),
                                    arg.origin,
                                    format!("`{}` is not given here", p.name.text),
                                )
                                .with_label(p.name.span, "the parameter has no default")
                                .with_help(format!("pass it: `{} = ...;`", p.name.text)),
                            );
                            failed = true;
                        }
                    }
                }
                if failed {
                    return Err(Failed);
                }
                slots
            }
        };
        let frame = self.scopes.new_frame(Some(closure.frame), slots);
        self.enter_call(label, call_span, &function.body, frame)
    }

    fn enter_call(&mut self, label: Arc<str>, call_span: Span, body: &Expr, frame: FrameId) -> R<Value> {
        self.calls.push((label, call_span));
        let result = self.eval(body, frame);
        self.calls.pop();
        result
    }

    // ------------------------------------------------------------- operators

    fn unary(&mut self, op: UnaryOp, value: Value, span: Span) -> R<Value> {
        match (op, &value.kind) {
            (UnaryOp::Not, ValueKind::Bool(b)) => Ok(Value::new(ValueKind::Bool(!b), span)),
            (UnaryOp::Neg, ValueKind::Number(q)) => match q.checked_neg() {
                Ok(n) => Ok(Value::new(ValueKind::Number(n), span)),
                Err(e) => Err(self.quantity_error(e, span, &value, &value)),
            },
            (_, ValueKind::Unknown(_)) => Err(self.unknown_name(&value)),
            (UnaryOp::Not, _) => Err(self.type_error("`!`", "a boolean", &value)),
            (UnaryOp::Neg, _) => Err(self.type_error("`-`", "a number", &value)),
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, frame: FrameId, span: Span) -> R<Value> {
        // `&&` and `||` short-circuit.
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let l = self.eval(lhs, frame)?;
            let ValueKind::Bool(lb) = l.kind else {
                return Err(self.type_error(&format!("`{}`", op.symbol()), "a boolean", &l));
            };
            if (op == BinaryOp::And && !lb) || (op == BinaryOp::Or && lb) {
                return Ok(Value::new(ValueKind::Bool(lb), span));
            }
            let r = self.eval(rhs, frame)?;
            return match r.kind {
                ValueKind::Bool(rb) => Ok(Value::new(ValueKind::Bool(rb), span)),
                _ => Err(self.type_error(&format!("`{}`", op.symbol()), "a boolean", &r)),
            };
        }
        let l = self.eval(lhs, frame)?;
        let r = self.eval(rhs, frame)?;
        for v in [&l, &r] {
            if let ValueKind::Unknown(_) = v.kind {
                return Err(self.unknown_name(v));
            }
        }
        match op {
            BinaryOp::Merge => self.merge_values(l, r, span),
            BinaryOp::Eq | BinaryOp::Ne => {
                let equal = self.equal(&l, &r, span)?;
                Ok(Value::new(ValueKind::Bool(equal == (op == BinaryOp::Eq)), span))
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ordering = match (&l.kind, &r.kind) {
                    (ValueKind::Number(a), ValueKind::Number(b)) if a.dim == b.dim => a.nanos.cmp(&b.nanos),
                    (ValueKind::Number(a), ValueKind::Number(b)) => {
                        return Err(self.quantity_error(QuantityError::Mismatch(a.dim, b.dim), span, &l, &r))
                    }
                    (ValueKind::Str(a), ValueKind::Str(b)) => a.cmp(b),
                    _ => {
                        return Err(self.fail(
                            Diagnostic::error(
                                Code::K0202,
                                format!("cannot compare {} with {}", l.type_name(), r.type_name()),
                                span,
                                format!("`{}` needs two numbers or two strings", op.symbol()),
                            )
                            .with_label(l.origin, format!("this is {}", l.type_name()))
                            .with_label(r.origin, format!("this is {}", r.type_name()))
                            .with_help("compare values of the same kind"),
                        ))
                    }
                };
                use std::cmp::Ordering::*;
                let result = match op {
                    BinaryOp::Lt => ordering == Less,
                    BinaryOp::Le => ordering != Greater,
                    BinaryOp::Gt => ordering == Greater,
                    _ => ordering != Less,
                };
                Ok(Value::new(ValueKind::Bool(result), span))
            }
            BinaryOp::Add => match (&l.kind, &r.kind) {
                (ValueKind::Number(a), ValueKind::Number(b)) => match a.checked_add(*b) {
                    Ok(n) => Ok(Value::new(ValueKind::Number(n), span)),
                    Err(e) => Err(self.quantity_error(e, span, &l, &r)),
                },
                (ValueKind::List(a), ValueKind::List(b)) => {
                    self.check_list_len(a.len().saturating_add(b.len()), span)?;
                    let joined: Vec<Value> = a.iter().chain(b.iter()).cloned().collect();
                    Ok(Value::new(ValueKind::List(Rc::from(joined)), span))
                }
                (
                    ValueKind::Str(_) | ValueKind::Text(_) | ValueKind::Address(_),
                    ValueKind::Str(_) | ValueKind::Text(_) | ValueKind::Address(_),
                ) if !(matches!(l.kind, ValueKind::Address(_)) && matches!(r.kind, ValueKind::Address(_))) => {
                    let mut parts = Vec::new();
                    self.append_text(&mut parts, &l)?;
                    self.append_text(&mut parts, &r)?;
                    self.checked_text(parts, span)
                }
                _ => Err(self.operand_error(op, &l, &r, span)),
            },
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => match (&l.kind, &r.kind) {
                (ValueKind::Number(a), ValueKind::Number(b)) => {
                    let result = match op {
                        BinaryOp::Sub => a.checked_sub(*b),
                        BinaryOp::Mul => a.checked_mul(*b),
                        _ => a.checked_div(*b),
                    };
                    match result {
                        Ok(n) => Ok(Value::new(ValueKind::Number(n), span)),
                        Err(e) => Err(self.quantity_error(e, span, &l, &r)),
                    }
                }
                _ => Err(self.operand_error(op, &l, &r, span)),
            },
            BinaryOp::And | BinaryOp::Or => unreachable_bool(span),
        }
    }

    /// Deep merge: attribute sets merge field by field, anything else is replaced by the right side.
    pub(crate) fn merge_values(&mut self, left: Value, right: Value, span: Span) -> R<Value> {
        match (&left.kind, &right.kind) {
            (ValueKind::Attrs(a), ValueKind::Attrs(b)) => Ok(Value::new(
                ValueKind::Attrs(Rc::new(self.merge_attrs(a, b, span)?)),
                if right.origin.file == span.file {
                    span
                } else {
                    right.origin
                },
            )),
            _ => {
                let culprit = if left.as_attrs().is_none() { &left } else { &right };
                Err(self.fail(
                    Diagnostic::error(
                        Code::K0202,
                        format!("`//` merges two attribute sets, not {}", culprit.type_name()),
                        span,
                        "in this merge",
                    )
                    .with_label(culprit.origin, format!("this is {}", culprit.type_name()))
                    .with_help("write the override as `base // { field = value; }`"),
                ))
            }
        }
    }

    fn equal(&mut self, a: &Value, b: &Value, span: Span) -> R<bool> {
        // Values share structure, so comparing can visit far more nodes than exist: pay per node.
        self.charge(1, span)?;
        Ok(match (&a.kind, &b.kind) {
            (ValueKind::Null, ValueKind::Null) => true,
            (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
            (ValueKind::Number(x), ValueKind::Number(y)) => x.dim == y.dim && x.nanos == y.nanos,
            (ValueKind::Str(x), ValueKind::Str(y)) => x == y,
            (ValueKind::Component(x), ValueKind::Component(y)) => x == y,
            (ValueKind::Secret(x), ValueKind::Secret(y)) => x == y,
            (ValueKind::List(x), ValueKind::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q, span)? {
                        return Ok(false);
                    }
                }
                true
            }
            (ValueKind::Attrs(x), ValueKind::Attrs(y)) => {
                if x.fields.len() != y.fields.len() {
                    return Ok(false);
                }
                for (p, q) in x.fields.iter().zip(y.fields.iter()) {
                    if p.name != q.name || !self.equal(&p.value, &q.value, span)? {
                        return Ok(false);
                    }
                }
                true
            }
            (ValueKind::Function(_) | ValueKind::Builtin(_), _)
            | (_, ValueKind::Function(_) | ValueKind::Builtin(_)) => {
                return Err(self.fail(
                    Diagnostic::error(Code::K0202, "functions cannot be compared", span, "in this comparison")
                        .with_help("compare the values the functions return instead"),
                ))
            }
            (ValueKind::Text(_) | ValueKind::Address(_), _) | (_, ValueKind::Text(_) | ValueKind::Address(_)) => {
                return Err(self.fail(
                    Diagnostic::error(
                        Code::K0202,
                        "component addresses are only known after evaluation and cannot be compared",
                        span,
                        "in this comparison",
                    )
                    .with_help("compare component names (`x.name`) instead"),
                ))
            }
            _ => false,
        })
    }

    // --------------------------------------------------------------- strings

    fn string(&mut self, parts: &[StrPart], frame: FrameId, span: Span) -> R<Value> {
        if let [StrPart::Literal(s)] = parts {
            self.check_string_len(s.len(), span)?;
            return Ok(Value::new(ValueKind::Str(Arc::from(s.as_str())), span));
        }
        let mut out: Vec<TextPart> = Vec::new();
        for part in parts {
            match part {
                StrPart::Literal(s) => out.push(TextPart::Literal(Arc::from(s.as_str()))),
                StrPart::Interpolation(e) => {
                    let v = self.eval(e, frame)?;
                    self.append_text(&mut out, &v)?;
                }
            }
        }
        self.checked_text(out, span)
    }

    /// Appends a value to a string under construction (interpolation and `+`).
    pub(crate) fn append_text(&mut self, out: &mut Vec<TextPart>, v: &Value) -> R<()> {
        match &v.kind {
            ValueKind::Str(s) => out.push(TextPart::Literal(s.clone())),
            ValueKind::Text(parts) => out.extend(parts.iter().cloned()),
            ValueKind::Number(q) => out.push(TextPart::Literal(Arc::from(match q.dim {
                Dim::Seconds => q.whole_seconds().map_or_else(|| q.human(), |s| s.to_string()),
                _ => q.to_k8s_string(),
            }))),
            ValueKind::Bool(b) => out.push(TextPart::Literal(Arc::from(if *b { "true" } else { "false" }))),
            ValueKind::Address(a) => out.push(TextPart::Address((**a).clone())),
            ValueKind::Component(name) => {
                return Err(self.fail(
                    Diagnostic::error(
                        Code::K0218,
                        format!("a component cannot be put in a string; use `{name}.host` or `{name}.name`"),
                        v.origin,
                        "a component reference",
                    )
                    .with_help(format!("`{name}.host` is its DNS name, `{name}.port.NAME` one of its ports")),
                ))
            }
            ValueKind::Secret(s) => {
                return Err(self.fail(
                    Diagnostic::error(
                        Code::K0202,
                        "a secret cannot be interpolated into a string",
                        v.origin,
                        "the secret's value is only known inside the pod",
                    )
                    .with_help(format!(
                        "give the secret its own env variable (`PASSWORD = secret \"{}\" \"{}\";`) and refer to it as `$(PASSWORD)` in the string",
                        s.name, s.key
                    )),
                ))
            }
            ValueKind::Unknown(_) => return Err(self.unknown_name(v)),
            _ => {
                return Err(self.fail(
                    Diagnostic::error(
                        Code::K0202,
                        format!("{} cannot be put in a string", v.type_name()),
                        v.origin,
                        format!("this is {}", v.type_name()),
                    )
                    .with_help("only strings, numbers, booleans and component addresses can be interpolated"),
                ))
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- errors

    pub(crate) fn type_error(&mut self, what: &str, expected: &str, found: &Value) -> Failed {
        if let ValueKind::Unknown(_) = found.kind {
            return self.unknown_name(found);
        }
        self.fail(
            Diagnostic::error(
                Code::K0202,
                format!("{what} expects {expected}, found {}", found.type_name()),
                found.origin,
                format!("this is {}", found.type_name()),
            )
            .with_help(format!("give {what} {expected}")),
        )
    }

    fn operand_error(&mut self, op: BinaryOp, l: &Value, r: &Value, span: Span) -> Failed {
        self.fail(
            Diagnostic::error(
                Code::K0202,
                format!(
                    "cannot apply `{}` to {} and {}",
                    op.symbol(),
                    l.type_name(),
                    r.type_name()
                ),
                span,
                "in this operation",
            )
            .with_label(l.origin, format!("this is {}", l.type_name()))
            .with_label(r.origin, format!("this is {}", r.type_name()))
            .with_help(match op {
                BinaryOp::Add => "`+` adds numbers, joins strings and concatenates lists",
                _ => "arithmetic works on numbers and quantities",
            }),
        )
    }

    pub(crate) fn quantity_error(&mut self, e: QuantityError, span: Span, l: &Value, r: &Value) -> Failed {
        let d = match e {
            QuantityError::Mismatch(a, b) => Diagnostic::error(
                Code::K0203,
                format!("cannot combine {} with {}", a.noun(), b.noun()),
                span,
                "units do not agree",
            )
            .with_label(l.origin, a.noun())
            .with_label(r.origin, b.noun())
            .with_help("cores, counts and bytes do not mix: add sizes to sizes and cores to cores; multiply or divide a size by a plain number"),
            QuantityError::Overflow => Diagnostic::error(Code::K0204, "arithmetic overflow", span, "the result is too large")
                .with_help("quantities are exact integers of 10^-9 units and must stay below about 1.7 × 10^29"),
            QuantityError::DivisionByZero => {
                Diagnostic::error(Code::K0204, "division by zero", span, "the divisor is zero").with_label(r.origin, "zero")
            }
            other => Diagnostic::error(Code::K0204, other.to_string(), span, "inexact result")
                .with_help("kokuc computes exactly; use values that divide evenly"),
        };
        self.fail(d)
    }
}

fn unreachable_bool(span: Span) -> R<Value> {
    // `&&`/`||` are handled before evaluating both sides.
    Ok(Value::new(ValueKind::Bool(false), span))
}

impl Evaluator<'_> {
    /// Merges `b` into `a` field by field, recursing into sets present in both.
    pub(crate) fn merge_attrs(&mut self, a: &Attrs, b: &Attrs, span: Span) -> R<Attrs> {
        // Both sides may share sub-sets, so a merge can do far more work than its size: pay per field.
        let fields = u64::try_from(a.fields.len() + b.fields.len()).unwrap_or(u64::MAX);
        self.charge(fields.saturating_mul(super::budget::STEPS_PER_ELEMENT), span)?;
        let mut fields = Vec::with_capacity(a.fields.len() + b.fields.len());
        let (mut i, mut j) = (0, 0);
        while i < a.fields.len() || j < b.fields.len() {
            match (a.fields.get(i), b.fields.get(j)) {
                (Some(x), Some(y)) if x.name == y.name => {
                    let value = match (&x.value.kind, &y.value.kind) {
                        (ValueKind::Attrs(xa), ValueKind::Attrs(ya)) => Value::new(
                            ValueKind::Attrs(Rc::new(self.merge_attrs(xa, ya, span)?)),
                            y.value.origin,
                        ),
                        _ => y.value.clone(),
                    };
                    fields.push(Field {
                        name: y.name.clone(),
                        key_span: y.key_span,
                        value,
                    });
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.name < y.name => {
                    fields.push(x.clone());
                    i += 1;
                }
                (Some(_), Some(y)) | (None, Some(y)) => {
                    fields.push(y.clone());
                    j += 1;
                }
                (Some(x), None) => {
                    fields.push(x.clone());
                    i += 1;
                }
                (None, None) => break,
            }
        }
        Ok(Attrs { fields })
    }
}

/// A string value: plain when it has no addresses, deferred text otherwise.
pub(crate) fn text_value(parts: Vec<TextPart>, span: Span) -> Value {
    if parts.iter().all(|p| matches!(p, TextPart::Literal(_))) {
        let mut s = String::new();
        for p in &parts {
            if let TextPart::Literal(l) = p {
                s.push_str(l);
            }
        }
        return Value::new(ValueKind::Str(Arc::from(s)), span);
    }
    Value::new(ValueKind::Text(Rc::from(parts)), span)
}

pub(crate) fn list_or_none(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "(none)".to_string()
    } else {
        v.join(", ")
    }
}

/// Bindings of one attribute set, with dotted paths grouped into nested sets.
#[derive(Default)]
struct AttrTree<'a> {
    entries: Vec<(Arc<str>, Span, AttrNode<'a>)>,
    /// Position of each name in `entries`: a set of n fields is built in O(n).
    index: HashMap<Arc<str>, usize>,
}

enum AttrNode<'a> {
    Leaf(&'a Binding),
    Nested(AttrTree<'a>, Span),
}

impl<'a> AttrTree<'a> {
    fn insert(&mut self, path: &[Name], binding: &'a Binding) -> Result<(), Box<Diagnostic>> {
        let Some((first, rest)) = path.split_first() else {
            return Ok(());
        };
        let existing = match self.index.get(&first.text) {
            Some(&i) => self.entries.get_mut(i),
            None => None,
        };
        match (existing, rest.is_empty()) {
            (None, true) => {
                self.index.insert(first.text.clone(), self.entries.len());
                self.entries
                    .push((first.text.clone(), first.span, AttrNode::Leaf(binding)));
            }
            (None, false) => {
                let mut sub = AttrTree::default();
                sub.insert(rest, binding)?;
                self.index.insert(first.text.clone(), self.entries.len());
                self.entries.push((
                    first.text.clone(),
                    first.span,
                    AttrNode::Nested(sub, first.span.to(binding.span)),
                ));
            }
            (Some((_, _, AttrNode::Nested(sub, _))), false) => sub.insert(rest, binding)?,
            (Some((_, first_span, _)), _) => {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::K0207,
                        format!("`{}` is defined twice", first.text),
                        first.span,
                        "second definition",
                    )
                    .with_label(*first_span, "first definition")
                    .with_help(
                        "remove one of them; to change a field of a set defined elsewhere, use `base // { ... }`",
                    ),
                ))
            }
        }
        Ok(())
    }
}
