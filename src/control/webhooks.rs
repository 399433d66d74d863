//! The webhook routes of the control API: the delivery settings, waiting for pending
//! deliveries, the delivery log, and resending a delivery.

use super::{parse_body, ControlResult};
use crate::app::App;
use crate::stripe::error::ApiError;
use crate::stripe::params::ParamMap;
use crate::webhooks::{ResendError, ATTEMPT_TIMEOUT, FLUSH_TIMEOUT};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// `GET /_fcmock/webhooks`: the global endpoint, the retry settings, pending deliveries.
pub fn settings(app: &App) -> ControlResult {
    let webhooks = &app.webhooks;
    let settings = webhooks.settings();
    Ok(json!({
        "global": webhooks.global(),
        "retry_base_ms": settings.retry_base.as_millis() as u64,
        "max_attempts": settings.max_attempts,
        "attempt_timeout_ms": ATTEMPT_TIMEOUT.as_millis() as u64,
        "pending": webhooks.pending(None),
    }))
}

/// The body of `POST /_fcmock/webhooks/flush`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlushBody {
    /// Wait only for this key's deliveries (and count only them).
    #[serde(default)]
    api_key: Option<String>,
    /// Retry at once instead of waiting for the back-off.
    #[serde(default)]
    skip_backoff: bool,
    /// How long to wait at most (default 30 s).
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// `POST /_fcmock/webhooks/flush`: waits until no delivery is pending →
/// `{"delivered", "failed", "pending"}`.
pub async fn flush(app: &App, body: &[u8]) -> ControlResult {
    let body: FlushBody = parse_body(body)?;
    let timeout = body
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(FLUSH_TIMEOUT);
    let result = app
        .webhooks
        .flush(body.api_key.as_deref(), body.skip_backoff, timeout)
        .await;
    serde_json::to_value(result).map_err(|e| ApiError::internal(e.to_string()))
}

/// `GET /_fcmock/webhooks/deliveries?api_key=&event=`: the delivery log, oldest first.
pub fn deliveries(app: &App, query: &ParamMap) -> ControlResult {
    let log = app
        .webhooks
        .deliveries(query.str("api_key"), query.str("event"));
    serde_json::to_value(log).map_err(|e| ApiError::internal(e.to_string()))
}

/// `POST /_fcmock/webhooks/deliveries/{id}/resend`: the delivery's event, sent again to the
/// same endpoint as a new delivery → that delivery.
pub fn resend(app: &App, id: &str) -> ControlResult {
    let missing = || ApiError::no_such_in_path("webhook delivery", id);
    let seq: u64 = id.parse().map_err(|_| missing())?;
    let delivery = app.webhooks.resend(&app.store, seq).map_err(|e| match e {
        ResendError::NoSuchDelivery => missing(),
        ResendError::NoEndpoint => {
            ApiError::invalid_request("The endpoint this delivery went to no longer exists.")
        }
        ResendError::Gone => ApiError::invalid_request(
            "The event of this delivery is gone (its namespace was reset).",
        ),
    })?;
    serde_json::to_value(delivery).map_err(|e| ApiError::internal(e.to_string()))
}
