#!/usr/bin/env bash
# Benchmarks: builds clinicplan (the MIP worker the service engine runs) and
# clinicplan-bench in one release build, then runs the bench with the given arguments.
#   scripts/bench.sh theatre --size small --seeds 1,2,3 --limits 1,3,10
#   scripts/bench.sh theatre --size small --families all --seeds 1,2 --limits 10 --no-whole-model \
#       --markdown docs/bench-log/$(date -u +%F)-families.md
#   scripts/bench.sh theatre --scaling --seeds 1
# See docs/benchmarks.md. The large size needs minutes and GiBs of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
# The whole workspace's binaries: a -p build resolves features apart and would compile HiGHS again.
cargo build --release --locked --workspace --bins
exec target/release/clinicplan-bench "$@"
