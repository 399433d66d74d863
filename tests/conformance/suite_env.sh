# shellcheck shell=bash
# Sourced by each language suite's run.sh (go, java, rust): checks FCMOCK_URL, settles
# FCMOCK_CAPTURE_DIR (default <repo>/target/conformance, made absolute) and empties the
# suite's capture file. Expects ROOT and a `die` function; takes the capture file's name.
suite_env() {
  local capture="$1"
  [[ -n "${FCMOCK_URL:-}" ]] || die "FCMOCK_URL is not set (e.g. FCMOCK_URL=http://127.0.0.1:12111)"
  export FCMOCK_URL
  if [[ -z "${FCMOCK_CAPTURE_DIR:-}" ]]; then
    FCMOCK_CAPTURE_DIR="$ROOT/target/conformance"
  fi
  [[ "$FCMOCK_CAPTURE_DIR" = /* ]] || FCMOCK_CAPTURE_DIR="$PWD/$FCMOCK_CAPTURE_DIR"
  export FCMOCK_CAPTURE_DIR
  mkdir -p "$FCMOCK_CAPTURE_DIR" || die "cannot create $FCMOCK_CAPTURE_DIR"
  rm -f "$FCMOCK_CAPTURE_DIR/$capture"
}
