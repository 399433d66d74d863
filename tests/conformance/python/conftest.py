"""Fixtures for running the official stripe-python library against fcmock.

Every HTTP response the library (or a raw request made by a test) receives is appended as
one JSON line to ``target/conformance/responses-python.jsonl`` (``…-python-dahlia.jsonl``
when the version is forced, see below), with the ``Stripe-Version`` it was rendered at;
``validate_responses.py`` later checks each body against Stripe's OpenAPI schemas of that
version.

Environment:
  FCMOCK_URL             base URL of a running fcmock, e.g. http://127.0.0.1:12111 (required)
  FCMOCK_CAPTURE_DIR     where the capture file goes (default: <repo>/target/conformance)
  FCMOCK_STRIPE_VERSION  the API version the library sends (``stripe.api_version`` and every
                         client's ``stripe_version``); default: the library's pinned one.
                         When it differs from the pin, the capture file is
                         ``responses-python-<name>.jsonl`` (``dahlia`` for 2026-07-29.dahlia)
  FCMOCK_API_VERSIONS    ``fcmock api-versions`` output (or the binary), for the tests that
                         pick parameters by version (default: target/conformance/api-versions.json,
                         else target/conformance/fcmock)

Every response the library receives must carry the version in use as its ``Stripe-Version``
header; a test during which one did not fails at teardown.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import pytest
import requests
import stripe

REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT / "scripts"))
import derive_schemas  # noqa: E402  (scripts/derive_schemas.py: the version catalogue)

BASE_URL = os.environ.get("FCMOCK_URL", "").rstrip("/")
CAPTURE_DIR = Path(os.environ.get("FCMOCK_CAPTURE_DIR") or REPO_ROOT / "target" / "conformance")

# The version stripe-python pins, and the one the tests send.
PINNED_VERSION: str = stripe.api_version
STRIPE_VERSION: str = os.environ.get("FCMOCK_STRIPE_VERSION") or PINNED_VERSION
stripe.api_version = STRIPE_VERSION


def capture_suffix(version: str, pinned: str) -> str:
    """``""`` at the pinned version, else ``-`` and the release name (``-dahlia``), or the
    whole version for a bare date."""
    if version == pinned:
        return ""
    return "-" + (version.split(".", 1)[1] if "." in version else version)


CAPTURE_FILE = CAPTURE_DIR / f"responses-python{capture_suffix(STRIPE_VERSION, PINNED_VERSION)}.jsonl"

# No telemetry header about earlier requests: each request stands alone.
stripe.enable_telemetry = False

_capture_lock = threading.Lock()
# Library responses whose Stripe-Version was not the request's, per test (teardown check).
_version_mismatches: list[str] = []


def _catalogue_source() -> str:
    env = os.environ.get("FCMOCK_API_VERSIONS")
    if env:
        return env
    for candidate in (CAPTURE_DIR / "api-versions.json", REPO_ROOT / "target" / "conformance" / "fcmock"):
        if candidate.exists():
            return str(candidate)
    raise RuntimeError(
        "no version catalogue: set FCMOCK_API_VERSIONS to `fcmock api-versions` output "
        "(tests/conformance/run.sh does)"
    )


_catalogue: Optional[dict[str, Any]] = None


def version_sees(change: str, version: str = STRIPE_VERSION) -> bool:
    """Whether ``version`` (default: the one in use) sees a change of fcmock's registry
    (``fcmock api-versions``), e.g. ``session_country``."""
    global _catalogue
    if _catalogue is None:
        _catalogue = derive_schemas.load_catalogue(_catalogue_source())
    if change not in derive_schemas.change_names(_catalogue):
        raise KeyError(f"fcmock's registry has no change {change!r}")
    return change in derive_schemas.sees(_catalogue, version)


def country_filter(country: str = "US") -> dict[str, Any]:
    """A session's ``filters`` restricting it to one country, as the version in use spells
    it: ``{"country": "US"}`` from 2026-09-30.endive on, ``{"countries": ["US"]}`` before."""
    return {"country": country} if version_sees("session_country") else {"countries": [country]}


def assert_country_filter(session: Any, country: str = "US") -> None:
    """A session's ``filters`` shows the country the way the version in use renders it."""
    filters = session["filters"]
    if version_sees("session_country"):
        assert filters["country"] == country and "countries" not in filters, filters
    else:
        assert filters["countries"] == [country], filters
        assert ("country" in filters) == version_sees("session_country_shown"), filters
        if "country" in filters:
            assert filters["country"] == country, filters


def _header(headers: Any, name: str) -> Optional[str]:
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def record(
    method: str, url: str, status: int, body: Any, source: str, version: Optional[str] = None
) -> None:
    """Appends one captured response (method, path with query, status, the response's
    Stripe-Version, raw body)."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", errors="replace")
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    line = json.dumps(
        {
            "lib": "python",
            "source": source,
            "test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0],
            "method": method.upper(),
            "path": path,
            "status": status,
            "version": version,
            "body": body,
        }
    )
    with _capture_lock:
        CAPTURE_DIR.mkdir(parents=True, exist_ok=True)
        with open(CAPTURE_FILE, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class RecordingHTTPClient(stripe.RequestsClient):
    """stripe-python's default requests-based client, recording every response body."""

    def __init__(self) -> None:
        session = requests.Session()
        session.trust_env = False  # fcmock is on 127.0.0.1: never go through a proxy
        super().__init__(timeout=20, session=session)
        self.requests_made: list[tuple[str, str, int]] = []

    def request(self, method, url, headers, post_data=None):  # type: ignore[override]
        content, status, rheaders = super().request(method, url, headers, post_data)
        version = _header(rheaders, "Stripe-Version")
        record(method, url, status, content, source="stripe-python", version=version)
        # The version the client sent: STRIPE_VERSION unless a test gave it another.
        sent = _header(headers, "Stripe-Version")
        if version != sent:
            _version_mismatches.append(
                f"{method.upper()} {url} -> {status} came with Stripe-Version {version!r}, "
                f"the request sent {sent!r}"
            )
        self.requests_made.append((method.upper(), url, status))
        return content, status, rheaders


def new_test_key() -> str:
    """A fresh test key: fcmock gives every key its own namespace, so tests are isolated."""
    return "sk_test_conf" + secrets.token_hex(12)


def make_client(
    api_key: str, *, http_client: Optional[RecordingHTTPClient] = None, **kwargs: Any
) -> stripe.StripeClient:
    """A StripeClient pointed at fcmock, without retries, recording every response."""
    if not BASE_URL:
        raise RuntimeError("FCMOCK_URL is not set; run tests/conformance/run.sh")
    kwargs.setdefault("stripe_version", STRIPE_VERSION)
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": BASE_URL},
        http_client=http_client or RecordingHTTPClient(),
        max_network_retries=0,
        **kwargs,
    )


@dataclass
class RawResponse:
    status: int
    headers: Mapping[str, str]
    text: str
    json: Any = field(default=None)

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw_request(
    method: str,
    path: str,
    *,
    api_key: Optional[str] = None,
    body: Optional[bytes | str] = None,
    headers: Optional[Mapping[str, str]] = None,
) -> RawResponse:
    """A plain HTTP request (no Stripe library) to fcmock; the response is captured too."""
    url = BASE_URL + path
    hdrs = dict(headers or {})
    if api_key is not None:
        hdrs.setdefault("Authorization", f"Bearer {api_key}")
    if isinstance(body, str):
        body = body.encode()
    if body is not None:
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    req = urllib.request.Request(url, data=body, headers=hdrs, method=method.upper())
    try:
        with _opener.open(req, timeout=20) as resp:
            status, rheaders, raw = resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as e:
        status, rheaders, raw = e.code, dict(e.headers.items()), e.read()
    text = raw.decode("utf-8", errors="replace")
    record(method, url, status, text, source="raw", version=_header(rheaders, "Stripe-Version"))
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return RawResponse(status, rheaders, text, parsed)


@pytest.fixture(autouse=True)
def responses_carry_the_version_in_use():
    """Fails a test during which a library response was rendered at another version than
    the one its request sent (``STRIPE_VERSION`` unless a test chose another)."""
    _version_mismatches.clear()
    yield
    mismatches, _version_mismatches[:] = list(_version_mismatches), []
    assert not mismatches, "responses not at the version sent: " + "; ".join(mismatches)


@pytest.fixture
def api_key() -> str:
    return new_test_key()


@pytest.fixture
def client(api_key: str) -> stripe.StripeClient:
    """A StripeClient pointed at fcmock, with its own fresh namespace (unique key)."""
    return make_client(api_key)


@pytest.fixture
def other_client() -> stripe.StripeClient:
    """A second client with a different key, i.e. a different namespace."""
    return make_client(new_test_key())
