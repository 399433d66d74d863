#!/usr/bin/env bash
# The one test command (README "Test"): lint (with the layer and function-length checks of
# docs/architecture.md), unit and integration tests, then the conformance suites that drive
# fcmock with the official stripe-python, stripe-node, stripe-go, stripe-java and
# async-stripe libraries and validate every response against Stripe's OpenAPI schemas. It
# installs what it needs (a Python venv and node_modules under tests/conformance/,
# stripe-go in Go's module cache, stripe-java in ~/.m2, async-stripe from crates.io) on
# first run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n=== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --quiet --all-targets -- -D warnings

step "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps

step "layers and function length (docs/architecture.md, Checks)"
python3 scripts/import_graph.py --check
python3 scripts/long_functions.py --check
python3 scripts/sdk_models_table.py --check

step "cargo test (unit and integration)"
cargo test --quiet

step "conformance: stripe-python, stripe-node, stripe-go, stripe-java and async-stripe against fcmock"
bash tests/conformance/run.sh

step "browser: the hosted auth page in chromium (playwright-core)"
bash tests/browser/run.sh

step "packaging: a crate depending on fcmock by path (MockServer in-process)"
bash tests/packaging/rust.sh --quiet

step "packaging: the npm package from npm pack tarballs"
bash tests/packaging/npm.sh

step "packaging: pip install ./packaging/python and the pytest fixture"
bash tests/packaging/python.sh
