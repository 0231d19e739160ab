//! One file per subcommand.

mod build;
mod check;
mod completions;
mod diff;
mod explain;
mod fmt;
mod graph;
mod lsp;
mod plan;
mod report;

pub use build::build;
pub use check::check;
pub use completions::{completions, man};
pub use diff::diff;
pub use explain::explain;
pub use fmt::fmt;
pub use graph::graph;
pub use lsp::lsp;
pub use plan::plan;
pub use report::report;

use crate::diagnostics::{Code, Severity};
use crate::Compilation;

/// Did the compilation fail, counting warnings when they are denied?
pub(super) fn failed(c: &Compilation, deny_warnings: bool) -> bool {
    c.has_errors() || (deny_warnings && c.diagnostics.iter().any(|d| d.severity == Severity::Warning))
}

/// Read errors on the root file are I/O problems (exit 2), not errors in the stack.
pub(crate) fn unreadable(c: &Compilation) -> bool {
    c.root.is_none() && c.diagnostics.iter().any(|d| d.code == Code::K0210)
}
