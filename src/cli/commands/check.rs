//! `kokuc check`: every check, no output files, a summary on success.

use std::io::Write;

use super::{failed, unreadable};
use crate::cli::args::CheckArgs;
use crate::cli::summary::{selection, summary};
use crate::cli::{Ui, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::eval::FsLoader;
use crate::{compile, Options};

pub fn check(ui: &Ui, args: &CheckArgs) -> u8 {
    let mut worst = EXIT_OK;
    for stack in &args.stacks {
        let limits = args.limits.to_limits();
        let base = Options {
            profile: args.profile.clone(),
            limits: limits.clone(),
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
                    ..Options::default()
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
            worst = worst.max(code);
        }
    }
    worst
}
