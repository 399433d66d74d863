//! The harness every test uses: an fcmock on 127.0.0.1:0 with a fixed seed (ids are the
//! same on every run) and a frozen clock (`created` is always [`CREATED`]), a small HTTP
//! client that hands back decoded responses, and a raw-socket helper for misbehaving clients.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// The API key tests use unless they are about keys.
pub const KEY: &str = "sk_test_integration";
/// The frozen mock time: every object's `created`.
pub const CREATED: i64 = 1_700_000_000;
/// How long one request may take before the test fails as a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A running fcmock, stopped when dropped.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The running application, for what tests cannot see or do over HTTP: a session's
    /// recorded outcome, or moving the mock clock.
    pub app: fcmock::App,
    /// The TLS listener's address, when the configuration set `tls_port`.
    pub tls_addr: Option<SocketAddr>,
    client: Client<HttpConnector, Full<Bytes>>,
    shutdown: Option<oneshot::Sender<()>>,
}

/// A response, read in full.
#[derive(Debug)]
pub struct TestResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: Value,
    /// The body as text.
    pub text: String,
}

impl TestResponse {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.<field>` of a Stripe error body, as text.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.json["error"][field].as_str()
    }

    /// The keys of the `error` object, in order (to check which fields are omitted).
    pub fn error_keys(&self) -> Vec<&str> {
        self.json["error"]
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

impl TestServer {
    /// Starts fcmock with the test defaults.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts fcmock with the test defaults changed by `configure`.
    pub async fn start_with(configure: impl FnOnce(&mut fcmock::Config)) -> Self {
        let mut config = fcmock::Config::for_tests();
        config.freeze_clock = Some(CREATED);
        configure(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port 0 is always bindable");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (tx, rx) = oneshot::channel::<()>();
        // Built here rather than inside `fcmock::serve` so the test keeps a handle to it; a
        // start-up failure (fixtures that do not load) would otherwise show up only as
        // "connection refused".
        let public_url = fcmock::public_url(&listener, &config);
        let (secure, tls) = match fcmock::bind_tls(&config, &public_url).await {
            Ok(Some((secure, facts))) => (Some(secure), Some(facts)),
            Ok(None) => (None, None),
            Err(error) => panic!("fcmock's TLS listener did not start: {error}"),
        };
        let tls_addr = secure.as_ref().map(|s| {
            s.listener
                .local_addr()
                .expect("a bound listener has an address")
        });
        let app = fcmock::App::with_tls(&config, public_url, tls)
            .unwrap_or_else(|error| panic!("fcmock did not start: {error}"));
        let served = app.clone();
        tokio::spawn(async move {
            fcmock::serve_secure(listener, secure, served, &config, async {
                let _ = rx.await;
            })
            .await;
        });
        let client = Client::builder(TokioExecutor::new()).build_http();
        TestServer {
            addr,
            app,
            tls_addr,
            client,
            shutdown: Some(tx),
        }
    }

    /// `GET path` with `key` as a Bearer token.
    pub async fn get(&self, path: &str, key: &str) -> TestResponse {
        self.request(Method::GET, path, &[("authorization", &bearer(key))], "")
            .await
    }

    /// `POST path` with a form body and `key` as a Bearer token.
    pub async fn post(&self, path: &str, key: &str, form_body: &str) -> TestResponse {
        self.post_with(path, key, &[], form_body).await
    }

    /// `POST path` with a form body, `key`, and extra headers (`Idempotency-Key`, …).
    pub async fn post_with(
        &self,
        path: &str,
        key: &str,
        headers: &[(&str, &str)],
        form_body: &str,
    ) -> TestResponse {
        let auth = bearer(key);
        let mut all = vec![
            ("authorization", auth.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        all.extend_from_slice(headers);
        self.request(Method::POST, path, &all, form_body.to_string())
            .await
    }

    /// `DELETE path` with `key` as a Bearer token.
    pub async fn delete(&self, path: &str, key: &str) -> TestResponse {
        self.request(Method::DELETE, path, &[("authorization", &bearer(key))], "")
            .await
    }

    /// Any request, with exactly these headers (no key is added).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr))
            .body(Full::new(body.into()))
            .expect("test requests are well-formed");
        for (name, value) in headers {
            request.headers_mut().append(
                HeaderName::from_bytes(name.as_bytes()).expect("test header names are valid"),
                HeaderValue::from_str(value).expect("test header values are valid"),
            );
        }
        let exchange = async {
            let response = self.client.request(request).await.expect("fcmock answers");
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .expect("the body arrives in full")
                .to_bytes();
            (parts, bytes)
        };
        let (parts, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .expect("fcmock answered within the request timeout (no hang)");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        TestResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
        }
    }

    /// Creates a customer, asserting success, and returns it.
    pub async fn create_customer(&self, params: &[(&str, &str)]) -> Value {
        let response = self.post("/v1/customers", KEY, &form(params)).await;
        assert_eq!(
            response.status, 200,
            "creating a customer: {}",
            response.text
        );
        response.json
    }

    /// Sends raw bytes on a fresh connection, optionally half-closes it, and waits at most
    /// `wait` for the server to answer or close.
    pub async fn raw(&self, bytes: &[u8], half_close: bool, wait: Duration) -> RawOutcome {
        let mut stream = TcpStream::connect(self.addr)
            .await
            .expect("fcmock accepts connections");
        stream
            .write_all(bytes)
            .await
            .expect("the request is written");
        if half_close {
            stream.shutdown().await.expect("the write half closes");
        }
        read_outcome(&mut stream, wait).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// What a raw connection saw.
#[derive(Debug, PartialEq)]
pub enum RawOutcome {
    /// The server wrote this (possibly partial) response, then closed or went quiet.
    Answered(String),
    /// The server closed (or reset) the connection without writing anything.
    Closed,
    /// Nothing happened within the wait.
    TimedOut,
}

/// Reads from `stream` until it closes or `wait` passes.
pub async fn read_outcome(stream: &mut TcpStream, wait: Duration) -> RawOutcome {
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                received.extend_from_slice(&buf[..n]);
                // A complete response is enough: the server may keep the connection alive.
                if response_is_complete(&received) {
                    break;
                }
            }
            Err(_) if received.is_empty() => return RawOutcome::TimedOut,
            Err(_) => break,
        }
    }
    if received.is_empty() {
        RawOutcome::Closed
    } else {
        RawOutcome::Answered(String::from_utf8_lossy(&received).into_owned())
    }
}

fn response_is_complete(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse::<usize>().ok());
    length.is_some_and(|n| body.len() >= n)
}

/// `Bearer <key>`.
pub fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// Form-encodes pairs the way Stripe's SDKs do: values percent-encoded, brackets left as is.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'[' | b']' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Insta settings for this suite: snapshots live in `tests/snapshots/`; ids and timestamps
/// are redacted (`redactions`: `[cus_1]`, `[CREATED+1]`), and so are the request log URL
/// (which names the request id) and a customer's `invoice_prefix` (drawn from the id stream).
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.add_redaction(".error.request_log_url", "[request_log_url]");
    settings.add_redaction(".**.invoice_prefix", "[invoice_prefix]");
    crate::redactions::add_to(&mut settings);
    settings
}

/// The ids of a list response's `data`, in order.
pub fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Every Financial Connections permission a session can ask for.
pub const ALL_PERMISSIONS: &[&str] = &["balances", "ownership", "payment_method", "transactions"];

/// A `--refresh-delay` no test outlives: refreshes settle only when a test asks
/// (`POST /_fcmock/refreshes/settle`), never on a timer in the middle of a test, so the ids
/// minted by a settle always come in the same order.
pub const SETTLE_ONLY_WHEN_ASKED_MS: u64 = 3_600_000;

/// Financial Connections helpers: sessions, headless completion, refreshes.
impl TestServer {
    /// Starts fcmock for Financial Connections tests: the test defaults, with refreshes that
    /// settle only when asked.
    pub async fn start_fc() -> Self {
        Self::start_with(|c| c.refresh_delay = SETTLE_ONLY_WHEN_ASKED_MS).await
    }

    /// `POST /_fcmock/…` with a JSON body (the control API takes no Stripe key).
    pub async fn control(&self, path: &str, body: &Value) -> TestResponse {
        self.request(
            Method::POST,
            path,
            &[("content-type", "application/json")],
            body.to_string(),
        )
        .await
    }

    /// Creates a session for `customer` with these permissions and extra form pairs,
    /// asserting success, and returns it.
    pub async fn create_session(
        &self,
        customer: &str,
        permissions: &[&str],
        extra: &[(&str, &str)],
    ) -> Value {
        let mut pairs = vec![
            ("account_holder[type]", "customer"),
            ("account_holder[customer]", customer),
        ];
        pairs.extend(permissions.iter().map(|p| ("permissions[]", *p)));
        pairs.extend_from_slice(extra);
        let response = self
            .post("/v1/financial_connections/sessions", KEY, &form(&pairs))
            .await;
        assert_eq!(
            response.status, 200,
            "creating a session: {}",
            response.text
        );
        response.json
    }

    /// `POST /_fcmock/sessions/{id}/complete` with `outcome` as the body.
    pub async fn complete_session(&self, session: &str, outcome: &Value) -> TestResponse {
        self.control(&format!("/_fcmock/sessions/{session}/complete"), outcome)
            .await
    }

    /// Settles every pending refresh now; returns how many settled.
    pub async fn settle(&self) -> u64 {
        let response = self
            .control("/_fcmock/refreshes/settle", &serde_json::json!({}))
            .await;
        assert_eq!(response.status, 200, "settling: {}", response.text);
        response.json["settled"]
            .as_u64()
            .expect("settle answers {\"settled\": n}")
    }

    /// A new customer, a session with `permissions`, completed successfully at
    /// `institution` with these fixture `accounts`: returns the customer id and the linked
    /// accounts, in link order.
    pub async fn link(
        &self,
        permissions: &[&str],
        institution: &str,
        accounts: &[&str],
    ) -> (String, Vec<Value>) {
        let customer = self
            .create_customer(&[("email", "jenny@example.com")])
            .await;
        let customer = customer["id"]
            .as_str()
            .expect("customers have ids")
            .to_string();
        let session = self.create_session(&customer, permissions, &[]).await;
        let session = session["id"].as_str().expect("sessions have ids");
        let completed = self
            .complete_session(
                session,
                &serde_json::json!({
                    "outcome": "success",
                    "institution": institution,
                    "accounts": accounts,
                }),
            )
            .await;
        assert_eq!(completed.status, 200, "completing: {}", completed.text);
        let linked = completed.json["accounts"]["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(linked.len(), accounts.len(), "{}", completed.text);
        (customer, linked)
    }

    /// One `success` account at Test Institution with every permission: its id.
    pub async fn link_success_account(&self) -> String {
        let (_, accounts) = self
            .link(ALL_PERMISSIONS, "test_institution", &["success"])
            .await;
        accounts[0]["id"]
            .as_str()
            .expect("accounts have ids")
            .to_string()
    }

    /// `POST /v1/financial_connections/accounts/{id}/refresh` with these features.
    pub async fn refresh(&self, account: &str, features: &[&str]) -> TestResponse {
        let pairs: Vec<(&str, &str)> = features.iter().map(|f| ("features[]", *f)).collect();
        self.post(
            &format!("/v1/financial_connections/accounts/{account}/refresh"),
            KEY,
            &form(&pairs),
        )
        .await
    }

    /// A linked `success` account whose transactions have been refreshed once (and
    /// settled): its id.
    pub async fn account_with_transactions(&self) -> String {
        let account = self.link_success_account().await;
        let refreshed = self.refresh(&account, &["transactions"]).await;
        assert_eq!(refreshed.status, 200, "refreshing: {}", refreshed.text);
        assert_eq!(self.settle().await, 1);
        account
    }

    /// Every item of a list, walked with `starting_after` pages of `limit` from `path`
    /// (which already has a query string).
    pub async fn walk(&self, path: &str, limit: usize) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        loop {
            let cursor = all
                .last()
                .and_then(|last| last["id"].as_str())
                .map(|id| format!("&starting_after={id}"))
                .unwrap_or_default();
            let page = self
                .get(&format!("{path}&limit={limit}{cursor}"), KEY)
                .await;
            assert_eq!(page.status, 200, "walking {path}: {}", page.text);
            all.extend(page.json["data"].as_array().cloned().unwrap_or_default());
            if page.json["has_more"] != true {
                return all;
            }
        }
    }
}
