//! The change counter behind `GET /_fcmock/changes`: a number that rises whenever something
//! the dashboard shows may have changed (a request answered, a refresh settled, a webhook
//! attempted), and a way to wait for it to rise.
//!
//! It counts, it does not describe: a reader that sees the number move reads the state again.
//! Bumping is one atomic add and a wake-up, cheap enough for the request path.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// The change counter.
#[derive(Debug)]
pub struct Changes {
    seq: AtomicU64,
    closed: AtomicBool,
    notify: Notify,
    /// Open waits: with none (no dashboard open), a bump skips the wake-up and its lock.
    waiting: AtomicUsize,
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            // Starts at 1, so `since=0` always answers at once.
            seq: AtomicU64::new(1),
            closed: AtomicBool::new(false),
            notify: Notify::new(),
            waiting: AtomicUsize::new(0),
        }
    }
}

impl Changes {
    /// Records that something changed, and wakes every waiter.
    pub fn bump(&self) {
        self.seq.fetch_add(1, Ordering::SeqCst);
        // SeqCst on both sides: either a waiter registered before this load (and is woken),
        // or it reads the new counter after registering (and does not sleep).
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.notify.notify_waiters();
        }
    }

    /// The counter now.
    pub fn current(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// Waits until the counter differs from `since`, at most `timeout` (and not at all once
    /// the server is shutting down). It only rises, so a `since` ahead of it comes from
    /// before a restart, and is answered at once. Returns the counter.
    pub async fn wait_past(&self, since: u64, timeout: Duration) -> u64 {
        let deadline = tokio::time::Instant::now() + timeout;
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _registered = Registered(&self.waiting);
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = self.current();
            if now != since || self.closed.load(Ordering::SeqCst) {
                return now;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.current();
            }
        }
    }

    /// Ends every wait at once, now and later: the server is shutting down, and an open
    /// long-poll must not hold the graceful shutdown back.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }
}

/// Counts one open wait for as long as it lives (a dropped long-poll included).
struct Registered<'a>(&'a AtomicUsize);

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_ends_when_the_counter_moves_past_since() {
        let changes = std::sync::Arc::new(Changes::default());
        let since = changes.current();
        let waiter = {
            let changes = std::sync::Arc::clone(&changes);
            tokio::spawn(async move { changes.wait_past(since, Duration::from_secs(5)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        changes.bump();
        let seen = waiter.await.expect("the waiter finishes");
        assert_eq!(seen, since + 1);
    }

    #[tokio::test]
    async fn a_wait_times_out_with_the_counter_unchanged() {
        let changes = Changes::default();
        let since = changes.current();
        let seen = changes.wait_past(since, Duration::from_millis(10)).await;
        assert_eq!(seen, since);
    }

    #[tokio::test]
    async fn a_since_from_before_a_restart_is_answered_at_once() {
        let changes = Changes::default();
        let started = std::time::Instant::now();
        let seen = changes.wait_past(500, Duration::from_secs(30)).await;
        assert_eq!(seen, 1);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn closing_ends_waits_at_once() {
        let changes = Changes::default();
        changes.close();
        let started = std::time::Instant::now();
        changes
            .wait_past(changes.current(), Duration::from_secs(30))
            .await;
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
