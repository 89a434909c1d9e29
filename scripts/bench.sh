#!/usr/bin/env bash
# Benchmarks (issue 3): builds clinicplan (the MIP worker the service engine runs) and
# clinicplan-bench in one release build, then runs the bench with the given arguments.
#   scripts/bench.sh theatre --size small --seeds 1,2,3 --limits 1,3,10
#   scripts/bench.sh theatre --size medium --seeds 1 --limits 10 --markdown docs/benchmarks.md
#   scripts/bench.sh theatre --scaling --seeds 1
# See docs/benchmarks.md. The large size needs minutes and GiBs of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p clinicplan-service -p clinicplan-bench --bin clinicplan --bin clinicplan-bench
exec target/release/clinicplan-bench "$@"
