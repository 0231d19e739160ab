//! Failure injection for the output writer: every file-system operation of a
//! build is made to fail in turn, and the previous output must survive
//! byte for byte.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use super::{write_files, EntryKind, OutputFiles, OutputFs, RealFs, MARKER};
use crate::diagnostics::Code;

/// The real file system, except that mutating operation number `fail_at`
/// (counting from 0) fails as if the disk were full.
struct FailingFs {
    fail_at: usize,
    count: Cell<usize>,
    /// Pretend the platform has no atomic exchange (the rename fallback).
    exchange: bool,
}

impl FailingFs {
    fn new(fail_at: usize, exchange: bool) -> FailingFs {
        FailingFs {
            fail_at,
            count: Cell::new(0),
            exchange,
        }
    }

    fn step(&self) -> io::Result<()> {
        let n = self.count.get();
        self.count.set(n + 1);
        if n == self.fail_at {
            Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "injected: no space left on device",
            ))
        } else {
            Ok(())
        }
    }
}

impl OutputFs for FailingFs {
    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        RealFs.kind(path)
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<(OsString, EntryKind)>> {
        RealFs.list(dir)
    }
    fn read(&self, file: &Path) -> io::Result<String> {
        RealFs.read(file)
    }
    fn create_dir(&self, dir: &Path) -> io::Result<()> {
        self.step()?;
        RealFs.create_dir(dir)
    }
    fn write_new(&self, file: &Path, bytes: &[u8]) -> io::Result<()> {
        self.step()?;
        RealFs.write_new(file, bytes)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.step()?;
        RealFs.sync_dir(dir)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.step()?;
        RealFs.rename(from, to)
    }
    fn exchange(&self, a: &Path, b: &Path) -> io::Result<bool> {
        self.step()?;
        if self.exchange {
            RealFs.exchange(a, b)
        } else {
            Ok(false)
        }
    }
    fn remove_dir_all(&self, dir: &Path) -> io::Result<()> {
        self.step()?;
        RealFs.remove_dir_all(dir)
    }
}

fn files(version: &str) -> OutputFiles {
    OutputFiles {
        files: vec![
            (
                "00-namespace.yaml".to_string(),
                format!("namespace {version}\n").into_bytes(),
            ),
            ("01-db.yaml".to_string(), format!("db {version}\n").into_bytes()),
            ("kustomization.yaml".to_string(), b"resources: []\n".to_vec()),
        ],
    }
}

/// Every entry under `dir` (relative path → content; symlinks as `-> target`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable test directory") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let rel = path.strip_prefix(dir).expect("inside").to_path_buf();
            let t = entry.file_type().expect("type");
            if t.is_symlink() {
                let target = std::fs::read_link(&path).expect("link");
                out.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if t.is_dir() {
                out.insert(rel, b"<dir>".to_vec());
                stack.push(path);
            } else {
                out.insert(rel, std::fs::read(&path).expect("file"));
            }
        }
    }
    out
}

fn siblings(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .expect("parent")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn writes_exactly_the_indexed_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let n = write_files(&RealFs, &out, &files("v1"), false).expect("first build");
    assert_eq!(n, 3);
    let snap = snapshot(&out);
    let names: Vec<String> = snap.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(names, [MARKER, "00-namespace.yaml", "01-db.yaml", "kustomization.yaml"]);
    let index = String::from_utf8(snap[Path::new(MARKER)].clone()).expect("utf-8");
    assert!(
        index.ends_with("00-namespace.yaml\n01-db.yaml\nkustomization.yaml\n"),
        "{index}"
    );
    // A second build replaces it; nothing is left beside it.
    write_files(&RealFs, &out, &files("v2"), false).expect("second build");
    assert_eq!(snapshot(&out)[Path::new("01-db.yaml")], b"db v2\n");
    assert_eq!(siblings(tmp.path()), ["out"]);
}

/// Fails each operation of a replacing build in turn, with and without the
/// atomic exchange; a failed build must leave the old output byte-identical
/// and nothing beside it.
#[test]
fn a_failure_at_any_step_leaves_the_previous_output() {
    for exchange in [true, false] {
        let mut step = 0;
        loop {
            let tmp = tempfile::tempdir().expect("tempdir");
            let out = tmp.path().join("out");
            write_files(&RealFs, &out, &files("old"), false).expect("previous build");
            let before = snapshot(&out);
            let fs = FailingFs::new(step, exchange);
            let result = write_files(&fs, &out, &files("new"), false);
            let ran = fs.count.get();
            match result {
                Err(e) => {
                    assert_eq!(e.code, Code::K0504, "step {step}: {e:?}");
                    assert!(e.message.contains("injected"), "step {step}: {}", e.message);
                    assert_eq!(
                        snapshot(&out),
                        before,
                        "step {step} (exchange {exchange}) changed the output"
                    );
                    assert_eq!(siblings(tmp.path()), ["out"], "step {step} left files behind");
                }
                Ok(_) => {
                    // Only a failed clean-up after the swap may succeed; the new output is complete.
                    assert_eq!(snapshot(&out)[Path::new("01-db.yaml")], b"db new\n", "step {step}");
                }
            }
            if step >= ran {
                break; // the injected failure was past the last operation: all steps covered
            }
            step += 1;
        }
        assert!(step >= 6, "too few operations injected: {step}");
    }
}

#[test]
fn a_failure_in_a_fresh_directory_leaves_nothing() {
    let mut step = 0;
    loop {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        let fs = FailingFs::new(step, true);
        let result = write_files(&fs, &out, &files("new"), false);
        if result.is_err() {
            assert!(
                siblings(tmp.path()).is_empty(),
                "step {step} left {:?}",
                siblings(tmp.path())
            );
        }
        if step >= fs.count.get() {
            assert!(result.is_ok());
            break;
        }
        step += 1;
    }
}

#[test]
fn refuses_a_directory_kokuc_did_not_write() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let e = write_files(&RealFs, &out, &files("v1"), false).expect_err("must refuse");
    assert_eq!(e.code, Code::K0502);
    assert_eq!(std::fs::read(out.join("notes.txt")).expect("kept"), b"mine");
    // --force replaces it.
    write_files(&RealFs, &out, &files("v1"), true).expect("forced");
    assert!(!out.join("notes.txt").exists());
}

#[test]
fn refuses_to_delete_files_added_to_its_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    write_files(&RealFs, &out, &files("v1"), false).expect("build");
    std::fs::write(out.join("extra.yaml"), "someone's").expect("write");
    std::fs::create_dir(out.join("sub")).expect("mkdir");
    let before = snapshot(&out);
    let e = write_files(&RealFs, &out, &files("v2"), false).expect_err("must refuse");
    assert_eq!(e.code, Code::K0502);
    assert!(
        e.message.contains("`extra.yaml`") && e.message.contains("`sub`"),
        "{}",
        e.message
    );
    assert_eq!(snapshot(&out), before);
}

#[test]
fn never_follows_a_planted_symlink() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tmp.path().join("outside.txt");
    std::fs::write(&outside, "precious").expect("write");
    let out = tmp.path().join("out");
    write_files(&RealFs, &out, &files("v1"), false).expect("build");
    // Replace one of kokuc's files, then the marker, by links to a file outside.
    for planted in ["01-db.yaml", MARKER] {
        std::fs::remove_file(out.join(planted)).expect("rm");
        std::os::unix::fs::symlink(&outside, out.join(planted)).expect("symlink");
        let e = write_files(&RealFs, &out, &files("v2"), false).expect_err("must refuse");
        assert_eq!(e.code, Code::K0503, "{planted}: {e:?}");
        assert_eq!(std::fs::read(&outside).expect("outside"), b"precious");
    }
    // With --force the directory is replaced: the links are removed, not followed.
    write_files(&RealFs, &out, &files("v2"), true).expect("forced");
    assert_eq!(std::fs::read(&outside).expect("outside"), b"precious");
    let kind = std::fs::symlink_metadata(out.join("01-db.yaml")).expect("written");
    assert!(kind.file_type().is_file());
    assert_eq!(std::fs::read(out.join("01-db.yaml")).expect("new"), b"db v2\n");
}

#[test]
fn refuses_a_symlinked_target() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).expect("mkdir");
    let link = tmp.path().join("out");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    for force in [false, true] {
        let e = write_files(&RealFs, &link, &files("v1"), force).expect_err("must refuse");
        assert_eq!(e.code, Code::K0503);
    }
    assert_eq!(std::fs::read_dir(&real).expect("real").count(), 0);
}

#[test]
fn writes_only_plain_names() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    for bad in ["../escape.yaml", "sub/file.yaml", ".hidden", MARKER, ""] {
        let mut f = files("v1");
        f.files.push((bad.to_string(), b"x".to_vec()));
        let e = write_files(&RealFs, &out, &f, false).expect_err(bad);
        assert_eq!(e.code, Code::K0504, "{bad}");
    }
    assert!(siblings(tmp.path()).is_empty());
}
