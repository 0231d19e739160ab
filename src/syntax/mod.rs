//! Stage 1: text → AST.
//!
//! Invariant: knows nothing about Kubernetes and never reads files. pest stops
//! at the first syntax error, so a failed parse yields exactly one K01xx
//! diagnostic (plus any literal errors found before it); later stages run only
//! on a successful parse.

pub mod ast;
mod cache;
pub mod canon;
mod chunks;
mod nesting;
pub mod parser;
mod pest_error;
mod shift;

use crate::diagnostics::Diagnostics;
use crate::limits::Limits;
use crate::source::{FileId, Span};

pub use cache::ParseCache;
pub use parser::Rule;

/// A scan for a top-level `stack` item, without parsing: `true` means the file
/// declares a stack or does not parse (see `chunks::starts_stack_item`).
pub fn may_declare_stack(text: &str) -> bool {
    chunks::starts_stack_item(text)
}

/// Parses a file into its AST.
pub fn parse(file: FileId, text: &str, limits: &Limits) -> Result<ast::File, Diagnostics> {
    check_size(file, text, limits)?;
    parse_checked(file, text, limits)
}

/// [`parse`], reusing the items of `cache` whose text has not changed since
/// the last parse of the file known there as `key` (see [`ParseCache`]). The
/// result is the same as [`parse`]'s, spans included.
pub fn parse_cached(
    file: FileId,
    key: &str,
    text: &str,
    limits: &Limits,
    cache: &ParseCache,
) -> Result<ast::File, Diagnostics> {
    check_size(file, text, limits)?;
    match cache.parse(key, file, text, limits) {
        Some(parsed) => Ok(parsed),
        None => parse_checked(file, text, limits),
    }
}

/// The file size limit, and bracket nesting bounded before pest's recursion starts (see `nesting`).
fn check_size(file: FileId, text: &str, limits: &Limits) -> Result<(), Diagnostics> {
    if text.len() > limits.max_file_bytes {
        let size = u64::try_from(text.len()).ok();
        return Err(crate::file_too_large(Span::new(file, 0, 0), size, limits.max_file_bytes).into());
    }
    nesting::check_brackets(file, text, limits.max_nesting)?;
    Ok(())
}

fn parse_checked(file: FileId, text: &str, limits: &Limits) -> Result<ast::File, Diagnostics> {
    let pieces = chunks::split(text, chunks::TARGET);
    if pieces.len() > 1 {
        if let Some(result) = parser::build_pieces(file, text, &pieces, limits) {
            return result;
        }
    }
    match parser::parse_pairs(text) {
        Ok(pairs) => parser::build_file(file, pairs, limits),
        Err(first) => Err(detailed_syntax_error(file, text, first).into()),
    }
}

/// Runs pest on a whole file: the concrete tree (comments included) that the
/// formatter walks, or the one syntax error. Brackets nested deeper than
/// `max_nesting` are refused first (see `nesting`), so pest's recursion stays
/// bounded.
pub fn parse_tree(
    file: FileId,
    text: &str,
    max_nesting: usize,
) -> Result<pest::iterators::Pairs<'_, Rule>, Diagnostics> {
    nesting::check_brackets(file, text, max_nesting)?;
    match parser::parse_pairs(text) {
        Ok(pairs) => Ok(pairs),
        Err(first) => Err(detailed_syntax_error(file, text, first).into()),
    }
}

/// Re-parses a file that failed with pest's error detail on, to learn which
/// tokens were expected, and turns the error into a K0101 diagnostic.
fn detailed_syntax_error(
    file: FileId,
    text: &str,
    first: Box<pest::error::Error<Rule>>,
) -> crate::diagnostics::Diagnostic {
    let detailed = {
        let _detail = ErrorDetail::on();
        parser::parse_pairs(text).err()
    };
    pest_error::syntax_error(file, text, &detailed.unwrap_or(first))
}

/// pest's error detail is one process-wide switch, and parses run on several
/// threads (the language server, parallel tests, library users): the switch
/// stays on while any detailed re-parse is running, so that one thread turning
/// it off cannot take the detail, and with it the wording of the diagnostic,
/// away from another thread's re-parse.
struct ErrorDetail;

static DETAILED_PARSES: std::sync::Mutex<usize> = std::sync::Mutex::new(0);

impl ErrorDetail {
    fn on() -> ErrorDetail {
        let mut running = DETAILED_PARSES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *running += 1;
        pest::set_error_detail(true);
        ErrorDetail
    }
}

impl Drop for ErrorDetail {
    fn drop(&mut self) {
        let mut running = DETAILED_PARSES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *running = running.saturating_sub(1);
        if *running == 0 {
            pest::set_error_detail(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::source::SourceMap;

    fn parse_str(text: &str) -> Result<ast::File, Diagnostics> {
        let mut map = SourceMap::new();
        let id = map.add("t.koku", "t.koku", text);
        parse(id, text, &Limits::default())
    }

    #[test]
    fn parses_every_construct() {
        let text = r#"
            # comment
            let lib = import "lib.koku";
            let f = { a, b ? 2 }: a + b * 3;
            let g = x: if x > 1 then "big ${x}" else "small";
            stack s { namespace = "ns"; budget.cpu = 4; }
            component a { replicas = f { a = 1; }; env = { X = "a" + "b"; }; }
            component b = lib.node { } // { after = [a]; };
            profile p extends q {
                let z = -1;
                component c { image = "x"; }
                override a { replicas = 0; }
                remove b;
                stack { namespace = "other"; }
            }
        "#;
        let file = parse_str(text).expect("parses");
        assert_eq!(file.items.len(), 7);
    }

    #[test]
    fn precedence_of_operators() {
        let file = parse_str("let x = 1 + 2 * 3 // { } == y;").expect("parses");
        let ast::Item::Let(item) = &file.items[0] else {
            panic!("let expected")
        };
        // == binds loosest, then //, then +, then *.
        let ast::ExprKind::Binary(op, _, _) = &item.value.kind else {
            panic!("binary")
        };
        assert_eq!(*op, ast::BinaryOp::Eq);
    }

    #[test]
    fn missing_semicolon_points_after_previous_token() {
        let text = "let x = 1\nlet y = 2;";
        let errors = parse_str(text).expect_err("fails").into_sorted();
        assert_eq!(errors[0].code, Code::K0101);
        assert_eq!(errors[0].primary.span.start, 9);
        assert!(errors[0].message.contains("`;`"), "{}", errors[0].message);
    }

    #[test]
    fn syntax_errors_read_the_same_when_parsed_on_many_threads() {
        // A long broken file, so that detailed re-parses on different threads overlap.
        let mut text = "component a { replicas = 1; }\n".repeat(400);
        text.push_str("component b { replicas = ; }\n");
        let alone = parse_str(&text).expect_err("fails").into_sorted()[0].message.clone();
        let messages: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..20)
                            .map(|_| parse_str(&text).expect_err("fails").into_sorted()[0].message.clone())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
        });
        assert_eq!(messages.len(), 80);
        assert!(messages.iter().all(|m| *m == alone), "{alone} vs {messages:?}");
    }

    #[test]
    fn unknown_unit_has_hint() {
        let errors = parse_str("let m = 6GB;").expect_err("fails").into_sorted();
        assert_eq!(errors[0].code, Code::K0102);
        assert_eq!(errors[0].primary.span.range(), 9..11);
        assert!(errors[0].help.as_deref().unwrap_or("").contains("Gi"));
    }
}
