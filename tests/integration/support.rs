//! Shared helpers: paths, builds, and the external tools installed by `.ci/run`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kokuc::eval::FsLoader;
use kokuc::{Compilation, Options};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every stack file under `stacks/` (libraries under `stacks/lib/` are not stacks).
pub fn stack_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join("stacks"))
        .expect("stacks/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "koku"))
        .collect();
    out.sort();
    out
}

/// Compiles a stack under a profile (paths relative to the repository root).
pub fn compile(relative: &str, profile: Option<&str>) -> Compilation {
    let options = Options {
        profile: profile.map(str::to_string),
        ..Options::default()
    };
    let path = repo().join(relative);
    kokuc::compile(&FsLoader, &path, &options)
}

/// Builds a stack's manifests as one YAML stream; panics with the rendered diagnostics on errors.
pub fn build_yaml(path: &Path, profile: Option<&str>) -> String {
    let options = Options {
        profile: profile.map(str::to_string),
        ..Options::default()
    };
    let (compilation, manifests) = kokuc::build(&FsLoader, path, &options);
    assert!(
        !compilation.has_errors(),
        "{} ({profile:?}) has errors:\n{}",
        path.display(),
        render(&compilation)
    );
    manifests.expect("manifests").to_yaml().expect("serializes")
}

pub fn render(c: &Compilation) -> String {
    let sorted = c.diagnostics.clone().into_sorted();
    kokuc::diagnostics::render::render_all(sorted.iter(), &c.sources, Default::default())
}

/// The profiles a stack declares (plus `None`, the base).
pub fn variants(path: &Path) -> Vec<Option<String>> {
    let c = kokuc::compile(&FsLoader, path, &Options::default());
    let mut v = vec![None];
    v.extend(c.facts.profiles.iter().map(|(n, _)| Some(n.clone())));
    v
}

/// A tool from the test virtualenv, with a clear failure when `.ci/run` was not run.
pub fn venv_tool(name: &str) -> PathBuf {
    let path = repo().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `.ci/run` once to install the test tools (it creates .venv)",
        path.display()
    );
    path
}

/// A program on PATH, with a clear failure when `.ci/run` was not run.
pub fn system_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("`{name}` is not installed: run `.ci/run` once (it installs the Debian packages the tests use)")
    })
}

/// Runs a command and returns (success, stdout + stderr).
pub fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Runs the kokuc binary from the repository root.
pub fn kokuc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kokuc"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run kokuc")
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Builds `stack` (with `profile`) into `dir` through the CLI, panicking on failure.
pub fn build_into(stack: &Path, profile: Option<&str>, dir: &Path, extra: &[&str]) {
    let mut args = vec![
        "build",
        stack.to_str().expect("utf-8 path"),
        "-o",
        dir.to_str().expect("utf-8 path"),
    ];
    if let Some(p) = profile {
        args.extend(["--profile", p]);
    }
    args.extend(extra);
    let out = kokuc(&args);
    assert!(out.status.success(), "kokuc {args:?} failed:\n{}", stderr(&out));
}

/// The manifest files of an output directory, as listed by its kustomization (in order).
pub fn manifest_files(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(dir.join("kustomization.yaml")).expect("kustomization.yaml");
    let k: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    k["resources"]
        .as_sequence()
        .expect("resources")
        .iter()
        .map(|r| dir.join(r.as_str().expect("file name")))
        .collect()
}
