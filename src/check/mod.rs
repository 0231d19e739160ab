//! Stage 4: checks on the resolved stack that need no graph: names, images,
//! resources, budget. Each check is its own file and its own code (K04xx).

mod budget;
mod names;
mod resources;
pub mod usage;

use crate::diagnostics::Diagnostics;
use crate::model::Stack;

pub use budget::check_budget;

/// Runs every check on the stack.
pub fn check(stack: &Stack, diagnostics: &mut Diagnostics) {
    names::check_names(stack, diagnostics);
    resources::check_resources(stack, diagnostics);
    budget::check_budget(stack, diagnostics);
}
