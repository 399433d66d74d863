"""ACH Direct Debit through stripe-python: save a linked account with a SetupIntent, pay
later off-session, settle with fcmock's control API, a payment that fails with each of
Stripe's test account numbers, and microdeposit verification (right and wrong values).
Every response is captured and schema-checked like the rest of the suite, and every state
change arrives as a signed event at a webhook endpoint (verified by
``stripe.Webhook.construct_event``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe

from conftest import raw_request
from test_webhooks import Receiver, flush, verified_events

ACCEPTANCE = {
    "customer_acceptance": {
        "type": "online",
        "online": {"ip_address": "127.0.0.1", "user_agent": "stripe-python conformance"},
    }
}


def control(path: str, body: dict[str, Any]) -> Any:
    resp = raw_request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert resp.status == 200, resp.text
    return resp.json


def linked_account(client: stripe.StripeClient) -> tuple[str, str]:
    customer = client.v1.customers.create(params={"email": "ach@example.com"})
    session = client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer.id},
            "permissions": ["payment_method", "balances"],
        }
    )
    done = control(f"/_fcmock/sessions/{session.id}/complete", {"outcome": "success"})
    return customer.id, done["accounts"]["data"][0]["id"]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def subscribe(client: stripe.StripeClient, receiver: Receiver) -> str:
    """A webhook endpoint for every event: its signing secret."""
    endpoint = client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["*"]})
    return endpoint.secret


def delivered(receiver: Receiver, secret: str, api_key: str) -> list[stripe.Event]:
    """Every event delivered for this key, in order, each signature verified."""
    result = flush(api_key)
    assert result["failed"] == 0 and result["pending"] == 0, result
    return verified_events(receiver, secret)


def kinds(events: list[stripe.Event], object_id: str) -> list[str]:
    return [e.type for e in events if e.data.object.id == object_id]


def test_save_with_a_setup_intent_then_pay_off_session(client, api_key, receiver):
    secret = subscribe(client, receiver)
    customer, account = linked_account(client)
    si = client.v1.setup_intents.create(
        params={
            "customer": customer,
            "payment_method_types": ["us_bank_account"],
            "payment_method_data": {
                "type": "us_bank_account",
                "us_bank_account": {"financial_connections_account": account},
                "billing_details": {"name": "Jenny Rosen"},
            },
            "mandate_data": ACCEPTANCE,
            "confirm": True,
        }
    )
    assert si.status == "succeeded"
    mandate = client.v1.mandates.retrieve(si.mandate)
    assert mandate.type == "multi_use" and mandate.status == "active"

    pi = client.v1.payment_intents.create(
        params={
            "amount": 1999,
            "currency": "usd",
            "customer": customer,
            "payment_method": si.payment_method,
            "payment_method_types": ["us_bank_account"],
            "off_session": True,
            "confirm": True,
        }
    )
    assert pi.status == "processing"
    assert client.v1.charges.retrieve(pi.latest_charge).status == "pending"
    assert control("/_fcmock/payments/settle", {"api_key": api_key})["settled"] == 1
    pi = client.v1.payment_intents.retrieve(pi.id, params={"expand": ["latest_charge"]})
    assert pi.status == "succeeded"
    assert pi.latest_charge.status == "succeeded"
    charges = client.v1.charges.list(params={"payment_intent": pi.id})
    assert [c.id for c in charges.data] == [pi.latest_charge.id]

    events = delivered(receiver, secret, api_key)
    assert kinds(events, si.id) == ["setup_intent.created", "setup_intent.succeeded"]
    assert "payment_method.attached" in kinds(events, si.payment_method)
    assert kinds(events, pi.id) == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ]
    assert kinds(events, pi.latest_charge.id) == ["charge.pending", "charge.succeeded"]
    succeeded = next(e for e in events if e.type == "payment_intent.succeeded")
    assert succeeded.data.object.status == "succeeded"
    assert all(e.api_version == events[0].api_version for e in events)


def manual_intent(client: stripe.StripeClient, number: str) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "payment_method_types": ["us_bank_account"],
            "payment_method_data": {
                "type": "us_bank_account",
                "us_bank_account": {
                    "routing_number": "110000000",
                    "account_number": number,
                    "account_holder_type": "individual",
                },
                "billing_details": {"name": "Jenny Rosen"},
            },
            "mandate_data": ACCEPTANCE,
            "confirm": True,
        }
    )


@pytest.mark.parametrize(
    "number,code",
    [
        ("000111111113", "account_closed"),
        ("000111111116", "no_account"),
        ("000222222227", "insufficient_funds"),
        ("000333333335", "debit_not_authorized"),
        ("000444444440", "invalid_currency"),
    ],
)
def test_a_payment_fails_with_each_test_number(client, api_key, receiver, number, code):
    secret = subscribe(client, receiver)
    pi = manual_intent(client, number)
    assert pi.status == "requires_action"
    assert pi.next_action.type == "verify_with_microdeposits"
    pi = client.v1.payment_intents.verify_microdeposits(pi.id, params={"amounts": [32, 45]})
    assert pi.status == "processing"
    control("/_fcmock/payments/settle", {"api_key": api_key})
    pi = client.v1.payment_intents.retrieve(pi.id)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == code
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.failure_code) == ("failed", code)

    events = delivered(receiver, secret, api_key)
    assert kinds(events, pi.id) == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.processing",
        "payment_intent.payment_failed",
    ]
    assert kinds(events, charge.id) == ["charge.pending", "charge.failed"]
    failed = next(e for e in events if e.type == "payment_intent.payment_failed")
    assert failed.data.object.last_payment_error.code == code
    revoked = [e for e in events if e.type == "mandate.updated"]
    if code == "debit_not_authorized":
        assert [e.data.object.status for e in revoked] == ["inactive"]
    else:
        assert revoked == []


def test_microdeposits_right_code_and_wrong_amounts(client):
    pi = manual_intent(client, "000123456789")
    pi = client.v1.payment_intents.verify_microdeposits(pi.id, params={"descriptor_code": "SM11AA"})
    assert pi.status == "processing"

    other = manual_intent(client, "000123456789")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.verify_microdeposits(other.id, params={"amounts": [1, 2]})
    assert err.value.code == "payment_method_microdeposit_verification_amounts_mismatch"
    assert client.v1.payment_intents.retrieve(other.id).status == "requires_action"


def test_a_disputed_payment_succeeds_then_opens_a_lost_dispute(client, api_key, receiver):
    secret = subscribe(client, receiver)
    pi = manual_intent(client, "000555555559")
    pi = client.v1.payment_intents.verify_microdeposits(pi.id, params={"amounts": [32, 45]})
    control("/_fcmock/payments/settle", {"api_key": api_key})
    pi = client.v1.payment_intents.retrieve(pi.id)
    assert pi.status == "succeeded"
    assert client.v1.charges.retrieve(pi.latest_charge).disputed is True
    disputes = client.v1.disputes.list(params={"payment_intent": pi.id})
    assert len(disputes.data) == 1
    dispute = client.v1.disputes.retrieve(disputes.data[0].id)
    assert (dispute.status, dispute.amount, dispute.charge) == ("lost", 1000, pi.latest_charge)
    events = delivered(receiver, secret, api_key)
    assert kinds(events, dispute.id) == ["charge.dispute.created"]
