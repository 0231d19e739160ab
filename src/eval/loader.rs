//! The only way evaluation sees files. The file system loader is used by the
//! CLI; the language server layers unsaved editor buffers over it.

use std::collections::BTreeMap;
use std::io::Read;
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
    /// Larger than the limit it was loaded with; the size when it is known.
    TooLarge {
        size: Option<u64>,
    },
}

pub trait Loader: Sync {
    fn load(&self, path: &Path) -> Result<String, LoadError>;

    /// Like [`Loader::load`], but fails with [`LoadError::TooLarge`] for files
    /// of more than `max_bytes`. Loaders that read from disk override it so that
    /// a huge file (or `/dev/zero`) is never read whole.
    fn load_limited(&self, path: &Path, max_bytes: usize) -> Result<String, LoadError> {
        let text = self.load(path)?;
        if text.len() > max_bytes {
            return Err(LoadError::TooLarge {
                size: u64::try_from(text.len()).ok(),
            });
        }
        Ok(text)
    }
}

/// Reads files from disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        let bytes = std::fs::read(path).map_err(io_error)?;
        decode(bytes)
    }

    fn load_limited(&self, path: &Path, max_bytes: usize) -> Result<String, LoadError> {
        let file = std::fs::File::open(path).map_err(io_error)?;
        let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        let max = u64::try_from(max_bytes).unwrap_or(u64::MAX);
        if size.is_some_and(|s| s > max) {
            return Err(LoadError::TooLarge { size });
        }
        // The size can change, and devices and pipes have none: read one byte past the limit at most.
        let mut bytes = Vec::new();
        file.take(max.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() > max_bytes {
            return Err(LoadError::TooLarge { size: None });
        }
        decode(bytes)
    }
}

fn io_error(e: std::io::Error) -> LoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        _ => LoadError::Io(e.to_string()),
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

    fn load_limited(&self, path: &Path, max_bytes: usize) -> Result<String, LoadError> {
        match (self.files.get(path), self.fallback) {
            (Some(text), _) if text.len() > max_bytes => Err(LoadError::TooLarge {
                size: u64::try_from(text.len()).ok(),
            }),
            (Some(text), _) => Ok(text.clone()),
            (None, Some(f)) => f.load_limited(path, max_bytes),
            (None, None) => Err(LoadError::NotFound),
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

    fn load_limited(&self, path: &Path, max_bytes: usize) -> Result<String, LoadError> {
        FsLoader.load_limited(&self.root.join(path), max_bytes)
    }
}
