//! `kokuc explain CODE`: the long explanation of a diagnostic code.

use std::io::Write;

use crate::cli::args::ExplainArgs;
use crate::cli::{Ui, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::Code;

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
