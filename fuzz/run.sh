#!/usr/bin/env bash
# Runs one fuzz target on the stable toolchain: fuzz/run.sh TARGET [SECONDS]
# (TARGET: parse, compile, build_manifests, ...). Seeds the corpus first; the
# corpus, crashes (fuzz/artifacts/TARGET/) and the log (fuzz/TARGET.log) are git-ignored.
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: fuzz/run.sh TARGET [SECONDS]}"
seconds="${2:-600}"
./seed.sh >/dev/null
# cargo-fuzz passes -Zsanitizer and -Cpasses flags that stable rustc accepts only
# with RUSTC_BOOTSTRAP=1. `-s none`: the code is safe Rust (unsafe_code = "forbid"),
# so AddressSanitizer finds little and halves the speed; debug assertions stay on
# to catch arithmetic overflow.
RUSTC_BOOTSTRAP=1 cargo fuzz run -O --debug-assertions -s none "$target" -- \
  -dict=koku.dict -max_len=8192 -timeout=25 -rss_limit_mb=2048 \
  -max_total_time="$seconds" -jobs=1 -print_final_stats=1
mv -f fuzz-0.log "$target.log" 2>/dev/null || true
grep -E "^Done|^stat::|ERROR|panicked" "$target.log" || true
