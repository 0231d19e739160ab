//! Invariant checks shared by the fuzz targets (`fuzz/fuzz_targets/`) and by
//! the tests that replay their corpora (`tests/integration/fuzz_corpus.rs`).
//!
//! Whatever the input, every stage must return its output or diagnostics, in
//! bounded time and memory, and the diagnostics must be well formed: spans
//! inside their file and on character boundaries, a message, and a rendering.
//! Each function panics when an invariant is broken: that panic is what the
//! fuzzer reports as a crash.

use std::path::Path;

use crate::diagnostics::render::{render_all, RenderOptions};
use crate::diagnostics::Diagnostic;
use crate::eval::loader::{decode, LoadError, Loader};
use crate::limits::Limits;
use crate::source::{SourceMap, Span};
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
