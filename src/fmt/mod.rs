//! The formatter: one canonical layout for `.koku` files.
//!
//! `format` is a pure function of the text. It walks the pest tree (comments
//! are a real grammar rule, so they are in it), builds a [`doc::Doc`] and
//! renders it at [`WIDTH`] columns. Every token is printed exactly as written
//! (names, numbers, strings), so the parsed file before and after is the same
//! (`syntax::canon` compares them in the tests); only whitespace changes.
//!
//! The style (see `docs/formatting.md`):
//! * two-space indentation, at most one blank line in a row, none after an
//!   opening bracket, no trailing spaces, one newline at the end;
//! * the body of a `component`, `stack` or `profile` has one statement per
//!   line; any other `{ ... }`, `[ ... ]` or `{ a, b ? 1 }` pattern stays on one
//!   line when it fits, else has one element per line (lists and patterns then
//!   get a trailing comma). The layout depends only on the code and its
//!   comments, never on how the input was laid out;
//! * a value that does not fit after `=` moves to the next line, indented,
//!   unless it opens a bracket there (`x = {`, `f = { a }: ...`, `x = f {`);
//! * operator chains break before each operator; `if` breaks into
//!   `if c then` / `else` blocks;
//! * comments stay where they were: after the token they followed on the same
//!   line, or on their own line (with a blank line before them if they had one).

mod doc;
mod printer;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::Rule;

/// The line width the formatter aims for.
pub const WIDTH: usize = 100;

/// Formats a whole file. Fails with the K0101 syntax error when the file does
/// not parse (`file` is the id the diagnostic's span uses).
pub fn format(file: FileId, src: &str) -> Result<String, Diagnostic> {
    // Recursion follows the nesting of the file: give it the compiler's big stack.
    crate::with_large_stack(|| format_inner(file, src))
}

fn format_inner(file: FileId, src: &str) -> Result<String, Diagnostic> {
    let pairs = crate::syntax::parse_tree(file, src, crate::limits::Limits::default().max_nesting).map_err(first)?;
    let Some(root) = pairs.into_iter().find(|p| p.as_rule() == Rule::file) else {
        return Ok(String::new());
    };
    match printer::file(src, root) {
        Ok(doc) => Ok(doc::render(&doc, WIDTH)),
        Err(e) if e.too_deep => Err(Diagnostic::error(
            Code::K0105,
            format!(
                "the file nests more than {} levels deep; the formatter leaves it alone",
                printer::MAX_DEPTH
            ),
            Span::new(file, e.offset, e.offset),
            "nesting limit reached here",
        )
        .with_help("flatten the expression with `let` bindings")),
        Err(e) => Err(Diagnostic::error(
            Code::K0101,
            format!("internal error: the formatter cannot lay out this file ({})", e.what),
            Span::new(file, e.offset, e.offset),
            "here",
        )
        .with_help("please report this with the file; `kokuc check` still works on it")),
    }
}

/// The first of a stage's diagnostics (a failed parse reports one).
fn first(diagnostics: crate::diagnostics::Diagnostics) -> Diagnostic {
    let mut sorted = diagnostics.into_sorted();
    if sorted.is_empty() {
        return Diagnostic::error(Code::K0101, "the file does not parse", Span::default(), "");
    }
    sorted.swap_remove(0)
}

#[cfg(test)]
mod tests;
