//! Hard limits that keep hostile or broken input from exhausting time or memory.
//! Each one, when exceeded, is a K0105 diagnostic (or K0209 for recursion),
//! never a crash. The defaults are documented in `docs/language.md` and can be
//! raised on the command line.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest source file accepted, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of expressions in the syntax tree.
    pub max_nesting: usize,
    /// Deepest chain of function calls and nested evaluations.
    pub max_call_depth: usize,
    /// Longest chain of imports (a imports b imports c ...).
    pub max_import_depth: usize,
    /// Most components a stack may declare.
    pub max_components: usize,
    /// Longest string value, in bytes.
    pub max_string_bytes: usize,
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
        }
    }
}
