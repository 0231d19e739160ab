//! `kokuc check --format json|github`, NO_COLOR, completions and the man page.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kokuc(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kokuc"));
    command.args(args).current_dir(dir).env_remove("NO_COLOR");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("kokuc runs")
}

/// The repository's virtualenv (made by `.ci/run`).
pub fn venv_bin(tool: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin").join(tool);
    assert!(
        path.exists(),
        "{} is missing: run `.ci/run` (or `python3 -m venv .venv && .venv/bin/pip install -r .ci/requirements.txt`)",
        path.display()
    );
    path
}

const CYCLE: &str = "stack s { namespace = \"n\"; budget = { cpu = 1; }; }\n\
component a { image = \"a:1.0\"; cpu = 1; memory = 1Gi; ports = { http = 80; }; after = [ b ]; }\n\
component b { image = \"b:1.0\"; cpu = 1; memory = 1Gi; ports = { http = 80; }; after = [ a ]; }\n";

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("bad.koku"), CYCLE).expect("write");
    dir
}

#[test]
fn json_output_matches_the_schema_in_the_repository() {
    let dir = scratch();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = kokuc(dir.path(), &["check", "--format", "json", "bad.koku"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let cycle = diagnostics
        .iter()
        .find(|d| d["code"] == "K0303")
        .expect("the cycle is reported");
    assert_eq!(cycle["primary"]["file"], "bad.koku");
    assert_eq!(cycle["primary"]["start"]["line"], 2);
    assert_eq!(cycle["labels"][0]["start"]["line"], 3);
    let start = cycle["primary"]["offset"]["start"].as_u64().expect("offset") as usize;
    assert_eq!(&CYCLE[start..start + 1], "b", "byte offsets point into the file");
    assert!(
        diagnostics.iter().any(|d| d["code"] == "K0403"),
        "the budget is exceeded too"
    );
    assert_eq!(json["summary"]["errors"].as_u64(), Some(diagnostics.len() as u64));

    // The seed, every profile: a clean run is valid too.
    let seed = kokuc(
        repo,
        &["check", "--format", "json", "--all-profiles", "stacks/koku.koku"],
        &[],
    );
    assert_eq!(seed.status.code(), Some(0));
    let seed_json: serde_json::Value = serde_json::from_slice(&seed.stdout).expect("json");
    assert!(seed_json["runs"].as_array().is_some_and(|r| r.len() > 1));

    // Validated by an independent implementation (Python jsonschema).
    let schema = repo.join("docs/diagnostics.schema.json");
    for (name, document) in [("bad.json", &out.stdout), ("seed.json", &seed.stdout)] {
        let path = dir.path().join(name);
        std::fs::write(&path, document).expect("write");
        let check = Command::new(venv_bin("python"))
            .args([
                "-c",
                "import json, sys, jsonschema\n\
                 schema = json.load(open(sys.argv[1]))\n\
                 jsonschema.Draft202012Validator.check_schema(schema)\n\
                 jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))",
            ])
            .arg(&schema)
            .arg(&path)
            .output()
            .expect("python runs");
        assert!(
            check.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // And the schema rejects what it should.
    let wrong = dir.path().join("wrong.json");
    std::fs::write(
        &wrong,
        String::from_utf8_lossy(&out.stdout).replace("\"K0303\"", "\"303\""),
    )
    .expect("write");
    let check = Command::new(venv_bin("python"))
        .args(["-c", "import json, sys, jsonschema\njsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))"])
        .arg(&schema)
        .arg(&wrong)
        .output()
        .expect("python runs");
    assert!(!check.status.success());
}

#[test]
fn github_output_is_workflow_commands() {
    let dir = scratch();
    let out = kokuc(dir.path(), &["check", "--format", "github", "bad.koku"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("K0303")).expect("cycle annotation");
    assert!(
        line.starts_with("::error file=bad.koku,line=2,col=")
            && line.contains(",title=K0303::dependency cycle: a -> b -> a"),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[test]
fn plain_output_is_uncolored_unless_a_terminal_allows_it() {
    let dir = scratch();
    // Not a terminal: no escape codes.
    let out = kokuc(dir.path(), &["check", "bad.koku"], &[]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
    // On a terminal (util-linux `script` gives one): colored, unless NO_COLOR.
    if Command::new("script").arg("--version").output().is_err() {
        panic!("`script` (util-linux) is needed to test terminal output");
    }
    let run_in_pty = |no_color: Option<&str>| {
        let command = format!("{} check bad.koku", env!("CARGO_BIN_EXE_kokuc"));
        let mut c = Command::new("script");
        c.args(["-qec", &command, "/dev/null"])
            .current_dir(dir.path())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&c.output().expect("script runs").stdout).to_string()
    };
    let colored = run_in_pty(None);
    assert!(
        colored.contains("K0303") && colored.contains("\u{1b}["),
        "a terminal gets color"
    );
    let plain = run_in_pty(Some("1"));
    assert!(
        plain.contains("K0303") && !plain.contains("\u{1b}["),
        "NO_COLOR is respected"
    );
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef kokuc"),
        ("fish", "complete -c kokuc"),
    ] {
        let out = kokuc(dir.path(), &["completions", shell], &[]);
        assert!(out.status.success());
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains(marker) && script.contains("fmt") && script.contains("lsp"),
            "{shell}"
        );
    }
    let bash = kokuc(dir.path(), &["completions", "bash"], &[]);
    let path = dir.path().join("kokuc.bash");
    std::fs::write(&path, &bash.stdout).expect("write");
    let syntax = Command::new("bash").arg("-n").arg(&path).status().expect("bash runs");
    assert!(syntax.success(), "the bash completion script parses");

    let man = kokuc(dir.path(), &["man"], &[]);
    assert!(man.status.success());
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH kokuc"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains("check") && page.contains("fmt"));
}
