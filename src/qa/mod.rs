//! What QA scripts and observes, kept apart from the handlers that expose it: the queue of
//! scripted session outcomes, the queue of injected faults and the request log. Stripe's API
//! front door reads the faults and writes the log, the engine plays the scenarios, and the
//! control API edits all three; so they sit below all of those, beside the store. The change
//! counter ([`changes`]) tells the dashboard's feed when any of it, or the store, moved.

pub mod changes;
pub mod faults;
pub mod request_log;
pub mod scenarios;

/// The queues and logs QA reads and writes through the control API.
#[derive(Default)]
pub struct ControlState {
    /// Scripted outcomes for upcoming sessions.
    pub scenarios: scenarios::ScenarioQueue,
    /// Injected faults for upcoming requests.
    pub faults: faults::FaultQueue,
    /// The last Stripe API requests.
    pub requests: request_log::RequestLog,
    /// The counter the dashboard's live feed waits on (shared with the webhook queue).
    pub changes: std::sync::Arc<changes::Changes>,
}
