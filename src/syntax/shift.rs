//! Moving parsed items to another place: the same item at another byte offset
//! (text was inserted or deleted before it) or in another file id (a new
//! compilation numbered its files differently). Used by the parse cache, which
//! reuses the items of unchanged text after an edit.
//!
//! Every span of the tree is rewritten; nothing else changes. The cache's tests
//! compare a reused tree with a fresh parse, spans included, so a span this
//! module forgot would show there.

use std::sync::Arc;

use super::ast::*;
use crate::source::{FileId, Span};

/// Rewrites spans into `file`, `delta` bytes further (negative: earlier).
pub(crate) struct Mover {
    pub file: FileId,
    pub delta: i64,
}

impl Mover {
    fn span(&self, s: Span) -> Span {
        let at = |offset: u32| u32::try_from(i64::from(offset) + self.delta).unwrap_or(0);
        Span {
            file: self.file,
            start: at(s.start),
            end: at(s.end),
        }
    }

    fn name(&self, n: &Name) -> Name {
        Name {
            text: n.text.clone(),
            span: self.span(n.span),
        }
    }

    pub(crate) fn item(&self, item: &Item) -> Item {
        match item {
            Item::Let(l) => Item::Let(self.let_item(l)),
            Item::Stack(s) => Item::Stack(StackItem {
                name: self.name(&s.name),
                body: self.shared(&s.body),
                span: self.span(s.span),
            }),
            Item::Component(c) => Item::Component(self.component(c)),
            Item::Profile(p) => Item::Profile(ProfileItem {
                name: self.name(&p.name),
                extends: p.extends.as_ref().map(|e| self.name(e)),
                statements: p.statements.iter().map(|s| self.statement(s)).collect(),
                span: self.span(p.span),
            }),
        }
    }

    fn let_item(&self, l: &LetItem) -> LetItem {
        LetItem {
            name: self.name(&l.name),
            value: self.shared(&l.value),
            span: self.span(l.span),
        }
    }

    fn component(&self, c: &ComponentItem) -> ComponentItem {
        ComponentItem {
            name: self.name(&c.name),
            value: self.shared(&c.value),
            braced: c.braced,
            span: self.span(c.span),
        }
    }

    fn statement(&self, s: &ProfileStatement) -> ProfileStatement {
        match s {
            ProfileStatement::Let(l) => ProfileStatement::Let(self.let_item(l)),
            ProfileStatement::Add(c) => ProfileStatement::Add(self.component(c)),
            ProfileStatement::Override(c) => ProfileStatement::Override(self.component(c)),
            ProfileStatement::Remove { name, span } => ProfileStatement::Remove {
                name: self.name(name),
                span: self.span(*span),
            },
            ProfileStatement::Stack { body, span } => ProfileStatement::Stack {
                body: self.shared(body),
                span: self.span(*span),
            },
        }
    }

    fn shared(&self, e: &Arc<Expr>) -> Arc<Expr> {
        Arc::new(self.expr(e))
    }

    fn boxed(&self, e: &Expr) -> Box<Expr> {
        Box::new(self.expr(e))
    }

    fn binding(&self, b: &Binding) -> Binding {
        Binding {
            path: b.path.iter().map(|n| self.name(n)).collect(),
            value: self.shared(&b.value),
            span: self.span(b.span),
        }
    }

    fn expr(&self, e: &Expr) -> Expr {
        let kind = match &e.kind {
            ExprKind::Null => ExprKind::Null,
            ExprKind::Bool(b) => ExprKind::Bool(*b),
            ExprKind::Number(q) => ExprKind::Number(*q),
            ExprKind::Str(parts) => ExprKind::Str(
                parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Literal(s) => StrPart::Literal(s.clone()),
                        StrPart::Interpolation(e) => StrPart::Interpolation(self.expr(e)),
                    })
                    .collect(),
            ),
            ExprKind::Ident(n) => ExprKind::Ident(self.name(n)),
            ExprKind::List(items) => ExprKind::List(items.iter().map(|e| self.expr(e)).collect()),
            ExprKind::Attrs(bindings) => ExprKind::Attrs(bindings.iter().map(|b| self.binding(b)).collect()),
            ExprKind::Select(base, path) => {
                ExprKind::Select(self.boxed(base), path.iter().map(|n| self.name(n)).collect())
            }
            ExprKind::Apply(f, args) => ExprKind::Apply(self.boxed(f), args.iter().map(|e| self.expr(e)).collect()),
            ExprKind::Unary(op, e) => ExprKind::Unary(*op, self.boxed(e)),
            ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, self.boxed(a), self.boxed(b)),
            ExprKind::If(c, t, f) => ExprKind::If(self.boxed(c), self.boxed(t), self.boxed(f)),
            ExprKind::Let(bindings, body) => ExprKind::Let(
                bindings.iter().map(|b| self.binding(b)).collect::<Vec<_>>().into(),
                self.boxed(body),
            ),
            ExprKind::Function(f) => ExprKind::Function(Arc::new(Function {
                pattern: match &f.pattern {
                    Pattern::Single(n) => Pattern::Single(self.name(n)),
                    Pattern::Fields(params) => Pattern::Fields(
                        params
                            .iter()
                            .map(|p| Param {
                                name: self.name(&p.name),
                                default: p.default.as_ref().map(|d| self.shared(d)),
                            })
                            .collect(),
                    ),
                },
                body: self.expr(&f.body),
                span: self.span(f.span),
            })),
            ExprKind::Import(path) => ExprKind::Import(ImportPath {
                path: path.path.clone(),
                span: self.span(path.span),
            }),
        };
        Expr {
            kind,
            span: self.span(e.span),
        }
    }
}
