"""The server-side bank-account token through stripe-python: ``Token.create(bank_account=…)``
with Stripe's test numbers gives a ``btok_`` for STRIPE TEST BANK, refuses a number test
mode does not take, and attaches once to a Custom account as an external account."""

from __future__ import annotations

import pytest
import stripe

from conftest import BASE_URL

JENNY = {
    "country": "US",
    "currency": "usd",
    "account_holder_name": "Jenny Rosen",
    "account_holder_type": "individual",
    "routing_number": "110000000",
    "account_number": "000123456789",
}


def test_a_bank_account_token_is_created_from_test_numbers(client):
    token = client.v1.tokens.create(params={"bank_account": JENNY})

    assert isinstance(token, stripe.Token)
    assert token.id.startswith("btok_")
    assert token.type == "bank_account"
    assert token.used is False
    assert isinstance(token.bank_account, stripe.BankAccount)
    assert token.bank_account.id.startswith("ba_")
    assert token.bank_account.bank_name == "STRIPE TEST BANK"
    assert token.bank_account.last4 == "6789"
    assert token.bank_account.status == "new"
    assert token.bank_account.account_holder_name == "Jenny Rosen"
    assert client.v1.tokens.retrieve(token.id).bank_account.fingerprint == token.bank_account.fingerprint


def test_token_create_works_through_the_global_api(api_key):
    old_key, old_base = stripe.api_key, stripe.api_base
    stripe.api_key, stripe.api_base = api_key, BASE_URL
    try:
        token = stripe.Token.create(bank_account=JENNY)
    finally:
        stripe.api_key, stripe.api_base = old_key, old_base

    assert token.id.startswith("btok_")
    assert token.bank_account.routing_number == "110000000"


def test_a_number_test_mode_does_not_take_is_account_number_invalid(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.tokens.create(params={"bank_account": {**JENNY, "account_number": "123456789012"}})

    assert ei.value.code == "account_number_invalid"
    assert ei.value.param == "bank_account[account_number]"


def test_a_bad_routing_number_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.tokens.create(params={"bank_account": {**JENNY, "routing_number": "1100"}})

    assert "Routing number must have 9 digits" in str(ei.value.user_message)


def test_the_token_attaches_once_to_a_custom_account(client):
    account = client.v1.accounts.create(params={"type": "custom", "country": "US"})
    token = client.v1.tokens.create(params={"bank_account": JENNY})

    bank_account = client.v1.accounts.external_accounts.create(
        account.id, params={"external_account": token.id}
    )

    assert bank_account.object == "bank_account"
    assert bank_account.id == token.bank_account.id
    assert bank_account.account == account.id
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.accounts.external_accounts.create(account.id, params={"external_account": token.id})
    assert ei.value.code == "token_already_used"
