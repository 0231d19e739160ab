//! Snapshots of `plan`, `graph` and `plan --compare` for stacks/koku.koku,
//! and the pictures checked by independent tools (Graphviz, an XML parser).

use std::io::Write;
use std::process::{Command, Stdio};

use super::golden::check;
use super::plan_cli::kokuc;

fn stdout_of(args: &[&str]) -> String {
    let r = kokuc(args);
    assert_eq!(r.status, 0, "kokuc {args:?} failed:\n{}", r.stderr);
    r.stdout
}

#[test]
fn plan_of_the_seed_stack() {
    check(
        "tests/snapshots/koku.plan.txt",
        &stdout_of(&["plan", "stacks/koku.koku"]),
    );
    check(
        "tests/snapshots/koku.plan.production.txt",
        &stdout_of(&["plan", "stacks/koku.koku", "--profile", "production"]),
    );
    check(
        "tests/snapshots/koku.plan.json",
        &stdout_of(&["plan", "stacks/koku.koku", "--format", "json"]),
    );
}

#[test]
fn comparison_of_the_seed_profiles() {
    check(
        "tests/snapshots/koku.compare.txt",
        &stdout_of(&[
            "plan",
            "stacks/koku.koku",
            "--compare",
            "postgres-only",
            "trino-minimal",
            "production",
            "athena",
        ]),
    );
}

/// Feeds `input` to a program; returns its exit status, stdout and stderr.
fn pipe(program: &str, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}); .ci/run installs it"));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn dot_snapshot_is_accepted_by_graphviz() {
    let dot = stdout_of(&["graph", "stacks/koku.koku", "--format", "dot"]);
    check("tests/snapshots/koku.graph.dot", &dot);
    let (ok, svg, err) = pipe("dot", &["-Tsvg"], &dot);
    assert!(ok, "graphviz rejected the DOT: {err}");
    // Graphviz drew one node per component.
    let components = dot
        .lines()
        .filter(|l| l.contains("[label=") && !l.contains(" -> "))
        .count();
    assert_eq!(components, 18);
    assert_eq!(svg.matches("class=\"node\"").count(), 18);
}

#[test]
fn mermaid_snapshot() {
    let mermaid = stdout_of(&["graph", "stacks/koku.koku", "--format", "mermaid"]);
    check("tests/snapshots/koku.graph.mmd", &mermaid);
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert_eq!(mermaid.matches("subgraph wave").count(), 7);
}

fn python() -> String {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    if std::path::Path::new(venv).exists() {
        venv.to_string()
    } else {
        "python3".to_string()
    }
}

#[test]
fn svg_snapshot_is_well_formed_with_one_node_per_component() {
    let svg = stdout_of(&["graph", "stacks/koku.koku", "--format", "svg"]);
    check("tests/snapshots/koku.graph.svg", &svg);
    let script = "import sys, xml.etree.ElementTree as ET\n\
                  root = ET.fromstring(sys.stdin.read())\n\
                  ns = '{http://www.w3.org/2000/svg}'\n\
                  nodes = [g.get('data-component') for g in root.iter(ns + 'g') if 'node' in (g.get('class') or '').split()]\n\
                  edges = [g for g in root.iter(ns + 'g') if 'edge' in (g.get('class') or '').split()]\n\
                  print(len(nodes), len(set(nodes)), len(edges))\n";
    let (ok, out, err) = pipe(&python(), &["-c", script], &svg);
    assert!(ok, "the SVG is not well-formed XML: {err}");
    // 18 components; 43 distinct `after` edges in the base stack.
    assert_eq!(out.trim(), "18 18 43");
}
