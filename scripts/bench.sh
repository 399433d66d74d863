#!/usr/bin/env bash
# Load benchmark (not part of the test command): builds fcmock in release mode, then runs
# `cargo bench --bench load` (benches/load.rs), which takes about a minute and prints:
#
#   * a table, one row per scenario, each driven by `wrk -t1 -c8 -d5s --latency` on
#     127.0.0.1 after a 1 s unmeasured warm-up:
#       (a) a bare hyper 1.x server, GET /            (the baseline)
#       (b) fcmock GET  /v1/customers/{id}
#       (c) fcmock POST /v1/customers
#       (d) fcmock POST /v1/financial_connections/sessions
#       (e) fcmock GET  /v1/financial_connections/accounts/{id}
#       (f) fcmock GET  /v1/financial_connections/transactions?account=…&limit=100
#     with columns: requests, errors (non-2xx + socket errors), req/s, p50 and p99 latency
#     (ms), server CPU µs per request (utime+stime from /proc/<pid>/stat over the run,
#     divided by wrk's request count), the ratio of that to the bare hyper server's, and
#     PASS/MISS against the targets (≤ 2.5× GET customer, ≤ 4× POST customer, ≤ 5× POST FC
#     session). A MISS is reported, never a failure: benchmarks are measured, not asserted;
#   * fcmock's start-up time to its first GET /_fcmock/health answer (ms);
#   * fcmock's RSS (VmRSS), idle after start-up and after all scenarios.
#
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
