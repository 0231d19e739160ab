//! Writing manifests to a directory, safely.
//!
//! * Everything is written into a fresh directory beside the target and
//!   swapped in only when all of it succeeded (atomically with
//!   `renameat2(RENAME_EXCHANGE)` where the kernel has it), so a failed build
//!   leaves the previous output byte-identical.
//! * The files written are exactly the ones in the generated index (the marker
//!   file [`MARKER`], which lists them); names are plain file names, created
//!   with `O_EXCL`, so nothing is written outside the new directory.
//! * kokuc replaces only a directory it wrote itself: one holding a marker and
//!   nothing but the files that marker lists. Anything else (a directory of
//!   someone else's files, an extra file, a subdirectory, a symlink) is refused
//!   unless `--force`. Symlinks are never followed: not the target, not the
//!   marker, not a planted entry (the old directory is removed entry by entry,
//!   unlinking symlinks rather than following them).
//!
//! Every file-system operation goes through [`OutputFs`], so tests can make
//! any single operation fail and check that nothing changed.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::diagnostics::Code;
use rayon::prelude::*;

use crate::emit::{kustomize, Manifests};

/// Marker and index: present in every directory kokuc writes; lists its files.
pub const MARKER: &str = ".kokuc-output";
const MARKER_HEADER: &str = "# Written by kokuc: the files below. kokuc replaces this directory on every build.\n";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputError {
    pub code: Code,
    pub message: String,
}

fn err(code: Code, message: String) -> OutputError {
    OutputError { code, message }
}

/// What a directory entry is, without following symlinks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Other,
}

/// The file-system operations the writer uses. None of them follows a symlink
/// in the last component of its path.
pub trait OutputFs {
    /// The kind of `path`, or `None` when it does not exist.
    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>>;
    fn list(&self, dir: &Path) -> io::Result<Vec<(OsString, EntryKind)>>;
    fn read(&self, file: &Path) -> io::Result<String>;
    fn create_dir(&self, dir: &Path) -> io::Result<()>;
    /// Creates a new file (never opens an existing one) with these bytes, synced.
    fn write_new(&self, file: &Path, bytes: &[u8]) -> io::Result<()>;
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Swaps two existing directories atomically; `Ok(false)` if the platform cannot.
    fn exchange(&self, a: &Path, b: &Path) -> io::Result<bool>;
    fn remove_dir_all(&self, dir: &Path) -> io::Result<()>;
}

/// The real file system.
pub struct RealFs;

impl OutputFs for RealFs {
    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        match fs::symlink_metadata(path) {
            Ok(m) => Ok(Some(kind_of(m.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<(OsString, EntryKind)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            out.push((entry.file_name(), kind_of(entry.file_type()?)));
        }
        out.sort();
        Ok(out)
    }

    fn read(&self, file: &Path) -> io::Result<String> {
        fs::read_to_string(file)
    }

    fn create_dir(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir(dir)
    }

    fn write_new(&self, file: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(file)?;
        f.write_all(bytes)?;
        f.sync_all()
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        fs::File::open(dir)?.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    #[cfg(target_os = "linux")]
    fn exchange(&self, a: &Path, b: &Path) -> io::Result<bool> {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            // Old kernels and some file systems have no RENAME_EXCHANGE.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn exchange(&self, _a: &Path, _b: &Path) -> io::Result<bool> {
        Ok(false)
    }

    fn remove_dir_all(&self, dir: &Path) -> io::Result<()> {
        // std's remove_dir_all unlinks symlinks inside the tree instead of following them.
        fs::remove_dir_all(dir)
    }
}

fn kind_of(t: fs::FileType) -> EntryKind {
    if t.is_symlink() {
        EntryKind::Symlink
    } else if t.is_dir() {
        EntryKind::Dir
    } else if t.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    }
}

/// The files of an output directory, in the order of the index.
pub struct OutputFiles {
    pub files: Vec<(String, Vec<u8>)>,
}

impl OutputFiles {
    /// The manifests, then `kustomization.yaml`, each name checked to be a plain file name.
    pub fn from_manifests(manifests: &Manifests) -> Result<OutputFiles, OutputError> {
        // Serialized on every core, one file per task; `collect` keeps the order.
        let mut files: Vec<(String, Vec<u8>)> = manifests
            .files
            .par_iter()
            .map(|file| {
                file.to_yaml()
                    .map(|yaml| (file.name.clone(), yaml.into_bytes()))
                    .map_err(|e| err(Code::K0504, format!("cannot serialize {}: {e}", file.name)))
            })
            .collect::<Result<_, _>>()?;
        let kustomization = kustomize::kustomization(manifests)
            .map_err(|e| err(Code::K0504, format!("cannot serialize {}: {e}", kustomize::FILE)))?;
        files.push((kustomize::FILE.to_string(), kustomization.into_bytes()));
        let out = OutputFiles { files };
        out.validate()?;
        Ok(out)
    }

    fn validate(&self) -> Result<(), OutputError> {
        for (i, (name, _)) in self.files.iter().enumerate() {
            if !is_plain_name(name) || name == MARKER {
                return Err(err(
                    Code::K0504,
                    format!("refusing to write `{name}`: not a plain file name"),
                ));
            }
            if self.files[..i].iter().any(|(other, _)| other == name) {
                return Err(err(Code::K0504, format!("refusing to write `{name}` twice")));
            }
        }
        Ok(())
    }

    /// The marker's content: a header, then one file name per line.
    pub fn index(&self) -> String {
        let mut index = String::from(MARKER_HEADER);
        for (name, _) in &self.files {
            index.push_str(name);
            index.push('\n');
        }
        index
    }
}

/// A name that stays inside its directory: no separators, not `.`/`..`, not hidden.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0'])
}

/// The names an index lists (the marker of a previous build).
fn parse_index(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Writes the manifests into `dir`, replacing its previous content atomically.
/// Returns the number of files written (manifests and `kustomization.yaml`).
pub fn write_directory(dir: &Path, manifests: &Manifests, force: bool) -> Result<usize, OutputError> {
    // Serialize first: nothing touches the disk unless every file could be produced.
    let files = OutputFiles::from_manifests(manifests)?;
    write_files(&RealFs, dir, &files, force)
}

/// [`write_directory`] over any file system.
pub fn write_files(fs: &dyn OutputFs, dir: &Path, files: &OutputFiles, force: bool) -> Result<usize, OutputError> {
    files.validate()?;
    let existed = check_target(fs, dir, force)?;
    let name = dir
        .file_name()
        .filter(|n| *n != "." && *n != "..")
        .ok_or_else(|| err(Code::K0504, format!("`{}` does not name a directory", dir.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.kokuc-tmp-{pid}"));
    let previous = parent.join(format!(".{name}.kokuc-old-{pid}"));

    let result = write_staging(fs, &staging, files).and_then(|()| swap_in(fs, dir, &staging, &previous, existed));
    if result.is_err() && fs.kind(&staging).ok().flatten().is_some() {
        let _ = fs.remove_dir_all(&staging);
    }
    result.map(|()| files.files.len())
}

/// Refuses targets kokuc must not replace. Returns whether the target exists.
fn check_target(fs: &dyn OutputFs, dir: &Path, force: bool) -> Result<bool, OutputError> {
    let shown = dir.display();
    let kind = fs
        .kind(dir)
        .map_err(|e| err(Code::K0504, format!("cannot inspect `{shown}`: {e}")))?;
    match kind {
        None => return Ok(false),
        Some(EntryKind::Symlink) => {
            return Err(err(
                Code::K0503,
                format!("`{shown}` is a symlink; kokuc does not write through symlinks (give the real directory)"),
            ))
        }
        Some(EntryKind::Dir) => {}
        Some(_) => return Err(err(Code::K0502, format!("`{shown}` exists and is not a directory"))),
    }
    if force {
        return Ok(true);
    }
    let entries = fs
        .list(dir)
        .map_err(|e| err(Code::K0504, format!("cannot read `{shown}`: {e}")))?;
    if entries.is_empty() {
        return Ok(true);
    }
    let marker = dir.join(MARKER);
    let index_text = match entries.iter().find(|(n, _)| n == MARKER) {
        Some((_, EntryKind::File)) => fs
            .read(&marker)
            .map_err(|e| err(Code::K0504, format!("cannot read `{}`: {e}", marker.display())))?,
        Some((_, EntryKind::Symlink)) => {
            return Err(err(
                Code::K0503,
                format!("`{}` is a symlink; refusing to trust it (use --force to replace `{shown}`)", marker.display()),
            ))
        }
        _ => {
            return Err(err(
                Code::K0502,
                format!("`{shown}` is not empty and was not written by kokuc (no {MARKER} file); refusing to replace it. Use --force to replace it anyway"),
            ))
        }
    };
    let listed = parse_index(&index_text);
    let mut foreign = Vec::new();
    for (name, kind) in &entries {
        if name == MARKER {
            continue;
        }
        let text = name.to_string_lossy();
        match kind {
            EntryKind::Symlink => {
                return Err(err(
                    Code::K0503,
                    format!("`{}` is a symlink, which kokuc never writes; refusing to replace `{shown}` (use --force to replace it; the link is removed, not followed)", dir.join(name).display()),
                ))
            }
            EntryKind::File if listed.contains(&text.as_ref()) => {}
            _ => foreign.push(text.into_owned()),
        }
    }
    if !foreign.is_empty() {
        let shown_names: Vec<String> = foreign.iter().take(5).map(|n| format!("`{n}`")).collect();
        let more = if foreign.len() > 5 {
            format!(" and {} more", foreign.len() - 5)
        } else {
            String::new()
        };
        return Err(err(
            Code::K0502,
            format!(
                "`{shown}` holds {}{more}, which kokuc did not write; refusing to delete {}. Move {} out, or use --force",
                shown_names.join(", "),
                if foreign.len() == 1 { "it" } else { "them" },
                if foreign.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    Ok(true)
}

fn write_staging(fs: &dyn OutputFs, staging: &Path, files: &OutputFiles) -> Result<(), OutputError> {
    let io =
        |what: &str, path: &Path, e: io::Error| err(Code::K0504, format!("cannot {what} `{}`: {e}", path.display()));
    if fs.kind(staging).map_err(|e| io("inspect", staging, e))?.is_some() {
        fs.remove_dir_all(staging).map_err(|e| io("clear stale", staging, e))?;
    }
    fs.create_dir(staging).map_err(|e| io("create", staging, e))?;
    for (name, bytes) in &files.files {
        let path = staging.join(name);
        fs.write_new(&path, bytes).map_err(|e| io("write", &path, e))?;
    }
    let marker = staging.join(MARKER);
    fs.write_new(&marker, files.index().as_bytes())
        .map_err(|e| io("write", &marker, e))?;
    fs.sync_dir(staging).map_err(|e| io("sync", staging, e))
}

fn swap_in(fs: &dyn OutputFs, dir: &Path, staging: &Path, previous: &Path, existed: bool) -> Result<(), OutputError> {
    let shown = dir.display();
    if !existed {
        return fs
            .rename(staging, dir)
            .map_err(|e| err(Code::K0504, format!("cannot move the new output into `{shown}`: {e}")));
    }
    let exchanged = fs
        .exchange(staging, dir)
        .map_err(|e| err(Code::K0504, format!("cannot swap the new output into `{shown}`: {e}")))?;
    if exchanged {
        // `staging` now holds the previous output; it is no longer needed.
        let _ = fs.remove_dir_all(staging);
        return Ok(());
    }
    if fs.kind(previous).ok().flatten().is_some() {
        let _ = fs.remove_dir_all(previous);
    }
    fs.rename(dir, previous)
        .map_err(|e| err(Code::K0504, format!("cannot move the old `{shown}` aside: {e}")))?;
    if let Err(e) = fs.rename(staging, dir) {
        let _ = fs.rename(previous, dir);
        return Err(err(
            Code::K0504,
            format!("cannot move the new output into `{shown}`: {e}"),
        ));
    }
    let _ = fs.remove_dir_all(previous);
    Ok(())
}

#[cfg(test)]
mod tests;
