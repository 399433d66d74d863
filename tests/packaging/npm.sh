#!/usr/bin/env bash
# The npm package (packaging/npm): builds fcmock, writes the platform package with
# pack-platform.js, `npm pack`s both, installs the two tarballs (and stripe-node) into a
# scratch project with no FCMOCK_BINARY and no fcmock on PATH, and runs
# tests/packaging/npm/fc_flow.test.mjs there with `node --test`.
# Everything lands in target/packaging-npm/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
work="$root/target/packaging-npm"

echo "== cargo build --release"
cargo build --release
binary="${CARGO_TARGET_DIR:-$root/target}/release/fcmock"

rm -rf "$work"
mkdir -p "$work/tarballs" "$work/project"

echo "== pack-platform.js"
platform_dir="$work/platform"
node packaging/npm/scripts/pack-platform.js "$binary" "$platform_dir"
platform_name=$(node -p "require('$platform_dir/package.json').name")
version=$(node -p "require('$root/packaging/npm/package.json').version")
[[ -x "$platform_dir/bin/fcmock" ]] || { echo "bin/fcmock is not executable" >&2; exit 1; }

echo "== npm pack"
(cd "$work/tarballs" && npm pack --silent "$root/packaging/npm" "$platform_dir" >/dev/null)
main_tgz="$work/tarballs/fcmock-$version.tgz"
# npm names a scoped package's tarball scope-name-version.tgz.
platform_tgz="$work/tarballs/fcmock-${platform_name#@fcmock/}-$version.tgz"
ls -l "$main_tgz" "$platform_tgz"
listing=$(tar -tvzf "$platform_tgz")
[[ "$listing" =~ -rwxr-xr-x[^$'\n']*package/bin/fcmock ]] \
  || { echo "bin/fcmock is not mode 755 in $platform_tgz:" >&2; echo "$listing" >&2; exit 1; }

echo "== npm install (scratch project)"
project="$work/project"
cp tests/packaging/npm/fc_flow.test.mjs "$project/"
cat >"$project/package.json" <<JSON
{ "name": "fcmock-npm-package-test", "private": true, "type": "module" }
JSON
# A PATH without cargo's target dir or any fcmock, and no FCMOCK_BINARY: start() must find
# the binary in the platform package.
node_dir=$(dirname "$(command -v node)")
clean_path="$node_dir:/usr/local/bin:/usr/bin:/bin"
for d in ${clean_path//:/ }; do
  if [[ -e "$d/fcmock" ]]; then
    echo "$d/fcmock exists: the test needs a PATH without fcmock" >&2
    exit 1
  fi
done
run_clean() {
  env -u FCMOCK_BINARY PATH="$clean_path" "$@"
}
# Both tarballs in one command: the platform package at the version fcmock's
# optionalDependencies name, so npm takes it from the tarball instead of the registry.
(cd "$project" && run_clean npm install --no-audit --no-fund --loglevel=error \
  "$main_tgz" "$platform_tgz" stripe@23.1.0)

echo "== verify the platform package came from the local tarball"
(cd "$project" && run_clean node - "$platform_name" "$version" "$platform_tgz" <<'JS'
const fs = require('node:fs');
const [name, version, tgz] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const entry = lock.packages[`node_modules/${name}`];
if (!entry) throw new Error(`${name} is not in package-lock.json`);
if (entry.version !== version) throw new Error(`${name} is ${entry.version}, not ${version}`);
if (!String(entry.resolved).startsWith('file:') || !String(entry.resolved).endsWith(require('node:path').basename(tgz))) {
  throw new Error(`${name} resolved to ${entry.resolved}, not the local tarball`);
}
const nested = Object.keys(lock.packages).filter((k) => k.endsWith(`/node_modules/${name}`));
if (nested.length) throw new Error(`a second copy of ${name}: ${nested.join(', ')}`);
const pkg = require(`${process.cwd()}/node_modules/${name}/package.json`);
console.log(`${name}@${pkg.version} from ${entry.resolved}`);
JS
)
[[ -x "$project/node_modules/$platform_name/bin/fcmock" ]] \
  || { echo "installed bin/fcmock is not executable" >&2; exit 1; }
if run_clean sh -c 'command -v fcmock' >/dev/null; then
  echo "fcmock is on the clean PATH" >&2
  exit 1
fi

echo "== node --test"
ours() { pgrep -f "^$project/node_modules/.*/bin/fcmock" | sort || true; }
before=$(ours)
(cd "$project" && run_clean node --test fc_flow.test.mjs)
# Every server the tests started must be gone once node exits (stop(), and the exit hook).
sleep 0.2
left=$(comm -13 <(echo "$before") <(ours))
if [[ -n "$left" ]]; then
  echo "fcmock processes left behind by node --test: $left" >&2
  exit 1
fi
echo "no fcmock process left behind"
echo "npm package: ok"
