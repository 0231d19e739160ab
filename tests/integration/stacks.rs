//! Every stack in `stacks/`, in every profile: compiles cleanly, and its
//! manifests pass independent validators (kubernetes-validate in strict mode,
//! the Kubernetes Python client's quantity parser). The seed stack's full
//! output is pinned as a golden file.

use std::collections::BTreeMap;
use std::process::Command;

use kokuc::diagnostics::Severity;
use kokuc::eval::FsLoader;
use kokuc::Options;

use crate::support::{build_yaml, render, repo, run, stack_files, variants, venv_tool};

const KUBERNETES_VERSION: &str = "1.37.0";

#[test]
fn every_stack_and_profile_compiles_without_warnings() {
    let stacks = stack_files();
    assert!(!stacks.is_empty(), "stacks/ holds no .koku files");
    for path in stacks {
        for profile in variants(&path) {
            let options = Options {
                profile: profile.clone(),
                ..Options::default()
            };
            let c = kokuc::compile(&FsLoader, &path, &options);
            let problems = c.diagnostics.iter().filter(|d| d.severity != Severity::Note).count();
            assert_eq!(problems, 0, "{} {profile:?}:\n{}", path.display(), render(&c));
        }
    }
}

/// Writes each variant's manifests, one file per component, into a temp dir.
fn write_variants() -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for path in stack_files() {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        for profile in variants(&path) {
            let options = Options {
                profile: profile.clone(),
                ..Options::default()
            };
            let (c, manifests) = kokuc::build(&FsLoader, &path, &options);
            assert!(!c.has_errors(), "{}", render(&c));
            let out = dir
                .path()
                .join(format!("{stem}-{}", profile.as_deref().unwrap_or("base")));
            std::fs::create_dir_all(&out).expect("mkdir");
            for file in &manifests.expect("manifests").files {
                let target = out.join(&file.name);
                std::fs::write(&target, file.to_yaml().expect("yaml")).expect("write");
                files.push(target);
            }
        }
    }
    (dir, files)
}

#[test]
fn manifests_pass_kubernetes_validate_strict() {
    let tool = venv_tool("kubernetes-validate");
    let (_dir, files) = write_variants();
    assert!(files.len() > 20, "expected many manifest files, got {}", files.len());
    let (ok, output) = run(Command::new(tool)
        .arg("--strict")
        .arg("--kubernetes-version")
        .arg(KUBERNETES_VERSION)
        .args(&files));
    assert!(ok, "kubernetes-validate failed:\n{output}");
    let passed = output.matches("passed for resource").count();
    assert!(
        passed >= files.len(),
        "only {passed} resources reported as passed:\n{output}"
    );
}

#[test]
fn quantities_parse_with_the_kubernetes_client() {
    let python = venv_tool("python");
    let (_dir, files) = write_variants();
    let (ok, output) = run(Command::new(python)
        .arg(repo().join("tests/tools/check_quantities.py"))
        .args(&files));
    assert!(ok, "quantities rejected:\n{output}");
    let checked: usize = output.lines().next().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    assert!(checked > 100, "only {checked} quantities were checked");
}

#[test]
fn seed_stack_output_is_pinned() {
    let yaml = build_yaml(&repo().join("stacks/koku.koku"), None);
    let golden = repo().join("tests/golden/koku.yaml");
    if std::env::var_os("KOKUC_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&golden, &yaml).expect("bless");
    }
    let expected = std::fs::read_to_string(&golden).expect("tests/golden/koku.yaml (KOKUC_BLESS=1 to create)");
    assert!(
        expected == yaml,
        "stacks/koku.koku output changed; review and re-bless with KOKUC_BLESS=1"
    );
}

/// Files sort in deploy order, and every dependent carries one gate per edge, in edge order.
#[test]
fn files_sort_in_dependency_order_and_carry_their_gates() {
    for path in stack_files() {
        for profile in variants(&path) {
            let options = Options {
                profile: profile.clone(),
                ..Options::default()
            };
            let (c, manifests) = kokuc::build(&FsLoader, &path, &options);
            let stack = c.stack.expect("stack");
            let manifests = manifests.expect("manifests");
            let position: BTreeMap<&str, &str> = manifests
                .files
                .iter()
                .filter_map(|f| f.component.as_deref().map(|c| (c, f.name.as_str())))
                .collect();
            let mut names: Vec<&str> = manifests.files.iter().map(|f| f.name.as_str()).collect();
            let sorted = {
                let mut s = names.clone();
                s.sort();
                s
            };
            assert_eq!(names, sorted, "files are written in `ls` order");
            names.clear();
            for file in &manifests.files {
                let Some(component) = file.component.as_deref().and_then(|n| stack.component(n)) else {
                    continue;
                };
                for edge in &component.after {
                    if let Some(dep_file) = position.get(edge.target.as_str()) {
                        assert!(
                            *dep_file < file.name.as_str(),
                            "{}: {} must sort after {}",
                            path.display(),
                            file.name,
                            dep_file
                        );
                    }
                }
                let yaml = file.to_yaml().expect("yaml");
                let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&yaml)
                    .map(|d| serde::Deserialize::deserialize(d).expect("yaml doc"))
                    .collect();
                let workload = docs
                    .iter()
                    .find(|d| matches!(d["kind"].as_str(), Some("Deployment" | "StatefulSet" | "Job")))
                    .expect("a workload");
                let gates: Vec<&str> = workload["spec"]["template"]["spec"]["initContainers"]
                    .as_sequence()
                    .map(|s| s.iter().filter_map(|c| c["name"].as_str()).collect())
                    .unwrap_or_default();
                let expected: Vec<String> = component
                    .after
                    .iter()
                    .map(|e| format!("wait-for-{}", e.target))
                    .collect();
                assert_eq!(
                    gates,
                    expected,
                    "{} {profile:?}: gates of {}",
                    path.display(),
                    component.name
                );
            }
        }
    }
}
