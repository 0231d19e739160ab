//! Independent validators on every manifest of every stack and profile:
//! kubernetes-validate (strict schemas of each Kubernetes version from 1.33 to
//! the newest it bundles) and checkov (framework kubernetes, offline, with the
//! repository's `.checkov.yaml`). Both are installed into `.venv` by `.ci/run`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{build_into, manifest_files, repo, stack_files, variants};

fn tool(relative: &str) -> PathBuf {
    let path = repo().join(relative);
    assert!(
        path.exists(),
        "{} is missing: run .ci/run (or install .ci/requirements*.txt into .venv)",
        path.display()
    );
    path
}

/// Builds every stack under every profile into `parent/<stack>-<profile>/`.
fn build_all(parent: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for stack in stack_files() {
        let stem = stack.file_stem().expect("stem").to_string_lossy().into_owned();
        for profile in variants(&stack) {
            let dir = parent.join(format!("{stem}-{}", profile.as_deref().unwrap_or("base")));
            build_into(&stack, profile.as_deref(), &dir, &[]);
            dirs.push(dir);
        }
    }
    dirs
}

/// `1.33`, `1.34`, ... up to the newest version the package bundles strict schemas for.
fn bundled_versions() -> Vec<String> {
    let schemas = std::fs::read_dir(repo().join(".venv/lib"))
        .expect(".venv/lib")
        .filter_map(|e| {
            let dir = e
                .ok()?
                .path()
                .join("site-packages/kubernetes_validate/kubernetes-json-schema");
            dir.is_dir().then_some(dir)
        })
        .next()
        .expect("kubernetes-validate's bundled schemas in .venv");
    let mut minors: Vec<u32> = std::fs::read_dir(schemas)
        .expect("schemas")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix("v1.")?.strip_suffix(".0-local-strict")?;
            version.parse().ok()
        })
        .collect();
    minors.sort_unstable();
    let newest = *minors.last().expect("some version");
    assert!(newest >= 37, "kubernetes-validate bundles only up to 1.{newest}");
    (33..=newest).map(|m| format!("1.{m}")).collect()
}

#[test]
fn every_manifest_passes_kubernetes_validate_strict() {
    let validate = tool(".venv/bin/kubernetes-validate");
    let tmp = tempfile::tempdir().expect("tempdir");
    let files: Vec<PathBuf> = build_all(tmp.path()).iter().flat_map(|d| manifest_files(d)).collect();
    let documents: usize = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .expect("manifest")
                .matches("\napiVersion: ")
                .count()
                + 1
        })
        .sum();
    // One process per version, all at once.
    let runs: Vec<(String, std::process::Child)> = bundled_versions()
        .into_iter()
        .map(|version| {
            let child = Command::new(&validate)
                .args(["--strict", "--kubernetes-version", &version])
                .args(&files)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run kubernetes-validate");
            (version, child)
        })
        .collect();
    for (version, child) in runs {
        let out = child.wait_with_output().expect("kubernetes-validate output");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        let failures: Vec<&str> = text.lines().filter(|l| !l.starts_with("INFO ")).collect();
        assert!(
            out.status.success() && failures.is_empty(),
            "Kubernetes {version}:\n{}",
            failures.join("\n")
        );
        let passed = text.lines().filter(|l| l.contains(" passed for resource ")).count();
        assert_eq!(passed, documents, "Kubernetes {version}: every document is validated");
    }
}

#[test]
fn checkov_finds_nothing() {
    let checkov = tool(".venv/checkov/bin/checkov");
    // Not a hidden directory: checkov skips those.
    let tmp = tempfile::Builder::new()
        .prefix("kokuc-checkov-")
        .tempdir()
        .expect("tempdir");
    let mut dirs = build_all(tmp.path());
    // A fixture that relaxes every default: each relaxation is suppressed with its
    // reason, and nothing else fails.
    let relaxed = tmp.path().join("fixture-relaxed");
    build_into(
        &repo().join("tests/fixtures/ok/policy/relaxed/input.koku"),
        None,
        &relaxed,
        &[],
    );
    dirs.push(relaxed);
    let out = Command::new(&checkov)
        .current_dir(repo())
        .args(["--config-file", ".checkov.yaml", "--output", "json", "--directory"])
        .arg(tmp.path())
        // Offline: no policy metadata, no update check, and any connection attempt fails at once.
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .expect("run checkov");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov did not print JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let report = if report.is_array() { report[0].clone() } else { report };
    assert_eq!(report["check_type"], "kubernetes");
    let results = &report["results"];
    let failed = results["failed_checks"].as_array().expect("failed_checks");
    let failures: Vec<String> = failed
        .iter()
        .map(|f| format!("{} {} in {}", f["check_id"], f["resource"], f["file_path"]))
        .collect();
    assert!(failures.is_empty(), "checkov failed checks:\n{}", failures.join("\n"));
    assert!(out.status.success(), "checkov exited with {}", out.status);
    let summary = &report["summary"];
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["parsing_errors"], 0);
    let passed = summary["passed"].as_u64().expect("passed");
    assert!(
        passed > 100 * dirs.len() as u64,
        "only {passed} checks passed over {} builds",
        dirs.len()
    );
    // The only skips are the relaxations the stacks declare, each with its reason.
    for skipped in results["skipped_checks"].as_array().expect("skipped_checks") {
        let comment = skipped["check_result"]["suppress_comment"].as_str().unwrap_or("");
        assert!(
            comment.starts_with("relaxed in the kokuc source: "),
            "{} skipped without a declared relaxation: {comment:?}",
            skipped["check_id"]
        );
    }
}
