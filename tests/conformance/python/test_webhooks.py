"""Signed webhooks through stripe-python: fcmock POSTs events to a receiver running inside
the test (127.0.0.1:0), and ``stripe.Webhook.construct_event`` verifies every delivery
with the endpoint's ``whsec_`` secret, exactly as a real app's webhook handler would.

Each test has its own random ``sk_test_`` key (conftest.py), so its endpoint only receives
its own namespace's events; ``POST /_fcmock/webhooks/flush`` waits for that key's
deliveries (retries included) before the assertions.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
import stripe

from conftest import raw_request

FC_EVENTS = [
    "financial_connections.account.created",
    "financial_connections.account.refreshed_balance",
    "financial_connections.account.refreshed_ownership",
    "financial_connections.account.refreshed_transactions",
    "financial_connections.account.disconnected",
]


class Receiver:
    """A webhook receiver answering each POST with the next scripted status (then 200)."""

    def __init__(self, script: list[int] | None = None) -> None:
        self.script = list(script or [])
        self.received: list[tuple[bytes, str]] = []  # (raw body, Stripe-Signature)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append((body, self.headers.get("Stripe-Signature", "")))
                    status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def control(path: str, body: dict) -> dict:
    """A control-API call (JSON, no Stripe key)."""
    response = raw_request(
        "POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.status == 200, response.text
    return response.json


def flush(api_key: str) -> dict:
    return control("/_fcmock/webhooks/flush", {"api_key": api_key})


def verified_events(receiver: Receiver, secret: str) -> list[stripe.Event]:
    """Every delivery, verified by stripe-python (raises if any signature is wrong)."""
    return [
        stripe.Webhook.construct_event(body, signature, secret)
        for body, signature in receiver.received
    ]


def test_linking_each_refresh_and_disconnect_arrive_signed_and_verify(client, api_key, receiver):
    endpoint = client.v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": FC_EVENTS}
    )
    assert endpoint.secret.startswith("whsec_")
    customer = client.v1.customers.create(params={"email": "jenny@example.com"})
    session = client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer.id},
            "permissions": ["balances", "ownership", "transactions", "payment_method"],
        }
    )
    completed = control(
        f"/_fcmock/sessions/{session.id}/complete",
        {"outcome": "success", "institution": "test_institution", "accounts": ["success"]},
    )
    account_id = completed["accounts"]["data"][0]["id"]
    client.v1.financial_connections.accounts.refresh(
        account_id, params={"features": ["balance", "ownership", "transactions"]}
    )
    control("/_fcmock/refreshes/settle", {})
    client.v1.financial_connections.accounts.disconnect(account_id)

    result = flush(api_key)

    assert result == {"delivered": 5, "failed": 0, "pending": 0}
    events = verified_events(receiver, endpoint.secret)
    assert sorted(e.type for e in events) == sorted(FC_EVENTS)
    assert events[0].type == "financial_connections.account.created"
    assert events[-1].type == "financial_connections.account.disconnected"
    for event in events:
        assert isinstance(event, stripe.Event)
        assert event.id.startswith("evt_")
        assert event.livemode is False
        assert event.data.object.id == account_id
        assert event.data.object.object == "financial_connections.account"
    by_type = {e.type: e for e in events}
    refreshed = by_type["financial_connections.account.refreshed_balance"]
    assert refreshed.data.object.balance_refresh.status in ("succeeded", "failed")
    disconnected = by_type["financial_connections.account.disconnected"]
    assert disconnected.data.object.status == "disconnected"
    assert disconnected.data.previous_attributes.to_dict() == {"status": "active"}

    # The same events through the API, delivered (no webhook pending any more).
    listed = client.v1.events.list(params={"type": "financial_connections.account.*"})
    assert [e.id for e in listed.data] == [e.id for e in reversed(events)]
    assert all(e.pending_webhooks == 0 for e in listed.data)
    assert client.v1.events.retrieve(events[0].id).type == events[0].type

    # A wrong secret is refused by the library: the signature really is checked.
    body, signature = receiver.received[0]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_not_the_secret")


def test_a_receiver_that_fails_twice_gets_the_event_three_times_with_fresh_signatures(
    client, api_key
):
    receiver = Receiver(script=[500, 500])
    try:
        endpoint = client.v1.webhook_endpoints.create(
            params={"url": receiver.url, "enabled_events": ["customer.created"]}
        )
        customer = client.v1.customers.create(params={"name": "Retry Me"})

        # fcmock's default back-off is 1 s, then 2 s: the flush waits for both retries.
        result = flush(api_key)

        assert result == {"delivered": 1, "failed": 0, "pending": 0}
        assert len(receiver.received) == 3
        events = verified_events(receiver, endpoint.secret)
        assert {e.id for e in events} == {events[0].id}
        assert all(e.data.object.id == customer.id for e in events)
        stamps = [
            int(dict(p.split("=", 1) for p in signature.split(","))["t"])
            for _, signature in receiver.received
        ]
        assert stamps == sorted(stamps) and len(set(stamps)) == 3, stamps
        assert len({signature for _, signature in receiver.received}) == 3
    finally:
        receiver.close()


def test_the_secret_is_returned_only_by_create(client):
    created = client.v1.webhook_endpoints.create(
        params={"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"], "description": "d"}
    )
    retrieved = client.v1.webhook_endpoints.retrieve(created.id)
    updated = client.v1.webhook_endpoints.update(created.id, params={"disabled": True})
    listed = client.v1.webhook_endpoints.list()
    deleted = client.v1.webhook_endpoints.delete(created.id)

    assert created.id.startswith("we_") and created.status == "enabled"
    assert "secret" not in retrieved
    assert updated.status == "disabled"
    assert [e.id for e in listed.data] == [created.id]
    assert deleted.deleted is True and deleted.id == created.id
