//! The nesting limit, checked twice.
//!
//! 1. Before pest runs, a lexical pass counts open brackets (`(`, `[`, `{` and
//!    `${`), skipping strings and comments. pest recurses once per level, so a
//!    file of a million `[` would otherwise cost hundreds of megabytes of stack
//!    before any diagnostic; this pass rejects it in one linear scan.
//! 2. The AST builder counts the levels of the tree it builds, including those
//!    brackets cannot show: operator chains (`a + b + c` is two levels),
//!    prefix operators, dotted field paths, `if`/`let`/function bodies.
//!
//! Both report the same diagnostic, so the user sees one limit.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The K0105 diagnostic for expressions nested deeper than `max`.
pub(crate) fn too_deep(span: Span, max: usize) -> Diagnostic {
    Diagnostic::error(
        Code::K0105,
        format!("expressions are nested more than {max} levels deep"),
        span,
        "nesting limit reached here",
    )
    .with_help(
        "bind inner parts to names with `let` (long chains of operators count as nesting too), \
         or raise the limit with `--max-nesting`",
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `(`, `[` or `{` in code.
    Bracket,
    /// `${` inside a string: its `}` returns to the string.
    Interpolation,
}

/// Finds the first bracket that opens level `max + 1`, if any.
pub(crate) fn check_brackets(file: FileId, text: &str, max: usize) -> Result<(), Diagnostic> {
    let bytes = text.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1, // the escaped byte is skipped below
                b'"' => in_string = false,
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    open.push(Open::Interpolation);
                    if open.len() > max {
                        return Err(too_deep(Span::new(file, i, i + 2), max));
                    }
                    in_string = false;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => in_string = true,
            b'(' | b'[' | b'{' => {
                open.push(Open::Bracket);
                if open.len() > max {
                    return Err(too_deep(Span::new(file, i, i + 1), max));
                }
            }
            // Mismatched closers are pest's to report; only the depth matters here.
            b')' | b']' => {
                open.pop();
            }
            b'}' => in_string = open.pop() == Some(Open::Interpolation),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error(text: &str, max: usize) -> Option<std::ops::Range<usize>> {
        check_brackets(FileId(0), text, max)
            .err()
            .map(|d| d.primary.span.range())
    }

    #[test]
    fn counts_brackets_and_interpolations() {
        assert_eq!(depth_error("let x = [[[1]]];", 3), None);
        assert_eq!(depth_error("let x = [[[[1]]]];", 3), Some(11..12));
        assert_eq!(depth_error(r#"let x = ["${ "${ y }" }"];"#, 3), None);
        assert_eq!(depth_error(r#"let x = ["${ "${ [y] }" }"];"#, 3), Some(17..18));
        assert_eq!(depth_error(r#"let x = ["${ "${ {} }" }"];"#, 2), Some(14..16));
    }

    #[test]
    fn skips_strings_comments_and_escapes() {
        assert_eq!(depth_error("# [[[[[[\nlet x = \"[[[[[[\";", 1), None);
        assert_eq!(depth_error(r#"let x = "\${ [[[[ \" [[[[";"#, 1), None);
        assert_eq!(depth_error("let x = ((([[]])));", 5), None);
        assert_eq!(depth_error("let x = ((([[]])));", 4), Some(12..13));
    }

    #[test]
    fn unbalanced_closers_do_not_underflow() {
        assert_eq!(depth_error("]]]]}}}))) let x = [[1]];", 2), None);
        assert_eq!(depth_error("]]]] let x = [[[1]]];", 2), Some(15..16));
    }
}
