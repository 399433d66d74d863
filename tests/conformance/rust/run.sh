#!/usr/bin/env bash
# async-stripe conformance suite: runs async-stripe 1.0 (Stripe's Rust bindings, API version
# 2026-09-30.endive) against a running fcmock.
#
#   FCMOCK_URL=http://127.0.0.1:PORT FCMOCK_CAPTURE_DIR=target/conformance \
#     bash tests/conformance/rust/run.sh [extra cargo test arguments, e.g. -- --nocapture]
#
# Environment:
#   FCMOCK_URL           base URL of a running fcmock (required)
#   FCMOCK_CAPTURE_DIR   where responses-rust.jsonl goes (default: <repo>/target/conformance);
#                        the file is emptied first, then every response is appended
#   FCMOCK_RUST_TARGET_DIR  build directory (default: <repo>/target/conformance-rust). An
#                        exported CARGO_TARGET_DIR (fcmock's own build) is not used: this
#                        crate's build stays apart, inside the repo's target/
#   CARGO_ARGS           extra arguments for cargo before `test` (e.g. --offline)
#
# Needs `cargo` (Rust 1.89+, async-stripe's MSRV) on PATH; fails (exit 2) without it, never
# skips. The build uses the committed Cargo.lock (--locked); crates.io is needed the first
# time only. A cold build is a few minutes on 2 cores (README.md).
# Exit status: cargo's (non-zero if any test failed), 1 if nothing was captured, 2 for a
# setup problem.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"

die() { printf 'rust conformance: %s\n' "$*" >&2; exit 2; }

command -v cargo >/dev/null 2>&1 || die "cargo is not installed or not on PATH; the async-stripe suite cannot run"
rustc_minor="$(rustc --version 2>/dev/null | sed -n 's/^rustc 1\.\([0-9]*\).*/\1/p')"
[[ "$rustc_minor" =~ ^[0-9]+$ && "$rustc_minor" -ge 89 ]] \
  || die "rustc $(rustc --version 2>/dev/null || echo '?') found; async-stripe 1.0.0-rc.10 needs Rust 1.89 or newer"

# shellcheck source=tests/conformance/suite_env.sh
source "$HERE/../suite_env.sh"
suite_env responses-rust.jsonl
export CARGO_TARGET_DIR="${FCMOCK_RUST_TARGET_DIR:-$ROOT/target/conformance-rust}"

printf '==> async-stripe suite against %s (capture: %s/responses-rust.jsonl)\n' "$FCMOCK_URL" "$FCMOCK_CAPTURE_DIR"
cd "$HERE" || die "cannot cd to $HERE"
# shellcheck disable=SC2086
cargo ${CARGO_ARGS:-} test --locked "$@"
rc=$?
if [[ -s "$FCMOCK_CAPTURE_DIR/responses-rust.jsonl" ]]; then
  printf '==> captured %s responses in %s/responses-rust.jsonl\n' \
    "$(wc -l <"$FCMOCK_CAPTURE_DIR/responses-rust.jsonl" | tr -d ' ')" "$FCMOCK_CAPTURE_DIR"
else
  printf 'rust conformance: no response was captured\n' >&2
  ((rc)) || rc=1
fi
exit "$rc"
