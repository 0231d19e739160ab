//! Failure injection through the real binary and the real file system: a build
//! that fails (bad input, an unwritable directory, a full disk) leaves the
//! previous output byte-identical, and a planted symlink is never followed.
//! (`src/cli/output/tests.rs` makes each file-system operation fail in turn.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{kokuc, manifest_files, repo, stderr};

/// Every entry under `dir`: relative path → content (symlinks as `-> target`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let entry = entry.expect("entry");
        let path = entry.path();
        let name = PathBuf::from(entry.file_name());
        let meta = std::fs::symlink_metadata(&path).expect("metadata");
        if meta.file_type().is_symlink() {
            out.insert(
                name,
                format!("-> {}", std::fs::read_link(&path).expect("link").display()).into_bytes(),
            );
        } else if meta.is_dir() {
            for (sub, content) in snapshot(&path) {
                out.insert(name.join(sub), content);
            }
        } else {
            out.insert(name, std::fs::read(&path).expect("file"));
        }
    }
    out
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Compares the CLI's stderr, with the workspace path and process id replaced,
/// with `tests/integration/data/<name>.stderr` (`KOKUC_BLESS=1` rewrites it).
fn golden(name: &str, w: &Workspace, stderr: &str) {
    let mut text = stderr
        .replace(w.work.to_str().expect("path"), "WORK")
        // root cannot be refused by mode, only by the immutable attribute: the errno differs
        .replace(
            "Operation not permitted (os error 1)",
            "Permission denied (os error 13)",
        );
    let marker = "kokuc-tmp-";
    let mut from = 0;
    while let Some(i) = text[from..].find(marker) {
        let start = from + i + marker.len();
        let end = start
            + text[start..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(text.len() - start);
        text.replace_range(start..end, "PID");
        from = start + "PID".len();
    }
    let path = repo().join("tests/integration/data").join(format!("{name}.stderr"));
    if std::env::var_os("KOKUC_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &text).expect("bless");
    } else {
        let expected =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (KOKUC_BLESS=1)", path.display()));
        assert_eq!(expected, text, "{} differs (KOKUC_BLESS=1 to update)", path.display());
    }
}

const SMALL_STACK: &str = r#"stack shop { namespace = "shop"; }

component db {
  image = "docker.io/library/postgres:16.4";
  ports = { postgres = 5432; };
  cpu = { request = 500m; limit = 1; };
  memory = { request = 1Gi; limit = 2Gi; };
  storage = { size = 10Gi; path = "/var/lib/postgresql/data"; };
  security = { writable = [ "/var/run/postgresql" ]; };
}

component web {
  image = "example.org/shop:2.3.1";
  replicas = 2;
  ports = { http = 8080; };
  env = { DB_HOST = db.host; DB_PORT = db.port.postgres; };
  cpu = { request = 100m; limit = 200m; };
  memory = { request = 128Mi; limit = 256Mi; };
  after = [ db ];
}
"#;

/// A workspace with a small valid stack and a first build in `work/out`.
struct Workspace {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    stack: PathBuf,
    out: PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        let tmp = tempfile::Builder::new()
            .prefix("kokuc-output-")
            .tempdir()
            .expect("tempdir");
        let work = tmp.path().join("work");
        std::fs::create_dir(&work).expect("mkdir");
        let stack = work.join("stack.koku");
        std::fs::write(&stack, SMALL_STACK).expect("write stack");
        let out = work.join("out");
        let w = Workspace {
            _tmp: tmp,
            work,
            stack,
            out,
        };
        let result = w.build(&[]);
        assert!(result.status.success(), "{}", stderr(&result));
        w
    }

    fn build(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec![
            "build",
            self.stack.to_str().expect("path"),
            "-o",
            self.out.to_str().expect("path"),
        ];
        args.extend(extra);
        kokuc(&args)
    }
}

#[test]
fn output_is_indexed_and_ordered() {
    let w = Workspace::new();
    let files = manifest_files(&w.out);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "kustomization lists the files in deploy (name) order");
    assert_eq!(names[0], "00-namespace.yaml");
    let index = std::fs::read_to_string(w.out.join(".kokuc-output")).expect("marker");
    let listed: Vec<&str> = index.lines().filter(|l| !l.starts_with('#')).collect();
    let mut on_disk = names_in(&w.out);
    on_disk.retain(|n| n != ".kokuc-output");
    let mut listed_sorted: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
    listed_sorted.sort();
    assert_eq!(on_disk, listed_sorted, "exactly the indexed files are on disk");
    assert!(listed.contains(&"kustomization.yaml"));
    assert_eq!(
        names_in(&w.work),
        ["out", "stack.koku"],
        "nothing left beside the output"
    );
}

#[test]
fn bad_input_leaves_the_previous_output() {
    let w = Workspace::new();
    let before = snapshot(&w.out);
    let text = std::fs::read_to_string(&w.stack).expect("stack");
    std::fs::write(&w.stack, text.replace("after = [ db ];", "after = [ bd ];")).expect("break it");
    let result = w.build(&[]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert!(stderr(&result).contains("K0301"), "{}", stderr(&result));
    assert_eq!(snapshot(&w.out), before);
    assert_eq!(names_in(&w.work), ["out", "stack.koku"]);
}

/// Makes `dir` unwritable even for root (the immutable attribute), or by mode
/// for other users; undone on drop.
struct Unwritable(PathBuf);

impl Unwritable {
    fn new(dir: &Path) -> Unwritable {
        let root = Command::new("id").arg("-u").output().expect("id").stdout == b"0\n";
        if root {
            let ok = Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "as root, this test needs `chattr +i` (e2fsprogs) on a file system that supports it"
            );
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        }
        Unwritable(dir.to_path_buf())
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn an_unwritable_directory_leaves_the_previous_output() {
    let w = Workspace::new();
    let before = snapshot(&w.out);
    let text = std::fs::read_to_string(&w.stack).expect("stack");
    std::fs::write(&w.stack, text.replace("replicas = 2;", "replicas = 3;")).expect("change it");
    let result = {
        let _guard = Unwritable::new(&w.work);
        w.build(&[])
    };
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    golden("output-K0504", &w, &stderr(&result));
    assert_eq!(snapshot(&w.out), before);
    assert_eq!(names_in(&w.work), ["out", "stack.koku"]);
    // Once writable again, the same build goes through.
    let result = w.build(&[]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_ne!(snapshot(&w.out), before);
}

/// A disk that fills up mid-build: a file-size limit (as `ulimit -f`) makes
/// the first large write fail with EFBIG, after some files are written.
#[test]
fn a_full_disk_leaves_the_previous_output() {
    let w = Workspace::new();
    let before = snapshot(&w.out);
    let text = std::fs::read_to_string(&w.stack).expect("stack");
    std::fs::write(&w.stack, text.replace("replicas = 2;", "replicas = 3;")).expect("change it");
    // 8 blocks of 512 bytes: the namespace file fits, a component file does not.
    let script = "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"";
    let result = Command::new("sh")
        .args(["-c", script, env!("CARGO_BIN_EXE_kokuc"), "build"])
        .arg(&w.stack)
        .arg("-o")
        .arg(&w.out)
        .output()
        .expect("run kokuc under a file-size limit");
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("error[K0504]: cannot write"),
        "{}",
        stderr(&result)
    );
    assert_eq!(snapshot(&w.out), before);
    assert_eq!(
        names_in(&w.work),
        ["out", "stack.koku"],
        "the partial build was removed"
    );
}

#[test]
fn a_planted_symlink_is_not_followed() {
    let w = Workspace::new();
    let outside = w.work.join("precious.txt");
    std::fs::write(&outside, "do not touch").expect("write");
    let planted = w.out.join("01-db.yaml");
    std::fs::remove_file(&planted).expect("rm");
    std::os::unix::fs::symlink(&outside, &planted).expect("symlink");
    let before = snapshot(&w.out);
    let result = w.build(&[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    golden("output-K0503", &w, &stderr(&result));
    assert_eq!(snapshot(&w.out), before);
    assert_eq!(std::fs::read(&outside).expect("outside"), b"do not touch");
    // --force replaces the directory; the link is removed, its target untouched.
    let result = w.build(&["--force"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(std::fs::read(&outside).expect("outside"), b"do not touch");
    assert!(std::fs::symlink_metadata(&planted)
        .expect("written")
        .file_type()
        .is_file());
}

#[test]
fn a_symlinked_output_directory_is_refused() {
    let w = Workspace::new();
    let elsewhere = w.work.join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    let link = w.work.join("link");
    std::os::unix::fs::symlink(&elsewhere, &link).expect("symlink");
    let result = kokuc(&[
        "build",
        w.stack.to_str().expect("path"),
        "-o",
        link.to_str().expect("path"),
        "--force",
    ]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(stderr(&result).contains("error[K0503]"), "{}", stderr(&result));
    assert!(names_in(&elsewhere).is_empty());
}

#[test]
fn a_directory_of_other_files_is_refused() {
    let w = Workspace::new();
    std::fs::write(w.out.join("notes.txt"), "mine").expect("write");
    let before = snapshot(&w.out);
    let result = w.build(&[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    golden("output-K0502", &w, &stderr(&result));
    assert_eq!(snapshot(&w.out), before);
}
