#!/usr/bin/env bash
# Quick start (1): install what is missing, then plan the example week in scenarios/
# and print the theatre lists with the plan's proof of quality.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p clinicplan-service --bin clinicplan
target/release/clinicplan plan-theatres --input scenarios/example-week.json --output target/example-week-plan.json "$@"
