#!/usr/bin/env bash
# Load benchmark (not part of the test command): builds fcmock in release mode, then runs
# `cargo bench --bench load` (benches/load.rs), which takes about two and a half minutes and
# prints:
#
#   * a table, one row per scenario and variant, each driven by `wrk -t1 -c8` or `-c32
#     -d2s --latency` on 127.0.0.1 (after one unmeasured warm-up of each scenario), 3 rounds:
#       bare hyper 1.x server, GET /             (the baseline, at 8 and 32 connections,
#                                                 answering a fixed customer JSON: the body
#                                                 fcmock renders for the GET customer row)
#       fcmock GET  /v1/customers/{id}
#       fcmock POST /v1/customers
#       fcmock POST /v1/financial_connections/sessions
#       fcmock GET  /v1/financial_connections/accounts?limit=10   (a namespace of ten)
#       fcmock POST /v1/customers with one Idempotency-Key        (replays)
#     each at 8 and 32 connections with default logging (FCMOCK_LOG unset: info, stderr to
#     a file) and at 32 with FCMOCK_LOG=warn; columns: requests, errors, req/s, p50 and p99
#     latency (ms), server CPU µs per request (utime+stime from /proc/<pid>/stat over the
#     run, divided by wrk's request count), the ratio of that to the bare server's at the
#     same connection count in the same round (a row is the round with the median ratio),
#     and PASS/MISS against the targets at 32 connections with default logging (≤ 2×
#     GET customer, ≤ 3× POST customer, ≤ 4× POST FC session). A MISS is reported, never a
#     failure: benchmarks are measured, not asserted;
#   * fcmock's start-up time to its first GET /_fcmock/health answer (median of 5, ≤ 10 ms);
#   * fcmock's RSS idle (≤ 10 MiB), after the load runs, and after a PUT /_fcmock/state of
#     one million customers, with the latency of a list page at that size.
#
# Set FCMOCK_BENCH_BIN to measure another fcmock binary. docs/performance.md describes the
# profile behind the numbers.
# Needs Linux (/proc) and wrk; installs wrk with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v wrk >/dev/null 2>&1; then
    echo "=== installing wrk"
    apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi

echo "=== cargo build --release"
cargo build --release

echo "=== cargo bench --bench load"
cargo bench --bench load

echo "=== cargo bench --bench scale (benches/scale.rs: list/retrieve latency at 1k vs 1M stored transactions, RSS per transaction)"
cargo bench --bench scale
