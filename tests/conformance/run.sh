#!/usr/bin/env bash
# Conformance harness: runs the official Stripe libraries (stripe-python, stripe-node,
# stripe-go, stripe-java) against one freshly started fcmock, then validates every captured
# response body against Stripe's OpenAPI schemas (stripe-openapi/).
#
#   bash tests/conformance/run.sh
#
# Environment:
#   FCMOCK_BIN   fcmock binary to run (default: `cargo build` here, then a copy of
#                ${CARGO_TARGET_DIR:-target}/debug/fcmock in target/conformance/)
#   PYTEST_ADDOPTS, NODE_TEST_ARGS, GO_TEST_ARGS, MVN_ARGS   extra arguments for the suites
#
# fcmock listens on a port the kernel picks (--port 0); the runner reads it from the
# server's `listening on http://…` log line (scripts/fcmock_server.sh), so runs side by side
# never collide.
# Output: target/conformance/{fcmock.log,responses-python.jsonl,responses-node.jsonl,
# responses-go.jsonl,responses-java.jsonl}.
# Exit status: non-zero if the server did not start or any suite or the validator failed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/conformance"
mkdir -p "$OUT"

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'conformance: %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------- dependencies
log "installing test dependencies"
VENV="$HERE/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV" || die "cannot create $VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt" \
  || die "pip install failed"
(cd "$HERE" && npm ci --silent --no-audit --no-fund >/dev/null) || die "npm ci failed"

# ---------------------------------------------------------------- start the server
# On a port the kernel picks (--port 0), read back from the server's log line, so that runs
# side by side never collide (scripts/fcmock_server.sh).
# shellcheck source=scripts/fcmock_server.sh
source "$ROOT/scripts/fcmock_server.sh"
FCMOCK_BIN="$(fcmock_binary "$ROOT" "$OUT")" || die "no fcmock binary"
export FCMOCK_CAPTURE_DIR="$OUT"
SERVER_LOG="$OUT/fcmock.log"
rm -f "$OUT"/responses-{python,node,go,java}.jsonl

log "starting ${FCMOCK_BIN#"$ROOT"/} --port 0 --seed 42 (log: ${SERVER_LOG#"$ROOT"/})"
trap fcmock_stop EXIT
trap 'exit 130' INT TERM
fcmock_start "$FCMOCK_BIN" "$SERVER_LOG" --seed 42 || exit 2
SERVER_PID="$FCMOCK_PID"
log "fcmock listens on $FCMOCK_URL"

# ---------------------------------------------------------------- the suites
status=0
results=()

log "python suite (stripe-python $("$VENV/bin/python" -c 'import stripe; print(stripe.VERSION)'))"
(cd "$HERE" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider python/)
rc=$?; results+=("python suite: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

log "node suite (stripe-node $(node -p 'require("'"$HERE"'/node_modules/stripe/package.json").version'))"
# shellcheck disable=SC2086 # NODE_TEST_ARGS is a list of arguments
(cd "$HERE" && node --test --test-reporter=spec ${NODE_TEST_ARGS:-} node/*.test.mjs)
rc=$?; results+=("node suite: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

log "go suite (stripe-go $(sed -n 's|^require github.com/stripe/stripe-go/v[0-9]* ||p' "$HERE/go/go.mod"))"
bash "$HERE/go/run.sh"
rc=$?; results+=("go suite: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

log "java suite (stripe-java $(sed -n 's|.*<stripe-java.version>\(.*\)</stripe-java.version>.*|\1|p' "$HERE/java/pom.xml"))"
bash "$HERE/java/run.sh"
rc=$?; results+=("java suite: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  results+=("fcmock: DIED during the run (see ${SERVER_LOG#"$ROOT"/})"); status=1
fi

log "schema validation of captured responses"
"$VENV/bin/python" "$HERE/validate_responses.py" "$OUT"/responses-{python,node,go,java}.jsonl
rc=$?; results+=("schema validation: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

log "summary"
printf '  %s\n' "${results[@]}"
exit "$status"
