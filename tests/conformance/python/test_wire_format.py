"""Stripe's wire format (DESIGN §3), checked with raw HTTP and through stripe-python.

Raw requests use urllib; their responses are recorded in the same capture file as the
library's, so the schema validator checks them too.
"""

from __future__ import annotations

import base64
import json
import re
import secrets

import stripe

from conftest import STRIPE_VERSION, raw_request

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def assert_stripe_error_shape(r, status: int) -> dict:
    assert r.status == status, (r.status, r.text)
    assert isinstance(r.json, dict), r.text
    assert set(r.json) == {"error"}, r.json
    err = r.json["error"]
    assert err["type"] in {
        "api_error",
        "card_error",
        "idempotency_error",
        "invalid_request_error",
    }
    assert isinstance(err["message"], str) and err["message"]
    return err


def assert_standard_headers(r) -> None:
    assert (r.header("Request-Id") or "").startswith("req_"), r.headers
    assert r.header("Stripe-Version"), r.headers
    assert (r.header("Content-Type") or "").startswith("application/json"), r.headers
    assert r.header("Cache-Control") == "no-cache, no-store", r.headers


# ---------------------------------------------------------------- headers


def test_every_response_carries_request_id_version_content_type_and_cache_headers(api_key):
    ok = raw_request("GET", "/v1/customers", api_key=api_key)
    assert ok.status == 200
    assert_standard_headers(ok)
    missing = raw_request("GET", "/v1/customers/cus_doesnotexist00", api_key=api_key)
    assert missing.status == 404
    assert_standard_headers(missing)
    unauthenticated = raw_request("GET", "/v1/customers")
    assert unauthenticated.status == 401
    assert_standard_headers(unauthenticated)


def test_request_ids_are_unique_per_response(api_key):
    ids = {raw_request("GET", "/v1/customers", api_key=api_key).header("Request-Id") for _ in range(5)}
    assert len(ids) == 5
    assert all(re.fullmatch(r"req_[A-Za-z0-9]{10,}", i or "") for i in ids), ids


def test_stripe_version_echoes_the_version_the_request_asked_for(api_key):
    r = raw_request(
        "GET", "/v1/customers", api_key=api_key, headers={"Stripe-Version": "2024-06-20"}
    )
    assert r.status == 200
    assert r.header("Stripe-Version") == "2024-06-20"


def test_stripe_version_defaults_to_a_dated_version_when_none_is_asked_for(api_key):
    r = raw_request("GET", "/v1/customers", api_key=api_key)
    assert re.match(r"^\d{4}-\d{2}-\d{2}", r.header("Stripe-Version") or ""), r.headers


def test_the_library_sees_its_own_api_version_echoed(client):
    cus = client.v1.customers.create()
    # The pinned version, or the one forced with FCMOCK_STRIPE_VERSION (conftest.py).
    assert cus.last_response.headers.get("Stripe-Version") == STRIPE_VERSION == stripe.api_version
    assert cus.last_response.request_id.startswith("req_")


# ---------------------------------------------------------------- request encoding


def test_a_json_body_is_refused_with_a_message_about_form_encoding(api_key):
    r = raw_request(
        "POST",
        "/v1/customers",
        api_key=api_key,
        body=json.dumps({"email": "json@example.com"}),
        headers={"Content-Type": "application/json"},
    )
    err = assert_stripe_error_shape(r, 400)
    assert err["type"] == "invalid_request_error"
    # fcmock's own message (DESIGN §3): it must explain that Stripe takes form encoding.
    assert "form" in err["message"].lower(), err["message"]
    # Nothing was created.
    listed = raw_request("GET", "/v1/customers", api_key=api_key)
    assert listed.json["data"] == []


def test_bracket_nested_form_parameters_are_decoded(api_key):
    body = "email=nested%40example.com&metadata[a]=1&metadata[b]=two%20words&address[city]=Paris&address[country]=FR"
    r = raw_request("POST", "/v1/customers", api_key=api_key, body=body)
    assert r.status == 200, r.text
    assert r.json["email"] == "nested@example.com"
    assert r.json["metadata"] == {"a": "1", "b": "two words"}
    assert r.json["address"]["city"] == "Paris"
    assert r.json["address"]["country"] == "FR"


def test_expand_accepts_both_empty_bracket_and_indexed_arrays(api_key):
    cus = raw_request("POST", "/v1/customers", api_key=api_key, body="name=Arr").json
    for query in ("expand[]=default_source", "expand[0]=default_source", "expand%5B%5D=default_source"):
        r = raw_request("GET", f"/v1/customers/{cus['id']}?{query}", api_key=api_key)
        assert r.status == 200, (query, r.text)
        assert r.json["id"] == cus["id"]


def test_basic_authentication_with_the_key_as_user_name_is_accepted(api_key):
    token = base64.b64encode(f"{api_key}:".encode()).decode()
    r = raw_request("GET", "/v1/customers", headers={"Authorization": f"Basic {token}"})
    assert r.status == 200, r.text
    assert r.json["object"] == "list"


# ---------------------------------------------------------------- routing errors


def test_an_unknown_route_is_a_404_in_stripes_error_shape(api_key):
    r = raw_request("GET", "/v1/this_does_not_exist", api_key=api_key)
    err = assert_stripe_error_shape(r, 404)
    assert err["type"] == "invalid_request_error"
    # Stripe's text: "Unrecognized request URL (GET: /v1/this_does_not_exist). Please see
    # https://stripe.com/docs or we can help at https://support.stripe.com/."
    assert "Unrecognized request URL" in err["message"]
    assert "/v1/this_does_not_exist" in err["message"]
    assert_standard_headers(r)


def test_a_wrong_method_on_a_known_route_is_stripes_404_unrecognized_url(api_key):
    # Stripe answers a wrong method on a real path as an unknown URL (404), and
    # stripe-python would turn a 405 into a bare APIError.
    r = raw_request("DELETE", "/v1/customers", api_key=api_key)
    err = assert_stripe_error_shape(r, 404)
    assert err["type"] == "invalid_request_error"
    assert err["message"].startswith("Unrecognized request URL (DELETE: /v1/customers)")
    assert_standard_headers(r)


# ---------------------------------------------------------------- idempotency (raw)


def test_a_replayed_request_says_so_in_the_idempotent_replayed_header(api_key):
    key = "raw-idem-" + secrets.token_hex(8)
    headers = {**FORM, "Idempotency-Key": key}
    first = raw_request("POST", "/v1/customers", api_key=api_key, body="name=Raw", headers=headers)
    second = raw_request("POST", "/v1/customers", api_key=api_key, body="name=Raw", headers=headers)
    assert first.status == second.status == 200
    assert second.json == first.json
    assert second.header("Idempotent-Replayed") == "true"
    assert first.header("Idempotent-Replayed") in (None, "false")
    assert second.header("Request-Id") != first.header("Request-Id")


def test_an_idempotency_error_body_has_type_idempotency_error(api_key):
    key = "raw-idem-" + secrets.token_hex(8)
    headers = {**FORM, "Idempotency-Key": key}
    raw_request("POST", "/v1/customers", api_key=api_key, body="name=One", headers=headers)
    r = raw_request("POST", "/v1/customers", api_key=api_key, body="name=Two", headers=headers)
    err = assert_stripe_error_shape(r, 400)
    assert err["type"] == "idempotency_error"


# ---------------------------------------------------------------- authentication (raw)


def test_a_live_key_is_refused_with_a_clear_401():
    r = raw_request("GET", "/v1/customers", api_key="sk_live_" + secrets.token_hex(8))
    err = assert_stripe_error_shape(r, 401)
    assert "never accepts live keys" in err["message"]
    assert "sk_live_" in err["message"]  # the masked key, as Stripe prints keys


def test_an_error_body_has_a_request_log_url_and_a_doc_url_for_coded_errors(api_key):
    r = raw_request("GET", "/v1/customers/cus_doesnotexist00", api_key=api_key)
    err = assert_stripe_error_shape(r, 404)
    assert err["code"] == "resource_missing"
    assert err["param"] == "id"
    assert err["doc_url"].endswith("/error-codes/resource-missing")
    # Stripe's looks like https://dashboard.stripe.com/test/logs/req_…?t=1700000000
    assert r.header("Request-Id") in err["request_log_url"]


# ---------------------------------------------------------------- form decoding details


def test_plus_signs_and_percent_escapes_decode_like_html_forms(api_key):
    body = "name=Jenny+Rosen&description=J%C3%A9r%C3%B4me%20%26%20co%3D1"
    r = raw_request("POST", "/v1/customers", api_key=api_key, body=body)
    assert r.status == 200, r.text
    assert r.json["name"] == "Jenny Rosen"
    assert r.json["description"] == "Jérôme & co=1"


def test_indexed_and_empty_bracket_arrays_decode_to_the_same_list(api_key):
    a = raw_request(
        "POST", "/v1/customers", api_key=api_key,
        body="preferred_locales[0]=fr&preferred_locales[1]=en",
    )
    b = raw_request(
        "POST", "/v1/customers", api_key=api_key,
        body="preferred_locales[]=fr&preferred_locales[]=en",
    )
    assert a.status == b.status == 200, (a.text, b.text)
    assert a.json["preferred_locales"] == b.json["preferred_locales"] == ["fr", "en"]


def test_objects_serialise_id_and_object_first_like_stripe(api_key):
    r = raw_request("POST", "/v1/customers", api_key=api_key, body="name=Order")
    assert list(r.json)[:2] == ["id", "object"]
    page = raw_request("GET", "/v1/customers", api_key=api_key)
    assert list(page.json)[0] == "object"


def test_get_parameters_are_read_from_the_query_string(api_key):
    email = f"q.{secrets.token_hex(4)}@example.com"
    raw_request("POST", "/v1/customers", api_key=api_key, body=f"email={email.replace('@', '%40')}")
    raw_request("POST", "/v1/customers", api_key=api_key, body="email=other%40example.com")
    r = raw_request("GET", f"/v1/customers?email={email.replace('@', '%40')}&limit=1", api_key=api_key)
    assert r.status == 200
    assert [c["email"] for c in r.json["data"]] == [email]
