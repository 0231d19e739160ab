//! Replays the fuzz targets' checks (`kokuc::fuzz`: parse, compile, build,
//! fmt, lsp) over every `.koku` file in the repository: the stacks, the fixtures and the hostile corpus, which also
//! holds the inputs that once crashed a fuzz target (`tests/hostile/regressions/`).
//! And guards the hostile corpus itself: enough cases, each with its snapshot.

use std::path::{Path, PathBuf};

use kokuc::eval::loader::DirLoader;
use kokuc::limits::Limits;

fn koku_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            koku_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "koku") {
            out.push(path);
        }
    }
}

fn all_inputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["stacks", "tests/fixtures", "tests/hostile"] {
        koku_files(Path::new(dir), &mut files);
    }
    files
}

#[test]
fn every_repository_input_passes_the_fuzz_checks() {
    let files = all_inputs();
    assert!(files.len() > 100, "only {} inputs found", files.len());
    for path in files {
        let bytes = std::fs::read(&path).expect("readable");
        kokuc::fuzz::check_parse(&bytes);
        let loader = DirLoader {
            root: path.parent().expect("in a directory").to_path_buf(),
        };
        let name = Path::new(path.file_name().expect("a file name"));
        // The step budget of the largest stack here, not the default: the
        // exponential cases would spend the default's 10^7 steps three times each.
        let limits = Limits {
            max_eval_steps: 1_000_000,
            ..Limits::default()
        };
        kokuc::fuzz::check_compile(&loader, name, &limits);
        kokuc::fuzz::check_build(&loader, name, &limits);
        kokuc::fuzz::check_fmt(&bytes);
        // The editor session at the file's real place: its imports resolve on
        // disk, and a library is analysed through the stacks beside it.
        let absolute = path.canonicalize().expect("an absolute path");
        kokuc::fuzz::check_lsp(&bytes, &absolute, &[]);
    }
}

#[test]
fn the_hostile_corpus_is_complete() {
    let mut files = Vec::new();
    koku_files(Path::new("tests/hostile"), &mut files);
    let cases: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.parent().and_then(Path::file_name).is_some_and(|d| d != "lib"))
        .collect();
    assert!(
        cases.len() >= 60,
        "the hostile corpus has {} cases; it needs at least 60",
        cases.len()
    );
    for case in &cases {
        assert!(
            case.with_extension("snap").exists(),
            "{} has no snapshot",
            case.display()
        );
    }
    let mut snapshots = Vec::new();
    collect_snapshots(Path::new("tests/hostile"), &mut snapshots);
    for snap in snapshots {
        assert!(snap.with_extension("koku").exists(), "{} has no input", snap.display());
    }
}

fn collect_snapshots(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.is_dir() {
            collect_snapshots(&path, out);
        } else if path.extension().is_some_and(|e| e == "snap") {
            out.push(path);
        }
    }
}
