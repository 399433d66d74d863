#!/usr/bin/env bash
# stripe-java conformance suite: runs Stripe's official Java library against a running fcmock.
#
#   FCMOCK_URL=http://127.0.0.1:PORT FCMOCK_CAPTURE_DIR=target/conformance \
#     bash tests/conformance/java/run.sh [extra mvn arguments, e.g. -Dtest=WebhooksTest]
#
# Environment:
#   FCMOCK_URL                   base URL of a running fcmock (required)
#   FCMOCK_CAPTURE_DIR           where responses-java.jsonl goes (default: <repo>/target/conformance);
#                                the file is emptied first, then every response is appended
#   MVN_ARGS                     extra arguments for mvn (e.g. -o to stay offline)
#
# Needs `java` (17+) and `mvn` on PATH; fails (exit 2) without them, never skips. Maven's local
# repository is the default (~/.m2), so a second run needs no network.
# Exit status: Maven's (non-zero if any test failed), 2 for a setup problem.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"

die() { printf 'java conformance: %s\n' "$*" >&2; exit 2; }

command -v java >/dev/null 2>&1 || die "java is not installed (need a JDK 17+ on PATH); the stripe-java suite cannot run"
command -v mvn >/dev/null 2>&1 || die "mvn (Apache Maven 3.8+) is not installed or not on PATH; the stripe-java suite cannot run"
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ "${java_major%%.*}" =~ ^[0-9]+$ && "${java_major%%.*}" -ge 17 ]] \
  || die "java ${java_major:-?} found; the suite needs Java 17 or newer"

# shellcheck source=tests/conformance/suite_env.sh
source "$HERE/../suite_env.sh"
suite_env responses-java.jsonl

printf '==> stripe-java suite against %s (capture: %s/responses-java.jsonl)\n' "$FCMOCK_URL" "$FCMOCK_CAPTURE_DIR"
# -q hides Maven's own chatter (downloads, compiler, build banners); the one logger raised back
# to INFO is Surefire's, so its per-class lines and the closing "Tests run: N, Failures: F,
# Errors: E, Skipped: S" summary are always printed, as is every failure with its stack.
cd "$HERE" || die "cannot cd to $HERE"
# shellcheck disable=SC2086
mvn -B -q -Dstyle.color=never \
  -Dorg.slf4j.simpleLogger.log.org.apache.maven.plugin.surefire=info \
  ${MVN_ARGS:-} test "$@"
rc=$?
if [[ -s "$FCMOCK_CAPTURE_DIR/responses-java.jsonl" ]]; then
  printf '==> captured %s responses in %s/responses-java.jsonl\n' \
    "$(wc -l <"$FCMOCK_CAPTURE_DIR/responses-java.jsonl" | tr -d ' ')" "$FCMOCK_CAPTURE_DIR"
else
  printf 'java conformance: no response was captured\n' >&2
  ((rc)) || rc=1
fi
exit "$rc"
