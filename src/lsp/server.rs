//! The server's state: open buffers, which stack each belongs to, the current
//! and the last good analysis of every stack, and what was published.
//!
//! Sans I/O: [`Server::handle`] takes one message and returns the messages to
//! send, so tests can drive it directly and `run` only moves bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};

use lsp_server::{Message, Notification};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{PublishDiagnosticsParams, Uri};

use super::analysis::{analyze, Analysis, Settings};
use super::convert::{path_to_uri, uri_to_path};
use crate::eval::{FsLoader, LoadError, Loader};
use crate::source::{FileId, SourceFile, SourceMap};

/// An open editor buffer.
pub struct Document {
    pub uri: Uri,
    pub version: i32,
    /// The buffer as file 0, for position conversions.
    map: SourceMap,
    /// The outline of this version, computed on the first request (`None`
    /// inside when the buffer does not parse): a keystroke costs no extra parse.
    outline: OnceLock<Option<Vec<lsp_types::DocumentSymbol>>>,
    /// The outline of the last version that parsed, shown while this one does not.
    last_good_outline: Mutex<Option<Vec<lsp_types::DocumentSymbol>>>,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String, previous: Option<Document>) -> Document {
        let mut map = SourceMap::new();
        map.add("buffer", "buffer", text);
        let last_good = previous.and_then(|p| {
            let computed = p.outline.into_inner().flatten();
            computed.or_else(|| p.last_good_outline.into_inner().ok().flatten())
        });
        Document {
            uri,
            version,
            map,
            outline: OnceLock::new(),
            last_good_outline: Mutex::new(last_good),
        }
    }

    /// The outline (document symbols): of this version, or of the last one that parsed.
    pub fn outline(&self) -> Option<Vec<lsp_types::DocumentSymbol>> {
        let current = self.outline.get_or_init(|| super::handlers::outline(self.file()));
        match current {
            Some(o) => {
                if let Ok(mut last) = self.last_good_outline.lock() {
                    *last = Some(o.clone());
                }
                Some(o.clone())
            }
            None => self.last_good_outline.lock().ok().and_then(|l| l.clone()),
        }
    }

    /// Does the buffer declare a stack (`stack NAME` at the start of a line)?
    /// Read from the text, so it costs no parse and works while the buffer
    /// does not parse; a stack file has this line once it names its stack.
    pub fn declares_stack(&self) -> bool {
        self.text().lines().any(|line| {
            let mut words = line.split_whitespace();
            words.next() == Some("stack")
                && words
                    .next()
                    .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        })
    }

    pub fn file(&self) -> &SourceFile {
        self.map.get(FileId(0))
    }

    pub fn text(&self) -> &str {
        &self.file().text
    }
}

/// Reads open buffers first, the disk for everything else.
pub struct BufferLoader<'a> {
    pub docs: &'a BTreeMap<PathBuf, Document>,
}

impl Loader for BufferLoader<'_> {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        match self.docs.get(path) {
            Some(doc) => Ok(doc.text().to_string()),
            None => FsLoader.load(path),
        }
    }

    // Not the trait's default (read whole, then compare): an import of
    // `/dev/zero` or of a huge file would fill the memory before the limit is
    // checked. Files on disk are read up to the limit, as `kokuc check` does.
    fn load_limited(&self, path: &Path, max_bytes: usize) -> Result<String, LoadError> {
        match self.docs.get(path) {
            Some(doc) if doc.text().len() > max_bytes => Err(LoadError::TooLarge {
                size: u64::try_from(doc.text().len()).ok(),
            }),
            Some(doc) => Ok(doc.text().to_string()),
            None => FsLoader.load_limited(path, max_bytes),
        }
    }
}

// `Document` holds only plain data; the loader is shared with the compiler thread.
const _: fn() = || {
    fn sync<T: Sync>() {}
    sync::<Document>();
};

#[derive(Default)]
pub struct Server {
    pub settings: Settings,
    /// Where libraries look for the stacks that import them.
    pub workspace: Option<PathBuf>,
    pub docs: BTreeMap<PathBuf, Document>,
    /// Open document → the stack file it is analysed through.
    pub roots: BTreeMap<PathBuf, PathBuf>,
    /// Stack file → its latest analysis.
    pub current: BTreeMap<PathBuf, Rc<Analysis>>,
    /// Stack file → its latest analysis in which every file parsed.
    pub good: BTreeMap<PathBuf, Rc<Analysis>>,
    /// Stack file → its latest analysis that produced a model.
    pub evaluated: BTreeMap<PathBuf, Rc<Analysis>>,
    /// Files with diagnostics published last time.
    published: BTreeSet<PathBuf>,
    /// Stacks whose profiles are still to be checked (when the client is idle).
    pending: BTreeSet<PathBuf>,
}

impl Server {
    pub fn new(settings: Settings, workspace: Option<PathBuf>) -> Server {
        Server {
            settings,
            workspace,
            ..Server::default()
        }
    }

    pub fn document(&self, uri: &Uri) -> Option<(PathBuf, &Document)> {
        let path = uri_to_path(uri)?;
        let doc = self.docs.get(&path)?;
        Some((path, doc))
    }

    /// The analysis to answer questions about names in `path` with: the
    /// current one when everything parsed, else the last one that did (the
    /// buffer has a syntax error).
    pub fn model(&self, path: &Path) -> Option<&Analysis> {
        let root = self.roots.get(path)?;
        match self.current.get(root) {
            Some(a) if a.parsed() => Some(a),
            _ => self.good.get(root).map(|a| &**a),
        }
    }

    /// The latest analysis of `path`'s stack that produced a model (for hover).
    pub fn evaluated(&self, path: &Path) -> Option<&Analysis> {
        let root = self.roots.get(path)?;
        match self.current.get(root) {
            Some(a) if a.has_model() => Some(a),
            _ => self.evaluated.get(root).map(|a| &**a),
        }
    }

    /// Opens or replaces a buffer and re-checks everything it affects.
    pub fn set_document(&mut self, uri: Uri, version: i32, text: String) -> Vec<Message> {
        let Some(path) = uri_to_path(&uri) else {
            return Vec::new();
        };
        let previous = self.docs.remove(&path);
        self.docs
            .insert(path.clone(), Document::new(uri, version, text, previous));
        let root = self.find_root(&path);
        self.roots.insert(path.clone(), root.clone());
        let mut affected: BTreeSet<PathBuf> = self
            .current
            .iter()
            .filter(|(_, a)| a.file(&path).is_some())
            .map(|(r, _)| r.clone())
            .collect();
        affected.insert(root);
        for root in affected {
            self.reanalyze(&root, false);
        }
        self.publish()
    }

    /// Is there deferred work ([`Server::idle`])?
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The deferred part of a re-check: the profiles of the stacks changed
    /// since. The server runs it when no message is waiting, so a keystroke
    /// costs one compilation of the base stack.
    pub fn idle(&mut self) -> Vec<Message> {
        let roots: Vec<PathBuf> = std::mem::take(&mut self.pending).into_iter().collect();
        if roots.is_empty() {
            return Vec::new();
        }
        for root in roots {
            if self.current.contains_key(&root) {
                self.reanalyze(&root, true);
            }
        }
        self.publish()
    }

    pub fn close_document(&mut self, uri: &Uri) -> Vec<Message> {
        let Some(path) = uri_to_path(uri) else {
            return Vec::new();
        };
        self.docs.remove(&path);
        self.roots.remove(&path);
        let used: BTreeSet<PathBuf> = self.roots.values().cloned().collect();
        self.current.retain(|r, _| used.contains(r));
        self.good.retain(|r, _| used.contains(r));
        self.evaluated.retain(|r, _| used.contains(r));
        // The disk version may differ from the closed buffer: re-check from disk.
        let affected: Vec<PathBuf> = self
            .current
            .iter()
            .filter(|(_, a)| a.file(&path).is_some())
            .map(|(r, _)| r.clone())
            .collect();
        for root in affected {
            self.reanalyze(&root, false);
        }
        self.publish()
    }

    /// Re-checks a stack: the base always, the profiles when `profiles` is set
    /// (else they are left for [`Server::idle`]).
    fn reanalyze(&mut self, root: &Path, profiles: bool) {
        let settings = Settings {
            all_profiles: self.settings.all_profiles && profiles,
            ..self.settings.clone()
        };
        let analysis = Rc::new(analyze(&BufferLoader { docs: &self.docs }, root, &settings));
        if self.settings.all_profiles && !profiles && analysis.has_model() {
            self.pending.insert(root.to_path_buf());
        } else {
            self.pending.remove(root);
        }
        if analysis.parsed() {
            self.good.insert(root.to_path_buf(), analysis.clone());
        }
        if analysis.has_model() {
            self.evaluated.insert(root.to_path_buf(), analysis.clone());
        }
        self.current.insert(root.to_path_buf(), analysis);
    }

    /// The stack a document is analysed through: itself when it declares a
    /// stack (or does not parse yet and has no better answer), else a stack
    /// file that imports it, else itself (a library checked on its own).
    fn find_root(&self, path: &Path) -> PathBuf {
        let Some(doc) = self.docs.get(path) else {
            return path.to_path_buf();
        };
        if doc.declares_stack() {
            return path.to_path_buf();
        }
        if let Some(root) = self.roots.get(path).filter(|r| *r != path) {
            return root.clone();
        }
        // An open stack that already reads this library.
        if let Some((root, _)) = self.current.iter().find(|(r, a)| *r != path && a.file(path).is_some()) {
            return root.clone();
        }
        let search = match (&self.workspace, path.parent()) {
            (Some(w), _) if path.starts_with(w) => w.clone(),
            (_, Some(parent)) => parent.parent().unwrap_or(parent).to_path_buf(),
            _ => return path.to_path_buf(),
        };
        crate::workspace::importers(path, &search, &BufferLoader { docs: &self.docs })
            .into_iter()
            .next()
            .unwrap_or_else(|| path.to_path_buf())
    }

    /// publishDiagnostics for every file whose diagnostics may have changed.
    fn publish(&mut self) -> Vec<Message> {
        let mut all: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for analysis in self.current.values() {
            for (path, list) in &analysis.diagnostics {
                let entry = all.entry(path.clone()).or_default();
                for d in list {
                    if !entry.contains(d) {
                        entry.push(d.clone());
                    }
                }
            }
        }
        let mut paths: BTreeSet<PathBuf> = all.keys().cloned().collect();
        paths.extend(self.published.iter().cloned());
        // Open buffers always get an answer, empty when they are clean.
        paths.extend(self.docs.keys().cloned());
        let mut out = Vec::new();
        let mut published = BTreeSet::new();
        for path in paths {
            let diagnostics = all.remove(&path).unwrap_or_default();
            let (uri, version) = match self.docs.get(&path) {
                Some(doc) => (Some(doc.uri.clone()), Some(doc.version)),
                None => (path_to_uri(&path), None),
            };
            let Some(uri) = uri else {
                continue;
            };
            if !diagnostics.is_empty() {
                published.insert(path);
            }
            out.push(Message::Notification(Notification::new(
                PublishDiagnostics::METHOD.to_string(),
                PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                },
            )));
        }
        self.published = published;
        out
    }
}
