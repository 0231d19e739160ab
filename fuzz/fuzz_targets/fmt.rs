//! The formatter: a file that parses formats, idempotently, with the same
//! meaning and comments; one that does not gets a well-formed error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kokuc::fuzz::check_fmt(data);
});
