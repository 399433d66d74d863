//! The shared application handle: store, clock, ids, idempotency cache and settings, and
//! the top-level split between Stripe's API, fcmock's control API and static answers.

use crate::clock::Clock;
use crate::config::Config;
use crate::fixtures::Fixtures;
use crate::server::{Request, Response, Service};
use crate::store::Store;
use crate::stripe::idempotency::IdempotencyCache;
use crate::stripe::ids::{IdGenerator, IdKind};
use crate::{api, control};
use std::sync::Arc;
use std::time::Instant;

/// The body limit of `PUT /_fcmock/state` (a state export can be far larger than any API
/// request).
const STATE_IMPORT_LIMIT: usize = 512 * 1024 * 1024;

/// How many idempotency keys are remembered across all namespaces.
const IDEMPOTENCY_CAPACITY: usize = 100_000;

/// Settings fixed at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--api-key`: accept only this key.
    pub only_api_key: Option<String>,
    /// Base URL for links fcmock hands out (hosted auth pages).
    pub public_url: String,
    /// `Stripe-Version` sent when the request names none.
    pub default_stripe_version: String,
    /// Milliseconds before a pending refresh settles on its own.
    pub refresh_delay_ms: u64,
    /// Whether `/_fcmock/…` is served (`--no-control-api` turns it off).
    pub control_api: bool,
    /// `--control-token`: the token the control API asks for.
    pub control_token: Option<String>,
}

/// The application: everything a request handler may need. Cloning is cheap.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

/// The parts of the application.
pub struct Inner {
    /// All objects, per API key.
    pub store: Store,
    /// Mock time.
    pub clock: Clock,
    /// Id source.
    pub ids: IdGenerator,
    /// Saved responses for `Idempotency-Key`.
    pub idempotency: IdempotencyCache,
    /// Start-up settings.
    pub settings: Settings,
    /// Test institutions and scenario files.
    pub fixtures: Fixtures,
    /// Seed for generated data (transactions): `--seed`, or random.
    pub seed: u64,
    /// Scenario and fault queues and the request log of the control API.
    pub control: crate::control::ControlState,
    /// The webhook delivery queue and log.
    pub webhooks: crate::webhooks::Webhooks,
    /// The return URLs sessions declared for the hosted auth page.
    pub auth_page: crate::auth_page::PageState,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

/// The API version fcmock speaks when a request names none: the version of the Financial
/// Connections part of the OpenAPI subset it is validated against.
pub const DEFAULT_STRIPE_VERSION: &str = "2026-07-29.dahlia";

impl App {
    /// An application configured by `config`, whose links point at `public_url`. Fails
    /// when the fixtures do not load, naming the file and field at fault.
    pub fn new(config: &Config, public_url: String) -> Result<Self, String> {
        let fixtures = match &config.fixtures {
            Some(dir) => Fixtures::load_dir(dir),
            None => Fixtures::builtin(),
        }
        .map_err(|e| e.to_string())?;
        let ids = IdGenerator::new(config.seed);
        let seed = config.seed.unwrap_or_else(|| ids.next_u64());
        let webhooks = crate::webhooks::from_config(config);
        Ok(App {
            inner: Arc::new(Inner {
                fixtures,
                seed,
                webhooks,
                auth_page: crate::auth_page::PageState::default(),
                control: crate::control::ControlState::default(),
                store: Store::default(),
                clock: Clock::new(config.freeze_clock),
                ids,
                idempotency: IdempotencyCache::new(IDEMPOTENCY_CAPACITY),
                settings: Settings {
                    only_api_key: config.api_key.clone(),
                    public_url,
                    default_stripe_version: DEFAULT_STRIPE_VERSION.to_string(),
                    refresh_delay_ms: config.refresh_delay,
                    control_api: !config.no_control_api,
                    control_token: config.control_token.clone(),
                },
            }),
        })
    }

    /// A new request id.
    pub fn new_request_id(&self) -> String {
        self.ids.next(IdKind::Request)
    }
}

impl Service for App {
    async fn call(&self, request: Request) -> Response {
        let started = Instant::now();
        let request_id = self.new_request_id();
        // The log line needs the method and path after the request is handed over; copy
        // them only when request logging is on.
        let line = tracing::enabled!(target: "fcmock::request", tracing::Level::INFO)
            .then(|| (request.method.clone(), request.path.clone()));
        let (response, key) = if request.path.starts_with("/_fcmock/") {
            (control::handle(self, &request).await, None)
        } else if let Some(page) = crate::auth_page::handle(self, &request).await {
            (page, None)
        } else {
            api::handle(self, request, &request_id).await
        };
        if let Some((method, path)) = line {
            log_request(
                &method,
                &path,
                &response,
                started,
                &request_id,
                key.as_deref(),
            );
        }
        response
    }

    fn body_limit(&self, method: &hyper::Method, path: &str, default: usize) -> usize {
        // A saved state holds every object; QA must be able to load what it exported.
        if method == hyper::Method::PUT && path == "/_fcmock/state" {
            default.max(STATE_IMPORT_LIMIT)
        } else {
            default
        }
    }

    fn body_error(&self, request: Request, too_large: bool) -> Response {
        let request_id = self.new_request_id();
        let error = if too_large {
            crate::stripe::error::ApiError::invalid_request(
                "The request body is too large. fcmock accepts bodies up to the size set by \
                 --max-body-bytes.",
            )
            .with_status(413)
        } else {
            crate::stripe::error::ApiError::invalid_request(
                "The request body could not be read: it ended before its declared length.",
            )
        };
        let response = api::error_response(
            self,
            &error,
            &request_id,
            Some(&self.settings.default_stripe_version),
        );
        log_request(
            &request.method,
            &request.path,
            &response,
            Instant::now(),
            &request_id,
            None,
        );
        response
    }
}

/// One log line per request: method, path, status, duration, request id and the masked key.
fn log_request(
    method: &hyper::Method,
    path: &str,
    response: &Response,
    started: Instant,
    request_id: &str,
    key: Option<&str>,
) {
    // Masking allocates; skip it (and the line) when request logging is filtered out.
    if !tracing::enabled!(target: "fcmock::request", tracing::Level::INFO) {
        return;
    }
    let key = key.map(crate::stripe::auth::mask);
    let micros = started.elapsed().as_micros() as u64;
    tracing::info!(
        target: "fcmock::request",
        method = %method,
        path,
        status = response.status.as_u16(),
        duration_us = micros,
        request_id,
        api_key = key.as_deref().unwrap_or("-"),
        "request"
    );
}
