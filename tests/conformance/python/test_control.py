"""fcmock's control API seen through stripe-python: queued faults surface as the library's
own error classes, and an ``auto_complete`` scenario gives a session linked accounts at
creation.

Faults and scenarios are scoped to the test's own API key (``"api_key"``), so they never hit
another test sharing the same fcmock. The client has ``max_network_retries=0`` (see
conftest): stripe-python retries 5xx and 429 by default, which would swallow a queued fault.
``/_fcmock/…`` responses are captured but not schema-checked; every Stripe response is.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
import stripe

from conftest import RecordingHTTPClient, make_client, raw_request


def control(path: str, body: dict[str, Any]) -> Any:
    """POST a JSON body to fcmock's control API (no Stripe key) and return the answer."""
    resp = raw_request(
        "POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert resp.status == 200, resp.text
    return resp.json


def new_customer(client: stripe.StripeClient) -> stripe.Customer:
    return client.v1.customers.create(
        params={"email": f"ctl.{secrets.token_hex(4)}@example.com"}
    )


def test_queued_faults_give_an_api_error_then_a_rate_limit_error_then_success(api_key):
    # Arrange: two one-shot faults for this key's customer creation, in order.
    http_client = RecordingHTTPClient()
    client = make_client(api_key, http_client=http_client)
    for status in (500, 429):
        control(
            "/_fcmock/faults",
            {"method": "POST", "path_prefix": "/v1/customers", "status": status, "api_key": api_key},
        )

    # Act + Assert
    with pytest.raises(stripe.APIError) as server_error:
        new_customer(client)
    assert server_error.value.http_status == 500
    assert not isinstance(server_error.value, stripe.RateLimitError)

    with pytest.raises(stripe.RateLimitError) as rate_limited:
        new_customer(client)
    assert rate_limited.value.http_status == 429
    # stripe-python's RateLimitError leaves `.code` unset; the body carries Stripe's code.
    assert rate_limited.value.json_body["error"]["code"] == "rate_limit"

    customer = new_customer(client)
    assert customer.id.startswith("cus_")
    # Exactly three requests went out: no retry hid a fault.
    assert [status for _, _, status in http_client.requests_made] == [500, 429, 200]


def test_a_fault_for_one_key_leaves_another_key_alone(client, api_key, other_client):
    control("/_fcmock/faults", {"path_prefix": "/v1/customers", "status": 500, "api_key": api_key})

    other = new_customer(other_client)

    assert other.id.startswith("cus_")
    with pytest.raises(stripe.APIError) as hit:
        new_customer(client)
    assert hit.value.http_status == 500


def test_an_auto_complete_scenario_gives_a_session_linked_accounts_at_creation(client, api_key):
    # Arrange
    customer = new_customer(client)
    control(
        "/_fcmock/scenarios",
        {
            "outcome": "success",
            "accounts": ["success", "savings"],
            "auto_complete": True,
            "api_key": api_key,
        },
    )

    # Act
    session = client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer.id},
            "permissions": ["balances", "payment_method"],
        }
    )
    accounts = client.v1.financial_connections.accounts.list(params={"session": session.id})

    # Assert
    assert len(session.accounts.data) == 2
    assert sorted(a.id for a in accounts.data) == sorted(a.id for a in session.accounts.data)
    assert {a.display_name for a in accounts.data} == {"Success", "Savings"}
    for account in accounts.data:
        assert isinstance(account, stripe.financial_connections.Account)
        assert account.status == "active"
        assert account.account_holder.customer == customer.id
