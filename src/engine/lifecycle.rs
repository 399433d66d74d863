//! What a linked account's fixture does to it after linking, besides refreshes: tokenized
//! account numbers that are, or become, deactivated, and banks that will ask the user to
//! authenticate again (Stripe's "Tokenized Account Number" and "… Requires
//! Reauthentication" test banks, docs.stripe.com/financial-connections/testing).
//!
//! The changes are scheduled when the account links, one refresh delay ahead ("shortly
//! after" in Stripe's words), and applied with their events by
//! [`super::refresh::settle_namespace`] once due.

use super::{emit, wall_ms, Cause};
use crate::app::App;
use crate::fixtures::{AccountFixture, Reauthentication, TanBehaviour};
use crate::model::financial_connections::{FcAccount, LinkChange, LinkInfo, ScheduledChange};
use crate::store::Namespace;
use serde_json::{json, Value};

const DAY: i64 = 24 * 60 * 60;

/// `account_numbers` with one tokenized number (`bank_connections_resource_account_number_details`).
fn tokenized(status: &str, expected_expiry_date: Option<i64>) -> Value {
    json!([{
        "expected_expiry_date": expected_expiry_date,
        "identifier_type": "tokenized_account_number",
        "status": status,
        "supported_networks": ["ach"]
    }])
}

/// `status_details` of an active account the bank will deactivate: the user must relink
/// because the bank's access expires.
fn expected_deactivation(at: i64) -> Value {
    json!({"active": {
        "action": "relink_required",
        "cause": "access_expired",
        "expected_deactivation_date": at
    }})
}

/// Sets up a newly linked account as its fixture says: `account_numbers`,
/// `status_details`, and the changes to come.
pub fn on_link(app: &App, fixture: &AccountFixture, account: &mut FcAccount, link: &mut LinkInfo) {
    let now = account.created;
    let at_ms = wall_ms() + app.settings.refresh_delay_ms;
    let mut schedule = |change| link.scheduled.push(ScheduledChange { change, at_ms });
    if let Some(tan) = fixture.tokenized_account_number {
        let (status, expiry, change) = match tan {
            TanBehaviour::Expired => ("deactivated", None, None),
            TanBehaviour::ExpiresIn30Days => (
                "transactable",
                Some(now + 30 * DAY),
                Some(LinkChange::AccountNumberExpiryNotice),
            ),
            TanBehaviour::ExpiresImmediately => (
                "transactable",
                Some(now),
                Some(LinkChange::ExpireAccountNumbers),
            ),
        };
        account.account_numbers = Some(tokenized(status, expiry));
        if let Some(change) = change {
            schedule(change);
        }
    }
    if fixture.reauthentication == Some(Reauthentication::Eventually) {
        account.status_details = Some(expected_deactivation(now + 30 * DAY));
        schedule(LinkChange::DeactivationNotice);
    }
}

/// A relinked account of the Immediately Requires Reauthentication bank is expected to
/// deactivate again a day later ("after each subsequent reactivation, the account will have
/// an `expected_deactivation_date` 1 day in the future").
pub fn on_reactivate(fixture: &AccountFixture, account: &mut FcAccount, now: i64) {
    if fixture.reauthentication == Some(Reauthentication::Immediately) {
        account.status_details = Some(expected_deactivation(now + DAY));
    }
}

/// The scheduled changes of the account that are due by `now_ms` (all with `force`).
pub fn due(link: &LinkInfo, now_ms: u64, force: bool) -> Vec<LinkChange> {
    link.scheduled
        .iter()
        .filter(|s| force || s.at_ms <= now_ms)
        .map(|s| s.change)
        .collect()
}

/// Applies one due change to an account, with its event, and drops it from the schedule.
pub fn apply(app: &App, ns: &mut Namespace, account_id: &str, change: LinkChange, cause: &Cause) {
    let Some(linked) = ns.fc_accounts.get_mut(account_id) else {
        return;
    };
    linked.link.scheduled.retain(|s| s.change != change);
    let (event, previous) = match change {
        LinkChange::ExpireAccountNumbers => {
            let before = linked.account.account_numbers.clone();
            let expiry = before
                .as_ref()
                .and_then(|numbers| numbers[0]["expected_expiry_date"].as_i64());
            linked.account.account_numbers = Some(tokenized("deactivated", expiry));
            (
                "financial_connections.account.account_numbers_updated",
                Some(json!({ "account_numbers": before })),
            )
        }
        LinkChange::AccountNumberExpiryNotice => (
            "financial_connections.account.upcoming_account_number_expiry",
            None,
        ),
        LinkChange::DeactivationNotice => {
            ("financial_connections.account.upcoming_deactivation", None)
        }
    };
    let wire = super::snapshot(&linked.account);
    emit(app, ns, event, wire, previous, cause);
}
