//! textDocument/completion: component names (in `after`, `on =`, after
//! `override`/`remove`, and as values), field names inside a component and
//! its nested sets, profile names after `extends`, keywords at statement starts.
//!
//! The context is read from the buffer's text before the cursor, so it works
//! on half-typed files; names come from the last good model plus the
//! declarations visible in the buffer.

use std::collections::BTreeMap;

use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};

use super::at;
use crate::eval::lower::{
    AFTER_ENTRY_FIELDS, BUDGET_FIELDS, BUDGET_LIMIT_FIELDS, COMPONENT_FIELDS, GATES_FIELDS, GATE_FIELDS, JOB_FIELDS,
    READY_FIELDS, RESOURCE_FIELDS, STACK_FIELDS, STORAGE_FIELDS,
};
use crate::lsp::analysis::Analysis;
use crate::lsp::server::Server;
use crate::lsp::symbol::{is_name_char, run_start};

pub fn completion(server: &Server, params: CompletionParams) -> Option<CompletionResponse> {
    let at = at(server, &params.text_document_position)?;
    let text = at.doc.text();
    let offset = floor_boundary(text, at.offset);
    let items = items(&text[..offset], text, at.analysis);
    Some(CompletionResponse::Array(items))
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// An open bracket before the cursor and what stood before it.
struct Frame {
    open: char,
    /// The text between the previous separator and the bracket, trimmed.
    header: String,
}

/// The open brackets before the end of `before` (outermost first), or `None`
/// when the cursor is inside a string or a comment.
fn frames(before: &str) -> Option<Vec<Frame>> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut segment_start = 0;
    let mut chars = before.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => {
                // A comment runs to the end of the line.
                match before[i..].find('\n') {
                    Some(n) => {
                        while chars.peek().is_some_and(|(j, _)| *j <= i + n) {
                            chars.next();
                        }
                    }
                    None => return None,
                }
            }
            '"' => {
                let mut closed = false;
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    match d {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => {
                            closed = true;
                            break;
                        }
                        _ => {}
                    }
                }
                if !closed {
                    return None;
                }
            }
            '{' | '[' | '(' => {
                frames.push(Frame {
                    open: c,
                    header: without_comments(&before[segment_start..i]),
                });
                segment_start = i + 1;
            }
            '}' | ']' | ')' => {
                frames.pop();
                segment_start = i + 1;
            }
            ';' | ',' => segment_start = i + 1,
            _ => {}
        }
    }
    Some(frames)
}

/// The header text without `#` comments, on one line.
fn without_comments(header: &str) -> String {
    let code: Vec<&str> = header
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .collect();
    code.join(" ").trim().to_string()
}

/// The key of a `KEY = {` header (the last segment of its path).
fn key_of(header: &str) -> Option<&str> {
    let lhs = header.strip_suffix('=')?.trim_end();
    Some(lhs.rsplit('.').next().unwrap_or(lhs).trim())
}

fn words(header: &str) -> Vec<&str> {
    header.split_whitespace().collect()
}

#[derive(Debug, PartialEq, Eq)]
enum Place {
    TopLevel,
    Profile,
    Component,
    Fields(&'static [&'static str]),
    AfterList,
    AfterEntry,
    Other,
}

fn place(frames: &[Frame]) -> Place {
    let Some(inner) = frames.last() else {
        return Place::TopLevel;
    };
    let w = words(&inner.header);
    let parent = frames.len().checked_sub(2).map(|i| &frames[i]);
    match inner.open {
        '[' if key_of(&inner.header) == Some("after") => Place::AfterList,
        '{' => {
            if let Some(p) = parent {
                if p.open == '[' && key_of(&p.header) == Some("after") && inner.header.is_empty() {
                    return Place::AfterEntry;
                }
            }
            match w.as_slice() {
                ["component" | "override", _] => Place::Component,
                ["stack", _] | ["stack"] => Place::Fields(STACK_FIELDS),
                ["profile", ..] => Place::Profile,
                _ => match key_of(&inner.header) {
                    Some("cpu" | "memory") if parent.is_some_and(|p| key_of(&p.header) == Some("budget")) => {
                        Place::Other
                    }
                    Some("cpu" | "memory") => Place::Fields(RESOURCE_FIELDS),
                    Some("storage") => Place::Fields(STORAGE_FIELDS),
                    Some("ready") => Place::Fields(READY_FIELDS),
                    Some("job") => Place::Fields(JOB_FIELDS),
                    Some("budget") => Place::Fields(BUDGET_FIELDS),
                    Some("limits") => Place::Fields(BUDGET_LIMIT_FIELDS),
                    Some("gates") => Place::Fields(GATES_FIELDS),
                    Some("gate") => Place::Fields(GATE_FIELDS),
                    _ => Place::Other,
                },
            }
        }
        _ => Place::Other,
    }
}

fn items(before: &str, text: &str, analysis: Option<&Analysis>) -> Vec<CompletionItem> {
    let Some(frames) = frames(before) else {
        return Vec::new();
    };
    // The partial word being typed, and what precedes it.
    let word_start = run_start(before, is_name_char);
    let head = before[..word_start].trim_end();
    let previous_word = &head[run_start(head, is_name_char)..];
    let key_position = head.is_empty() || head.ends_with(['{', ';', '}']);
    let place = place(&frames);
    let components = || component_names(text, analysis);
    match previous_word {
        "extends" => return profile_names(text, analysis),
        "override" | "remove" => return components(),
        _ => {}
    }
    match (&place, key_position) {
        (Place::TopLevel, true) => keywords(&["let", "stack", "component", "profile"]),
        (Place::Profile, true) => keywords(&["let", "component", "override", "remove", "stack"]),
        (Place::Component, true) => fields(COMPONENT_FIELDS),
        (Place::Fields(list), true) => fields(list),
        (Place::AfterEntry, true) => fields(AFTER_ENTRY_FIELDS),
        (Place::AfterList, _) => components(),
        (Place::AfterEntry, false) if head.ends_with('=') && key_of(head) == Some("on") => components(),
        (Place::TopLevel | Place::Profile, false) => Vec::new(),
        (_, false) if head.ends_with(['=', '(', '[', ',']) || head.ends_with("//") || head.ends_with('+') => {
            components()
        }
        _ => Vec::new(),
    }
}

fn keywords(list: &[&str]) -> Vec<CompletionItem> {
    list.iter()
        .map(|k| CompletionItem {
            label: (*k).to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            ..CompletionItem::default()
        })
        .collect()
}

fn fields(list: &[&str]) -> Vec<CompletionItem> {
    list.iter()
        .map(|f| CompletionItem {
            label: (*f).to_string(),
            kind: Some(CompletionItemKind::FIELD),
            insert_text: Some(format!("{f} = ")),
            ..CompletionItem::default()
        })
        .collect()
}

/// Names declared by `KEYWORD NAME` in the buffer (seen even while it does not parse).
fn declared_in_text<'t>(text: &'t str, keyword: &str) -> Vec<&'t str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        if w.next() == Some(keyword) {
            if let Some(name) = w.next() {
                let name = name.trim_end_matches(['{', '=', ';']);
                if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    out.push(name);
                }
            }
        }
    }
    out
}

fn component_names(text: &str, analysis: Option<&Analysis>) -> Vec<CompletionItem> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    if let Some(a) = analysis {
        for (name, _, _) in &a.index.declarations {
            let detail = a.base.stack.as_ref().and_then(|s| s.component(name)).map_or_else(
                || "component (in a profile)".to_string(),
                |c| format!("{} component", c.kind.value.keyword()),
            );
            names.insert(name.clone(), detail);
        }
    }
    for name in declared_in_text(text, "component") {
        names.entry(name.to_string()).or_insert_with(|| "component".to_string());
    }
    names
        .into_iter()
        .map(|(label, detail)| CompletionItem {
            label,
            kind: Some(CompletionItemKind::CLASS),
            detail: Some(detail),
            ..CompletionItem::default()
        })
        .collect()
}

fn profile_names(text: &str, analysis: Option<&Analysis>) -> Vec<CompletionItem> {
    let mut names: Vec<String> = analysis
        .map(|a| a.index.profiles.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    names.extend(declared_in_text(text, "profile").into_iter().map(str::to_string));
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|label| CompletionItem {
            label,
            kind: Some(CompletionItemKind::MODULE),
            detail: Some("profile".to_string()),
            ..CompletionItem::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(before: &str) -> Vec<String> {
        items(before, before, None).into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn contexts() {
        let base = "component a { image = \"x\"; }\nprofile p { }\ncomponent b {\n  ";
        assert!(labels(base).contains(&"replicas".to_string()));
        assert_eq!(labels(&format!("{base}after = [ ")), vec!["a", "b"]);
        assert_eq!(labels(&format!("{base}after = [ {{ on = ")), vec!["a", "b"]);
        assert!(labels(&format!("{base}after = [ {{ ")).contains(&"gate".to_string()));
        assert_eq!(labels(&format!("{base}cpu = {{ ")), vec!["request", "limit"]);
        assert_eq!(labels("profile p { }\nprofile q extends "), vec!["p", "q"]);
        assert!(labels(&format!("{base}image = \"unfinished")).is_empty());
        assert!(labels(&format!("{base}# after = [ ")).is_empty());
        assert!(labels("").contains(&"component".to_string()));
        assert!(labels("# a comment\ncomponent c {\n  ").contains(&"image".to_string()));
    }
}
