//! Fixture-driven tests: one directory per case.
//!
//! * `tests/fixtures/ok/<area>/<case>/input.koku` must compile without errors;
//!   its manifests (`kokuc build --stdout`) are compared with `expected.yaml`.
//! * `tests/fixtures/err/<area>/<case>/input.koku` must fail; the rendered
//!   diagnostics are compared with `expected.stderr`.
//!
//! * `tests/fixtures/plan/<area>/<case>/input.koku` must compile; its
//!   `kokuc plan` report is compared with `expected.txt`, and the plan's own
//!   findings (K06xx) join the diagnostics (no `expected.txt` when planning
//!   fails with an error).
//!
//! In all, any diagnostics (warnings included) are compared with
//! `expected.stderr`, and a file `profile` selects a profile. Other `.koku`
//! files in the directory can be imported. `KOKUC_BLESS=1` rewrites the
//! expected files; review the diff before committing.

use std::path::Path;

use kokuc::diagnostics::render::{render_all, RenderOptions};
use kokuc::eval::loader::DirLoader;
use kokuc::Options;

#[path = "support/golden.rs"]
mod support;

use support::{blessing, golden, golden_optional};

fn fixture(input: &Path) -> datatest_stable::Result<()> {
    let dir = input.parent().ok_or("fixture without a directory")?;
    let kind = dir
        .strip_prefix("tests/fixtures")?
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("")
        .to_string();
    let profile = std::fs::read_to_string(dir.join("profile"))
        .ok()
        .map(|p| p.trim().to_string());
    let loader = DirLoader {
        root: dir.to_path_buf(),
    };
    let options = Options {
        profile,
        ..Options::default()
    };
    let (compilation, manifests) = kokuc::build(&loader, Path::new("input.koku"), &options);
    let diagnostics = compilation.diagnostics.clone().into_sorted();
    let rendered = render_all(diagnostics.iter(), &compilation.sources, RenderOptions::default());

    match kind.as_str() {
        "ok" => {
            if compilation.has_errors() {
                return Err(format!("expected success, got errors:\n{rendered}").into());
            }
            let yaml = manifests.ok_or("no manifests")?.to_yaml()?;
            golden(&dir.join("expected.yaml"), &yaml)?;
            golden_optional(&dir.join("expected.stderr"), &rendered)
        }
        "err" => {
            if !compilation.has_errors() {
                return Err(format!("expected errors, got none; diagnostics:\n{rendered}").into());
            }
            golden(&dir.join("expected.stderr"), &rendered)
        }
        "plan" => {
            if compilation.has_errors() {
                return Err(format!("expected a stack to plan, got errors:\n{rendered}").into());
            }
            let (Some(stack), Some(graph)) = (&compilation.stack, &compilation.graph) else {
                return Err("no stack".into());
            };
            let mut all = compilation.diagnostics.clone();
            let report = match kokuc::plan::plan(stack, graph) {
                Ok(plan) => {
                    for d in plan.diagnostics(stack) {
                        all.push(d);
                    }
                    Some(kokuc::render::text::plan(stack, &plan, "input.koku"))
                }
                Err(d) => {
                    all.push(d);
                    None
                }
            };
            let rendered = render_all(all.into_sorted().iter(), &compilation.sources, RenderOptions::default());
            match report {
                Some(text) => golden(&dir.join("expected.txt"), &text)?,
                None if dir.join("expected.txt").exists() && !blessing() => {
                    return Err("planning failed, but expected.txt exists".into())
                }
                None => {}
            }
            golden_optional(&dir.join("expected.stderr"), &rendered)
        }
        other => Err(format!("fixture kind `{other}` is neither ok, err nor plan").into()),
    }
}

datatest_stable::harness! {
    { test = fixture, root = "tests/fixtures", pattern = r"input\.koku$" },
}
