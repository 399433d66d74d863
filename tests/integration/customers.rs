//! Customers: create, retrieve, update (metadata merging, unsetting), delete and list filters.

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
