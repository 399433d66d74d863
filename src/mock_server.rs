//! fcmock as a library for Rust tests, in the style of wiremock-rs: [`MockServer::start`]
//! serves a fresh fcmock on `127.0.0.1:0` on the caller's tokio runtime (no child process,
//! no binary to build or find), and dropping the server stops it. The helpers are the
//! control API's routes (`/_fcmock/…`) as typed calls, made in-process: no HTTP round trip,
//! and the same validation and answers as the routes, because they go through the same code.
//!
//! A Financial Connections flow against it (the README shows the same text):
//!
//! ```
//! use fcmock::mock_server::{MockServer, SessionOutcome};
//! use http_body_util::{BodyExt, Full};
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use serde_json::Value;
//!
//! /// `POST` (with a form body) or `GET` (`body` = None) with the server's key; the JSON.
//! async fn call(server: &MockServer, path: &str, body: Option<&str>) -> Value {
//!     let client = Client::builder(TokioExecutor::new()).build_http();
//!     let request = hyper::Request::builder()
//!         .method(if body.is_some() { "POST" } else { "GET" })
//!         .uri(format!("{}{path}", server.uri()))
//!         .header("authorization", format!("Bearer {}", server.api_key()))
//!         .header("content-type", "application/x-www-form-urlencoded")
//!         .body(Full::new(bytes::Bytes::from(body.unwrap_or("").to_owned())))
//!         .unwrap();
//!     let response = client.request(request).await.unwrap();
//!     let bytes = response.into_body().collect().await.unwrap().to_bytes();
//!     serde_json::from_slice(&bytes).unwrap()
//! }
//!
//! #[tokio::main]
//! async fn main() {
//!     let server = MockServer::builder().seed(42).start().await;
//!     let customer = call(&server, "/v1/customers", Some("name=Jenny+Rosen")).await;
//!     let form = format!(
//!         "account_holder[type]=customer&account_holder[customer]={}&permissions[]=balances",
//!         customer["id"].as_str().unwrap()
//!     );
//!     let session = call(&server, "/v1/financial_connections/sessions", Some(&form)).await;
//!     let session_id = session["id"].as_str().unwrap();
//!
//!     // What the user would do on the hosted page, headless.
//!     server.complete_session(session_id, SessionOutcome::success()).await.unwrap();
//!
//!     let path = format!("/v1/financial_connections/accounts?session={session_id}");
//!     let accounts = call(&server, &path, None).await;
//!     assert!(!accounts["data"].as_array().unwrap().is_empty());
//! } // `server` is dropped here: fcmock stops and its port closes.
//! ```

use crate::app::App;
use crate::config::Config;
use crate::control;
use crate::engine;
use crate::http::Request;
use crate::qa::request_log::{LoggedRequest, CAPACITY};
use bytes::Bytes;
use hyper::{HeaderMap, Method};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The ways a session can fail, for [`SessionOutcome::Failure`].
pub use crate::model::fc_enums::Failure;

/// A running fcmock on `127.0.0.1:<free port>`. It serves until it is dropped; then the
/// port closes (a graceful shutdown: in-flight requests finish).
pub struct MockServer {
    addr: SocketAddr,
    api_key: String,
    app: App,
    // Dropping the sender resolves the serve task's shutdown future.
    _shutdown: oneshot::Sender<()>,
}

/// Options for [`MockServer::builder`]; each mirrors the fcmock flag of the same name.
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    config: Config,
}

/// How [`MockServer::complete_session`] ends a session: what the user does on the hosted
/// page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOutcome {
    /// Accounts are linked.
    Success {
        /// Institution key (default `test_institution`).
        institution: Option<String>,
        /// Account keys at it (default: its pre-selected ones).
        accounts: Option<Vec<String>>,
    },
    /// The user closes the flow.
    Cancel,
    /// The flow fails this way.
    Failure(Failure),
}

/// A control call fcmock refused: the status and the error body (Stripe's envelope), as the
/// HTTP route would answer.
#[derive(Debug, Clone)]
pub struct ControlError {
    /// HTTP status.
    pub status: u16,
    /// `{"error": {…}}`.
    pub body: Value,
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = self.body["error"]["message"].as_str().unwrap_or("?");
        write!(f, "fcmock control API answered {}: {message}", self.status)
    }
}

impl std::error::Error for ControlError {}

impl SessionOutcome {
    /// Success at the default institution with its pre-selected accounts.
    pub fn success() -> Self {
        SessionOutcome::Success {
            institution: None,
            accounts: None,
        }
    }

    /// Success at `institution` with exactly these `accounts` (keys from the fixtures).
    pub fn success_with(institution: &str, accounts: &[&str]) -> Self {
        SessionOutcome::Success {
            institution: Some(institution.to_owned()),
            accounts: Some(accounts.iter().map(|a| a.to_string()).collect()),
        }
    }

    /// The control API's body for it (`{"outcome", "failure", "institution", "accounts"}`).
    fn to_json(&self) -> Value {
        match self {
            SessionOutcome::Success {
                institution,
                accounts,
            } => {
                let mut body = json!({"outcome": "success"});
                if let Some(institution) = institution {
                    body["institution"] = json!(institution);
                }
                if let Some(accounts) = accounts {
                    body["accounts"] = json!(accounts);
                }
                body
            }
            SessionOutcome::Cancel => json!({"outcome": "cancel"}),
            SessionOutcome::Failure(failure) => json!({"outcome": "failure", "failure": failure}),
        }
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        // `for_tests` parses flags, so `FCMOCK_*` variables would leak into it: every
        // option a builder does not set is put back to the binary's default here.
        let mut config = Config::for_tests();
        config.host = "127.0.0.1".into();
        config.port = Some(0);
        config.seed = None;
        config.public_url = None;
        config.api_key = None;
        config.freeze_clock = None;
        config.fixtures = None;
        config.api_version = None;
        config.refresh_delay = 100;
        config.state_file = None;
        config.scenarios = Vec::new();
        config.no_control_api = false;
        config.control_token = None;
        config.webhook = None;
        config.webhook_secret = None;
        MockServerBuilder { config }
    }
}

impl MockServerBuilder {
    /// `--seed`: the same ids and generated data on every run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = Some(seed);
        self
    }

    /// `--api-version`: the account's default version (requests without `Stripe-Version`,
    /// events). Unknown versions make [`start`](Self::start) panic.
    pub fn api_version(mut self, version: &str) -> Self {
        self.config.api_version = Some(version.to_owned());
        self
    }

    /// `--freeze-clock`: mock time stands still at this Unix timestamp (stable `created`).
    pub fn freeze_clock(mut self, unix: i64) -> Self {
        self.config.freeze_clock = Some(unix);
        self
    }

    /// `--refresh-delay`: how long a pending refresh takes to settle on its own.
    pub fn refresh_delay(mut self, delay: Duration) -> Self {
        self.config.refresh_delay = delay.as_millis() as u64;
        self
    }

    /// `--fixtures`: a directory with `institutions.json` (and `scenarios/*.json`).
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.fixtures = Some(dir.into());
        self
    }

    /// Starts the server; panics when it cannot (fixtures that do not load, an unknown API
    /// version), as a test wants.
    pub async fn start(self) -> MockServer {
        self.try_start()
            .await
            .unwrap_or_else(|e| panic!("fcmock MockServer did not start: {e}"))
    }

    /// Starts the server, or says why it cannot.
    pub async fn try_start(self) -> Result<MockServer, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot bind 127.0.0.1:0: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let app = App::new(&self.config, crate::public_url(&listener, &self.config))?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let served = app.clone();
        let config = self.config;
        // The listener is bound and accepting once this task runs; the kernel queues
        // connections until then, so the server is usable as soon as `start` returns.
        tokio::spawn(async move {
            crate::serve_with(listener, served, &config, async {
                let _ = stopped.await;
            })
            .await;
        });
        Ok(MockServer {
            addr,
            api_key: new_key(),
            app,
            _shutdown: shutdown,
        })
    }
}

/// A fresh `sk_test_` key: fcmock gives every key a namespace of its own.
fn new_key() -> String {
    format!("sk_test_fcmock{}", hex::encode(rand::random::<[u8; 12]>()))
}

impl MockServer {
    /// An fcmock with the defaults: a random seed, the real clock, the built-in fixtures,
    /// the latest API version.
    pub async fn start() -> MockServer {
        MockServerBuilder::default().start().await
    }

    /// Options before starting.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash): point the Stripe client here.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// This server's `sk_test_…` key, the same on every call.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Another fresh `sk_test_…` key: an empty namespace, as a second Stripe account.
    pub fn new_api_key(&self) -> String {
        new_key()
    }

    /// The running application, for what no helper covers.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// `POST /_fcmock/sessions/{id}/complete`: ends a session as the hosted page would
    /// (whichever key created it) and returns the session as the API renders it.
    pub async fn complete_session(
        &self,
        session_id: &str,
        outcome: SessionOutcome,
    ) -> Result<Value, ControlError> {
        let path = format!("/_fcmock/sessions/{session_id}/complete");
        self.control(Method::POST, &path, outcome.to_json()).await
    }

    /// `POST /_fcmock/scenarios`: queues a scripted outcome for upcoming sessions. `scenario`
    /// is the route's body: `{"outcome": "failure", "failure": "login_failed", "count": 2}`,
    /// or `{"name": "<scenario file>"}`. Returns the queued entry.
    pub async fn queue(&self, scenario: Value) -> Result<Value, ControlError> {
        self.control(Method::POST, "/_fcmock/scenarios", scenario)
            .await
    }

    /// `POST /_fcmock/refreshes/settle`: settles every pending refresh now; how many.
    pub fn settle_refreshes(&self) -> usize {
        engine::settle_all(&self.app)
    }

    /// `POST /_fcmock/clock {"advance_seconds"}`: moves mock time (and starts the daily
    /// refreshes of subscribed accounts it passes); the new mock time.
    pub async fn advance_clock(&self, seconds: i64) -> Result<i64, ControlError> {
        let body = json!({"advance_seconds": seconds});
        let clock = self.control(Method::POST, "/_fcmock/clock", body).await?;
        Ok(clock["now"].as_i64().unwrap_or_default())
    }

    /// `GET /_fcmock/requests`: the request log (every key's), oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.app.control.requests.query(None, None, CAPACITY)
    }

    /// `POST /_fcmock/reset`: drops every namespace, queue and log, as a new server.
    pub async fn reset(&self) -> Result<(), ControlError> {
        self.control(Method::POST, "/_fcmock/reset", json!({}))
            .await
            .map(drop)
    }

    /// One control-API call through its own router, in-process.
    async fn control(
        &self,
        method: Method,
        path: &str,
        body: Value,
    ) -> Result<Value, ControlError> {
        let request = Request {
            method,
            path: path.to_owned(),
            query: String::new(),
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
            tls: false,
        };
        let response = control::handle(&self.app, &request).await;
        let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        match response.status.as_u16() {
            200 => Ok(body),
            status => Err(ControlError { status, body }),
        }
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("uri", &self.uri())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    /// The lines between the first "```" fence and the next (of the lines after `prefix`, the
    /// doc-comment marker, or every line for `""`).
    fn example(text: &str, prefix: &str) -> String {
        let lines: Vec<String> = text
            .lines()
            .filter_map(|l| match prefix {
                "" => Some(l),
                _ => l
                    .strip_prefix(prefix)
                    .map(|l| l.strip_prefix(' ').unwrap_or(l)),
            })
            .map(str::to_owned)
            .collect();
        let start = lines.iter().position(|l| l.starts_with("```"));
        let start = start.expect("an opening fence") + 1;
        let len = lines[start..].iter().position(|l| l.starts_with("```"));
        lines[start..start + len.expect("a closing fence")].join("\n")
    }

    /// The README's MockServer example is the doc-tested one, so it stays true.
    #[test]
    fn the_readme_shows_the_doc_tested_example() {
        let readme = include_str!("../README.md");
        let section = readme
            .split("## In Rust tests: `fcmock::MockServer`")
            .nth(1)
            .expect("the README has the MockServer section");
        let module = example(include_str!("mock_server.rs"), "//!");
        assert_eq!(example(section, ""), module);
    }
}
