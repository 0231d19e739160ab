//! Running the `kokuc` binary: a small helper shared by the plan tests.

use std::path::Path;
use std::process::{Command, Output};

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs kokuc in `dir` (the package root when `None`), without colour.
pub fn kokuc_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out: Output = Command::new(env!("CARGO_BIN_EXE_kokuc"))
        .args(args)
        .current_dir(dir.unwrap_or(root))
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .output()
        .expect("run kokuc");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn kokuc(args: &[&str]) -> Run {
    kokuc_in(None, args)
}

#[test]
fn plan_answers_the_done_when_question() {
    let r = kokuc(&[
        "plan",
        "stacks/koku.koku",
        "--compare",
        "postgres-only",
        "trino-minimal",
        "production",
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.contains("baseline: postgres-only"), "{}", r.stdout);
    let row = |name: &str| {
        r.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .map(str::to_string)
    };
    assert!(row("trino-minimal").is_some());
    assert!(r.stdout.contains("Differences from postgres-only"));
}

#[test]
fn plan_json_is_exact() {
    let r = kokuc(&[
        "plan",
        "tests/fixtures/plan/cost/seed-postgres-only/input.koku",
        "--format",
        "json",
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["cost"]["monthly"], "290");
    assert_eq!(v["cost"]["over_horizon"], "10440");
    assert_eq!(v["cost"]["basis"], "requests");
    assert_eq!(v["totals"]["memory_bytes"]["requests"], (12u64 << 30).to_string());
    assert_eq!(v["startup"]["ready_seconds"], 60);
}

#[test]
fn compare_json_has_differences_from_the_baseline() {
    let r = kokuc(&[
        "plan",
        "stacks/koku.koku",
        "--compare",
        "postgres-only",
        "athena",
        "--format",
        "json",
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["baseline"], "postgres-only");
    let athena = &v["profiles"][1];
    assert_eq!(athena["profile"], "athena");
    // The athena profile adds only the external service and its $500 fee.
    assert_eq!(athena["difference_from_baseline"]["monthly"], "500");
    assert_eq!(athena["difference_from_baseline"]["pods"], 0);
}

#[test]
fn needless_serialisation_is_reported_with_its_code() {
    let r = kokuc(&[
        "plan",
        "tests/fixtures/plan/serialisation/seed-literal-order/input.koku",
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stderr.contains("K0601"), "{}", r.stderr);
    assert!(r.stdout.contains("koku-db after trino-worker"), "{}", r.stdout);
}

#[test]
fn bad_input_is_a_diagnostic_not_a_panic() {
    let r = kokuc(&["plan", "tests/fixtures/err/plan/prices-basis/input.koku"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("K0212"), "{}", r.stderr);
    let r = kokuc(&["plan", "stacks/koku.koku", "--compare", "no-such-profile"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("K0216"), "{}", r.stderr);
    let r = kokuc(&["plan", "stacks/lib/trino.koku"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("there is no stack to plan"), "{}", r.stderr);
    let r = kokuc(&["plan", "does/not/exist.koku"]);
    assert_eq!(r.status, 2);
    let r = kokuc(&["plan", "tests/fixtures/plan/cost/overflow/input.koku"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("K0603"), "{}", r.stderr);
}

#[test]
fn graph_and_report_write_files_and_refuse_directories() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("g.svg");
    let r = kokuc(&[
        "graph",
        "stacks/koku.koku",
        "--format",
        "svg",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let r = kokuc(&["report", "stacks/koku.koku", "-o", dir.path().to_str().unwrap()]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
    // Nothing half-written is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}
