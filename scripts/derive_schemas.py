#!/usr/bin/env python3
"""Derives Stripe's response schemas at any API version fcmock knows.

``stripe-openapi/schemas.draft7.json`` describes one version, the *base*
(``2026-07-29.dahlia``, see ``stripe-openapi/README.md``). fcmock renders every response in
the shape of the request's ``Stripe-Version`` (``src/stripe/versions.rs``), so a response of
another version has to be checked against that version's schemas. This script derives them:
each change of fcmock's version registry has an entry in ``EDITS`` saying what it does to
the schemas (fields it adds to or removes from a definition), and a version's schemas are the
base with

* every change the version sees and the base does not applied forward (oldest first), and
* every change the base sees and the version does not undone (newest first).

The registry is read from ``fcmock api-versions`` (a JSON file holding its output, or the
binary itself). Which changes a version sees comes from the catalogue's ``sees`` lists;
nothing here compares version dates. ``EDITS`` must name exactly the registry's changes: a
change without an edit, or an edit for a change the registry does not have, is an error, so
this table cannot drift from the Rust registry unnoticed. A change that only touches request
parameters or defaults has an explicit empty edit.

Usage:
  derive_schemas.py --catalogue FILE|FCMOCK_BIN --version V [--out FILE]
      writes the draft-7 ``definitions`` document for version V (stdout without --out)
  derive_schemas.py --catalogue FILE|FCMOCK_BIN --check-sdks
      cross-checks the derived schemas at the endive shape (2026-10-28.endive) against the
      property names of stripe-python's classes and stripe-node's .d.ts (tests/conformance)

Importable: ``load_catalogue``, ``sees``, ``derive``, ``check_edits``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import glob
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_FILE = REPO_ROOT / "stripe-openapi" / "schemas.draft7.json"
CONFORMANCE = REPO_ROOT / "tests" / "conformance"

# The version stripe-openapi/schemas.draft7.json describes (stripe-openapi/README.md).
BASE_VERSION = "2026-07-29.dahlia"


class DeriveError(Exception):
    """The catalogue, the edit table and the base schemas do not fit together."""


# ---------------------------------------------------------------- the edit table


@dataclass(frozen=True)
class Field:
    """One property that a change adds to (``added``) or removes from a definition.

    ``schema`` is the property's schema, needed where applying the edit has to put the
    property into a document that lacks it (a forward add, or undoing a removal); where the
    base has the property it is taken from the base and may be left out.
    """

    definition: str
    name: str
    added: bool = True
    schema: Optional[dict] = None


CUSTOMER = "customer"
PAYMENT_METHOD = "payment_method"
FC_ACCOUNT = "financial_connections.account"
FC_SESSION = "financial_connections.session"
ACCOUNT_HOLDER = "bank_connections_resource_accountholder"
SESSION_FILTERS = "bank_connections_resource_link_account_session_filters"

# `filters.countries` as the base (dahlia) has it, to put back where session_country is
# undone.
COUNTRIES_SCHEMA = {
    "description": "List of countries from which to filter accounts.",
    "items": {"maxLength": 5000, "type": "string"},
    "type": ["array", "null"],
}
# `filters.country` from 2026-08-26.dahlia on: "country: string | null" (stripe-node 23.1.0
# FinancialConnections/Sessions.d.ts; stripe-python 16.1.0 `country: Optional[str]`).
COUNTRY_SCHEMA = {
    "description": "Country from which to filter accounts.",
    "maxLength": 5000,
    "type": ["string", "null"],
}

# Per change of fcmock's registry (src/stripe/versions.rs, `Change`), what it does to the
# response schemas. Mirrors `Change::undo` there.
EDITS: dict[str, tuple[Field, ...]] = {
    # Parameters only: customers no longer take `coupon` and `promotion_code`.
    "customer_discount_params": (),
    "customer_names": (
        Field(CUSTOMER, "business_name"),
        Field(CUSTOMER, "individual_name"),
    ),
    "account_numbers": (Field(FC_ACCOUNT, "account_numbers"),),
    "customer_account": (
        Field(CUSTOMER, "customer_account"),
        Field(PAYMENT_METHOD, "customer_account"),
        # A session's and an account's `account_holder`.
        Field(ACCOUNT_HOLDER, "customer_account"),
    ),
    "account_status_details": (Field(FC_ACCOUNT, "status_details"),),
    "session_configuration": (
        Field(FC_SESSION, "limits"),
        Field(FC_SESSION, "manual_entry"),
        Field(FC_SESSION, "bank_account_token"),
        Field(SESSION_FILTERS, "require_payment_method_support"),
    ),
    "session_country_shown": (Field(SESSION_FILTERS, "country", schema=COUNTRY_SCHEMA),),
    "session_country": (
        Field(SESSION_FILTERS, "countries", added=False, schema=COUNTRIES_SCHEMA),
    ),
    # Defaults of session parameters: what fcmock stores, not how an object is shaped.
    "session_defaults": (),
}


# ---------------------------------------------------------------- the catalogue


def load_catalogue(source: str | os.PathLike[str]) -> dict[str, Any]:
    """The registry: a file holding ``fcmock api-versions`` output, or the fcmock binary
    (run as ``BIN api-versions``). Checked for the shape the script relies on."""
    path = Path(source)
    if not path.exists():
        raise DeriveError(f"catalogue {path}: no such file")
    if path.is_file() and os.access(path, os.X_OK) and not path.suffix == ".json":
        try:
            out = subprocess.run(
                [str(path), "api-versions"], check=True, capture_output=True, text=True, timeout=60
            ).stdout
        except (OSError, subprocess.SubprocessError) as e:
            raise DeriveError(f"`{path} api-versions` failed: {e}") from e
        where = f"`{path} api-versions`"
    else:
        out = path.read_text(encoding="utf-8")
        where = str(path)
    try:
        catalogue = json.loads(out)
    except ValueError as e:
        raise DeriveError(f"{where} is not JSON: {e}") from e
    problems: list[str] = []
    if not isinstance(catalogue, dict):
        raise DeriveError(f"{where}: not a JSON object")
    changes = catalogue.get("changes")
    releases = catalogue.get("releases")
    if not isinstance(changes, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in changes
    ):
        problems.append("`changes` is not a list of {name, since}")
        changes = []
    if not isinstance(releases, list) or not all(
        isinstance(r, dict) and isinstance(r.get("version"), str) and isinstance(r.get("sees"), list)
        for r in releases
    ):
        problems.append("`releases` is not a list of {version, sees}")
        releases = []
    names = [c["name"] for c in changes]
    if len(set(names)) != len(names):
        problems.append(f"change names repeat: {names}")
    for r in releases:
        unknown = [s for s in r["sees"] if s not in names]
        if unknown:
            problems.append(f"release {r['version']} sees unknown changes {unknown}")
    if catalogue.get("latest") not in {r["version"] for r in releases}:
        problems.append(f"`latest` ({catalogue.get('latest')!r}) is not one of the releases")
    if problems:
        raise DeriveError(f"{where}: " + "; ".join(problems))
    return catalogue


def change_names(catalogue: dict[str, Any]) -> list[str]:
    """The registry's changes in its order (oldest first)."""
    return [c["name"] for c in catalogue["changes"]]


BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def sees(catalogue: dict[str, Any], version: str) -> frozenset[str]:
    """The changes a response rendered at ``version`` sees, from the catalogue's lists.

    A release is looked up by name (beta flags after ``;`` are ignored, as fcmock ignores
    them). A bare ``YYYY-MM-DD`` that is not a release's date is one of the old date versions
    fcmock accepts only before the first named release; the catalogue says those see no
    change. (Whether a bare date really is that old is fcmock's business, it refuses later
    ones; telling would take a date comparison, which this script does not make.)
    """
    head = version.split(";", 1)[0].strip()
    for r in catalogue["releases"]:
        if r["version"] == head:
            return frozenset(r["sees"])
    if BARE_DATE.fullmatch(head):
        named = [r["version"] for r in catalogue["releases"] if r["version"].startswith(head + ".")]
        if named:
            raise DeriveError(
                f"version {version!r} is a release's date without its name ({named[0]}); "
                "fcmock refuses it"
            )
        return frozenset()
    raise DeriveError(
        f"unknown API version {version!r}: not a release of the catalogue, nor a bare date"
    )


def check_edits(catalogue: dict[str, Any]) -> None:
    """Fails unless ``EDITS`` has exactly one entry per registry change."""
    registry = change_names(catalogue)
    missing = [n for n in registry if n not in EDITS]
    unknown = [n for n in EDITS if n not in registry]
    problems = []
    if missing:
        problems.append(
            "registry changes without a schema edit in scripts/derive_schemas.py EDITS: "
            + ", ".join(missing)
            + " (add one; an empty tuple if the change touches parameters only)"
        )
    if unknown:
        problems.append("EDITS names changes the registry does not have: " + ", ".join(unknown))
    if problems:
        raise DeriveError("; ".join(problems))
    if BASE_VERSION not in {r["version"] for r in catalogue["releases"]}:
        raise DeriveError(f"the base version {BASE_VERSION} is not a release of the catalogue")


# ---------------------------------------------------------------- deriving


def _definition(defs: dict[str, Any], field: Field, change: str) -> dict[str, Any]:
    d = defs.get(field.definition)
    if not isinstance(d, dict) or not isinstance(d.get("properties"), dict):
        raise DeriveError(
            f"edit of {change}: no definition `{field.definition}` with properties in the schemas"
        )
    return d


def _put(defs: dict[str, Any], field: Field, change: str, base_defs: dict[str, Any]) -> None:
    d = _definition(defs, field, change)
    if field.name in d["properties"]:
        raise DeriveError(
            f"edit of {change}: `{field.definition}` already has `{field.name}` "
            "(the base schemas and the registry disagree)"
        )
    schema = field.schema
    if schema is None:
        base = base_defs.get(field.definition, {}).get("properties", {})
        schema = base.get(field.name)
    if schema is None:
        raise DeriveError(
            f"edit of {change}: no schema for `{field.definition}.{field.name}` (give one in EDITS)"
        )
    d["properties"][field.name] = copy.deepcopy(schema)


def _drop(defs: dict[str, Any], field: Field, change: str) -> None:
    d = _definition(defs, field, change)
    if field.name not in d["properties"]:
        raise DeriveError(
            f"edit of {change}: `{field.definition}` has no `{field.name}` to remove "
            "(the base schemas and the registry disagree)"
        )
    del d["properties"][field.name]
    if field.name in d.get("required", []):
        d["required"] = [r for r in d["required"] if r != field.name]
        if not d["required"]:
            del d["required"]


def plan(catalogue: dict[str, Any], version: str) -> tuple[list[str], list[str]]:
    """(changes applied forward, oldest first; changes undone, newest first) for ``version``."""
    check_edits(catalogue)
    base = sees(catalogue, BASE_VERSION)
    target = sees(catalogue, version)
    order = change_names(catalogue)
    forward = [c for c in order if c in target and c not in base]
    backward = [c for c in reversed(order) if c in base and c not in target]
    return forward, backward


def derive(
    catalogue: dict[str, Any], version: str, base_doc: Optional[dict[str, Any]] = None
) -> dict[str, Any]:
    """The draft-7 ``definitions`` document for ``version`` (a new object; the base is left
    alone). ``base_doc`` defaults to ``stripe-openapi/schemas.draft7.json``."""
    if base_doc is None:
        base_doc = json.loads(SCHEMAS_FILE.read_text(encoding="utf-8"))
    forward, backward = plan(catalogue, version)
    doc = copy.deepcopy(base_doc)
    defs = doc["definitions"]
    base_defs = base_doc["definitions"]
    for change in forward:
        for field in EDITS[change]:
            if field.added:
                _put(defs, field, change, base_defs)
            else:
                _drop(defs, field, change)
    for change in backward:
        for field in reversed(EDITS[change]):
            if field.added:
                _drop(defs, field, change)
            else:
                _put(defs, field, change, base_defs)
    doc["$comment"] = (
        f"Derived for Stripe-Version {version} by scripts/derive_schemas.py from "
        f"stripe-openapi/schemas.draft7.json ({BASE_VERSION}); applied: "
        f"{', '.join(forward) or 'none'}; undone: {', '.join(backward) or 'none'}. "
        + str(base_doc.get("$comment", ""))
    ).strip()
    return doc


# ---------------------------------------------------------------- the SDK cross-check

SDK_VERSION = "2026-10-28.endive"


@dataclass(frozen=True)
class SdkObject:
    label: str
    definition: str
    python: tuple[str, str]  # file under stripe/, dotted class path
    node: tuple[str, str]  # file under stripe/esm/, dotted interface path


_FC = "financial_connections/"
_NODE_FC = "resources/FinancialConnections/"
SDK_OBJECTS: tuple[SdkObject, ...] = (
    SdkObject(
        "customer", CUSTOMER, ("_customer.py", "Customer"), ("resources/Customers.d.ts", "Customer")
    ),
    SdkObject(
        "payment_method",
        PAYMENT_METHOD,
        ("_payment_method.py", "PaymentMethod"),
        ("resources/PaymentMethods.d.ts", "PaymentMethod"),
    ),
    SdkObject(
        FC_SESSION, FC_SESSION, (_FC + "_session.py", "Session"), (_NODE_FC + "Sessions.d.ts", "Session")
    ),
    SdkObject(
        FC_SESSION + ".filters",
        SESSION_FILTERS,
        (_FC + "_session.py", "Session.Filters"),
        (_NODE_FC + "Sessions.d.ts", "Session.Filters"),
    ),
    SdkObject(
        FC_SESSION + ".account_holder",
        ACCOUNT_HOLDER,
        (_FC + "_session.py", "Session.AccountHolder"),
        (_NODE_FC + "Sessions.d.ts", "Session.AccountHolder"),
    ),
    SdkObject(
        FC_SESSION + ".limits",
        "bank_connections_resource_link_account_session_limits",
        (_FC + "_session.py", "Session.Limits"),
        (_NODE_FC + "Sessions.d.ts", "Session.Limits"),
    ),
    SdkObject(
        FC_SESSION + ".manual_entry",
        "bank_connections_resource_link_account_session_manual_entry",
        (_FC + "_session.py", "Session.ManualEntry"),
        (_NODE_FC + "Sessions.d.ts", "Session.ManualEntry"),
    ),
    SdkObject(
        FC_ACCOUNT, FC_ACCOUNT, (_FC + "_account.py", "Account"), (_NODE_FC + "Accounts.d.ts", "Account")
    ),
    SdkObject(
        FC_ACCOUNT + ".account_holder",
        ACCOUNT_HOLDER,
        (_FC + "_account.py", "Account.AccountHolder"),
        (_NODE_FC + "Accounts.d.ts", "Account.AccountHolder"),
    ),
    SdkObject(
        "financial_connections.account_owner",
        "financial_connections.account_owner",
        (_FC + "_account_owner.py", "AccountOwner"),
        (_NODE_FC + "AccountOwners.d.ts", "AccountOwner"),
    ),
    SdkObject(
        "financial_connections.transaction",
        "financial_connections.transaction",
        (_FC + "_transaction.py", "Transaction"),
        (_NODE_FC + "Transactions.d.ts", "Transaction"),
    ),
    SdkObject("token", "token", ("_token.py", "Token"), ("resources/Tokens.d.ts", "Token")),
    SdkObject("event", "event", ("_event.py", "Event"), ("resources/Events.d.ts", "EventBase")),
    SdkObject(
        "webhook_endpoint",
        "webhook_endpoint",
        ("_webhook_endpoint.py", "WebhookEndpoint"),
        ("resources/WebhookEndpoints.d.ts", "WebhookEndpoint"),
    ),
)


def python_fields(package: Path, file: str, class_path: str) -> set[str]:
    """The annotated attributes (not ClassVar) of a class in stripe-python's sources."""
    tree = ast.parse((package / file).read_text(encoding="utf-8"), filename=str(package / file))
    body: list[ast.stmt] = tree.body
    for name in class_path.split("."):
        found = [n for n in body if isinstance(n, ast.ClassDef) and n.name == name]
        if not found:
            raise DeriveError(f"stripe-python {file}: no class {class_path}")
        body = found[0].body
    fields = set()
    for node in body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if "ClassVar" in ast.unparse(node.annotation):
                continue
            fields.add(node.target.id)
    return fields


def _strip_ts_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def _ts_block(text: str, start: int) -> str:
    """The text inside the braces opening at or after ``start``."""
    open_at = text.index("{", start)
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i]
    raise DeriveError("unbalanced braces in a .d.ts file")


def _top_level(block: str) -> str:
    """``block`` with everything nested in braces, brackets or angle brackets blanked out."""
    out, depth = [], 0
    for ch in block:
        if ch in "{(<[":
            depth += 1
            out.append(" ")
        elif ch in "})>]":
            depth -= 1
            out.append(" ")
        else:
            out.append(ch if depth == 0 else " ")
    return "".join(out)


def node_fields(package: Path, file: str, path: str) -> set[str]:
    """The property names of an interface in stripe-node's .d.ts (``Session`` or, inside
    ``export declare namespace Session``, ``Session.Filters``)."""
    text = _strip_ts_comments((package / file).read_text(encoding="utf-8"))
    parts = path.split(".")
    if len(parts) == 1:
        m = re.search(rf"^export interface {re.escape(parts[0])}\b[^{{]*\{{", text, re.M)
        if not m:
            raise DeriveError(f"stripe-node {file}: no `export interface {parts[0]}`")
        block = _ts_block(text, m.start())
    else:
        block = None
        for m in re.finditer(rf"^export declare namespace {re.escape(parts[0])}\s*\{{", text, re.M):
            ns = _ts_block(text, m.start())
            top = _top_level(ns)
            inner = re.search(rf"\binterface {re.escape(parts[1])}\b", top)
            if inner:
                block = _ts_block(ns, inner.start())
                break
        if block is None:
            raise DeriveError(f"stripe-node {file}: no interface {path}")
    return set(re.findall(r"(?:^|;)\s*([A-Za-z_][A-Za-z0-9_]*)\??\s*:", _top_level(block)))


def edited_fields() -> dict[str, set[str]]:
    """definition → the property names some edit adds or removes."""
    out: dict[str, set[str]] = {}
    for fields in EDITS.values():
        for f in fields:
            out.setdefault(f.definition, set()).add(f.name)
    return out


def default_python_sdk() -> Optional[Path]:
    pattern = CONFORMANCE / ".venv" / "lib" / "python*" / "site-packages" / "stripe"
    found = sorted(glob.glob(str(pattern)))
    return Path(found[-1]) if found else None


def _grep(pattern: str, file: Path) -> str:
    m = re.search(pattern, file.read_text(encoding="utf-8"))
    if not m:
        raise DeriveError(f"{file}: no match for {pattern}")
    return m.group(1)


def check_sdks(
    catalogue: dict[str, Any],
    python_sdk: Optional[Path],
    node_sdk: Path,
    version: str = SDK_VERSION,
    out: Any = None,
) -> int:
    """Compares the derived schemas at ``version`` with both SDKs' property names. Returns
    the number of failures; differences that are not failures are printed as notes.

    A failure: for a definition some edit touches (a "changed object"), a property the
    derived schema has and an SDK lacks; or, for a property an edit adds or removes, an SDK
    that has it while the derived schema does not."""
    out = out or sys.stdout
    if python_sdk is None or not (python_sdk / "__init__.py").exists():
        raise DeriveError(
            f"stripe-python not found ({python_sdk}); run tests/conformance/run.sh once"
        )
    if not (node_sdk / "package.json").exists():
        raise DeriveError(f"stripe-node not found ({node_sdk}); run `npm ci` in tests/conformance")
    py_version = _grep(r'VERSION\s*=\s*"([^"]+)"', python_sdk / "_version.py")
    py_api = _grep(r'CURRENT\s*=\s*"([^"]+)"', python_sdk / "_api_version.py")
    node_pkg = json.loads((node_sdk / "package.json").read_text())
    node_api = _grep(r"ApiVersion = '([^']+)'", node_sdk / "esm" / "apiVersion.js")
    print(
        f"sdk check: derived schemas at {version} against stripe-python {py_version} "
        f"(pins {py_api}) and stripe-node {node_pkg['version']} (pins {node_api})",
        file=out,
    )
    for sdk, pin in (("stripe-python", py_api), ("stripe-node", node_api)):
        if pin != version:
            print(f"note: {sdk} pins {pin}, not {version}: its classes may differ", file=out)
    releases = [r["version"] for r in catalogue["releases"]]
    for release in releases:  # every release derives without a conflict
        derive(catalogue, release)
    print(f"sdk check: the schemas of all {len(releases)} releases derive cleanly", file=out)
    defs = derive(catalogue, version)["definitions"]
    edited = edited_fields()
    failures = 0
    for obj in SDK_OBJECTS:
        schema = set(defs[obj.definition].get("properties", {}))
        changed = obj.definition in edited
        for sdk, fields in (
            ("stripe-python", python_fields(python_sdk, *obj.python)),
            ("stripe-node", node_fields(node_sdk / "esm", *obj.node)),
        ):
            lacks = sorted(schema - fields)
            extra = sorted(fields - schema)
            edit_named = edited.get(obj.definition, set())
            bad = [f"the derived schema has `{f}`, {sdk} does not" for f in lacks if changed]
            bad += [
                f"{sdk} has `{f}` (a field an edit adds or removes), the derived schema does not"
                for f in extra
                if f in edit_named
            ]
            for problem in bad:
                print(f"FAIL {obj.label}: {problem}", file=out)
            schema_only = [f for f in lacks if not changed]
            sdk_only = [f for f in extra if f not in edit_named]
            notes = [f"schema only: {', '.join(schema_only)}"] if schema_only else []
            notes += [f"{sdk} only: {', '.join(sdk_only)}"] if sdk_only else []
            if notes:
                print(f"note: {obj.label} vs {sdk}: " + "; ".join(notes), file=out)
            failures += len(bad)
            if not bad and not notes:
                print(f"ok   {obj.label} = {sdk} ({len(fields)} properties)", file=out)
    print(f"sdk check: {failures} failure(s)", file=out)
    return failures


# ---------------------------------------------------------------- CLI


def main(argv: Optional[Iterable[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--catalogue",
        required=True,
        help="`fcmock api-versions` output (a JSON file) or the fcmock binary",
    )
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--version", help="the API version to derive the schemas for")
    mode.add_argument(
        "--check-sdks",
        action="store_true",
        help=f"cross-check the schemas at {SDK_VERSION} against stripe-python's and stripe-node's",
    )
    ap.add_argument("--out", type=Path, help="where the derived document goes (default stdout)")
    ap.add_argument(
        "--python-sdk", type=Path, help="stripe-python's package dir (default: the conformance venv's)"
    )
    ap.add_argument(
        "--node-sdk",
        type=Path,
        default=CONFORMANCE / "node_modules" / "stripe",
        help="stripe-node's package dir",
    )
    args = ap.parse_args(list(argv) if argv is not None else None)
    try:
        catalogue = load_catalogue(args.catalogue)
        check_edits(catalogue)
        if args.check_sdks:
            failures = check_sdks(catalogue, args.python_sdk or default_python_sdk(), args.node_sdk)
            return 1 if failures else 0
        doc = derive(catalogue, args.version)
    except DeriveError as e:
        print(f"derive_schemas: {e}", file=sys.stderr)
        return 1
    text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
