#!/usr/bin/env bash
# Conformance harness: runs the official Stripe libraries (stripe-python, stripe-node)
# against a freshly started fcmock, then validates every captured response body against
# Stripe's OpenAPI schemas (stripe-openapi/).
#
#   bash tests/conformance/run.sh
#
# Environment:
#   FCMOCK_BIN   fcmock binary (default: target/debug/fcmock; built with `cargo build` if missing)
#   PYTEST_ADDOPTS, NODE_TEST_ARGS   extra arguments for the two suites
#
# Output: target/conformance/{fcmock.log,responses-python.jsonl,responses-node.jsonl}.
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

# ---------------------------------------------------------------- fcmock binary
FCMOCK_BIN="${FCMOCK_BIN:-target/debug/fcmock}"
[[ "$FCMOCK_BIN" = /* ]] || FCMOCK_BIN="$ROOT/$FCMOCK_BIN"
if [[ ! -x "$FCMOCK_BIN" ]]; then
  log "building fcmock ($FCMOCK_BIN is missing)"
  (cd "$ROOT" && cargo build --quiet) || die "cargo build failed"
  [[ -x "$FCMOCK_BIN" ]] || die "$FCMOCK_BIN still missing after cargo build"
fi

# ---------------------------------------------------------------- start the server
PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export FCMOCK_URL="http://127.0.0.1:$PORT"
export FCMOCK_CAPTURE_DIR="$OUT"
SERVER_LOG="$OUT/fcmock.log"
rm -f "$OUT"/responses-python.jsonl "$OUT"/responses-node.jsonl

log "starting $FCMOCK_BIN --port $PORT --seed 42 (log: ${SERVER_LOG#"$ROOT"/})"
"$FCMOCK_BIN" --port "$PORT" --seed 42 >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
cleanup() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "$VENV/bin/python" - "$FCMOCK_URL" "$SERVER_PID" <<'EOF'
import os, sys, time, urllib.error, urllib.request
url, pid = sys.argv[1] + "/v1/customers", int(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        print("fcmock exited during start-up", file=sys.stderr); sys.exit(1)
    try:
        opener.open(url, timeout=1).close(); sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # any status will do: the server answers
    except OSError:
        time.sleep(0.1)
print("fcmock did not answer GET /v1/customers within 10 s", file=sys.stderr); sys.exit(1)
EOF
then
  echo "---- fcmock log ----" >&2; tail -n 50 "$SERVER_LOG" >&2
  exit 2
fi

# ---------------------------------------------------------------- the suites
status=0
results=()

log "python suite (stripe-python $("$VENV/bin/python" -c 'import stripe; print(stripe.VERSION)'))"
(cd "$HERE" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider python/)
rc=$?; results+=("python suite: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

log "node suite (stripe-node $(node -p 'require("'"$HERE"'/node_modules/stripe/package.json").version'))"
(cd "$HERE" && node --test --test-reporter=spec ${NODE_TEST_ARGS:-} node/*.test.mjs)
rc=$?; results+=("node suite: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  results+=("fcmock: DIED during the run (see ${SERVER_LOG#"$ROOT"/})"); status=1
fi

log "schema validation of captured responses"
"$VENV/bin/python" "$HERE/validate_responses.py" "$OUT/responses-python.jsonl" "$OUT/responses-node.jsonl"
rc=$?; results+=("schema validation: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")"); ((rc)) && status=1

log "summary"
printf '  %s\n' "${results[@]}"
exit "$status"
