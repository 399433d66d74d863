//! The one place that picks a front door for a request: `/_fcmock/…` goes to the control
//! API, `/hosted/…` and the example backend to the auth page, everything else to Stripe's
//! API. It also writes the one log line per request, whichever door answered.

use crate::app::App;
use crate::http::{Request, Response, Service};
use crate::{api, auth_page, control};
use std::time::Instant;

/// The body limit of `PUT /_fcmock/state` (a state export can be far larger than any API
/// request).
const STATE_IMPORT_LIMIT: usize = 512 * 1024 * 1024;

impl Service for App {
    async fn call(&self, request: Request) -> Response {
        let started = Instant::now();
        let request_id = self.new_request_id();
        // The log line needs the method and path after the request is handed over; copy
        // them only when request logging is on.
        let line = tracing::enabled!(target: "fcmock::request", tracing::Level::INFO)
            .then(|| (request.method.clone(), request.path.clone()));
        // Anything but reading the control API may change what the dashboard shows.
        let changes = !(request.path.starts_with("/_fcmock/")
            && matches!(request.method, hyper::Method::GET | hyper::Method::HEAD));
        let (response, key) = if request.path.starts_with("/_fcmock/") {
            (control::handle(self, &request).await, None)
        } else if let Some(page) = auth_page::handle(self, &request).await {
            (page, None)
        } else {
            api::handle(self, request, &request_id).await
        };
        if changes {
            self.control.changes.bump();
        }
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
            Some(&self.settings.default_version.to_string()),
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
