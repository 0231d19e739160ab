//! The language server: an editing session on the input (open, every request
//! at positions taken from it, an edit, the requests again, close).
//!
//! The buffer is `/fuzz/input.koku`, a path that does not exist, with the
//! workspace `/fuzz`: nothing is read from the disk for it, and no stacks are
//! searched for. The real libraries of `stacks/` are open as buffers beside it,
//! so seeds taken from `stacks/koku.koku` (`import "lib/koku.koku"`) evaluate
//! fully. Any panic aborts (libfuzzer-sys's panic hook), even one that the
//! server catches to answer `InternalError`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

// Only its LIBRARIES: the server reads through its own loader.
#[allow(dead_code)]
mod loader;

fuzz_target!(|data: &[u8]| {
    let [(koku, koku_text), (trino, trino_text)] = loader::LIBRARIES;
    let koku = Path::new("/fuzz").join(koku);
    let trino = Path::new("/fuzz").join(trino);
    kokuc::fuzz::check_lsp(
        data,
        Path::new("/fuzz/input.koku"),
        &[(&koku, koku_text), (&trino, trino_text)],
    );
});
