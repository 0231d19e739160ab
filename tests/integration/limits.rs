//! The hard limits as a user meets them: the defaults documented in
//! docs/language.md are the code's, every limit has its flag, and a file is never
//! read whole past `--max-file-bytes` (not even an endless one). What each limit
//! reports is pinned by the cases in tests/hostile/limits/, which set the flags.

use std::process::Command;

use kokuc::limits::Limits;

use crate::support::{repo, run};

/// The number in a cell of the Limits table: `64 MiB`, `1,000,000 elements`, `128 levels`.
fn number(cell: &str) -> u64 {
    let digits: String = cell
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let n: u64 = digits.parse().unwrap_or_else(|_| panic!("no number in `{cell}`"));
    if cell.contains("MiB") {
        n * 1024 * 1024
    } else {
        n
    }
}

#[test]
fn documented_defaults_are_the_defaults_and_every_limit_has_its_flag() {
    let doc = std::fs::read_to_string(repo().join("docs/language.md")).expect("docs/language.md");
    let section = doc.split("## Limits").nth(1).expect("a Limits section");
    let d = Limits::default();
    let expected: [(&str, u64); 8] = [
        ("--max-file-bytes", d.max_file_bytes as u64),
        ("--max-nesting", d.max_nesting as u64),
        ("--max-call-depth", d.max_call_depth as u64),
        ("--max-import-depth", d.max_import_depth as u64),
        ("--max-components", d.max_components as u64),
        ("--max-string-bytes", d.max_string_bytes as u64),
        ("--max-list-items", d.max_list_items as u64),
        ("--max-eval-steps", d.max_eval_steps),
    ];
    let (ok, help) = run(Command::new(env!("CARGO_BIN_EXE_kokuc")).args(["check", "--help"]));
    assert!(ok, "{help}");
    for (flag, value) in expected {
        let row = section
            .lines()
            .find(|l| l.contains(&format!("`{flag}`")))
            .unwrap_or_else(|| panic!("docs/language.md has no row for {flag}"));
        let default = row.split('|').nth(2).expect("a default column");
        assert_eq!(number(default), value, "documented default of {flag}: {row}");
        assert!(help.contains(flag), "`kokuc check --help` does not list {flag}");
    }
}

#[test]
fn an_endless_file_is_refused_after_the_limit() {
    if !std::path::Path::new("/dev/zero").exists() {
        return;
    }
    let (ok, out) =
        run(Command::new(env!("CARGO_BIN_EXE_kokuc")).args(["check", "/dev/zero", "--max-file-bytes", "4096"]));
    assert!(!ok, "{out}");
    assert!(out.contains("K0105"), "{out}");
    assert!(out.contains("the file is more than 4096 bytes"), "{out}");
}

#[test]
fn a_large_file_is_refused_by_its_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.koku");
    let text = format!("# {}\nstack s {{ namespace = \"s\"; }}\n", "x".repeat(10_000));
    std::fs::write(&path, &text).expect("write");
    let (ok, out) = run(Command::new(env!("CARGO_BIN_EXE_kokuc")).args([
        "check",
        path.to_str().expect("utf-8 path"),
        "--max-file-bytes",
        "1000",
    ]));
    assert!(!ok, "{out}");
    let message = format!("the file is {} bytes, more than the limit of 1000 bytes", text.len());
    assert!(out.contains(&message), "{out}");
}
