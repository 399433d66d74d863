//! Writing an answer of Stripe's API: the error envelope and Stripe's headers.

use crate::app::App;
use crate::http::Response;
use crate::stripe::error::ApiError;
use hyper::header::HeaderName;

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
