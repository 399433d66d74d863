//! fcmock's own control API under `/_fcmock/`: JSON in and out, no Stripe key.

use crate::app::App;
use crate::server::{Request, Response};
use hyper::Method;
use serde_json::{json, Value};

/// Answers a `/_fcmock/…` request.
pub async fn handle(_app: &App, request: &Request) -> Response {
    match (&request.method, request.path.as_str()) {
        (&Method::GET, "/_fcmock/health") => reply(200, &json!({"status": "ok"})),
        _ => reply(
            404,
            &json!({"error": {"type": "invalid_request_error", "message": format!(
                "Unknown control API route: {} {}. See the README for the control API.",
                request.method, request.path
            )}}),
        ),
    }
}

fn reply(status: u16, body: &Value) -> Response {
    let body = serde_json::to_vec_pretty(body).unwrap_or_default();
    Response::new(status, "application/json", body)
}
