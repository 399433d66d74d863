//! The front door of Stripe's API: authentication, parameters, idempotency, routing,
//! rendering and Stripe's response headers. Every `/v1/…` request passes through here, so
//! resources only decode their own parameters, touch the store and render.

use crate::app::App;
use crate::resources;
use crate::router::{self, Access};
use crate::server::{Request, Response};
use crate::store::SharedNamespace;
use crate::stripe::auth::{self, ApiKey, KeyKind};
use crate::stripe::error::{ApiError, ApiResult};
use crate::stripe::expand::{self, Resolver};
use crate::stripe::form;
use crate::stripe::idempotency::{Begin, Saved};
use crate::stripe::params::{Field, Kind, ParamMap};
use hyper::header::HeaderName;
use hyper::Method;
use serde::Serialize;
use std::hash::{Hash, Hasher};
use std::panic::AssertUnwindSafe;

/// A successful API answer: status and JSON body.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status (200 for everything Stripe returns successfully).
    pub status: u16,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// What a handler returns.
pub type HandlerResult = ApiResult<Reply>;

/// Everything a resource handler works with during one request.
pub struct Ctx<'a> {
    /// The application.
    pub app: &'a App,
    /// The namespace of the request's API key (and `Stripe-Account`).
    pub ns: SharedNamespace,
    /// The namespace's name.
    pub namespace: String,
    /// Mock time when the request arrived.
    pub now: i64,
    /// This request's id.
    pub request_id: &'a str,
    /// The idempotency key, if the request carried one.
    pub idempotency_key: Option<String>,
    params: ParamMap,
    expand: Vec<String>,
    /// Set once the parameters validated: the endpoint has started executing, and its
    /// result (error or not) is saved for an `Idempotency-Key`.
    executing: bool,
}

const EXPAND_KIND: Kind = Kind::Array(&Kind::String);

impl Ctx<'_> {
    /// Validates the request's parameters against the endpoint's fields and hands them
    /// over. `expand[]` is accepted everywhere and kept aside for [`Ctx::render`].
    pub fn params(&mut self, spec: &[Field]) -> ApiResult<ParamMap> {
        let mut params = std::mem::take(&mut self.params);
        if params.contains("expand") {
            let mut expand_only = ParamMap::default();
            if let Some(value) = params.get("expand").cloned() {
                expand_only.insert("expand".to_string(), value);
            }
            expand_only.validate(&[Field::new("expand", EXPAND_KIND)])?;
            self.expand = expand_only.strings("expand");
            expand::parse(&self.expand)?;
        }
        let mut rest = ParamMap::default();
        for (k, v) in params.iter() {
            if k != "expand" {
                rest.insert(k.to_string(), v.clone());
            }
        }
        params = rest;
        params.validate(spec)?;
        self.executing = true;
        Ok(params)
    }

    /// Renders an object (or list) as the response, applying `expand[]`.
    ///
    /// The namespace lock must not be held by the caller: expansion reads the store.
    pub fn render<T: Serialize>(&self, object: &T) -> HandlerResult {
        let body = if self.expand.is_empty() {
            serde_json::to_vec_pretty(object)
        } else {
            let mut value = serde_json::to_value(object).map_err(internal)?;
            expand::apply(&mut value, &self.expand, self)?;
            serde_json::to_vec_pretty(&value)
        };
        Ok(Reply {
            status: 200,
            body: body.map_err(internal)?,
        })
    }

    /// Checks `expand[]` against an object before anything is stored, so a bad path refuses
    /// the request without side effects. Free when the request expands nothing.
    pub fn check_expand<T: Serialize>(&self, object: &T) -> ApiResult<()> {
        if self.expand.is_empty() {
            return Ok(());
        }
        self.render(object).map(|_| ())
    }

    /// A new object id.
    pub fn new_id(&self, kind: crate::stripe::ids::IdKind) -> String {
        self.app.ids.next(kind)
    }
}

impl Resolver for Ctx<'_> {
    fn resolve(&self, id: &str) -> Option<serde_json::Value> {
        // A recursive read never waits behind a queued writer, so expansion cannot deadlock
        // even if a caller still holds a read guard of this namespace.
        resources::lookup(&self.ns.read_recursive(), id)
    }

    fn expandable(&self, object: &str, field: &str) -> bool {
        resources::expandable(object, field)
    }
}

fn internal(e: serde_json::Error) -> ApiError {
    ApiError::internal(format!("fcmock could not render the response: {e}"))
}

/// Answers one Stripe API request. Returns the response and the API key (masked only when a
/// log line is actually written).
pub async fn handle(app: &App, request: Request, request_id: &str) -> (Response, Option<String>) {
    let version = request
        .header("stripe-version")
        .map(str::to_string)
        .unwrap_or_else(|| app.settings.default_stripe_version.clone());
    if !valid_version(&version) {
        let error = ApiError::invalid_request(format!("Invalid Stripe API version: {version}"));
        let default = app.settings.default_stripe_version.clone();
        let response = error_response(app, &error, request_id, Some(&default));
        return (response, None);
    }
    if request.method == Method::OPTIONS {
        return (
            with_stripe_headers(
                Response::new(200, "application/json", "{}"),
                request_id,
                &version,
            ),
            None,
        );
    }
    let mut key_for_log = None;
    let started = std::time::Instant::now();
    // Authenticated once; an unknown route still answers 404 before a bad key's 401.
    let authenticated = auth::authenticate(
        request.header("authorization"),
        app.settings.only_api_key.as_deref(),
    );
    let peeked_key = authenticated.as_ref().ok().map(|k| k.key.clone());
    // A scripted fault is chosen under the fault queue's lock and enacted after it.
    if let Some(injected) = app.control.faults.take(
        request.method.as_str(),
        &request.path,
        peeked_key.as_deref(),
    ) {
        if injected.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(injected.delay_ms)).await;
        }
        if let Some(error) = injected.error {
            let response = with_stripe_headers(
                error_response(app, &error, request_id, None),
                request_id,
                &version,
            );
            log(
                app,
                &request,
                request_id,
                &response,
                peeked_key.as_deref(),
                started,
            );
            return (response, peeked_key);
        }
    }
    let outcome = answer(app, &request, request_id, authenticated, &mut key_for_log);
    let response = match outcome {
        Ok(Answer::Fresh(reply, idem)) => {
            let response = Response::new(reply.status, "application/json", reply.body);
            if let Some((ns, key)) = idem {
                let saved = Saved {
                    status: reply_status(&response),
                    body: response.body.clone(),
                    request_id: request_id.to_string(),
                };
                app.idempotency.finish(&ns, &key, Some(saved));
                response
                    .with_header(HeaderName::from_static("idempotency-key"), &key)
                    .with_header(HeaderName::from_static("original-request"), request_id)
            } else {
                response
            }
        }
        Ok(Answer::Replay(saved, key)) => {
            Response::new(saved.status, "application/json", saved.body)
                .with_header(HeaderName::from_static("idempotency-key"), &key)
                .with_header(HeaderName::from_static("idempotent-replayed"), "true")
                .with_header(
                    HeaderName::from_static("original-request"),
                    &saved.request_id,
                )
        }
        Err(refusal) => {
            let (error, idem, executed) = *refusal;
            let response = error_response(app, &error, request_id, None);
            if let Some((ns, key)) = idem {
                // Stripe saves a result, errors included, once the endpoint has started
                // executing, and nothing for requests refused by validation (Stripe docs,
                // "Idempotent requests"). Here: anything after the parameters validated.
                let validation = error
                    .code
                    .as_deref()
                    .is_some_and(|c| c.starts_with("parameter"));
                let saved = (executed && !validation).then(|| Saved {
                    status: error.status,
                    body: response.body.clone(),
                    request_id: request_id.to_string(),
                });
                app.idempotency.finish(&ns, &key, saved);
                response.with_header(HeaderName::from_static("idempotency-key"), &key)
            } else {
                response
            }
        }
    };
    let response = with_stripe_headers(response, request_id, &version);
    log(
        app,
        &request,
        request_id,
        &response,
        peeked_key.as_deref(),
        started,
    );
    (response, key_for_log)
}

/// Whether a `Stripe-Version` header looks like one of Stripe's: `YYYY-MM-DD`, an optional
/// release name (`.dahlia`, `.preview`), and optional beta flags (`; name=v1`).
fn valid_version(version: &str) -> bool {
    let mut parts = version.split(';');
    let head = parts.next().unwrap_or_default().trim();
    let (date, name) = head.split_once('.').unwrap_or((head, ""));
    let date_ok = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let name_ok = name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let betas_ok = parts.all(|beta| {
        beta.trim().split_once('=').is_some_and(|(k, v)| {
            !k.is_empty()
                && !v.is_empty()
                && (k.bytes().chain(v.bytes())).all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    });
    date_ok && name_ok && betas_ok
}

/// Records a Stripe API request in the control API's request log.
fn log(
    app: &App,
    request: &Request,
    request_id: &str,
    response: &Response,
    key: Option<&str>,
    started: std::time::Instant,
) {
    app.control
        .requests
        .record(crate::control::request_log::Entry {
            request_id,
            method: request.method.as_str(),
            path: &request.path,
            // The raw form: decoded only when the log is read.
            raw: if request.method == Method::POST && !request.body.is_empty() {
                request.body.clone()
            } else {
                bytes::Bytes::from(request.query.clone())
            },
            status: response.status.as_u16(),
            api_key: key,
            idempotency_key: request.header("idempotency-key"),
            created: app.clock.now(),
            duration_us: started.elapsed().as_micros() as u64,
        });
}

fn reply_status(response: &Response) -> u16 {
    response.status.as_u16()
}

/// The idempotency slot (namespace, key) a request occupies.
type IdemSlot = Option<(String, String)>;

enum Answer {
    Fresh(Reply, IdemSlot),
    Replay(Saved, String),
}

/// A refused request, with the idempotency slot it occupied (boxed: errors are the rare path).
type Refusal = Box<(ApiError, IdemSlot, bool)>;

fn answer(
    app: &App,
    request: &Request,
    request_id: &str,
    authenticated: ApiResult<ApiKey>,
    key_for_log: &mut Option<String>,
) -> Result<Answer, Refusal> {
    let segments: Vec<&str> = request.path.split('/').skip(1).collect();
    let route = match router::resolve(&request.method, &segments) {
        Some(route) => route,
        None => {
            let status = if router::path_exists(&segments) {
                405
            } else {
                404
            };
            return Err(Box::new((
                ApiError::unrecognized_url(request.method.as_str(), &request.path, status),
                None,
                false,
            )));
        }
    };
    let key = authenticated.map_err(|e| Box::new((e, None, false)))?;
    *key_for_log = Some(key.key.clone());
    check_access(&key, route.access).map_err(|e| Box::new((e, None, false)))?;
    // Client-side calls find their session by its client secret; `Stripe-Account` (sent
    // by the SDKs for a connected account) names no namespace of the publishable key.
    let stripe_account = match route.access {
        Access::Secret => request.header("stripe-account"),
        Access::Client => None,
    };
    let namespace =
        namespace_for(app, &key, stripe_account).map_err(|e| Box::new((e, None, false)))?;
    let params = decode_params(request).map_err(|e| Box::new((e, None, false)))?;

    let idempotency_key = (request.method == Method::POST)
        .then(|| request.header("idempotency-key").map(str::to_string))
        .flatten()
        .filter(|k| !k.is_empty());
    let mut slot = None;
    if let Some(idem_key) = &idempotency_key {
        let fingerprint = fingerprint(&request.method, &request.path, &params);
        match app.idempotency.begin(
            &namespace,
            idem_key,
            &request.path,
            fingerprint,
            app.clock.now(),
        ) {
            Ok(Begin::Replay(saved)) => return Ok(Answer::Replay(saved, idem_key.clone())),
            Ok(Begin::Proceed) => slot = Some((namespace.clone(), idem_key.clone())),
            Err(e) => return Err(Box::new((e, None, false))),
        }
    }

    let mut ctx = Ctx {
        app,
        ns: app.store.namespace(&namespace),
        namespace,
        now: app.clock.now(),
        request_id,
        idempotency_key,
        params,
        expand: Vec::new(),
        executing: false,
    };
    match run_handler(route.handler, &mut ctx, &request.path) {
        Ok(reply) => Ok(Answer::Fresh(reply, slot)),
        Err(error) => Err(Box::new((error, slot, ctx.executing))),
    }
}

/// Runs a handler. A panic (a bug: none should be reachable from input) is logged and
/// becomes Stripe's 500 `api_error`; the server keeps serving.
fn run_handler(
    handler: crate::router::Handler<'_>,
    ctx: &mut Ctx<'_>,
    path: &str,
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

fn check_access(key: &ApiKey, access: Access) -> ApiResult<()> {
    match (access, key.kind) {
        (Access::Secret, _) => auth::require_secret(key),
        (Access::Client, KeyKind::Publishable) => Ok(()),
        (Access::Client, _) => Err(ApiError::unauthorized(
            "This API call is made by Stripe's client libraries with a publishable key \
             (pk_test_…) and the session's client secret; secret keys are not accepted here.",
        )),
    }
}

/// The namespace a request works in: its key's, or with `Stripe-Account` the connected
/// account's own namespace under that key (which must name an account the key created).
fn namespace_for(app: &App, key: &ApiKey, stripe_account: Option<&str>) -> ApiResult<String> {
    let Some(account) = stripe_account.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(key.key.clone());
    };
    let known = app
        .store
        .existing(&key.key)
        .is_some_and(|ns| ns.read().accounts.get(account).is_some());
    if !known {
        return Err(ApiError::invalid_request(format!(
            "The provided key '{}' does not have access to account '{account}' (or that account \
             does not exist). Application access may have been revoked.",
            key.masked()
        ))
        .with_status(403));
    }
    Ok(format!("{}#{account}", key.key))
}

fn decode_params(request: &Request) -> ApiResult<ParamMap> {
    if request.method == Method::POST && !request.body.is_empty() {
        let content_type = request
            .header("content-type")
            .unwrap_or("application/x-www-form-urlencoded");
        let is_form = content_type
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded");
        let looks_like_json = request
            .body
            .first()
            .is_some_and(|b| *b == b'{' || *b == b'[');
        if !is_form || looks_like_json {
            return Err(ApiError::invalid_request(format!(
                "Invalid request: unsupported Content-Type {content_type}. Stripe's API (and so \
                 fcmock) takes application/x-www-form-urlencoded bodies with bracket nesting, \
                 e.g. name=Jenny&address[city]=Paris&expand[]=accounts — not JSON. The official \
                 Stripe libraries encode requests this way."
            )));
        }
        let mut params = form::decode(&request.body)?;
        // Stripe also reads the query string of a POST; body values win.
        for (k, v) in form::decode(request.query.as_bytes())?.iter() {
            if !params.contains(k) {
                params.insert(k.to_string(), v.clone());
            }
        }
        return Ok(params);
    }
    form::decode(request.query.as_bytes())
}

fn fingerprint(method: &Method, path: &str, params: &ParamMap) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    method.as_str().hash(&mut hasher);
    path.hash(&mut hasher);
    params.to_json().to_string().hash(&mut hasher);
    hasher.finish()
}

/// Renders a Stripe error response (with Stripe's headers added by the caller).
pub fn error_response(
    app: &App,
    error: &ApiError,
    request_id: &str,
    version: Option<&str>,
) -> Response {
    if error.status >= 500 {
        tracing::warn!(request_id, status = error.status, message = %error.message, "server error");
    }
    let mut response = Response::new(
        error.status,
        "application/json",
        error.to_body(request_id, app.clock.now()),
    );
    if let Some(retry) = error.should_retry {
        response = response.with_header(
            HeaderName::from_static("stripe-should-retry"),
            if retry { "true" } else { "false" },
        );
    }
    if let Some(version) = version {
        response = with_stripe_headers(response, request_id, version);
    }
    response
}

/// Adds the headers Stripe sends on every API response.
pub fn with_stripe_headers(mut response: Response, request_id: &str, version: &str) -> Response {
    // The constant headers are static values: this runs on every response.
    const CONSTANT: [(&str, &str); 7] = [
        ("cache-control", "no-cache, no-store"),
        ("access-control-allow-origin", "*"),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "GET, HEAD, PUT, PATCH, POST, DELETE"),
        (
            "access-control-allow-headers",
            "Authorization, Content-Type, Idempotency-Key, Stripe-Account, Stripe-Version",
        ),
        (
            "access-control-expose-headers",
            "Request-Id, Stripe-Manage-Version, Stripe-Should-Retry, X-Stripe-External-Auth-Required, X-Stripe-Privileged-Session-Required",
        ),
        ("access-control-max-age", "300"),
    ];
    response.headers.reserve(CONSTANT.len() + 2);
    response = response
        .with_header(HeaderName::from_static("request-id"), request_id)
        .with_header(HeaderName::from_static("stripe-version"), version);
    for (name, value) in CONSTANT {
        response.headers.push((
            HeaderName::from_static(name),
            hyper::header::HeaderValue::from_static(value),
        ));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_versions_are_checked_like_stripe_does() {
        for good in [
            "2023-08-16",
            "2026-07-29.dahlia",
            "2026-10-14.preview",
            "2023-10-16; financial_connections_transactions_beta=v1",
        ] {
            assert!(valid_version(good), "{good}");
        }
        for bad in [
            "bogus",
            "2023-8-16",
            "2023-08-16.Dahlia",
            "2023-08-16; beta",
            "",
            "2023-08-16x",
        ] {
            assert!(!valid_version(bad), "{bad}");
        }
    }

    #[test]
    fn a_panicking_handler_becomes_a_500_api_error() {
        let app = App::new(&crate::Config::for_tests(), "http://127.0.0.1:0".into())
            .expect("built-in fixtures load");
        let mut ctx = Ctx {
            app: &app,
            ns: app.store.namespace("sk_test_panic"),
            namespace: "sk_test_panic".into(),
            now: 0,
            request_id: "req_panic",
            idempotency_key: None,
            params: ParamMap::default(),
            expand: Vec::new(),
            executing: false,
        };
        let handler: crate::router::Handler<'_> = Box::new(|_| panic!("a bug"));

        let error = run_handler(handler, &mut ctx, "/v1/boom").expect_err("a panic is an error");

        assert_eq!(
            (error.status, error.error_type),
            (500, crate::stripe::error::ErrorType::ApiError)
        );
        assert_eq!(error.message, "An unknown error occurred");
    }
}
