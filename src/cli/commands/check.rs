//! `kokuc check`: every check, no output files, a summary on success.
//!
//! A file of `let`s only is a library: it is checked on its own and, so that a
//! pre-commit hook given only the touched files still sees what a library
//! change breaks, through every stack under the current directory that
//! imports it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{failed, unreadable};
use crate::cli::args::{CheckArgs, DiagnosticFormat};
use crate::cli::summary::{selection, summary};
use crate::cli::{Ui, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::json::{github, Report};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::eval::{FsLoader, Loader};
use crate::source::SourceMap;
use crate::syntax::ParseCache;
use crate::{compile, Compilation, Options};

pub fn check(ui: &Ui, args: &CheckArgs) -> u8 {
    let mut worst = EXIT_OK;
    let mut report = Report::new();
    let mut stacks: Vec<PathBuf> = Vec::new();
    for file in &args.stacks {
        push_unique(&mut stacks, file.clone());
        let importers = importers_of_library(file, args.limits.to_limits().max_file_bytes);
        if !importers.is_empty() && args.format == DiagnosticFormat::Plain {
            let names: Vec<String> = importers.iter().map(|p| p.display().to_string()).collect();
            ui.note(&format!(
                "{} is a library; also checking the stacks that import it: {}",
                file.display(),
                names.join(", ")
            ));
        }
        for importer in importers {
            push_unique(&mut stacks, importer);
        }
    }
    // Every profile parses the same files: each parses only what the last did not.
    // (A single compilation would only pay for filling it.)
    let parse_cache = args.all_profiles.then(|| Arc::new(ParseCache::new()));
    for stack in &stacks {
        let limits = args.limits.to_limits();
        let base = Options {
            profile: args.profile.clone(),
            limits: limits.clone(),
            parse_cache: parse_cache.clone(),
            ..Options::default()
        };
        let compilation = compile(&FsLoader, stack, &base);
        let mut runs = vec![(args.profile.clone(), compilation)];
        if args.all_profiles && runs[0].1.stack.is_some() {
            let profiles: Vec<String> = runs[0].1.facts.profiles.iter().map(|(n, _)| n.clone()).collect();
            for profile in profiles {
                let options = Options {
                    profile: Some(profile.clone()),
                    limits: limits.clone(),
                    parse_cache: parse_cache.clone(),
                    ..Options::default()
                };
                runs.push((Some(profile), compile(&FsLoader, stack, &options)));
            }
        }
        for (profile, c) in &runs {
            let code = if unreadable(c) {
                EXIT_USAGE
            } else if failed(c, args.deny_warnings) {
                EXIT_ERRORS
            } else {
                EXIT_OK
            };
            let shown = stack.display().to_string();
            emit(
                ui,
                args.format,
                &mut report,
                &shown,
                profile.as_deref(),
                &c.diagnostics,
                &c.sources,
            );
            if args.format != DiagnosticFormat::Json {
                print_summary(args, &shown, profile.as_deref(), c, code);
            }
            worst = worst.max(code);
        }
    }
    if args.format == DiagnosticFormat::Json {
        let _ = writeln!(std::io::stdout(), "{}", report.to_json());
    }
    worst
}

fn push_unique(list: &mut Vec<PathBuf>, path: PathBuf) {
    if !list.iter().any(|p| crate::workspace::same_file(p, &path)) {
        list.push(path);
    }
}

fn print_summary(args: &CheckArgs, stack: &str, profile: Option<&str>, c: &Compilation, code: u8) {
    let shown = match profile {
        Some(p) => format!("{stack} (profile {p})"),
        None => stack.to_string(),
    };
    if code == EXIT_OK && c.is_library() {
        let _ = writeln!(
            std::io::stdout(),
            "ok: {shown}: a library (only `let`s), nothing to build"
        );
    } else if code == EXIT_OK {
        if let (Some(s), Some(g)) = (&c.stack, &c.graph) {
            let mut out = summary(&shown, s, g, &c.diagnostics);
            for pattern in &args.select {
                out.push_str(&selection(s, pattern));
            }
            let _ = write!(std::io::stdout(), "{out}");
        }
    } else {
        let _ = writeln!(
            std::io::stderr(),
            "{shown}: {} error(s), {} warning(s)",
            c.diagnostics.error_count(),
            c.diagnostics.warning_count()
        );
    }
}

/// Reports one run's diagnostics in the chosen format.
fn emit(
    ui: &Ui,
    format: DiagnosticFormat,
    report: &mut Report,
    stack: &str,
    profile: Option<&str>,
    diagnostics: &Diagnostics,
    sources: &SourceMap,
) {
    match format {
        DiagnosticFormat::Plain => ui.report(diagnostics, sources),
        DiagnosticFormat::Json => {
            let sorted: Vec<Diagnostic> = diagnostics.clone().into_sorted();
            report.add_run(stack, profile, &sorted, sources);
        }
        DiagnosticFormat::Github => {
            let mut out = std::io::stdout().lock();
            for d in diagnostics.clone().into_sorted() {
                let _ = writeln!(out, "{}", github(&d, sources, profile));
            }
        }
    }
}

/// For a library (a file that parses and declares no stack): the stacks under
/// the current directory that import it. Empty for anything else, including
/// what is not a regular file within the size limit (compiling it reports why).
fn importers_of_library(file: &Path, max_bytes: usize) -> Vec<PathBuf> {
    let regular =
        std::fs::metadata(file).is_ok_and(|m| m.is_file() && usize::try_from(m.len()).is_ok_and(|n| n <= max_bytes));
    if !regular {
        return Vec::new();
    }
    let Ok(text) = FsLoader.load(file) else {
        return Vec::new();
    };
    // The scan spares a stack file a second parse (it is compiled next anyway).
    if crate::syntax::may_declare_stack(&text) || crate::workspace::declares_stack(&text) != Some(false) {
        return Vec::new();
    }
    crate::workspace::importers(file, Path::new("."), &FsLoader)
}
