#!/usr/bin/env bash
# Benchmarks kokuc as users run it and writes the results into docs/performance.md.
#
#   scripts/bench.sh            # everything (about 5 minutes on 2 cores)
#   RUNS=3 scripts/bench.sh     # fewer runs per measurement (default 5)
#
# It builds the release binary and the examples (gen_stack, floor), generates
# the benchmark stacks, times whole `kokuc build` / `kokuc check` processes and
# the floor program (wall time, median of RUNS; peak resident memory), runs the
# `recheck` criterion bench (the language server's re-check), and replaces the
# results section of docs/performance.md (between the `bench:begin` and
# `bench:end` markers) with the figures, the machine and the commands.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin kokuc --example gen_stack --example floor --example pest_tokens
exec python3 scripts/bench.py "$@"
