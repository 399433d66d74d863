"""Customers through stripe-python: CRUD, lists and pagination, expand, errors, idempotency.

Each test gets its own random ``sk_test_`` key (see conftest.py), i.e. an empty namespace,
so counts and orders below are exact.
"""

from __future__ import annotations

import re
import secrets

import pytest
import stripe

from conftest import RecordingHTTPClient, make_client, new_test_key, raw_request

ADDRESS = {
    "line1": "510 Townsend St",
    "line2": "Floor 2",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94103",
    "country": "US",
}


def unique_email(tag: str = "c") -> str:
    return f"{tag}.{secrets.token_hex(4)}@example.com"


def create_many(client: stripe.StripeClient, n: int, **params) -> list[str]:
    """Creates n customers in order and returns their ids, oldest first."""
    return [
        client.v1.customers.create(params={"description": f"#{i}", **params}).id
        for i in range(n)
    ]


# ---------------------------------------------------------------- create / retrieve


def test_creating_a_customer_stores_every_given_field(client):
    email = unique_email()
    cus = client.v1.customers.create(
        params={
            "email": email,
            "name": "Jenny Rosen",
            "description": "conformance customer",
            "phone": "+14155550100",
            "address": ADDRESS,
            "metadata": {"order_id": "6735", "tier": "gold"},
        }
    )
    assert isinstance(cus, stripe.Customer)
    assert re.fullmatch(r"cus_[A-Za-z0-9]{14,}", cus.id), cus.id
    assert cus.object == "customer"
    assert cus.livemode is False
    assert isinstance(cus.created, int) and cus.created > 1_500_000_000
    assert cus.email == email
    assert cus.name == "Jenny Rosen"
    assert cus.description == "conformance customer"
    assert cus.phone == "+14155550100"
    assert cus.address.to_dict() == ADDRESS
    assert cus.metadata.to_dict() == {"order_id": "6735", "tier": "gold"}


def test_a_customer_created_without_parameters_has_empty_defaults(client):
    cus = client.v1.customers.create()
    assert cus.object == "customer"
    assert cus.email is None
    assert cus.name is None
    assert cus.metadata.to_dict() == {}


def test_retrieving_a_customer_returns_the_same_object_as_create(client):
    created = client.v1.customers.create(
        params={"email": unique_email(), "name": "Ret Rieve", "metadata": {"k": "v"}}
    )
    fetched = client.v1.customers.retrieve(created.id)
    assert fetched.to_dict() == created.to_dict()


def test_customer_ids_are_unique(client):
    ids = create_many(client, 5)
    assert len(set(ids)) == 5


# ---------------------------------------------------------------- update


def test_updating_a_customer_changes_only_the_given_fields(client):
    email = unique_email()
    cus = client.v1.customers.create(params={"email": email, "name": "Old Name"})
    updated = client.v1.customers.update(cus.id, params={"name": "New Name"})
    assert updated.id == cus.id
    assert updated.name == "New Name"
    assert updated.email == email
    assert client.v1.customers.retrieve(cus.id).name == "New Name"


def test_updating_metadata_merges_keys_and_an_empty_value_deletes_a_key(client):
    cus = client.v1.customers.create(params={"metadata": {"a": "1", "b": "2"}})
    updated = client.v1.customers.update(
        cus.id, params={"metadata": {"b": "", "c": "3"}}
    )
    assert updated.metadata.to_dict() == {"a": "1", "c": "3"}
    assert client.v1.customers.retrieve(cus.id).metadata.to_dict() == {"a": "1", "c": "3"}


def test_setting_metadata_to_an_empty_string_clears_all_keys(client):
    cus = client.v1.customers.create(params={"metadata": {"a": "1", "b": "2"}})
    updated = client.v1.customers.update(cus.id, params={"metadata": ""})
    assert updated.metadata.to_dict() == {}


def test_updating_a_missing_customer_is_a_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.update("cus_doesnotexist00", params={"name": "x"})
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"
    assert ei.value.param == "id"


# ---------------------------------------------------------------- delete


def test_deleting_a_customer_returns_the_deleted_stub(client):
    cus = client.v1.customers.create(params={"email": unique_email()})
    deleted = client.v1.customers.delete(cus.id)
    assert deleted.to_dict() == {"id": cus.id, "object": "customer", "deleted": True}


def test_retrieving_a_deleted_customer_returns_the_deleted_stub(client):
    # Stripe: GET /v1/customers/{id} answers 200 with `anyOf[customer, deleted_customer]`
    # (stripe-openapi/spec-subset.json), i.e. the stub, not a 404.
    cus = client.v1.customers.create()
    client.v1.customers.delete(cus.id)
    again = client.v1.customers.retrieve(cus.id)
    assert again.id == cus.id
    assert again.to_dict().get("deleted") is True
    assert again.last_response.code == 200


def test_a_deleted_customer_is_no_longer_listed(client):
    keep, gone = create_many(client, 2)
    client.v1.customers.delete(gone)
    ids = [c.id for c in client.v1.customers.list().data]
    assert ids == [keep]


def test_deleting_a_missing_customer_is_a_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.delete("cus_doesnotexist00")
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"


# ---------------------------------------------------------------- list and pagination


def test_listing_customers_returns_a_list_object_newest_first(client):
    ids = create_many(client, 3)
    page = client.v1.customers.list()
    assert page.object == "list"
    assert page.url == "/v1/customers"
    assert page.has_more is False
    assert [c.id for c in page.data] == list(reversed(ids))


def test_listing_with_an_email_filter_returns_only_exact_matches(client):
    target = unique_email("target")
    other = unique_email("other")
    first = client.v1.customers.create(params={"email": target}).id
    client.v1.customers.create(params={"email": other})
    # A prefix of the address must not match: Stripe's `email` filter is exact.
    client.v1.customers.create(params={"email": "x" + target})
    second = client.v1.customers.create(params={"email": target}).id
    page = client.v1.customers.list(params={"email": target})
    assert [c.id for c in page.data] == [second, first]
    assert all(c.email == target for c in page.data)


def test_the_default_page_size_is_ten(client):
    ids = create_many(client, 12)
    page = client.v1.customers.list()
    assert [c.id for c in page.data] == list(reversed(ids))[:10]
    assert page.has_more is True


def test_limit_caps_the_page_and_sets_has_more(client):
    ids = create_many(client, 5)
    page = client.v1.customers.list(params={"limit": 2})
    assert [c.id for c in page.data] == [ids[4], ids[3]]
    assert page.has_more is True
    last = client.v1.customers.list(params={"limit": 5})
    assert len(last.data) == 5
    assert last.has_more is False


def test_starting_after_returns_the_next_older_page(client):
    ids = create_many(client, 5)  # list order: 4 3 2 1 0
    page = client.v1.customers.list(params={"limit": 2, "starting_after": ids[4]})
    assert [c.id for c in page.data] == [ids[3], ids[2]]
    assert page.has_more is True
    tail = client.v1.customers.list(params={"limit": 2, "starting_after": ids[2]})
    assert [c.id for c in tail.data] == [ids[1], ids[0]]
    assert tail.has_more is False


def test_ending_before_returns_the_next_newer_page(client):
    ids = create_many(client, 5)  # list order: 4 3 2 1 0
    page = client.v1.customers.list(params={"limit": 2, "ending_before": ids[1]})
    # The two objects just before ids[1] in list order, still newest first.
    assert [c.id for c in page.data] == [ids[3], ids[2]]
    assert page.has_more is True
    head = client.v1.customers.list(params={"limit": 2, "ending_before": ids[3]})
    assert [c.id for c in head.data] == [ids[4]]
    assert head.has_more is False


def test_a_cursor_naming_an_unknown_customer_is_rejected(client):
    # Stripe: 400 resource_missing naming the cursor parameter
    # ("No such customer: 'cus_…'", param "starting_after").
    create_many(client, 1)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.list(params={"starting_after": "cus_doesnotexist00"})
    assert ei.value.http_status == 400
    assert ei.value.code == "resource_missing"
    assert ei.value.param == "starting_after"


def test_auto_pagination_yields_every_customer_exactly_once_newest_first(api_key):
    http = RecordingHTTPClient()
    client = make_client(api_key, http_client=http)
    ids = create_many(client, 25)
    before = len(http.requests_made)
    seen = [c.id for c in client.v1.customers.list(params={"limit": 10}).auto_paging_iter()]
    assert seen == list(reversed(ids))
    list_calls = [r for r in http.requests_made[before:] if r[0] == "GET"]
    assert len(list_calls) == 3, list_calls


# ---------------------------------------------------------------- expand


def test_expanding_default_source_on_retrieve_is_accepted(client):
    cus = client.v1.customers.create()
    fetched = client.v1.customers.retrieve(cus.id, params={"expand": ["default_source"]})
    assert fetched.id == cus.id
    assert fetched.default_source is None


def test_expanding_an_unknown_property_is_an_invalid_request(client):
    # Stripe's text: "This property cannot be expanded (bogus)." (400 invalid_request_error;
    # seen in public issue reports, e.g. gitpod-io/gitpod#13035, stripe-dotnet#1351).
    cus = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.retrieve(cus.id, params={"expand": ["bogus"]})
    assert ei.value.http_status == 400
    assert "cannot be expanded" in ei.value.user_message
    assert "bogus" in ei.value.user_message


# ---------------------------------------------------------------- parameter errors


def test_an_unknown_parameter_is_rejected_with_parameter_unknown(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"x": "1"})
    e = ei.value
    assert e.http_status == 400
    assert e.code == "parameter_unknown"
    assert e.param == "x"
    # Stripe's exact text (documented in fcmock's DESIGN §3 and widely reported).
    assert e.user_message.startswith("Received unknown parameter: x")
    assert e.error.type == "invalid_request_error"
    assert e.error.doc_url.endswith("/error-codes/parameter-unknown")


def test_an_unknown_nested_parameter_names_its_full_bracket_path(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"address": {"line1": "x", "bogus": "1"}})
    e = ei.value
    assert e.code == "parameter_unknown"
    assert e.param == "address[bogus]"
    assert "Received unknown parameter: address[bogus]" in e.user_message


def test_an_unknown_parameter_is_rejected_on_update_too(client):
    cus = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.update(cus.id, params={"nonsense": "1"})
    assert ei.value.code == "parameter_unknown"
    assert ei.value.param == "nonsense"


def test_a_non_integer_limit_is_parameter_invalid_integer(client):
    # Stripe's text: "Invalid integer: abc".
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.list(params={"limit": "abc"})
    e = ei.value
    assert e.http_status == 400
    assert e.code == "parameter_invalid_integer"
    assert e.param == "limit"
    assert "abc" in e.user_message


@pytest.mark.parametrize("limit", [0, 101])
def test_a_limit_outside_1_to_100_is_rejected(client, limit):
    # Stripe's texts: "This value must be greater than or equal to 1." /
    # "This value must be less than or equal to 100." (param "limit").
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.list(params={"limit": limit})
    assert ei.value.http_status == 400
    assert ei.value.param == "limit"
    assert "must be" in ei.value.user_message


def test_retrieving_a_missing_customer_is_a_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.retrieve("cus_doesnotexist00")
    e = ei.value
    assert e.http_status == 404
    assert e.code == "resource_missing"
    assert e.param == "id"
    # Stripe's text: "No such customer: 'cus_doesnotexist00'".
    assert "No such customer" in e.user_message
    assert "cus_doesnotexist00" in e.user_message
    assert e.request_id and e.request_id.startswith("req_")


# ---------------------------------------------------------------- authentication


def test_an_invalid_api_key_is_an_authentication_error():
    # Stripe's text: "Invalid API Key provided: not_a_*******_123" (the key masked).
    bad = make_client("not_a_real_key_123")
    with pytest.raises(stripe.AuthenticationError) as ei:
        bad.v1.customers.list()
    assert ei.value.http_status == 401
    assert "Invalid API Key provided" in ei.value.user_message
    assert "not_a_real_key_123" not in ei.value.user_message  # masked


def test_a_live_key_is_refused_because_fcmock_never_accepts_live_keys():
    live = make_client("sk_live_" + secrets.token_hex(12))
    with pytest.raises(stripe.AuthenticationError) as ei:
        live.v1.customers.create()
    msg = ei.value.user_message
    assert ei.value.http_status == 401
    # fcmock's own wording (src/stripe/auth.rs): "... fcmock is a local test double of
    # Stripe and never accepts live keys ..."
    assert "fcmock" in msg
    assert "never accepts live keys" in msg


def test_a_request_without_an_api_key_is_a_401():
    # stripe-python refuses to send a request without a key, so this one is raw HTTP.
    # Stripe's text starts "You did not provide an API key."
    r = raw_request("GET", "/v1/customers")
    assert r.status == 401
    assert r.json["error"]["type"] == "invalid_request_error"
    assert "did not provide an API key" in r.json["error"]["message"]


# ---------------------------------------------------------------- idempotency


def test_the_same_idempotency_key_replays_the_first_customer(client):
    key = "idem-" + secrets.token_hex(8)
    params = {"email": unique_email(), "name": "Idem Potent"}
    first = client.v1.customers.create(params=params, options={"idempotency_key": key})
    second = client.v1.customers.create(params=params, options={"idempotency_key": key})
    assert second.id == first.id
    assert second.to_dict() == first.to_dict()
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert first.last_response.headers.get("Idempotent-Replayed") != "true"
    assert [c.id for c in client.v1.customers.list().data] == [first.id]


def test_reusing_an_idempotency_key_with_other_parameters_is_an_idempotency_error(client):
    # Stripe's text: "Keys for idempotent requests can only be used with the same parameters
    # they were first used with. Try using a key other than '…' if you meant to execute a
    # different request."
    key = "idem-" + secrets.token_hex(8)
    client.v1.customers.create(params={"name": "A"}, options={"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError) as ei:
        client.v1.customers.create(params={"name": "B"}, options={"idempotency_key": key})
    e = ei.value
    assert e.http_status == 400
    assert e.error.type == "idempotency_error"
    assert "same parameters" in e.user_message


def test_idempotency_keys_are_scoped_to_the_api_key(client, other_client):
    key = "idem-" + secrets.token_hex(8)
    a = client.v1.customers.create(params={"name": "A"}, options={"idempotency_key": key})
    b = other_client.v1.customers.create(params={"name": "B"}, options={"idempotency_key": key})
    assert a.id != b.id
    assert b.name == "B"


# ---------------------------------------------------------------- isolation


def test_two_api_keys_never_see_each_others_customers(client, other_client):
    email = unique_email("shared")
    mine = client.v1.customers.create(params={"email": email})
    theirs = other_client.v1.customers.create(params={"email": email})
    assert [c.id for c in client.v1.customers.list().data] == [mine.id]
    assert [c.id for c in other_client.v1.customers.list(params={"email": email}).data] == [
        theirs.id
    ]
    with pytest.raises(stripe.InvalidRequestError) as ei:
        other_client.v1.customers.retrieve(mine.id)
    assert ei.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError):
        other_client.v1.customers.update(mine.id, params={"name": "hijack"})
    with pytest.raises(stripe.InvalidRequestError):
        other_client.v1.customers.delete(mine.id)
    assert "deleted" not in client.v1.customers.retrieve(mine.id).to_dict()


def test_a_fresh_api_key_starts_with_no_customers():
    fresh = make_client(new_test_key())
    page = fresh.v1.customers.list()
    assert page.data == []
    assert page.has_more is False


# ---------------------------------------------------------------- more parameters


def test_an_empty_string_unsets_an_optional_field(client):
    # Stripe: "You can unset a parameter by passing an empty string" (API docs, metadata
    # and updates); `address` is declared `anyOf[object, ""]` in the spec.
    cus = client.v1.customers.create(
        params={"name": "To Clear", "phone": "+14155550100", "address": ADDRESS}
    )
    updated = client.v1.customers.update(cus.id, params={"name": "", "phone": "", "address": ""})
    assert updated.name is None
    assert updated.phone is None
    assert updated.address is None


def test_preferred_locales_are_kept_in_order(client):
    cus = client.v1.customers.create(params={"preferred_locales": ["fr", "en"]})
    assert cus.preferred_locales == ["fr", "en"]


def test_tax_exempt_outside_its_enum_is_rejected(client):
    # Stripe's text: "Invalid tax_exempt: must be one of none, exempt, or reverse".
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"tax_exempt": "sometimes"})
    assert ei.value.http_status == 400
    assert ei.value.param == "tax_exempt"
    assert "must be one of" in ei.value.user_message


def test_a_name_longer_than_its_maximum_length_is_rejected(client):
    # The spec declares `name` maxLength 256 and Stripe enforces it (400 naming the
    # parameter; e.g. sagemathinc/cocalc#4656 truncates names because "stripe complains").
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"name": "x" * 257})
    assert ei.value.http_status == 400
    assert ei.value.param == "name"


def test_a_hash_given_for_a_string_parameter_is_rejected(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"email": {"nested": "value"}})
    assert ei.value.http_status == 400
    assert ei.value.param == "email"


def test_listing_filters_by_created_timestamp_and_range(client):
    ids = create_many(client, 3)
    created = client.v1.customers.retrieve(ids[0]).created
    everything = client.v1.customers.list(params={"created": {"gte": created - 5}})
    assert [c.id for c in everything.data] == list(reversed(ids))
    future = client.v1.customers.list(params={"created": {"gt": created + 86_400}})
    assert future.data == []
    past = client.v1.customers.list(params={"created": {"lt": created - 86_400}})
    assert past.data == []
    exact = client.v1.customers.list(params={"created": created})
    assert set(c.id for c in exact.data) <= set(ids)
    assert all(c.created == created for c in exact.data)


def test_a_metadata_key_longer_than_40_characters_is_rejected(client):
    # Stripe's text: "Invalid key: <key> must be a string under 40 characters", param
    # "metadata" (stripe/stripe-php#246, Automattic/camptix#228).
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"metadata": {"k" * 41: "v"}})
    assert ei.value.http_status == 400
    assert (ei.value.param or "").startswith("metadata")


def test_a_metadata_value_longer_than_500_characters_is_rejected(client):
    # Stripe's text: "Invalid val: <value> must be a string under 500 characters".
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"metadata": {"k": "v" * 501}})
    assert ei.value.http_status == 400
    assert (ei.value.param or "").startswith("metadata")
