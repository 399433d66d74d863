//! The subcommands that talk to a running fcmock over its control API: `fcmock trigger
//! EVENT_TYPE` (as `stripe trigger` does) and `fcmock trigger --list`. Plain HTTP on the
//! loopback, no dependency beyond hyper's client.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Duration;

/// How long the CLI waits for the running fcmock.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The running fcmock a subcommand talks to.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its base URL (`http://127.0.0.1:12111`).
    pub url: String,
    /// Its `--control-token`, if it has one.
    pub control_token: Option<String>,
}

/// `fcmock trigger EVENT_TYPE`: asks `POST /_fcmock/trigger` to fire the event in the
/// namespace of `api_key` and prints what it fired. Exit 1 when fcmock refused.
pub async fn trigger(target: &Target, event: &str, api_key: &str) -> ExitCode {
    let body = json!({"event": event, "api_key": api_key});
    match call(target, hyper::Method::POST, "/_fcmock/trigger", Some(&body)).await {
        Ok(answer) => {
            println!(
                "Triggered {event} in {}:",
                answer["api_key_namespace"].as_str().unwrap_or("?")
            );
            for fired in answer["events"].as_array().into_iter().flatten() {
                let marker = if fired == &answer["event"] { "*" } else { " " };
                println!(
                    "{marker} {}  {}",
                    fired["id"].as_str().unwrap_or_default(),
                    fired["type"].as_str().unwrap_or_default()
                );
            }
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

/// `fcmock trigger --list`: the event types a trigger can fire, one a line.
pub async fn list_events(target: &Target) -> ExitCode {
    match call(target, hyper::Method::GET, "/_fcmock/trigger", None).await {
        Ok(answer) => {
            for event in answer["data"].as_array().into_iter().flatten() {
                println!("{}", event.as_str().unwrap_or_default());
            }
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("fcmock trigger: {message}");
    ExitCode::FAILURE
}

/// One control-API call: the JSON answer of a 2xx, or a sentence saying what went wrong.
async fn call(
    target: &Target,
    method: hyper::Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let url = format!("{}{path}", target.url.trim_end_matches('/'));
    let uri: hyper::Uri = url.parse().map_err(|e| format!("invalid URL {url}: {e}"))?;
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(token) = &target.control_token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let payload = body.map(Value::to_string).unwrap_or_default();
    let request = request
        .body(Full::new(Bytes::from(payload)))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("cannot reach fcmock at {}: {e}", target.url))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("the answer broke off: {e}"))?
            .to_bytes();
        Ok::<_, String>((status, bytes))
    };
    let (status, bytes) = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("fcmock at {} did not answer in time", target.url))??;
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status.is_success() {
        Ok(answer)
    } else {
        Err(answer["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("fcmock answered {status}")))
    }
}
