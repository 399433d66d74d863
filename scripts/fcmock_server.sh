# shellcheck shell=bash
# Sourced by the test runners (tests/conformance/run.sh, tests/browser/run.sh): find or build
# the fcmock binary, start it on a port the kernel picks, and learn that port from its log,
# so that runs side by side never collide.
#
#   source scripts/fcmock_server.sh
#   bin="$(fcmock_binary "$ROOT" "$OUT")" || exit 2   # FCMOCK_BIN, or a fresh cargo build
#   fcmock_start "$bin" "$OUT/fcmock.log" --seed 42 || exit 2   # sets FCMOCK_PID, FCMOCK_URL
#   trap fcmock_stop EXIT
#
# fcmock logs `listening on http://127.0.0.1:PORT` (tracing, target `fcmock`, level info) to
# stderr once it has bound. fcmock_start runs it with `--host 127.0.0.1 --port 0`, stderr and
# stdout appended to the log file, polls that file for the line, then polls
# `GET /_fcmock/health` until it answers, each within FCMOCK_START_TIMEOUT seconds (default
# 10). FCMOCK_LOG defaults to `info` for the server; a level that hides info lines of target
# `fcmock` hides the port too, and start-up then fails with the log's tail.

# The fcmock binary to run, printed on stdout. FCMOCK_BIN (relative to $1) if set; otherwise
# `cargo build --bin fcmock` in $1 (a no-op when nothing changed) and a copy of the built
# binary in $2, so that a build from another work tree sharing CARGO_TARGET_DIR cannot swap
# the binary under a running suite.
fcmock_binary() {
  local root="$1" out="$2" bin
  if [[ -n "${FCMOCK_BIN:-}" ]]; then
    bin="$FCMOCK_BIN"
    [[ "$bin" = /* ]] || bin="$root/$bin"
    [[ -x "$bin" ]] || { printf 'fcmock: FCMOCK_BIN=%s is not an executable\n' "$bin" >&2; return 1; }
    printf '%s\n' "$bin"
    return 0
  fi
  (cd "$root" && cargo build --quiet --bin fcmock) >&2 \
    || { printf 'fcmock: cargo build failed\n' >&2; return 1; }
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/fcmock"
  [[ "$bin" = /* ]] || bin="$root/$bin"
  if ! mkdir -p "$out" || ! cp -f "$bin" "$out/fcmock"; then
    printf 'fcmock: cannot copy %s to %s\n' "$bin" "$out" >&2
    return 1
  fi
  printf '%s\n' "$out/fcmock"
}

# Milliseconds since the epoch (the deadlines below).
_fcmock_now_ms() { date +%s%3N; }

# fcmock_start BIN LOG [ARGS…]: starts BIN --host 127.0.0.1 --port 0 ARGS…, logging to LOG.
# Sets FCMOCK_PID and FCMOCK_URL (exported). Returns 1, with the log's tail on stderr, if
# the server exits or does not listen and answer within the deadline.
fcmock_start() {
  local bin="$1" log="$2"
  shift 2
  : >"$log" || return 1
  FCMOCK_LOG="${FCMOCK_LOG:-info}" "$bin" --host 127.0.0.1 --port 0 "$@" >>"$log" 2>&1 &
  FCMOCK_PID=$!
  local deadline=$(($(_fcmock_now_ms) + ${FCMOCK_START_TIMEOUT:-10} * 1000)) line=""
  while :; do
    line="$(grep -a -o -m1 'listening on http://[0-9.]*:[0-9]*' "$log" 2>/dev/null)"
    [[ -n "$line" ]] && break
    if ! kill -0 "$FCMOCK_PID" 2>/dev/null; then
      _fcmock_fail "$log" "fcmock exited during start-up"
      return 1
    fi
    if (($(_fcmock_now_ms) >= deadline)); then
      _fcmock_fail "$log" "fcmock logged no 'listening on http://…' line within ${FCMOCK_START_TIMEOUT:-10} s (FCMOCK_LOG=${FCMOCK_LOG:-info})"
      return 1
    fi
    sleep 0.05
  done
  export FCMOCK_URL="${line#listening on }"
  # Bound is not yet serving: fixtures and --state-file load after the listen line.
  until curl -fsS --noproxy '*' -o /dev/null --max-time 2 "$FCMOCK_URL/_fcmock/health" 2>/dev/null; do
    if ! kill -0 "$FCMOCK_PID" 2>/dev/null; then
      _fcmock_fail "$log" "fcmock exited during start-up"
      return 1
    fi
    if (($(_fcmock_now_ms) >= deadline)); then
      _fcmock_fail "$log" "fcmock did not answer GET $FCMOCK_URL/_fcmock/health within ${FCMOCK_START_TIMEOUT:-10} s"
      return 1
    fi
    sleep 0.05
  done
  export FCMOCK_PID
}

_fcmock_fail() {
  printf 'fcmock: %s; the last lines of %s:\n' "$2" "$1" >&2
  tail -n 30 "$1" >&2
  if [[ -n "${FCMOCK_PID:-}" ]] && kill -0 "$FCMOCK_PID" 2>/dev/null; then
    kill "$FCMOCK_PID" 2>/dev/null
  fi
  wait "$FCMOCK_PID" 2>/dev/null
}

# fcmock_stop: SIGTERM to the server fcmock_start started, SIGKILL after 5 s.
fcmock_stop() {
  [[ -n "${FCMOCK_PID:-}" ]] || return 0
  if kill -0 "$FCMOCK_PID" 2>/dev/null; then
    kill "$FCMOCK_PID" 2>/dev/null
    local _
    for _ in $(seq 1 100); do
      kill -0 "$FCMOCK_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -9 "$FCMOCK_PID" 2>/dev/null
  fi
  wait "$FCMOCK_PID" 2>/dev/null
  FCMOCK_PID=""
}
