//! Events: what the FC flow and customers record, Stripe's envelope, and `GET /v1/events`
//! with its filters.

use crate::support::{form, ids, TestServer, CREATED, KEY};
use serde_json::{json, Value};

/// The type of each event, newest first.
fn types(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["type"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn linking_refreshing_and_disconnecting_record_one_event_each_newest_first() {
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;
    let refreshed = server
        .refresh(&account, &["balance", "ownership", "transactions"])
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(server.settle().await, 3);
    let disconnected = server
        .post(
            &format!("/v1/financial_connections/accounts/{account}/disconnect"),
            KEY,
            "",
        )
        .await;
    assert_eq!(disconnected.status, 200, "{}", disconnected.text);

    let list = server
        .get("/v1/events?type=financial_connections.account.*", KEY)
        .await;

    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["url"], "/v1/events");
    assert_eq!(
        types(&list.json),
        [
            "financial_connections.account.disconnected",
            "financial_connections.account.refreshed_transactions",
            "financial_connections.account.refreshed_ownership",
            "financial_connections.account.refreshed_balance",
            "financial_connections.account.created",
        ]
    );
    for event in list.json["data"].as_array().expect("a list") {
        assert_eq!(event["data"]["object"]["id"], account.as_str());
        assert_eq!(
            event["data"]["object"]["object"],
            "financial_connections.account"
        );
    }
}

#[tokio::test]
async fn an_event_has_stripes_envelope_and_names_the_request_that_caused_it() {
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;
    let disconnected = server
        .post_with(
            &format!("/v1/financial_connections/accounts/{account}/disconnect"),
            KEY,
            &[("idempotency-key", "disconnect-1")],
            "",
        )
        .await;
    let request_id = disconnected.header("request-id").expect("a request id");

    let list = server
        .get(
            "/v1/events?type=financial_connections.account.disconnected",
            KEY,
        )
        .await;
    let event = &list.json["data"][0];
    let keys: Vec<&str> = event
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();

    assert_eq!(
        keys,
        [
            "id",
            "object",
            "api_version",
            "created",
            "data",
            "livemode",
            "pending_webhooks",
            "request",
            "type"
        ]
    );
    assert!(event["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("evt_")));
    assert_eq!(event["object"], "event");
    assert_eq!(event["created"], CREATED);
    assert_eq!(event["livemode"], false);
    assert_eq!(event["pending_webhooks"], 0);
    assert_eq!(
        event["request"],
        json!({"id": request_id, "idempotency_key": "disconnect-1"})
    );
    assert_eq!(
        event["data"]["previous_attributes"],
        json!({"status": "active"})
    );
    assert_eq!(event["data"]["object"]["status"], "disconnected");
}

#[tokio::test]
async fn a_refresh_that_settles_on_its_own_has_a_null_request() {
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;
    server.refresh(&account, &["balance"]).await;
    server.settle().await;

    let list = server
        .get(
            "/v1/events?type=financial_connections.account.refreshed_balance",
            KEY,
        )
        .await;

    let event = &list.json["data"][0];
    assert_eq!(
        event["request"],
        json!({"id": null, "idempotency_key": null})
    );
    assert_eq!(
        event["data"]["object"]["balance_refresh"]["status"],
        "succeeded"
    );
    assert!(event["data"].get("previous_attributes").is_none());
}

#[tokio::test]
async fn customers_record_created_updated_with_previous_attributes_and_deleted() {
    let server = TestServer::start().await;
    let customer = server
        .create_customer(&[("email", "a@example.com"), ("metadata[tier]", "gold")])
        .await;
    let id = customer["id"].as_str().expect("an id");
    let path = format!("/v1/customers/{id}");
    let updated = server
        .post(
            &path,
            KEY,
            &form(&[
                ("email", "b@example.com"),
                ("metadata[tier]", "gold"),
                ("metadata[region]", "eu"),
            ]),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    // Changing nothing sends no `customer.updated`, as in Stripe.
    server
        .post(&path, KEY, &form(&[("email", "b@example.com")]))
        .await;
    server.delete(&path, KEY).await;

    let list = server.get("/v1/events?type=customer.*", KEY).await;

    assert_eq!(
        types(&list.json),
        ["customer.deleted", "customer.updated", "customer.created"]
    );
    let update = &list.json["data"][1];
    assert_eq!(
        update["data"]["previous_attributes"],
        json!({"email": "a@example.com", "metadata": {"region": null}})
    );
    assert_eq!(update["data"]["object"]["email"], "b@example.com");
    // `customer.deleted` carries the customer, not the `deleted: true` stub.
    assert_eq!(
        list.json["data"][0]["data"]["object"]["email"],
        "b@example.com"
    );
    assert_eq!(list.json["data"][2]["data"]["object"]["id"], id);
}

#[tokio::test]
async fn types_and_created_filters_narrow_the_list() {
    let server = TestServer::start_fc().await;
    server.create_customer(&[]).await;
    server
        .control("/_fcmock/clock", &json!({"advance_seconds": 100}))
        .await;
    let account = server.link_success_account().await;
    server.refresh(&account, &["balance"]).await;
    server.settle().await;

    let by_types = server
        .get(
            "/v1/events?types[]=customer.created&types[]=financial_connections.account.refreshed_balance",
            KEY,
        )
        .await;
    let later = server
        .get(&format!("/v1/events?created[gt]={CREATED}"), KEY)
        .await;
    let exactly = server
        .get(&format!("/v1/events?created={CREATED}"), KEY)
        .await;

    assert_eq!(
        types(&by_types.json),
        [
            "financial_connections.account.refreshed_balance",
            "customer.created",
            "customer.created"
        ]
    );
    assert_eq!(
        types(&later.json),
        [
            "financial_connections.account.refreshed_balance",
            "financial_connections.account.created",
            "customer.created"
        ]
    );
    assert_eq!(types(&exactly.json), ["customer.created"]);
}

#[tokio::test]
async fn events_page_with_cursors_and_stay_in_their_namespace() {
    let server = TestServer::start().await;
    for _ in 0..5 {
        server.create_customer(&[]).await;
    }
    let all = server.get("/v1/events?limit=5", KEY).await;
    let all_ids = ids(&all.json);

    let first = server.get("/v1/events?limit=2", KEY).await;
    let next = server
        .get(
            &format!("/v1/events?limit=2&starting_after={}", all_ids[1]),
            KEY,
        )
        .await;
    let other = server.get("/v1/events", "sk_test_someone_else").await;

    assert_eq!(ids(&first.json), all_ids[..2]);
    assert_eq!(first.json["has_more"], true);
    assert_eq!(ids(&next.json), all_ids[2..4]);
    assert_eq!(other.json["data"], json!([]));
    let retrieved = server.get(&format!("/v1/events/{}", all_ids[0]), KEY).await;
    assert_eq!(retrieved.json, all.json["data"][0]);
    let elsewhere = server
        .get(
            &format!("/v1/events/{}", all_ids[0]),
            "sk_test_someone_else",
        )
        .await;
    assert_eq!(elsewhere.status, 404);
}

#[tokio::test]
async fn a_bad_event_request_gets_stripes_errors() {
    let server = TestServer::start().await;

    let missing = server.get("/v1/events/evt_nope", KEY).await;
    let both = server
        .get(
            "/v1/events?type=customer.created&types[]=customer.updated",
            KEY,
        )
        .await;
    let unknown = server.get("/v1/events?colour=blue", KEY).await;

    assert_eq!(missing.status, 404);
    assert_eq!(missing.error("code"), Some("resource_missing"));
    assert_eq!(missing.error("message"), Some("No such event: 'evt_nope'"));
    assert_eq!(both.status, 400);
    assert_eq!(both.error("code"), Some("parameters_exclusive"));
    assert_eq!(unknown.error("code"), Some("parameter_unknown"));
}
