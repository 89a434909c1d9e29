#!/usr/bin/env bash
# Quick start (2): install what is missing, then run the whole test suite (unit tests,
# end-to-end tests over real gRPC, doc tests) in release mode, plus the format check.
# The last line totals every test binary's results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all -- --check
fi
# No file imports from a file that imports it back (ARCHITECTURE.md, "Code map").
python3 scripts/import-cycles.py
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --release --locked --workspace "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
