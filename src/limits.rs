//! Hard limits that keep hostile or broken input from exhausting time or memory.
//! Each one, when exceeded, is a K0105 diagnostic (K0209 for recursion), never
//! a crash, a hang or a runaway allocation. The defaults are documented in
//! `docs/language.md` ("Limits") and each can be changed on the command line
//! (`--max-nesting`, ...; see [`crate::cli::args::LimitArgs`]).

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest source file accepted, in bytes (checked before the file is read whole).
    pub max_file_bytes: usize,
    /// Deepest nesting of expressions in the syntax tree.
    pub max_nesting: usize,
    /// Deepest chain of function calls.
    pub max_call_depth: usize,
    /// Longest chain of imports (a imports b imports c ...).
    pub max_import_depth: usize,
    /// Most components a stack may declare.
    pub max_components: usize,
    /// Longest string value, in bytes.
    pub max_string_bytes: usize,
    /// Longest list value, in elements.
    pub max_list_items: usize,
    /// Most evaluation steps for one compilation (see `eval::budget`).
    pub max_eval_steps: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_nesting: 128,
            max_call_depth: 512,
            max_import_depth: 32,
            max_components: 200_000,
            max_string_bytes: 1024 * 1024,
            max_list_items: 1_000_000,
            max_eval_steps: 10_000_000,
        }
    }
}

/// Stack space that recursive stages keep in reserve. Their depth limits keep
/// them far from it with the default limits; this guard is the backstop when a
/// limit is raised past what the thread's stack can hold.
const STACK_RESERVE_BYTES: usize = 512 * 1024;

/// True when the current thread has less than the reserve left on its stack.
pub(crate) fn stack_exhausted() -> bool {
    stacker::remaining_stack().is_some_and(|left| left < STACK_RESERVE_BYTES)
}
