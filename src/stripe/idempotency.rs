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
use crate::store::hash::HashMap;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::VecDeque;

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
    /// The path the key was first used on (Stripe words a mismatch differently).
    path: String,
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
                entries: HashMap::default(),
                order: VecDeque::new(),
                capacity,
            }),
        }
    }

    /// Registers the start of a request with `key` in `namespace`, made on `path` with
    /// parameters summarised by `fingerprint`.
    pub fn begin(
        &self,
        namespace: &str,
        key: &str,
        path: &str,
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
        if let Some(entry) = inner.entries.get(&slot) {
            return reuse(entry, key, path, fingerprint);
        }
        let entry = Entry {
            path: path.to_string(),
            fingerprint,
            created: now,
            state: State::InFlight,
        };
        inner.entries.insert(slot.clone(), entry);
        inner.order.push_back((slot, now));
        inner.evict();
        inner.compact();
        Ok(Begin::Proceed)
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

/// The answer to a key already in the cache: a replay of its saved result, or Stripe's
/// refusal when the request differs or the first one is still running.
fn reuse(entry: &Entry, key: &str, path: &str, fingerprint: u64) -> Result<Begin, ApiError> {
    match entry {
        // Wording from real Stripe responses (docs/research/wire-format.md §1l).
        entry if entry.path != path => Err(mismatch(format!(
            "Keys for idempotent requests can only be used for the same endpoint they were \
             first used for ('{}' vs '{path}'). Try using a key other than '{key}' if you \
             meant to execute a different request.",
            entry.path
        ))),
        entry if entry.fingerprint != fingerprint => Err(mismatch(format!(
            "Keys for idempotent requests can only be used with the same parameters they \
             were first used with. Try using a key other than '{key}' if you meant to \
             execute a different request."
        ))),
        Entry {
            state: State::InFlight,
            ..
        } => Err(ApiError::new(
            409,
            ErrorType::InvalidRequestError,
            Some("idempotency_key_in_use"),
            format!(
                "There is currently another in-progress request using this Idempotent Key \
                 (that probably means you submitted twice, and the other request is still \
                 going through): {key}. Please try again later."
            ),
        )),
        Entry {
            state: State::Done(saved),
            ..
        } => Ok(Begin::Replay(saved.clone())),
    }
}

fn mismatch(message: String) -> ApiError {
    ApiError::new(400, ErrorType::IdempotencyError, None, message)
}

impl Inner {
    /// Drops queue slots whose entry is gone (a refused request frees its key), once they
    /// outnumber the live entries, so the queue stays proportional to the cache.
    fn compact(&mut self) {
        if self.order.len() <= 2 * self.entries.len() + 1024 {
            return;
        }
        let entries = &self.entries;
        self.order
            .retain(|(slot, created)| entries.get(slot).is_some_and(|e| e.created == *created));
    }

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
        // Only finished entries are evicted; a request still running keeps its key (its slot
        // goes back to the end of the queue). Bounded by one pass over the queue.
        let mut budget = self.order.len();
        while self.entries.len() > self.capacity && budget > 0 {
            budget -= 1;
            let Some((slot, created)) = self.order.pop_front() else {
                break;
            };
            match self.entries.get(&slot) {
                Some(e) if e.created == created && matches!(e.state, State::InFlight) => {
                    self.order.push_back((slot, created));
                }
                Some(e) if e.created == created => {
                    self.entries.remove(&slot);
                }
                _ => {}
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
        assert!(matches!(
            c.begin("ns", "k", "/v1/x", 1, 0),
            Ok(Begin::Proceed)
        ));
        c.finish("ns", "k", Some(saved()));
        assert!(matches!(
            c.begin("ns", "k", "/v1/x", 1, 5),
            Ok(Begin::Replay(_))
        ));
    }

    #[test]
    fn other_parameters_and_concurrent_use_are_refused() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(
            c.begin("ns", "k", "/v1/x", 1, 0),
            Ok(Begin::Proceed)
        ));
        assert_eq!(
            c.begin("ns", "k", "/v1/x", 1, 0).err().map(|e| e.status),
            Some(409)
        );
        c.finish("ns", "k", Some(saved()));
        assert_eq!(
            c.begin("ns", "k", "/v1/x", 2, 0)
                .err()
                .map(|e| e.error_type),
            Some(ErrorType::IdempotencyError)
        );
    }

    #[test]
    fn keys_expire_after_a_day_and_are_per_namespace() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(
            c.begin("a", "k", "/v1/x", 1, 0),
            Ok(Begin::Proceed)
        ));
        c.finish("a", "k", Some(saved()));
        assert!(matches!(
            c.begin("b", "k", "/v1/x", 2, 0),
            Ok(Begin::Proceed)
        ));
        assert!(matches!(
            c.begin("a", "k", "/v1/x", 3, TTL_SECONDS),
            Ok(Begin::Proceed)
        ));
    }

    #[test]
    fn a_key_reused_on_another_endpoint_names_both_paths() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(
            c.begin("ns", "k", "/v1/customers", 1, 0),
            Ok(Begin::Proceed)
        ));
        c.finish("ns", "k", Some(saved()));
        let e = c
            .begin("ns", "k", "/v1/accounts", 1, 0)
            .expect_err("other endpoint");
        assert!(
            e.message.contains("('/v1/customers' vs '/v1/accounts')"),
            "{}",
            e.message
        );
    }

    #[test]
    fn refused_requests_do_not_grow_the_queue_without_bound() {
        let c = IdempotencyCache::new(10);
        for i in 0..10_000 {
            let key = format!("k{i}");
            assert!(matches!(
                c.begin("ns", &key, "/v1/x", 1, 0),
                Ok(Begin::Proceed)
            ));
            c.finish("ns", &key, None);
        }
        assert!(c.inner.lock().order.len() <= 1024 + 2);
    }

    #[test]
    fn a_request_that_never_started_frees_its_key() {
        let c = IdempotencyCache::new(10);
        assert!(matches!(
            c.begin("ns", "k", "/v1/x", 1, 0),
            Ok(Begin::Proceed)
        ));
        c.finish("ns", "k", None);
        assert!(matches!(
            c.begin("ns", "k", "/v1/x", 2, 0),
            Ok(Begin::Proceed)
        ));
    }
}
