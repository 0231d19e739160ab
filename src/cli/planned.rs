//! Compiling a stack and planning it, for `plan`, `graph`, `report` and `diff`.

use std::path::Path;

use super::commands::unreadable;
use super::{Ui, EXIT_ERRORS, EXIT_USAGE};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::eval::Loader;
use crate::graph::DependencyGraph;
use crate::limits::Limits;
use crate::model::Stack;
use crate::plan::{plan, Plan};
use crate::source::Span;
use crate::{compile, Compilation, Options};

/// A checked stack and its plan.
pub struct Planned {
    pub compilation: Compilation,
    pub stack: Stack,
    pub graph: DependencyGraph,
    pub plan: Plan,
}

impl Planned {
    /// The profiles the stack file declares, in declaration order.
    pub fn declared_profiles(&self) -> Vec<String> {
        self.compilation.facts.profiles.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The plan's findings (K0601, K0602) as diagnostics, for stderr.
    pub fn report_findings(&self, ui: &Ui) {
        let mut findings = Diagnostics::new();
        for d in self.plan.diagnostics(&self.stack) {
            findings.push(d);
        }
        ui.report(&findings, &self.compilation.sources);
    }
}

/// Compiles `path` under `profile` and plans it. Diagnostics go to stderr; on
/// failure, returns the exit code (2 unreadable, 1 errors in the stack).
pub fn planned(
    ui: &Ui,
    loader: &dyn Loader,
    path: &Path,
    profile: Option<&str>,
    limits: &Limits,
) -> Result<Planned, u8> {
    let options = Options {
        profile: profile.map(str::to_string),
        limits: limits.clone(),
        ..Options::default()
    };
    let mut compilation = compile(loader, path, &options);
    if compilation.is_library() {
        let file = compilation.root.unwrap_or_default();
        compilation.diagnostics.push(
            Diagnostic::error(
                Code::K0215,
                "this file is a library (only `let`s): there is no stack to plan",
                Span::new(file, 0, 0),
                "no `stack` declaration",
            )
            .with_help("plan the stack file that imports it"),
        );
    }
    // Notes (declared relaxations) belong to `check`; a plan shows only problems.
    let mut problems = crate::diagnostics::Diagnostics::new();
    for d in compilation
        .diagnostics
        .iter()
        .filter(|d| d.severity != crate::diagnostics::Severity::Note)
    {
        problems.push(d.clone());
    }
    ui.report(&problems, &compilation.sources);
    if unreadable(&compilation) {
        return Err(EXIT_USAGE);
    }
    if compilation.has_errors() {
        return Err(EXIT_ERRORS);
    }
    let (Some(stack), Some(graph)) = (compilation.stack.take(), compilation.graph.take()) else {
        return Err(EXIT_ERRORS);
    };
    match plan(&stack, &graph) {
        Ok(plan) => Ok(Planned {
            compilation,
            stack,
            graph,
            plan,
        }),
        Err(d) => {
            let mut ds = Diagnostics::new();
            ds.push(d);
            ui.report(&ds, &compilation.sources);
            Err(EXIT_ERRORS)
        }
    }
}

/// Plans every profile in `names` (every declared profile when empty), in order.
pub fn planned_profiles(
    ui: &Ui,
    loader: &dyn Loader,
    path: &Path,
    names: &[String],
    limits: &Limits,
) -> Result<Vec<(String, Planned)>, u8> {
    let names = if names.is_empty() {
        let base = planned(ui, loader, path, None, limits)?;
        let declared = base.declared_profiles();
        if declared.is_empty() {
            ui.error(&format!(
                "`{}` declares no profiles to compare; name them: --compare PROFILE...",
                path.display()
            ));
            return Err(EXIT_USAGE);
        }
        declared
    } else {
        names.to_vec()
    };
    let mut out = Vec::with_capacity(names.len());
    let mut worst = None;
    for name in &names {
        match planned(ui, loader, path, Some(name), limits) {
            Ok(p) => out.push((name.clone(), p)),
            Err(code) => worst = worst.max(Some(code)),
        }
    }
    match worst {
        Some(code) => Err(code),
        None => Ok(out),
    }
}
