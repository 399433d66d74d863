#!/usr/bin/env bash
# The bounded soak (issue: reliability): about ten minutes of mixed traffic on loopback
# against a release build, printing requests, errors and the server's RSS every 5 s, then
# RSS at idle, after warm-up and at the end. Not part of the test command.
#   SOAK_ROUNDS=40000 SOAK_WORKERS=8 SOAK_SECONDS=600 ./scripts/soak.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet
cargo bench --quiet --bench soak
