//! The front door of Stripe's API. Every `/v1/…` request runs one pipeline of named stages:
//!
//! version → preflight → fault → route → authenticate → namespace → decode → idempotency →
//! run → respond → headers and log.
//!
//! Each stage is a short function; a refusal anywhere becomes Stripe's error envelope, and
//! everything after the idempotency stage is saved under its key. Resources only validate
//! their own parameters, touch the store and render.

mod request;
mod response;

pub use response::{error_response, with_stripe_headers};

use crate::app::App;
use crate::http::{Request, Response};
use crate::resources::router::{self, Matched};
use crate::resources::{Ctx, HandlerResult, Reply, REGISTRY};
use crate::stripe::auth::{self, ApiKey};
use crate::stripe::error::{ApiError, ApiResult};
use crate::stripe::idempotency::{Begin, Saved};
use crate::stripe::params::ParamMap;
use crate::stripe::versions::ApiVersion;
use hyper::header::HeaderName;
use hyper::Method;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// Header names read on every request, known in advance (not parsed per lookup).
const STRIPE_VERSION: HeaderName = HeaderName::from_static("stripe-version");
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The idempotency slot (namespace and key) a request occupies while it runs.
struct Slot {
    namespace: String,
    key: String,
}

/// A request refused on its way through the pipeline.
struct Refusal {
    error: ApiError,
    /// The idempotency slot it occupied, to be released (or filled with the error); boxed
    /// to keep the refusal small on the common path.
    slot: Option<Box<Slot>>,
    /// Whether the endpoint had started executing (its parameters validated): Stripe saves
    /// such errors for the idempotency key, and not validation failures.
    executed: bool,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal {
            error,
            slot: None,
            executed: false,
        }
    }
}

/// What the pipeline produced, before Stripe's headers.
enum Answer {
    /// A handler ran.
    Fresh(Reply, Option<Slot>),
    /// An idempotent replay of a saved answer, with its key.
    Replay(Saved, String),
}

/// Answers one Stripe API request. Returns the response and the API key it carried (masked
/// only when a log line is actually written).
pub async fn handle(
    app: &App,
    mut request: Request,
    request_id: &str,
) -> (Response, Option<String>) {
    let version = match version(app, &request) {
        Ok(version) => version,
        Err(error) => {
            let default = app.settings.default_version.to_string();
            return (
                error_response(app, &error, request_id, Some(&default)),
                None,
            );
        }
    };
    let version_name = version.name();
    if request.method == Method::OPTIONS {
        let preflight = Response::new(200, "application/json", "{}");
        return (
            with_stripe_headers(preflight, request_id, &version_name),
            None,
        );
    }
    let started = Instant::now();
    // Authenticated once; an unknown route still answers 404 before a bad key's 401.
    let authenticated = auth::authenticate(
        request.header(&hyper::header::AUTHORIZATION),
        app.settings.only_api_key.as_deref(),
    );
    let key = authenticated.as_ref().ok().map(|k| k.key.clone());
    let response = match fault(app, &request, key.as_deref()).await {
        Some(error) => error_response(app, &error, request_id, None),
        None => {
            let answer = answer(app, &request, request_id, version, authenticated, true);
            respond(app, answer, request_id)
        }
    };
    let response = with_stripe_headers(response, request_id, &version_name);
    log(
        app,
        &mut request,
        request_id,
        &response,
        key.as_deref(),
        started,
    );
    (response, key)
}

/// One Stripe API call that fcmock makes on its own behalf (`POST /_fcmock/trigger` sets up
/// the objects an event needs this way, as `stripe trigger` calls Stripe's API). It runs the
/// pipeline from "route" to "respond" and lands in the request log like any request, at the
/// account's default version; no injected fault applies, it carries no idempotency key, and
/// a session it creates takes no scripted outcome. `form` is the form body of a POST, the
/// query string otherwise. Returns the JSON answer, or the error the API answered.
pub fn call_internal(
    app: &App,
    api_key: &str,
    method: Method,
    path: &str,
    form: &str,
) -> Result<serde_json::Value, ApiError> {
    call(app, api_key, (method, path, form), false)
}

/// One call an SDK would make, made by fcmock's SDK fakes (`/_fcmock/sdk/…`) with a
/// publishable key: like [`call_internal`], except that a session it creates takes the
/// scenario QA queued, as the session a real SDK opens would.
pub fn call_as_sdk(
    app: &App,
    publishable_key: &str,
    method: Method,
    path: &str,
    form: &str,
) -> Result<serde_json::Value, ApiError> {
    call(app, publishable_key, (method, path, form), true)
}

fn call(
    app: &App,
    api_key: &str,
    (method, path, form): (Method, &str, &str),
    plays_scenarios: bool,
) -> Result<serde_json::Value, ApiError> {
    let started = Instant::now();
    let request_id = app.new_request_id();
    let mut headers = hyper::HeaderMap::new();
    if let Ok(value) = hyper::header::HeaderValue::from_str(&format!("Bearer {api_key}")) {
        headers.insert(hyper::header::AUTHORIZATION, value);
    }
    let (query, body) = if method == Method::POST {
        (String::new(), bytes::Bytes::from(form.to_string()))
    } else {
        (form.to_string(), bytes::Bytes::new())
    };
    let mut request = Request {
        method,
        path: path.to_string(),
        query,
        headers,
        body,
        tls: false,
    };
    let authenticated = auth::authenticate(
        request.header(&hyper::header::AUTHORIZATION),
        app.settings.only_api_key.as_deref(),
    );
    let version = app.settings.default_version;
    let answer = answer(
        app,
        &request,
        &request_id,
        version,
        authenticated,
        plays_scenarios,
    );
    let result = match &answer {
        Ok(Answer::Fresh(reply, _)) => serde_json::from_slice(&reply.body)
            .map_err(|e| ApiError::internal(format!("unreadable answer: {e}"))),
        Ok(Answer::Replay(..)) => Err(ApiError::internal("an internal call was replayed")),
        Err(refusal) => Err(refusal.error.clone()),
    };
    let response = respond(app, answer, &request_id);
    log(
        app,
        &mut request,
        &request_id,
        &response,
        Some(api_key),
        started,
    );
    result
}

/// Stage "version": the request's `Stripe-Version`, else the account default. Stripe
/// refuses a version it does not know with this message and neither `param` nor `code`
/// (observed in Stripe's answers quoted by stripity-stripe PR #613 and stripe-java #682).
fn version(app: &App, request: &Request) -> ApiResult<ApiVersion> {
    let Some(header) = request.header(&STRIPE_VERSION) else {
        return Ok(app.settings.default_version);
    };
    ApiVersion::parse(header)
        .ok_or_else(|| ApiError::invalid_request(format!("Invalid Stripe API version: {header}")))
}

/// Stage "fault": a scripted fault is chosen under the fault queue's lock, and its delay
/// awaited after it. Returns the error to answer with, if the fault has one.
async fn fault(app: &App, request: &Request, key: Option<&str>) -> Option<ApiError> {
    let injected = app
        .control
        .faults
        .take(request.method.as_str(), &request.path, key)?;
    if injected.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(injected.delay_ms)).await;
    }
    injected.error
}

/// Stages "route" to "run".
fn answer(
    app: &App,
    request: &Request,
    request_id: &str,
    version: ApiVersion,
    authenticated: ApiResult<ApiKey>,
    plays_scenarios: bool,
) -> Result<Answer, Refusal> {
    let segments: Vec<&str> = request.path.split('/').skip(1).collect();
    let matched = route(request, &segments)?;
    let key = authenticated?;
    request::check_access(&key, matched.route.access)?;
    let intent = matched.ids.first().copied();
    let namespace = request::namespace_for(app, &key, matched.route.access, request, intent)?;
    let params = request::decode_params(request)?;
    let slot = match idempotency(app, request, &namespace, &params)? {
        Idempotency::Replay(saved, key) => return Ok(Answer::Replay(saved, key)),
        Idempotency::Proceed(slot) => slot,
    };
    let idempotency_key = slot.as_ref().map(|s| s.key.clone());
    let mut ctx = Ctx::new(
        app,
        &REGISTRY,
        namespace,
        request_id,
        version,
        params,
        idempotency_key,
    );
    ctx.plays_scenarios = plays_scenarios;
    ctx.tls = request.tls;
    ctx.client = key.kind == auth::KeyKind::Publishable;
    // Only an SDK's call can accept a mandate `infer_from_client`.
    ctx.user_agent = ctx
        .client
        .then(|| request.header("user-agent").map(str::to_string))
        .flatten();
    match run(&matched, &mut ctx, &request.path) {
        Ok(reply) => Ok(Answer::Fresh(reply, slot)),
        Err(error) => Err(Refusal {
            error,
            slot: slot.map(Box::new),
            executed: ctx.executing,
        }),
    }
}

/// Stage "route": the route and its path ids, or Stripe's "Unrecognized request URL".
/// Stripe answers a known path with another method (`PUT /v1/customers`) exactly like an
/// unknown path: 404, not 405 (docs/research/wire-format.md §1k).
fn route<'p>(request: &Request, segments: &[&'p str]) -> Result<Matched<'p>, ApiError> {
    router::resolve(request.method.as_str(), segments)
        .ok_or_else(|| ApiError::unrecognized_url(request.method.as_str(), &request.path, 404))
}

/// The outcome of the idempotency stage.
enum Idempotency {
    /// Run the handler (holding the key's slot, if the request carried a key).
    Proceed(Option<Slot>),
    /// Answer with the saved response.
    Replay(Saved, String),
}

/// Stage "idempotency": a POST with an `Idempotency-Key` takes its slot, or replays the
/// answer saved under it.
fn idempotency(
    app: &App,
    request: &Request,
    namespace: &str,
    params: &ParamMap,
) -> ApiResult<Idempotency> {
    let key = (request.method == Method::POST)
        .then(|| request.header(&IDEMPOTENCY_KEY))
        .flatten()
        .filter(|k| !k.is_empty());
    let Some(key) = key else {
        return Ok(Idempotency::Proceed(None));
    };
    let fingerprint = request::fingerprint(&request.method, &request.path, params);
    let now = app.clock.now();
    match app
        .idempotency
        .begin(namespace, key, &request.path, fingerprint, now)?
    {
        Begin::Replay(saved) => Ok(Idempotency::Replay(saved, key.to_string())),
        Begin::Proceed => Ok(Idempotency::Proceed(Some(Slot {
            namespace: namespace.to_string(),
            key: key.to_string(),
        }))),
    }
}

/// Stage "run": the handler. A panic (a bug: none should be reachable from input) is logged
/// and becomes Stripe's 500 `api_error`; the server keeps serving.
fn run(matched: &Matched<'_>, ctx: &mut Ctx<'_>, path: &str) -> HandlerResult {
    guarded(ctx, path, |ctx| router::call(matched, ctx))
}

fn guarded(
    ctx: &mut Ctx<'_>,
    path: &str,
    handler: impl FnOnce(&mut Ctx<'_>) -> HandlerResult,
) -> HandlerResult {
    let request_id = ctx.request_id;
    match std::panic::catch_unwind(AssertUnwindSafe(move || handler(ctx))) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(request_id, path, panic = %what, "handler panicked");
            Err(ApiError::internal("An unknown error occurred"))
        }
    }
}

/// Stage "respond": the body and the idempotency headers, saving the answer under its key.
fn respond(app: &App, answer: Result<Answer, Refusal>, request_id: &str) -> Response {
    match answer {
        Ok(Answer::Fresh(reply, slot)) => fresh(app, reply, slot, request_id),
        Ok(Answer::Replay(saved, key)) => {
            Response::new(saved.status, "application/json", saved.body)
                .with_header(HeaderName::from_static("idempotency-key"), &key)
                .with_header(HeaderName::from_static("idempotent-replayed"), "true")
                .with_header(
                    HeaderName::from_static("original-request"),
                    &saved.request_id,
                )
        }
        Err(refusal) => refused(app, refusal, request_id),
    }
}

fn fresh(app: &App, reply: Reply, slot: Option<Slot>, request_id: &str) -> Response {
    let response = Response::new(reply.status, "application/json", reply.body);
    let Some(slot) = slot else {
        return response;
    };
    let saved = Saved {
        status: response.status.as_u16(),
        body: response.body.clone(),
        request_id: request_id.to_string(),
    };
    app.idempotency
        .finish(&slot.namespace, &slot.key, Some(saved));
    response
        .with_header(HeaderName::from_static("idempotency-key"), &slot.key)
        .with_header(HeaderName::from_static("original-request"), request_id)
}

fn refused(app: &App, refusal: Refusal, request_id: &str) -> Response {
    let error = refusal.error;
    let response = error_response(app, &error, request_id, None);
    let Some(slot) = refusal.slot else {
        return response;
    };
    // Stripe saves a result, errors included, once the endpoint has started executing, and
    // nothing for requests refused by validation (Stripe docs, "Idempotent requests").
    // Here: anything after the parameters validated.
    let validation = error
        .code
        .as_deref()
        .is_some_and(|c| c.starts_with("parameter"));
    let saved = (refusal.executed && !validation).then(|| Saved {
        status: error.status,
        body: response.body.clone(),
        request_id: request_id.to_string(),
    });
    app.idempotency.finish(&slot.namespace, &slot.key, saved);
    response.with_header(HeaderName::from_static("idempotency-key"), &slot.key)
}

/// Records a Stripe API request in the control API's request log. The path and query string
/// are moved into the entry (the request is answered by now), not copied.
fn log(
    app: &App,
    request: &mut Request,
    request_id: &str,
    response: &Response,
    key: Option<&str>,
    started: std::time::Instant,
) {
    // The raw form: decoded only when the log is read. Copied, not shared: the body is a
    // slice of the connection's read buffer, and a log entry holding it would make hyper
    // allocate a fresh buffer (8 KiB and up) for the next request on that connection.
    let raw = if request.method == Method::POST && !request.body.is_empty() {
        bytes::Bytes::copy_from_slice(&request.body)
    } else {
        bytes::Bytes::from(std::mem::take(&mut request.query))
    };
    app.control.requests.record(crate::qa::request_log::Entry {
        request_id,
        method: request.method.as_str(),
        path: std::mem::take(&mut request.path),
        raw,
        status: response.status.as_u16(),
        api_key: key,
        idempotency_key: request.header(&IDEMPOTENCY_KEY),
        created: app.clock.now(),
        duration_us: started.elapsed().as_micros() as u64,
        response: response.body.clone(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_handler_becomes_a_500_api_error() {
        let app = App::new(&crate::Config::for_tests(), "http://127.0.0.1:0".into())
            .expect("built-in fixtures load");
        let mut ctx = Ctx::new(
            &app,
            &REGISTRY,
            "sk_test_panic".into(),
            "req_panic",
            ApiVersion::LATEST,
            ParamMap::default(),
            None,
        );

        let error =
            guarded(&mut ctx, "/v1/boom", |_| panic!("a bug")).expect_err("a panic is an error");

        assert_eq!(
            (error.status, error.error_type),
            (500, crate::stripe::error::ErrorType::ApiError)
        );
        assert_eq!(error.message, "An unknown error occurred");
    }
}
