"""The pytest plugin (entry point ``pytest11`` → ``fcmock``), loaded by pytest whenever the
fcmock package is installed; it starts nothing until a test asks for the fixture.

- ``fcmock``: a Namespace (``url``, ``api_key`` and the control helpers bound to that key)
  with a fresh key per test, so tests are isolated without paying for a server each.
- ``fcmock_server``: the Server behind it, one per test session (started on first use,
  stopped at the end of the session).
- ``fcmock_server_options``: the keyword arguments of that Server (``{}``); override it in
  a conftest.py, e.g. ``return {"seed": 42, "api_version": "2026-07-29.dahlia"}``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

from ._server import Namespace, Server


@pytest.fixture(scope="session")
def fcmock_server_options() -> Dict[str, Any]:
    """Keyword arguments for the session's ``fcmock.Server``; override to pass flags."""
    return {}


@pytest.fixture(scope="session")
def fcmock_server(fcmock_server_options: Dict[str, Any]) -> Iterator[Server]:
    """One fcmock for the whole session: start-up costs once, and key namespaces keep the
    tests apart."""
    with Server(**fcmock_server_options) as server:
        yield server


@pytest.fixture
def fcmock(fcmock_server: Server) -> Iterator[Namespace]:
    """This test's own ``sk_test_`` key on the shared server. Its namespace is emptied
    afterwards so that a long session does not accumulate state."""
    namespace = fcmock_server.namespace()
    yield namespace
    if fcmock_server.running():
        try:
            namespace.reset()
        except Exception:  # noqa: BLE001 - cleanup must not turn a pass into an error
            pass
