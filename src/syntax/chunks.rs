//! Splitting a big file into runs of whole top-level items, so that pest parses
//! it piece by piece.
//!
//! pest keeps one token for the start and one for the end of every pair of the
//! input until the pairs are dropped: about 100 bytes per byte of a typical
//! stack, 1 GiB for a 100,000-component file. Parsing runs of items of about
//! [`TARGET`] bytes keeps that to one run at a time.
//!
//! The split is only an optimization, never a change of meaning. It happens
//! after a `;` or `}` at nesting depth 0, outside strings and comments: the end
//! of a top-level item in a well-formed file. If a guess is wrong (a `;` that
//! ends a binding of a top-level `let ... in`, a file that is not well formed),
//! one of the pieces does not parse on its own, and the caller parses the whole
//! file instead, which also reports syntax errors exactly as before. A piece
//! that does parse ends with a complete item whose last token is its `;` or
//! `}`: the same item pest finds at that position in the whole file.

use std::ops::Range;

/// Bytes per piece: big enough that the per-parse overhead vanishes, small
/// enough that pest's token queue of a piece stays small.
pub(crate) const TARGET: usize = 64 * 1024;

/// What the scanner is inside of.
#[derive(Clone, Copy)]
enum Mode {
    /// Code, with the number of open brackets since this mode began.
    Code(u32),
    Str,
}

/// Byte ranges covering `text`, each ending after a top-level `;` or `}` (the
/// last ends at the end of the text). One range when the file is small, or
/// when it holds a byte order mark past its start (only valid at the start of
/// the whole file).
pub(crate) fn split(text: &str, target: usize) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let whole = std::iter::once(0..text.len()).collect();
    if text.len() <= target || text.get(1..).is_some_and(|rest| rest.contains('\u{FEFF}')) {
        return whole;
    }
    let mut ranges = Vec::with_capacity(text.len() / target + 1);
    let mut start = 0;
    // A stack of modes: strings nest in code, interpolations (`${ }`) in strings.
    let mut modes = vec![Mode::Code(0)];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let Some(mode) = modes.last_mut() else {
            return whole;
        };
        match mode {
            Mode::Str => match b {
                b'\\' => i += 1,
                b'"' => {
                    modes.pop();
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    modes.push(Mode::Code(0));
                    i += 1;
                }
                _ => {}
            },
            Mode::Code(depth) => match b {
                b'"' => modes.push(Mode::Str),
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'{' | b'[' | b'(' => *depth += 1,
                b'}' | b']' | b')' => {
                    if *depth == 0 {
                        // Closes an interpolation; at the top level the file is malformed.
                        if modes.len() == 1 {
                            return whole;
                        }
                        modes.pop();
                    } else {
                        *depth -= 1;
                        if *depth == 0
                            && modes.len() == 1
                            && b == b'}'
                            && i + 1 - start >= target
                            && item_starts_after(bytes, i + 1)
                        {
                            ranges.push(start..i + 1);
                            start = i + 1;
                        }
                    }
                }
                b';' if *depth == 0
                    && modes.len() == 1
                    && i + 1 - start >= target
                    && item_starts_after(bytes, i + 1) =>
                {
                    ranges.push(start..i + 1);
                    start = i + 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    if start < text.len() || ranges.is_empty() {
        ranges.push(start..text.len());
    }
    ranges
}

/// Does some top-level item of `text` start with the keyword `stack`? A scan,
/// not a parse: when the file parses, `true` means it declares a stack; when it
/// does not, the answer means nothing.
pub(crate) fn starts_stack_item(text: &str) -> bool {
    let bytes = text.as_bytes();
    split(text, 1)
        .into_iter()
        .any(|piece| keyword_after(bytes, piece.start) == Some("stack"))
}

/// Does a top-level item (`let`, `stack`, `component` or `profile`) start at
/// `at`, after whitespace and comments? Splitting only there avoids most wrong
/// guesses, such as the `}` of `let a = { ... } // { ... };`.
fn item_starts_after(bytes: &[u8], at: usize) -> bool {
    keyword_after(bytes, at).is_some()
}

/// The item keyword that starts at `at`, after whitespace and comments.
fn keyword_after(bytes: &[u8], mut at: usize) -> Option<&'static str> {
    loop {
        match bytes.get(at) {
            Some(b' ' | b'\t' | b'\n' | b'\r') => at += 1,
            Some(b'#') => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    let rest = bytes.get(at..)?;
    ["let", "stack", "component", "profile"].into_iter().find(|k| {
        rest.starts_with(k.as_bytes())
            && !rest
                .get(k.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_stack_item_only_at_the_top_level() {
        assert!(starts_stack_item("# lib\nlet a = 1;\nstack s { namespace = \"n\"; }\n"));
        assert!(starts_stack_item("stack s { }"));
        assert!(!starts_stack_item("let a = { stack = 1; };\nlet stacks = 2;\n"));
        assert!(!starts_stack_item("let a = \"; stack s { }\";\n# stack s { }\n"));
        assert!(!starts_stack_item("let stack-size = 1;"));
    }

    fn pieces(text: &str, target: usize) -> Vec<&str> {
        split(text, target).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn splits_after_top_level_items_only() {
        let text = "let a = { b = 1; } // { c = 2; };\ncomponent c { x = \"}; let ${ { y = 1; }.y }\"; }\n# }; {\nlet d = 2;\nlets = 3;";
        let got = pieces(text, 1);
        assert_eq!(
            got,
            [
                "let a = { b = 1; } // { c = 2; };",
                "\ncomponent c { x = \"}; let ${ { y = 1; }.y }\"; }",
                "\n# }; {\nlet d = 2;\nlets = 3;",
            ]
        );
        assert_eq!(got.concat(), text);
    }

    #[test]
    fn small_files_and_late_byte_order_marks_stay_whole() {
        assert_eq!(pieces("let a = 1; let b = 2;", 1024), ["let a = 1; let b = 2;"]);
        let bom = "let a = 1;\u{FEFF}let b = 2;";
        assert_eq!(pieces(bom, 1), [bom]);
    }

    #[test]
    fn unbalanced_closers_give_up() {
        let text = "let a = 1; } let b = 2;";
        assert_eq!(pieces(text, 1), [text]);
    }

    /// Parsing in pieces gives the very AST (spans included) of parsing whole.
    #[test]
    fn pieces_build_the_same_ast_as_the_whole_file() {
        use crate::limits::Limits;
        use crate::source::FileId;
        use crate::syntax::parser::{build_file, build_pieces, parse_pairs};

        let block = r#"
# a comment with "quotes", { braces } and ; semicolons
let f-N = { a, b ? 2 }: a + b * 3 // { x = "}"; };
let g-N = x: if x > 1 then "big ${x} ${ { y = "}"; }.y }" else "small\n";
let h-N = let a = 1; b = [a, 2,]; in b;
component c-N { replicas = f-N { a = 1; }; env = { X = "a" + "b"; Y = !true || -1 < 2; }; after = [ d-N ]; }
component d-N = { image = "x"; } // { cpu = 500m; memory = 1Gi; };
profile p-N extends q { remove c-N; override d-N { replicas = 0; } stack { namespace = "m"; } }
"#;
        let mut text = String::from("stack s { namespace = \"n\"; }\n");
        for i in 0..400 {
            text.push_str(&block.replace("-N", &format!("-{i}")));
        }
        let ranges = split(&text, 4096);
        assert!(ranges.len() > 10, "{} pieces", ranges.len());
        let limits = Limits::default();
        let whole = build_file(FileId(0), parse_pairs(&text).expect("parses"), &limits).expect("builds");
        let pieces = build_pieces(FileId(0), &text, &ranges, &limits)
            .expect("every piece parses")
            .expect("builds");
        assert_eq!(format!("{pieces:?}"), format!("{whole:?}"));
    }

    #[test]
    fn a_wrong_guess_is_detected() {
        use crate::limits::Limits;
        use crate::source::FileId;
        use crate::syntax::parser::build_pieces;

        // `component = 2;` is a binding of the `let ... in`, not an item.
        let text = "let a = let b = 1; component = 2; in b;";
        let wrong = [0..18, 18..text.len()];
        assert!(build_pieces(FileId(0), text, &wrong, &Limits::default()).is_none());
    }

    #[test]
    fn pieces_cover_the_text_without_gaps() {
        let text = "stack s { namespace = \"n\"; }\n".repeat(50);
        let ranges = split(&text, 100);
        assert!(ranges.len() > 1);
        let mut at = 0;
        for r in ranges {
            assert_eq!(r.start, at);
            at = r.end;
        }
        assert_eq!(at, text.len());
    }
}
