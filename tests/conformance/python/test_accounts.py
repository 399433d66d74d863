"""Connect accounts through stripe-python: enough for the bank-account token flow."""

from __future__ import annotations

import re
import secrets

import pytest
import stripe


def create_custom_account(client: stripe.StripeClient, email: str) -> stripe.Account:
    return client.v1.accounts.create(
        params={
            "type": "custom",
            "country": "US",
            "email": email,
            "business_type": "individual",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
    )


def test_creating_a_custom_account_returns_an_account_object(client):
    email = f"acct.{secrets.token_hex(4)}@example.com"
    acct = create_custom_account(client, email)
    assert isinstance(acct, stripe.Account)
    assert re.fullmatch(r"acct_[A-Za-z0-9]{16,}", acct.id), acct.id
    assert acct.object == "account"
    assert acct.type == "custom"
    assert acct.country == "US"
    assert acct.email == email
    assert acct.business_type == "individual"
    # Requested capabilities appear, with a status ("active", "inactive" or "pending").
    assert set(acct.capabilities.to_dict()) >= {"card_payments", "transfers"}
    for status in acct.capabilities.to_dict().values():
        assert status in ("active", "inactive", "pending")


def test_retrieving_an_account_returns_the_created_account(client):
    acct = create_custom_account(client, f"r.{secrets.token_hex(4)}@example.com")
    fetched = client.v1.accounts.retrieve(acct.id)
    assert fetched.id == acct.id
    assert fetched.to_dict() == acct.to_dict()


def test_an_account_is_invisible_to_another_api_key(client, other_client):
    acct = create_custom_account(client, f"iso.{secrets.token_hex(4)}@example.com")
    # Real Stripe answers an unknown or foreign account id with an error whose wording is
    # about access ("does not have access to account … (or that account does not exist)",
    # code account_invalid); fcmock may use resource_missing. Assert only the class.
    with pytest.raises(stripe.StripeError) as ei:
        other_client.v1.accounts.retrieve(acct.id)
    assert ei.value.http_status in (400, 401, 403, 404)


def test_creating_an_account_with_an_unknown_parameter_is_rejected(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.accounts.create(params={"type": "custom", "country": "US", "bogus": "1"})
    assert ei.value.code == "parameter_unknown"
    assert ei.value.param == "bogus"
