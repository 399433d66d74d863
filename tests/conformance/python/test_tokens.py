"""The bank-account token flow through stripe-python: a Connect account's session collected
for a token ends with a ``btok_`` that ``Token.retrieve`` reads and that attaches once to
the account as an external account."""

from __future__ import annotations

import json

import pytest
import stripe

from conftest import (  # noqa: F401  (shared helpers)
    BASE_URL,
    STRIPE_VERSION,
    _opener,
    assert_country_filter,
    country_filter,
    raw_request,
)

import urllib.request


def complete(session_id: str, body: dict) -> None:
    req = urllib.request.Request(
        f"{BASE_URL}/_fcmock/sessions/{session_id}/complete",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with _opener.open(req, timeout=20) as resp:
        assert resp.status == 200


def token_session(client: stripe.StripeClient):
    account = client.v1.accounts.create(
        params={
            "type": "custom",
            "country": "US",
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        }
    )
    session = client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "account", "account": account.id},
            # filters[country] from 2026-09-30.endive on, filters[countries] before.
            "filters": country_filter("US"),
            "permissions": ["ownership", "payment_method"],
        }
    )
    assert_country_filter(session, "US")
    complete(session.id, {"outcome": "success", "accounts": ["success"]})
    receipt = raw_request(
        "GET",
        f"/v1/link_account_sessions/session_receipt?client_secret={session.client_secret}",
        api_key="pk_test_conformance",
    )
    assert receipt.status == 200, receipt.text
    return account, receipt.json["bank_account_token"]["id"]


def test_the_token_flow_ends_with_a_btok_that_token_retrieve_reads(client):
    _, token_id = token_session(client)

    token = client.v1.tokens.retrieve(token_id)

    assert isinstance(token, stripe.Token)
    assert token.id.startswith("btok_")
    assert token.type == "bank_account"
    assert token.used is False
    assert isinstance(token.bank_account, stripe.BankAccount)
    assert token.bank_account.bank_name == "STRIPE TEST BANK"
    assert token.bank_account.routing_number == "110000000"
    assert token.bank_account.last4 == "6789"
    assert token.bank_account.status == "new"


def test_token_retrieve_works_through_the_global_api_base(api_key):
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": BASE_URL},
        max_network_retries=0,
        stripe_version=STRIPE_VERSION,
    )
    _, token_id = token_session(client)
    old_key, old_base = stripe.api_key, stripe.api_base
    stripe.api_key, stripe.api_base = api_key, BASE_URL
    try:
        token = stripe.Token.retrieve(token_id)
    finally:
        stripe.api_key, stripe.api_base = old_key, old_base

    assert token.id == token_id
    assert token.bank_account.object == "bank_account"


def test_attaching_the_token_to_the_account_spends_it(client):
    account, token_id = token_session(client)

    bank_account = client.v1.accounts.external_accounts.create(
        account.id, params={"external_account": token_id}
    )

    assert bank_account.object == "bank_account"
    assert bank_account.account == account.id
    assert client.v1.tokens.retrieve(token_id).used is True
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.accounts.external_accounts.create(account.id, params={"external_account": token_id})
    assert ei.value.code == "token_already_used"
