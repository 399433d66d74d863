//! Scripted outcomes: QA queues what the next session(s) will do.
//!
//! A queued scenario is claimed by the next matching session when it is created (optionally
//! only for one API key, customer or Connect account) and stored on that session. With
//! `auto_complete` the session completes at once, so a backend test gets linked accounts
//! without a browser (as Stripe's CLI fixtures assume); otherwise the hosted page and the
//! SDK-shaped results play the scripted outcome instead of what a person clicks.

use crate::fixtures::ScenarioFixture;
use parking_lot::Mutex;
use serde::Serialize;

/// A scenario waiting in the queue.
#[derive(Debug, Clone, Serialize)]
pub struct Queued {
    /// Queue-unique id, for the listing.
    pub id: u64,
    /// How many more sessions it applies to.
    pub remaining: u32,
    /// The scenario.
    pub scenario: ScenarioFixture,
}

/// The queue, in the order scenarios were added.
#[derive(Default)]
pub struct ScenarioQueue {
    inner: Mutex<(u64, Vec<Queued>)>,
}

/// What a new session is: who created it and who holds it.
pub struct SessionOwner<'a> {
    /// The API key the session was created with.
    pub api_key: &'a str,
    /// The holder's customer id, if a customer.
    pub customer: Option<&'a str>,
    /// The holder's Connect account id, if an account.
    pub account: Option<&'a str>,
}

impl ScenarioQueue {
    /// Adds a scenario; returns its queue entry.
    pub fn push(&self, scenario: ScenarioFixture) -> Queued {
        let mut inner = self.inner.lock();
        inner.0 += 1;
        let queued = Queued {
            id: inner.0,
            remaining: scenario.count.max(1),
            scenario,
        };
        inner.1.push(queued.clone());
        queued
    }

    /// Takes one use of the first scenario that matches the session, if any.
    pub fn claim(&self, owner: &SessionOwner<'_>) -> Option<ScenarioFixture> {
        let mut inner = self.inner.lock();
        let queue = &mut inner.1;
        let index = queue.iter().position(|q| matches(&q.scenario, owner))?;
        queue[index].remaining -= 1;
        let scenario = queue[index].scenario.clone();
        if queue[index].remaining == 0 {
            queue.remove(index);
        }
        Some(scenario)
    }

    /// Puts back one use of a scenario a session claimed but could not play (its create was
    /// refused), at the front of the queue so it applies to the next session.
    pub fn give_back(&self, scenario: ScenarioFixture) {
        let mut inner = self.inner.lock();
        inner.0 += 1;
        let id = inner.0;
        inner.1.insert(
            0,
            Queued {
                id,
                remaining: 1,
                scenario: ScenarioFixture {
                    count: 1,
                    ..scenario
                },
            },
        );
    }

    /// The queue, oldest first.
    pub fn list(&self) -> Vec<Queued> {
        self.inner.lock().1.clone()
    }

    /// Empties the queue, or only the scenarios for one API key. Returns how many went.
    pub fn clear(&self, api_key: Option<&str>) -> usize {
        let mut inner = self.inner.lock();
        let before = inner.1.len();
        match api_key {
            Some(key) => inner
                .1
                .retain(|q| q.scenario.api_key.as_deref() != Some(key)),
            None => inner.1.clear(),
        }
        before - inner.1.len()
    }

    /// Replaces the queue (state import).
    pub fn restore(&self, scenarios: Vec<ScenarioFixture>) {
        let mut inner = self.inner.lock();
        inner.1.clear();
        for scenario in scenarios {
            inner.0 += 1;
            let id = inner.0;
            inner.1.push(Queued {
                id,
                remaining: scenario.count.max(1),
                scenario,
            });
        }
    }

    /// The queue as saved in a state export: each scenario with its remaining count.
    pub fn export(&self) -> Vec<ScenarioFixture> {
        self.inner
            .lock()
            .1
            .iter()
            .map(|q| ScenarioFixture {
                count: q.remaining,
                ..q.scenario.clone()
            })
            .collect()
    }
}

fn matches(scenario: &ScenarioFixture, owner: &SessionOwner<'_>) -> bool {
    let key_ok = scenario
        .api_key
        .as_deref()
        .is_none_or(|k| k == owner.api_key);
    let customer_ok = scenario
        .customer
        .as_deref()
        .is_none_or(|c| Some(c) == owner.customer);
    let account_ok = scenario
        .account
        .as_deref()
        .is_none_or(|a| Some(a) == owner.account);
    key_ok && customer_ok && account_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Outcome;

    fn scenario(count: u32, customer: Option<&str>) -> ScenarioFixture {
        ScenarioFixture {
            outcome: Outcome::Cancel,
            failure: None,
            institution: None,
            accounts: None,
            count,
            api_key: None,
            customer: customer.map(str::to_string),
            account: None,
            auto_complete: false,
        }
    }

    fn owner<'a>(customer: Option<&'a str>) -> SessionOwner<'a> {
        SessionOwner {
            api_key: "sk_test_a",
            customer,
            account: None,
        }
    }

    #[test]
    fn a_scenario_applies_to_count_sessions_then_leaves_the_queue() {
        let q = ScenarioQueue::default();
        q.push(scenario(2, None));
        assert!(q.claim(&owner(None)).is_some());
        assert!(q.claim(&owner(None)).is_some());
        assert!(q.claim(&owner(None)).is_none());
    }

    #[test]
    fn a_scenario_for_one_customer_skips_other_sessions() {
        let q = ScenarioQueue::default();
        q.push(scenario(1, Some("cus_1")));
        assert!(q.claim(&owner(Some("cus_2"))).is_none());
        assert!(q.claim(&owner(Some("cus_1"))).is_some());
    }
}
