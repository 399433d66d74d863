"""Customer search and the default payment method through stripe-python.

``client.v1.customers.search`` and the legacy ``stripe.Customer.search(query=...)``: the
``search_result`` object, auto-paging over ``next_page``, ``expand=["total_count"]``, and
Stripe's errors for a bad query; a PaymentMethod attached by ``customers.create`` and made
the invoice default, expanded. Each test has its own random key (conftest.py), so counts are
exact.
"""

from __future__ import annotations

import secrets

import pytest
import stripe

from conftest import BASE_URL, RecordingHTTPClient

PARSE_ERROR = "We were unable to parse your search query."


def tag() -> str:
    return secrets.token_hex(4)


def bank_payment_method(client: stripe.StripeClient) -> stripe.PaymentMethod:
    return client.v1.payment_methods.create(
        params={
            "type": "us_bank_account",
            "billing_details": {"name": "Jenny Rosen"},
            "us_bank_account": {
                "account_number": "000123456789",
                "routing_number": "110000000",
                "account_holder_type": "individual",
            },
        }
    )


# ---------------------------------------------------------------- search


def test_search_finds_customers_by_email_name_and_metadata(client):
    t = tag()
    jenny = client.v1.customers.create(
        params={"email": f"jenny.{t}@example.com", "name": "Jenny Rosen", "metadata": {"t": t}}
    )
    jane = client.v1.customers.create(
        params={"email": f"jane.{t}@example.com", "name": "Jane Doe", "metadata": {"t": t}}
    )

    by_email = client.v1.customers.search(params={"query": f"email:'jenny.{t}@example.com'"})
    assert isinstance(by_email, stripe.SearchResultObject)
    assert by_email.object == "search_result"
    assert by_email.url == "/v1/customers/search"
    assert by_email.has_more is False
    assert by_email.next_page is None
    assert [c.id for c in by_email.data] == [jenny.id]
    assert isinstance(by_email.data[0], stripe.Customer)

    both = client.v1.customers.search(params={"query": f"metadata['t']:'{t}'"})
    assert [c.id for c in both.data] == [jane.id, jenny.id]
    jane_only = client.v1.customers.search(params={"query": f"metadata['t']:'{t}' -name~'jen'"})
    assert [c.id for c in jane_only.data] == [jane.id]
    either = client.v1.customers.search(
        params={"query": 'name:"jenny rosen" OR name:"jane doe"'}
    )
    assert {c.id for c in either.data} == {jenny.id, jane.id}


def test_search_pages_auto_page_and_count_when_expanded(client):
    t = tag()
    ids = [
        client.v1.customers.create(params={"name": f"Pager {t}", "description": f"#{i}"}).id
        for i in range(5)
    ]

    first = client.v1.customers.search(
        params={"query": f"name:'{t}'", "limit": 2, "expand": ["total_count"]}
    )
    assert [c.id for c in first.data] == list(reversed(ids))[:2]
    assert first.has_more is True and isinstance(first.next_page, str)
    assert first.total_count == 5
    second = client.v1.customers.search(
        params={"query": f"name:'{t}'", "limit": 2, "page": first.next_page}
    )
    assert [c.id for c in second.data] == list(reversed(ids))[2:4]
    assert second.to_dict().get("total_count") is None

    every = [c.id for c in first.auto_paging_iter()]
    assert every == list(reversed(ids))


def test_a_bad_query_raises_invalid_request_errors(client):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.search(params={"query": "asdf"})
    assert ei.value.http_status == 400
    assert str(ei.value.user_message).startswith(PARSE_ERROR)

    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.search(params={"query": 'foo:"bar"'})
    assert "Field `foo` is an unsupported search field for resource `customers`" in (
        ei.value.user_message or ""
    )

    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.search(params={"query": 'email:"a@example.com"', "limit": 0})
    assert ei.value.param == "limit"


@pytest.fixture
def global_config(api_key):
    """The module-level configuration the legacy resource methods use, restored after."""
    saved = (stripe.api_key, stripe.api_base, stripe.default_http_client, stripe.max_network_retries)
    stripe.api_key = api_key
    stripe.api_base = BASE_URL
    stripe.default_http_client = RecordingHTTPClient()
    stripe.max_network_retries = 0
    yield
    stripe.api_key, stripe.api_base, stripe.default_http_client, stripe.max_network_retries = saved


def test_the_legacy_customer_search_class_method(client, global_config):
    t = tag()
    cus = client.v1.customers.create(params={"email": f"legacy.{t}@example.com"})

    result = stripe.Customer.search(query=f"email:'legacy.{t}@example.com'")

    assert isinstance(result, stripe.SearchResultObject)
    assert [c.id for c in result.data] == [cus.id]
    assert [c.id for c in stripe.Customer.search_auto_paging_iter(query=f"email~'{t}'")] == [
        cus.id
    ]


# ---------------------------------------------------------------- default payment method


def test_create_attaches_the_payment_method_and_expands_the_default(client):
    pm = bank_payment_method(client)

    cus = client.v1.customers.create(
        params={
            "payment_method": pm.id,
            "invoice_settings": {"default_payment_method": pm.id},
            "expand": ["invoice_settings.default_payment_method"],
        }
    )

    default = cus.invoice_settings.default_payment_method
    assert isinstance(default, stripe.PaymentMethod)
    assert default.id == pm.id
    assert default.customer == cus.id
    assert client.v1.payment_methods.retrieve(pm.id).customer == cus.id
    listed = client.v1.customers.payment_methods.list(cus.id)
    assert [m.id for m in listed.data] == [pm.id]
    fetched = client.v1.customers.retrieve(cus.id)
    assert fetched.invoice_settings.default_payment_method == pm.id


def test_a_default_payment_method_not_attached_to_the_customer_is_refused(client):
    cus = client.v1.customers.create()
    loose = bank_payment_method(client)

    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.update(
            cus.id, params={"invoice_settings": {"default_payment_method": loose.id}}
        )
    assert ei.value.http_status == 400
    assert ei.value.param == "invoice_settings[default_payment_method]"
    assert f"does not have a payment method with the ID {loose.id}" in (
        ei.value.user_message or ""
    )

    with pytest.raises(stripe.InvalidRequestError) as ei:
        client.v1.customers.create(params={"payment_method": "pm_doesnotexist"})
    assert ei.value.code == "resource_missing"
    assert ei.value.param == "payment_method"
