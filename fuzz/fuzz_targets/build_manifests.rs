//! The full build to memory (manifests as YAML, no files), twice for determinism.
#![no_main]

use std::path::Path;

use kokuc::limits::Limits;
use libfuzzer_sys::fuzz_target;

mod loader;

fuzz_target!(|data: &[u8]| {
    let loader = loader::FuzzLoader::new(data);
    kokuc::fuzz::check_build(&loader, Path::new(loader::ROOT), &Limits::default());
});
