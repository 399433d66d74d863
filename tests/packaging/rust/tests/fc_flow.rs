//! The Financial Connections flow against `fcmock::MockServer`, from a crate that depends on
//! fcmock by path: customer, session, headless completion, accounts, refresh and settle,
//! then the server dropped and its port closed.

use bytes::Bytes;
use fcmock::{MockServer, SessionOutcome};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::time::{Duration, Instant};

/// `POST path` with a form body (`Some`) or `GET path` (`None`) with the server's key,
/// asserting a 200: the JSON.
async fn call(server: &MockServer, path: &str, body: Option<&str>) -> Value {
    let client = Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::builder()
        .method(if body.is_some() { "POST" } else { "GET" })
        .uri(format!("{}{path}", server.uri()))
        .header("authorization", format!("Bearer {}", server.api_key()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
        .expect("a well-formed request");
    let response = tokio::time::timeout(Duration::from_secs(10), client.request(request))
        .await
        .expect("fcmock answers within 10 s")
        .expect("fcmock answers");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let json: Value = serde_json::from_slice(&bytes).expect("a JSON body");
    assert_eq!(status, 200, "{path}: {json}");
    json
}

#[tokio::test]
async fn the_financial_connections_flow_runs_against_an_in_process_fcmock() {
    let server = MockServer::builder()
        .seed(42)
        .refresh_delay(Duration::from_secs(3600))
        .start()
        .await;
    let customer = call(&server, "/v1/customers", Some("email=jenny%40example.com")).await;
    let form = format!(
        "account_holder[type]=customer&account_holder[customer]={}&permissions[]=balances",
        customer["id"].as_str().expect("an id")
    );
    let session = call(&server, "/v1/financial_connections/sessions", Some(&form)).await;
    let session_id = session["id"].as_str().expect("an id");

    let completed = server
        .complete_session(
            session_id,
            SessionOutcome::success_with("test_institution", &["success"]),
        )
        .await
        .expect("the session completes");
    let path = format!("/v1/financial_connections/accounts?session={session_id}");
    let accounts = call(&server, &path, None).await;
    let account = accounts["data"][0]["id"]
        .as_str()
        .expect("one linked account");
    let path = format!("/v1/financial_connections/accounts/{account}/refresh");
    let refreshing = call(&server, &path, Some("features[]=balance")).await;
    let settled = server.settle_refreshes();
    let path = format!("/v1/financial_connections/accounts/{account}");
    let refreshed = call(&server, &path, None).await;

    assert_eq!(completed["accounts"]["data"][0]["id"], account);
    assert_eq!(accounts["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(refreshing["balance_refresh"]["status"], "pending");
    assert_eq!(settled, 1);
    assert_eq!(refreshed["balance_refresh"]["status"], "succeeded");
    assert!(refreshed["balance"]["current"].is_object(), "{refreshed}");
    assert_eq!(
        server.requests().len(),
        5,
        "five API requests, no control call"
    );

    let addr = server.address();
    drop(server);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "{addr} still open 5 s after the drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
