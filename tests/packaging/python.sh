#!/usr/bin/env bash
# The Python package (packaging/python): `pip install ./packaging/python` into a fresh venv
# (maturin builds the fcmock binary from this repository's Cargo.toml; with CARGO_TARGET_DIR
# defaulting to <repo>/target it reuses the release build tests/packaging/npm.sh made), then
# stripe-python and pytest, and runs tests/packaging/python/test_fc_flow.py through the
# plugin's `fcmock` fixture with no FCMOCK_BINARY and no fcmock on PATH. Checks that
# `fcmock --version` runs from the venv, that no fcmock process of the venv outlives pytest,
# and that `pip wheel` builds a wheel with the binary, the module and the pytest11 entry
# point. Everything lands in target/packaging-python/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
work="$root/target/packaging-python"
venv="$work/venv"
py="$venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check --no-input)
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

rm -rf "$work"
mkdir -p "$work/wheels"
python3 -m venv "$venv"

echo "== pip install ./packaging/python (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
t=$(now)
"${pip[@]}" install --quiet ./packaging/python
echo "pip install ./packaging/python: $(took "$t")"

echo "== pip install stripe==16.1.0 pytest==9.2.0"
"${pip[@]}" install --quiet stripe==16.1.0 pytest==9.2.0

# A PATH without the venv, cargo's target dir or any fcmock, and no FCMOCK_BINARY: the
# package must find the binary it installed by itself.
clean_path="/usr/local/bin:/usr/bin:/bin"
for d in ${clean_path//:/ }; do
  if [[ -e "$d/fcmock" ]]; then
    echo "$d/fcmock exists: the test needs a PATH without fcmock" >&2
    exit 1
  fi
done
run_clean() {
  env -u FCMOCK_BINARY -u VIRTUAL_ENV PATH="$clean_path" PYTHONDONTWRITEBYTECODE=1 "$@"
}

echo "== fcmock --version (from the venv)"
expected="fcmock $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
got=$("$venv/bin/fcmock" --version)
[[ "$got" == "$expected" ]] || { echo "fcmock --version said '$got', not '$expected'" >&2; exit 1; }
echo "$got"
found=$(cd "$work" && run_clean "$py" -c 'import fcmock; print(fcmock.resolve_binary())')
[[ "$found" == "$venv/bin/fcmock" ]] \
  || { echo "fcmock.resolve_binary() found $found, not $venv/bin/fcmock" >&2; exit 1; }
echo "resolve_binary(): $found"

echo "== pytest tests/packaging/python (the fcmock fixture and fcmock.Server)"
ours() { pgrep -f "^$venv/bin/fcmock" | sort || true; }
before=$(ours)
(cd tests/packaging/python && run_clean "$py" -m pytest -q -p no:cacheprovider test_fc_flow.py)
after=$(ours)
left=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed '/^$/d')
if [[ -n "$left" ]]; then
  echo "fcmock processes left behind by pytest: $left" >&2
  ps -o pid,args -p "$(echo "$left" | paste -sd,)" >&2 || true
  # shellcheck disable=SC2086  # one pid per word
  kill $left 2>/dev/null || true
  exit 1
fi
echo "no fcmock process left behind"

echo "== pip wheel ./packaging/python"
t=$(now)
"${pip[@]}" wheel --quiet --no-deps --wheel-dir "$work/wheels" ./packaging/python
echo "pip wheel ./packaging/python: $(took "$t")"
wheels=("$work"/wheels/fcmock-*.whl)
[[ -f "${wheels[0]}" ]] || { echo "no fcmock wheel in $work/wheels" >&2; exit 1; }
"$py" - "${wheels[0]}" <<'PY'
import sys, zipfile
wheel = sys.argv[1]
names = zipfile.ZipFile(wheel).namelist()
def need(pred, what):
    if not any(pred(n) for n in names):
        sys.exit(f"{wheel} has no {what}: {names}")
need(lambda n: n == "fcmock/__init__.py", "fcmock/__init__.py")
need(lambda n: n == "fcmock/pytest_plugin.py", "fcmock/pytest_plugin.py")
need(lambda n: n.endswith(".data/scripts/fcmock"), "scripts/fcmock binary")
(ep,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
text = zipfile.ZipFile(wheel).read(ep).decode()
lines = [line.replace(" ", "") for line in text.splitlines()]
if "[pytest11]" not in lines or "fcmock=fcmock.pytest_plugin" not in lines:
    sys.exit(f"{ep} lacks the pytest11 entry point:\n{text}")
print(f"{wheel.rsplit('/', 1)[-1]}: binary, module and pytest11 entry point")
PY
echo "python package: ok"
