//! The binary as users run it: exit codes, output modes, the check summary.

use std::process::Command;

use crate::support::{repo, run};

fn kokuc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kokuc"));
    c.current_dir(repo()).env("NO_COLOR", "1");
    c
}

fn code(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run kokuc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_exit_codes_are_0_1_2() {
    let (c, out, _) = code(kokuc().args(["check", "stacks/koku.koku"]));
    assert_eq!(c, 0);
    assert!(out.starts_with("ok: stacks/koku.koku: 18 components"), "{out}");
    assert!(out.contains("cpu      requests 10.3 of 16 (64%)"), "{out}");

    let (c, _, err) = code(kokuc().args(["check", "tests/fixtures/err/graph/cycle/input.koku"]));
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("K0303"), "{err}");

    let (c, _, err) = code(kokuc().args(["check", "no/such/file.koku"]));
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("no such file"), "{err}");

    let (c, _, err) = code(kokuc().args(["check"]));
    assert_eq!(c, 2, "missing argument is a usage error: {err}");
}

#[test]
fn libraries_check_but_do_not_build() {
    let (c, out, err) = code(kokuc().args(["check", "stacks/lib/trino.koku", "stacks/lib/koku.koku"]));
    assert_eq!(c, 0, "{err}");
    assert_eq!(out.matches("a library").count(), 2, "{out}");
    let (c, _, err) = code(kokuc().args(["build", "stacks/lib/trino.koku"]));
    assert_eq!(c, 1);
    assert!(err.contains("nothing to build"), "{err}");
}

#[test]
fn warnings_fail_only_when_denied() {
    let file = "tests/fixtures/ok/graph/reference-without-after/input.koku";
    let (c, _, err) = code(kokuc().args(["check", file]));
    assert_eq!(c, 0, "{err}");
    assert!(err.contains("K0307"), "the warning is shown: {err}");
    let (c, _, _) = code(kokuc().args(["check", "--deny-warnings", file]));
    assert_eq!(c, 1);
    let (c, out, _) = code(kokuc().args(["build", "--deny-warnings", file]));
    assert_eq!(c, 1);
    assert!(out.is_empty(), "nothing is written when the build fails");
}

#[test]
fn build_to_stdout_and_to_a_directory_agree() {
    let (c, stream, err) = code(kokuc().args(["build", "stacks/koku.koku"]));
    assert_eq!(c, 0, "{err}");
    assert!(
        stream.starts_with("apiVersion: v1\nkind: Namespace\n"),
        "{}",
        &stream[..80.min(stream.len())]
    );
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("out");
    let (c, _, err) = code(kokuc().args(["build", "stacks/koku.koku", "-o"]).arg(&out));
    assert_eq!(c, 0, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".yaml") && n != "kustomization.yaml")
        .collect();
    names.sort();
    assert_eq!(names.first().map(String::as_str), Some("00-namespace.yaml"));
    let joined: Vec<String> = names
        .iter()
        .map(|n| std::fs::read_to_string(out.join(n)).expect("read"))
        .collect();
    assert_eq!(
        joined.join("---\n"),
        stream,
        "the directory holds the stream, file by file"
    );
}

#[test]
fn build_refuses_a_directory_it_did_not_write() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(dir.path().join("precious.txt"), "keep me").expect("write");
    let (c, _, err) = code(kokuc().args(["build", "stacks/koku.koku", "-o"]).arg(dir.path()));
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("was not written by kokuc"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("precious.txt")).expect("kept"),
        "keep me"
    );
}

#[test]
fn explain_and_help_work() {
    let (ok, out) = run(kokuc().args(["--help"]));
    assert!(
        ok && out.contains("build") && out.contains("check") && out.contains("explain"),
        "{out}"
    );
}
