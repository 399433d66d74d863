"""The fcmock Python package, installed with pip (tests/packaging/python.sh): the pytest
plugin's ``fcmock`` fixture drives the Financial Connections flow through stripe-python,
keys are separate namespaces between tests, and ``fcmock.Server`` stops its process and
reports a start-up failure with fcmock's own error text.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List

import pytest
import stripe

import fcmock

# Key of the previous test's namespace and the customer it made (the isolation test).
_seen: Dict[str, Any] = {}


def client_for(ns: Any) -> stripe.StripeClient:
    return stripe.StripeClient(ns.api_key, base_addresses={"api": ns.url}, max_network_retries=0)


def linked_account(client: stripe.StripeClient, ns: Any, permissions: List[str]) -> Any:
    customer = client.v1.customers.create(params={"name": "Jenny Rosen"})
    session = client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer.id},
            "permissions": permissions,
        }
    )
    completed = ns.complete_session(session.id, outcome="success", accounts=["success"])
    assert completed["id"] == session.id
    assert [a["display_name"] for a in completed["accounts"]["data"]] == ["Success"]
    (account,) = client.v1.financial_connections.accounts.list(params={"session": session.id}).data
    return account


def test_the_fixture_runs_the_flow_from_customer_to_transactions(fcmock):
    assert fcmock.url.startswith("http://127.0.0.1:")
    assert fcmock.api_key.startswith("sk_test_")
    client = client_for(fcmock)
    fc = client.v1.financial_connections
    account = linked_account(client, fcmock, ["balances", "transactions"])
    assert account.status == "active" and account.balance is None

    refreshing = fc.accounts.refresh(account.id, params={"features": ["balance"]})
    assert refreshing.balance_refresh.status == "pending"
    assert fcmock.settle_refreshes() >= 1
    settled = fc.accounts.retrieve(account.id)
    assert settled.balance_refresh.status == "succeeded"
    assert settled.balance.current["usd"] == 6000

    subscribed = fc.accounts.subscribe(account.id, params={"features": ["transactions"]})
    assert subscribed.subscriptions == ["transactions"]
    assert subscribed.transaction_refresh.status == "pending"
    fcmock.settle_refreshes()
    transactions = fc.transactions.list(params={"account": account.id, "limit": 5})
    assert len(transactions.data) == 5
    assert {t.account for t in transactions.data} == {account.id}

    # A second transaction refresh only after the cooldown: move mock time, do not sleep.
    available = fc.accounts.retrieve(account.id).transaction_refresh.next_refresh_available_at
    now = fcmock.clock()["now"]
    if available > now:
        fcmock.advance_clock(available - now)
    again = fc.accounts.refresh(account.id, params={"features": ["transactions"]})
    assert again.transaction_refresh.status == "pending"
    fcmock.settle_refreshes()
    assert fc.accounts.retrieve(account.id).transaction_refresh.status == "succeeded"

    paths = [r["path"] for r in fcmock.requests()]
    assert "/v1/customers" in paths
    assert "/v1/financial_connections/sessions" in paths


def test_a_queued_outcome_applies_to_this_key_only(fcmock):
    client = client_for(fcmock)
    entry = fcmock.queue(outcome="success", accounts=["success", "savings"], auto_complete=True)
    assert entry["remaining"] == 1
    # Another key's session on the same server does not take it.
    other = stripe.StripeClient(fcmock.new_api_key(), base_addresses={"api": fcmock.url})
    other_customer = other.v1.customers.create(params={"name": "Other"})
    other_session = other.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": other_customer.id},
            "permissions": ["balances"],
        }
    )
    assert other_session.accounts.data == []
    customer = client.v1.customers.create(params={"name": "Jenny Rosen"})
    session = client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer.id},
            "permissions": ["balances"],
        }
    )
    assert len(session.accounts.data) == 2


def test_first_of_two_makes_a_customer(fcmock):
    client = client_for(fcmock)
    customer = client.v1.customers.create(params={"name": "Jenny Rosen"})
    _seen.update(api_key=fcmock.api_key, customer=customer.id, server=fcmock.server)


def test_second_of_two_has_its_own_namespace_on_the_same_server(fcmock):
    assert _seen, "runs after test_first_of_two_makes_a_customer"
    assert fcmock.server is _seen["server"], "one server per session"
    assert fcmock.api_key != _seen["api_key"]
    client = client_for(fcmock)
    assert client.v1.customers.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.retrieve(_seen["customer"])
    assert ei.value.http_status == 404
    assert fcmock.requests(path="/v1/customers")[-1]["status"] == 404


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_server_context_manager_stops_its_process_and_reports_a_bad_flag():
    with fcmock.Server(seed=42) as s:
        pid = s.pid
        assert pid is not None and s.running()
        assert s.binary.endswith("fcmock")
        client = stripe.StripeClient(s.api_key, base_addresses={"api": s.url})
        assert client.v1.customers.create(params={"name": "A"}).id.startswith("cus_")
        assert s.new_api_key() != s.api_key
        assert s.reset() is not None
    assert not s.running()
    assert _gone(pid), f"fcmock (pid {pid}) still runs after the with block"

    with pytest.raises(fcmock.FcmockError) as ei:
        fcmock.Server(no_such_flag="1").start()
    message = str(ei.value)
    assert "--no-such-flag" in message, message
    assert ei.value.stderr and "--no-such-flag" in ei.value.stderr
    assert ei.value.returncode not in (None, 0)
