//! Events (`evt_…`): the record of every state change, delivered to webhook endpoints.

use super::object_tag;
use crate::model::HasId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

object_tag!(
    /// `"event"`
    EventTag = "event"
);

/// `data` of an event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventData {
    /// The object after the change, as the JSON text it was rendered to.
    pub object: Box<serde_json::value::RawValue>,
    /// The changed fields' previous values, on `*.updated`-style events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_attributes: Option<Value>,
}

/// `request` of an event: the API request that caused it (null id for automatic changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRequest {
    /// `req_…`, or `null` when no API request caused the change (a refresh settling).
    pub id: Option<String>,
    /// The request's idempotency key.
    pub idempotency_key: Option<String>,
}

/// An event, exactly as the API renders it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// `evt_…`
    pub id: String,
    /// Always `"event"`.
    pub object: EventTag,
    /// The API version the object was rendered with.
    pub api_version: String,
    /// When it happened.
    pub created: i64,
    /// The object.
    pub data: EventData,
    /// Always `false`.
    pub livemode: bool,
    /// How many webhook deliveries are still pending.
    pub pending_webhooks: u32,
    /// The causing request.
    pub request: EventRequest,
    /// `financial_connections.account.created`, …
    #[serde(rename = "type")]
    pub event_type: String,
}

impl HasId for Event {
    fn id(&self) -> &str {
        &self.id
    }
}
