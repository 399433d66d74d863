//! The request log: the last Stripe API requests, for QA to read back what happened.
//!
//! A bounded ring, newest last. Keys are stored in full only to filter by them; they are
//! shown masked (`sk_test_****abcd`), as everywhere fcmock prints a key. Parameters are kept
//! as the raw form bytes and decoded only when QA reads the log, off the request path.

use crate::stripe::auth::mask;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;

/// How many requests the log keeps.
pub const CAPACITY: usize = 1_000;

/// How much of each response body the log keeps (the rest is cut, and said to be), so the
/// log stays bounded at [`CAPACITY`] × this.
pub const RESPONSE_CAPACITY: usize = 64 * 1024;

/// One logged request.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    /// `req_…`
    pub request_id: String,
    /// HTTP method.
    pub method: String,
    /// Path (without query string).
    pub path: String,
    /// Decoded parameters (query for GET/DELETE, form body for POST), filled in when read.
    pub params: Value,
    /// Response status.
    pub status: u16,
    /// The API key (masked when read) whose namespace the request used.
    pub api_key_namespace: Option<String>,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// Mock time of the request.
    pub created: i64,
    /// Time spent answering, in microseconds.
    pub duration_us: u64,
    #[serde(skip)]
    full_key: Option<String>,
    #[serde(skip)]
    raw: bytes::Bytes,
    #[serde(skip)]
    response: bytes::Bytes,
    #[serde(skip)]
    response_cut: bool,
}

/// A logged request with the response it got, as `GET /_fcmock/requests/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestDetail {
    /// The log entry.
    #[serde(flatten)]
    pub request: LoggedRequest,
    /// The response body: JSON where it parses, text otherwise.
    pub response: Value,
    /// Whether the body was longer than [`RESPONSE_CAPACITY`] and cut.
    pub response_truncated: bool,
}

/// Decodes logged form bytes for display, masking client secrets: they are credentials
/// too, and the log keeps only their last characters.
fn decoded(raw: &[u8]) -> Value {
    let mut params = match crate::stripe::form::decode(raw) {
        Ok(params) => params.to_json(),
        Err(_) => Value::String(String::from_utf8_lossy(raw).into_owned()),
    };
    if let Some(secret) = params.get_mut("client_secret") {
        if let Some(s) = secret.as_str() {
            *secret = Value::String(mask(s));
        }
    }
    params
}

/// A response body as the log keeps it: shared when short, a cut copy when long (a slice
/// would keep the whole buffer alive).
fn bounded(body: bytes::Bytes) -> bytes::Bytes {
    if body.len() <= RESPONSE_CAPACITY {
        body
    } else {
        bytes::Bytes::copy_from_slice(&body[..RESPONSE_CAPACITY])
    }
}

/// The ring of logged requests.
#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
}

/// What the log records about one request.
pub struct Entry<'a> {
    /// `req_…`
    pub request_id: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Path (moved in: the request is answered).
    pub path: String,
    /// The raw form parameters (query string or body).
    pub raw: bytes::Bytes,
    /// Response status.
    pub status: u16,
    /// The full API key, if the request carried one.
    pub api_key: Option<&'a str>,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<&'a str>,
    /// Mock time.
    pub created: i64,
    /// Microseconds spent.
    pub duration_us: u64,
    /// The response body (kept up to [`RESPONSE_CAPACITY`]).
    pub response: bytes::Bytes,
}

impl RequestLog {
    /// Appends a request, dropping the oldest beyond [`CAPACITY`].
    pub fn record(&self, entry: Entry<'_>) {
        let logged = LoggedRequest {
            request_id: entry.request_id.to_string(),
            method: entry.method.to_string(),
            path: entry.path,
            params: Value::Null,
            raw: entry.raw,
            status: entry.status,
            api_key_namespace: None,
            idempotency_key: entry.idempotency_key.map(str::to_string),
            created: entry.created,
            duration_us: entry.duration_us,
            full_key: entry.api_key.map(str::to_string),
            response_cut: entry.response.len() > RESPONSE_CAPACITY,
            response: bounded(entry.response),
        };
        let mut entries = self.entries.lock();
        let evicted = if entries.len() >= CAPACITY {
            entries.pop_front()
        } else {
            None
        };
        entries.push_back(logged);
        drop(entries);
        // Freeing the oldest entry (cold memory, several allocations) happens after the
        // lock is released: other requests log meanwhile.
        drop(evicted);
    }

    /// The newest `limit` requests matching the filters, newest last.
    pub fn query(
        &self,
        api_key: Option<&str>,
        path_prefix: Option<&str>,
        limit: usize,
    ) -> Vec<LoggedRequest> {
        let entries = self.entries.lock();
        let mut found: Vec<LoggedRequest> = entries
            .iter()
            .rev()
            .filter(|e| api_key.is_none_or(|k| e.full_key.as_deref() == Some(k)))
            .filter(|e| path_prefix.is_none_or(|p| e.path.starts_with(p)))
            .take(limit)
            .cloned()
            .collect();
        drop(entries);
        found.reverse();
        for entry in &mut found {
            entry.params = decoded(&entry.raw);
            entry.api_key_namespace = entry.full_key.as_deref().map(mask);
        }
        found
    }

    /// One request by its `req_…` id, with its response.
    pub fn find(&self, request_id: &str) -> Option<RequestDetail> {
        let mut entry = self
            .entries
            .lock()
            .iter()
            .rev()
            .find(|e| e.request_id == request_id)
            .cloned()?;
        entry.params = decoded(&entry.raw);
        entry.api_key_namespace = entry.full_key.as_deref().map(mask);
        let response = serde_json::from_slice(&entry.response).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(&entry.response).into_owned())
        });
        Some(RequestDetail {
            response_truncated: entry.response_cut,
            response,
            request: entry,
        })
    }

    /// Forgets every request, or one key's.
    pub fn clear(&self, api_key: Option<&str>) {
        let mut entries = self.entries.lock();
        match api_key {
            Some(k) => entries.retain(|e| e.full_key.as_deref() != Some(k)),
            None => entries.clear(),
        }
    }
}
