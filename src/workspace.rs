//! Stacks on disk: the `.koku` files under a directory, and the stack files
//! that import a library. Used by `kokuc check` (a library given on the command
//! line is checked through its importers), `kokuc fmt` (directories) and the
//! language server (a library opened in the editor is analysed through them).
//!
//! Invariant: reads directories and files, never writes.

use std::path::{Path, PathBuf};

use crate::eval::Loader;
use crate::syntax::Rule;
use crate::{compile, Options};

/// Directories never searched: version control, build output, dependencies.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", "out"];
/// How deep below the root the search goes.
const MAX_DEPTH: usize = 8;

/// The `.koku` files under `root` (or `root` itself if it is a file), sorted,
/// at most `max` of them. Hidden directories and [`SKIPPED_DIRS`] are skipped.
pub fn koku_files(root: &Path, max: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if root.is_file() {
        out.push(root.to_path_buf());
        return out;
    }
    walk(root, 0, max, &mut out);
    // `./stacks/a.koku` reads better (and matches what users type) as `stacks/a.koku`.
    if root == Path::new(".") {
        for p in &mut out {
            if let Ok(short) = p.strip_prefix(".") {
                *p = short.to_path_buf();
            }
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path, depth: usize, max: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH || out.len() >= max {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if out.len() >= max {
            return;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name) {
                walk(&path, depth + 1, max, out);
            }
        } else if meta.is_file() && name.ends_with(".koku") {
            out.push(path);
        }
    }
}

/// Does the text declare a `stack`? `None` when it does not parse.
pub fn declares_stack(text: &str) -> Option<bool> {
    let pairs = crate::syntax::parser::parse_pairs(text).ok()?;
    let file = pairs.into_iter().find(|p| p.as_rule() == Rule::file)?;
    Some(file.into_inner().any(|p| p.as_rule() == Rule::stack_item))
}

/// Are the two paths the same file (comparing canonical paths when possible)?
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The stack files under `root` whose compilation reads `library`, sorted.
pub fn importers(library: &Path, root: &Path, loader: &dyn Loader) -> Vec<PathBuf> {
    let stem = library.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut out = Vec::new();
    for candidate in koku_files(root, 2000) {
        if same_file(&candidate, library) {
            continue;
        }
        let Ok(text) = loader.load(&candidate) else {
            continue;
        };
        // Cheap filters first: an importer mentions `import` and declares a stack.
        if !text.contains("import") || declares_stack(&text) != Some(true) {
            continue;
        }
        if !stem.is_empty() && !text.contains(stem) && !text.contains(".koku") {
            continue;
        }
        let compilation = compile(loader, &candidate, &Options::default());
        if compilation.sources.files().any(|(_, f)| same_file(&f.path, library)) {
            out.push(candidate);
        }
    }
    out
}
