#!/usr/bin/env bash
# Quick start (2): install what is missing, then run the whole test suite (unit tests,
# end-to-end tests over real gRPC, doc tests) in release mode, plus the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all -- --check
fi
cargo test --release --locked --workspace "$@"
