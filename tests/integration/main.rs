//! Integration tests: one binary (like `just`'s tests/lib.rs), one file per area.

mod cli;
mod codes;
mod corpora;
mod determinism;
mod docs;
mod encoding;
mod gates;
mod golden;
mod limits;
mod manifests;
mod network_policy;
mod output;
mod plan_browser;
mod plan_cli;
mod plan_diff;
mod plan_snapshots;
mod profiles;
mod properties;
mod scanners;
mod stacks;
mod stream;
mod support;
mod totals;
