//! fcmock's own control API under `/_fcmock/`: JSON in and out, no Stripe key. QA scripts
//! outcomes and faults, moves the clock, reads the request log, saves and loads state.
//! Errors use Stripe's envelope, so one error parser serves both APIs. The routes and fields
//! of DESIGN.md's control-API table are a fixed contract; `openapi/control-api.json`
//! describes them all (served at `GET /_fcmock/openapi.json`).

pub mod sdk;
pub mod state;
pub mod webhooks;

use crate::app::App;
use crate::engine::{self, Cause, Completion};
use crate::fixtures::{Failure, Outcome, ScenarioFixture};
use crate::http::{Request, Response};
use crate::resources::financial_connections::sessions::session_wire;
use crate::stripe::auth::mask;
use crate::stripe::error::ApiError;
use crate::stripe::form;
use crate::stripe::params::ParamMap;
use hyper::Method;
use serde::Deserialize;
use serde_json::{json, Value};

/// The control API's own OpenAPI description.
const OPENAPI: &str = include_str!("../../openapi/control-api.json");

/// What a control route answers: a JSON body, or an error in Stripe's envelope.
pub type ControlResult = Result<Value, ApiError>;

/// Answers a `/_fcmock/…` request: the one router of the control API.
pub async fn handle(app: &App, request: &Request) -> Response {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let is_health = segments == ["_fcmock", "health"];
    if !is_health {
        if let Err(e) = check_access(app, request) {
            return error_response(app, &e);
        }
    }
    if request.method == Method::GET && segments == ["_fcmock", "openapi.json"] {
        return Response::new(200, "application/json", OPENAPI);
    }
    let query = form::decode(request.query.as_bytes()).unwrap_or_default();
    match route(app, request, &segments, &query).await {
        Ok(body) => reply(200, &body),
        Err(e) => error_response(app, &e),
    }
}

/// The control API's route table.
async fn route(app: &App, request: &Request, segments: &[&str], query: &ParamMap) -> ControlResult {
    let body = request.body.as_ref();
    match (&request.method, segments) {
        (&Method::GET, ["_fcmock", "health"]) => Ok(json!({"status": "ok"})),
        (&Method::GET, ["_fcmock", "sessions"]) => Ok(list_sessions(app, query)),
        (&Method::POST, ["_fcmock", "sessions", id, "complete"]) => complete(app, id, body),
        (&Method::POST, ["_fcmock", "sessions", id, "scenario"]) => script_session(app, id, body),
        (&Method::POST, ["_fcmock", "scenarios"]) => queue_scenario(app, body),
        (&Method::GET, ["_fcmock", "scenarios"]) => {
            Ok(json!({"data": app.control.scenarios.list()}))
        }
        (&Method::DELETE, ["_fcmock", "scenarios"]) => {
            Ok(json!({"deleted": app.control.scenarios.clear(query.str("api_key"))}))
        }
        (&Method::POST, ["_fcmock", "refreshes", "settle"]) => {
            Ok(json!({"settled": engine::settle_all(app)}))
        }
        (&Method::POST, ["_fcmock", "faults"]) => parse_body(body)
            .and_then(|spec| app.control.faults.push(spec))
            .map(|queued| json!(queued)),
        (&Method::GET, ["_fcmock", "faults"]) => Ok(json!({"data": app.control.faults.list()})),
        (&Method::DELETE, ["_fcmock", "faults"]) => {
            Ok(json!({"deleted": app.control.faults.clear(query.str("api_key"))}))
        }
        (&Method::GET, ["_fcmock", "requests"]) => Ok(requests(app, query)),
        (&Method::GET, ["_fcmock", "clock"]) => Ok(clock_json(app)),
        (&Method::POST, ["_fcmock", "clock"]) => clock(app, body),
        (&Method::GET, ["_fcmock", "state"]) => serde_json::to_value(state::export(app))
            .map_err(|e| ApiError::internal(format!("cannot export state: {e}"))),
        (&Method::PUT, ["_fcmock", "state"]) => import_state(app, body),
        (&Method::POST, ["_fcmock", "reset"]) => reset(app, body),
        (&Method::GET, ["_fcmock", "webhooks"]) => webhooks::settings(app),
        (&Method::POST, ["_fcmock", "webhooks", "flush"]) => webhooks::flush(app, body).await,
        (&Method::GET, ["_fcmock", "webhooks", "deliveries"]) => webhooks::deliveries(app, query),
        (&Method::POST, ["_fcmock", "sdk", kind, method]) => {
            sdk::result(app, &request.path, kind, method, body).await
        }
        (_, ["_fcmock", "sdk", kind, method]) => {
            Err(sdk::wrong_method(&request.path, kind, method))
        }
        (_, ["_fcmock", "sdk", _, _, ..]) => Err(sdk::not_found(&request.path)),
        _ => Err(ApiError::invalid_request(format!(
            "Unknown control API route: {} {}. GET /_fcmock/openapi.json lists the control API.",
            request.method, request.path
        ))
        .with_status(404)),
    }
}

/// `--no-control-api` turns everything but the health check off; `--control-token` asks
/// for `Authorization: Bearer <token>` (or `X-Fcmock-Token`).
fn check_access(app: &App, request: &Request) -> Result<(), ApiError> {
    if !app.settings.control_api {
        return Err(
            ApiError::invalid_request("The control API is turned off (--no-control-api).")
                .with_status(404),
        );
    }
    let Some(token) = app.settings.control_token.as_deref() else {
        return Ok(());
    };
    let bearer = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "));
    let given = request.header("x-fcmock-token").or(bearer);
    if given == Some(token) {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "The control API needs the token set with --control-token, as 'Authorization: Bearer <token>' or 'X-Fcmock-Token: <token>'.",
        ))
    }
}

fn reply(status: u16, body: &Value) -> Response {
    let body = serde_json::to_vec_pretty(body).unwrap_or_default();
    Response::new(status, "application/json", body)
}

fn error_response(app: &App, e: &ApiError) -> Response {
    Response::new(
        e.status,
        "application/json",
        e.to_body(&app.new_request_id(), app.clock.now()),
    )
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
    let outcome = Outcome::from_name(outcome)
        .ok_or_else(|| ApiError::invalid_enum("outcome", Outcome::NAMES))?;
    match outcome {
        Outcome::Success => Ok(Completion::Success {
            institution,
            accounts,
        }),
        Outcome::Cancel => Ok(Completion::Cancel),
        Outcome::Failure => {
            let name = failure.ok_or_else(|| ApiError::missing_parameter("failure"))?;
            let failure = Failure::from_name(name)
                .ok_or_else(|| ApiError::invalid_enum("failure", Failure::NAMES))?;
            Ok(Completion::Failure(failure))
        }
    }
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

fn complete(app: &App, session_id: &str, body: &[u8]) -> ControlResult {
    let body: CompleteBody = parse_body(body)?;
    let completion = completion(
        &body.outcome,
        body.failure.as_deref(),
        body.institution,
        body.accounts,
    )?;
    let ns = session_namespace(app, session_id)?;
    let mut ns = ns.write();
    engine::complete_session(app, &mut ns, session_id, completion, &Cause::default())?;
    let session = ns
        .sessions
        .get(session_id)
        .ok_or_else(|| ApiError::internal("session vanished"))?;
    Ok(session_wire(&ns, session))
}

/// The namespace holding a session, whichever API key created it.
fn session_namespace(
    app: &App,
    session_id: &str,
) -> Result<crate::store::SharedNamespace, ApiError> {
    let namespace = app
        .store
        .namespace_of_session(session_id)
        .ok_or_else(|| ApiError::no_such_in_path("financial connections session", session_id))?;
    Ok(app.store.namespace(&namespace))
}

/// A scenario body, checked against the fixtures; `{"name": "…"}` loads a scenario file.
fn scenario_from_body(app: &App, body: &[u8]) -> Result<ScenarioFixture, ApiError> {
    let value: Value = parse_body(body)?;
    let scenario = match value.get("name").and_then(Value::as_str) {
        Some(name) if value.as_object().is_some_and(|o| o.len() == 1) => {
            app.fixtures.scenario(name).cloned().ok_or_else(|| {
                let known: Vec<&str> = app.fixtures.scenarios().map(|(n, _)| n).collect();
                ApiError::invalid_request(format!(
                    "No scenario file named '{name}'. Known: {}.",
                    known.join(", ")
                ))
                .with_param("name")
            })?
        }
        _ => serde_json::from_value(value)
            .map_err(|e| ApiError::invalid_request(format!("Invalid scenario: {e}")))?,
    };
    app.fixtures
        .check_scenario(&scenario)
        .map_err(|(field, message)| ApiError::invalid_request(message).with_param(field))?;
    Ok(scenario)
}

fn queue_scenario(app: &App, body: &[u8]) -> ControlResult {
    let scenario = scenario_from_body(app, body)?;
    Ok(json!(app.control.scenarios.push(scenario)))
}

fn script_session(app: &App, session_id: &str, body: &[u8]) -> ControlResult {
    let scenario = scenario_from_body(app, body)?;
    let ns = session_namespace(app, session_id)?;
    let mut ns = ns.write();
    if scenario.auto_complete {
        engine::complete_session(
            app,
            &mut ns,
            session_id,
            Completion::scripted(&scenario),
            &Cause::default(),
        )?;
    }
    let session = ns
        .sessions
        .get_mut(session_id)
        .ok_or_else(|| ApiError::internal("session vanished"))?;
    session.scripted = Some(scenario);
    let session = session.clone();
    Ok(session_wire(&ns, &session))
}

fn list_sessions(app: &App, query: &ParamMap) -> Value {
    let wanted = query.str("api_key");
    let mut sessions = Vec::new();
    for key in app.store.keys() {
        let root = key.split('#').next().unwrap_or_default();
        if wanted.is_some_and(|w| w != root) {
            continue;
        }
        let Some(ns) = app.store.existing(&key) else {
            continue;
        };
        let ns = ns.read();
        for s in ns.sessions.iter() {
            sessions.push(json!({
                "id": s.id,
                "api_key_namespace": mask(root),
                "created": s.created,
                "status": s.status,
                "failure": s.failure,
                "institution": s.institution,
                "accounts": s.accounts,
                "scripted": s.scripted,
            }));
        }
    }
    json!({"data": sessions})
}

fn requests(app: &App, query: &ParamMap) -> Value {
    let limit = query.int("limit").map_or(100, |l| {
        l.clamp(1, crate::qa::request_log::CAPACITY as i64) as usize
    });
    json!({"data": app.control.requests.query(query.str("api_key"), query.str("path"), limit)})
}

fn clock_json(app: &App) -> Value {
    let frozen = matches!(app.clock.state(), crate::clock::ClockState::Frozen { .. });
    json!({"now": app.clock.now(), "frozen": frozen})
}

/// The body of `POST /_fcmock/clock`: exactly one of the three.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    #[serde(default)]
    freeze_at: Option<i64>,
    #[serde(default)]
    advance_seconds: Option<i64>,
    #[serde(default)]
    unfreeze: Option<bool>,
}

fn clock(app: &App, body: &[u8]) -> ControlResult {
    let body: ClockBody = parse_body(body)?;
    match (body.freeze_at, body.advance_seconds, body.unfreeze) {
        (Some(at), None, None) => app.clock.freeze_at(at).map_err(|_| out_of_range("freeze_at"))?,
        (None, Some(seconds), None) => app.clock.advance(seconds).map_err(|_| out_of_range("advance_seconds"))?,
        (None, None, Some(true)) => app.clock.unfreeze(),
        _ => {
            return Err(ApiError::invalid_request(
                "Send exactly one of {\"freeze_at\": UNIX}, {\"advance_seconds\": N} or {\"unfreeze\": true}.",
            ))
        }
    }
    // Subscribed accounts refresh daily (Stripe docs, Transactions); moving the clock past
    // a day starts the refresh that would have happened.
    engine::refresh::run_subscriptions(app);
    Ok(clock_json(app))
}

fn out_of_range(param: &str) -> ApiError {
    ApiError::invalid_request("Mock time must stay between the years 0 and 9999.").with_param(param)
}

fn import_state(app: &App, body: &[u8]) -> ControlResult {
    let saved: state::SavedState = parse_body(body)?;
    state::import(app, saved).map_err(ApiError::invalid_request)?;
    Ok(json!({"imported": true, "namespaces": app.store.keys().len()}))
}

/// The body of `POST /_fcmock/reset`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    #[serde(default)]
    api_key: Option<String>,
}

fn reset(app: &App, body: &[u8]) -> ControlResult {
    let body: ResetBody = parse_body(body)?;
    let key = body.api_key.as_deref();
    app.store.reset(key);
    app.idempotency.clear(key);
    app.control.scenarios.clear(key);
    app.control.faults.clear(key);
    app.control.requests.clear(key);
    Ok(json!({"reset": key.map(mask).unwrap_or_else(|| "everything".into())}))
}
