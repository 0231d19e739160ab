//! Stage 4: checks on the resolved stack that need no graph: names, images,
//! resources, security and availability settings, budget. Each check is its own file and its own code (K04xx).

mod budget;
pub mod image;
mod names;
mod policy;
mod resources;
pub mod usage;

use crate::diagnostics::Diagnostics;
use crate::model::Stack;

pub use budget::check_budget;

/// Runs every check on the stack.
pub fn check(stack: &Stack, diagnostics: &mut Diagnostics) {
    names::check_names(stack, diagnostics);
    resources::check_resources(stack, diagnostics);
    image::check_images(stack, diagnostics);
    policy::check_policies(stack, diagnostics);
    budget::check_budget(stack, diagnostics);
}
