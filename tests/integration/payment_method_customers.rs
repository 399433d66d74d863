//! A PaymentMethod and its customer: the customer-scoped retrieve, attaching to a second
//! customer, list filters naming a missing customer, and the `payment_method.attached`,
//! `.detached` and `.updated` events.

use crate::support::{form, ids, snapshot_settings, TestResponse, TestServer, KEY};
use serde_json::{json, Value};

/// A `us_bank_account` PaymentMethod from raw numbers: its id.
async fn new_payment_method(server: &TestServer) -> String {
    let created = server
        .post(
            "/v1/payment_methods",
            KEY,
            &form(&[
                ("type", "us_bank_account"),
                ("us_bank_account[account_number]", "000123456789"),
                ("us_bank_account[routing_number]", "110000000"),
                ("billing_details[name]", "Jenny Rosen"),
            ]),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    created.json["id"].as_str().expect("an id").to_string()
}

async fn new_customer(server: &TestServer) -> String {
    server.create_customer(&[]).await["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

async fn attach(server: &TestServer, pm: &str, customer: &str) -> TestResponse {
    server
        .post(
            &format!("/v1/payment_methods/{pm}/attach"),
            KEY,
            &form(&[("customer", customer)]),
        )
        .await
}

/// The events of one type, newest first.
async fn events(server: &TestServer, event_type: &str) -> Vec<Value> {
    let listed = server
        .get(&format!("/v1/events?type={event_type}"), KEY)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.json["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_customers_payment_method_is_retrieved_under_that_customer() {
    let server = TestServer::start().await;
    let (pm, customer) = (
        new_payment_method(&server).await,
        new_customer(&server).await,
    );
    let attached = attach(&server, &pm, &customer).await;

    let found = server
        .get(
            &format!("/v1/customers/{customer}/payment_methods/{pm}"),
            KEY,
        )
        .await;

    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.json, attached.json);
}

#[tokio::test]
async fn a_payment_method_of_another_customer_is_not_found_under_this_one() {
    let server = TestServer::start().await;
    let pm = new_payment_method(&server).await;
    let (owner, other) = (new_customer(&server).await, new_customer(&server).await);
    attach(&server, &pm, &owner).await;
    let unattached = new_payment_method(&server).await;

    let elsewhere = server
        .get(&format!("/v1/customers/{other}/payment_methods/{pm}"), KEY)
        .await;
    let nobodys = server
        .get(
            &format!("/v1/customers/{other}/payment_methods/{unattached}"),
            KEY,
        )
        .await;
    let no_pm = server
        .get(
            &format!("/v1/customers/{other}/payment_methods/pm_nope"),
            KEY,
        )
        .await;
    let no_customer = server
        .get(&format!("/v1/customers/cus_nope/payment_methods/{pm}"), KEY)
        .await;

    assert_eq!(elsewhere.status, 404, "{}", elsewhere.text);
    assert!(elsewhere
        .error("message")
        .is_some_and(|m| m.contains(&other)));
    // Stripe's answer here carries neither `code` nor `param`.
    assert_eq!(
        elsewhere.error_keys(),
        ["message", "request_log_url", "type"]
    );
    assert_eq!(nobodys.status, 404, "{}", nobodys.text);
    assert_eq!(
        no_pm.error("message"),
        Some("No such PaymentMethod: 'pm_nope'")
    );
    assert_eq!(no_customer.status, 404, "{}", no_customer.text);
    assert_eq!(
        no_customer.error("message"),
        Some("No such customer: 'cus_nope'")
    );
}

#[tokio::test]
async fn a_payment_method_attached_to_one_customer_cannot_be_attached_to_another() {
    let server = TestServer::start().await;
    let pm = new_payment_method(&server).await;
    let (first, second) = (new_customer(&server).await, new_customer(&server).await);
    attach(&server, &pm, &first).await;

    let moved = attach(&server, &pm, &second).await;
    let after = server.get(&format!("/v1/payment_methods/{pm}"), KEY).await;

    assert_eq!(moved.status, 400, "{}", moved.text);
    assert_eq!(
        moved.error("message"),
        Some("The payment method you provided has already been attached to a customer.")
    );
    assert_eq!(after.json["customer"], first.as_str());
    assert!(ids(&server
        .get(&format!("/v1/customers/{second}/payment_methods"), KEY)
        .await
        .json)
    .is_empty());
}

#[tokio::test]
async fn attaching_again_to_the_same_customer_answers_200_and_fires_no_second_event() {
    let server = TestServer::start().await;
    let (pm, customer) = (
        new_payment_method(&server).await,
        new_customer(&server).await,
    );
    let first = attach(&server, &pm, &customer).await;

    let again = attach(&server, &pm, &customer).await;

    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json, first.json);
    assert_eq!(events(&server, "payment_method.attached").await.len(), 1);
}

#[tokio::test]
async fn listing_a_missing_customers_payment_methods_is_resource_missing_on_customer() {
    let server = TestServer::start().await;
    let deleted = new_customer(&server).await;
    server
        .delete(&format!("/v1/customers/{deleted}"), KEY)
        .await;

    let missing = server
        .get("/v1/payment_methods?customer=cus_missing", KEY)
        .await;
    let gone = server
        .get(&format!("/v1/payment_methods?customer={deleted}"), KEY)
        .await;

    assert_eq!(missing.status, 400, "{}", missing.text);
    assert_eq!(missing.error("code"), Some("resource_missing"));
    assert_eq!(missing.error("param"), Some("customer"));
    assert_eq!(
        missing.error("message"),
        Some("No such customer: 'cus_missing'")
    );
    assert_eq!(gone.status, 400, "{}", gone.text);
}

#[tokio::test]
async fn attaching_fires_payment_method_attached_without_previous_attributes() {
    let server = TestServer::start().await;
    let (pm, customer) = (
        new_payment_method(&server).await,
        new_customer(&server).await,
    );

    attach(&server, &pm, &customer).await;

    let attached = events(&server, "payment_method.attached").await;
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0]["data"]["object"]["id"], pm.as_str());
    assert_eq!(attached[0]["data"]["object"]["customer"], customer.as_str());
    assert!(attached[0]["data"].get("previous_attributes").is_none());
    snapshot_settings()
        .bind(|| insta::assert_json_snapshot!("payment_method_attached_event", attached[0]));
}

#[tokio::test]
async fn detaching_fires_payment_method_detached_with_the_previous_customer() {
    let server = TestServer::start().await;
    let (pm, customer) = (
        new_payment_method(&server).await,
        new_customer(&server).await,
    );
    attach(&server, &pm, &customer).await;

    server
        .post(&format!("/v1/payment_methods/{pm}/detach"), KEY, "")
        .await;

    let detached = events(&server, "payment_method.detached").await;
    assert_eq!(detached.len(), 1);
    assert_eq!(detached[0]["data"]["object"]["customer"], Value::Null);
    assert_eq!(
        detached[0]["data"]["previous_attributes"],
        json!({"customer": customer})
    );
}

#[tokio::test]
async fn updating_fires_payment_method_updated_with_the_changed_fields_only() {
    let server = TestServer::start().await;
    let pm = new_payment_method(&server).await;
    let path = format!("/v1/payment_methods/{pm}");

    server
        .post(&path, KEY, &form(&[("metadata[order]", "6735")]))
        .await;
    server.post(&path, KEY, "").await;

    let updated = events(&server, "payment_method.updated").await;
    assert_eq!(
        updated.len(),
        1,
        "an update that changes nothing fires nothing"
    );
    assert_eq!(
        updated[0]["data"]["object"]["metadata"],
        json!({"order": "6735"})
    );
    assert_eq!(
        updated[0]["data"]["previous_attributes"],
        json!({"metadata": {"order": null}})
    );
}
