#!/usr/bin/env bash
# Browser tests of the hosted auth page and the QA dashboard: Debian's chromium driven by
# playwright-core (no browser download), against a freshly started fcmock.
#
#   bash tests/browser/run.sh
#
# Environment: FCMOCK_BIN (default: `cargo build` here, then a copy of
# ${CARGO_TARGET_DIR:-target}/debug/fcmock in target/browser/), CHROMIUM
# (default /usr/bin/chromium; installed with apt-get when missing and running as root).
# Artifacts: target/browser/*.png (screenshots of every step, the dashboard at desktop width
# and 360 px) and target/browser/fcmock.log.
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

# fcmock on a port the kernel picks (--port 0), read back from its `listening on http://…`
# log line (scripts/fcmock_server.sh), so runs side by side never collide.
# shellcheck source=scripts/fcmock_server.sh
source "$ROOT/scripts/fcmock_server.sh"
FCMOCK_BIN="$(fcmock_binary "$ROOT" "$OUT")" || die "no fcmock binary"
trap fcmock_stop EXIT
trap 'exit 130' INT TERM
fcmock_start "$FCMOCK_BIN" "$OUT/fcmock.log" --seed 42 || die "fcmock did not start"
printf '==> fcmock listens on %s (log: %s)\n' "$FCMOCK_URL" "${OUT#"$ROOT"/}/fcmock.log"

cd "$HERE" && NO_PROXY='*' node --test --test-concurrency=1 --test-reporter=spec \
  hosted_page.test.mjs dashboard.test.mjs
