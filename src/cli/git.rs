//! Reading a stack as it was at a git revision (`kokuc diff STACK --rev REV`).
//!
//! The revision is resolved to a commit once, then every file (the stack and
//! its imports) is read from that commit with `git cat-file`, addressed
//! relative to the repository's top level. Nothing in the working tree or the
//! index is touched.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::eval::loader::decode;
use crate::eval::{LoadError, Loader};

pub struct GitLoader {
    toplevel: PathBuf,
    cwd: PathBuf,
    commit: String,
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl GitLoader {
    /// Opens the repository holding `stack` at revision `rev`.
    pub fn new(stack: &Path, rev: &str) -> Result<GitLoader, String> {
        if rev.is_empty() || rev.starts_with('-') {
            return Err(format!("`{rev}` is not a git revision"));
        }
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .map_err(|e| format!("cannot read the current directory: {e}"))?;
        let stack_path = normalize(&cwd.join(stack));
        let dir = stack_path.parent().map_or(cwd.clone(), Path::to_path_buf);
        let top = git(&dir, &["rev-parse", "--show-toplevel"])
            .map_err(|e| format!("`{}` is not in a git repository ({e})", stack.display()))?;
        let toplevel = PathBuf::from(String::from_utf8_lossy(&top).trim());
        let toplevel = toplevel.canonicalize().unwrap_or(toplevel);
        let commit = git(
            &toplevel,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| format!("unknown git revision `{rev}`"))?;
        let commit = String::from_utf8_lossy(&commit).trim().to_string();
        if commit.is_empty() {
            return Err(format!("unknown git revision `{rev}`"));
        }
        Ok(GitLoader { toplevel, cwd, commit })
    }
}

impl Loader for GitLoader {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        let absolute = normalize(&self.cwd.join(path));
        let relative = absolute
            .strip_prefix(&self.toplevel)
            .map_err(|_| LoadError::Io(format!("`{}` is outside the git repository", path.display())))?;
        let mut spec = String::new();
        for (i, part) in relative.components().enumerate() {
            if i > 0 {
                spec.push('/');
            }
            spec.push_str(&part.as_os_str().to_string_lossy());
        }
        let object = format!("{}:{spec}", self.commit);
        // Ask for the type first: a missing file and a real failure read differently.
        match git(&self.toplevel, &["cat-file", "-t", &object]) {
            Ok(kind) if String::from_utf8_lossy(&kind).trim() == "blob" => {}
            Ok(_) => return Err(LoadError::Io(format!("`{spec}` is not a file at {}", self.short()))),
            Err(_) => return Err(LoadError::NotFound),
        }
        let bytes = git(&self.toplevel, &["cat-file", "blob", &object]).map_err(LoadError::Io)?;
        decode(bytes)
    }
}

impl GitLoader {
    fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }
}
