//! `fcmock::MockServer`, the in-process test API: it starts on loopback port 0 with a key of
//! its own, every helper does what its control-API route does, and dropping it closes the
//! port. Requests go over real HTTP to `server.uri()`, as a user's Stripe client would.

use bytes::Bytes;
use fcmock::mock_server::ControlError;
use fcmock::model::fc_enums::Failure;
use fcmock::{MockServer, SessionOutcome};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const CREATED: i64 = 1_700_000_000;

/// `POST path` with a form body (`Some`) or `GET path` (`None`), with `key`: status, JSON.
async fn call(server: &MockServer, key: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::builder()
        .method(if body.is_some() { "POST" } else { "GET" })
        .uri(format!("{}{path}", server.uri()))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
        .expect("test requests are well-formed");
    let exchange = async {
        let response = client.request(request).await.expect("fcmock answers");
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.expect("a body");
        (status, bytes.to_bytes())
    };
    let (status, bytes) = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("fcmock answered within 10 s");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `POST path` with the server's key, asserting a 200: the JSON.
async fn post(server: &MockServer, path: &str, form: &str) -> Value {
    let (status, json) = call(server, server.api_key(), path, Some(form)).await;
    assert_eq!(status, 200, "POST {path}: {json}");
    json
}

/// A customer and a session for it (balances and ownership): the session.
async fn new_session(server: &MockServer) -> Value {
    let customer = post(server, "/v1/customers", "name=Jenny+Rosen").await;
    let form = format!(
        "account_holder[type]=customer&account_holder[customer]={}\
         &permissions[]=balances&permissions[]=ownership",
        customer["id"].as_str().expect("customers have ids")
    );
    post(server, "/v1/financial_connections/sessions", &form).await
}

fn id(object: &Value) -> &str {
    object["id"].as_str().expect("objects have ids")
}

#[tokio::test]
async fn it_listens_on_loopback_with_one_key_of_its_own() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;

    let uri = server.uri();
    let port: u16 = uri
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("uri {uri} is http://127.0.0.1:PORT"));
    assert_ne!(port, 0);
    assert_eq!(server.address().port(), port);
    assert!(
        server.api_key().starts_with("sk_test_"),
        "{}",
        server.api_key()
    );
    assert_eq!(server.api_key(), server.api_key(), "one key per server");
    assert_ne!(server.api_key(), other.api_key());
    let fresh = server.new_api_key();
    assert!(fresh.starts_with("sk_test_") && fresh != server.api_key());
    let (status, health) = call(&server, &fresh, "/_fcmock/health", None).await;
    assert_eq!((status, health), (200, json!({"status": "ok"})));
}

#[tokio::test]
async fn complete_session_links_cancels_and_fails_like_the_control_route() {
    let server = MockServer::builder().seed(42).start().await;
    let linked = new_session(&server).await;
    let cancelled = new_session(&server).await;
    let failed = new_session(&server).await;

    let outcome = SessionOutcome::success_with("test_institution", &["success", "savings"]);
    let session = server.complete_session(id(&linked), outcome).await;
    let cancel = server
        .complete_session(id(&cancelled), SessionOutcome::Cancel)
        .await;
    let failure = SessionOutcome::Failure(Failure::LoginFailed);
    let failure = server.complete_session(id(&failed), failure).await;
    let unknown = server
        .complete_session("fcsess_nope", SessionOutcome::success())
        .await;

    let session = session.expect("a success completes");
    assert_eq!(
        session["accounts"]["data"].as_array().map(Vec::len),
        Some(2)
    );
    let path = format!("/v1/financial_connections/accounts?session={}", id(&linked));
    let (_, accounts) = call(&server, server.api_key(), &path, None).await;
    assert_eq!(
        accounts["data"].as_array().map(Vec::len),
        Some(2),
        "{accounts}"
    );
    let cancel = cancel.expect("a cancel completes");
    assert_eq!(cancel["accounts"]["data"], json!([]));
    let failure = failure.expect("a failure completes");
    assert_eq!(failure["accounts"]["data"], json!([]));
    let ControlError { status, body } = unknown.expect_err("no such session");
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn a_queued_scenario_scripts_the_next_session() {
    let server = MockServer::start().await;

    let queued = server
        .queue(json!({"outcome": "success", "accounts": ["success"], "auto_complete": true}))
        .await
        .expect("a valid scenario queues");
    let session = new_session(&server).await;
    let refused = server.queue(json!({"outcome": "sideways"})).await;

    assert_eq!(queued["remaining"], 1, "{queued}");
    assert_eq!(
        session["accounts"]["data"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(refused.expect_err("an unknown outcome").status, 400);
}

#[tokio::test]
async fn settle_refreshes_settles_what_is_pending() {
    let server = MockServer::builder()
        .refresh_delay(Duration::from_secs(3600))
        .start()
        .await;
    let session = new_session(&server).await;
    let session = server
        .complete_session(
            id(&session),
            SessionOutcome::success_with("test_institution", &["success"]),
        )
        .await
        .expect("completes");
    let account = id(&session["accounts"]["data"][0]).to_owned();
    let path = format!("/v1/financial_connections/accounts/{account}/refresh");
    let pending = post(&server, &path, "features[]=balance").await;

    let settled = server.settle_refreshes();

    assert_eq!(pending["balance_refresh"]["status"], "pending");
    assert_eq!(settled, 1);
    let path = format!("/v1/financial_connections/accounts/{account}");
    let (_, account) = call(&server, server.api_key(), &path, None).await;
    assert_eq!(
        account["balance_refresh"]["status"], "succeeded",
        "{account}"
    );
    assert_eq!(server.settle_refreshes(), 0);
}

#[tokio::test]
async fn advance_clock_moves_mock_time() {
    let server = MockServer::builder().freeze_clock(CREATED).start().await;

    let now = server.advance_clock(60).await.expect("in range");
    let customer = post(&server, "/v1/customers", "").await;
    let out_of_range = server.advance_clock(i64::MAX).await;

    assert_eq!(now, CREATED + 60);
    assert_eq!(customer["created"], CREATED + 60);
    assert_eq!(out_of_range.expect_err("past year 9999").status, 400);
}

#[tokio::test]
async fn requests_and_reset() {
    let server = MockServer::builder()
        .api_version("2025-03-31.basil")
        .start()
        .await;
    let customer = post(&server, "/v1/customers", "email=jenny%40example.com").await;

    let logged = server.requests();
    server.reset().await.expect("reset answers");

    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        (
            logged[0].method.as_str(),
            logged[0].path.as_str(),
            logged[0].status
        ),
        ("POST", "/v1/customers", 200)
    );
    assert!(server.requests().is_empty());
    let path = format!("/v1/customers/{}", id(&customer));
    let (status, _) = call(&server, server.api_key(), &path, None).await;
    assert_eq!(status, 404, "reset dropped the customer");
}

#[tokio::test]
async fn a_bad_option_fails_the_start_with_its_reason() {
    let refused = MockServer::builder()
        .api_version("1999-01-01.nope")
        .try_start()
        .await;

    let error = refused.expect_err("an unknown API version");
    assert!(error.contains("1999-01-01.nope"), "{error}");
}

#[tokio::test]
async fn dropping_the_server_closes_its_port() {
    let server = MockServer::start().await;
    let addr = server.address();
    let (status, _) = call(&server, server.api_key(), "/v1/customers", None).await;
    assert_eq!(status, 200);

    drop(server);

    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "{addr} still accepts connections 5 s after the drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
