//! pest pairs → AST. One pass over the pairs; comments are skipped here (the
//! formatter reads them from the same pairs).

use std::sync::Arc;
use std::sync::OnceLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

use super::ast::*;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::limits::Limits;
use crate::quantity::{Quantity, QuantityError};
use crate::source::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/koku.pest"]
pub struct KokuParser;

/// Runs pest on a whole file. The pairs are shared by the AST builder and the formatter.
pub fn parse_pairs(text: &str) -> Result<Pairs<'_, Rule>, Box<pest::error::Error<Rule>>> {
    KokuParser::parse(Rule::file, text).map_err(Box::new)
}

pub(crate) fn build_file(file: FileId, pairs: Pairs<'_, Rule>, limits: &Limits) -> Result<File, Diagnostics> {
    let mut builder = Builder::new(file, limits);
    let mut items = Vec::new();
    let mut span = Span::new(file, 0, 0);
    for pair in pairs {
        if pair.as_rule() == Rule::file {
            span = builder.span(&pair);
            for item in pair.into_inner() {
                match item.as_rule() {
                    Rule::EOI | Rule::COMMENT => {}
                    _ => items.push(builder.item(item)),
                }
            }
        }
    }
    if builder.diagnostics.has_errors() {
        Err(builder.diagnostics)
    } else {
        Ok(File { items, span })
    }
}

/// Parses `text` as consecutive pieces (see [`super::chunks`]) and builds the
/// AST of all of them: the same AST as [`build_file`] on the whole text. `None`
/// when a piece does not parse on its own; the caller then parses the whole
/// text, which reports any syntax error.
pub(crate) fn build_pieces(
    file: FileId,
    text: &str,
    pieces: &[std::ops::Range<usize>],
    limits: &Limits,
) -> Option<Result<File, Diagnostics>> {
    let mut builder = Builder::new(file, limits);
    let mut items = Vec::new();
    for piece in pieces {
        builder.piece(text, piece.clone(), &mut items)?;
    }
    let span = Span::new(file, 0, text.len());
    Some(if builder.diagnostics.has_errors() {
        Err(builder.diagnostics)
    } else {
        Ok(File { items, span })
    })
}

/// The items of one piece of `text`, with their spans in the whole text;
/// `None` when the piece does not parse on its own or has an error (the caller
/// then parses the whole text, which reports it).
pub(crate) fn build_piece(
    file: FileId,
    text: &str,
    piece: std::ops::Range<usize>,
    limits: &Limits,
) -> Option<Vec<Item>> {
    let mut builder = Builder::new(file, limits);
    let mut items = Vec::new();
    builder.piece(text, piece, &mut items)?;
    (!builder.diagnostics.has_errors()).then_some(items)
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::infix(Rule::op_eq, Assoc::Left) | Op::infix(Rule::op_ne, Assoc::Left))
            .op(Op::infix(Rule::op_lt, Assoc::Left)
                | Op::infix(Rule::op_le, Assoc::Left)
                | Op::infix(Rule::op_gt, Assoc::Left)
                | Op::infix(Rule::op_ge, Assoc::Left))
            .op(Op::infix(Rule::op_merge, Assoc::Right))
            .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
            .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
    })
}

struct Builder {
    file: FileId,
    /// Where the text pest is parsing starts in the file (see [`build_pieces`]).
    offset: usize,
    diagnostics: Diagnostics,
    depth: usize,
    max_depth: usize,
    too_deep_reported: bool,
}

/// Children of a pair without comments and keyword tokens.
fn children<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::COMMENT
                | Rule::kw_let
                | Rule::kw_in
                | Rule::kw_if
                | Rule::kw_then
                | Rule::kw_else
                | Rule::kw_stack
                | Rule::kw_component
                | Rule::kw_profile
                | Rule::kw_extends
                | Rule::kw_override
                | Rule::kw_remove
                | Rule::kw_import
        )
    })
}

impl Builder {
    fn new(file: FileId, limits: &Limits) -> Builder {
        Builder {
            file,
            offset: 0,
            diagnostics: Diagnostics::new(),
            depth: 0,
            max_depth: limits.max_nesting,
            too_deep_reported: false,
        }
    }

    /// Parses `text[piece]` on its own and appends its items; `None` when it does not parse.
    fn piece(&mut self, text: &str, piece: std::ops::Range<usize>, items: &mut Vec<Item>) -> Option<()> {
        let pairs = parse_pairs(text.get(piece.clone())?).ok()?;
        self.offset = piece.start;
        for pair in pairs.filter(|p| p.as_rule() == Rule::file) {
            for item in pair.into_inner() {
                match item.as_rule() {
                    Rule::EOI | Rule::COMMENT => {}
                    _ => items.push(self.item(item)),
                }
            }
        }
        Some(())
    }

    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    fn name(&self, pair: Pair<'_, Rule>) -> Name {
        Name {
            text: Arc::from(pair.as_str()),
            span: self.span(&pair),
        }
    }

    fn placeholder(&self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Null,
            span,
        }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Item {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::let_item => Item::Let(self.let_item(pair)),
            Rule::stack_item => {
                let mut it = children(pair);
                let (Some(name), Some(body)) = (it.next(), it.next()) else {
                    return self.malformed(span);
                };
                Item::Stack(StackItem {
                    name: self.name(name),
                    body: Arc::new(self.attrset(body)),
                    span,
                })
            }
            Rule::component_item => Item::Component(self.component_item(pair)),
            Rule::profile_item => Item::Profile(self.profile_item(pair)),
            _ => self.malformed(span),
        }
    }

    /// The grammar guarantees shapes; this only guards against a grammar/builder mismatch.
    fn malformed(&mut self, span: Span) -> Item {
        self.diagnostics.push(Diagnostic::error(
            Code::K0101,
            "internal error: unexpected syntax tree shape",
            span,
            "here",
        ));
        Item::Let(LetItem {
            name: Name {
                text: Arc::from("_"),
                span,
            },
            value: Arc::new(self.placeholder(span)),
            span,
        })
    }

    fn let_item(&mut self, pair: Pair<'_, Rule>) -> LetItem {
        let span = self.span(&pair);
        let mut it = children(pair);
        match (it.next(), it.next()) {
            (Some(name), Some(value)) => LetItem {
                name: self.name(name),
                value: Arc::new(self.nested(value, 1)),
                span,
            },
            _ => LetItem {
                name: Name {
                    text: Arc::from("_"),
                    span,
                },
                value: Arc::new(self.placeholder(span)),
                span,
            },
        }
    }

    fn component_item(&mut self, pair: Pair<'_, Rule>) -> ComponentItem {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = it.next().map(|p| self.name(p)).unwrap_or(Name {
            text: Arc::from("_"),
            span,
        });
        let (value, braced) = match it.next() {
            Some(body) if body.as_rule() == Rule::attrset => (self.attrset(body), true),
            Some(body) => (self.nested(body, 1), false),
            None => (self.placeholder(span), true),
        };
        ComponentItem {
            name,
            value: Arc::new(value),
            braced,
            span,
        }
    }

    fn profile_item(&mut self, pair: Pair<'_, Rule>) -> ProfileItem {
        let span = self.span(&pair);
        let mut name = None;
        let mut extends = None;
        let mut statements = Vec::new();
        for child in children(pair) {
            match child.as_rule() {
                Rule::ident if name.is_none() => name = Some(self.name(child)),
                Rule::extends => extends = children(child).next().map(|p| self.name(p)),
                Rule::let_item => statements.push(ProfileStatement::Let(self.let_item(child))),
                Rule::component_item => statements.push(ProfileStatement::Add(self.component_item(child))),
                Rule::override_item => statements.push(ProfileStatement::Override(self.component_item(child))),
                Rule::remove_item => {
                    let span = self.span(&child);
                    if let Some(n) = children(child).next() {
                        statements.push(ProfileStatement::Remove {
                            name: self.name(n),
                            span,
                        });
                    }
                }
                Rule::stack_patch => {
                    let span = self.span(&child);
                    if let Some(body) = children(child).next() {
                        statements.push(ProfileStatement::Stack {
                            body: Arc::new(self.attrset(body)),
                            span,
                        });
                    }
                }
                _ => {}
            }
        }
        ProfileItem {
            name: name.unwrap_or(Name {
                text: Arc::from("_"),
                span,
            }),
            extends,
            statements,
            span,
        }
    }

    // ------------------------------------------------------------ expressions

    /// Builds an expression at the current depth (wrapper rules add no level).
    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        self.expr_inner(pair, span)
    }

    /// Builds a sub-expression `levels` deeper in the tree than its parent.
    fn nested(&mut self, pair: Pair<'_, Rule>, levels: usize) -> Expr {
        let span = self.span(&pair);
        if !self.enter(levels, span) {
            return self.placeholder(span);
        }
        let result = self.expr_inner(pair, span);
        self.depth -= levels;
        result
    }

    /// Goes `levels` deeper; false (reported once) when that passes the limit.
    fn enter(&mut self, levels: usize, span: Span) -> bool {
        self.depth += levels;
        if self.depth <= self.max_depth && !crate::limits::stack_exhausted() {
            return true;
        }
        self.depth -= levels;
        if !self.too_deep_reported {
            self.too_deep_reported = true;
            // Every expression starts with an ASCII character: point at it.
            let first = Span::new(
                self.file,
                span.start as usize,
                (span.start as usize + 1).min(span.end as usize),
            );
            self.diagnostics.push(super::nesting::too_deep(first, self.max_depth));
        }
        false
    }

    fn expr_inner(&mut self, pair: Pair<'_, Rule>, span: Span) -> Expr {
        match pair.as_rule() {
            Rule::expr => match children(pair).next() {
                Some(inner) => self.expr(inner),
                None => self.placeholder(span),
            },
            Rule::let_expr => {
                let mut bindings = Vec::new();
                let mut body = None;
                for child in children(pair) {
                    match child.as_rule() {
                        Rule::binding => bindings.push(self.binding(child)),
                        _ => body = Some(self.nested(child, 1)),
                    }
                }
                let body = body.unwrap_or_else(|| self.placeholder(span));
                Expr {
                    kind: ExprKind::Let(Arc::from(bindings), Box::new(body)),
                    span,
                }
            }
            Rule::if_expr => {
                let mut parts: Vec<Expr> = children(pair).map(|p| self.nested(p, 1)).collect();
                if parts.len() != 3 {
                    return self.placeholder(span);
                }
                let otherwise = parts.pop().map(Box::new);
                let then = parts.pop().map(Box::new);
                let cond = parts.pop().map(Box::new);
                match (cond, then, otherwise) {
                    (Some(c), Some(t), Some(e)) => Expr {
                        kind: ExprKind::If(c, t, e),
                        span,
                    },
                    _ => self.placeholder(span),
                }
            }
            Rule::function => {
                let mut it = children(pair);
                let (Some(pattern), Some(body)) = (it.next(), it.next()) else {
                    return self.placeholder(span);
                };
                let pattern = self.pattern(pattern);
                let body = self.nested(body, 1);
                Expr {
                    kind: ExprKind::Function(Arc::new(Function { pattern, body, span })),
                    span,
                }
            }
            Rule::binary => self.binary(pair, span),
            Rule::unary => self.unary(pair, span),
            Rule::apply => self.apply(pair, span),
            Rule::select => self.select(pair, span),
            _ => self.primary(pair),
        }
    }

    fn pattern(&mut self, pair: Pair<'_, Rule>) -> Pattern {
        let mut params = Vec::new();
        for child in children(pair) {
            match child.as_rule() {
                Rule::ident => return Pattern::Single(self.name(child)),
                Rule::param => {
                    let mut it = children(child);
                    if let Some(name) = it.next() {
                        let name = self.name(name);
                        let default = it.next().map(|d| Arc::new(self.nested(d, 1)));
                        params.push(Param { name, default });
                    }
                }
                _ => {}
            }
        }
        Pattern::Fields(params)
    }

    fn binary(&mut self, pair: Pair<'_, Rule>, span: Span) -> Expr {
        let mut inner: Vec<Pair<'_, Rule>> = children(pair).collect();
        if inner.len() == 1 {
            if let Some(only) = inner.pop() {
                return self.expr(only);
            }
        }
        // A chain of k operators is up to k levels deep (`a + b + c` is `(a + b) + c`).
        let operators = inner.len() / 2;
        if !self.enter(operators, span) {
            return self.placeholder(span);
        }
        let file: crate::source::FileId = self.file;
        let result = {
            let cell = std::cell::RefCell::new(&mut *self);
            pratt()
                .map_primary(|p| cell.borrow_mut().expr(p))
                .map_infix(move |lhs, op, rhs| {
                    let op = match op.as_rule() {
                        Rule::op_merge => BinaryOp::Merge,
                        Rule::op_or => BinaryOp::Or,
                        Rule::op_and => BinaryOp::And,
                        Rule::op_eq => BinaryOp::Eq,
                        Rule::op_ne => BinaryOp::Ne,
                        Rule::op_lt => BinaryOp::Lt,
                        Rule::op_le => BinaryOp::Le,
                        Rule::op_gt => BinaryOp::Gt,
                        Rule::op_ge => BinaryOp::Ge,
                        Rule::op_add => BinaryOp::Add,
                        Rule::op_sub => BinaryOp::Sub,
                        Rule::op_mul => BinaryOp::Mul,
                        _ => BinaryOp::Div,
                    };
                    let span = if lhs.span.file == file {
                        lhs.span.to(rhs.span)
                    } else {
                        span
                    };
                    Expr {
                        kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                        span,
                    }
                })
                .parse(inner.into_iter())
        };
        self.depth -= operators;
        result
    }

    fn unary(&mut self, pair: Pair<'_, Rule>, span: Span) -> Expr {
        let mut ops = Vec::new();
        let mut operand = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::op_neg => ops.push((UnaryOp::Neg, self.span(&child))),
                Rule::op_not => ops.push((UnaryOp::Not, self.span(&child))),
                _ => operand = Some(child),
            }
        }
        // Each prefix operator is one level: `- - x` is `-(-(x))`.
        let mut expr = match operand {
            Some(p) if ops.is_empty() => self.expr(p),
            Some(p) => self.nested(p, ops.len()),
            None => self.placeholder(span),
        };
        for (op, op_span) in ops.into_iter().rev() {
            expr = Expr {
                span: op_span.to(expr.span),
                kind: ExprKind::Unary(op, Box::new(expr)),
            };
        }
        expr
    }

    fn apply(&mut self, pair: Pair<'_, Rule>, span: Span) -> Expr {
        let parts: Vec<Pair<'_, Rule>> = children(pair).collect();
        if parts.len() == 1 {
            if let Some(only) = parts.into_iter().next() {
                return self.expr(only);
            }
            return self.placeholder(span);
        }
        let mut it = parts.into_iter();
        let Some(first) = it.next() else {
            return self.placeholder(span);
        };
        let function = self.nested(first, 1);
        let args: Vec<Expr> = it.map(|p| self.nested(p, 1)).collect();
        Expr {
            kind: ExprKind::Apply(Box::new(function), args),
            span,
        }
    }

    fn select(&mut self, pair: Pair<'_, Rule>, span: Span) -> Expr {
        let parts: Vec<Pair<'_, Rule>> = children(pair).collect();
        let mut it = parts.into_iter();
        let Some(first) = it.next() else {
            return self.placeholder(span);
        };
        let keys: Vec<Name> = it.filter_map(|k| self.key(k)).collect();
        if keys.is_empty() {
            return self.primary(first);
        }
        // `a.b.c` is one node; its base is one level down.
        if !self.enter(1, span) {
            return self.placeholder(span);
        }
        let base = self.primary(first);
        self.depth -= 1;
        Expr {
            kind: ExprKind::Select(Box::new(base), keys),
            span,
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => self.number(&pair, span),
            Rule::string => ExprKind::Str(self.string_parts(pair)),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_null => ExprKind::Null,
            Rule::ident => ExprKind::Ident(self.name(pair)),
            Rule::list => ExprKind::List(children(pair).map(|p| self.nested(p, 1)).collect()),
            Rule::attrset => return self.attrset(pair),
            Rule::paren => match children(pair).next() {
                Some(inner) => return self.nested(inner, 1),
                None => ExprKind::Null,
            },
            Rule::import => match children(pair).next() {
                Some(s) => {
                    let path_span = self.span(&s);
                    match self.plain_string(s) {
                        Some(path) => ExprKind::Import(ImportPath { path, span: path_span }),
                        None => ExprKind::Null,
                    }
                }
                None => ExprKind::Null,
            },
            _ => return self.expr(pair),
        };
        Expr { kind, span }
    }

    fn number(&mut self, pair: &Pair<'_, Rule>, span: Span) -> ExprKind {
        let text = pair.as_str();
        match Quantity::parse(text) {
            Ok(q) => ExprKind::Number(q),
            Err(QuantityError::UnknownUnit { unit, hint }) => {
                let digits = text.len() - unit.len();
                let unit_span = Span::new(self.file, span.start as usize + digits, span.end as usize);
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::K0102,
                        format!("unknown unit `{unit}` in `{text}`"),
                        unit_span,
                        "not a Kubernetes quantity suffix",
                    )
                    .with_help(hint),
                );
                ExprKind::Null
            }
            Err(QuantityError::Overflow) => {
                self.diagnostics.push(
                    Diagnostic::error(Code::K0103, format!("`{text}` is too large"), span, "does not fit")
                        .with_help("quantities must stay below 1.7 × 10^29 in their unit; check for a typo in the digits or the suffix"),
                );
                ExprKind::Null
            }
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(Code::K0103, format!("invalid number `{text}`"), span, e.to_string())
                        .with_help("numbers are exact to 1n (10^-9); write fewer decimal places"),
                );
                ExprKind::Null
            }
        }
    }

    fn string_parts(&mut self, pair: Pair<'_, Rule>) -> Vec<StrPart> {
        let mut parts: Vec<StrPart> = Vec::new();
        let mut literal = String::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::text => literal.push_str(child.as_str()),
                Rule::escape => {
                    let span = self.span(&child);
                    match child.as_str().chars().nth(1) {
                        Some('"') => literal.push('"'),
                        Some('\\') => literal.push('\\'),
                        Some('n') => literal.push('\n'),
                        Some('t') => literal.push('\t'),
                        Some('r') => literal.push('\r'),
                        Some('$') => literal.push('$'),
                        other => {
                            let shown = other.map(String::from).unwrap_or_default();
                            self.diagnostics.push(
                                Diagnostic::error(
                                    Code::K0104,
                                    format!("unknown escape `\\{shown}` in a string"),
                                    span,
                                    "not a valid escape",
                                )
                                .with_help(r#"valid escapes are \" \\ \n \t \r and \$ (a literal `$`); write `\\` for a backslash"#),
                            );
                        }
                    }
                }
                Rule::interpolation => {
                    if !literal.is_empty() {
                        parts.push(StrPart::Literal(std::mem::take(&mut literal)));
                    }
                    if let Some(e) = children(child).next() {
                        let e = self.nested(e, 1);
                        parts.push(StrPart::Interpolation(e));
                    }
                }
                _ => {}
            }
        }
        if !literal.is_empty() || parts.is_empty() {
            parts.push(StrPart::Literal(literal));
        }
        parts
    }

    /// A string without interpolation (import paths, keys).
    fn plain_string(&mut self, pair: Pair<'_, Rule>) -> Option<String> {
        let span = self.span(&pair);
        let parts = self.string_parts(pair);
        match parts.as_slice() {
            [StrPart::Literal(s)] => Some(s.clone()),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::K0101,
                        "interpolation is not allowed here",
                        span,
                        "this string must be constant",
                    )
                    .with_help(
                        "field names and import paths are fixed when the file is read; write them without `${...}`",
                    ),
                );
                None
            }
        }
    }

    fn key(&mut self, pair: Pair<'_, Rule>) -> Option<Name> {
        match pair.as_rule() {
            Rule::key_name => Some(self.name(pair)),
            Rule::string => {
                let span = self.span(&pair);
                self.plain_string(pair).map(|text| Name {
                    text: Arc::from(text),
                    span,
                })
            }
            _ => None,
        }
    }

    fn attrset(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let bindings = children(pair).map(|b| self.binding(b)).collect();
        Expr {
            kind: ExprKind::Attrs(bindings),
            span,
        }
    }

    fn binding(&mut self, pair: Pair<'_, Rule>) -> Binding {
        let span = self.span(&pair);
        let mut path = Vec::new();
        let mut value = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::attr_path => {
                    for k in children(child) {
                        if let Some(name) = self.key(k) {
                            path.push(name);
                        }
                    }
                }
                _ => value = Some(child),
            }
        }
        // `a.b.c = v;` nests `v` three sets deep.
        let value = match value {
            Some(v) => self.nested(v, path.len().max(1)),
            None => self.placeholder(span),
        };
        Binding {
            path,
            value: Arc::new(value),
            span,
        }
    }
}
