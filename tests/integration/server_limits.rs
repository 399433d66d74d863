//! Misbehaving clients must get a Stripe error or a prompt close, never hold the server:
//! oversized bodies, bodies shorter than their Content-Length, stalled headers. Also the
//! health check.

use crate::support::{form, RawOutcome, TestServer, KEY};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Long enough for a one-second header timeout to fire on a loaded CI machine.
const PROMPTLY: Duration = Duration::from_secs(5);

fn short_body_request(half: &str) -> Vec<u8> {
    format!(
        "POST /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n{half}"
    )
    .into_bytes()
}

/// The server still answers an ordinary request.
async fn assert_still_serving(server: &TestServer) {
    let response = server.get("/v1/customers", KEY).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_body_over_the_size_limit_gets_a_413_stripe_error() {
    let server = TestServer::start_with(|config| config.max_body_bytes = 256).await;
    let big_name = "x".repeat(1_000);

    let response = server
        .post("/v1/customers", KEY, &form(&[("name", &big_name)]))
        .await;

    assert_eq!(response.status, 413, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert!(
        response
            .error("message")
            .is_some_and(|m| m.contains("too large")),
        "{}",
        response.text
    );
    assert!(response
        .header("request-id")
        .is_some_and(|id| id.starts_with("req_")));
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        server.get("/v1/customers", KEY).await.json["data"],
        json!([])
    );
}

#[tokio::test]
async fn a_chunked_body_over_the_size_limit_gets_a_413() {
    let server = TestServer::start_with(|config| config.max_body_bytes = 256).await;
    let chunk = format!("name={}", "x".repeat(995));
    let request = format!(
        "POST /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );

    let outcome = server.raw(request.as_bytes(), false, PROMPTLY).await;

    match outcome {
        RawOutcome::Answered(text) => assert!(text.starts_with("HTTP/1.1 413"), "{text}"),
        other => panic!("expected a 413, got {other:?}"),
    }
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn a_half_closed_body_shorter_than_its_content_length_gets_a_400() {
    let server = TestServer::start().await;

    let outcome = server
        .raw(&short_body_request("name=abc"), true, PROMPTLY)
        .await;

    match &outcome {
        RawOutcome::Answered(text) => {
            assert!(text.starts_with("HTTP/1.1 400"), "{text}");
            assert!(text.contains("ended before its declared length"), "{text}");
        }
        RawOutcome::Closed => {}
        RawOutcome::TimedOut => panic!("no answer and no close within {PROMPTLY:?}"),
    }
    assert_still_serving(&server).await;
    assert_eq!(
        server.get("/v1/customers", KEY).await.json["data"],
        json!([])
    );
}

#[tokio::test]

async fn a_stalled_body_shorter_than_its_content_length_is_cut_off_promptly() {
    let server = TestServer::start_with(|config| config.header_timeout_secs = 1).await;

    let outcome = server
        .raw(&short_body_request("name=abc"), false, PROMPTLY)
        .await;

    assert_ne!(
        outcome,
        RawOutcome::TimedOut,
        "the server neither answered nor closed within {PROMPTLY:?}"
    );
    assert_still_serving(&server).await;
}

#[tokio::test]
async fn a_stalled_body_does_not_block_other_clients() {
    let server = TestServer::start_with(|config| config.header_timeout_secs = 1).await;
    let mut stalled = TcpStream::connect(server.addr)
        .await
        .expect("fcmock accepts connections");
    stalled
        .write_all(&short_body_request("name=abc"))
        .await
        .expect("the partial request is written");

    let started = Instant::now();
    assert_still_serving(&server).await;

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    drop(stalled);
}

#[tokio::test]
async fn a_client_sending_half_its_headers_does_not_block_others_and_is_closed() {
    let server = TestServer::start_with(|config| config.header_timeout_secs = 1).await;
    let mut stalled = TcpStream::connect(server.addr)
        .await
        .expect("fcmock accepts connections");
    stalled
        .write_all(b"GET /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthori")
        .await
        .expect("half the headers are written");

    let started = Instant::now();
    assert_still_serving(&server).await;
    let others_waited = started.elapsed();
    let outcome = crate::support::read_outcome(&mut stalled, PROMPTLY).await;

    assert!(
        others_waited < Duration::from_secs(2),
        "others waited {others_waited:?}"
    );
    assert_ne!(
        outcome,
        RawOutcome::TimedOut,
        "the stalled connection is closed after the header timeout"
    );
}

#[tokio::test]
async fn the_health_endpoint_answers_ok() {
    let server = TestServer::start().await;

    let response = server
        .request(hyper::Method::GET, "/_fcmock/health", &[], "")
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json, json!({"status": "ok"}));
    assert_eq!(response.header("content-type"), Some("application/json"));
}
