"""Fixtures for running the official stripe-python library against fcmock.

Every HTTP response the library (or a raw request made by a test) receives is appended as
one JSON line to ``target/conformance/responses-python.jsonl``; ``validate_responses.py``
later checks each body against Stripe's OpenAPI schemas.

Environment:
  FCMOCK_URL          base URL of a running fcmock, e.g. http://127.0.0.1:12111 (required)
  FCMOCK_CAPTURE_DIR  where the capture file goes (default: <repo>/target/conformance)
"""

from __future__ import annotations

import json
import os
import secrets
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
BASE_URL = os.environ.get("FCMOCK_URL", "").rstrip("/")
CAPTURE_DIR = Path(os.environ.get("FCMOCK_CAPTURE_DIR") or REPO_ROOT / "target" / "conformance")
CAPTURE_FILE = CAPTURE_DIR / "responses-python.jsonl"

# No telemetry header about earlier requests: each request stands alone.
stripe.enable_telemetry = False

_capture_lock = threading.Lock()


def record(method: str, url: str, status: int, body: Any, source: str) -> None:
    """Appends one captured response (method, path with query, status, raw body)."""
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
        record(method, url, status, content, source="stripe-python")
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
    record(method, url, status, text, source="raw")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return RawResponse(status, rheaders, text, parsed)


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
