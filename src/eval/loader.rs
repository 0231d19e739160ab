//! The only way evaluation sees files. The file system loader is used by the
//! CLI; the language server layers unsaved editor buffers over it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    NotFound,
    /// Any other I/O problem, with the system's message.
    Io(String),
    /// Not UTF-8: the bytes up to `valid_up_to` are text; the rest is lossy-decoded.
    NotUtf8 {
        valid_up_to: usize,
        lossy: String,
    },
}

pub trait Loader: Sync {
    fn load(&self, path: &Path) -> Result<String, LoadError>;
}

/// Reads files from disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound,
            _ => LoadError::Io(e.to_string()),
        })?;
        decode(bytes)
    }
}

/// Decodes bytes as UTF-8, reporting where decoding fails.
pub fn decode(bytes: Vec<u8>) -> Result<String, LoadError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid_up_to = e.utf8_error().valid_up_to();
        LoadError::NotUtf8 {
            valid_up_to,
            lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    })
}

/// Files held in memory, with an optional fallback (the file system) for the rest.
pub struct MemoryLoader<'a> {
    files: BTreeMap<PathBuf, String>,
    fallback: Option<&'a dyn Loader>,
}

impl<'a> MemoryLoader<'a> {
    pub fn new(fallback: Option<&'a dyn Loader>) -> MemoryLoader<'a> {
        MemoryLoader {
            files: BTreeMap::new(),
            fallback,
        }
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }
}

impl Loader for MemoryLoader<'_> {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        if let Some(text) = self.files.get(path) {
            return Ok(text.clone());
        }
        match self.fallback {
            Some(f) => f.load(path),
            None => Err(LoadError::NotFound),
        }
    }
}

/// Files under a root directory, addressed by relative paths: diagnostics show
/// the short relative names (used by the fixture tests and the fuzzers).
#[derive(Debug, Clone)]
pub struct DirLoader {
    pub root: PathBuf,
}

impl Loader for DirLoader {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        FsLoader.load(&self.root.join(path))
    }
}
