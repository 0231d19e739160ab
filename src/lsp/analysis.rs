//! One analysis of a stack with the editor's buffers: the base compilation
//! (what hover, completion and goto read), the diagnostics of the base and,
//! when enabled, of every profile (what `kokuc check --all-profiles` reports),
//! and an index of every component name in the source across all of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::eval::Loader;
use crate::limits::Limits;
use crate::source::{SourceMap, Span};
use crate::syntax::ParseCache;
use crate::{compile, Compilation, Options};

use super::convert;

/// What the server checks.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Check every profile, not only the base stack (like `check --all-profiles`).
    pub all_profiles: bool,
    pub limits: Limits,
    /// Parsed items shared by every analysis made with these settings (and
    /// their clones): a keystroke re-parses only the items it changed, and
    /// each profile reuses the base's parse.
    pub parse_cache: Arc<ParseCache>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            all_profiles: true,
            limits: Limits::default(),
            parse_cache: Arc::default(),
        }
    }
}

/// Where component and profile names are written, across the base and every
/// profile run. Spans use the base compilation's file ids.
#[derive(Debug, Default)]
pub struct Index {
    /// (component, span) for every use: `after`, wiring, `override`, `remove`.
    pub references: Vec<(String, Span)>,
    /// (component, name span, declaration span).
    pub declarations: Vec<(String, Span, Span)>,
    /// (profile, name span).
    pub profiles: Vec<(String, Span)>,
}

pub struct Analysis {
    pub root: PathBuf,
    pub base: Compilation,
    pub index: Index,
    /// LSP diagnostics by file path.
    pub diagnostics: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>,
}

impl Analysis {
    /// Did evaluation produce a model (what hover shows)?
    pub fn has_model(&self) -> bool {
        self.base.stack.is_some()
    }

    /// Did every file parse (so the index of names is complete)? Syntax-stage
    /// diagnostics are the K01xx codes.
    pub fn parsed(&self) -> bool {
        !self.base.diagnostics.iter().any(|d| d.code.as_str().starts_with("K01"))
    }

    /// The text this analysis saw for `path`, if it read that file.
    pub fn file(&self, path: &Path) -> Option<crate::source::FileId> {
        self.base.sources.find_by_path(path)
    }
}

/// Compiles the stack at `root` (base, then each profile when enabled).
pub fn analyze(loader: &dyn Loader, root: &Path, settings: &Settings) -> Analysis {
    let options = Options {
        profile: None,
        limits: settings.limits.clone(),
        parse_cache: Some(settings.parse_cache.clone()),
        ..Options::default()
    };
    let base = compile(loader, root, &options);
    let mut index = Index {
        references: base.facts.references.clone(),
        declarations: base.facts.declarations.clone(),
        profiles: base.facts.profiles.clone(),
    };
    index.references.extend(base.facts.targets.iter().cloned());

    let mut published = Vec::new();
    for d in base.diagnostics.clone().into_sorted() {
        published.extend(convert::diagnostic(&d, &base.sources, ""));
    }

    if settings.all_profiles && base.stack.is_some() {
        // A diagnostic that only some profiles have, keyed without its file id.
        let mut only_in_profiles: BTreeMap<Key, (Diagnostic, usize, Vec<String>)> = BTreeMap::new();
        let base_keys: Vec<Key> = base.diagnostics.iter().map(|d| key(d, &base.sources)).collect();
        let mut runs: Vec<Compilation> = Vec::new();
        for (profile, _) in &base.facts.profiles {
            let options = Options {
                profile: Some(profile.clone()),
                limits: settings.limits.clone(),
                parse_cache: Some(settings.parse_cache.clone()),
                ..Options::default()
            };
            let run = compile(loader, root, &options);
            merge_facts(&mut index, &run, &base.sources);
            for d in run.diagnostics.clone().into_sorted() {
                let k = key(&d, &run.sources);
                if base_keys.contains(&k) {
                    continue;
                }
                only_in_profiles
                    .entry(k)
                    .or_insert_with(|| (d, runs.len(), Vec::new()))
                    .2
                    .push(profile.clone());
            }
            runs.push(run);
        }
        for (d, run, profiles) in only_in_profiles.into_values() {
            let prefix = if profiles.len() == 1 {
                format!("[profile {}] ", profiles[0])
            } else {
                format!("[profiles {}] ", profiles.join(", "))
            };
            published.extend(convert::diagnostic(&d, &runs[run].sources, &prefix));
        }
    }
    dedup(&mut index);
    Analysis {
        root: root.to_path_buf(),
        base,
        index,
        diagnostics: convert::by_file(published),
    }
}

type Key = (String, PathBuf, u32, u32, String);

fn key(d: &Diagnostic, sources: &SourceMap) -> Key {
    let path = sources
        .try_get(d.primary.span.file)
        .map(|f| f.path.clone())
        .unwrap_or_default();
    (
        d.code.to_string(),
        path,
        d.primary.span.start,
        d.primary.span.end,
        d.message.clone(),
    )
}

/// Moves a span from another run's source map into the base one (by path).
fn rebase(span: Span, from: &SourceMap, to: &SourceMap) -> Option<Span> {
    let path = &from.try_get(span.file)?.path;
    let file = to.find_by_path(path)?;
    Some(Span { file, ..span })
}

fn merge_facts(index: &mut Index, run: &Compilation, base: &SourceMap) {
    let facts = &run.facts;
    for (name, span) in facts.references.iter().chain(&facts.targets) {
        if let Some(span) = rebase(*span, &run.sources, base) {
            index.references.push((name.clone(), span));
        }
    }
    for (name, name_span, span) in &facts.declarations {
        if let (Some(n), Some(s)) = (
            rebase(*name_span, &run.sources, base),
            rebase(*span, &run.sources, base),
        ) {
            index.declarations.push((name.clone(), n, s));
        }
    }
}

fn dedup(index: &mut Index) {
    index.references.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    index.references.dedup();
    index.declarations.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    index.declarations.dedup();
    index.profiles.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    index.profiles.dedup();
}
