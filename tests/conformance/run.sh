#!/usr/bin/env bash
# Conformance harness: runs the official Stripe libraries (stripe-python, stripe-node,
# stripe-go, stripe-java, async-stripe) against one freshly started fcmock, then validates
# every captured response body against Stripe's OpenAPI schemas (stripe-openapi/) at the API
# version it was rendered at (scripts/derive_schemas.py).
#
#   bash tests/conformance/run.sh
#
# Environment:
#   FCMOCK_BIN              fcmock binary to run (default: `cargo build` here, then a copy of
#                           ${CARGO_TARGET_DIR:-target}/debug/fcmock in target/conformance/)
#   FCMOCK_FORCED_VERSION   the version of the python and node suites' second pass
#                           (default 2026-07-29.dahlia; the first pass sends the libraries'
#                           pinned 2026-10-28.endive)
#   FCMOCK_RUST_TARGET_DIR  the async-stripe suite's build dir (default target/conformance-rust)
#   PYTEST_ADDOPTS, NODE_TEST_ARGS, GO_TEST_ARGS, MVN_ARGS, CARGO_ARGS   extra arguments
#
# fcmock listens on a port the kernel picks (--port 0); the runner reads it from the
# server's `listening on http://…` log line (scripts/fcmock_server.sh), so runs side by side
# never collide.
# Output: target/conformance/{fcmock.log,api-versions.json,responses-python.jsonl,
# responses-python-dahlia.jsonl,responses-node.jsonl,responses-node-dahlia.jsonl,
# responses-go.jsonl,responses-java.jsonl,responses-rust.jsonl}.
# Exit status: non-zero if the server did not start or any suite, the SDK cross-check or the
# validator failed.
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
FORCED="${FCMOCK_FORCED_VERSION:-2026-07-29.dahlia}"
# The suites name the forced pass's capture file after the release name (…-dahlia.jsonl).
FORCED_TAG="${FORCED#*.}"
CAPTURES=(python "python-$FORCED_TAG" node "node-$FORCED_TAG" go java rust)
rm -f "$OUT"/responses-*.jsonl

# The version registry, for the suites (parameters by version), the schema derivation and
# the validator: `fcmock api-versions`.
export FCMOCK_API_VERSIONS="$OUT/api-versions.json"
"$FCMOCK_BIN" api-versions >"$FCMOCK_API_VERSIONS" || die "$FCMOCK_BIN api-versions failed"

log "starting ${FCMOCK_BIN#"$ROOT"/} --port 0 --seed 42 (log: ${SERVER_LOG#"$ROOT"/})"
trap fcmock_stop EXIT
trap 'exit 130' INT TERM
fcmock_start "$FCMOCK_BIN" "$SERVER_LOG" --seed 42 --tls-port 0 || exit 2
SERVER_PID="$FCMOCK_PID"
# The TLS listener binds before the app starts, so its line is in the log by now.
FCMOCK_TLS_URL="$(grep -a -o -m1 'listening on https://[0-9.]*:[0-9]*' "$SERVER_LOG" | sed 's/^listening on //')"
[[ -n "$FCMOCK_TLS_URL" ]] || die "fcmock did not log its TLS listener (see $SERVER_LOG)"
export FCMOCK_TLS_URL
log "fcmock listens on $FCMOCK_URL and $FCMOCK_TLS_URL"

# ---------------------------------------------------------------- the suites
status=0
results=()
outcome() { # outcome NAME RC: records a suite's result
  results+=("$1: $([[ $2 == 0 ]] && echo passed || echo "FAILED (exit $2)")")
  (($2)) && status=1
  return 0
}

log "schemas by version: derived at the endive shape, cross-checked with stripe-python's and stripe-node's"
"$VENV/bin/python" "$ROOT/scripts/derive_schemas.py" --catalogue "$FCMOCK_API_VERSIONS" --check-sdks
outcome "schema derivation and SDK cross-check" $?

PY_SDK="$("$VENV/bin/python" -c 'import stripe; print(stripe.VERSION, stripe.api_version)')"
NODE_SDK="$(node -p 'const p = "'"$HERE"'/node_modules/stripe/"; require(p + "package.json").version + " " + require(p + "cjs/apiVersion.js").ApiVersion')"
for version in "" "$FORCED"; do
  label="${version:-${PY_SDK#* } (pinned)}"
  log "python suite (stripe-python ${PY_SDK% *}) at $label"
  (cd "$HERE" && FCMOCK_STRIPE_VERSION="$version" "$VENV/bin/python" -m pytest -q -p no:cacheprovider python/)
  outcome "python suite at $label" $?
done

for version in "" "$FORCED"; do
  label="${version:-${NODE_SDK#* } (pinned)}"
  log "node suite (stripe-node ${NODE_SDK% *}) at $label"
  # shellcheck disable=SC2086 # NODE_TEST_ARGS is a list of arguments
  (cd "$HERE" && FCMOCK_STRIPE_VERSION="$version" node --test --test-reporter=spec ${NODE_TEST_ARGS:-} node/*.test.mjs)
  outcome "node suite at $label" $?
done

log "go suite (stripe-go $(sed -n 's|^require github.com/stripe/stripe-go/v[0-9]* ||p' "$HERE/go/go.mod"))"
bash "$HERE/go/run.sh"
outcome "go suite" $?

log "java suite (stripe-java $(sed -n 's|.*<stripe-java.version>\(.*\)</stripe-java.version>.*|\1|p' "$HERE/java/pom.xml"))"
bash "$HERE/java/run.sh"
outcome "java suite" $?

log "rust suite (async-stripe $(sed -n 's|^stripe = .*version = "=\([^"]*\)".*|\1|p' "$HERE/rust/Cargo.toml"))"
bash "$HERE/rust/run.sh"
outcome "rust suite" $?

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  results+=("fcmock: DIED during the run (see ${SERVER_LOG#"$ROOT"/})"); status=1
fi

log "schema validation of captured responses, each at its Stripe-Version"
files=()
for name in "${CAPTURES[@]}"; do files+=("$OUT/responses-$name.jsonl"); done
"$VENV/bin/python" "$HERE/validate_responses.py" --catalogue "$FCMOCK_API_VERSIONS" "${files[@]}"
outcome "schema validation" $?

log "summary"
printf '  %s\n' "${results[@]}"
exit "$status"
