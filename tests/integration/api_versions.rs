//! API versions: the request's `Stripe-Version` (else the account default, the latest
//! release or `--api-version`) decides which parameters exist and how objects render; an
//! unknown version is refused before anything happens; events keep the version they were
//! created at.

use crate::support::{form, TestResponse, TestServer, KEY};
use fcmock::stripe::versions::ApiVersion;
use hyper::Method;

const BASIL: &str = "2025-08-27.basil";
const DAHLIA: &str = "2026-07-29.dahlia";

async fn post_at(server: &TestServer, version: &str, path: &str, body: &str) -> TestResponse {
    let auth = crate::support::bearer(KEY);
    server
        .request(
            Method::POST,
            path,
            &[
                ("authorization", &auth),
                ("stripe-version", version),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body.to_string(),
        )
        .await
}

async fn get_at(server: &TestServer, version: &str, path: &str) -> TestResponse {
    let auth = crate::support::bearer(KEY);
    server
        .request(
            Method::GET,
            path,
            &[("authorization", &auth), ("stripe-version", version)],
            "",
        )
        .await
}

#[tokio::test]
async fn a_request_without_a_version_speaks_the_latest_release() {
    let server = TestServer::start().await;

    let created = server
        .post("/v1/customers", KEY, &form(&[("business_name", "Acme")]))
        .await;

    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.header("stripe-version"), Some("2026-11-18.endive"));
    assert_eq!(ApiVersion::LATEST.to_string(), "2026-11-18.endive");
    assert_eq!(created.json["business_name"], "Acme");
    assert!(created.json["customer_account"].is_null());
}

#[tokio::test]
async fn an_older_version_sees_the_older_shape_and_names_its_header() {
    let server = TestServer::start().await;
    let created = server.create_customer(&[("email", "a@example.com")]).await;
    let id = created["id"].as_str().expect("an id");

    let basil = get_at(&server, BASIL, &format!("/v1/customers/{id}")).await;

    assert_eq!(basil.header("stripe-version"), Some(BASIL));
    let fields = basil.json.as_object().expect("an object");
    for newer in ["business_name", "individual_name", "customer_account"] {
        assert!(!fields.contains_key(newer), "{newer} is newer than basil");
    }
    assert_eq!(basil.json["email"], "a@example.com");
}

#[tokio::test]
async fn a_parameter_of_another_version_is_unknown() {
    let server = TestServer::start().await;

    let too_new = post_at(&server, BASIL, "/v1/customers", "business_name=Acme").await;
    let removed = server.post("/v1/customers", KEY, "coupon=SUMMER").await;
    let still_there = post_at(&server, "2024-06-20", "/v1/customers", "coupon=SUMMER").await;

    assert_eq!(too_new.status, 400);
    assert_eq!(too_new.error("code"), Some("parameter_unknown"));
    assert_eq!(too_new.error("param"), Some("business_name"));
    assert_eq!(removed.error("code"), Some("parameter_unknown"));
    assert_eq!(removed.error("param"), Some("coupon"));
    // Known before basil: refused only because no such coupon exists.
    assert_eq!(
        still_there.error("code"),
        Some("resource_missing"),
        "{}",
        still_there.text
    );
    assert_eq!(still_there.error("param"), Some("coupon"));
}

#[tokio::test]
async fn an_unknown_version_is_refused_and_nothing_is_created() {
    let server = TestServer::start().await;

    for bad in [
        "2099-01-01.bogus",
        "2025-07-30",
        "2026-10-28.dahlia",
        "garbage",
    ] {
        let refused = post_at(&server, bad, "/v1/customers", "email=a@example.com").await;

        assert_eq!(refused.status, 400, "{bad}");
        assert_eq!(refused.error("type"), Some("invalid_request_error"));
        assert_eq!(
            refused.error("message").map(str::to_string),
            Some(format!("Invalid Stripe API version: {bad}"))
        );
        assert_eq!(refused.error("param"), None);
    }
    let list = server.get("/v1/customers", KEY).await;
    assert_eq!(list.json["data"].as_array().map(Vec::len), Some(0));
    let events = server.get("/v1/events", KEY).await;
    assert_eq!(events.json["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn api_version_pins_the_accounts_default_and_its_events() {
    let server = TestServer::start_with(|c| c.api_version = Some(DAHLIA.into())).await;

    let created = server
        .post("/v1/customers", KEY, &form(&[("business_name", "Acme")]))
        .await;
    let events = server.get("/v1/events", KEY).await;

    assert_eq!(created.header("stripe-version"), Some(DAHLIA));
    assert_eq!(events.json["data"][0]["api_version"], DAHLIA);
    assert_eq!(
        events.json["data"][0]["data"]["object"]["business_name"],
        "Acme"
    );
}

#[test]
fn an_unknown_api_version_flag_stops_start_up() {
    let mut config = fcmock::Config::for_tests();
    config.api_version = Some("2025-07-30".into());

    let error = fcmock::App::new(&config, "http://127.0.0.1:0".into())
        .err()
        .expect("an unknown version is refused");

    assert!(error.contains("2025-07-30"), "{error}");
}

#[tokio::test]
async fn events_render_at_the_version_they_were_created_at_whoever_reads_them() {
    let server = TestServer::start_with(|c| c.api_version = Some(BASIL.into())).await;
    server.create_customer(&[("email", "a@example.com")]).await;

    let read_at_latest = get_at(&server, "2026-11-18.endive", "/v1/events").await;

    let event = &read_at_latest.json["data"][0];
    assert_eq!(event["api_version"], BASIL);
    let object = event["data"]["object"].as_object().expect("the customer");
    assert!(!object.contains_key("business_name"), "{object:?}");
    assert_eq!(object["email"], "a@example.com");
}
