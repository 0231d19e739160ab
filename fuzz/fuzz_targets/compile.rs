//! Parse + evaluate + check (stages 1-4), base stack and declared profiles.
#![no_main]

use std::path::Path;

use kokuc::limits::Limits;
use libfuzzer_sys::fuzz_target;

mod loader;

fuzz_target!(|data: &[u8]| {
    let loader = loader::FuzzLoader::new(data);
    kokuc::fuzz::check_compile(&loader, Path::new(loader::ROOT), &Limits::default());
});
