#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ with every .koku file of the repository: the
# stacks, their libraries, the fixtures and the hostile corpus. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in parse compile build_manifests fmt lsp; do
  mkdir -p "fuzz/corpus/$target"
  find stacks tests -name '*.koku' -print0 |
    while IFS= read -r -d '' f; do
      cp "$f" "fuzz/corpus/$target/seed-$(printf '%s' "$f" | tr '/' '_')"
    done
done
echo "seeded: $(ls fuzz/corpus/parse | wc -l) files per target"
