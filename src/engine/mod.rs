//! The Financial Connections engine: what happens when a session completes and when a
//! refresh runs. The hosted auth page, the control API and scripted scenarios all complete
//! sessions through [`complete_session`], so every path links accounts, fires events and
//! records failures the same way.
//!
//! The engine works on a locked [`Namespace`] and knows nothing of HTTP. It returns Stripe's
//! [`ApiError`](crate::stripe::error::ApiError) where the API would refuse the request.

pub mod lifecycle;
pub mod outcomes;
pub mod payments;
pub mod refresh;
pub mod session;

pub use refresh::{schedule_settle, settle_account, settle_all, settle_namespace, start_refresh};
pub use session::{complete_session, Completion};

use crate::app::App;
use crate::model::event::{Event, EventData, EventRequest, EventTag, Snapshot};
use crate::store::Namespace;
use crate::stripe::ids::IdKind;
use serde_json::value::RawValue;
use serde_json::Value;

/// Who caused a change, for the `request` hash of the events it fires.
#[derive(Debug, Clone, Default)]
pub struct Cause {
    /// The API request's id (`None` for changes fcmock makes on its own, like settling).
    pub request_id: Option<String>,
    /// The request's idempotency key.
    pub idempotency_key: Option<String>,
}

/// Wall-clock milliseconds. Pending refreshes settle in real time, so a frozen mock clock
/// (common in tests) cannot stop them.
pub fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The JSON of an object at this moment, for an event's `data.object`. Serialised once to
/// text: cheaper to make, keep (10,000 events a namespace) and drop than a `Value` tree.
pub fn snapshot(object: &impl serde::Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(object)
        .or_else(|_| RawValue::from_string("null".into()))
        .expect("`null` is valid JSON")
}

/// Records an event in the namespace.
pub fn emit(
    app: &App,
    ns: &mut Namespace,
    event_type: &'static str,
    object: impl Into<Snapshot>,
    previous: Option<Value>,
    cause: &Cause,
) {
    let event = prepare(app, event_type, object, previous, cause);
    // Dropped here, under the caller's lock; [`record`] lets a caller drop it after.
    let _evicted = record(app, ns, event);
}

/// An event made ready without the namespace: its id drawn, its fields filled. A caller
/// that holds nothing else may prepare it before taking the namespace's write lock, and
/// [`record`] it under the lock.
pub fn prepare(
    app: &App,
    event_type: &'static str,
    object: impl Into<Snapshot>,
    previous: Option<Value>,
    cause: &Cause,
) -> Box<Event> {
    // Boxed where it is made: the log keeps it boxed, so it is never moved by value again.
    Box::new(Event {
        id: app.ids.next(IdKind::Event),
        object: EventTag,
        api_version: app.settings.default_version.name(),
        created: app.clock.now(),
        data: EventData {
            object: object.into(),
            previous_attributes: previous,
        },
        livemode: false,
        pending_webhooks: 0,
        request: EventRequest {
            id: cause.request_id.clone(),
            idempotency_key: cause.idempotency_key.clone(),
        },
        event_type: event_type.into(),
    })
}

/// Stores a prepared event in the namespace and enqueues its webhook deliveries. Returns
/// the oldest event it evicted, for the caller to drop once the lock is released.
#[must_use = "the evicted event is returned to be dropped outside the lock"]
pub fn record(app: &App, ns: &mut Namespace, mut event: Box<Event>) -> Option<Box<Event>> {
    // Only enqueues (sets `pending_webhooks`); delivery happens off the namespace lock.
    app.webhooks.dispatch(&app.store, ns, &mut event);
    ns.events.push(event)
}
