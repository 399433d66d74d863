//! Webhook delivery: every event that matches an enabled endpoint (the namespace's own
//! `we_…` endpoints, and the global `--webhook` one) is POSTed to it, signed with
//! `Stripe-Signature`, retried with exponential back-off, and recorded in a bounded log.
//!
//! [`Webhooks::dispatch`] runs inside `engine::emit`, under the namespace lock, so it only
//! enqueues: it picks the endpoints, counts them into `pending_webhooks` and hands one job
//! per endpoint to that endpoint's *lane* (a tokio task fed by an unbounded channel). A lane
//! makes first attempts in event order, so a receiver sees events in the order they
//! happened; a failed delivery's retries run in their own task, so one failing event never
//! holds up the next. No lock is held across an `.await`.
//!
//! The control API (`/_fcmock/webhooks/…`, `crate::control::webhooks`) flushes the queue for tests and
//! shows the delivery log.

pub mod signature;

use crate::model::event::Event;
use crate::qa::changes::Changes;
use crate::store::{Namespace, Store};
use crate::stripe::auth::mask;
use crate::stripe::versions::{self, ApiVersion};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Method;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Notify};

/// How many deliveries the log keeps (oldest dropped first; pending ones still finish).
pub const LOG_CAPACITY: usize = 1_000;

/// How long one attempt may take. Stripe expects a 2xx "quickly" (docs, Webhooks) and times
/// out slow receivers; fcmock's tests need a short, predictable bound.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How long `POST /_fcmock/webhooks/flush` waits by default.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// Stripe's webhook `User-Agent`.
pub const USER_AGENT: &str = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

/// Delivery settings fixed at start-up.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Wait before the first retry; each later retry waits twice as long (capped at
    /// [`MAX_BACKOFF`]).
    pub retry_base: Duration,
    /// Attempts per delivery, the first one included.
    pub max_attempts: u32,
}

/// The `--webhook` endpoint: receives every namespace's events, of every type.
#[derive(Debug, Clone, Serialize)]
pub struct GlobalEndpoint {
    /// Where events are POSTed.
    pub url: String,
    /// The `whsec_…` signing secret.
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Attempts remain (or one is running).
    Pending,
    /// An attempt got a 2xx.
    Delivered,
    /// Every attempt failed.
    Failed,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Wall-clock Unix time of the attempt: the `t=` it was signed with.
    pub at: i64,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why the attempt failed without a status (connection refused, timeout, …).
    pub error: Option<String>,
    /// The `Stripe-Signature` header sent.
    pub stripe_signature: String,
    /// How long the attempt took.
    pub duration_ms: u64,
}

/// One event's delivery to one endpoint, as the delivery log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Sequence number, unique for the process.
    pub id: u64,
    /// `evt_…`
    pub event: String,
    /// The event's type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `we_…`, or `null` for the global `--webhook` endpoint.
    pub endpoint: Option<String>,
    /// Where it is sent.
    pub url: String,
    /// The (masked) API key whose namespace the event belongs to.
    pub api_key_namespace: String,
    /// Pending, delivered or failed.
    pub state: DeliveryState,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<Attempt>,
    #[serde(skip)]
    namespace: String,
}

/// Why a delivery cannot be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResendError {
    /// No delivery with that id is in the log.
    NoSuchDelivery,
    /// The endpoint it went to was deleted (or `--webhook` is not set).
    NoEndpoint,
    /// The event or its namespace is gone (reset), or no runtime can deliver.
    Gone,
}

/// What `POST /_fcmock/webhooks/flush` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FlushResult {
    /// Deliveries in the log (for the namespace asked about) that got a 2xx.
    pub delivered: usize,
    /// Deliveries whose every attempt failed.
    pub failed: usize,
    /// Deliveries still pending when the wait ended (0 unless it timed out).
    pub pending: usize,
}

/// A delivery handed to a lane.
struct Job {
    seq: u64,
    namespace: String,
    event: Arc<Event>,
    url: String,
    secret: String,
    /// The endpoint's `api_version`, if it has one: the event is rendered at it.
    version: Option<ApiVersion>,
}

/// Where one event goes: an endpoint of the namespace (or the global one) and the version
/// its events are rendered at (`None`: the event's own, the account default).
struct Target<'a> {
    endpoint: Option<&'a str>,
    url: &'a str,
    secret: &'a str,
    version: Option<ApiVersion>,
}

#[derive(Default)]
struct State {
    next_seq: u64,
    log: VecDeque<Delivery>,
    /// Unfinished deliveries per namespace (kept apart from the log, which may drop them).
    pending: HashMap<String, usize>,
    /// One sender per endpoint (`we_…`, or `""` for the global endpoint).
    lanes: HashMap<String, mpsc::UnboundedSender<Job>>,
}

struct Shared {
    settings: DeliverySettings,
    global: Option<GlobalEndpoint>,
    state: Mutex<State>,
    /// Signalled whenever a delivery reaches its final state.
    finished: Notify,
    /// Signalled when a flush asks retries to skip their back-off.
    wake: Notify,
    /// Flushes in progress that skip back-off waits.
    hurry: AtomicUsize,
    client: OnceLock<Client<HttpConnector, Full<Bytes>>>,
    /// Bumped on every attempt and final state, for the dashboard's live feed.
    changes: Arc<Changes>,
}

/// The delivery queue and log. Cloning is cheap.
#[derive(Clone)]
pub struct Webhooks {
    shared: Arc<Shared>,
}

impl Webhooks {
    /// A queue with these settings and, with `--webhook`, a global endpoint.
    pub fn new(
        settings: DeliverySettings,
        global: Option<GlobalEndpoint>,
        changes: Arc<Changes>,
    ) -> Self {
        Webhooks {
            shared: Arc::new(Shared {
                settings,
                global,
                state: Mutex::new(State::default()),
                finished: Notify::new(),
                wake: Notify::new(),
                hurry: AtomicUsize::new(0),
                client: OnceLock::new(),
                changes,
            }),
        }
    }

    /// Retry and timeout settings of deliveries.
    pub fn settings(&self) -> &DeliverySettings {
        &self.shared.settings
    }

    /// The `--webhook` endpoint, if one was given.
    pub fn global(&self) -> Option<&GlobalEndpoint> {
        self.shared.global.as_ref()
    }

    /// Picks the endpoints that want `event`, sets its `pending_webhooks`, and enqueues one
    /// delivery per endpoint. Cheap and non-blocking: it runs under the namespace lock.
    ///
    /// Outside a tokio runtime (engine unit tests) nothing can deliver, so nothing is queued.
    pub fn dispatch(&self, store: &Store, ns: &Namespace, event: &mut Event) {
        let targets = self.targets(ns, event);
        if targets.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!(event = %event.id, "no runtime: webhook deliveries skipped");
            return;
        };
        event.pending_webhooks = u32::try_from(targets.len()).unwrap_or(u32::MAX);
        let shared_event = Arc::new(event.clone());
        for target in targets {
            self.enqueue(&runtime, store, &ns.key, &shared_event, target);
        }
    }

    /// Logs one delivery as pending and hands it to its endpoint's lane (started on first
    /// use). Returns the delivery's id.
    fn enqueue(
        &self,
        runtime: &tokio::runtime::Handle,
        store: &Store,
        namespace: &str,
        event: &Arc<Event>,
        target: Target<'_>,
    ) -> u64 {
        let mut state = self.shared.state.lock();
        let seq = state.next_seq;
        state.next_seq += 1;
        state.log.push_back(Delivery {
            id: seq,
            event: event.id.clone(),
            event_type: event.event_type.to_string(),
            endpoint: target.endpoint.map(str::to_string),
            url: target.url.to_string(),
            api_key_namespace: masked_namespace(namespace),
            state: DeliveryState::Pending,
            attempts: Vec::new(),
            namespace: namespace.to_string(),
        });
        while state.log.len() > LOG_CAPACITY {
            state.log.pop_front();
        }
        *state.pending.entry(namespace.to_string()).or_default() += 1;
        let lane = target.endpoint.unwrap_or_default().to_string();
        let sender = state.lanes.entry(lane.clone()).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            runtime.spawn(run_lane(Arc::clone(&self.shared), store.clone(), rx));
            tx
        });
        let job = Job {
            seq,
            namespace: namespace.to_string(),
            event: Arc::clone(event),
            url: target.url.to_string(),
            secret: target.secret.to_string(),
            version: target.version,
        };
        if let Err(mpsc::error::SendError(job)) = sender.send(job) {
            // The lane's task is gone (its runtime shut down): the delivery cannot run.
            state.lanes.remove(&lane);
            drop(state);
            finish(&self.shared, store, &job, DeliveryState::Failed);
        }
        seq
    }

    /// Sends a logged delivery's event again to the same endpoint, as a new delivery (the
    /// dashboard's Resend; Stripe's Dashboard resends an event to one endpoint the same
    /// way). The event counts one more pending webhook until it arrives. Returns the new
    /// delivery.
    pub fn resend(&self, store: &Store, delivery: u64) -> Result<Delivery, ResendError> {
        let (namespace, event_id, endpoint) = {
            let mut state = self.shared.state.lock();
            let d = find(&mut state, delivery).ok_or(ResendError::NoSuchDelivery)?;
            (d.namespace.clone(), d.event.clone(), d.endpoint.clone())
        };
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ResendError::Gone)?;
        let shared_ns = store.existing(&namespace).ok_or(ResendError::Gone)?;
        let mut ns = shared_ns.write();
        let global = self.shared.global.as_ref();
        let target = match endpoint.as_deref() {
            Some(id) => ns.webhook_endpoints.get(id).map(|e| Target {
                endpoint: Some(e.id.as_str()),
                url: &e.url,
                secret: &e.secret,
                version: e.api_version.as_deref().and_then(ApiVersion::parse),
            }),
            None => global.map(|g| Target {
                endpoint: None,
                url: &g.url,
                secret: &g.secret,
                version: None,
            }),
        };
        let target = target.ok_or(ResendError::NoEndpoint)?;
        let event = ns.events.get(&event_id).ok_or(ResendError::Gone)?.clone();
        let seq = self.enqueue(&runtime, store, &namespace, &Arc::new(event), target);
        if let Some(event) = ns.events.get_mut(&event_id) {
            event.pending_webhooks = event.pending_webhooks.saturating_add(1);
        }
        drop(ns);
        let mut state = self.shared.state.lock();
        find(&mut state, seq).cloned().ok_or(ResendError::Gone)
    }

    /// The namespace's endpoints that want `event`, then the `--webhook` endpoint (which
    /// wants everything and speaks the account default).
    fn targets<'a>(&'a self, ns: &'a Namespace, event: &Event) -> Vec<Target<'a>> {
        let mut targets: Vec<Target<'_>> = ns
            .webhook_endpoints
            .iter()
            .filter(|e| e.wants(&event.event_type))
            .map(|e| Target {
                endpoint: Some(e.id.as_str()),
                url: &e.url,
                secret: &e.secret,
                version: e.api_version.as_deref().and_then(ApiVersion::parse),
            })
            .collect();
        if let Some(global) = &self.shared.global {
            targets.push(Target {
                endpoint: None,
                url: &global.url,
                secret: &global.secret,
                version: None,
            });
        }
        targets
    }

    /// Stops the lane of a deleted endpoint once its queued deliveries are done.
    pub fn close_lane(&self, endpoint: &str) {
        self.shared.state.lock().lanes.remove(endpoint);
    }

    /// Unfinished deliveries, for one API key's namespaces or for all.
    pub fn pending(&self, api_key: Option<&str>) -> usize {
        self.shared
            .state
            .lock()
            .pending
            .iter()
            .filter(|(ns, _)| api_key.is_none_or(|key| in_namespace(ns, key)))
            .map(|(_, n)| n)
            .sum()
    }

    /// Waits (at most `timeout`) until no delivery is pending for `api_key` (or at all),
    /// retries included; with `skip_backoff`, retries go at once instead of waiting.
    pub async fn flush(
        &self,
        api_key: Option<&str>,
        skip_backoff: bool,
        timeout: Duration,
    ) -> FlushResult {
        let _hurry = skip_backoff.then(|| Hurry::start(&self.shared));
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.finished.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.pending(api_key) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                break;
            }
        }
        let state = self.shared.state.lock();
        let mut result = FlushResult {
            delivered: 0,
            failed: 0,
            pending: 0,
        };
        for d in state
            .log
            .iter()
            .filter(|d| api_key.is_none_or(|key| in_namespace(&d.namespace, key)))
        {
            match d.state {
                DeliveryState::Delivered => result.delivered += 1,
                DeliveryState::Failed => result.failed += 1,
                DeliveryState::Pending => {}
            }
        }
        drop(state);
        result.pending = self.pending(api_key);
        result
    }

    /// The delivery log, oldest first, optionally for one API key or one event.
    pub fn deliveries(&self, api_key: Option<&str>, event: Option<&str>) -> Vec<Delivery> {
        self.shared
            .state
            .lock()
            .log
            .iter()
            .filter(|d| api_key.is_none_or(|key| in_namespace(&d.namespace, key)))
            .filter(|d| event.is_none_or(|e| d.event == e))
            .cloned()
            .collect()
    }
}

/// The queue `--webhook`, `--webhook-secret` and the retry flags ask for. Without
/// `--webhook-secret` the global endpoint gets a generated `whsec_…` (from `--seed` when
/// given, from its own generator so other ids do not shift), shown by `GET /_fcmock/webhooks`.
pub fn from_config(config: &crate::config::Config, changes: Arc<Changes>) -> Webhooks {
    let global = config.webhook.as_ref().map(|url| {
        let secret = config.webhook_secret.clone().unwrap_or_else(|| {
            crate::stripe::ids::IdGenerator::new(config.seed.map(|s| s ^ 0x0077_6873_6563))
                .next(crate::stripe::ids::IdKind::WebhookSecret)
        });
        // Secrets never go to the log in full; `GET /_fcmock/webhooks` shows this one.
        tracing::info!(
            url = %url,
            secret = %crate::stripe::auth::mask(&secret),
            "--webhook: every namespace's events go here (full secret: GET /_fcmock/webhooks)"
        );
        GlobalEndpoint {
            url: url.clone(),
            secret,
        }
    });
    Webhooks::new(
        DeliverySettings {
            retry_base: Duration::from_millis(config.webhook_retry_base_ms),
            max_attempts: config.webhook_max_attempts.max(1),
        },
        global,
        changes,
    )
}

/// A namespace's key as logs show it: the API key masked, a connected account's id kept.
pub fn masked_namespace(ns: &str) -> String {
    match ns.split_once('#') {
        Some((key, account)) => format!("{}#{account}", mask(key)),
        None => mask(ns),
    }
}

/// Whether namespace `ns` belongs to `key` (its own, or one of its connected accounts').
fn in_namespace(ns: &str, key: &str) -> bool {
    ns == key
        || ns
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with('#'))
}

/// Marks a flush that skips back-off, for as long as it lives (also when the flush's
/// future is dropped mid-wait).
struct Hurry<'a>(&'a Shared);

impl<'a> Hurry<'a> {
    fn start(shared: &'a Shared) -> Self {
        shared.hurry.fetch_add(1, Ordering::SeqCst);
        shared.wake.notify_waiters();
        Hurry(shared)
    }
}

impl Drop for Hurry<'_> {
    fn drop(&mut self) {
        self.0.hurry.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Delivers one endpoint's jobs in order: the first attempt here, retries in their own task.
async fn run_lane(shared: Arc<Shared>, store: Store, mut jobs: mpsc::UnboundedReceiver<Job>) {
    while let Some(job) = jobs.recv().await {
        let body = Bytes::from(payload(&job));
        if attempt(&shared, &job, &body, 1).await {
            finish(&shared, &store, &job, DeliveryState::Delivered);
            continue;
        }
        if shared.settings.max_attempts <= 1 {
            finish(&shared, &store, &job, DeliveryState::Failed);
            continue;
        }
        let shared = Arc::clone(&shared);
        let store = store.clone();
        tokio::spawn(async move {
            for n in 2..=shared.settings.max_attempts {
                back_off(&shared, n - 1).await;
                if attempt(&shared, &job, &body, n).await {
                    finish(&shared, &store, &job, DeliveryState::Delivered);
                    return;
                }
            }
            finish(&shared, &store, &job, DeliveryState::Failed);
        });
    }
}

/// The delivered JSON: the event as `GET /v1/events/{id}` renders it (pretty, in the shape
/// of the version it was created at), or, for an endpoint with its own `api_version`,
/// rendered at that version: "Events sent to this endpoint will be generated with this
/// Stripe Version instead of your account's default Stripe Version" (API reference, Create
/// a webhook endpoint). Rendered here, off the namespace lock.
fn payload(job: &Job) -> Vec<u8> {
    let Ok(mut value) = serde_json::to_value(&*job.event) else {
        return Vec::new();
    };
    if let (Some(version), Value::Object(map)) = (job.version, &mut value) {
        map.insert("api_version".into(), Value::String(version.to_string()));
    }
    let version = ApiVersion::parse(&job.event.api_version).unwrap_or(ApiVersion::LATEST);
    versions::downgrade(&mut value, version);
    serde_json::to_vec_pretty(&value).unwrap_or_default()
}

/// The wait before retry `retry` (1 for the first): base × 2^(retry-1), capped. Stripe
/// retries with exponential back-off too (over three days; docs, Webhooks, "Retry
/// behavior"); fcmock compresses the schedule to seconds.
pub fn backoff_delay(base: Duration, retry: u32) -> Duration {
    let factor = 1u32
        .checked_shl(retry.saturating_sub(1))
        .unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

async fn back_off(shared: &Shared, retry: u32) {
    let woken = shared.wake.notified();
    tokio::pin!(woken);
    woken.as_mut().enable();
    if shared.hurry.load(Ordering::SeqCst) > 0 {
        return;
    }
    let delay = backoff_delay(shared.settings.retry_base, retry);
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = woken => {}
    }
}

/// Wall-clock Unix seconds. Signatures use real time, not the mock clock: the libraries
/// refuse a `t` more than five minutes old, and tests often freeze the mock clock in 2023.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Makes one attempt, records it, and says whether the receiver answered 2xx.
async fn attempt(shared: &Shared, job: &Job, body: &Bytes, n: u32) -> bool {
    // Every attempt, retries included, is signed afresh with a new timestamp (Stripe docs,
    // "Verify webhook signatures manually").
    let at = unix_now();
    let stripe_signature = signature::header(&job.secret, at, body);
    let started = Instant::now();
    let outcome = tokio::time::timeout(
        ATTEMPT_TIMEOUT,
        send(shared, &job.url, &stripe_signature, body.clone()),
    )
    .await;
    let (status, error) = match outcome {
        Ok(Ok(status)) => (Some(status), None),
        Ok(Err(error)) => (None, Some(error)),
        Err(_) => (
            None,
            Some(format!(
                "timed out after {} s without an answer",
                ATTEMPT_TIMEOUT.as_secs()
            )),
        ),
    };
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    tracing::info!(
        target: "fcmock::webhook",
        event = %job.event.id,
        url = %job.url,
        attempt = n,
        status = status.unwrap_or(0),
        error = error.as_deref().unwrap_or(""),
        "webhook attempt"
    );
    let record = Attempt {
        attempt: n,
        at,
        status,
        error,
        stripe_signature,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    if let Some(d) = find(&mut shared.state.lock(), job.seq) {
        d.attempts.push(record);
    }
    shared.changes.bump();
    delivered
}

async fn send(shared: &Shared, url: &str, signature: &str, body: Bytes) -> Result<u16, String> {
    let client = shared
        .client
        .get_or_init(|| Client::builder(TokioExecutor::new()).build_http());
    let uri: hyper::Uri = url.parse().map_err(|e| format!("invalid URL {url}: {e}"))?;
    let request = hyper::Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json; charset=utf-8")
        .header("user-agent", USER_AGENT)
        .header("accept", "*/*; q=0.5, application/xml")
        .header("cache-control", "no-cache")
        .header("stripe-signature", signature)
        .body(Full::new(body))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let response = client.request(request).await.map_err(|e| {
        // The legacy client only speaks plain HTTP; say so instead of a bare "scheme" error.
        if url.starts_with("https://") {
            format!("fcmock delivers webhooks over plain http only ({e})")
        } else {
            format!(
                "{e}: {}",
                std::error::Error::source(&e)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )
        }
    })?;
    Ok(response.status().as_u16())
}

fn find(state: &mut State, seq: u64) -> Option<&mut Delivery> {
    // Sequence numbers rise by one per delivery, so the position is an offset from the front.
    let front = state.log.front()?.id;
    let index = usize::try_from(seq.checked_sub(front)?).ok()?;
    state.log.get_mut(index).filter(|d| d.id == seq)
}

/// Records a delivery's final state, and on success lowers the event's `pending_webhooks`.
///
/// Stripe counts in `pending_webhooks` the deliveries "that haven't been successfully
/// delivered" (API reference, Event object), so a delivery that failed for good stays
/// counted there, as it would in Stripe while retries continue.
fn finish(shared: &Shared, store: &Store, job: &Job, final_state: DeliveryState) {
    {
        let mut state = shared.state.lock();
        if let Some(d) = find(&mut state, job.seq) {
            d.state = final_state;
        }
        if let Some(n) = state.pending.get_mut(&job.namespace) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.pending.remove(&job.namespace);
            }
        }
    }
    if final_state == DeliveryState::Delivered {
        if let Some(ns) = store.existing(&job.namespace) {
            if let Some(event) = ns.write().events.get_mut(&job.event.id) {
                event.pending_webhooks = event.pending_webhooks.saturating_sub(1);
            }
        }
    }
    shared.finished.notify_waiters();
    shared.changes.bump();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_the_base_and_is_capped() {
        let base = Duration::from_secs(1);
        let waits: Vec<u64> = (1..=7).map(|r| backoff_delay(base, r).as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff_delay(base, 100), MAX_BACKOFF);
    }

    #[test]
    fn a_key_owns_its_connected_account_namespaces_only() {
        assert!(in_namespace("sk_test_a", "sk_test_a"));
        assert!(in_namespace("sk_test_a#acct_1", "sk_test_a"));
        assert!(!in_namespace("sk_test_ab", "sk_test_a"));
    }
}
