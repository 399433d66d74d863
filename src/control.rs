//! fcmock's own control API under `/_fcmock/`: JSON in and out, no Stripe key. Errors use
//! Stripe's envelope so one error parser serves both APIs.

use crate::app::App;
use crate::engine::{self, Cause, Completion};
use crate::fixtures::Failure;
use crate::resources::financial_connections::sessions::session_wire;
use crate::server::{Request, Response};
use crate::stripe::error::ApiError;
use hyper::Method;
use serde::Deserialize;
use serde_json::{json, Value};

/// Answers a `/_fcmock/…` request.
pub async fn handle(app: &App, request: &Request) -> Response {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let result = match (&request.method, segments.as_slice()) {
        (&Method::GET, ["_fcmock", "health"]) => Ok(json!({"status": "ok"})),
        (&Method::POST, ["_fcmock", "sessions", id, "complete"]) => {
            complete(app, id, &request.body)
        }
        (&Method::POST, ["_fcmock", "refreshes", "settle"]) => {
            Ok(json!({"settled": engine::settle_all(app)}))
        }
        _ => Err(ApiError::invalid_request(format!(
            "Unknown control API route: {} {}. The README lists the control API.",
            request.method, request.path
        ))
        .with_status(404)),
    };
    match result {
        Ok(body) => reply(200, &body),
        Err(e) => Response::new(
            e.status,
            "application/json",
            e.to_body("req_control", app.clock.now()),
        ),
    }
}

fn reply(status: u16, body: &Value) -> Response {
    let body = serde_json::to_vec_pretty(body).unwrap_or_default();
    Response::new(status, "application/json", body)
}

/// The body of `POST /_fcmock/sessions/{id}/complete`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    outcome: String,
    #[serde(default)]
    failure: Option<String>,
    #[serde(default)]
    institution: Option<String>,
    #[serde(default)]
    accounts: Option<Vec<String>>,
}

/// Parses a JSON control-API body, answering a malformed one with a clear 400.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_request(format!("Invalid JSON body: {e}")))
}

/// Turns `outcome` / `failure` / `institution` / `accounts` into a completion.
pub fn completion(
    outcome: &str,
    failure: Option<&str>,
    institution: Option<String>,
    accounts: Option<Vec<String>>,
) -> Result<Completion, ApiError> {
    match outcome {
        "success" => Ok(Completion::Success {
            institution,
            accounts,
        }),
        "cancel" => Ok(Completion::Cancel),
        "failure" => {
            let name = failure.ok_or_else(|| ApiError::missing_parameter("failure"))?;
            let failure = Failure::from_name(name).ok_or_else(|| {
                let all: Vec<&str> = Failure::ALL.iter().map(|f| f.as_str()).collect();
                ApiError::invalid_enum("failure", &all)
            })?;
            Ok(Completion::Failure(failure))
        }
        _ => Err(ApiError::invalid_enum(
            "outcome",
            &["success", "cancel", "failure"],
        )),
    }
}

fn complete(app: &App, session_id: &str, body: &[u8]) -> Result<Value, ApiError> {
    let body: CompleteBody = parse_body(body)?;
    let completion = completion(
        &body.outcome,
        body.failure.as_deref(),
        body.institution,
        body.accounts,
    )?;
    let namespace = app
        .store
        .namespace_of_session(session_id)
        .ok_or_else(|| ApiError::no_such_in_path("financial connections session", session_id))?;
    let ns = app.store.namespace(&namespace);
    let mut ns = ns.write();
    engine::complete_session(app, &mut ns, session_id, completion, &Cause::default())?;
    let session = ns
        .sessions
        .get(session_id)
        .ok_or_else(|| ApiError::internal("session vanished"))?;
    Ok(session_wire(&ns, session))
}
