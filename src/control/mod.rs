//! fcmock's own control API under `/_fcmock/`: JSON in and out, no Stripe key. QA scripts
//! outcomes and faults, moves the clock, reads the request log, saves and loads state.
//! Errors use Stripe's envelope, so one error parser serves both APIs. The routes and fields
//! of DESIGN.md's control-API table are a fixed contract; `openapi/control-api.json`
//! describes them all (served at `GET /_fcmock/openapi.json`).

pub mod access;
pub mod inspect;
pub mod payments;
pub mod sdk;
pub mod sdk_intents;
pub mod state;
pub mod trigger;
pub mod trigger_payments;
pub mod ui;
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

/// Answers a `/_fcmock/…` request: the one router of the control API. The dashboard's
/// pages (`/_fcmock/ui…`) answer HTML, their errors included.
pub async fn handle(app: &App, request: &Request) -> Response {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    if segments == ["_fcmock", "health"] && request.method == Method::GET {
        return reply(200, &json!({"status": "ok"}));
    }
    if segments == ["_fcmock", "tls", "cert.pem"] && request.method == Method::GET {
        return tls_certificate(app);
    }
    if let Err(e) = access::enabled(app).and_then(|()| access::check_origin(request)) {
        return error_response(app, &e);
    }
    if let Some(page) = ui::handle(app, request, &segments) {
        return page;
    }
    if let Err(e) = access::check_token(app, request) {
        return error_response(app, &e);
    }
    let query = form::decode(request.query.as_bytes()).unwrap_or_default();
    match route(app, request, &segments, &query).await {
        Ok(body) => reply(200, &body),
        Err(e) => error_response(app, &e),
    }
}

/// `GET /_fcmock/tls/cert.pem`: the certificate a device installs to trust the TLS listener.
/// Public like the health check, with no token: a phone's browser downloads it by URL, and
/// a certificate is no secret. `application/x-x509-ca-cert` is the type iOS Safari and
/// Android's downloader offer to install (inferred from their behaviour; not Stripe's).
fn tls_certificate(app: &App) -> Response {
    match &app.settings.tls {
        Some(tls) => Response::new(200, "application/x-x509-ca-cert", tls.trust_pem.clone())
            .with_header(
                hyper::header::CONTENT_DISPOSITION,
                "attachment; filename=\"fcmock-ca.pem\"",
            ),
        None => error_response(
            app,
            &ApiError::invalid_request("TLS is off: start fcmock with --tls-port (e.g. 12112).")
                .with_code("resource_missing")
                .with_status(404),
        ),
    }
}

/// The control API's route table: the SDK routes' wrong methods, reads, then changes.
async fn route(app: &App, request: &Request, segments: &[&str], query: &ParamMap) -> ControlResult {
    let found = match (&request.method, segments) {
        (_, ["_fcmock", "sdk", kind, method]) if request.method != Method::POST => {
            Some(Err(sdk::wrong_method(&request.path, kind, method)))
        }
        (_, ["_fcmock", "sdk", _, _, _, ..]) => None,
        (&Method::GET, ["_fcmock", rest @ ..]) => read(app, rest, query).await,
        (_, ["_fcmock", rest @ ..]) => write(app, request, rest, query).await,
        _ => None,
    };
    found.unwrap_or_else(|| Err(unknown_route(request)))
}

/// The routes that only read (GET); `None` for a path that is none of them.
async fn read(app: &App, rest: &[&str], query: &ParamMap) -> Option<ControlResult> {
    Some(match rest {
        ["openapi.json"] => serde_json::from_str(OPENAPI)
            .map_err(|e| ApiError::internal(format!("the OpenAPI document: {e}"))),
        ["sessions"] => Ok(inspect::sessions(app, query)),
        ["accounts"] => Ok(inspect::accounts(app, query)),
        ["refreshes"] => Ok(inspect::refreshes(app, query)),
        ["namespaces"] => Ok(inspect::namespaces(app)),
        ["institutions"] => Ok(inspect::institutions(app)),
        ["scenarios"] => Ok(json!({"data": app.control.scenarios.list()})),
        ["faults"] => Ok(json!({"data": app.control.faults.list()})),
        ["requests"] => Ok(inspect::requests(app, query)),
        ["requests", id] => inspect::request(app, id),
        ["clock"] => Ok(clock_json(app)),
        ["state"] => serde_json::to_value(state::export(app))
            .map_err(|e| ApiError::internal(format!("cannot export state: {e}"))),
        ["webhooks"] => webhooks::settings(app),
        ["webhooks", "deliveries"] => webhooks::deliveries(app, query),
        ["trigger"] => Ok(trigger::types()),
        ["changes"] => inspect::changes(app, query).await,
        _ => return None,
    })
}

/// The routes that change state (POST, PUT, DELETE); `None` for a path that is none of them.
async fn write(
    app: &App,
    request: &Request,
    rest: &[&str],
    query: &ParamMap,
) -> Option<ControlResult> {
    let body = request.body.as_ref();
    Some(match (&request.method, rest) {
        (&Method::POST, ["sessions", id, "complete"]) => complete(app, id, body),
        (&Method::POST, ["sessions", id, "scenario"]) => script_session(app, id, body),
        (&Method::POST, ["scenarios"]) => queue_scenario(app, body),
        (&Method::DELETE, ["scenarios"]) => {
            Ok(json!({"deleted": app.control.scenarios.clear(query.str("api_key"))}))
        }
        (&Method::POST, ["refreshes", "settle"]) => Ok(json!({"settled": engine::settle_all(app)})),
        (&Method::POST, ["payments", "settle"]) => payments::settle(app, body),
        (&Method::POST, ["payments", id, "outcome"]) => payments::script(app, id, body),
        (&Method::POST, ["faults"]) => parse_body(body)
            .and_then(|spec| app.control.faults.push(spec))
            .map(|queued| json!(queued)),
        (&Method::DELETE, ["faults"]) => {
            Ok(json!({"deleted": app.control.faults.clear(query.str("api_key"))}))
        }
        (&Method::POST, ["clock"]) => clock(app, body),
        (&Method::PUT, ["state"]) => import_state(app, body),
        (&Method::POST, ["reset"]) => reset(app, body),
        (&Method::POST, ["webhooks", "flush"]) => webhooks::flush(app, body).await,
        (&Method::POST, ["webhooks", "deliveries", id, "resend"]) => webhooks::resend(app, id),
        (&Method::POST, ["trigger"]) => trigger::trigger(app, body),
        (&Method::POST, ["sdk", kind, method]) => {
            sdk::result(app, &request.path, kind, method, body).await
        }
        _ => return None,
    })
}

fn unknown_route(request: &Request) -> ApiError {
    if request.path.starts_with("/_fcmock/sdk/") {
        return sdk::not_found(&request.path);
    }
    ApiError::invalid_request(format!(
        "Unknown control API route: {} {}. GET /_fcmock/openapi.json lists the control API.",
        request.method, request.path
    ))
    .with_status(404)
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

/// The mock clock: `{"now", "frozen"}`.
pub fn clock_json(app: &App) -> Value {
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
    // ACH debits whose settlement time the clock passed settle now.
    engine::payments::settle_all(app, false);
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
