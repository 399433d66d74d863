//! Events (`evt_…`): the record of every state change, delivered to webhook endpoints.

use super::object_tag;
use crate::model::HasId;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

object_tag!(
    /// `"event"`
    EventTag = "event"
);

/// `data.object` of an event: the object as it was when the event happened.
///
/// Either its JSON text, or a frozen copy of the object that is serialised the first time
/// the event is read (most events never are: making the text on every write cost more than
/// the copy). Both serialise to the same JSON.
#[derive(Clone)]
pub enum Snapshot {
    /// The object's JSON text.
    Text(Box<RawValue>),
    /// A copy of the object taken when the event happened, never changed after, and its
    /// text once made.
    Frozen {
        /// The object.
        object: Arc<dyn Frozen>,
        /// Its JSON text, made on first read.
        text: OnceLock<Box<RawValue>>,
    },
}

/// An object frozen in an event, serialised on read.
pub trait Frozen: Send + Sync {
    /// Its JSON text (`null` if it cannot be serialised).
    fn to_text(&self) -> Box<RawValue>;
}

impl<T: Serialize + Send + Sync> Frozen for T {
    fn to_text(&self) -> Box<RawValue> {
        serde_json::value::to_raw_value(self)
            .or_else(|_| RawValue::from_string("null".into()))
            .expect("`null` is valid JSON")
    }
}

impl Snapshot {
    /// A snapshot of `object`, which nobody changes afterwards.
    pub fn frozen<T: Serialize + Send + Sync + 'static>(object: Arc<T>) -> Self {
        Snapshot::Frozen {
            object,
            text: OnceLock::new(),
        }
    }

    /// The JSON text.
    pub fn raw(&self) -> &RawValue {
        match self {
            Snapshot::Text(raw) => raw,
            Snapshot::Frozen { object, text } => text.get_or_init(|| object.to_text()),
        }
    }

    /// The JSON text, as a string.
    pub fn get(&self) -> &str {
        self.raw().get()
    }
}

impl From<Box<RawValue>> for Snapshot {
    fn from(raw: Box<RawValue>) -> Self {
        Snapshot::Text(raw)
    }
}

impl Serialize for Snapshot {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Snapshot {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Snapshot::Text)
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.raw(), f)
    }
}

/// `data` of an event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventData {
    /// The object after the change.
    pub object: Snapshot,
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
    pub api_version: Cow<'static, str>,
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
    pub event_type: Cow<'static, str>,
}

impl HasId for Event {
    fn id(&self) -> &str {
        &self.id
    }
}
