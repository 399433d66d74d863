//! `expand[]` (wire-format.md §1h): null ids stay null, unknown properties and paths deeper
//! than four levels are refused.

use crate::support::{ids, TestServer, KEY};
use serde_json::json;

#[tokio::test]
async fn expanding_a_null_default_source_leaves_it_null() {
    let server = TestServer::start().await;

    let created = server
        .post("/v1/customers", KEY, "name=Jenny&expand[]=default_source")
        .await;
    let id = created.json["id"].as_str().unwrap_or_default();
    let retrieved = server
        .get(&format!("/v1/customers/{id}?expand[]=default_source"), KEY)
        .await;
    let listed = server
        .get("/v1/customers?expand[]=data.default_source", KEY)
        .await;

    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json["default_source"], json!(null));
    assert_eq!(retrieved.status, 200, "{}", retrieved.text);
    assert_eq!(retrieved.json, created.json);
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json["data"][0]["default_source"], json!(null));
}

#[tokio::test]
async fn expanding_an_unknown_property_is_refused() {
    let server = TestServer::start().await;
    let customer = server.create_customer(&[("name", "Jenny")]).await;
    let id = customer["id"].as_str().expect("id");

    let response = server
        .get(&format!("/v1/customers/{id}?expand[]=bogus"), KEY)
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("This property cannot be expanded (bogus).")
    );
    assert_eq!(response.error("type"), Some("invalid_request_error"));
}

#[tokio::test]
async fn expanding_more_than_four_levels_is_refused_with_property_expansion_max_depth() {
    let server = TestServer::start().await;
    let customer = server.create_customer(&[("name", "Jenny")]).await;
    let id = customer["id"].as_str().expect("id");

    let response = server
        .get(&format!("/v1/customers/{id}?expand[]=a.b.c.d.e"), KEY)
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("property_expansion_max_depth"));
    assert_eq!(
        response.error("message"),
        Some("You cannot expand more than 4 levels of a property. Property: a.b.c.d.e")
    );
}

#[tokio::test]
async fn expanding_the_id_field_is_refused() {
    let server = TestServer::start().await;
    let customer = server.create_customer(&[("name", "Jenny")]).await;
    let id = customer["id"].as_str().expect("id");

    let response = server
        .get(&format!("/v1/customers/{id}?expand[]=id"), KEY)
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("This property cannot be expanded (id).")
    );
}

#[tokio::test]
async fn a_create_refused_for_a_bad_expansion_creates_nothing() {
    let server = TestServer::start().await;

    let response = server
        .post("/v1/customers", KEY, "name=Jenny&expand[]=bogus")
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        ids(&server.get("/v1/customers", KEY).await.json),
        Vec::<String>::new()
    );
}
