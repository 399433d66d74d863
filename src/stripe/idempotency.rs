//! `Idempotency-Key`: replaying the first response to a POST.
//!
//! Stripe saves the status and body of the first request made with a key and returns them,
//! with `Idempotent-Replayed: true`, for every later request with the same key and the same
//! parameters. Other parameters get a 400 `idempotency_error`; a request that arrives while
//! the first is still running gets a 409 `idempotency_key_in_use`. A result is saved only
//! once the endpoint has started executing: a request refused by validation saves nothing
//! (Stripe docs, "Idempotent requests"). Keys expire after 24 hours of mock time, and the
//! cache is bounded so a long CI run cannot grow it without limit.

use super::error::{ApiError, ErrorType};
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};

/// How long a key is remembered, in mock seconds (Stripe: "at least 24 hours").
pub const TTL_SECONDS: i64 = 24 * 60 * 60;
/// Stripe's maximum key length.
pub const MAX_KEY_LEN: usize = 255;

/// A saved response.
#[derive(Debug, Clone)]
pub struct Saved {
    /// HTTP status.
    pub status: u16,
    /// Response body.
    pub body: Bytes,
    /// The request id of the original request (sent back as `Original-Request`).
    pub request_id: String,
}

enum State {
    InFlight,
    Done(Saved),
}

struct Entry {
    fingerprint: u64,
    created: i64,
    state: State,
}

type Slot = (String, String);

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Begin {
    /// First use: run the request, then call [`IdempotencyCache::finish`].
    Proceed,
    /// Seen before with the same parameters: send this instead.
    Replay(Saved),
}

/// The idempotency cache of every namespace.
pub struct IdempotencyCache {
    inner: Mutex<Inner>,
}

struct Inner {
    entries: HashMap<Slot, Entry>,
    /// Slots in the order they were first used, for expiry and eviction.
    order: VecDeque<(Slot, i64)>,
    capacity: usize,
}

impl IdempotencyCache {
    /// A cache holding at most `capacity` keys across all namespaces.
    pub fn new(capacity: usize) -> Self {
        IdempotencyCache {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                order: VecDeque::new(),
                capacity,
            }),
        }
    }

    /// Registers the start of a request with `key` in `namespace`.
    pub fn begin(
        &self,
        namespace: &str,
        key: &str,
        fingerprint: u64,
        now: i64,
    ) -> Result<Begin, ApiError> {
        if key.len() > MAX_KEY_LEN {
            return Err(ApiError::invalid_request(format!(
                "Invalid Idempotency-Key: it may be at most {MAX_KEY_LEN} characters long."
            )));
        }
        let slot = (namespace.to_string(), key.to_string());
        let mut inner = self.inner.lock();
        inner.expire(now);
        match inner.entries.get(&slot) {
            Some(entry) if entry.fingerprint != fingerprint => Err(ApiError::new(
                400,
                ErrorType::IdempotencyError,
                None,
                format!(
                    "Keys for idempotent requests can only be used with the same parameters they \
                     were first used with. Try using a key other than '{key}' if you meant to \
                     execute a different request."
                ),
            )),
            Some(Entry {
                state: State::InFlight,
                ..
            }) => Err(ApiError::new(
                409,
                ErrorType::InvalidRequestError,
                Some("idempotency_key_in_use"),
                format!(
                    "There is currently another in-progress request using this Idempotent Key \
                     (that probably means you submitted twice, and the other request is still \
                     going through): {key}. Please try again later."
                ),
            )),
            Some(Entry {
                state: State::Done(saved),
                ..
            }) => Ok(Begin::Replay(saved.clone())),
            None => {
                inner.entries.insert(
                    slot.clone(),
                    Entry {
                        fingerprint,
                        created: now,
                        state: State::InFlight,
                    },
                );
                inner.order.push_back((slot, now));
                inner.evict();
                Ok(Begin::Proceed)
            }
        }
    }

    /// Records the outcome of a request begun with [`IdempotencyCache::begin`]: `Some` saves
    /// it for replay, `None` forgets the key (the request never started executing).
    pub fn finish(&self, namespace: &str, key: &str, outcome: Option<Saved>) {
        let slot = (namespace.to_string(), key.to_string());
        let mut inner = self.inner.lock();
        match outcome {
            Some(saved) => {
                if let Some(entry) = inner.entries.get_mut(&slot) {
                    entry.state = State::Done(saved);
                }
            }
            None => {
                inner.entries.remove(&slot);
            }
        }
    }

    /// Forgets every key of one namespace (and its connected accounts'), or of all.
    pub fn clear(&self, namespace: Option<&str>) {
        let mut inner = self.inner.lock();
        match namespace {
            None => {
                inner.entries.clear();
                inner.order.clear();
            }
            // A key's connected accounts live in `key#acct_…` namespaces.
            Some(ns) => {
                let prefix = format!("{ns}#");
                inner
                    .entries
                    .retain(|(n, _), _| n != ns && !n.starts_with(&prefix));
            }
        }
    }
}

impl Inner {
    fn expire(&mut self, now: i64) {
        while let Some((slot, created)) = self.order.front() {
            let stale = match self.entries.get(slot) {
                // The entry was replaced or removed since this slot was queued.
                Some(entry) if entry.created != *created => true,
                None => true,
                Some(entry) => {
                    now - entry.created >= TTL_SECONDS && !matches!(entry.state, State::InFlight)
                }
            };
            if !stale {
                break;
            }
            let (slot, created) = self.order.pop_front().expect("front exists");
            if self
                .entries
                .get(&slot)
                .is_some_and(|e| e.created == created)
            {
                self.entries.remove(&slot);
            }
        }
    }

    fn evict(&mut self) {
        while self.entries.len() > self.capacity {
            let Some((slot, created)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&slot)
                .is_some_and(|e| e.created == created && matches!(e.state, State::Done(_)))
            {
                self.entries.remove(&slot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> Saved {
        Saved {
            status: 200,
            body: Bytes::from_static(b"{}"),
            request_id: "req_1".into(),
        }
    }

    #[test]
    fn the_same_key_and_parameters_replay() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(c.begin("ns", "k", 1, 0), Ok(Begin::Proceed)));
        c.finish("ns", "k", Some(saved()));
        assert!(matches!(c.begin("ns", "k", 1, 5), Ok(Begin::Replay(_))));
    }

    #[test]
    fn other_parameters_and_concurrent_use_are_refused() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(c.begin("ns", "k", 1, 0), Ok(Begin::Proceed)));
        assert_eq!(c.begin("ns", "k", 1, 0).err().map(|e| e.status), Some(409));
        c.finish("ns", "k", Some(saved()));
        assert_eq!(
            c.begin("ns", "k", 2, 0).err().map(|e| e.error_type),
            Some(ErrorType::IdempotencyError)
        );
    }

    #[test]
    fn keys_expire_after_a_day_and_are_per_namespace() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(c.begin("a", "k", 1, 0), Ok(Begin::Proceed)));
        c.finish("a", "k", Some(saved()));
        assert!(matches!(c.begin("b", "k", 2, 0), Ok(Begin::Proceed)));
        assert!(matches!(
            c.begin("a", "k", 3, TTL_SECONDS),
            Ok(Begin::Proceed)
        ));
    }

    #[test]
    fn a_request_that_never_started_frees_its_key() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(c.begin("ns", "k", 1, 0), Ok(Begin::Proceed)));
        c.finish("ns", "k", None);
        assert!(matches!(c.begin("ns", "k", 2, 0), Ok(Begin::Proceed)));
    }
}
