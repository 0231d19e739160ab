//! The parser alone: arbitrary bytes → UTF-8 check → syntax tree or diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kokuc::fuzz::check_parse(data);
});
