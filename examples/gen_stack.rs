//! Writes a generated `.koku` stack for benchmarks to stdout.
//!
//! ```text
//! cargo run --release --example gen_stack -- N [--dense] [--errors K] [--seed S] > stack.koku
//! ```
//!
//! N components, each written out as its own block: an image, 2 replicas, one
//! port, cpu 500m..1, memory 1Gi..2Gi. By default the `after` graph is a binary
//! tree (component `i` comes after `(i - 1) / 2`); `--dense` puts each
//! component after up to 4 earlier ones chosen by a seeded generator (`--seed`).
//! `--errors K` spreads K independent mistakes over the components, for
//! measuring diagnostics on big broken stacks. The same arguments always write
//! the same file.

#[path = "../benches/support/stack.rs"]
mod stack;

use std::io::Write as _;
use std::process::ExitCode;

fn parse_args() -> Option<stack::Shape> {
    let mut shape = stack::Shape::tree(0);
    let mut n = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dense" => shape.dense = true,
            "--errors" => shape.errors = args.next()?.parse().ok()?,
            "--seed" => shape.seed = args.next()?.parse().ok()?,
            _ => n = Some(a.parse().ok()?),
        }
    }
    shape.components = n?;
    (shape.components > 0 && shape.errors <= shape.components).then_some(shape)
}

fn main() -> ExitCode {
    let Some(shape) = parse_args() else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: gen_stack N [--dense] [--errors K] [--seed S]   (N > 0, K <= N)"
        );
        return ExitCode::from(2);
    };
    let text = stack::generate(shape);
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
