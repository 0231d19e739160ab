//! What is under the cursor: a component name, a profile name, a quantity or
//! an import path.
//!
//! When the analysis saw exactly the buffer's text, component names come from
//! its index (precise: a variable that shadows a component is not one). When
//! the buffer changed since (it has a syntax error and the analysis is the last
//! good one), names are recognised by their spelling.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::analysis::Analysis;
use super::server::Document;
use crate::quantity::Quantity;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symbol {
    Component(String),
    Profile(String),
    /// A number literal, as written.
    Quantity(String),
    /// The file an `import "..."` names.
    Import(PathBuf),
}

pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Where the run of characters at the end of `text` that all satisfy `inside`
/// starts: just past the last character that does not (0 if none). Past that
/// character, not one byte past its start: it may take several bytes (`é`, a
/// BOM), and slicing there would split it.
pub(super) fn run_start(text: &str, inside: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .rev()
        .find(|&(_, c)| !inside(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// The byte range of the run of name characters (and dots) around `offset`.
fn word_at(text: &str, offset: usize) -> Option<Range<usize>> {
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return None;
    }
    let is_word = |c: char| is_name_char(c) || c == '.';
    let start = run_start(&text[..offset], is_word);
    let end = text[offset..]
        .find(|c: char| !is_word(c))
        .map_or(text.len(), |i| offset + i);
    (start < end).then_some(start..end)
}

/// Is `offset` inside a `#` comment (outside strings) on its line?
fn in_comment(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut in_string = false;
    let mut escaped = false;
    for c in text[line_start..offset].chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return true,
            _ => {}
        }
    }
    false
}

/// The previous word before `start` (skipping spaces), e.g. `extends`.
fn previous_word(text: &str, start: usize) -> &str {
    let before = text[..start].trim_end();
    let from = run_start(before, is_name_char);
    &before[from..]
}

/// The symbol at `offset` in the buffer and its byte range in the buffer.
pub fn at(doc: &Document, path: &Path, offset: usize, analysis: Option<&Analysis>) -> Option<(Symbol, Range<usize>)> {
    let text = doc.text();
    let offset = offset.min(text.len());
    if in_comment(text, offset) {
        return None;
    }
    if let Some(found) = import_at(text, path, offset) {
        return Some(found);
    }
    let word = word_at(text, offset)?;
    let run = &text[word.clone()];
    if run.starts_with(|c: char| c.is_ascii_digit()) {
        let literal = run.trim_end_matches('.');
        return Quantity::parse(literal).ok().map(|_| {
            (
                Symbol::Quantity(literal.to_string()),
                word.start..word.start + literal.len(),
            )
        });
    }
    // Only the first segment of `a.b.c` can name a component.
    let first_end = run.find('.').map_or(word.end, |i| word.start + i);
    if offset > first_end || word.start == first_end {
        return None;
    }
    let range = word.start..first_end;
    let name = &text[range.clone()];
    let analysis = analysis?;
    let profiles = &analysis.index.profiles;
    let keyword = previous_word(text, range.start);
    if matches!(keyword, "extends" | "profile") && profiles.iter().any(|(p, _)| p == name) {
        return Some((Symbol::Profile(name.to_string()), range));
    }
    let declared = analysis.index.declarations.iter().any(|(n, _, _)| n == name);
    let Some(file) = analysis.file(path) else {
        return declared.then(|| (Symbol::Component(name.to_string()), range));
    };
    if *analysis.base.sources.get(file).text == *text {
        let hit = |span: &crate::source::Span| span.file == file && span.range() == range;
        let precise = analysis.index.references.iter().any(|(n, s)| n == name && hit(s))
            || analysis.index.declarations.iter().any(|(n, s, _)| n == name && hit(s));
        return precise.then(|| (Symbol::Component(name.to_string()), range));
    }
    declared.then(|| (Symbol::Component(name.to_string()), range))
}

/// `import "path"` with the cursor in the string.
fn import_at(text: &str, path: &Path, offset: usize) -> Option<(Symbol, Range<usize>)> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let open = text[line_start..offset].rfind('"').map(|i| line_start + i)?;
    let close = text[offset..line_end].find('"').map(|i| offset + i)?;
    if !text[line_start..open].trim_end().ends_with("import") {
        return None;
    }
    let relative = &text[open + 1..close];
    let target = crate::eval::normalize_import(path, relative);
    Some((Symbol::Import(target), open..close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_comments() {
        let text = "after = [ koku-db ]; # redis\nx = a.b;";
        assert_eq!(word_at(text, 12), Some(10..17));
        assert!(in_comment(text, 25));
        assert!(!in_comment(text, 12));
        assert!(!in_comment("s = \"#\"; x", 10));
        assert_eq!(previous_word("profile p extends q", 18), "extends");
    }

    #[test]
    fn words_after_multi_byte_characters() {
        // The character before the word takes several bytes: the word starts after it.
        assert_eq!(word_at("\u{feff}stack", 3), Some(3..8));
        assert_eq!(word_at("\"naïve\"", 5), Some(5..7));
        assert_eq!(previous_word("é extends q", 11), "extends");
        assert_eq!(previous_word("éx q", 4), "x");
    }
}
