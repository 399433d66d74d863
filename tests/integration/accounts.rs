//! Connect accounts: create and retrieve, and the errors of a bad create.

use crate::support::{form, snapshot_settings, TestServer, CREATED, KEY};
use serde_json::json;

const CUSTOM_ACCOUNT: &[(&str, &str)] = &[
    ("type", "custom"),
    ("country", "US"),
    ("email", "owner@example.com"),
    ("capabilities[card_payments][requested]", "true"),
    ("capabilities[transfers][requested]", "true"),
    ("business_type", "individual"),
];

#[tokio::test]
async fn creating_a_custom_account_shows_its_requested_capabilities_as_inactive() {
    let server = TestServer::start().await;

    let response = server
        .post("/v1/accounts", KEY, &form(CUSTOM_ACCOUNT))
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let account = &response.json;
    assert_eq!(account["object"], "account");
    assert!(account["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("acct_") && id.len() == 21));
    assert_eq!(account["type"], "custom");
    assert_eq!(account["country"], "US");
    assert_eq!(account["default_currency"], "usd");
    assert_eq!(account["email"], "owner@example.com");
    assert_eq!(account["business_type"], "individual");
    assert_eq!(
        account["capabilities"],
        json!({"card_payments": "inactive", "transfers": "inactive"})
    );
    assert_eq!(account["created"], CREATED);
    assert_eq!(account["charges_enabled"], false);
    snapshot_settings().bind(|| insta::assert_json_snapshot!(account));
}

#[tokio::test]
async fn retrieving_an_account_returns_the_created_object() {
    let server = TestServer::start().await;
    let created = server
        .post("/v1/accounts", KEY, &form(CUSTOM_ACCOUNT))
        .await;
    let id = created.json["id"].as_str().expect("accounts have ids");

    let response = server.get(&format!("/v1/accounts/{id}"), KEY).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json, created.json);
}

#[tokio::test]
async fn creating_an_account_without_a_type_is_refused_with_parameter_missing() {
    let server = TestServer::start().await;

    let response = server.post("/v1/accounts", KEY, "country=US").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("type"));
    assert_eq!(
        response.error("message"),
        Some("Missing required param: type.")
    );
}

#[tokio::test]
async fn creating_an_account_with_an_unknown_type_is_refused_with_the_allowed_values() {
    let server = TestServer::start().await;

    let response = server
        .post("/v1/accounts", KEY, "type=premium&country=US")
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("param"), Some("type"));
    assert_eq!(
        response.error("message"),
        Some("Invalid type: must be one of custom, express, or standard")
    );
}

#[tokio::test]
async fn retrieving_an_unknown_account_returns_404_resource_missing() {
    let server = TestServer::start().await;

    let response = server.get("/v1/accounts/acct_doesnotexist", KEY).await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(
        response.error("message"),
        Some("No such account: 'acct_doesnotexist'")
    );
}
