//! pest errors → one K0101 diagnostic that says, in words, what was expected.
//!
//! pest stops at the first syntax error and reports the furthest position it
//! reached, which is often a line after the real mistake. Two passes make the
//! report useful:
//! 1. *Repair*: try inserting one likely-missing token (`;`, `}`, `]`, `)`,
//!    `,`, `=`) near the error. If the file then parses further, that token is
//!    what is missing, and the diagnostic points where it belongs.
//! 2. Otherwise, describe what pest expected, in words rather than rule names.

use std::collections::BTreeSet;

use pest::error::{ErrorVariant, InputLocation};

use super::parser::{parse_pairs, Rule};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Files above this size skip the repair pass (it re-parses the file a few times).
const REPAIR_MAX_BYTES: usize = 2 * 1024 * 1024;
const CANDIDATES: [&str; 6] = [";", "}", "]", ")", ",", "="];

pub(crate) fn syntax_error(file: FileId, text: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
    let offset = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    if let ErrorVariant::CustomError { message } = &error.variant {
        return limit_error(file, offset, message);
    }
    let found = found_at(text, offset);
    if text.len() <= REPAIR_MAX_BYTES {
        if let Some(d) = repair(file, text, offset, &found.0) {
            return d;
        }
    }
    if text[offset..].trim().is_empty() {
        if let Some(d) = unclosed_at_end(file, text) {
            return d;
        }
    }
    let phrases = expected_phrases(error);
    let expected_text = join_alternatives(&phrases);
    let span = Span::new(file, offset, offset + found.1);
    let (message, label) = if expected_text.is_empty() {
        (format!("unexpected {}", found.0), "unexpected here".to_string())
    } else {
        (
            format!("expected {expected_text}, found {}", found.0),
            format!("expected {expected_text} here"),
        )
    };
    let mut d = Diagnostic::error(Code::K0101, message, span, label).with_help(help_for(&phrases, &found.0));
    if found.1 == 0 && offset == text.len() {
        if let Some((start, len, what)) = innermost_open_at_end(text) {
            d = d.with_label(
                Span::new(file, start, start + len),
                format!("this {what} is not closed"),
            );
        }
    }
    d
}

/// The innermost string, interpolation or bracket still open at the end of the
/// file (an unclosed string, which `unclosed_at_end` leaves to this path).
fn innermost_open_at_end(text: &str) -> Option<(usize, usize, &'static str)> {
    let bytes = text.as_bytes();
    // (position, length, what); strings and interpolations nest inside each other.
    let mut open: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let in_string = open.last().is_some_and(|o| o.2 == "string");
        match (in_string, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => {
                open.pop();
            }
            (true, b'$') if bytes.get(i + 1) == Some(&b'{') => {
                open.push((i, 2, "`${`"));
                i += 1;
            }
            (true, _) => {}
            (false, b'#') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (false, b'"') => open.push((i, 1, "string")),
            (false, b'{') => open.push((i, 1, "`{`")),
            (false, b'[') => open.push((i, 1, "`[`")),
            (false, b'(') => open.push((i, 1, "`(`")),
            (false, b'}' | b']' | b')') => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.pop()
}

/// Tries one-token insertions near the error; returns a diagnostic for the best one.
fn repair(file: FileId, text: &str, offset: usize, found: &str) -> Option<Diagnostic> {
    let before = &text[..offset];
    let end_of_previous = before.trim_end().len();
    let start_of_previous_word = {
        let trimmed = before.trim_end();
        let start = trimmed
            .char_indices()
            .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '"'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        trimmed[..start].trim_end().len()
    };
    let mut points = vec![end_of_previous, offset, start_of_previous_word];
    points.dedup();

    let mut best: Option<(usize, usize, &str)> = None; // (progress, point, token)
    for token in CANDIDATES {
        for &point in &points {
            // `=` next to an operator character would make `==`, `<=`...: not a repair.
            let next = text[point..].trim_start().chars().next();
            if token == "=" && matches!(next, Some('=' | '!' | '<' | '>')) {
                continue;
            }
            let mut repaired = String::with_capacity(text.len() + 1);
            repaired.push_str(&text[..point]);
            repaired.push_str(token);
            repaired.push_str(&text[point..]);
            let progress = match parse_pairs(&repaired) {
                Ok(_) => usize::MAX,
                Err(e) => match e.location {
                    InputLocation::Pos(p) | InputLocation::Span((p, _)) => p.saturating_sub(token.len()),
                },
            };
            // Only a repair that gets clearly past the original error counts.
            let moved_on = progress == usize::MAX || progress > offset + 1;
            if moved_on && best.is_none_or(|(p, _, _)| progress > p) {
                best = Some((progress, point, token));
            }
        }
    }
    let (_, point, token) = best?;
    let mut d = Diagnostic::error(
        Code::K0101,
        if point < offset && !text[point..offset].trim().is_empty() {
            format!(
                "missing `{token}` before `{}`",
                text[point..offset].split_whitespace().next().unwrap_or("")
            )
        } else {
            format!("missing `{token}` before {found}")
        },
        Span::new(file, point, point),
        format!("expected `{token}` here"),
    );
    if let Some(opener) = unclosed_opener(text, point, token) {
        d = d.with_label(Span::new(file, opener, opener + 1), "this is not closed");
    }
    Some(d.with_help(match token {
        ";" => "every field and `let` ends with `;`: `replicas = 2;`".to_string(),
        "}" | "]" | ")" => format!("add the closing `{token}`; every bracket needs its partner"),
        "," => "separate list elements and parameters with `,`: `[a, b]`".to_string(),
        _ => format!("add `{token}`"),
    }))
}

/// For a missing closer, the position of the bracket it would close.
fn unclosed_opener(text: &str, point: usize, closer: &str) -> Option<usize> {
    let wanted = match closer {
        "}" => '{',
        "]" => '[',
        ")" => '(',
        _ => return None,
    };
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut chars = text[..point].char_indices().peekable();
    let mut in_string = false;
    while let Some((i, c)) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => in_string = true,
            '{' | '[' | '(' => stack.push((c, i)),
            '}' | ']' | ')' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.into_iter().rev().find(|(c, _)| *c == wanted).map(|(_, i)| i)
}

/// At the end of the file with a bracket still open: find the opener that was
/// most likely left unclosed. A closer that is indented less than the line of
/// the opener it pairs with probably belonged to an outer bracket.
fn unclosed_at_end(file: FileId, text: &str) -> Option<Diagnostic> {
    let indent_of = |pos: usize| {
        let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
        text[line_start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .count()
    };
    // (bracket, its offset, its line), with the line counted as the scan goes:
    // counting from the start at every bracket is quadratic on a big file.
    let mut stack: Vec<(char, usize, usize)> = Vec::new();
    let mut suspect: Option<(char, usize)> = None;
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    let mut line = 0;
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match c {
                // An escaped newline still ends a line.
                '\\' if chars.next().is_some_and(|(_, escaped)| escaped == '\n') => line += 1,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '"' => in_string = true,
            '{' | '[' | '(' => stack.push((c, i, line)),
            '}' | ']' | ')' => {
                if let Some((open, at, open_line)) = stack.pop() {
                    if suspect.is_none() && open_line != line && indent_of(i) < indent_of(at) {
                        suspect = Some((open, at));
                    }
                }
            }
            _ => {}
        }
    }
    if in_string {
        return None;
    }
    let (open, at) = suspect.or_else(|| stack.last().map(|&(c, at, _)| (c, at)))?;
    if stack.is_empty() && suspect.is_none() {
        return None;
    }
    let close = match open {
        '{' => '}',
        '[' => ']',
        _ => ')',
    };
    Some(
        Diagnostic::error(
            Code::K0101,
            format!("this `{open}` is never closed"),
            Span::new(file, at, at + 1),
            "opened here",
        )
        .with_label(Span::new(file, text.len(), text.len()), "the file ends here")
        .with_help(if suspect.is_some() {
            format!(
                "add the matching `{close}`; going by the indentation, the `{close}` after it closes an outer bracket"
            )
        } else {
            format!("add the matching `{close}`")
        }),
    )
}

fn limit_error(file: FileId, offset: usize, message: &str) -> Diagnostic {
    Diagnostic::error(
        Code::K0105,
        format!("expressions are nested too deeply to parse ({message})"),
        Span::new(file, offset, offset),
        "the parser gave up here",
    )
    .with_help("bind inner parts to names with `let`; chains of `if`, `let ... in` and `x: ...` nest too")
}

/// Describes what is at `offset`, and how many bytes to underline.
fn found_at(text: &str, offset: usize) -> (String, usize) {
    let rest = text.get(offset..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    if c == '\n' || c == '\r' {
        return ("end of line".to_string(), 0);
    }
    if c.is_control() || is_invisible(c) {
        return (format!("the invisible character U+{:04X}", u32::from(c)), c.len_utf8());
    }
    if c.is_ascii_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
            .collect();
        let len = word.len();
        return (format!("`{word}`"), len);
    }
    (format!("`{c}`"), c.len_utf8())
}

/// Format characters that show as nothing (or reorder text) in a terminal.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn expected_phrases(error: &pest::error::Error<Rule>) -> Vec<String> {
    // Ordered by priority: punctuation, keywords, then summaries.
    let mut expected: BTreeSet<(u8, String)> = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        expected.extend(positives.iter().filter_map(|r| describe_rule(*r)));
    }
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            // `ParsingToken` is not exported by pest; its Display is the literal.
            expected.extend(describe_token(&token.to_string()));
        }
        for stack in attempts.call_stacks() {
            let rule = stack.deepest.get_rule().copied().or(stack.parent);
            expected.extend(rule.and_then(describe_rule));
        }
    }
    let mut phrases: Vec<String> = Vec::new();
    for (_, p) in expected {
        if !phrases.contains(&p) {
            phrases.push(p);
        }
    }
    let structural = phrases
        .iter()
        .any(|p| p.starts_with('`') && !p.chars().nth(1).is_some_and(char::is_alphabetic));
    if structural {
        phrases.retain(|p| p != "an operator" && p != "a value" && p != "a name");
    }
    phrases.truncate(4);
    phrases
}

/// Literal tokens pest tried. Punctuation that ends or separates things is kept
/// as is; tokens that start a value or are operators are summarized in words.
fn describe_token(token: &str) -> Option<(u8, String)> {
    Some(match token {
        ";" | "}" | "]" | ")" | "," | "=" | ":" | "?" => (0, format!("`{token}`")),
        "in" | "then" | "else" | "extends" => (1, format!("`{token}`")),
        "let" | "stack" | "component" | "profile" => (2, "`let`, `stack`, `component` or `profile`".to_string()),
        "override" | "remove" => (2, "`override`, `remove`, `component`, `stack` or `let`".to_string()),
        "==" | "!=" | "&&" | "||" | "//" | "+" | "*" | "/" | "<" | "<=" | ">" | ">=" | "." => {
            (4, "an operator".to_string())
        }
        "\n" | "\r\n" | "\r" | " " | "\t" | "#" | "\u{FEFF}" | "BUILTIN_RULE" | "e" | "E" => return None,
        _ => (3, "a value".to_string()),
    })
}

/// Rules are named in words users know; internals are left out.
fn describe_rule(rule: Rule) -> Option<(u8, String)> {
    let (priority, phrase) = match rule {
        Rule::EOI => (1, "end of file"),
        Rule::let_item | Rule::stack_item | Rule::component_item | Rule::profile_item => {
            (2, "`let`, `stack`, `component` or `profile`")
        }
        Rule::override_item | Rule::remove_item | Rule::stack_patch => {
            (2, "`override`, `remove`, `component`, `stack` or `let`")
        }
        Rule::expr
        | Rule::binary
        | Rule::unary
        | Rule::apply
        | Rule::select
        | Rule::number
        | Rule::string
        | Rule::list
        | Rule::attrset
        | Rule::paren
        | Rule::import
        | Rule::function
        | Rule::let_expr
        | Rule::if_expr
        | Rule::kw_true
        | Rule::kw_false
        | Rule::kw_null => (3, "a value"),
        Rule::ident => (2, "a name"),
        Rule::binding | Rule::attr_path | Rule::key_name => (2, "a field (`name = value;`)"),
        Rule::op_merge
        | Rule::op_or
        | Rule::op_and
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div => (4, "an operator"),
        Rule::param | Rule::pattern => (2, "a parameter name"),
        Rule::extends | Rule::kw_extends => (1, "`extends`"),
        Rule::kw_in => (1, "`in`"),
        Rule::kw_then => (1, "`then`"),
        Rule::kw_else => (1, "`else`"),
        _ => return None,
    };
    Some((priority, phrase.to_string()))
}

fn join_alternatives(phrases: &[String]) -> String {
    match phrases {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn help_for(phrases: &[String], found: &str) -> String {
    let word = found.trim_matches('`');
    let keywords = [
        "let",
        "stack",
        "component",
        "profile",
        "override",
        "remove",
        "extends",
        "import",
    ];
    if let Some(k) = crate::diagnostics::suggest::closest(word, keywords) {
        return format!("did you mean the keyword `{k}`?");
    }
    if found == "end of file" {
        return "a bracket, brace or string is not closed; check that every `{`, `[`, `(` and `\"` has its partner"
            .to_string();
    }
    if phrases.iter().any(|p| p.starts_with("`let`, `stack`")) {
        return "at the top of a file, only `let`, `stack`, `component` and `profile` declarations may appear"
            .to_string();
    }
    if phrases.iter().any(|p| p == "a field (`name = value;`)") {
        return "inside `{ }`, write fields as `name = value;`".to_string();
    }
    "see docs/language.md for the syntax of each construct".to_string()
}
