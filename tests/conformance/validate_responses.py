#!/usr/bin/env python3
"""Validates every response captured by the conformance suites against Stripe's schemas.

Input: JSON lines (``{"method","path","status","version","body",...}``), by default
``target/conformance/responses-*.jsonl``. ``version`` is the ``Stripe-Version`` header of the
response, i.e. the API version fcmock rendered it at; each response is checked against the
schemas of that version, derived from ``stripe-openapi/schemas.draft7.json`` by
``scripts/derive_schemas.py`` (once per version) with the version registry read from
``fcmock api-versions`` (``--catalogue``). A line without ``version`` is checked at the
catalogue's latest version. For each response:

* status >= 400: the body must be Stripe's error envelope (definition ``error``);
* otherwise: the operation's 200 schema from ``stripe-openapi/spec-subset.json`` (converted
  to draft 7 the way ``stripe-openapi/README.md`` describes), or, for endpoints fcmock
  emulates that the subset lacks, the schema mapped in ``EXTRA_ENDPOINTS``.

Two checks run on each body:

1. JSON Schema draft 7 validation (``jsonschema.Draft7Validator``) against
   ``stripe-openapi/schemas.draft7.json``.
2. **No undeclared fields**: Stripe's schemas never set ``additionalProperties: false``,
   so (1) alone lets a mock invent fields. The body is walked alongside its schema
   (resolving ``$ref``; for ``anyOf``/``oneOf`` only the branches the value validates
   against), and every object key missing from a schema that declares ``properties`` and no
   ``additionalProperties`` schema is reported.

Exit status 1 if any response fails, if a success response has no known schema, or if no
response was captured at all (a check that cannot fail is a defect).

Usage: validate_responses.py [--catalogue FILE|FCMOCK_BIN] [--schemas-dir DIR] [FILE.jsonl ...]

``--catalogue`` defaults to ``$FCMOCK_API_VERSIONS``, else
``target/conformance/api-versions.json``, else the binary ``target/conformance/fcmock``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, ValidationError

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "scripts"))
import derive_schemas  # noqa: E402  (scripts/derive_schemas.py)

# Endpoints fcmock emulates that the spec subset does not carry: (method, path template,
# schema). A schema is a definition name, or ("list", definition) for a list of it.
EXTRA_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("POST", "/v1/accounts", "account"),
    ("POST", "/v1/accounts/{account}/external_accounts", "bank_account"),
    ("POST", "/v1/payment_methods/{payment_method}/attach", "payment_method"),
    ("POST", "/v1/payment_methods/{payment_method}/detach", "payment_method"),
    ("GET", "/v1/customers/{customer}/payment_methods", ("list", "payment_method")),
    ("GET", "/v1/events", ("list", "event")),
    ("GET", "/v1/events/{id}", "event"),
    ("POST", "/v1/webhook_endpoints", "webhook_endpoint"),
    ("GET", "/v1/webhook_endpoints", ("list", "webhook_endpoint")),
    ("GET", "/v1/webhook_endpoints/{id}", "webhook_endpoint"),
    ("POST", "/v1/webhook_endpoints/{id}", "webhook_endpoint"),
    ("DELETE", "/v1/webhook_endpoints/{id}", "deleted_webhook_endpoint"),
    ("GET", "/v1/customers/search", ("search_result", "customer")),
    ("GET", "/v1/customers/{customer}/payment_methods/{payment_method}", "payment_method"),
    ("GET", "/v1/accounts/{account}/external_accounts", ("list", "bank_account")),
    ("GET", "/v1/accounts/{account}/external_accounts/{id}", "bank_account"),
    # ACH Direct Debit (#16): the subset carries these schemas in its closure (2023 shapes).
    ("POST", "/v1/payment_intents", "payment_intent"),
    ("GET", "/v1/payment_intents", ("list", "payment_intent")),
    ("GET", "/v1/payment_intents/{intent}", "payment_intent"),
    ("POST", "/v1/payment_intents/{intent}", "payment_intent"),
    ("POST", "/v1/payment_intents/{intent}/confirm", "payment_intent"),
    ("POST", "/v1/payment_intents/{intent}/cancel", "payment_intent"),
    ("POST", "/v1/payment_intents/{intent}/verify_microdeposits", "payment_intent"),
    ("POST", "/v1/payment_intents/{intent}/capture", "payment_intent"),
    ("POST", "/v1/setup_intents", "setup_intent"),
    ("GET", "/v1/setup_intents", ("list", "setup_intent")),
    ("GET", "/v1/setup_intents/{intent}", "setup_intent"),
    ("POST", "/v1/setup_intents/{intent}", "setup_intent"),
    ("POST", "/v1/setup_intents/{intent}/confirm", "setup_intent"),
    ("POST", "/v1/setup_intents/{intent}/cancel", "setup_intent"),
    ("POST", "/v1/setup_intents/{intent}/verify_microdeposits", "setup_intent"),
    ("GET", "/v1/mandates/{mandate}", "mandate"),
    ("GET", "/v1/charges", ("list", "charge")),
    ("GET", "/v1/charges/{charge}", "charge"),
    ("GET", "/v1/disputes", ("list", "dispute")),
    ("GET", "/v1/disputes/{dispute}", "dispute"),
]

# Responses that are not Stripe's public v1 API and so have no schema to check against:
# fcmock's control API, the example backend, and the client-side (SDK) endpoints, which
# the GA spec does not describe (stripe-openapi/README.md). (method or None, regex).
NOT_STRIPE_PUBLIC_API: list[tuple[Optional[str], str]] = [
    (None, r"^/_fcmock(/.*)?$"),
    (None, r"^/financial-connections-sheet(/.*)?$"),
    (None, r"^/v1/financial_connections/sessions/synchronize$"),
    (None, r"^/v1/link_account_sessions(/.*)?$"),
    (None, r"^/v1/consumers(/.*)?$"),
    (None, r"^/v1/(payment|setup)_intents/[^/]+/link_account_sessions(/.*)?$"),
    (None, r"^/hosted(/.*)?$"),
]

# Problems fcmock is known to have, each reported as a server bug and pinned by an
# `#[ignore = "server bug: …"]` integration test: (method, path template, regex of the JSON
# pointer, reason). A matching problem is printed as XFAIL and does not fail the run; the run
# says when an entry no longer matches anything, so it can be removed once the server is fixed.
KNOWN_SERVER_BUGS: list[tuple[str, str, str, str]] = []

ERROR_SCHEMA = {"$ref": "#/definitions/error"}
MISSING_FILES: list[str] = []


def nullable_rewrite(node: Any) -> Any:
    """README's rewrite: OpenAPI 3.0 ``nullable`` and ``#/components/schemas`` → draft 7."""
    if isinstance(node, list):
        return [nullable_rewrite(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: nullable_rewrite(v) for k, v in node.items() if k != "nullable"}
    if isinstance(out.get("$ref"), str):
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/definitions/")
    if node.get("nullable") is True:
        if "type" in out:
            t = out["type"]
            out["type"] = (t if isinstance(t, list) else [t]) + ([] if t == "null" else ["null"])
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        for key in ("anyOf", "oneOf"):
            if key in out and {"type": "null"} not in out[key]:
                out[key] = out[key] + [{"type": "null"}]
    return out


def template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile(
        "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
    )


class Schemas:
    """The schemas of one API version: its ``definitions`` and the route table."""

    def __init__(self, doc: dict[str, Any], spec: dict[str, Any]) -> None:
        self.doc = doc
        self.defs: dict[str, Any] = self.doc["definitions"]
        self.routes: list[tuple[str, re.Pattern[str], str, Any]] = []
        self.notes: list[str] = []
        for template, item in spec["paths"].items():
            for method, op in item.items():
                if method not in ("get", "post", "delete"):
                    continue
                schema = op["responses"]["200"]["content"]["application/json"]["schema"]
                self.routes.append(
                    (method.upper(), template_regex(template), template, nullable_rewrite(schema))
                )
        spec_keys = {(m, t) for m, _, t, _ in self.routes}
        missing: dict[str, list[str]] = {}
        for method, template, target in EXTRA_ENDPOINTS:
            if (method, template) in spec_keys:
                continue
            name = target[1] if isinstance(target, tuple) else target
            if name not in self.defs:
                missing.setdefault(name, []).append(f"{method} {template}")
                self.routes.append((method, template_regex(template), template, None))
                continue
            if isinstance(target, tuple):
                kind = target[0]
                schema = {
                    "type": "object",
                    "required": ["data", "has_more", "object", "url"],
                    "properties": {
                        "data": {"type": "array", "items": {"$ref": f"#/definitions/{name}"}},
                        "has_more": {"type": "boolean"},
                        "object": {"type": "string", "enum": [kind]},
                        "url": {"type": "string"},
                    },
                }
                if kind == "search_result":
                    # Stripe's search_result: `next_page` (null on the last page) and
                    # `total_count` only when expanded (API reference, Search).
                    schema["required"].append("next_page")
                    schema["properties"]["next_page"] = {"type": ["string", "null"]}
                    schema["properties"]["total_count"] = {"type": "integer"}
            else:
                schema = {"$ref": f"#/definitions/{name}"}
            self.routes.append((method, template_regex(template), template, schema))
        # As fcmock's router does: the template with more literal segments wins, so
        # /v1/customers/search is not taken for /v1/customers/{customer}.
        self.routes.sort(key=lambda r: -sum(1 for p in r[2].split("/") if p and not p.startswith("{")))
        for name, endpoints in missing.items():
            self.notes.append(
                f"note: schemas.draft7.json has no `{name}`; responses of "
                f"{', '.join(endpoints)} are skipped"
            )
        self._validators: dict[int, Draft7Validator] = {}
        self._keep: list[Any] = []  # keeps cached schemas alive so id()s stay unique

    def validator(self, schema: Any) -> Draft7Validator:
        """A draft-7 validator for any (sub)schema, resolving refs against the definitions."""
        key = id(schema)
        v = self._validators.get(key)
        if v is None:
            root = {"definitions": self.defs, "allOf": [schema]}
            v = Draft7Validator(root)
            self._validators[key] = v
            self._keep.append(schema)
        return v

    def route(self, method: str, path: str) -> tuple[str, Optional[str], Any]:
        """(kind, template, schema): kind is 'schema', 'skip', 'nodoc' or 'unknown'."""
        for m, pattern in NOT_STRIPE_PUBLIC_API:
            if (m is None or m == method) and re.match(pattern, path):
                return "skip", None, None
        for m, regex, template, schema in self.routes:
            if m == method and regex.match(path):
                return ("schema" if schema is not None else "nodoc"), template, schema
        return "unknown", None, None

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/definitions/"):
                raise ValueError(f"unsupported $ref {ref}")
            schema = self.defs[ref[len("#/definitions/"):]]
            seen += 1
            if seen > 50:
                raise ValueError("$ref loop")
        return schema

    def undeclared(self, value: Any, schema: Any, pointer: str) -> list[tuple[str, str]]:
        """Object keys in value that schema does not declare: [(json pointer, problem)]."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return []
        problems: list[tuple[str, str]] = []
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [b for b in schema[key] if self.validator(b).is_valid(value)]
                if not branches:
                    return []  # schema validation reports this value already
                best: Optional[list[tuple[str, str]]] = None
                for b in branches:
                    found = self.undeclared(value, b, pointer)
                    if not found:
                        best = []
                        break
                    if best is None or len(found) < len(best):
                        best = found
                problems.extend(best or [])
        for sub in schema.get("allOf", []):
            problems.extend(self.undeclared(value, sub, pointer))
        if isinstance(value, dict):
            props = schema.get("properties")
            extra = schema.get("additionalProperties")
            for k, v in value.items():
                child = f"{pointer}/{escape_pointer(k)}"
                if isinstance(props, dict) and k in props:
                    problems.extend(self.undeclared(v, props[k], child))
                elif isinstance(extra, dict):
                    problems.extend(self.undeclared(v, extra, child))
                elif isinstance(props, dict) and extra is not True:
                    problems.append((child, f"undeclared field `{k}` (not in the schema's properties)"))
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                problems.extend(self.undeclared(item, schema["items"], f"{pointer}/{i}"))
        return problems


class VersionedSchemas:
    """Schemas per API version, derived on first use and kept."""

    def __init__(self, schemas_dir: Path, catalogue: dict[str, Any]) -> None:
        self.catalogue = catalogue
        self.base = json.loads((schemas_dir / "schemas.draft7.json").read_text())
        self.spec = json.loads((schemas_dir / "spec-subset.json").read_text())
        self._by_version: dict[str, Schemas] = {}
        derive_schemas.check_edits(catalogue)

    @property
    def latest(self) -> str:
        return self.catalogue["latest"]

    @property
    def derived(self) -> list[str]:
        """The versions whose schemas were derived so far."""
        return list(self._by_version)

    def at(self, version: str) -> Schemas:
        """The schemas at ``version`` (raises derive_schemas.DeriveError for an unknown one)."""
        found = self._by_version.get(version)
        if found is None:
            doc = derive_schemas.derive(self.catalogue, version, self.base)
            found = Schemas(doc, self.spec)
            self._by_version[version] = found
        return found


def default_catalogue() -> Optional[str]:
    """``$FCMOCK_API_VERSIONS``, target/conformance/api-versions.json, or the fcmock copy there."""
    env = os.environ.get("FCMOCK_API_VERSIONS")
    if env:
        return env
    for candidate in (
        REPO_ROOT / "target" / "conformance" / "api-versions.json",
        REPO_ROOT / "target" / "conformance" / "fcmock",
    ):
        if candidate.exists():
            return str(candidate)
    return None


def known_bug(method: str, template: Optional[str], pointer: str, counts: dict[int, int]) -> bool:
    """Whether a problem is a listed known server bug (and if so, counts it)."""
    for i, (m, t, pattern, _) in enumerate(KNOWN_SERVER_BUGS):
        if m == method and t == template and re.match(pattern, pointer):
            counts[i] += 1
            return True
    return False


def deepest(error: ValidationError) -> ValidationError:
    """For an anyOf/oneOf failure, the sub-error that got furthest into the value: the
    branch the value was most likely meant to match, and so the useful message."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def describe(error: ValidationError) -> str:
    msg = error.message
    if len(msg) > 200:
        msg = msg[:200] + "…"
    return f"{msg} [{error.validator}]"


def escape_pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def pointer_of(path: Any) -> str:
    return "".join("/" + escape_pointer(str(p)) for p in path) or "/"


def load_captures(files: list[str]) -> Iterator[tuple[str, int, dict]]:
    for name in files:
        if not Path(name).exists() or Path(name).stat().st_size == 0:
            MISSING_FILES.append(name)
            continue
        with open(name, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    yield name, lineno, json.loads(line)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="capture files (default: target/conformance/responses-*.jsonl)")
    ap.add_argument("--schemas-dir", type=Path, default=REPO_ROOT / "stripe-openapi")
    ap.add_argument(
        "--catalogue",
        default=default_catalogue(),
        help="`fcmock api-versions` output or the fcmock binary (default: $FCMOCK_API_VERSIONS, "
        "target/conformance/api-versions.json, target/conformance/fcmock)",
    )
    ap.add_argument("--max-report", type=int, default=200, help="problems printed at most")
    args = ap.parse_args(argv)

    files = args.files or sorted(glob.glob(str(REPO_ROOT / "target" / "conformance" / "responses-*.jsonl")))
    if not args.catalogue:
        print("schema: FAIL: no version catalogue (--catalogue FILE, or `fcmock api-versions` output "
              "in target/conformance/api-versions.json)")
        return 1
    try:
        versioned = VersionedSchemas(args.schemas_dir, derive_schemas.load_catalogue(args.catalogue))
    except derive_schemas.DeriveError as e:
        print(f"schema: FAIL: {e}")
        return 1
    for note in versioned.at(versioned.latest).notes:
        print(note)

    total = failed = skipped = unversioned = 0
    unvalidated: dict[str, int] = {}
    problems: list[tuple[str, list[str]]] = []
    per_file: dict[str, int] = {}
    # (file, version) -> [validated, failed]
    tally: dict[tuple[str, str], list[int]] = {}
    xfails: dict[int, int] = {i: 0 for i in range(len(KNOWN_SERVER_BUGS))}

    for fname, lineno, rec in load_captures(files):
        total += 1
        per_file[fname] = per_file.get(fname, 0) + 1
        method = str(rec.get("method", "")).upper()
        full_path = str(rec.get("path", ""))
        path = urlsplit(full_path).path
        status = int(rec.get("status", 0))
        where = f"{method} {full_path} -> {status}"
        origin = f"{Path(fname).name}:{lineno}" + (f" [{rec['test']}]" if rec.get("test") else "")

        def fail(pointer: str, problem: str) -> None:
            header = f"FAIL {where}   ({origin})"
            if not problems or problems[-1][0] != header:
                problems.append((header, []))
            problems[-1][1].append(f"     at {pointer}: {problem}")

        kind, _, _ = versioned.at(versioned.latest).route(method, path)
        if kind == "skip":
            skipped += 1
            continue
        version = rec.get("version")
        if not version:
            unversioned += 1
            version = versioned.latest
        count = tally.setdefault((fname, str(version)), [0, 0])
        count[0] += 1
        try:
            schemas = versioned.at(str(version))
        except derive_schemas.DeriveError as e:
            failed += 1
            count[1] += 1
            fail("/", f"no schemas for the response's Stripe-Version {version!r}: {e}")
            continue
        kind, template, schema = schemas.route(method, path)
        try:
            body = json.loads(rec.get("body") or "")
        except ValueError as e:
            failed += 1
            count[1] += 1
            fail("/", f"body is not JSON ({e}): {str(rec.get('body'))[:200]!r}")
            continue
        if status >= 400:
            schema, label = ERROR_SCHEMA, "error"
        elif kind == "schema":
            label = f"200 of {method} {template} at {version}"
        elif kind == "nodoc":
            count[0] -= 1
            unvalidated[f"{method} {template}"] = unvalidated.get(f"{method} {template}", 0) + 1
            continue
        else:
            failed += 1
            count[1] += 1
            fail("/", "no response schema is mapped for this endpoint (add it to validate_responses.py)")
            continue

        errors = sorted(schemas.validator(schema).iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
        found = [(pointer_of(e.absolute_path), f"schema ({label}): {describe(e)}") for e in map(deepest, errors)]
        found += [(p, f"{msg} ({label})") for p, msg in schemas.undeclared(body, schema, "")]
        if status < 400:
            found = [f for f in found if not known_bug(method, template, f[0], xfails)]
        if found:
            failed += 1
            count[1] += 1
            for pointer, msg in found:
                fail(pointer or "/", msg)

    for header, lines in problems[: args.max_report]:
        print(header)
        for line in lines[:20]:
            print(line)
        if len(lines) > 20:
            print(f"     ... and {len(lines) - 20} more problems in this response")
    if len(problems) > args.max_report:
        print(f"... and {len(problems) - args.max_report} more failing responses")
    for ep, n in sorted(unvalidated.items()):
        print(f"note: {n} response(s) of {ep} not validated (no schema in the subset)")
    for i, (method, template, _, reason) in enumerate(KNOWN_SERVER_BUGS):
        if xfails[i]:
            print(f"XFAIL (known server bug) {method} {template}: {xfails[i]} problem(s): {reason}")
        else:
            print(f"note: known server bug no longer seen, remove it from KNOWN_SERVER_BUGS: {method} {template}: {reason}")
    if unversioned:
        print(f"note: {unversioned} response(s) carried no version; checked at the latest, {versioned.latest}")
    for fname, n in per_file.items():
        print(f"captured {n} responses in {fname}")
        for (f, version), (v, bad) in sorted(tally.items()):
            if f == fname:
                print(f"  at {version}: {v} validated, {bad} failed")
    validated = total - skipped - sum(unvalidated.values())
    print(
        f"schema: {validated} responses validated at {len(versioned.derived)} API version(s), {failed} failed"
        + (f" ({skipped} non-Stripe responses skipped)" if skipped else "")
    )
    for name in MISSING_FILES:
        print(f"schema: FAIL: capture file {name} is missing or empty")
    if MISSING_FILES:
        return 1
    if total == 0:
        print("schema: FAIL: no responses were captured; the suites recorded nothing")
        return 1
    if validated == 0:
        print("schema: FAIL: no captured response could be validated")
        return 1
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
