//! `kokuc lsp`: the language server on stdin/stdout.

use crate::cli::{Ui, EXIT_OK, EXIT_USAGE};

pub fn lsp(ui: &Ui) -> u8 {
    match crate::lsp::run() {
        Ok(()) => EXIT_OK,
        Err(e) => {
            ui.error(&format!("language server: {e}"));
            EXIT_USAGE
        }
    }
}
