"""Financial Connections through stripe-python: the whole server-side flow, and its errors.

The flow is the one a backend CI suite runs: customer → session → headless completion
(fcmock's control API, plain HTTP) → accounts by session and by holder → refresh → settle
(control API) → retrieve with ``expand[]=ownership`` → owners → transactions with filters
and auto-paging → subscribe / unsubscribe → a ``us_bank_account`` PaymentMethod → attach,
list, detach → disconnect → refresh refused. Each test has its own ``sk_test_`` key, i.e.
an empty namespace. ``/_fcmock/…`` responses are captured but not schema-checked (they are
not Stripe's API); every Stripe response is.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
import stripe

from conftest import raw_request

ALL_PERMISSIONS = ["balances", "ownership", "payment_method", "transactions"]


# ---------------------------------------------------------------- helpers


def control(path: str, body: dict[str, Any]) -> Any:
    """POST a JSON body to fcmock's control API (no Stripe key) and return the answer."""
    resp = raw_request(
        "POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert resp.status == 200, resp.text
    return resp.json


def complete(session_id: str, **outcome: Any) -> dict[str, Any]:
    """Completes a session headlessly: ``POST /_fcmock/sessions/{id}/complete``."""
    return control(f"/_fcmock/sessions/{session_id}/complete", outcome or {"outcome": "success"})


def settle() -> int:
    """Settles every pending refresh now: ``POST /_fcmock/refreshes/settle``."""
    return control("/_fcmock/refreshes/settle", {})["settled"]


def clock_now() -> int:
    """fcmock's mock time: ``GET /_fcmock/clock``."""
    resp = raw_request("GET", "/_fcmock/clock")
    assert resp.status == 200, resp.text
    return resp.json["now"]


def past_refresh_cooldown(client: stripe.StripeClient, account_id: str) -> None:
    """Moves fcmock's mock clock past an account's transaction refresh cooldown
    (``transaction_refresh.next_refresh_available_at``) instead of sleeping through it:
    ``POST /_fcmock/clock {"advance_seconds": n}`` until ``GET /_fcmock/clock`` reads at
    least that time, within a 5 s deadline."""
    account = client.v1.financial_connections.accounts.retrieve(account_id)
    available = account.transaction_refresh.next_refresh_available_at
    assert isinstance(available, int), account.transaction_refresh
    deadline = time.monotonic() + 5
    while (now := clock_now()) < available:
        assert time.monotonic() < deadline, f"the mock clock stayed at {now}, before {available}"
        control("/_fcmock/clock", {"advance_seconds": available - now})


def new_customer(client: stripe.StripeClient) -> stripe.Customer:
    return client.v1.customers.create(
        params={"email": f"fc.{secrets.token_hex(4)}@example.com", "name": "Jenny Rosen"}
    )


def new_session(
    client: stripe.StripeClient, customer: str, permissions: list[str] = ALL_PERMISSIONS
) -> stripe.financial_connections.Session:
    return client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer},
            "permissions": permissions,
        }
    )


def linked_account(
    client: stripe.StripeClient,
    permissions: list[str] = ALL_PERMISSIONS,
    institution: str = "test_institution",
    account: str = "success",
) -> stripe.financial_connections.Account:
    """A new customer's account, linked through a completed session."""
    cus = new_customer(client)
    session = new_session(client, cus.id, permissions)
    complete(session.id, outcome="success", institution=institution, accounts=[account])
    (fca,) = client.v1.financial_connections.accounts.list(params={"session": session.id}).data
    return fca


# ---------------------------------------------------------------- the flow


def test_the_whole_financial_connections_flow_runs_from_customer_to_disconnect(client):
    fc = client.v1.financial_connections

    # Customer and session.
    cus = new_customer(client)
    session = new_session(client, cus.id)
    assert isinstance(session, stripe.financial_connections.Session)
    assert session.id.startswith("fcsess_")
    assert session.client_secret.startswith("fcsess_client_secret_")
    assert session.accounts.data == []
    assert session.permissions == ALL_PERMISSIONS

    # Headless completion, then the accounts by session and by holder.
    completed = complete(
        session.id, outcome="success", institution="test_institution", accounts=["success", "savings"]
    )
    assert [a["display_name"] for a in completed["accounts"]["data"]] == ["Success", "Savings"]
    by_session = fc.accounts.list(params={"session": session.id})
    by_holder = fc.accounts.list(params={"account_holder": {"customer": cus.id}})
    assert len(by_session.data) == 2
    assert [a.id for a in by_holder.data] == [a.id for a in by_session.data]
    assert len(fc.sessions.retrieve(session.id).accounts.data) == 2
    (fca,) = [a for a in by_session.data if a.display_name == "Success"]
    assert isinstance(fca, stripe.financial_connections.Account)
    assert fca.status == "active"
    assert fca.account_holder.customer == cus.id
    assert fca.balance is None and fca.balance_refresh is None

    # Refresh balance, ownership and transactions; they stay pending until settled.
    refreshing = fc.accounts.refresh(
        fca.id, params={"features": ["balance", "ownership", "transactions"]}
    )
    for state in (
        refreshing.balance_refresh,
        refreshing.ownership_refresh,
        refreshing.transaction_refresh,
    ):
        assert state.status == "pending"
        assert state.next_refresh_available_at is None
    assert refreshing.transaction_refresh.id.startswith("fctxnref_")
    settle()

    # Retrieve with the ownership expanded, then its owners.
    account = fc.accounts.retrieve(fca.id, params={"expand": ["ownership"]})
    assert account.balance_refresh.status == "succeeded"
    assert account.ownership_refresh.status == "succeeded"
    assert account.transaction_refresh.status == "succeeded"
    assert account.balance.type == "cash"
    assert account.balance.current["usd"] == 6000
    ownership = account.ownership
    assert isinstance(ownership, stripe.financial_connections.AccountOwnership)
    assert ownership.id.startswith("fcaowns_")
    assert [o.name for o in ownership.owners.data] == ["Jenny Rosen"]
    owners = fc.accounts.owners.list(fca.id, params={"ownership": ownership.id})
    assert [o.id for o in owners.data] == [o.id for o in ownership.owners.data]
    assert isinstance(owners.data[0], stripe.financial_connections.AccountOwner)
    assert owners.data[0].ownership == ownership.id

    # Transactions: every page, newest first, each exactly once.
    first_page = fc.transactions.list(params={"account": fca.id, "limit": 100})
    assert len(first_page.data) == 100 and first_page.has_more
    every = list(
        fc.transactions.list(params={"account": fca.id, "limit": 100}).auto_paging_iter()
    )
    ids = [t.id for t in every]
    assert len(ids) > 100 and len(set(ids)) == len(ids)
    assert ids[:100] == [t.id for t in first_page.data]
    times = [t.transacted_at for t in every]
    assert times == sorted(times, reverse=True)
    assert all(isinstance(t, stripe.financial_connections.Transaction) for t in every)
    assert {t.account for t in every} == {fca.id}
    one = fc.transactions.retrieve(every[0].id)
    assert one.to_dict() == every[0].to_dict()

    # transacted_at[gte]: the same transactions, from that time on.
    since = times[len(times) // 2]
    recent = list(
        fc.transactions.list(
            params={"account": fca.id, "transacted_at": {"gte": since}, "limit": 25}
        ).auto_paging_iter()
    )
    assert [t.id for t in recent] == [t.id for t in every if t.transacted_at >= since]

    # transaction_refresh[after] the only refresh so far: nothing is newer.
    after = fc.transactions.list(
        params={
            "account": fca.id,
            "transaction_refresh": {"after": account.transaction_refresh.id},
        }
    )
    assert after.data == [] and after.has_more is False

    # Subscribe, unsubscribe.
    subscribed = fc.accounts.subscribe(fca.id, params={"features": ["transactions"]})
    assert subscribed.subscriptions == ["transactions"]
    unsubscribed = fc.accounts.unsubscribe(fca.id, params={"features": ["transactions"]})
    assert unsubscribed.subscriptions == []

    # A PaymentMethod from the account: attach, list, detach.
    pm = client.v1.payment_methods.create(
        params={
            "type": "us_bank_account",
            "us_bank_account": {"financial_connections_account": fca.id},
            "billing_details": {"name": "Jenny Rosen"},
        }
    )
    assert isinstance(pm, stripe.PaymentMethod)
    assert pm.type == "us_bank_account"
    assert pm.us_bank_account.financial_connections_account == fca.id
    assert pm.us_bank_account.last4 == "6789"
    assert pm.us_bank_account.routing_number == "110000000"
    assert pm.billing_details.name == "Jenny Rosen"
    assert pm.customer is None
    attached = client.v1.payment_methods.attach(pm.id, params={"customer": cus.id})
    assert attached.customer == cus.id
    listed = client.v1.customers.payment_methods.list(cus.id)
    assert [p.id for p in listed.data] == [pm.id]
    detached = client.v1.payment_methods.detach(pm.id)
    assert detached.customer is None
    assert client.v1.customers.payment_methods.list(cus.id).data == []

    # Disconnect; refreshing is refused from then on.
    disconnected = fc.accounts.disconnect(fca.id)
    assert disconnected.status == "disconnected"
    assert disconnected.balance is None
    with pytest.raises(stripe.InvalidRequestError) as ei:
        fc.accounts.refresh(fca.id, params={"features": ["balance"]})
    assert ei.value.http_status == 400
    assert ei.value.code == "financial_connections_account_inactive"


def test_transaction_refresh_after_returns_only_transactions_of_a_later_refresh(client):
    fc = client.v1.financial_connections
    fca = linked_account(client)
    first = fc.accounts.refresh(fca.id, params={"features": ["transactions"]})
    settle()
    # The next refresh may start one second after the first settled (its cooldown).
    past_refresh_cooldown(client, fca.id)
    second = fc.accounts.subscribe(fca.id, params={"features": ["transactions"]})
    assert second.transaction_refresh.status == "pending"
    assert second.transaction_refresh.id != first.transaction_refresh.id
    settle()

    every = list(fc.transactions.list(params={"account": fca.id, "limit": 100}).auto_paging_iter())
    later = list(
        fc.transactions.list(
            params={
                "account": fca.id,
                "transaction_refresh": {"after": first.transaction_refresh.id},
                "limit": 100,
            }
        ).auto_paging_iter()
    )

    # Pending transactions that posted or voided, and new ones, carry the second refresh.
    assert [t.id for t in later] == [
        t.id for t in every if t.transaction_refresh == second.transaction_refresh.id
    ]
    assert len(later) < len(every)


def test_walking_transactions_with_ending_before_returns_the_newer_ones(client):
    fc = client.v1.financial_connections
    fca = linked_account(client)
    fc.accounts.refresh(fca.id, params={"features": ["transactions"]})
    settle()
    every = [
        t.id
        for t in fc.transactions.list(params={"account": fca.id, "limit": 100}).auto_paging_iter()
    ]

    page = fc.transactions.list(params={"account": fca.id, "limit": 5, "ending_before": every[10]})

    assert [t.id for t in page.data] == every[5:10]
    assert page.has_more is True


def test_a_cancelled_session_links_no_accounts(client):
    cus = new_customer(client)
    session = new_session(client, cus.id)

    completed = complete(session.id, outcome="cancel")

    assert completed["accounts"]["data"] == []
    listed = client.v1.financial_connections.accounts.list(params={"session": session.id})
    assert listed.data == []


def test_a_session_at_a_bank_that_is_down_links_no_accounts(client):
    cus = new_customer(client)
    session = new_session(client, cus.id)

    complete(session.id, outcome="success", institution="down_bank_unscheduled")

    retrieved = client.v1.financial_connections.sessions.retrieve(session.id)
    assert retrieved.accounts.data == []


# ---------------------------------------------------------------- errors


def test_a_session_for_a_customer_that_does_not_exist_is_refused_with_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        new_session(client, "cus_doesnotexist")
    assert ei.value.http_status == 400
    assert ei.value.code == "resource_missing"
    assert ei.value.param == "account_holder[customer]"
    assert "cus_doesnotexist" in str(ei.value.user_message)


def test_a_session_without_permissions_is_refused_with_parameter_missing(client):
    cus = new_customer(client)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.financial_connections.sessions.create(
            params={"account_holder": {"type": "customer", "customer": cus.id}}
        )
    assert ei.value.http_status == 400
    assert ei.value.code == "parameter_missing"
    assert ei.value.param == "permissions"


def test_a_session_with_an_unknown_parameter_is_refused_with_parameter_unknown(client):
    cus = new_customer(client)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.financial_connections.sessions.create(
            params={
                "account_holder": {"type": "customer", "customer": cus.id},
                "permissions": ["balances"],
                "colour": "blue",
            }
        )
    assert ei.value.http_status == 400
    assert ei.value.code == "parameter_unknown"
    assert ei.value.param == "colour"
    assert ei.value.user_message == "Received unknown parameter: colour"


def test_listing_accounts_by_session_and_customer_is_refused_with_parameters_exclusive(client):
    cus = new_customer(client)
    session = new_session(client, cus.id)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.financial_connections.accounts.list(
            params={"session": session.id, "account_holder": {"customer": cus.id}}
        )
    assert ei.value.http_status == 400
    assert ei.value.code == "parameters_exclusive"
    assert ei.value.param in ("session", "account_holder[customer]")


def test_listing_transactions_before_any_refresh_is_refused(client):
    fca = linked_account(client)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.financial_connections.transactions.list(params={"account": fca.id})
    assert ei.value.http_status == 400
    assert ei.value.code == "financial_connections_no_successful_transaction_refresh"
    assert ei.value.param == "account"


def test_refreshing_a_feature_without_its_permission_is_refused(client):
    fca = linked_account(client, permissions=["payment_method"])
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.financial_connections.accounts.refresh(
            fca.id, params={"features": ["transactions"]}
        )
    assert ei.value.http_status == 400
    assert ei.value.param == "features"
    assert client.v1.financial_connections.accounts.retrieve(fca.id).transaction_refresh is None


def test_a_payment_method_from_an_account_without_the_payment_method_permission_is_refused(
    client,
):
    fca = linked_account(client, permissions=["balances", "transactions"])
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.payment_methods.create(
            params={
                "type": "us_bank_account",
                "us_bank_account": {"financial_connections_account": fca.id},
                "billing_details": {"name": "Jenny Rosen"},
            }
        )
    assert ei.value.http_status == 400
    assert ei.value.param == "us_bank_account[financial_connections_account]"


def test_a_payment_method_from_an_invalid_payment_accounts_account_is_refused(client):
    fca = linked_account(client, institution="invalid_payment_accounts", account="checking")
    assert fca.supported_payment_method_types == []
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.payment_methods.create(
            params={
                "type": "us_bank_account",
                "us_bank_account": {"financial_connections_account": fca.id},
                "billing_details": {"name": "Jenny Rosen"},
            }
        )
    assert ei.value.http_status == 400
    assert ei.value.param == "us_bank_account[financial_connections_account]"


def test_a_payment_method_without_a_billing_name_is_refused_with_parameter_missing(client):
    fca = linked_account(client)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.payment_methods.create(
            params={
                "type": "us_bank_account",
                "us_bank_account": {"financial_connections_account": fca.id},
            }
        )
    assert ei.value.http_status == 400
    assert ei.value.code == "parameter_missing"
    assert ei.value.param == "billing_details[name]"


def test_retrieving_an_unknown_account_is_a_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.financial_connections.accounts.retrieve("fca_doesnotexist")
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"
