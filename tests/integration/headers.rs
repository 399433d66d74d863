//! The headers Stripe sends on every API response, successes and errors alike
//! (docs/research/wire-format.md §3).

use crate::support::{bearer, TestResponse, TestServer, KEY};
use fcmock::stripe::versions::ApiVersion;
use hyper::Method;
use std::collections::HashSet;

/// One response of each kind: 200, 400, 401, 404, and the 404 of a known path with the
/// wrong method.
async fn assorted_responses(server: &TestServer) -> Vec<TestResponse> {
    vec![
        server.get("/v1/customers", KEY).await,
        server.post("/v1/customers", KEY, "bogus=1").await,
        server.get("/v1/customers", "sk_live_abcdefgh").await,
        server.get("/v1/nope", KEY).await,
        server
            .request(
                Method::PUT,
                "/v1/customers",
                &[("authorization", &bearer(KEY))],
                "",
            )
            .await,
    ]
}

#[tokio::test]
async fn every_response_carries_a_unique_request_id() {
    let server = TestServer::start().await;

    let responses = assorted_responses(&server).await;

    assert_eq!(
        responses.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 400, 401, 404, 404]
    );
    let mut seen = HashSet::new();
    for response in &responses {
        let id = response.header("request-id").unwrap_or_default();
        assert!(
            id.starts_with("req_") && id.len() == 18,
            "{:?}",
            response.headers
        );
        assert!(seen.insert(id.to_string()), "{id} was used twice");
    }
}

#[tokio::test]
async fn the_request_log_url_names_the_request_id() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, "bogus=1").await;

    let id = response.header("request-id").unwrap_or_default();
    let url = response.error("request_log_url").unwrap_or_default();
    assert!(
        url.starts_with(&format!("https://dashboard.stripe.com/test/logs/{id}?t=")),
        "{url}"
    );
}

#[tokio::test]
async fn stripe_version_echoes_the_request_header_or_defaults() {
    let server = TestServer::start().await;
    let auth = bearer(KEY);

    let pinned = server
        .request(
            Method::GET,
            "/v1/customers",
            &[("authorization", &auth), ("stripe-version", "2020-08-27")],
            "",
        )
        .await;
    let pinned_error = server
        .request(
            Method::GET,
            "/v1/nope",
            &[("authorization", &auth), ("stripe-version", "2020-08-27")],
            "",
        )
        .await;
    let default = server.get("/v1/customers", KEY).await;

    assert_eq!(pinned.header("stripe-version"), Some("2020-08-27"));
    assert_eq!(pinned_error.header("stripe-version"), Some("2020-08-27"));
    assert_eq!(
        default.header("stripe-version"),
        Some(ApiVersion::LATEST.to_string().as_str())
    );
}

#[tokio::test]
async fn responses_are_json_and_never_cached() {
    let server = TestServer::start().await;

    for response in assorted_responses(&server).await {
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{}",
            response.status
        );
        assert_eq!(
            response.header("cache-control"),
            Some("no-cache, no-store"),
            "{}",
            response.status
        );
        assert!(
            response.json.is_object(),
            "{} body is JSON: {}",
            response.status,
            response.text
        );
    }
}
