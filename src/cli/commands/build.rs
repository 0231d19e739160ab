//! `kokuc build`: check, then write the manifests.

use std::io::Write;

use super::{failed, unreadable};
use crate::cli::args::{AnnotateTool, BuildArgs};
use crate::cli::output::{write_directory, OutputError};
use crate::cli::{Ui, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::eval::FsLoader;
use crate::{build as build_stack, Options};

pub fn build(ui: &Ui, args: &BuildArgs) -> u8 {
    let options = Options {
        profile: args.profile.clone(),
        limits: args.limits.to_limits(),
        annotate: AnnotateTool::mode(args.annotate),
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
                    "wrote {count} files to {}\nstack hash: {}",
                    dir.display(),
                    manifests.stack_hash
                );
                EXIT_OK
            }
            Err(OutputError { code, message }) => {
                ui.coded_error(code, &message);
                EXIT_USAGE
            }
        },
        None => match manifests.to_yaml() {
            Ok(yaml) => {
                let mut out = std::io::stdout().lock();
                if out.write_all(yaml.as_bytes()).and_then(|()| out.flush()).is_err() {
                    return EXIT_USAGE;
                }
                let _ = writeln!(std::io::stderr(), "stack hash: {}", manifests.stack_hash);
                EXIT_OK
            }
            Err(e) => {
                ui.error(&format!("cannot serialize the manifests: {e}"));
                EXIT_USAGE
            }
        },
    }
}
