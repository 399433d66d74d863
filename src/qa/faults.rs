//! Injected faults: the next N Stripe API requests matching a method and path prefix (and
//! optionally an API key) answer a chosen error, or wait first.
//!
//! Which fault applies is decided under the lock; the delay is slept after the lock is
//! released, so a slow fault never holds up other requests.

use crate::stripe::error::{ApiError, ErrorType};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// A fault as QA posts it to `POST /_fcmock/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Only this HTTP method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only paths starting with this (e.g. `/v1/financial_connections/accounts`).
    #[serde(default = "root")]
    pub path_prefix: String,
    /// The status to answer; absent for a pure delay.
    #[serde(default)]
    pub status: Option<u16>,
    /// The error body; defaults per status (429 `rate_limit`, 500 `api_error`, …).
    #[serde(default)]
    pub error: Option<FaultError>,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
    /// Milliseconds to wait before answering.
    #[serde(default)]
    pub delay_ms: u64,
    /// Only requests with this API key.
    #[serde(default)]
    pub api_key: Option<String>,
    /// Sends `Stripe-Should-Retry: true|false`, which the official libraries obey.
    #[serde(default)]
    pub should_retry: Option<bool>,
}

fn root() -> String {
    "/".to_string()
}

fn one() -> u32 {
    1
}

/// The error a fault answers with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultError {
    /// `error.type`.
    #[serde(rename = "type", default)]
    pub error_type: Option<String>,
    /// `error.code`.
    #[serde(default)]
    pub code: Option<String>,
    /// `error.message`.
    #[serde(default)]
    pub message: Option<String>,
}

/// A queued fault with the uses it has left.
#[derive(Debug, Clone, Serialize)]
pub struct QueuedFault {
    /// Queue-unique id.
    pub id: u64,
    /// Uses left.
    pub remaining: u32,
    /// The fault.
    pub fault: FaultSpec,
}

/// What a request must do because of a fault.
#[derive(Debug, Clone)]
pub struct Injected {
    /// Wait this long first.
    pub delay_ms: u64,
    /// Then answer this error (none: carry on normally).
    pub error: Option<ApiError>,
}

/// The fault queue.
#[derive(Default)]
pub struct FaultQueue {
    inner: Mutex<(u64, Vec<QueuedFault>)>,
}

impl FaultQueue {
    /// Checks and queues a fault.
    pub fn push(&self, fault: FaultSpec) -> Result<QueuedFault, ApiError> {
        if let Some(status) = fault.status {
            if !(400..=599).contains(&status) {
                return Err(ApiError::invalid_request(
                    "`status` must be an HTTP error status (400-599).",
                )
                .with_param("status"));
            }
        }
        if fault.status.is_none() && fault.delay_ms == 0 {
            return Err(ApiError::invalid_request(
                "A fault needs a `status`, a `delay_ms`, or both.",
            )
            .with_param("status"));
        }
        if fault.delay_ms > 120_000 {
            return Err(
                ApiError::invalid_request("`delay_ms` may be at most 120000.")
                    .with_param("delay_ms"),
            );
        }
        if let Some(t) = fault.error.as_ref().and_then(|e| e.error_type.as_deref()) {
            parse_type(t)?;
        }
        let mut inner = self.inner.lock();
        inner.0 += 1;
        let queued = QueuedFault {
            id: inner.0,
            remaining: fault.count.max(1),
            fault,
        };
        inner.1.push(queued.clone());
        Ok(queued)
    }

    /// Takes one use of the first fault matching a request, deciding under the lock.
    pub fn take(&self, method: &str, path: &str, api_key: Option<&str>) -> Option<Injected> {
        let mut inner = self.inner.lock();
        let queue = &mut inner.1;
        let index = queue.iter().position(|q| {
            let f = &q.fault;
            f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.starts_with(&f.path_prefix)
                && f.api_key.as_deref().is_none_or(|k| Some(k) == api_key)
        })?;
        queue[index].remaining -= 1;
        let fault = queue[index].fault.clone();
        if queue[index].remaining == 0 {
            queue.remove(index);
        }
        Some(Injected {
            delay_ms: fault.delay_ms,
            error: fault
                .status
                .map(|s| error_for(s, fault.error.as_ref(), fault.should_retry)),
        })
    }

    /// The queue, oldest first.
    pub fn list(&self) -> Vec<QueuedFault> {
        self.inner.lock().1.clone()
    }

    /// Empties the queue, or only one API key's faults. Returns how many went.
    pub fn clear(&self, api_key: Option<&str>) -> usize {
        let mut inner = self.inner.lock();
        let before = inner.1.len();
        match api_key {
            Some(key) => inner.1.retain(|q| q.fault.api_key.as_deref() != Some(key)),
            None => inner.1.clear(),
        }
        before - inner.1.len()
    }
}

fn parse_type(t: &str) -> Result<ErrorType, ApiError> {
    match t {
        "api_error" => Ok(ErrorType::ApiError),
        "card_error" => Ok(ErrorType::CardError),
        "idempotency_error" => Ok(ErrorType::IdempotencyError),
        "invalid_request_error" => Ok(ErrorType::InvalidRequestError),
        _ => Err(ApiError::invalid_enum(
            "error[type]",
            &[
                "api_error",
                "card_error",
                "idempotency_error",
                "invalid_request_error",
            ],
        )),
    }
}

/// The error for a status: QA's overrides on top of Stripe's usual body for that status
/// (wording from real Stripe responses where known; docs/research/wire-format.md §1n).
fn error_for(status: u16, custom: Option<&FaultError>, should_retry: Option<bool>) -> ApiError {
    let (error_type, code, message): (ErrorType, Option<&str>, &str) = match status {
        429 => (ErrorType::InvalidRequestError, Some("rate_limit"), "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits."),
        402 => (ErrorType::CardError, Some("card_declined"), "Your card was declined."),
        401 => (ErrorType::InvalidRequestError, None, "Invalid API Key provided: sk_test_****"),
        403 => (ErrorType::InvalidRequestError, None, "The provided key does not have the required permissions for this endpoint."),
        404 => (ErrorType::InvalidRequestError, Some("resource_missing"), "No such object."),
        409 => (ErrorType::InvalidRequestError, Some("lock_timeout"), "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request."),
        s if s >= 500 => (ErrorType::ApiError, None, "An unknown error occurred"),
        _ => (ErrorType::InvalidRequestError, None, "Invalid request (injected by fcmock)."),
    };
    let error_type = custom
        .and_then(|c| c.error_type.as_deref())
        .and_then(|t| parse_type(t).ok())
        .unwrap_or(error_type);
    let code = custom
        .and_then(|c| c.code.clone())
        .or(code.map(str::to_string));
    let message = custom
        .and_then(|c| c.message.clone())
        .unwrap_or_else(|| message.to_string());
    let mut error = ApiError::new(status, error_type, code.as_deref(), message);
    error.should_retry = should_retry;
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).expect("valid fault json")
    }

    #[test]
    fn a_fault_hits_count_matching_requests_then_stops() {
        let q = FaultQueue::default();
        q.push(spec(
            r#"{"method":"POST","path_prefix":"/v1/customers","status":500,"count":2}"#,
        ))
        .expect("valid");
        assert!(q.take("GET", "/v1/customers", None).is_none());
        let hit = q.take("POST", "/v1/customers", None).expect("first");
        assert_eq!(hit.error.map(|e| e.error_type), Some(ErrorType::ApiError));
        assert!(q.take("POST", "/v1/customers/cus_1", None).is_some());
        assert!(q.take("POST", "/v1/customers", None).is_none());
    }

    #[test]
    fn a_rate_limit_fault_uses_stripes_code() {
        let q = FaultQueue::default();
        q.push(spec(r#"{"path_prefix":"/v1","status":429}"#))
            .expect("valid");
        let e = q
            .take("GET", "/v1/customers", None)
            .and_then(|i| i.error)
            .expect("error");
        assert_eq!((e.status, e.code.as_deref()), (429, Some("rate_limit")));
    }

    #[test]
    fn faults_for_one_key_skip_others() {
        let q = FaultQueue::default();
        q.push(spec(r#"{"status":500,"api_key":"sk_test_a"}"#))
            .expect("valid");
        assert!(q.take("GET", "/v1/customers", Some("sk_test_b")).is_none());
        assert!(q.take("GET", "/v1/customers", Some("sk_test_a")).is_some());
    }

    #[test]
    fn nonsense_faults_are_refused() {
        let q = FaultQueue::default();
        assert!(q.push(spec(r#"{"status":200}"#)).is_err());
        assert!(q.push(spec(r#"{}"#)).is_err());
        assert!(q
            .push(spec(r#"{"status":500,"error":{"type":"nope"}}"#))
            .is_err());
    }
}
