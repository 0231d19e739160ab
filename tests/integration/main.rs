//! Integration tests: one binary (like `just`'s tests/lib.rs), one file per area.

mod cli;
mod codes;
mod determinism;
mod docs;
mod gates;
mod manifests;
mod network_policy;
mod output;
mod profiles;
mod scanners;
mod stacks;
mod support;
mod totals;
