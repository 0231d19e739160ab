//! pest pairs (comments included) → [`Doc`].
//!
//! Each rule is laid out by pulling its tokens, in source order, from a
//! [`Cursor`]: child pairs and the literal tokens (`=`, `;`, `{` ...) between
//! them. Comments met on the way come back as [`Trivia`] and are placed where
//! they were: after the token they followed on the same line, or on their own
//! line before the next token. Nothing but whitespace is ever dropped.

use pest::iterators::Pair;

use super::doc::{concat, group, indent, nothing, text, Doc};
use crate::syntax::Rule;

/// Why the printer stopped: the tree did not have the shape the grammar promises.
#[derive(Debug)]
pub struct Unexpected {
    pub offset: usize,
    pub what: String,
    /// The nesting limit was reached (not a bug).
    pub too_deep: bool,
}

/// Deepest nesting of syntax nodes the printer lays out (several nodes make
/// one level of expression nesting; the compiler's own limit is far lower).
pub const MAX_DEPTH: usize = 4000;

thread_local! {
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

type R<T> = Result<T, Unexpected>;

/// Comments between two tokens.
#[derive(Default)]
struct Trivia {
    /// A comment on the same line as the previous token.
    trailing: Option<Doc>,
    /// Comments on their own lines, each with its preceding blank line if any.
    leading: Vec<Doc>,
    /// A blank line right before the next token (not after an opening bracket).
    blank: bool,
}

impl Trivia {
    fn is_empty(&self) -> bool {
        self.trailing.is_none() && self.leading.is_empty()
    }

    /// Everything, in place.
    fn all(self) -> Doc {
        let mut v = Vec::new();
        v.extend(self.trailing);
        v.extend(self.leading);
        concat(v)
    }

    fn leading(&mut self) -> Doc {
        concat(std::mem::take(&mut self.leading))
    }
}

struct Cursor<'i> {
    src: &'i str,
    children: Vec<Pair<'i, Rule>>,
    next: usize,
    pos: usize,
    /// The last token was `{`, `[` or `(`: a blank line after it is dropped.
    after_opener: bool,
}

impl<'i> Cursor<'i> {
    fn new(src: &'i str, pair: Pair<'i, Rule>) -> Cursor<'i> {
        let pos = pair.as_span().start();
        Cursor {
            src,
            children: pair.into_inner().collect(),
            next: 0,
            pos,
            after_opener: true,
        }
    }

    fn error<T>(&self, what: impl Into<String>) -> R<T> {
        Err(Unexpected {
            offset: self.pos,
            what: what.into(),
            too_deep: false,
        })
    }

    /// Skips whitespace from `pos`; returns the end and the newlines crossed.
    fn skip_space(&self, from: usize) -> (usize, usize) {
        let rest = &self.src[from..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        let skipped = &rest[..rest.len() - trimmed.len()];
        (from + skipped.len(), skipped.matches('\n').count())
    }

    /// Consumes whitespace and comments before the next token.
    fn trivia(&mut self) -> Trivia {
        let mut trivia = Trivia::default();
        loop {
            let (end, newlines) = self.skip_space(self.pos);
            let comment = self
                .children
                .get(self.next)
                .filter(|p| p.as_rule() == Rule::COMMENT && p.as_span().start() == end);
            let Some(comment) = comment else {
                trivia.blank = newlines >= 2 && !self.after_opener;
                return trivia;
            };
            let body = text(comment.as_str().trim_end());
            if newlines == 0 && trivia.is_empty() {
                trivia.trailing = Some(concat(vec![text(" "), body, Doc::Hard]));
            } else {
                let mut v = vec![Doc::Hard];
                if newlines >= 2 && !self.after_opener {
                    v.push(Doc::Blank);
                }
                v.push(body);
                v.push(Doc::Hard);
                trivia.leading.push(concat(v));
            }
            self.after_opener = false;
            self.pos = comment.as_span().end();
            self.next += 1;
        }
    }

    /// The rule of the next child pair, if the next token is one.
    fn peek(&self) -> Option<Rule> {
        self.children[self.next..]
            .iter()
            .find(|p| p.as_rule() != Rule::COMMENT)
            .filter(|p| {
                let (end, _) = self.skip_space(self.pos);
                // Comments between here and the pair are fine; a literal is not.
                let between = &self.src[end..p.as_span().start()];
                between.trim().is_empty() || between.trim_start().starts_with('#')
            })
            .map(Pair::as_rule)
    }

    /// Is the next token (after whitespace and comments) the literal `lit`?
    fn at(&self, lit: &str) -> bool {
        let mut pos = self.pos;
        let mut next = self.next;
        loop {
            let (end, _) = self.skip_space(pos);
            match self.children.get(next) {
                Some(p) if p.as_rule() == Rule::COMMENT && p.as_span().start() == end => {
                    pos = p.as_span().end();
                    next += 1;
                }
                Some(p) if p.as_span().start() == end => return false,
                _ => return self.src[end..].starts_with(lit),
            }
        }
    }

    fn pair(&mut self) -> R<(Trivia, Pair<'i, Rule>)> {
        let trivia = self.trivia();
        let Some(pair) = self.children.get(self.next).cloned() else {
            return self.error("expected more syntax");
        };
        let (end, _) = self.skip_space(self.pos);
        if pair.as_span().start() != end {
            return self.error("unexpected token");
        }
        self.next += 1;
        self.pos = pair.as_span().end();
        self.after_opener = false;
        Ok((trivia, pair))
    }

    fn literal(&mut self, lit: &str) -> R<Trivia> {
        let trivia = self.trivia();
        let (end, _) = self.skip_space(self.pos);
        if !self.src[end..].starts_with(lit) {
            return self.error(format!("expected `{lit}`"));
        }
        self.pos = end + lit.len();
        self.after_opener = matches!(lit, "{" | "[" | "(");
        Ok(trivia)
    }
}

/// Lays out a file.
pub fn file(src: &str, pair: Pair<'_, Rule>) -> R<Doc> {
    let mut c = Cursor::new(src, pair);
    // A byte-order mark carries no meaning; the canonical file has none.
    if src.starts_with('\u{FEFF}') {
        c.pos = '\u{FEFF}'.len_utf8();
    }
    let mut out = Vec::new();
    loop {
        let mut trivia = c.trivia();
        let Some(rule) = c.children.get(c.next).map(Pair::as_rule) else {
            out.push(trivia.all());
            break;
        };
        if rule == Rule::EOI {
            out.push(trivia.all());
            break;
        }
        out.extend(trivia.trailing.take());
        out.push(trivia.leading());
        if trivia.blank {
            out.push(Doc::Blank);
        }
        out.push(Doc::Hard);
        let (_, item) = c.pair()?;
        out.push(node(src, item)?);
    }
    Ok(concat(out))
}

/// Lays out any pair. Comments pest attached after the pair's last token
/// (before a token of the parent) follow it.
fn node(src: &str, pair: Pair<'_, Rule>) -> R<Doc> {
    let rule = pair.as_rule();
    if rule == Rule::COMMENT {
        return Ok(text(pair.as_str().trim_end()));
    }
    let bracketed = matches!(rule, Rule::attrset | Rule::list | Rule::pattern);
    if matches!(rule, Rule::string | Rule::number | Rule::ident | Rule::key_name)
        || (!bracketed && pair.clone().into_inner().next().is_none())
    {
        // Tokens and atomic rules are printed exactly as written.
        return Ok(text(pair.as_str()));
    }
    let offset = pair.as_span().start();
    let depth = DEPTH.with(|d| {
        d.set(d.get() + 1);
        d.get()
    });
    let result = if depth > MAX_DEPTH {
        Err(Unexpected {
            offset,
            what: "nesting".to_string(),
            too_deep: true,
        })
    } else {
        let mut c = Cursor::new(src, pair);
        laid_out(src, rule, &mut c)
    };
    DEPTH.with(|d| d.set(d.get() - 1));
    result
}

fn laid_out(src: &str, rule: Rule, c: &mut Cursor<'_>) -> R<Doc> {
    let doc = layout(src, rule, c)?;
    let rest = c.trivia();
    if c.next < c.children.len() {
        return c.error("unexpected syntax after the end of a construct");
    }
    Ok(concat(vec![doc, rest.all()]))
}

/// Lays out a pair with inner pairs, pulling its tokens from `c`.
fn layout(src: &str, rule: Rule, c: &mut Cursor<'_>) -> R<Doc> {
    match rule {
        Rule::let_item => {
            let mut v = vec![token(c)?, text(" ")];
            v.push(child(c, src)?);
            v.push(lit(c, " =")?);
            let (t, value) = c.pair()?;
            v.push(rhs(src, t, value)?);
            v.push(lit(c, ";")?);
            Ok(concat(v))
        }
        Rule::stack_item | Rule::stack_patch => {
            let mut v = vec![token(c)?];
            if rule == Rule::stack_item {
                v.push(text(" "));
                v.push(child(c, src)?);
                v.push(text(" "));
                v.push(braced_body(c, src)?);
            } else {
                v.push(text(" "));
                v.push(child(c, src)?);
            }
            Ok(concat(v))
        }
        Rule::component_item | Rule::override_item => {
            let mut v = vec![token(c)?, text(" ")];
            v.push(child(c, src)?);
            if c.peek() == Some(Rule::attrset) {
                v.push(text(" "));
                // A component's own body is always one field per line; an
                // `override` in a profile stays on one line when it fits.
                v.push(if rule == Rule::component_item {
                    braced_body(c, src)?
                } else {
                    child(c, src)?
                });
            } else {
                v.push(lit(c, " =")?);
                let (t, value) = c.pair()?;
                v.push(rhs(src, t, value)?);
                v.push(lit(c, ";")?);
            }
            Ok(concat(v))
        }
        Rule::remove_item => {
            let v = vec![token(c)?, text(" "), child(c, src)?, lit(c, ";")?];
            Ok(concat(v))
        }
        Rule::extends => Ok(concat(vec![token(c)?, text(" "), child(c, src)?])),
        Rule::profile_item => {
            let mut v = vec![token(c)?, text(" "), child(c, src)?];
            if c.peek() == Some(Rule::extends) {
                v.push(text(" "));
                v.push(child(c, src)?);
            }
            v.push(text(" "));
            v.push(block(c, src, "{", "}", Separator::None, true)?);
            Ok(concat(v))
        }
        Rule::attrset => block(c, src, "{", "}", Separator::None, false),
        Rule::list => block(c, src, "[", "]", Separator::Comma, false),
        Rule::pattern => {
            if c.peek() == Some(Rule::ident) {
                return child(c, src);
            }
            block(c, src, "{", "}", Separator::Comma, false)
        }
        Rule::param => {
            let mut v = vec![child(c, src)?];
            if c.at("?") {
                v.push(lit(c, " ?")?);
                v.push(text(" "));
                v.push(child(c, src)?);
            }
            Ok(concat(v))
        }
        Rule::binding => {
            let mut v = vec![child(c, src)?, lit(c, " =")?];
            let (t, value) = c.pair()?;
            v.push(rhs(src, t, value)?);
            v.push(lit(c, ";")?);
            Ok(concat(v))
        }
        Rule::attr_path | Rule::select => {
            let mut v = vec![child(c, src)?];
            while c.at(".") {
                v.push(lit(c, ".")?);
                v.push(child(c, src)?);
            }
            Ok(concat(v))
        }
        Rule::expr => child(c, src),
        Rule::let_expr => {
            let kw = token(c)?;
            let mut bindings = Vec::new();
            while c.peek() == Some(Rule::binding) {
                let (mut t, b) = c.pair()?;
                bindings.extend(t.trailing.take());
                bindings.push(Doc::Line);
                bindings.push(t.leading());
                bindings.push(node(src, b)?);
            }
            let (t_in, kw_in) = c.pair()?;
            let (t_body, body) = c.pair()?;
            Ok(group(
                concat(vec![
                    kw,
                    indent(concat(bindings)),
                    t_in.all(),
                    Doc::Line,
                    text(kw_in.as_str()),
                    text(" "),
                    t_body.all(),
                    node(src, body)?,
                ]),
                false,
            ))
        }
        Rule::if_expr => {
            let mut v = vec![token(c)?, text(" "), child(c, src)?, text(" "), token(c)?];
            let (t, then) = c.pair()?;
            v.push(indent(concat(vec![Doc::Line, t.all(), node(src, then)?])));
            v.push(Doc::Line);
            v.push(token(c)?);
            let (t, otherwise) = c.pair()?;
            if t.is_empty() && reduces_to(&otherwise, Rule::if_expr) {
                v.push(text(" "));
                v.push(node(src, otherwise)?);
            } else {
                v.push(indent(concat(vec![Doc::Line, t.all(), node(src, otherwise)?])));
            }
            Ok(group(concat(v), false))
        }
        Rule::function => {
            let mut v = vec![child(c, src)?, lit(c, ":")?];
            let (t, body) = c.pair()?;
            v.push(rhs(src, t, body)?);
            Ok(concat(v))
        }
        Rule::binary => {
            let mut v = vec![child(c, src)?];
            while c.peek().is_some() {
                let (t, op) = c.pair()?;
                v.push(t.all());
                v.push(Doc::Line);
                v.push(text(op.as_str()));
                v.push(text(" "));
                v.push(child(c, src)?);
            }
            if v.len() == 1 {
                return Ok(v.remove(0));
            }
            Ok(group(concat(v), false))
        }
        Rule::unary | Rule::apply => {
            let mut v = Vec::new();
            let mut previous_was_operand = false;
            while c.peek().is_some() {
                let (t, p) = c.pair()?;
                let operator = matches!(p.as_rule(), Rule::op_neg | Rule::op_not);
                if previous_was_operand {
                    v.push(text(" "));
                }
                v.push(t.all());
                v.push(node(src, p)?);
                previous_was_operand = !operator;
            }
            Ok(concat(v))
        }
        Rule::paren => {
            let v = vec![lit(c, "(")?, child(c, src)?, lit(c, ")")?];
            Ok(concat(v))
        }
        Rule::import => Ok(concat(vec![token(c)?, text(" "), child(c, src)?])),
        // A rule with inner pairs but no layout (the grammar has none): a bug.
        _ => c.error(format!("no layout for {rule:?}")),
    }
}

/// The braced body of a `component` or `stack`: broken unless empty.
fn braced_body(c: &mut Cursor<'_>, src: &str) -> R<Doc> {
    let (t, pair) = c.pair()?;
    let mut inner = Cursor::new(src, pair);
    let doc = block(&mut inner, src, "{", "}", Separator::None, true)?;
    Ok(concat(vec![t.all(), doc, inner.trivia().all()]))
}

/// The next child, with the comments before it.
fn child(c: &mut Cursor<'_>, src: &str) -> R<Doc> {
    let (t, p) = c.pair()?;
    Ok(concat(vec![t.all(), node(src, p)?]))
}

/// A keyword or other token pair, printed as written.
fn token(c: &mut Cursor<'_>) -> R<Doc> {
    let (t, p) = c.pair()?;
    Ok(concat(vec![t.all(), text(p.as_str())]))
}

/// A literal token; `shown` may carry a leading space (`" ="`).
fn lit(c: &mut Cursor<'_>, shown: &str) -> R<Doc> {
    let t = c.literal(shown.trim_start())?;
    Ok(concat(vec![t.all(), text(shown)]))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Separator {
    None,
    Comma,
}

/// `{ ... }`, `[ ... ]` or a pattern: elements on one line when they fit
/// (and `force` is off), one per line otherwise.
fn block(c: &mut Cursor<'_>, src: &str, open: &str, close: &str, sep: Separator, force: bool) -> R<Doc> {
    let opening = lit(c, open)?;
    let mut inner = Vec::new();
    let mut count = 0;
    loop {
        let mut t = c.trivia();
        if c.at(close) && c.peek().is_none() {
            inner.extend(t.trailing.take());
            inner.push(t.leading());
            break;
        }
        inner.extend(t.trailing.take());
        inner.push(Doc::Line);
        inner.push(t.leading());
        if t.blank {
            inner.push(Doc::BlankIfBroken);
        }
        let (_, element) = c.pair()?;
        inner.push(node(src, element)?);
        count += 1;
        if sep == Separator::Comma {
            if c.at(",") {
                let t = c.literal(",")?;
                let last = c.at(close) && c.peek().is_none();
                inner.push(if last {
                    Doc::IfBroken(Box::new(text(",")), Box::new(nothing()))
                } else {
                    text(",")
                });
                inner.push(t.all());
            } else {
                inner.push(Doc::IfBroken(Box::new(text(",")), Box::new(nothing())));
            }
        }
    }
    let closing_trivia = c.literal(close)?;
    let closing = concat(vec![closing_trivia.all(), text(close)]);
    if count == 0 && !inner.iter().any(has_content) {
        return Ok(concat(vec![opening, text(" "), closing]));
    }
    Ok(group(
        concat(vec![opening, indent(concat(inner)), Doc::Line, closing]),
        force,
    ))
}

fn has_content(doc: &Doc) -> bool {
    match doc {
        Doc::Text(s) => !s.trim().is_empty(),
        Doc::Concat(v) => v.iter().any(has_content),
        Doc::Indent(d) | Doc::IndentIfBroken(d) => has_content(d),
        Doc::Group { doc, .. } => has_content(doc),
        Doc::IfBroken(a, b) => has_content(a) || has_content(b),
        _ => false,
    }
}

/// The right-hand side of `=` or `:`. Brackets hug the operator (`x = {`);
/// anything else moves to the next line, indented, when it does not fit.
fn rhs(src: &str, mut t: Trivia, value: Pair<'_, Rule>) -> R<Doc> {
    let hug = t.is_empty() && hugs(&value);
    let doc = node(src, value)?;
    if hug {
        return Ok(concat(vec![text(" "), doc]));
    }
    let trailing = t.trailing.take().unwrap_or_else(nothing);
    Ok(group(
        Doc::IndentIfBroken(Box::new(concat(vec![trailing, Doc::Line, t.leading(), doc]))),
        false,
    ))
}

/// The only non-comment child, if there is exactly one.
fn only_child<'i>(pair: &Pair<'i, Rule>) -> Option<Pair<'i, Rule>> {
    let mut it = pair.clone().into_inner().filter(|p| p.as_rule() != Rule::COMMENT);
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

/// Strips single-child wrappers (`expr`, one-operand `binary`, ...).
fn unwrap<'i>(pair: &Pair<'i, Rule>) -> Pair<'i, Rule> {
    let mut p = pair.clone();
    while matches!(
        p.as_rule(),
        Rule::expr | Rule::binary | Rule::unary | Rule::apply | Rule::select
    ) {
        match only_child(&p) {
            Some(c) => p = c,
            None => break,
        }
    }
    p
}

fn reduces_to(pair: &Pair<'_, Rule>, rule: Rule) -> bool {
    unwrap(pair).as_rule() == rule
}

/// Values that open a bracket on the line of their `=`: sets, lists,
/// functions, and calls whose last argument is a set or list.
fn hugs(pair: &Pair<'_, Rule>) -> bool {
    let p = unwrap(pair);
    match p.as_rule() {
        Rule::attrset | Rule::list | Rule::function => true,
        Rule::apply => p
            .into_inner()
            .filter(|c| c.as_rule() != Rule::COMMENT)
            .last()
            .is_some_and(|last| matches!(unwrap(&last).as_rule(), Rule::attrset | Rule::list)),
        _ => false,
    }
}
