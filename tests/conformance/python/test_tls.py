"""stripe-python over fcmock's TLS listener (``--tls-port``), trusting only the certificate
fcmock hands out at ``GET /_fcmock/tls/cert.pem`` (fetched over plain HTTP, as a device
would), through ``stripe.ca_bundle_path``: the FC flow runs, links are ``https``, and the
library's default CA bundle refuses the connection.

Environment: FCMOCK_TLS_URL, the ``https://127.0.0.1:PORT`` fcmock logs (run.sh starts
fcmock with ``--tls-port 0``). Without it the tests fail: they do not skip.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import certifi
import pytest
import requests
import stripe

from conftest import RecordingHTTPClient, STRIPE_VERSION, new_test_key, raw_request

TLS_URL = os.environ.get("FCMOCK_TLS_URL", "").rstrip("/")


@pytest.fixture
def tls_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> stripe.StripeClient:
    assert TLS_URL.startswith("https://"), "FCMOCK_TLS_URL is not set; run tests/conformance/run.sh"
    cert = raw_request("GET", "/_fcmock/tls/cert.pem")
    assert cert.status == 200, cert.text
    assert cert.header("Content-Type") == "application/x-x509-ca-cert"
    bundle = tmp_path / "fcmock-ca.pem"
    bundle.write_text(cert.text)
    # The only trust anchor: not certifi's bundle, not the system's.
    monkeypatch.setattr(stripe, "ca_bundle_path", str(bundle))
    return stripe.StripeClient(
        new_test_key(),
        base_addresses={"api": TLS_URL},
        http_client=RecordingHTTPClient(),
        max_network_retries=0,
        stripe_version=STRIPE_VERSION,
    )


def test_the_fc_flow_runs_over_tls_trusting_only_fcmocks_certificate(tls_client):
    customer = tls_client.v1.customers.create(params={"email": "tls@example.com"})
    session = tls_client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer.id},
            "permissions": ["balances", "payment_method"],
        }
    )
    completed = raw_request(
        "POST",
        f"/_fcmock/sessions/{session.id}/complete",
        body=json.dumps({"outcome": "success"}),
        headers={"Content-Type": "application/json"},
    )
    assert completed.status == 200, completed.text
    accounts = tls_client.v1.financial_connections.accounts.list(params={"session": session.id})
    assert accounts.data, "the completed session linked accounts"
    account = tls_client.v1.financial_connections.accounts.refresh(
        accounts.data[0].id, params={"features": ["balance"]}
    )
    assert account.balance_refresh.status in ("pending", "succeeded")


def test_links_handed_out_over_tls_are_https(tls_client):
    customer = tls_client.v1.customers.create()
    session = tls_client.v1.financial_connections.sessions.create(
        params={
            "account_holder": {"type": "customer", "customer": customer.id},
            "permissions": ["balances"],
        }
    )
    answer = requests.post(
        TLS_URL + "/v1/financial_connections/sessions/synchronize",
        data={"client_secret": session.client_secret},
        headers={"Authorization": "Bearer pk_test_tls"},
        verify=stripe.ca_bundle_path,
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    hosted = answer.json()["manifest"]["hosted_auth_url"]
    assert hosted.startswith(TLS_URL + "/hosted/auth?"), hosted


def test_the_default_ca_bundle_refuses_fcmocks_certificate(tls_client, monkeypatch):
    monkeypatch.setattr(stripe, "ca_bundle_path", certifi.where())
    with pytest.raises(stripe.APIConnectionError):
        tls_client.v1.customers.create()
