//! Writing manifests to a directory, safely.
//!
//! Everything is written into a fresh temporary directory beside the target and
//! swapped in only when all of it succeeded, so a failed build leaves the
//! previous output untouched. kokuc only replaces a directory that it created
//! itself (it holds a marker file listing what kokuc wrote) unless `--force`,
//! and it never writes through a symlink.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::emit::Manifests;

/// Marker and index: present in every directory kokuc writes; lists its files.
pub const MARKER: &str = ".kokuc-output";

#[derive(Debug)]
pub struct OutputError {
    pub message: String,
}

fn err(message: String) -> OutputError {
    OutputError { message }
}

/// Writes the manifests into `dir`, replacing its previous content atomically.
/// Returns the number of manifest files written.
pub fn write_directory(dir: &Path, manifests: &Manifests, force: bool) -> Result<usize, OutputError> {
    // Serialize first: nothing touches the disk unless every file could be produced.
    let mut files: Vec<(String, String)> = Vec::with_capacity(manifests.files.len());
    for file in &manifests.files {
        let yaml = file
            .to_yaml()
            .map_err(|e| err(format!("cannot serialize {}: {e}", file.name)))?;
        files.push((file.name.clone(), yaml));
    }
    check_target(dir, force)?;

    let name = dir
        .file_name()
        .ok_or_else(|| err(format!("`{}` is not a directory name", dir.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.kokuc-tmp-{pid}"));
    let previous = parent.join(format!(".{name}.kokuc-old-{pid}"));

    let result = write_staging(&staging, &files).and_then(|()| swap_in(dir, &staging, &previous));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| files.len())
}

/// Refuses targets kokuc must not replace.
fn check_target(dir: &Path, force: bool) -> Result<(), OutputError> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(err(format!("cannot inspect `{}`: {e}", dir.display()))),
    };
    if meta.file_type().is_symlink() {
        return Err(err(format!(
            "`{}` is a symlink; kokuc does not write through symlinks (give the real directory)",
            dir.display()
        )));
    }
    if !meta.is_dir() {
        return Err(err(format!("`{}` exists and is not a directory", dir.display())));
    }
    if force {
        return Ok(());
    }
    let marker = fs::symlink_metadata(dir.join(MARKER));
    let is_ours = marker.is_ok_and(|m| m.is_file());
    let empty = fs::read_dir(dir)
        .map_err(|e| err(format!("cannot read `{}`: {e}", dir.display())))?
        .next()
        .is_none();
    if !is_ours && !empty {
        return Err(err(format!(
            "`{}` is not empty and was not written by kokuc (no {MARKER} file); refusing to replace it. Use --force to replace it anyway",
            dir.display()
        )));
    }
    Ok(())
}

fn write_staging(staging: &Path, files: &[(String, String)]) -> Result<(), OutputError> {
    if fs::symlink_metadata(staging).is_ok() {
        fs::remove_dir_all(staging).map_err(|e| err(format!("cannot clear stale `{}`: {e}", staging.display())))?;
    }
    fs::create_dir(staging).map_err(|e| err(format!("cannot create `{}`: {e}", staging.display())))?;
    let mut index = String::from("# Written by kokuc. kokuc replaces this directory on every build.\n");
    for (name, yaml) in files {
        write_new(&staging.join(name), yaml.as_bytes())?;
        index.push_str(name);
        index.push('\n');
    }
    write_new(&staging.join(MARKER), index.as_bytes())
}

/// Creates a new file (never opens an existing one, so never follows a planted symlink).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| err(format!("cannot create `{}`: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| err(format!("cannot write `{}`: {e}", path.display())))
}

fn swap_in(dir: &Path, staging: &Path, previous: &Path) -> Result<(), OutputError> {
    let existed = fs::symlink_metadata(dir).is_ok();
    if existed {
        if fs::symlink_metadata(previous).is_ok() {
            let _ = fs::remove_dir_all(previous);
        }
        fs::rename(dir, previous).map_err(|e| err(format!("cannot move the old `{}` aside: {e}", dir.display())))?;
    }
    if let Err(e) = fs::rename(staging, dir) {
        if existed {
            let _ = fs::rename(previous, dir);
        }
        return Err(err(format!("cannot move the new output into `{}`: {e}", dir.display())));
    }
    if existed {
        let _ = fs::remove_dir_all(previous);
    }
    Ok(())
}
