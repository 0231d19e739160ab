//! The floor program: writes the Kubernetes objects of an N-component tree
//! stack (what `kokuc build` writes for `gen_stack N`) with k8s-openapi and
//! serde_yaml alone, to stdout. `scripts/bench.sh` times it next to kokuc.
//!
//! ```text
//! cargo run --release --example floor -- N > out.yaml
//! ```

#[path = "../benches/support/floor.rs"]
mod floor;

use std::io::{BufWriter, Write as _};
use std::process::ExitCode;

use kokuc::emit::gate::{script, ResolvedGate};

fn main() -> ExitCode {
    let Some(n) = std::env::args().nth(1).and_then(|a| a.parse::<usize>().ok()) else {
        let _ = writeln!(std::io::stderr(), "usage: floor N");
        return ExitCode::from(2);
    };
    let script = script(&ResolvedGate::Tcp { port: 8080 });
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match floor::write(n, &script, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "floor: {e}");
            ExitCode::from(1)
        }
    }
}
