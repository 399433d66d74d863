//! Harness for running async-stripe (Stripe's Rust bindings, 1.0) against a running fcmock.
//!
//! async-stripe's `Client` owns its hyper connection pool and takes no custom HTTP client, so
//! responses are captured by a small recording proxy that each test starts on 127.0.0.1:0:
//! the `Client` is built with `ClientBuilder::new(key).url(proxy)`, the proxy forwards every
//! request to `FCMOCK_URL` unchanged and appends the response it got back, raw, as one line of
//! `$FCMOCK_CAPTURE_DIR/responses-rust.jsonl` (the format the Python, Node and Java suites
//! write, with the response's `Stripe-Version` as `"version"`, for `../validate_responses.py`). Control-API calls (`/_fcmock/…`) are plain hyper
//! requests through the same proxy, recorded with `"source":"raw"`.
//!
//! Environment:
//!   FCMOCK_URL          base URL of a running fcmock (default http://127.0.0.1:12111)
//!   FCMOCK_CAPTURE_DIR  where responses-rust.jsonl goes (default <repo>/target/conformance)

use std::collections::hash_map::RandomState;
use std::convert::Infallible;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, CONNECTION, CONTENT_TYPE, HOST, TRANSFER_ENCODING};
use hyper::{Method, Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use miniserde::json::{self, Number, Object, Value};

pub use stripe::{Client, StripeError};

/// The header a harness request sets to be recorded as `"source":"raw"`; the proxy strips it.
const SOURCE_HEADER: &str = "x-conformance-source";

type Http = HyperClient<HttpConnector, Full<Bytes>>;

/// One captured response, as written to the capture file.
#[derive(Clone, Debug)]
pub struct Captured {
    pub source: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: String,
    /// The request's `Stripe-Version` header (not written to the capture file).
    pub stripe_version: Option<String>,
    /// The response's `Stripe-Version` header: the version fcmock rendered it at (the
    /// capture line's `"version"`, null when absent).
    pub version: Option<String>,
}

/// fcmock's base URL: `FCMOCK_URL`, else http://127.0.0.1:12111 (no trailing slash).
pub fn base_url() -> String {
    std::env::var("FCMOCK_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:12111".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// `$FCMOCK_CAPTURE_DIR/responses-rust.jsonl`, else `<repo>/target/conformance/…`.
pub fn capture_file() -> PathBuf {
    let dir = std::env::var_os("FCMOCK_CAPTURE_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../target/conformance")
        });
    dir.join("responses-rust.jsonl")
}

static CAPTURE_LOCK: Mutex<()> = Mutex::new(());

fn record(test: &str, c: &Captured) {
    let mut line = Object::new();
    line.insert("lib".into(), Value::String("rust".into()));
    line.insert("source".into(), Value::String(c.source.clone()));
    line.insert("test".into(), Value::String(test.to_owned()));
    line.insert("method".into(), Value::String(c.method.clone()));
    line.insert("path".into(), Value::String(c.path.clone()));
    line.insert(
        "status".into(),
        Value::Number(Number::U64(u64::from(c.status))),
    );
    line.insert(
        "version".into(),
        c.version.clone().map_or(Value::Null, Value::String),
    );
    line.insert("body".into(), Value::String(c.body.clone()));
    let mut text = json::to_string(&Value::Object(line));
    text.push('\n');
    let file = capture_file();
    let _guard = CAPTURE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        panic!("cannot append to {}: {e}", file.display());
    }
}

/// A fresh test key: fcmock gives every key its own namespace, so tests are isolated.
pub fn new_test_key() -> String {
    let mut key = String::from("sk_test_confrust");
    for i in 0..2u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        key.push_str(&format!("{:016x}", h.finish()));
    }
    key
}

/// One test's view of fcmock: its own key (namespace), an async-stripe `Client` pointed at
/// the recording proxy, and plain-HTTP access for the control API.
pub struct Fcmock {
    pub test: String,
    pub key: String,
    pub client: Client,
    proxy: String,
    http: Http,
    log: Arc<Mutex<Vec<Captured>>>,
}

impl Fcmock {
    /// Starts the recording proxy for test `test` (e.g. `rust/fc_flow::the_whole_flow`).
    pub async fn start(test: &str) -> Self {
        let upstream = base_url();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the recording proxy on 127.0.0.1:0");
        let proxy = format!("http://{}", listener.local_addr().expect("proxy address"));
        let http: Http = HyperClient::builder(TokioExecutor::new()).build_http();
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(Proxy {
            test: test.to_owned(),
            upstream,
            http: http.clone(),
            log: log.clone(),
        });
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(state.forward(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        let key = new_test_key();
        let client = stripe::ClientBuilder::new(key.clone())
            .url(proxy.clone())
            .build()
            .expect("async-stripe ClientBuilder::build");
        Fcmock {
            test: test.to_owned(),
            key,
            client,
            proxy,
            http,
            log,
        }
    }

    /// The responses this test has received so far, oldest first.
    pub fn captured(&self) -> Vec<Captured> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The `Stripe-Version` of every request async-stripe itself sent so far.
    pub fn versions_sent(&self) -> Vec<Option<String>> {
        self.captured()
            .into_iter()
            .filter(|c| c.source == "async-stripe")
            .map(|c| c.stripe_version)
            .collect()
    }

    /// The `Stripe-Version` of every response async-stripe itself received so far.
    pub fn versions_received(&self) -> Vec<Option<String>> {
        self.captured()
            .into_iter()
            .filter(|c| c.source == "async-stripe")
            .map(|c| c.version)
            .collect()
    }

    /// The outcome of an async-stripe call, or a panic naming the step and showing fcmock's
    /// raw answer (async-stripe's own errors say little: a decode failure is just
    /// "error deserializing request data").
    #[track_caller]
    pub fn ok<T>(&self, step: &str, result: Result<T, StripeError>) -> T {
        match result {
            Ok(v) => v,
            Err(e) => panic!("{step}: {}", self.describe(&e)),
        }
    }

    /// An async-stripe error with the last response fcmock sent.
    pub fn describe(&self, e: &StripeError) -> String {
        let last = self.captured().pop().map_or_else(
            || "no response was received".to_owned(),
            |c| {
                format!(
                    "fcmock answered {} {} with {}: {}",
                    c.method, c.path, c.status, c.body
                )
            },
        );
        let error = match e {
            StripeError::Stripe(err, status) => format!(
                "Stripe error {status}: type={:?} code={:?} param={:?} message={:?}",
                err.type_,
                err.code,
                err.param.as_deref().unwrap_or(""),
                err.message.as_deref().unwrap_or(""),
            ),
            other => other.to_string(),
        };
        format!("async-stripe: {error}\n  {last}")
    }

    /// A plain HTTP request through the proxy (recorded as `"source":"raw"`): status and body.
    pub async fn raw(&self, method: Method, path: &str, json_body: Option<&str>) -> (u16, String) {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.proxy))
            .header(SOURCE_HEADER, "raw");
        if json_body.is_some() {
            req = req.header(CONTENT_TYPE, "application/json");
        }
        let body = Full::new(Bytes::from(json_body.unwrap_or("").to_owned()));
        let req = req.body(body).expect("a valid request");
        let resp = self
            .http
            .request(req)
            .await
            .expect("the recording proxy answers");
        let status = resp.status().as_u16();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .expect("a response body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// POSTs a JSON body to fcmock's control API and returns the 200 answer's body.
    pub async fn control(&self, path: &str, json_body: &str) -> String {
        let (status, body) = self.raw(Method::POST, path, Some(json_body)).await;
        assert_eq!(
            status, 200,
            "POST {path} {json_body}: fcmock answered {status}: {body}"
        );
        body
    }

    /// Completes a session headlessly (`POST /_fcmock/sessions/{id}/complete`); the answer is
    /// the session, decoded with async-stripe's own `FinancialConnectionsSession`.
    pub async fn complete(
        &self,
        session: &str,
        json_body: &str,
    ) -> stripe_misc::FinancialConnectionsSession {
        let path = format!("/_fcmock/sessions/{session}/complete");
        let body = self.control(&path, json_body).await;
        json::from_str(&body).unwrap_or_else(|_| {
            panic!(
                "POST {path}: the answer does not decode as a FinancialConnectionsSession: {body}"
            )
        })
    }

    /// Settles every pending refresh now (`POST /_fcmock/refreshes/settle`).
    pub async fn settle(&self) {
        self.control("/_fcmock/refreshes/settle", "{}").await;
    }
}

struct Proxy {
    test: String,
    upstream: String,
    http: Http,
    log: Arc<Mutex<Vec<Captured>>>,
}

impl Proxy {
    async fn forward(&self, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let source = parts
            .headers
            .get(SOURCE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("async-stripe")
            .to_owned();
        let stripe_version = parts
            .headers
            .get("stripe-version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, headers, bytes) = match self.send(&parts, body, &path).await {
            Ok(answer) => answer,
            Err(e) => {
                let msg = format!(
                    "conformance proxy: no answer from fcmock at {}: {e}",
                    self.upstream
                )
                .replace('"', "'");
                let body = format!(r#"{{"error":{{"type":"api_error","message":"{msg}"}}}}"#);
                (502, Vec::new(), Bytes::from(body))
            }
        };
        let version = headers
            .iter()
            .find(|(name, _)| name.as_str() == "stripe-version")
            .and_then(|(_, value)| value.to_str().ok())
            .map(str::to_owned);
        let captured = Captured {
            source,
            method: parts.method.to_string(),
            path,
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            stripe_version,
            version,
        };
        record(&self.test, &captured);
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(captured);
        let mut resp = Response::builder().status(status);
        for (name, value) in headers {
            resp = resp.header(name, value);
        }
        resp.body(Full::new(bytes)).expect("a valid response")
    }

    async fn send(
        &self,
        parts: &hyper::http::request::Parts,
        body: hyper::body::Incoming,
        path: &str,
    ) -> Result<(u16, Vec<(HeaderName, hyper::header::HeaderValue)>, Bytes), String> {
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        let mut req = Request::builder()
            .method(parts.method.clone())
            .uri(format!("{}{path}", self.upstream));
        for (name, value) in &parts.headers {
            if name != HOST && name != SOURCE_HEADER && name != CONNECTION {
                req = req.header(name, value);
            }
        }
        let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
        let resp = self.http.request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter(|(n, _)| **n != TRANSFER_ENCODING && **n != CONNECTION)
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, headers, bytes))
    }
}
