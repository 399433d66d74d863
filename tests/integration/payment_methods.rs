//! `us_bank_account` PaymentMethods made from a Financial Connections account: create,
//! retrieve, attach, the customer's list, detach, and the accounts that cannot make one.

use crate::support::{form, ids, snapshot_settings, TestServer, ALL_PERMISSIONS, CREATED, KEY};
use serde_json::{json, Value};

const FCA_PARAM: &str = "us_bank_account[financial_connections_account]";

/// `POST /v1/payment_methods` for this Financial Connections account.
async fn create_from(server: &TestServer, fca: &str) -> crate::support::TestResponse {
    server
        .post(
            "/v1/payment_methods",
            KEY,
            &form(&[
                ("type", "us_bank_account"),
                (FCA_PARAM, fca),
                ("billing_details[name]", "Jenny Rosen"),
            ]),
        )
        .await
}

/// A PaymentMethod from a linked `success` account, and the account's holder.
async fn payment_method(server: &TestServer) -> (Value, String) {
    let (customer, linked) = server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;
    let fca = linked[0]["id"].as_str().expect("accounts have ids");
    let created = create_from(server, fca).await;
    assert_eq!(created.status, 200, "{}", created.text);
    (created.json, customer)
}

fn pm_id(pm: &Value) -> &str {
    pm["id"].as_str().expect("PaymentMethods have ids")
}

async fn customer_methods(server: &TestServer, customer: &str) -> Value {
    let listed = server
        .get(&format!("/v1/customers/{customer}/payment_methods"), KEY)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.json
}

#[tokio::test]
async fn a_payment_method_from_a_financial_connections_account_carries_its_bank_details() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;
    let fca = linked[0]["id"].as_str().expect("accounts have ids");

    let response = create_from(&server, fca).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let pm = &response.json;
    assert_eq!(pm["object"], "payment_method");
    assert!(pm_id(pm).starts_with("pm_"));
    assert_eq!(pm["type"], "us_bank_account");
    assert_eq!(pm["customer"], Value::Null);
    assert_eq!(pm["created"], CREATED);
    assert_eq!(pm["billing_details"]["name"], "Jenny Rosen");
    let bank = &pm["us_bank_account"];
    assert_eq!(bank["financial_connections_account"], fca);
    assert_eq!(bank["last4"], "6789");
    assert_eq!(bank["routing_number"], "110000000");
    assert_eq!(bank["bank_name"], "STRIPE TEST BANK");
    assert_eq!(bank["account_type"], "checking");
    assert_eq!(bank["account_holder_type"], "individual");
    assert_eq!(
        bank["networks"],
        json!({"preferred": "ach", "supported": ["ach"]})
    );
    assert_eq!(bank["fingerprint"].as_str().map(str::len), Some(16));
    snapshot_settings().bind(|| insta::assert_json_snapshot!("payment_method", pm));
}

#[tokio::test]
async fn a_payment_method_from_a_savings_account_has_account_type_savings() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "test_institution", &["savings"])
        .await;

    let response = create_from(&server, linked[0]["id"].as_str().unwrap_or_default()).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["us_bank_account"]["account_type"], "savings");
}

#[tokio::test]
async fn the_same_bank_account_always_has_the_same_fingerprint() {
    let server = TestServer::start_fc().await;
    let (first, _) = payment_method(&server).await;
    let (second, _) = payment_method(&server).await;

    assert_ne!(first["id"], second["id"]);
    assert_eq!(
        first["us_bank_account"]["fingerprint"],
        second["us_bank_account"]["fingerprint"]
    );
}

#[tokio::test]
async fn retrieving_a_payment_method_returns_it_as_created() {
    let server = TestServer::start_fc().await;
    let (pm, _) = payment_method(&server).await;

    let response = server
        .get(&format!("/v1/payment_methods/{}", pm_id(&pm)), KEY)
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json, pm);
}

#[tokio::test]
async fn a_payment_method_without_billing_details_name_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;
    let fca = server.link_success_account().await;

    let response = server
        .post(
            "/v1/payment_methods",
            KEY,
            &form(&[("type", "us_bank_account"), (FCA_PARAM, &fca)]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("billing_details[name]"));
}

#[tokio::test]
async fn a_payment_method_from_an_account_without_the_payment_method_permission_is_refused() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(
            &["balances", "transactions"],
            "test_institution",
            &["success"],
        )
        .await;

    let response = create_from(&server, linked[0]["id"].as_str().unwrap_or_default()).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(response.error("param"), Some(FCA_PARAM));
    assert!(response
        .error("message")
        .is_some_and(|m| m.contains("payment_method")));
}

#[tokio::test]
async fn a_payment_method_from_an_account_that_supports_no_payment_methods_is_refused() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "invalid_payment_accounts", &["checking"])
        .await;
    assert_eq!(linked[0]["supported_payment_method_types"], json!([]));

    let response = create_from(&server, linked[0]["id"].as_str().unwrap_or_default()).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(response.error("param"), Some(FCA_PARAM));
}

#[tokio::test]
async fn a_payment_method_from_an_unknown_account_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;

    let response = create_from(&server, "fca_nope").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some(FCA_PARAM));
}

#[tokio::test]
async fn attaching_sets_the_customer_and_lists_the_payment_method_under_it() {
    let server = TestServer::start_fc().await;
    let (pm, customer) = payment_method(&server).await;

    let attached = server
        .post(
            &format!("/v1/payment_methods/{}/attach", pm_id(&pm)),
            KEY,
            &form(&[("customer", &customer)]),
        )
        .await;

    assert_eq!(attached.status, 200, "{}", attached.text);
    assert_eq!(attached.json["customer"], customer.as_str());
    let listed = customer_methods(&server, &customer).await;
    assert_eq!(ids(&listed), [pm_id(&pm)]);
    assert_eq!(listed["data"][0], attached.json);
    assert_eq!(
        listed["url"],
        format!("/v1/customers/{customer}/payment_methods")
    );
}

#[tokio::test]
async fn detaching_clears_the_customer_and_removes_it_from_the_customers_list() {
    let server = TestServer::start_fc().await;
    let (pm, customer) = payment_method(&server).await;
    server
        .post(
            &format!("/v1/payment_methods/{}/attach", pm_id(&pm)),
            KEY,
            &form(&[("customer", &customer)]),
        )
        .await;

    let detached = server
        .post(
            &format!("/v1/payment_methods/{}/detach", pm_id(&pm)),
            KEY,
            "",
        )
        .await;

    assert_eq!(detached.status, 200, "{}", detached.text);
    assert_eq!(detached.json["customer"], Value::Null);
    assert_eq!(
        customer_methods(&server, &customer).await["data"],
        json!([])
    );
}

#[tokio::test]
async fn detaching_a_payment_method_that_is_not_attached_is_refused() {
    let server = TestServer::start_fc().await;
    let (pm, _) = payment_method(&server).await;

    let response = server
        .post(
            &format!("/v1/payment_methods/{}/detach", pm_id(&pm)),
            KEY,
            "",
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
}

#[tokio::test]
async fn attaching_to_an_unknown_customer_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;
    let (pm, _) = payment_method(&server).await;

    let response = server
        .post(
            &format!("/v1/payment_methods/{}/attach", pm_id(&pm)),
            KEY,
            &form(&[("customer", "cus_nope")]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("customer"));
}

#[tokio::test]
async fn attaching_without_a_customer_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;
    let (pm, _) = payment_method(&server).await;

    let response = server
        .post(
            &format!("/v1/payment_methods/{}/attach", pm_id(&pm)),
            KEY,
            "",
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("customer"));
}

#[tokio::test]
async fn retrieving_an_unknown_payment_method_returns_404() {
    let server = TestServer::start_fc().await;

    let response = server.get("/v1/payment_methods/pm_nope", KEY).await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn a_disconnected_account_still_backs_its_existing_payment_method() {
    // Stripe: disconnecting "doesn't cause any associated PaymentMethods to become
    // unusable" (docs, Disconnections).
    let server = TestServer::start_fc().await;
    let (pm, _) = payment_method(&server).await;
    let fca = pm["us_bank_account"]["financial_connections_account"]
        .as_str()
        .expect("made from an account")
        .to_string();
    server
        .post(
            &format!("/v1/financial_connections/accounts/{fca}/disconnect"),
            KEY,
            "",
        )
        .await;

    let response = server
        .get(&format!("/v1/payment_methods/{}", pm_id(&pm)), KEY)
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json, pm);
}
