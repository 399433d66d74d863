//! Customers: create, retrieve, update (metadata merging and limits, unsetting), delete, list
//! filters, PaymentMethods on create, the default payment method, email checks, includable
//! fields.

use crate::support::{form, ids, snapshot_settings, TestServer, CREATED, KEY};
use serde_json::json;

const JENNY: &[(&str, &str)] = &[
    ("email", "jenny.rosen@example.com"),
    ("name", "Jenny Rosen"),
    ("description", "Integration test customer"),
    ("phone", "+15555550123"),
    ("address[line1]", "510 Townsend St"),
    ("address[city]", "San Francisco"),
    ("address[state]", "CA"),
    ("address[postal_code]", "94103"),
    ("address[country]", "US"),
    ("metadata[order_id]", "6735"),
    ("metadata[plan]", "pro"),
];

#[tokio::test]
async fn creating_a_customer_returns_every_field_it_was_given() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, &form(JENNY)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let customer = &response.json;
    assert_eq!(customer["object"], "customer");
    assert!(customer["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("cus_") && id.len() == 18));
    assert_eq!(customer["email"], "jenny.rosen@example.com");
    assert_eq!(customer["name"], "Jenny Rosen");
    assert_eq!(customer["description"], "Integration test customer");
    assert_eq!(customer["phone"], "+15555550123");
    assert_eq!(customer["address"]["city"], "San Francisco");
    assert_eq!(customer["address"]["line2"], json!(null));
    assert_eq!(
        customer["metadata"],
        json!({"order_id": "6735", "plan": "pro"})
    );
    assert_eq!(customer["created"], CREATED);
    assert_eq!(customer["livemode"], false);
    snapshot_settings().bind(|| insta::assert_json_snapshot!(customer));
}

#[tokio::test]
async fn retrieving_a_customer_returns_the_created_object() {
    let server = TestServer::start().await;
    let created = server.create_customer(JENNY).await;
    let id = created["id"].as_str().expect("customers have ids");

    let response = server.get(&format!("/v1/customers/{id}"), KEY).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json, created);
}

/// A read keeps the customer's rendered body (issue #19); an update, a delete and an older
/// API version must never see it.
#[tokio::test]
async fn a_read_after_an_update_or_delete_shows_the_change_not_an_earlier_body() {
    let server = TestServer::start().await;
    let created = server.create_customer(JENNY).await;
    let id = created["id"].as_str().expect("customers have ids");
    let path = format!("/v1/customers/{id}");
    for _ in 0..2 {
        assert_eq!(server.get(&path, KEY).await.json, created);
    }

    let updated = server
        .post(
            &path,
            KEY,
            &form(&[("name", "Jenny R."), ("metadata[plan]", "team")]),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let read = server.get(&path, KEY).await;
    assert_eq!(read.json["name"], "Jenny R.");
    assert_eq!(read.json["metadata"]["plan"], "team");
    assert_eq!(read.json, updated.json);
    assert_eq!(
        read.text, updated.text,
        "the same bytes as the update's answer"
    );

    let expanded = server
        .get(
            &format!("{path}?expand[]=invoice_settings.default_payment_method"),
            KEY,
        )
        .await;
    assert_eq!(expanded.json["name"], "Jenny R.");

    let auth = format!("Bearer {KEY}");
    let older = server
        .request(
            hyper::Method::GET,
            &path,
            &[("authorization", &auth), ("stripe-version", "2024-06-20")],
            "",
        )
        .await;
    assert_eq!(older.status, 200, "{}", older.text);
    assert!(
        older.json.get("business_name").is_none(),
        "2024-06-20 has no business_name: {}",
        older.text
    );
    assert!(server
        .get(&path, KEY)
        .await
        .json
        .get("business_name")
        .is_some());

    server.delete(&path, KEY).await;
    let gone = server.get(&path, KEY).await;
    assert_eq!(gone.json["deleted"], true, "{}", gone.text);
}

#[tokio::test]
async fn retrieving_an_unknown_customer_returns_404_resource_missing() {
    let server = TestServer::start().await;

    let response = server.get("/v1/customers/cus_doesnotexist", KEY).await;

    assert_eq!(response.status, 404);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(
        response.error("message"),
        Some("No such customer: 'cus_doesnotexist'")
    );
    assert_eq!(response.error("param"), Some("id"));
    assert_eq!(
        response.error("doc_url"),
        Some("https://stripe.com/docs/error-codes/resource-missing")
    );
    assert_eq!(
        response.error_keys(),
        [
            "code",
            "doc_url",
            "message",
            "param",
            "request_log_url",
            "type"
        ]
    );
    snapshot_settings().bind(|| insta::assert_json_snapshot!(response.json));
}

#[tokio::test]
async fn updating_metadata_adds_new_keys_and_an_empty_value_deletes_its_key() {
    let server = TestServer::start().await;
    let created = server
        .create_customer(&[
            ("email", "a@example.com"),
            ("metadata[a]", "1"),
            ("metadata[b]", "2"),
        ])
        .await;
    let path = format!("/v1/customers/{}", created["id"].as_str().expect("id"));

    let response = server
        .post(
            &path,
            KEY,
            &form(&[("metadata[c]", "3"), ("metadata[a]", "")]),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["metadata"], json!({"b": "2", "c": "3"}));
    assert_eq!(
        response.json["email"], "a@example.com",
        "fields not sent are left alone"
    );
    assert_eq!(
        server.get(&path, KEY).await.json["metadata"],
        json!({"b": "2", "c": "3"})
    );
}

#[tokio::test]
async fn updating_with_an_empty_metadata_clears_every_key() {
    let server = TestServer::start().await;
    let created = server
        .create_customer(&[("metadata[a]", "1"), ("metadata[b]", "2")])
        .await;
    let path = format!("/v1/customers/{}", created["id"].as_str().expect("id"));

    let response = server.post(&path, KEY, "metadata=").await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["metadata"], json!({}));
}

#[tokio::test]
async fn updating_a_field_with_an_empty_string_unsets_it() {
    let server = TestServer::start().await;
    let created = server.create_customer(JENNY).await;
    let path = format!("/v1/customers/{}", created["id"].as_str().expect("id"));

    let response = server
        .post(&path, KEY, "description=&address=&name=Jenny+R.")
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["description"], json!(null));
    assert_eq!(response.json["address"], json!(null));
    assert_eq!(response.json["name"], "Jenny R.");
}

#[tokio::test]
async fn deleting_a_customer_returns_the_deleted_stub() {
    let server = TestServer::start().await;
    let created = server.create_customer(JENNY).await;
    let id = created["id"].as_str().expect("id");

    let response = server.delete(&format!("/v1/customers/{id}"), KEY).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json,
        json!({"id": id, "object": "customer", "deleted": true})
    );
}

#[tokio::test]
async fn retrieving_a_deleted_customer_returns_the_deleted_stub() {
    let server = TestServer::start().await;
    let created = server.create_customer(JENNY).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/v1/customers/{id}");
    server.delete(&path, KEY).await;

    let response = server.get(&path, KEY).await;

    // Stripe answers 200 with the stub, not 404 (docs/research/wire-format.md §6).
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json,
        json!({"id": id, "object": "customer", "deleted": true})
    );
}

#[tokio::test]
async fn updating_a_deleted_customer_returns_404() {
    let server = TestServer::start().await;
    let created = server.create_customer(JENNY).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/v1/customers/{id}");
    server.delete(&path, KEY).await;

    let response = server.post(&path, KEY, "name=Ghost").await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(
        response.error("message").map(str::to_string),
        Some(format!("No such customer: '{id}'"))
    );
}

#[tokio::test]
async fn deleting_a_customer_twice_returns_404() {
    let server = TestServer::start().await;
    let created = server.create_customer(JENNY).await;
    let path = format!("/v1/customers/{}", created["id"].as_str().expect("id"));
    server.delete(&path, KEY).await;

    let response = server.delete(&path, KEY).await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn deleted_customers_are_left_out_of_lists() {
    let server = TestServer::start().await;
    let kept = server.create_customer(&[("name", "kept")]).await;
    let gone = server.create_customer(&[("name", "gone")]).await;
    server
        .delete(
            &format!("/v1/customers/{}", gone["id"].as_str().expect("id")),
            KEY,
        )
        .await;

    let response = server.get("/v1/customers", KEY).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(ids(&response.json), [kept["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn listing_customers_returns_a_stripe_list_object() {
    let server = TestServer::start().await;
    let customer = server.create_customer(JENNY).await;

    let response = server.get("/v1/customers", KEY).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json,
        json!({"object": "list", "data": [customer], "has_more": false, "url": "/v1/customers"})
    );
}

#[tokio::test]
async fn listing_with_an_email_filter_returns_only_customers_with_that_email() {
    let server = TestServer::start().await;
    let first = server
        .create_customer(&[("email", "match@example.com")])
        .await;
    server
        .create_customer(&[("email", "other@example.com")])
        .await;
    let second = server
        .create_customer(&[("email", "match@example.com")])
        .await;
    server.create_customer(&[("name", "no email")]).await;

    let response = server
        .get("/v1/customers?email=match%40example.com", KEY)
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let expected = [
        second["id"].as_str().expect("id"),
        first["id"].as_str().expect("id"),
    ];
    assert_eq!(ids(&response.json), expected);
}

#[tokio::test]
async fn listing_with_a_created_range_filters_by_creation_time() {
    let server = TestServer::start().await;
    server.create_customer(&[("name", "one")]).await;
    server.create_customer(&[("name", "two")]).await;

    let count = |path: String| {
        let server = &server;
        async move {
            let response = server.get(&path, KEY).await;
            assert_eq!(response.status, 200, "{path}: {}", response.text);
            ids(&response.json).len()
        }
    };

    assert_eq!(
        count(format!("/v1/customers?created[gte]={CREATED}")).await,
        2
    );
    assert_eq!(
        count(format!("/v1/customers?created[gte]={}", CREATED + 1)).await,
        0
    );
    assert_eq!(
        count(format!("/v1/customers?created[lt]={CREATED}")).await,
        0
    );
    assert_eq!(
        count(format!(
            "/v1/customers?created[lte]={CREATED}&created[gt]={}",
            CREATED - 1
        ))
        .await,
        2
    );
    assert_eq!(count(format!("/v1/customers?created={CREATED}")).await, 2);
}

#[tokio::test]
async fn a_non_integer_created_bound_is_refused_with_its_bracket_name() {
    let server = TestServer::start().await;

    let response = server
        .get("/v1/customers?created[gte]=yesterday", KEY)
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_invalid_integer"));
    assert_eq!(response.error("param"), Some("created[gte]"));
    assert_eq!(
        response.error("message"),
        Some("Invalid integer: yesterday")
    );
}

/// A `us_bank_account` PaymentMethod from raw account and routing numbers: its id.
async fn bank_payment_method(server: &TestServer) -> String {
    let response = server
        .post(
            "/v1/payment_methods",
            KEY,
            &form(&[
                ("type", "us_bank_account"),
                ("billing_details[name]", "Jenny Rosen"),
                ("us_bank_account[account_number]", "000123456789"),
                ("us_bank_account[routing_number]", "110000000"),
            ]),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json["id"].as_str().expect("id").to_string()
}

async fn attach(server: &TestServer, pm: &str, customer: &str) {
    let response = server
        .post(
            &format!("/v1/payment_methods/{pm}/attach"),
            KEY,
            &form(&[("customer", customer)]),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn creating_with_a_payment_method_attaches_it_and_can_make_it_the_default() {
    let server = TestServer::start().await;
    let pm = bank_payment_method(&server).await;

    let response = server
        .post(
            "/v1/customers",
            KEY,
            &form(&[
                ("payment_method", &pm),
                ("invoice_settings[default_payment_method]", &pm),
                ("expand[]", "invoice_settings.default_payment_method"),
            ]),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let customer = response.json["id"].as_str().expect("id");
    let default = &response.json["invoice_settings"]["default_payment_method"];
    assert_eq!(default["id"], pm.as_str());
    assert_eq!(default["customer"], customer, "expanded after the attach");
    let listed = server
        .get(&format!("/v1/customers/{customer}/payment_methods"), KEY)
        .await;
    assert_eq!(ids(&listed.json), [pm.as_str()]);
    let retrieved = server.get(&format!("/v1/payment_methods/{pm}"), KEY).await;
    assert_eq!(retrieved.json["customer"], customer);
}

#[tokio::test]
async fn creating_with_an_unknown_or_already_attached_payment_method_is_refused() {
    let server = TestServer::start().await;
    let unknown = server
        .post("/v1/customers", KEY, "payment_method=pm_doesnotexist")
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(unknown.error("code"), Some("resource_missing"));
    assert_eq!(unknown.error("param"), Some("payment_method"));
    assert_eq!(
        unknown.error("message"),
        Some("No such PaymentMethod: 'pm_doesnotexist'")
    );

    let pm = bank_payment_method(&server).await;
    let owner = server.create_customer(&[("name", "Owner")]).await;
    attach(&server, &pm, owner["id"].as_str().expect("id")).await;
    let taken = server
        .post("/v1/customers", KEY, &form(&[("payment_method", &pm)]))
        .await;

    assert_eq!(taken.status, 400, "{}", taken.text);
    assert_eq!(taken.error("param"), Some("payment_method"));
    assert_eq!(
        taken.error("message"),
        Some("The payment method you provided has already been attached to a customer.")
    );
    let customers = server.get("/v1/customers", KEY).await;
    assert_eq!(ids(&customers.json).len(), 1, "nothing was created");
}

#[tokio::test]
async fn a_default_payment_method_must_exist_and_be_attached_to_the_customer() {
    let server = TestServer::start().await;
    let customer = server.create_customer(&[("name", "Jenny")]).await;
    let path = format!("/v1/customers/{}", customer["id"].as_str().expect("id"));
    let param = "invoice_settings[default_payment_method]";

    let unknown = server.post(&path, KEY, &form(&[(param, "pm_nope")])).await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(unknown.error("code"), Some("resource_missing"));
    assert_eq!(unknown.error("param"), Some(param));

    let pm = bank_payment_method(&server).await;
    let loose = server.post(&path, KEY, &form(&[(param, &pm)])).await;
    assert_eq!(loose.status, 400, "{}", loose.text);
    assert_eq!(loose.error("param"), Some(param));
    assert_eq!(
        loose.error("message").map(str::to_string),
        Some(format!(
            "The customer does not have a payment method with the ID {pm}. The payment method \
             must be attached to the customer."
        ))
    );
    let on_create = server
        .post("/v1/customers", KEY, &form(&[(param, &pm)]))
        .await;
    assert_eq!(on_create.status, 400, "{}", on_create.text);

    attach(&server, &pm, customer["id"].as_str().expect("id")).await;
    let set = server.post(&path, KEY, &form(&[(param, &pm)])).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(
        set.json["invoice_settings"]["default_payment_method"],
        pm.as_str()
    );
}

#[tokio::test]
async fn detaching_the_default_payment_method_leaves_the_default_set() {
    let server = TestServer::start().await;
    let pm = bank_payment_method(&server).await;
    let customer = server
        .create_customer(&[
            ("payment_method", &pm),
            ("invoice_settings[default_payment_method]", &pm),
        ])
        .await;
    let path = format!("/v1/customers/{}", customer["id"].as_str().expect("id"));

    let detached = server
        .post(&format!("/v1/payment_methods/{pm}/detach"), KEY, "")
        .await;
    assert_eq!(detached.status, 200, "{}", detached.text);

    // Stripe does not clear it (dj-stripe/dj-stripe#1836: observed on 2020 and 2023 API
    // versions), and an update that does not name it is not refused for it.
    let retrieved = server.get(&path, KEY).await;
    assert_eq!(
        retrieved.json["invoice_settings"]["default_payment_method"],
        pm.as_str()
    );
    let renamed = server.post(&path, KEY, "name=Renamed").await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
}

#[tokio::test]
async fn invoice_settings_custom_fields_and_rendering_options_are_kept() {
    let server = TestServer::start().await;
    let customer = server
        .create_customer(&[
            ("invoice_settings[custom_fields][0][name]", "PO"),
            ("invoice_settings[custom_fields][0][value]", "1234"),
            (
                "invoice_settings[rendering_options][amount_tax_display]",
                "exclude_tax",
            ),
            ("invoice_settings[footer]", "Thanks"),
        ])
        .await;
    assert_eq!(
        customer["invoice_settings"],
        json!({
            "custom_fields": [{"name": "PO", "value": "1234"}],
            "default_payment_method": null,
            "footer": "Thanks",
            "rendering_options": {"amount_tax_display": "exclude_tax", "template": null},
        })
    );
    let path = format!("/v1/customers/{}", customer["id"].as_str().expect("id"));

    let cleared = server
        .post(
            &path,
            KEY,
            "invoice_settings[custom_fields]=&invoice_settings[rendering_options]=",
        )
        .await;

    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(
        cleared.json["invoice_settings"]["custom_fields"],
        json!(null)
    );
    assert_eq!(
        cleared.json["invoice_settings"]["rendering_options"],
        json!(null)
    );
    assert_eq!(cleared.json["invoice_settings"]["footer"], "Thanks");
}

#[tokio::test]
async fn a_malformed_email_is_refused_with_email_invalid() {
    let server = TestServer::start().await;
    let customer = server.create_customer(&[("email", "ok@example.com")]).await;
    let path = format!("/v1/customers/{}", customer["id"].as_str().expect("id"));

    for (target, bad) in [
        ("/v1/customers", "otameshi@com"),
        (path.as_str(), "no-at-sign"),
    ] {
        let response = server.post(target, KEY, &form(&[("email", bad)])).await;
        assert_eq!(response.status, 400, "{}", response.text);
        assert_eq!(response.error("code"), Some("email_invalid"));
        assert_eq!(response.error("param"), Some("email"));
        assert_eq!(
            response.error("message").map(str::to_string),
            Some(format!("Invalid email address: {bad}"))
        );
    }
    assert_eq!(server.get(&path, KEY).await.json["email"], "ok@example.com");
    assert_eq!(ids(&server.get("/v1/customers", KEY).await.json).len(), 1);
}

#[tokio::test]
async fn includable_fields_appear_only_when_expanded() {
    let server = TestServer::start().await;
    let customer = server
        .create_customer(&[("address[country]", "US"), ("address[state]", "CA")])
        .await;
    let id = customer["id"].as_str().expect("id");
    for field in ["sources", "subscriptions", "tax_ids", "tax", "cash_balance"] {
        assert!(customer.get(field).is_none(), "{field} without expand");
    }
    let expand = [
        "sources",
        "subscriptions",
        "tax_ids",
        "tax",
        "cash_balance",
        "invoice_credit_balance",
    ]
    .map(|f| format!("expand[]={f}"))
    .join("&");

    let response = server
        .get(&format!("/v1/customers/{id}?{expand}"), KEY)
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let c = &response.json;
    for list in ["sources", "subscriptions", "tax_ids"] {
        assert_eq!(
            c[list],
            json!({"object": "list", "data": [], "has_more": false,
                   "url": format!("/v1/customers/{id}/{list}")}),
            "{list}"
        );
    }
    assert_eq!(
        c["tax"],
        json!({"automatic_tax": "not_collecting", "ip_address": null,
               "location": {"country": "US", "source": "billing_address", "state": "CA"},
               "provider": "stripe"})
    );
    assert_eq!(c["cash_balance"]["object"], "cash_balance");
    assert_eq!(c["cash_balance"]["customer"], id);
    assert_eq!(c["invoice_credit_balance"], json!({}));
    let listed = server.get("/v1/customers?expand[]=data.tax", KEY).await;
    assert_eq!(
        listed.json["data"][0]["tax"]["automatic_tax"],
        "not_collecting"
    );
}

#[tokio::test]
async fn metadata_stays_within_50_keys_after_an_update_merges_it() {
    let server = TestServer::start().await;
    let keys: Vec<(String, String)> = (0..50)
        .map(|i| (format!("metadata[k{i}]"), "v".into()))
        .collect();
    let pairs: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let customer = server.create_customer(&pairs).await;
    let path = format!("/v1/customers/{}", customer["id"].as_str().expect("id"));

    let over = server.post(&path, KEY, "metadata[one_more]=v").await;
    assert_eq!(over.status, 400, "{}", over.text);
    assert_eq!(over.error("param"), Some("metadata"));
    assert_eq!(
        over.error("message"),
        Some("Invalid metadata: metadata cannot have more than 50 keys")
    );
    let swapped = server
        .post(&path, KEY, "metadata[one_more]=v&metadata[k0]=")
        .await;
    assert_eq!(swapped.status, 200, "{}", swapped.text);
    assert_eq!(
        swapped.json["metadata"].as_object().map(|m| m.len()),
        Some(50)
    );
}

#[tokio::test]
async fn a_metadata_value_over_500_characters_is_refused_with_stripes_words() {
    let server = TestServer::start().await;
    let long = "v".repeat(501);

    let response = server
        .post("/v1/customers", KEY, &form(&[("metadata[note]", &long)]))
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("param"), Some("metadata"));
    assert_eq!(
        response.error("message").map(str::to_string),
        Some(format!(
            "Invalid val: {long} must be a string under 500 characters"
        ))
    );
}

#[tokio::test]
async fn the_merged_metadata_limit_holds_on_payment_methods_and_webhook_endpoints() {
    let server = TestServer::start().await;
    let keys: Vec<(String, String)> = (0..50)
        .map(|i| (format!("metadata[k{i}]"), "v".into()))
        .collect();
    let mut pairs: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let pm = bank_payment_method(&server).await;
    let pm_path = format!("/v1/payment_methods/{pm}");
    let filled = server.post(&pm_path, KEY, &form(&pairs)).await;
    assert_eq!(filled.status, 200, "{}", filled.text);
    let over = server.post(&pm_path, KEY, "metadata[x]=y").await;
    assert_eq!(over.status, 400, "{}", over.text);
    assert_eq!(over.error("param"), Some("metadata"));

    pairs.extend([
        ("url", "https://example.com/hook"),
        ("enabled_events[]", "*"),
    ]);
    let endpoint = server
        .post("/v1/webhook_endpoints", KEY, &form(&pairs))
        .await;
    assert_eq!(endpoint.status, 200, "{}", endpoint.text);
    let path = format!(
        "/v1/webhook_endpoints/{}",
        endpoint.json["id"].as_str().expect("id")
    );
    let over = server
        .post(&path, KEY, "metadata[x]=y&description=changed")
        .await;
    assert_eq!(over.status, 400, "{}", over.text);
    assert_eq!(
        server.get(&path, KEY).await.json["description"],
        json!(null),
        "a refused update changes nothing"
    );
}
