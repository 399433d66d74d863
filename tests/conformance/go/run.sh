#!/usr/bin/env bash
# stripe-go conformance suite: runs Stripe's official Go library against a running fcmock.
#
#   FCMOCK_URL=http://127.0.0.1:PORT FCMOCK_CAPTURE_DIR=target/conformance \
#     bash tests/conformance/go/run.sh [extra go test arguments, e.g. -run TestCustomer -v]
#
# Environment:
#   FCMOCK_URL          base URL of a running fcmock (required)
#   FCMOCK_CAPTURE_DIR  where responses-go.jsonl goes (default: <repo>/target/conformance);
#                       the file is emptied first, then every response is appended
#   GO_TEST_ARGS        extra arguments for go test (e.g. -v)
#
# Needs `go` (the version go.mod names, or newer) on PATH; fails (exit 2) without it, never
# skips. stripe-go comes from the Go module proxy the first time (go.sum pins it), from the
# module cache after that.
# Exit status: go test's (non-zero if any test failed), 2 for a setup problem.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"

die() { printf 'go conformance: %s\n' "$*" >&2; exit 2; }

command -v go >/dev/null 2>&1 || die "go is not installed (need the Go that go.mod names on PATH); the stripe-go suite cannot run"
want_go="$(sed -n 's/^go //p' "$HERE/go.mod")"
have_go="$(go env GOVERSION 2>/dev/null)"
[[ -n "$have_go" ]] || die "go env GOVERSION printed nothing"

# shellcheck source=tests/conformance/suite_env.sh
source "$HERE/../suite_env.sh"
suite_env responses-go.jsonl

printf '==> stripe-go suite (%s, go.mod asks for go %s) against %s (capture: %s/responses-go.jsonl)\n' \
  "$have_go" "$want_go" "$FCMOCK_URL" "$FCMOCK_CAPTURE_DIR"
cd "$HERE" || die "cannot cd to $HERE"
# -count=1: never a cached result, the server is new each time. go.sum is complete, so
# -mod=readonly (go test's default) needs no network once the module cache has stripe-go.
# -v for one line per test; the whole output (stripe-go's log lines included) goes to
# go-test.log, the terminal gets the per-test lines, every failure with its test's own
# lines (file_test.go:N: …), and go test's closing line.
GO_LOG="$FCMOCK_CAPTURE_DIR/go-test.log"
# shellcheck disable=SC2086
go test -count=1 -v ${GO_TEST_ARGS:-} "$@" . 2>&1 | tee "$GO_LOG" \
  | grep -E '^(--- |FAIL|ok |PASS$|panic:)|^[[:space:]]+[A-Za-z0-9_]+_test\.go:[0-9]+:|^# |\.go:[0-9]+:[0-9]+: '
rc=${PIPESTATUS[0]}
passed="$(grep -c -E '^[[:space:]]*--- PASS' "$GO_LOG")"
failed="$(grep -c -E '^[[:space:]]*--- FAIL' "$GO_LOG")"
skipped="$(grep -c -E '^[[:space:]]*--- SKIP' "$GO_LOG")"
printf '==> full go test output: %s\n' "$GO_LOG"
printf 'go: %s passed, %s failed, %s skipped\n' "$passed" "$failed" "$skipped"
if [[ -s "$FCMOCK_CAPTURE_DIR/responses-go.jsonl" ]]; then
  printf '==> captured %s responses in %s/responses-go.jsonl\n' \
    "$(wc -l <"$FCMOCK_CAPTURE_DIR/responses-go.jsonl" | tr -d ' ')" "$FCMOCK_CAPTURE_DIR"
else
  printf 'go conformance: no response was captured\n' >&2
  ((rc)) || rc=1
fi
exit "$rc"
