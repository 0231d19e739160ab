//! The files a fuzzed stack can see: the input itself (as `input.koku` and, to
//! reach import cycles and libraries that break the rules, `self.koku`), and the
//! real libraries of `stacks/` so that seeds taken from `stacks/koku.koku`
//! evaluate fully.

use std::path::Path;

use kokuc::eval::loader::{decode, LoadError, Loader};

pub const ROOT: &str = "input.koku";

pub const LIBRARIES: [(&str, &str); 2] = [
    ("lib/koku.koku", include_str!("../../stacks/lib/koku.koku")),
    ("lib/trino.koku", include_str!("../../stacks/lib/trino.koku")),
];

pub struct FuzzLoader<'a> {
    input: &'a [u8],
}

impl<'a> FuzzLoader<'a> {
    pub fn new(input: &'a [u8]) -> FuzzLoader<'a> {
        FuzzLoader { input }
    }
}

impl Loader for FuzzLoader<'_> {
    fn load(&self, path: &Path) -> Result<String, LoadError> {
        let Some(name) = path.to_str() else {
            return Err(LoadError::NotFound);
        };
        if name == ROOT || name == "self.koku" {
            return decode(self.input.to_vec());
        }
        LIBRARIES
            .iter()
            .find(|(p, _)| *p == name)
            .map(|(_, text)| (*text).to_string())
            .ok_or(LoadError::NotFound)
    }
}
