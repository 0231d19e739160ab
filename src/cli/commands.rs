//! `kokuc build`, `kokuc check`, `kokuc explain`.

use std::io::Write;

use super::args::{BuildArgs, CheckArgs, ExplainArgs};
use super::output::{write_directory, OutputError};
use super::summary::summary;
use super::{Ui, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::{Code, Severity};
use crate::eval::FsLoader;
use crate::{build as build_stack, compile, Compilation, Options};

/// Did the compilation fail, counting warnings when they are denied?
fn failed(c: &Compilation, deny_warnings: bool) -> bool {
    c.has_errors()
        || (deny_warnings
            && c.diagnostics
                .iter()
                .any(|d| d.severity == Severity::Warning))
}

/// Read errors on the root file are I/O problems (exit 2), not errors in the stack.
fn unreadable(c: &Compilation) -> bool {
    c.root.is_none() && c.diagnostics.iter().any(|d| d.code == Code::K0210)
}

pub fn build(ui: &Ui, args: &BuildArgs) -> u8 {
    let options = Options {
        profile: args.profile.clone(),
        limits: args.limits.to_limits(),
    };
    let (compilation, manifests) = build_stack(&FsLoader, &args.stack, &options);
    ui.report(&compilation.diagnostics, &compilation.sources);
    if unreadable(&compilation) {
        return EXIT_USAGE;
    }
    if failed(&compilation, args.deny_warnings) {
        return EXIT_ERRORS;
    }
    let Some(manifests) = manifests else {
        return EXIT_ERRORS;
    };
    match &args.output {
        Some(dir) => match write_directory(dir, &manifests, args.force) {
            Ok(count) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "wrote {count} files to {}",
                    dir.display()
                );
                EXIT_OK
            }
            Err(OutputError { message }) => {
                ui.error(&message);
                EXIT_USAGE
            }
        },
        None => match manifests.to_yaml() {
            Ok(yaml) => {
                let mut out = std::io::stdout().lock();
                if out
                    .write_all(yaml.as_bytes())
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    return EXIT_USAGE;
                }
                EXIT_OK
            }
            Err(e) => {
                ui.error(&format!("cannot serialize the manifests: {e}"));
                EXIT_USAGE
            }
        },
    }
}

pub fn check(ui: &Ui, args: &CheckArgs) -> u8 {
    let mut worst = EXIT_OK;
    for stack in &args.stacks {
        let limits = args.limits.to_limits();
        let base = Options {
            profile: args.profile.clone(),
            limits: limits.clone(),
        };
        let compilation = compile(&FsLoader, stack, &base);
        let mut runs = vec![(args.profile.clone(), compilation)];
        if args.all_profiles && runs[0].1.stack.is_some() {
            let profiles: Vec<String> = runs[0]
                .1
                .facts
                .profiles
                .iter()
                .map(|(n, _)| n.clone())
                .collect();
            for profile in profiles {
                let options = Options {
                    profile: Some(profile.clone()),
                    limits: limits.clone(),
                };
                runs.push((Some(profile), compile(&FsLoader, stack, &options)));
            }
        }
        for (profile, c) in &runs {
            ui.report(&c.diagnostics, &c.sources);
            let code = if unreadable(c) {
                EXIT_USAGE
            } else if failed(c, args.deny_warnings) {
                EXIT_ERRORS
            } else {
                EXIT_OK
            };
            let shown = match profile {
                Some(p) => format!("{} (profile {p})", stack.display()),
                None => stack.display().to_string(),
            };
            if code == EXIT_OK {
                if let (Some(s), Some(g)) = (&c.stack, &c.graph) {
                    let _ = write!(
                        std::io::stdout(),
                        "{}",
                        summary(&shown, s, g, &c.diagnostics)
                    );
                }
            } else {
                let _ = writeln!(
                    std::io::stderr(),
                    "{shown}: {} error(s), {} warning(s)",
                    c.diagnostics.error_count(),
                    c.diagnostics.warning_count()
                );
            }
            worst = worst.max(code);
        }
    }
    worst
}

pub fn explain(ui: &Ui, args: &ExplainArgs) -> u8 {
    match args.code.parse::<Code>() {
        Ok(code) => {
            let _ = write!(std::io::stdout(), "{}", code.explanation());
            EXIT_OK
        }
        Err(()) => {
            ui.error(&format!(
                "unknown code `{}`; codes look like K0303 (see docs/codes/)",
                args.code
            ));
            EXIT_USAGE
        }
    }
}
