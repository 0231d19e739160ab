//! The command line. The only module that reads argv, prints, writes files and
//! picks exit codes; everything else is the library.

pub mod args;
mod commands;
mod git;
pub mod output;
mod planned;
mod summary;
mod write_file;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::diagnostics::render::{RenderOptions, Renderer};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::SourceMap;
use args::{Cli, ColorChoice, Command};

/// Exit codes: 0 success, 1 the input has errors, 2 usage or I/O problems.
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERRORS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let ui = Ui::new(cli.color);
    let code = match cli.command {
        Command::Build(a) => commands::build(&ui, &a),
        Command::Check(a) => commands::check(&ui, &a),
        Command::Explain(a) => commands::explain(&ui, &a),
        Command::Plan(a) => commands::plan(&ui, &a),
        Command::Graph(a) => commands::graph(&ui, &a),
        Command::Report(a) => commands::report(&ui, &a),
        Command::Diff(a) => commands::diff(&ui, &a),
        Command::Fmt(a) => commands::fmt(&ui, &a),
        Command::Lsp => commands::lsp(&ui),
        Command::Completions(a) => commands::completions(&ui, &a),
        Command::Man => commands::man(&ui),
    };
    ExitCode::from(code)
}

/// Where and how to report.
pub struct Ui {
    render: RenderOptions,
}

impl Ui {
    fn new(color: ColorChoice) -> Ui {
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stderr_tty && !no_color,
        };
        let width = if stderr_tty {
            terminal_width().unwrap_or(100)
        } else {
            100
        };
        Ui {
            render: RenderOptions { color, width },
        }
    }

    /// Prints diagnostics to stderr, in source order.
    pub fn report(&self, diagnostics: &Diagnostics, sources: &SourceMap) {
        let sorted: Vec<Diagnostic> = diagnostics.clone().into_sorted();
        let renderer = Renderer::new(sources, self.render);
        let mut err = std::io::stderr().lock();
        for d in &sorted {
            let _ = writeln!(err, "{}\n", renderer.render(d));
        }
    }

    pub fn note(&self, message: &str) {
        let _ = writeln!(std::io::stderr().lock(), "note: {message}");
    }

    pub fn error(&self, message: &str) {
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    }

    /// An error that is not about the source (no span), with its code for `kokuc explain`.
    pub fn coded_error(&self, code: crate::diagnostics::Code, message: &str) {
        let _ = writeln!(std::io::stderr().lock(), "error[{code}]: {message}");
    }
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok()?.parse().ok().filter(|w: &usize| *w >= 40)
}
