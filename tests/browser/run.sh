#!/usr/bin/env bash
# Browser test of the hosted auth page: Debian's chromium driven by playwright-core (no
# browser download), against a freshly started fcmock.
#
#   bash tests/browser/run.sh
#
# Environment: FCMOCK_BIN (default target/debug/fcmock; built if missing), CHROMIUM
# (default /usr/bin/chromium; installed with apt-get when missing and running as root).
# Artifacts: target/browser/*.png (screenshots of every step) and target/browser/fcmock.log.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/browser"
mkdir -p "$OUT"
die() { printf 'browser: %s\n' "$*" >&2; exit 2; }

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  printf '==> installing chromium (apt-get)\n'
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo -n"
  $SUDO apt-get install -y chromium >/dev/null 2>&1 \
    || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y chromium >/dev/null 2>&1; } \
    || die "cannot install chromium; install it or set CHROMIUM"
  [[ -x "$CHROMIUM" ]] || die "$CHROMIUM missing after apt-get install"
fi

(cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null) \
  || die "npm ci failed"

FCMOCK_BIN="${FCMOCK_BIN:-target/debug/fcmock}"
[[ "$FCMOCK_BIN" = /* ]] || FCMOCK_BIN="$ROOT/$FCMOCK_BIN"
if [[ ! -x "$FCMOCK_BIN" ]]; then
  (cd "$ROOT" && cargo build --quiet) || die "cargo build failed"
fi

PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export FCMOCK_URL="http://127.0.0.1:$PORT"
"$FCMOCK_BIN" --port "$PORT" --seed 42 >"$OUT/fcmock.log" 2>&1 &
SERVER_PID=$!
cleanup() {
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
  curl -fsS --noproxy '*' "$FCMOCK_URL/_fcmock/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$OUT/fcmock.log" >&2; die "fcmock exited during start-up"; }
  sleep 0.1
done

cd "$HERE" && NO_PROXY='*' node --test --test-reporter=spec hosted_page.test.mjs
