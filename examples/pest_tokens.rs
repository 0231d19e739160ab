//! The pest floor: how fast any pest parser of `.koku` can be on this machine.
//!
//! A grammar that only splits a file into the language's tokens (names,
//! numbers with units, strings, punctuation and operators, with whitespace and
//! comments skipped), with no structure at all, written for speed: runs of
//! characters matched by one range or built-in class each, whitespace skipped a
//! run at a time. Every parser of the language
//! must at least do this much, so its time is a lower bound for `grammar/koku.pest`
//! and for `kokuc check`, which parses before anything else. `scripts/bench.sh`
//! times it next to `kokuc check` (docs/performance.md).
//!
//! ```text
//! cargo run --release --example pest_tokens -- FILE.koku    # prints the token count
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar_inline = r##"
WHITESPACE = _{ (" " | "\t" | "\r" | "\n")+ }
COMMENT = _{ "#" ~ (!"\n" ~ ANY)* }
tokens = _{ SOI ~ "\u{FEFF}"? ~ token* ~ EOI }
token = _{ name | number | string | operator | punctuation }
name = @{ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_" | "-")* }
number = @{ ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ ASCII_ALPHA* }
string = @{ "\"" ~ (('\u{00}'..'!' | '#'..'[' | ']'..'\u{10FFFF}')+ | "\\" ~ ANY)* ~ "\"" }
operator = @{ "//" | "||" | "&&" | "==" | "!=" | "<=" | ">=" | "${" }
punctuation = @{ '('..'/' | ':'..'?' | "{" | "}" | "[" | "]" | "!" }
"##]
struct Tokens;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        let _ = writeln!(std::io::stderr(), "usage: pest_tokens FILE.koku");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "pest_tokens: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match Tokens::parse(Rule::tokens, &text) {
        Ok(pairs) => {
            let _ = writeln!(std::io::stdout(), "{}", pairs.count());
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "pest_tokens: {path}: {e}");
            ExitCode::from(1)
        }
    }
}
