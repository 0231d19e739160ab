//! `kokuc completions SHELL` and `kokuc man`: generated from the clap definitions.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::args::{Cli, CompletionsArgs, Shell};
use crate::cli::{Ui, EXIT_OK, EXIT_USAGE};

pub fn completions(_ui: &Ui, args: &CompletionsArgs) -> u8 {
    let mut command = Cli::command();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "kokuc", &mut out);
    write_all(&out)
}

pub fn man(ui: &Ui) -> u8 {
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
        ui.error(&format!("cannot render the man page: {e}"));
        return EXIT_USAGE;
    }
    write_all(&out)
}

fn write_all(bytes: &[u8]) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_USAGE,
    }
}
