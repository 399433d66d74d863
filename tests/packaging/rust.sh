#!/usr/bin/env bash
# Packaging check for Rust users: builds tests/packaging/rust/, a crate that depends on fcmock
# by path (as a user's project would), and runs its test, which drives the Financial
# Connections flow through `fcmock::MockServer::start()` in-process.
#
#   bash tests/packaging/rust.sh [extra cargo test arguments]
#
# Environment:
#   FCMOCK_PACKAGING_TARGET_DIR  build directory (default: <repo>/target/packaging-rust). An
#                                exported CARGO_TARGET_DIR is not used: this build compiles
#                                fcmock as a dependency and stays apart from fcmock's own
#   CARGO_ARGS                   extra arguments for cargo before `test` (e.g. --offline)
#
# The build uses the committed Cargo.lock (--locked). A cold build recompiles fcmock and its
# dependencies (97 crates): 45 s measured on 2 shared cores, a warm registry cache.
# Exit status: cargo's; 2 when cargo is missing.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

command -v cargo >/dev/null 2>&1 || { echo "rust packaging: cargo is not on PATH" >&2; exit 2; }
export CARGO_TARGET_DIR="${FCMOCK_PACKAGING_TARGET_DIR:-$ROOT/target/packaging-rust}"

printf '==> a crate depending on fcmock by path (%s), built in %s\n' "$HERE/rust" "$CARGO_TARGET_DIR"
cd "$HERE/rust" || exit 2
# shellcheck disable=SC2086
cargo ${CARGO_ARGS:-} test --locked "$@"
