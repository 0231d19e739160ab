//! `kokuc build`: check, then write the manifests.

use std::io::{BufWriter, Write};

use super::{failed, unreadable};
use crate::cli::args::{AnnotateTool, BuildArgs};
use crate::cli::output::{write_directory, OutputError};
use crate::cli::{Ui, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::stream::{stack_hash, write_stream};
use crate::emit::WriteError;
use crate::eval::FsLoader;
use crate::{build as build_stack, compile_for_build, Compilation, Options};

pub fn build(ui: &Ui, args: &BuildArgs) -> u8 {
    let options = Options {
        profile: args.profile.clone(),
        limits: args.limits.to_limits(),
        annotate: AnnotateTool::mode(args.annotate),
        parse_cache: None,
    };
    let Some(dir) = &args.output else {
        return to_stdout(ui, args, &options);
    };
    let (compilation, manifests) = build_stack(&FsLoader, &args.stack, &options);
    if let Some(code) = report(ui, args, &compilation) {
        return code;
    }
    let Some(manifests) = manifests else {
        return EXIT_ERRORS;
    };
    match write_directory(dir, &manifests, args.force) {
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
    }
}

/// Prints the diagnostics; the exit code when they stop the build.
fn report(ui: &Ui, args: &BuildArgs, compilation: &Compilation) -> Option<u8> {
    ui.report(&compilation.diagnostics, &compilation.sources);
    if unreadable(compilation) {
        return Some(EXIT_USAGE);
    }
    if failed(compilation, args.deny_warnings) {
        return Some(EXIT_ERRORS);
    }
    None
}

/// One multi-document stream on stdout, streamed (see `emit::stream`): the
/// same bytes as `build(...).to_yaml()`, without the whole stack in memory.
fn to_stdout(ui: &Ui, args: &BuildArgs, options: &Options) -> u8 {
    let mut compilation = compile_for_build(&FsLoader, &args.stack, options);
    let hashed = match (&compilation.stack, &compilation.graph, compilation.has_errors()) {
        (Some(stack), Some(graph), false) => Some(stack_hash(stack, graph).map_err(|e| (stack.span, e))),
        _ => None,
    };
    if let Some(Err((span, e))) = &hashed {
        compilation.diagnostics.push(Diagnostic::error(
            Code::K0504,
            format!("cannot serialize the manifests: {e}"),
            *span,
            "this stack",
        ));
    }
    if let Some(code) = report(ui, args, &compilation) {
        return code;
    }
    let (Some(stack), Some(graph), Some(Ok(hash))) = (&compilation.stack, &compilation.graph, hashed) else {
        return EXIT_ERRORS;
    };
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write_stream(stack, graph, options.annotate, &hash, &mut out).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => {
            let _ = writeln!(std::io::stderr(), "stack hash: {hash}");
            EXIT_OK
        }
        Err(WriteError::Io(_)) => EXIT_USAGE,
        Err(e) => {
            ui.error(&format!("cannot serialize the manifests: {e}"));
            EXIT_USAGE
        }
    }
}
