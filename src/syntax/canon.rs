//! A canonical, span-free rendering of the AST.
//!
//! Two files mean the same thing exactly when their canonical forms are equal:
//! layout, comments and spans are left out; everything the evaluator reads is
//! kept (including whether a component was written braced). The formatter's
//! meaning-preservation tests compare these strings.

use std::fmt::Write;

use super::ast::*;

/// The S-expression form of a file, one item per line.
pub fn canonical(file: &File) -> String {
    let mut p = Printer { out: String::new() };
    for item in &file.items {
        p.item(item);
        p.out.push('\n');
    }
    p.out
}

struct Printer {
    out: String,
}

impl Printer {
    fn text(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn name(&mut self, n: &Name) {
        let _ = write!(self.out, "{:?}", &*n.text);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Let(l) => self.let_item(l),
            Item::Stack(s) => {
                self.text("(stack ");
                self.name(&s.name);
                self.text(" ");
                self.expr(&s.body);
                self.text(")");
            }
            Item::Component(c) => self.component("component", c),
            Item::Profile(p) => {
                self.text("(profile ");
                self.name(&p.name);
                if let Some(e) = &p.extends {
                    self.text(" (extends ");
                    self.name(e);
                    self.text(")");
                }
                for s in &p.statements {
                    self.text(" ");
                    match s {
                        ProfileStatement::Let(l) => self.let_item(l),
                        ProfileStatement::Add(c) => self.component("component", c),
                        ProfileStatement::Override(c) => self.component("override", c),
                        ProfileStatement::Remove { name, .. } => {
                            self.text("(remove ");
                            self.name(name);
                            self.text(")");
                        }
                        ProfileStatement::Stack { body, .. } => {
                            self.text("(stack-patch ");
                            self.expr(body);
                            self.text(")");
                        }
                    }
                }
                self.text(")");
            }
        }
    }

    fn let_item(&mut self, l: &LetItem) {
        self.text("(let ");
        self.name(&l.name);
        self.text(" ");
        self.expr(&l.value);
        self.text(")");
    }

    fn component(&mut self, keyword: &str, c: &ComponentItem) {
        let _ = write!(self.out, "({keyword}{} ", if c.braced { "" } else { "=" });
        self.name(&c.name);
        self.text(" ");
        self.expr(&c.value);
        self.text(")");
    }

    fn bindings(&mut self, bindings: &[Binding]) {
        for b in bindings {
            self.text(" (");
            for (i, key) in b.path.iter().enumerate() {
                if i > 0 {
                    self.text(".");
                }
                self.name(key);
            }
            self.text(" ");
            self.expr(&b.value);
            self.text(")");
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Null => self.text("null"),
            ExprKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            ExprKind::Number(q) => {
                let _ = write!(self.out, "{}{:?}", q.nanos, q.dim);
            }
            ExprKind::Str(parts) => {
                self.text("(str");
                for part in parts {
                    match part {
                        StrPart::Literal(s) => {
                            let _ = write!(self.out, " {s:?}");
                        }
                        StrPart::Interpolation(e) => {
                            self.text(" ${");
                            self.expr(e);
                            self.text("}");
                        }
                    }
                }
                self.text(")");
            }
            ExprKind::Ident(n) => {
                self.text("$");
                self.name(n);
            }
            ExprKind::List(items) => {
                self.text("[");
                for item in items {
                    self.text(" ");
                    self.expr(item);
                }
                self.text(" ]");
            }
            ExprKind::Attrs(bindings) => {
                self.text("{");
                self.bindings(bindings);
                self.text(" }");
            }
            ExprKind::Select(base, keys) => {
                self.text("(. ");
                self.expr(base);
                for k in keys {
                    self.text(" ");
                    self.name(k);
                }
                self.text(")");
            }
            ExprKind::Apply(f, args) => {
                self.text("(apply ");
                self.expr(f);
                for a in args {
                    self.text(" ");
                    self.expr(a);
                }
                self.text(")");
            }
            ExprKind::Unary(op, inner) => {
                self.text(match op {
                    UnaryOp::Neg => "(neg ",
                    UnaryOp::Not => "(not ",
                });
                self.expr(inner);
                self.text(")");
            }
            ExprKind::Binary(op, a, b) => {
                let _ = write!(self.out, "({} ", op.symbol());
                self.expr(a);
                self.text(" ");
                self.expr(b);
                self.text(")");
            }
            ExprKind::If(c, t, f) => {
                self.text("(if ");
                self.expr(c);
                self.text(" ");
                self.expr(t);
                self.text(" ");
                self.expr(f);
                self.text(")");
            }
            ExprKind::Let(bindings, body) => {
                self.text("(let-in");
                self.bindings(bindings);
                self.text(" ");
                self.expr(body);
                self.text(")");
            }
            ExprKind::Function(f) => {
                self.text("(fn ");
                match &f.pattern {
                    Pattern::Single(n) => self.name(n),
                    Pattern::Fields(params) => {
                        self.text("{");
                        for p in params {
                            self.text(" ");
                            self.name(&p.name);
                            if let Some(d) = &p.default {
                                self.text("?");
                                self.expr(d);
                            }
                        }
                        self.text(" }");
                    }
                }
                self.text(" ");
                self.expr(&f.body);
                self.text(")");
            }
            ExprKind::Import(path) => {
                let _ = write!(self.out, "(import {:?})", path.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::source::FileId;

    fn canon(text: &str) -> String {
        canonical(&crate::syntax::parse(FileId(0), text, &Limits::default()).expect("parses"))
    }

    #[test]
    fn layout_and_comments_do_not_matter() {
        let a = canon("let x = { a = 1; b = [ 2, 3 ]; }; # c\ncomponent y { image = \"i\"; }");
        let b = canon(
            "# lead\nlet x = {\n  a = 1;\n  b = [\n    2,\n    3,\n  ];\n};\n\ncomponent y {\n  image = \"i\";\n}\n",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn meaning_matters() {
        assert_ne!(canon("let x = 1 + 2 * 3;"), canon("let x = (1 + 2) * 3;"));
        assert_ne!(canon("component y { }"), canon("component y = { };"));
        assert_ne!(canon("let x = \"a\";"), canon("let x = \"b\";"));
        assert_ne!(canon("let x = 500m;"), canon("let x = 500Mi;"));
    }
}
