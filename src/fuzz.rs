//! Invariant checks shared by the fuzz targets (`fuzz/fuzz_targets/`) and by
//! the tests that replay their corpora (`tests/integration/corpora.rs`).
//!
//! Whatever the input, every stage must return its output or diagnostics, in
//! bounded time and memory, and the diagnostics must be well formed: spans
//! inside their file and on character boundaries, a message, and a rendering.
//! Each function panics when an invariant is broken: that panic is what the
//! fuzzer reports as a crash.

use std::collections::BTreeMap;
use std::path::Path;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId};
use lsp_types::{PublishDiagnosticsParams, Range, Uri};
use serde_json::{json, Value};

use crate::diagnostics::render::{render_all, RenderOptions};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::eval::loader::{decode, LoadError, Loader};
use crate::limits::Limits;
use crate::lsp::convert;
use crate::lsp::{Server, Settings};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::parser::parse_pairs;
use crate::syntax::Rule;
use crate::{Compilation, Options};

/// How many declared profiles [`check_compile`] also compiles, to bound the work per input.
const MAX_PROFILES: usize = 3;

/// Stage 1 alone: bytes → UTF-8 check → parse, on the caller's thread.
pub fn check_parse(bytes: &[u8]) {
    let mut sources = SourceMap::new();
    match decode(bytes.to_vec()) {
        Ok(text) => {
            let id = sources.add("input.koku", "input.koku", text);
            let text = sources.get(id).text.clone();
            match crate::syntax::parse(id, &text, &Limits::default()) {
                Ok(file) => {
                    for item in &file.items {
                        check_span(&sources, item.span(), "item");
                    }
                }
                Err(diagnostics) => {
                    assert!(diagnostics.has_errors(), "a failed parse reported no error");
                    check_diagnostics(&sources, diagnostics.iter());
                }
            }
        }
        Err(LoadError::NotUtf8 { valid_up_to, lossy }) => {
            assert!(valid_up_to < bytes.len(), "decoding failed inside the valid prefix");
            let id = sources.add("input.koku", "input.koku", lossy);
            let d = crate::not_utf8_diagnostic(id, valid_up_to);
            assert_eq!(d.primary.span.start as usize, valid_up_to, "K0106 points elsewhere");
            check_diagnostics(&sources, [&d]);
        }
        Err(other) => panic!("decoding bytes failed with {other:?}"),
    }
}

/// Stages 1–4 on `path`, then on up to three of the profiles it declares.
pub fn check_compile(loader: &dyn Loader, path: &Path, limits: &Limits) {
    let base = Options {
        profile: None,
        limits: limits.clone(),
        ..Options::default()
    };
    let compilation = crate::compile(loader, path, &base);
    check_compilation(&compilation);
    let profiles: Vec<String> = compilation
        .facts
        .profiles
        .iter()
        .take(MAX_PROFILES)
        .map(|(name, _)| name.clone())
        .collect();
    for profile in profiles {
        let options = Options {
            profile: Some(profile),
            limits: limits.clone(),
            ..Options::default()
        };
        check_compilation(&crate::compile(loader, path, &options));
    }
}

/// The whole build to memory, twice: the manifests and diagnostics must be
/// well formed and identical both times (no hidden nondeterminism).
pub fn check_build(loader: &dyn Loader, path: &Path, limits: &Limits) {
    let options = Options {
        profile: None,
        limits: limits.clone(),
        ..Options::default()
    };
    let first = build_once(loader, path, &options);
    let second = build_once(loader, path, &options);
    assert_eq!(first, second, "two builds of the same input differ");
}

/// Rendered diagnostics and YAML of one build.
fn build_once(loader: &dyn Loader, path: &Path, options: &Options) -> (String, Option<String>) {
    let (compilation, manifests) = crate::build(loader, path, options);
    check_compilation(&compilation);
    let yaml = match manifests {
        Some(manifests) => {
            assert!(!compilation.has_errors(), "manifests were built despite errors");
            let yaml = match manifests.to_yaml() {
                Ok(yaml) => yaml,
                Err(e) => panic!("the manifests do not serialize: {e}"),
            };
            for document in serde_yaml::Deserializer::from_str(&yaml) {
                if let Err(e) = <serde_yaml::Value as serde::Deserialize>::deserialize(document) {
                    panic!("the emitted YAML does not parse back: {e}");
                }
            }
            Some(yaml)
        }
        None => {
            assert!(compilation.has_errors(), "no manifests and no error");
            None
        }
    };
    let sorted = compilation.diagnostics.clone().into_sorted();
    (
        render_all(sorted.iter(), &compilation.sources, RenderOptions::default()),
        yaml,
    )
}

/// Checks one compilation: its diagnostics, and that a missing stack is explained.
pub fn check_compilation(c: &Compilation) {
    if c.stack.is_none() {
        // Without a stack: errors, or a library (a file of `let`s), which checks clean.
        assert!(c.has_errors() || c.is_library(), "no stack and no error");
        assert!(c.root.is_some() || c.has_errors(), "a library without a root file");
    }
    if c.stack.is_some() {
        assert!(c.graph.is_some(), "a stack without a graph");
    }
    check_diagnostics(&c.sources, c.diagnostics.iter());
    for (_, span) in &c.facts.references {
        check_span(&c.sources, *span, "reference");
    }
    for (_, name, declaration) in &c.facts.declarations {
        check_span(&c.sources, *name, "declaration name");
        check_span(&c.sources, *declaration, "declaration");
    }
}

/// Every diagnostic has a message, spans inside their files, and renders.
pub fn check_diagnostics<'a>(sources: &SourceMap, diagnostics: impl IntoIterator<Item = &'a Diagnostic>) {
    let diagnostics: Vec<&Diagnostic> = diagnostics.into_iter().collect();
    for d in &diagnostics {
        assert!(!d.message.is_empty(), "{} has no message", d.code);
        check_span(sources, d.primary.span, d.code.as_str());
        for label in &d.labels {
            check_span(sources, label.span, d.code.as_str());
        }
        assert!(!d.code.explanation().is_empty(), "{} has no explanation", d.code);
    }
    let rendered = render_all(diagnostics.iter().copied(), sources, RenderOptions::default());
    assert!(
        diagnostics.is_empty() || !rendered.is_empty(),
        "diagnostics rendered to nothing"
    );
}

/// A span lies inside its file and starts and ends on character boundaries.
pub fn check_span(sources: &SourceMap, span: Span, what: &str) {
    let Some(file) = sources.try_get(span.file) else {
        panic!("{what}: span {span:?} names a file that is not loaded");
    };
    let text = &*file.text;
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end, "{what}: span {span:?} ends before it starts");
    assert!(
        end <= text.len(),
        "{what}: span {span:?} goes past the end of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: span {span:?} splits a character"
    );
}

// ------------------------------------------------------------------ formatter

/// The formatter on arbitrary bytes (non-UTF-8 input is the parser's business,
/// see [`check_parse`]; it is skipped here). A file that parses formats, with
/// the properties of [`fmt_properties`]; a refused file gets one well-formed
/// error diagnostic.
pub fn check_fmt(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let mut sources = SourceMap::new();
    let id = sources.add("input.koku", "input.koku", text);
    let parses = crate::syntax::parse(id, text, &Limits::default()).is_ok();
    match crate::fmt::format(id, text) {
        Ok(once) => {
            if let Err(e) = fmt_properties(text, &once) {
                panic!("{e}");
            }
        }
        Err(d) => {
            assert!(!parses, "the file parses but the formatter refused it: {}", d.message);
            assert_eq!(
                d.severity,
                Severity::Error,
                "the formatter refused with a {:?}",
                d.severity
            );
            // K0101 is for syntax errors; the formatter's own "cannot lay out
            // this file" shares the code, so tell them apart by re-parsing.
            if d.code == Code::K0101 {
                let max_nesting = Limits::default().max_nesting;
                assert!(
                    crate::syntax::parse_tree(id, text, max_nesting).is_err(),
                    "the formatter cannot lay out a file that parses: {}",
                    d.message
                );
            }
            check_diagnostics(&sources, [&d]);
        }
    }
}

/// The formatter's properties, `once` being the formatting of `text`:
/// idempotent; the same meaning (the span-free AST of `syntax::canon`, or both
/// texts failing the AST builder alike, e.g. on an unknown unit); the same
/// comments; no trailing spaces outside string literals. Shared by
/// [`check_fmt`] and the formatter's tests (`tests/integration/fmt.rs`).
pub fn fmt_properties(text: &str, once: &str) -> Result<(), String> {
    let limits = Limits::default();
    let twice = crate::fmt::format(FileId(0), once).map_err(|d| format!("output does not parse: {}", d.message))?;
    if once != twice {
        return Err(format!("not idempotent:\n--- once\n{once}--- twice\n{twice}"));
    }
    match (
        crate::syntax::parse(FileId(0), text, &limits),
        crate::syntax::parse(FileId(0), once, &limits),
    ) {
        (Ok(before), Ok(after)) => {
            let (before, after) = (
                crate::syntax::canon::canonical(&before),
                crate::syntax::canon::canonical(&after),
            );
            if before != after {
                return Err(format!("meaning changed:\n{before}\n{after}"));
            }
        }
        (Err(_), Err(_)) => {} // e.g. an unknown unit: both fail the same way, formatting kept the token
        _ => return Err("the formatted file parses differently".to_string()),
    }
    let before = tokens(text)?;
    let after = tokens(once)?;
    if before.comments != after.comments {
        return Err(format!(
            "comments changed:\n{:?}\n{:?}",
            before.comments, after.comments
        ));
    }
    // A string literal may hold a line break after a space: that space is the
    // string's, not layout.
    let mut line_start = 0;
    for line in once.split_inclusive('\n') {
        let content = line.trim_end_matches('\n').trim_end_matches('\r');
        if content.ends_with(' ') {
            let space = line_start + content.len() - 1;
            if !after.strings.iter().any(|s| s.contains(&space)) {
                return Err(format!("trailing spaces at byte {space}"));
            }
        }
        line_start += line.len();
    }
    Ok(())
}

/// What [`fmt_properties`] reads from the concrete tree.
struct Tokens {
    /// The `#` comments, trailing whitespace trimmed, sorted.
    comments: Vec<String>,
    /// The byte ranges of the string literals.
    strings: Vec<std::ops::Range<usize>>,
}

fn tokens(text: &str) -> Result<Tokens, String> {
    let mut out = Tokens {
        comments: Vec::new(),
        strings: Vec::new(),
    };
    let mut stack: Vec<_> = parse_pairs(text)
        .map_err(|e| format!("a formatted file does not parse: {e}"))?
        .collect();
    while let Some(p) = stack.pop() {
        match p.as_rule() {
            Rule::COMMENT => out.comments.push(p.as_str().trim_end().to_string()),
            Rule::string => out.strings.push(p.as_span().start()..p.as_span().end()),
            _ => {}
        }
        stack.extend(p.into_inner());
    }
    out.comments.sort();
    Ok(out)
}

// ------------------------------------------------------------- language server

/// One editing session of the language server on an arbitrary buffer, through
/// [`crate::lsp::handle`] as `kokuc lsp` runs it (on the compiler's large
/// stack, like [`crate::lsp::run`]): the buffers of `open` (libraries) are
/// opened first, then the input at `path` (lossy-decoded: an editor sends
/// text); every request at positions taken from the text (line starts, ends,
/// past the end, inside a surrogate pair); then an edit (one character
/// deleted, one inserted) and the requests again; the deferred profile checks;
/// then `didClose`. No initialize handshake: `lsp_server::Connection` does it
/// before the server exists, and `handle` needs none.
///
/// `handle` turns a panic into an `InternalError` response (a request) or into
/// no message at all (a notification), so that the editor's server survives.
/// In the fuzz targets that changes nothing: libfuzzer-sys installs a panic
/// hook that aborts the process on any panic, caught or not. When the tests
/// replay this check, the caught panics are found from the answers instead:
/// every request must succeed, and every `didOpen`/`didChange` must publish
/// the diagnostics of every open buffer, which a notification that panicked
/// does not. (No panic hook of our own: the hook is global, and other tests
/// running in parallel panic on purpose.)
///
/// Published diagnostics of open buffers must have ranges inside them, each
/// end a position the server itself would produce for some offset.
pub fn check_lsp(bytes: &[u8], path: &Path, open: &[(&Path, &str)]) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    crate::with_large_stack(|| lsp_session(path, text, open));
}

fn lsp_session(path: &Path, text: String, open: &[(&Path, &str)]) {
    let mut session = Session {
        server: Server::new(Settings::default(), path.parent().map(Path::to_path_buf)),
        docs: BTreeMap::new(),
        next_id: 0,
    };
    for (library, library_text) in open {
        session.open(library, (*library_text).to_string());
    }
    let uri = session.open(path, text.clone());
    session.requests(&uri, &text);
    let changed = edit(&text);
    session.change(&uri, 2, changed.clone());
    session.requests(&uri, &changed);
    let out = session.server.idle();
    session.check_published(&out, "the deferred profile checks", false);
    session.close(&uri);
}

struct Session {
    server: Server,
    /// The open buffers by URI, as file 0 of a map (for position conversions).
    docs: BTreeMap<String, SourceMap>,
    next_id: i32,
}

impl Session {
    fn open(&mut self, path: &Path, text: String) -> Uri {
        let Some(uri) = convert::path_to_uri(path) else {
            panic!("no URI for {}", path.display());
        };
        let params = json!({
            "textDocument": { "uri": uri.as_str(), "languageId": "koku", "version": 1, "text": text }
        });
        self.set_text(&uri, text);
        let out = self.notify("textDocument/didOpen", params);
        self.check_published(&out, "didOpen", true);
        uri
    }

    fn change(&mut self, uri: &Uri, version: i32, text: String) {
        let params = json!({
            "textDocument": { "uri": uri.as_str(), "version": version },
            "contentChanges": [ { "text": text } ]
        });
        self.set_text(uri, text);
        let out = self.notify("textDocument/didChange", params);
        self.check_published(&out, "didChange", true);
    }

    fn close(&mut self, uri: &Uri) {
        self.docs.remove(uri.as_str());
        let out = self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri.as_str() } }),
        );
        self.check_published(&out, "didClose", true);
    }

    fn set_text(&mut self, uri: &Uri, text: String) {
        let mut map = SourceMap::new();
        map.add("buffer", "buffer", text);
        self.docs.insert(uri.as_str().to_string(), map);
    }

    fn notify(&mut self, method: &str, params: Value) -> Vec<Message> {
        crate::lsp::handle(
            &mut self.server,
            Message::Notification(Notification::new(method.to_string(), params)),
        )
    }

    /// Every position request at every position of `text`, and the whole-document ones.
    fn requests(&mut self, uri: &Uri, text: &str) {
        let document = json!({ "uri": uri.as_str() });
        for position in positions(text) {
            let at = json!({ "textDocument": document, "position": position });
            self.request("textDocument/hover", at.clone());
            self.request("textDocument/definition", at.clone());
            let mut references = at.clone();
            references["context"] = json!({ "includeDeclaration": true });
            self.request("textDocument/references", references);
            self.request("textDocument/completion", at);
        }
        self.request("textDocument/documentSymbol", json!({ "textDocument": document }));
        let edits = self.request(
            "textDocument/formatting",
            json!({ "textDocument": document, "options": { "tabSize": 2, "insertSpaces": true } }),
        );
        // The one edit replaces the whole buffer: its range is inside it.
        if let (Some(edits), Some(map)) = (edits.as_array(), self.docs.get(uri.as_str())) {
            for edit in edits {
                match serde_json::from_value::<Range>(edit["range"].clone()) {
                    Ok(range) => check_range(map.get(FileId(0)), range, "the formatting edit"),
                    Err(e) => panic!("a formatting edit without a range: {e}"),
                }
            }
        }
    }

    /// Sends one request; it must succeed (an `InternalError` is a caught panic).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let request = Request::new(RequestId::from(self.next_id), method.to_string(), params);
        let out = crate::lsp::handle(&mut self.server, Message::Request(request));
        match out.as_slice() {
            [Message::Response(r)] => match &r.response_result {
                Ok(result) => result.clone(),
                Err(e) if e.code == ErrorCode::InternalError as i32 => {
                    panic!("{method} panicked in the server: {}", e.message)
                }
                Err(e) => panic!("{method} failed: {} ({})", e.message, e.code),
            },
            other => panic!("{method}: one response expected, got {other:?}"),
        }
    }

    /// The published diagnostics are inside their buffers; with `every_buffer`
    /// (after a notification), every open buffer got its own (see [`check_lsp`]).
    fn check_published(&self, out: &[Message], after: &str, every_buffer: bool) {
        let mut seen = Vec::new();
        for message in out {
            let Message::Notification(n) = message else {
                panic!("{after}: the server sent {message:?}");
            };
            if n.method != "textDocument/publishDiagnostics" {
                continue;
            }
            let params: PublishDiagnosticsParams = match serde_json::from_value(n.params.clone()) {
                Ok(p) => p,
                Err(e) => panic!("{after}: malformed publishDiagnostics: {e}"),
            };
            let Some(map) = self.docs.get(params.uri.as_str()) else {
                continue; // a file on disk
            };
            let file = map.get(FileId(0));
            for d in &params.diagnostics {
                check_range(file, d.range, &d.message);
                for related in d.related_information.iter().flatten() {
                    if let Some(other) = self.docs.get(related.location.uri.as_str()) {
                        check_range(other.get(FileId(0)), related.location.range, &related.message);
                    }
                }
            }
            seen.push(params.uri.as_str().to_string());
        }
        if every_buffer {
            for uri in self.docs.keys() {
                assert!(
                    seen.contains(uri),
                    "{after}: no diagnostics published for the open buffer {uri} (a notification handler panicked?)"
                );
            }
        }
    }
}

/// A range of a buffer: start before end, each end a position the server
/// produces for an offset of the text (a line that exists, a column inside
/// it and not inside a character).
fn check_range(file: &SourceFile, range: Range, what: &str) {
    assert!(
        (range.start.line, range.start.character) <= (range.end.line, range.end.character),
        "{what}: the range {range:?} ends before it starts"
    );
    for end in [range.start, range.end] {
        let offset = convert::offset(file, end);
        assert_eq!(
            convert::position(file, offset),
            end,
            "{what}: the range {range:?} is not inside the buffer of {} bytes",
            file.text.len()
        );
    }
}

/// Positions derived from a buffer: its start, a third, the middle, two
/// thirds and the end; a column and a line past the end; the largest
/// position; and, if the text has a character of two UTF-16 units, the middle
/// of it.
fn positions(text: &str) -> Vec<Value> {
    let len = text.len();
    let mut out: Vec<(u32, u32)> = [0, len / 3, len / 2, 2 * len / 3, len]
        .into_iter()
        .map(|offset| line_col(text, offset))
        .collect();
    let (last_line, last_col) = line_col(text, len);
    out.push((last_line, last_col.saturating_add(1000)));
    out.push((last_line.saturating_add(1), 0));
    out.push((u32::MAX, u32::MAX));
    if let Some((i, _)) = text.char_indices().find(|(_, c)| c.len_utf16() == 2) {
        let (line, col) = line_col(text, i);
        out.push((line, col + 1));
    }
    out.dedup();
    out.into_iter()
        .map(|(line, character)| json!({ "line": line, "character": character }))
        .collect()
}

/// The line (counting `\n`) and UTF-16 column of the character boundary at or before `offset`.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].encode_utf16().count();
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (clamp(line), clamp(col))
}

/// The buffer after a keystroke or two: the character in the middle deleted,
/// and one inserted at a quarter, chosen by the text's length among the
/// characters that change the structure most (brackets, quotes, comments, line
/// breaks, multi-byte characters).
fn edit(text: &str) -> String {
    const INSERTED: [char; 10] = ['"', '{', '}', ';', '#', '\n', 'x', ' ', 'é', '😀'];
    let mut out = text.to_string();
    let mut middle = out.len() / 2;
    while !out.is_char_boundary(middle) {
        middle -= 1;
    }
    if middle < out.len() {
        out.remove(middle);
    }
    let mut quarter = out.len() / 4;
    while !out.is_char_boundary(quarter) {
        quarter -= 1;
    }
    out.insert(quarter, INSERTED[text.len() % INSERTED.len()]);
    out
}
