//! Writing an answer of Stripe's API: the error envelope and Stripe's headers.

use crate::app::App;
use crate::http::Response;
use crate::stripe::error::ApiError;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};

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

/// The headers Stripe sends on every API response, the same on each: built once.
static CONSTANT: std::sync::LazyLock<HeaderMap> = std::sync::LazyLock::new(|| {
    const HEADERS: [(&str, &str); 7] = [
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
    let mut map = HeaderMap::with_capacity(HEADERS.len() + 3);
    for (name, value) in HEADERS {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    // Places for the three every answer brings (its content type, request id and version):
    // the server's copy of this map then takes them in place instead of growing (a copy has
    // no spare room). Every response given this map sets all three; a name the response
    // sets replaces the map's value.
    for name in [hyper::header::CONTENT_TYPE, REQUEST_ID, STRIPE_VERSION] {
        map.insert(name, HeaderValue::from_static(""));
    }
    map
});

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const STRIPE_VERSION: HeaderName = HeaderName::from_static("stripe-version");

/// Adds the headers Stripe sends on every API response: the constant ones shared, the
/// request id and version of this one.
pub fn with_stripe_headers(mut response: Response, request_id: &str, version: &str) -> Response {
    response.shared = Some(&CONSTANT);
    response
        .with_header(REQUEST_ID, request_id)
        .with_header(STRIPE_VERSION, version)
}
