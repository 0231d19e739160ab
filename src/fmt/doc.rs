//! A small Wadler/Prettier-style document algebra and its renderer.
//!
//! A [`Doc`] describes text with optional line breaks; [`render`] picks, for
//! every group from the outside in, flat (all `Line`s are spaces) when the
//! group fits in the remaining width up to its first forced break, broken
//! otherwise. Newlines are emitted lazily: consecutive breaks never produce
//! an empty line unless a `Blank` asks for one, and no line ends in spaces.

/// A document.
#[derive(Clone, Debug)]
pub enum Doc {
    Text(String),
    /// A space when flat, a newline when broken.
    Line,
    /// Always a newline (after a comment); forces every enclosing group to break.
    Hard,
    /// An empty line (a preserved blank line before a comment); forces breaking.
    Blank,
    /// An empty line when the enclosing group is broken, nothing when flat.
    BlankIfBroken,
    /// The first document when the enclosing group is broken, the second when flat.
    IfBroken(Box<Doc>, Box<Doc>),
    Indent(Box<Doc>),
    /// Indents only when the enclosing group is broken.
    IndentIfBroken(Box<Doc>),
    Group {
        doc: Box<Doc>,
        broken: bool,
    },
    Concat(Vec<Doc>),
}

pub const INDENT: usize = 2;

pub fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

pub fn concat(docs: Vec<Doc>) -> Doc {
    Doc::Concat(docs)
}

pub fn indent(doc: Doc) -> Doc {
    Doc::Indent(Box::new(doc))
}

pub fn nothing() -> Doc {
    Doc::Concat(Vec::new())
}

/// A group; broken when `force` is set or when it contains a hard break.
pub fn group(doc: Doc, force: bool) -> Doc {
    let broken = force || doc.has_hard();
    Doc::Group {
        doc: Box::new(doc),
        broken,
    }
}

impl Doc {
    /// Does this contain a hard break anywhere (groups included)?
    fn has_hard(&self) -> bool {
        match self {
            Doc::Hard | Doc::Blank => true,
            Doc::Text(_) | Doc::Line | Doc::BlankIfBroken => false,
            Doc::IfBroken(a, b) => a.has_hard() || b.has_hard(),
            Doc::Indent(d) | Doc::IndentIfBroken(d) => d.has_hard(),
            Doc::Group { doc, .. } => doc.has_hard(),
            Doc::Concat(v) => v.iter().any(Doc::has_hard),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Broken,
}

struct Out {
    text: String,
    /// Nothing but indentation written on the current line yet.
    line_empty: bool,
    /// Indentation to write before the next text on an empty line.
    pending_indent: usize,
    /// Column after the last character written.
    column: usize,
}

impl Out {
    fn column(&self) -> usize {
        if self.line_empty {
            self.pending_indent
        } else {
            self.column
        }
    }

    fn write(&mut self, s: &str) {
        let s = if self.line_empty { s.trim_start_matches(' ') } else { s };
        if s.is_empty() {
            return;
        }
        if self.line_empty {
            for _ in 0..self.pending_indent {
                self.text.push(' ');
            }
            self.column = self.pending_indent;
            self.line_empty = false;
        }
        self.text.push_str(s);
        match s.rfind('\n') {
            Some(i) => self.column = s[i + 1..].chars().count(),
            None => self.column += s.chars().count(),
        }
    }

    fn end_line(&mut self) {
        while self.text.ends_with(' ') {
            self.text.pop();
        }
    }

    fn newline(&mut self, indent: usize) {
        if !self.line_empty {
            self.end_line();
            self.text.push('\n');
            self.line_empty = true;
        }
        self.pending_indent = indent;
    }

    fn blank(&mut self) {
        if self.text.is_empty() {
            return;
        }
        if !self.line_empty {
            self.end_line();
            self.text.push('\n');
            self.line_empty = true;
        }
        if !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
    }
}

/// Renders a document at `width` columns. The result ends with one newline
/// unless it is empty.
pub fn render(doc: &Doc, width: usize) -> String {
    let mut out = Out {
        text: String::new(),
        line_empty: true,
        pending_indent: 0,
        column: 0,
    };
    let mut cmds: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Broken, doc)];
    while let Some((ind, mode, doc)) = cmds.pop() {
        match doc {
            Doc::Text(s) => out.write(s),
            Doc::Line => match mode {
                Mode::Flat => out.write(" "),
                Mode::Broken => out.newline(ind),
            },
            Doc::Hard => out.newline(ind),
            Doc::Blank => {
                out.blank();
                out.pending_indent = ind;
            }
            Doc::BlankIfBroken => {
                if mode == Mode::Broken {
                    out.blank();
                    out.pending_indent = ind;
                }
            }
            Doc::IfBroken(a, b) => cmds.push((ind, mode, if mode == Mode::Broken { a } else { b })),
            Doc::Indent(d) => cmds.push((ind + INDENT, mode, d)),
            Doc::IndentIfBroken(d) => cmds.push((if mode == Mode::Broken { ind + INDENT } else { ind }, mode, d)),
            Doc::Concat(v) => {
                for d in v.iter().rev() {
                    cmds.push((ind, mode, d));
                }
            }
            Doc::Group { doc, broken } => {
                let flat = !*broken && fits(doc, &cmds, width.saturating_sub(out.column()));
                cmds.push((ind, if flat { Mode::Flat } else { Mode::Broken }, doc));
            }
        }
    }
    out.end_line();
    let mut text = out.text;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Does `doc`, printed flat, fit in `width` columns up to the next line break
/// (inside it, a forced-broken group's first break, or one in what follows)?
fn fits(doc: &Doc, rest: &[(usize, Mode, &Doc)], width: usize) -> bool {
    let mut remaining = width as isize;
    let mut stack: Vec<(Mode, &Doc)> = vec![(Mode::Flat, doc)];
    let mut rest_index = rest.len();
    loop {
        if remaining < 0 {
            return false;
        }
        let Some((mode, doc)) = stack.pop() else {
            if rest_index == 0 {
                return true;
            }
            rest_index -= 1;
            let (_, mode, doc) = rest[rest_index];
            stack.push((mode, doc));
            continue;
        };
        match doc {
            Doc::Text(s) => {
                let first_line = s.split('\n').next().unwrap_or("");
                remaining -= first_line.chars().count() as isize;
                if s.contains('\n') {
                    return remaining >= 0;
                }
            }
            Doc::Line | Doc::BlankIfBroken => {
                if mode == Mode::Broken {
                    return true;
                }
                if matches!(doc, Doc::Line) {
                    remaining -= 1;
                }
            }
            Doc::Hard | Doc::Blank => return true,
            Doc::IfBroken(a, b) => stack.push((mode, if mode == Mode::Broken { a } else { b })),
            Doc::Indent(d) | Doc::IndentIfBroken(d) => stack.push((mode, d)),
            Doc::Concat(v) => {
                for d in v.iter().rev() {
                    stack.push((mode, d));
                }
            }
            Doc::Group { doc, broken } => stack.push((if *broken { Mode::Broken } else { mode }, doc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str], force: bool) -> Doc {
        let mut inner = Vec::new();
        for (i, item) in items.iter().enumerate() {
            inner.push(Doc::Line);
            inner.push(text(*item));
            if i + 1 < items.len() {
                inner.push(text(","));
            }
        }
        group(
            concat(vec![text("["), indent(concat(inner)), Doc::Line, text("]")]),
            force,
        )
    }

    #[test]
    fn flat_when_it_fits_broken_otherwise() {
        assert_eq!(render(&list(&["a", "b"], false), 80), "[ a, b ]\n");
        assert_eq!(render(&list(&["aaaa", "bbbb"], false), 8), "[\n  aaaa,\n  bbbb\n]\n");
        assert_eq!(render(&list(&["a"], true), 80), "[\n  a\n]\n");
    }

    #[test]
    fn hard_breaks_force_groups_and_never_double() {
        let doc = group(
            concat(vec![text("a"), text(" # c"), Doc::Hard, Doc::Line, text("b")]),
            false,
        );
        assert_eq!(render(&doc, 80), "a # c\nb\n");
    }
}
