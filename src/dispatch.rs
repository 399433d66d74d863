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
    if !tracing::enabled!(target: "fcmock::request", tracing::Level::INFO) {
        return;
    }
    // Masked on the stack: no allocation for a key of ordinary length.
    let mut stack = StackText::default();
    let shown = key.map(|key| stack.show(crate::stripe::auth::Masked(key)));
    let micros = started.elapsed().as_micros() as u64;
    let api_key = shown.as_deref().unwrap_or("-");
    let line = crate::log_sink::RequestLine {
        method: method.as_str(),
        path,
        status: response.status.as_u16(),
        duration_us: micros,
        request_id,
        api_key,
    };
    if crate::log_sink::write_request_line(&line) {
        return;
    }
    tracing::info!(
        target: "fcmock::request",
        method = %method,
        path,
        status = line.status,
        duration_us = line.duration_us,
        request_id,
        api_key,
        "request"
    );
}

/// A short text formatted without allocating; longer text falls back to a `String`.
struct StackText {
    bytes: [u8; 128],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            bytes: [0; 128],
            len: 0,
        }
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl StackText {
    /// `value` as text: borrowed from the stack when it fits.
    fn show(&mut self, value: impl std::fmt::Display) -> std::borrow::Cow<'_, str> {
        use std::fmt::Write;
        self.len = 0;
        if write!(self, "{value}").is_ok() {
            // Only whole `&str`s were copied in, so the bytes are UTF-8.
            if let Ok(text) = std::str::from_utf8(&self.bytes[..self.len]) {
                return std::borrow::Cow::Borrowed(text);
            }
        }
        std::borrow::Cow::Owned(value.to_string())
    }
}
