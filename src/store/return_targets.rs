//! The return URLs each session's clients declared, by client secret. The hosted page
//! redirects only to one of these (named by index in its URL), so a link can never carry a
//! redirect target of its own. Global, not per key: the page knows only the client secret.

use parking_lot::Mutex;
use std::collections::HashMap;

/// Where the hosted page sends the user when the flow ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnTarget {
    /// The manifest's `success_url`.
    pub success_url: String,
    /// The manifest's `cancel_url`.
    pub cancel_url: String,
}

/// How many distinct return targets one session may declare (each synchronize with other
/// `mobile[…]` values adds one); more only replace the last.
const TARGETS_PER_SESSION: usize = 8;
/// How many sessions' targets are remembered before the oldest are forgotten wholesale (a
/// forgotten session's page falls back to fcmock's done pages).
const SESSIONS_REMEMBERED: usize = 100_000;

/// The return targets sessions declared through `synchronize`, by client secret. The hosted
/// URL names one by index (`&return=N`), so a link cannot carry a redirect target of its own.
#[derive(Default)]
pub struct ReturnTargets {
    returns: Mutex<HashMap<String, Vec<ReturnTarget>>>,
}

impl ReturnTargets {
    /// Records a target for a session and returns its index; `None` once the session has
    /// declared `TARGETS_PER_SESSION` (8) targets (a hosted URL already handed out must keep
    /// pointing where it did, so no target is ever replaced).
    pub fn declare(&self, client_secret: &str, target: ReturnTarget) -> Option<usize> {
        let mut all = self.returns.lock();
        if all.len() >= SESSIONS_REMEMBERED && !all.contains_key(client_secret) {
            all.clear();
        }
        let targets = all.entry(client_secret.to_string()).or_default();
        if let Some(i) = targets.iter().position(|t| *t == target) {
            return Some(i);
        }
        if targets.len() >= TARGETS_PER_SESSION {
            return None;
        }
        targets.push(target);
        Some(targets.len() - 1)
    }

    /// The target a session declared under `index`.
    pub fn target(&self, client_secret: &str, index: usize) -> Option<ReturnTarget> {
        self.returns
            .lock()
            .get(client_secret)
            .and_then(|t| t.get(index).cloned())
    }
}
