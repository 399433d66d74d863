//! Refreshes: starting them (`pending`), and settling them (`succeeded` or `failed`, with
//! new data and a `refreshed_*` event) after `--refresh-delay` or on demand.
//!
//! Stripe documents every refresh as asynchronous; a refresh asked for while one is pending
//! or before `next_refresh_available_at` "won't be initiated" (Stripe docs, Balances /
//! Ownership / Transactions). fcmock answers those with the account unchanged.

use super::{emit, lifecycle, wall_ms, Cause};
use crate::app::App;
use crate::fixtures::{transactions, AccountFixture, RefreshOutcome, TransactionProfile};
use crate::model::fc_enums::{
    AccountStatus, RefreshFeature, RefreshStatus, SubscriptionFeature, TransactionStatus,
};
use crate::model::financial_connections::{
    Balance, LinkChange, LinkedAccount, Owner, OwnerTag, Ownership, PendingRefresh, Refresh,
    StatusTransitions, Transaction, TransactionTag,
};
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::ids::IdKind;
use serde_json::json;

/// Seconds between the end of a refresh and the next one allowed. Stripe's docs show
/// `next_refresh_available_at` one second after `last_attempted_at`; real cooldowns are
/// not documented.
pub const COOLDOWN_SECONDS: i64 = 1;

/// How far back the first transaction refresh reaches (Stripe: "up to 180 days").
pub const HISTORY_SECONDS: i64 = 180 * 24 * 60 * 60;

/// Refreshing and subscribing need an `active` account; the error otherwise.
pub fn require_active(status: AccountStatus) -> Result<(), ApiError> {
    let message = match status {
        AccountStatus::Active => return Ok(()),
        AccountStatus::Inactive => {
            "Data cannot be refreshed on inactive Financial Connections accounts."
        }
        AccountStatus::Disconnected => {
            "Data cannot be refreshed on disconnected Financial Connections accounts. To access \
             data again, the user must link the account through a new session."
        }
    };
    Err(ApiError::invalid_request(message).with_code("financial_connections_account_inactive"))
}

/// Starts refreshes of `features` on an account. Features already pending or cooling down
/// are left alone, as Stripe does. Checks every feature before changing anything.
pub fn start_refresh(
    app: &App,
    ns: &mut Namespace,
    account_id: &str,
    features: &[RefreshFeature],
    cause: &Cause,
) -> Result<(), ApiError> {
    let linked = ns
        .fc_accounts
        .get_mut(account_id)
        .ok_or_else(|| ApiError::no_such_in_path("financial connections account", account_id))?;
    require_active(linked.account.status)?;
    let granted = linked.account.permissions.as_deref().unwrap_or_default();
    for feature in features {
        let permission = feature.permission();
        if !granted.contains(&permission) {
            return Err(ApiError::invalid_request(format!(
                "The account {account_id} does not have the `{permission}` permission, which a \
                 `{feature}` refresh needs. Request the permission in a new Financial \
                 Connections session."
            ))
            .with_param("features"));
        }
    }
    let now = app.clock.now();
    let settles_at_ms = wall_ms() + app.settings.refresh_delay_ms;
    let mut started = false;
    for &feature in features {
        let slot = linked.account.refresh_mut(feature);
        let busy = slot.as_ref().is_some_and(|r| {
            r.status == RefreshStatus::Pending
                || r.next_refresh_available_at.is_some_and(|next| now < next)
        });
        if busy {
            continue;
        }
        // Only transaction refreshes are objects with ids (`transaction_refresh[after]`).
        let id = (feature == RefreshFeature::Transactions)
            .then(|| app.ids.next(IdKind::TransactionRefresh));
        *slot = Some(Refresh {
            id,
            last_attempted_at: now,
            next_refresh_available_at: None,
            status: RefreshStatus::Pending,
        });
        linked.link.pending.push(PendingRefresh {
            feature,
            settles_at_ms,
        });
        started = true;
    }
    let _ = cause;
    if started {
        schedule_settle(app, app.settings.refresh_delay_ms);
    }
    Ok(())
}

/// Settles, after `delay_ms`, every refresh that is due by then (in every namespace).
/// Does nothing outside a tokio runtime (unit tests settle explicitly).
pub fn schedule_settle(app: &App, delay_ms: u64) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let app = app.clone();
    runtime.spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        for key in app.store.keys() {
            if let Some(ns) = app.store.existing(&key) {
                settle_namespace(&app, &mut ns.write(), false);
            }
        }
        app.control.changes.bump();
    });
}

/// Starts the daily transaction refresh of every subscribed, active account whose last
/// attempt is a day old in mock time (Stripe refreshes subscriptions "once a day").
pub fn run_subscriptions(app: &App) {
    const DAY: i64 = 24 * 60 * 60;
    let now = app.clock.now();
    for key in app.store.keys() {
        let Some(ns) = app.store.existing(&key) else {
            continue;
        };
        let mut ns = ns.write();
        let due: Vec<String> = ns
            .fc_accounts
            .iter()
            .filter(|l| l.account.status == AccountStatus::Active)
            .filter(|l| {
                l.account
                    .subscriptions
                    .as_ref()
                    .is_some_and(|s| s.contains(&SubscriptionFeature::Transactions))
            })
            .filter(|l| {
                l.account.transaction_refresh.as_ref().is_none_or(|r| {
                    r.status != RefreshStatus::Pending && now - r.last_attempted_at >= DAY
                })
            })
            .map(|l| l.account.id.clone())
            .collect();
        for id in due {
            // Checked above: active, and transactions were subscribed, so permitted.
            let _ = start_refresh(
                app,
                &mut ns,
                &id,
                &[RefreshFeature::Transactions],
                &Cause::default(),
            );
        }
    }
}

/// Settles every pending refresh in every namespace now. Returns how many settled.
pub fn settle_all(app: &App) -> usize {
    let mut settled = 0;
    for key in app.store.keys() {
        if let Some(ns) = app.store.existing(&key) {
            settled += settle_namespace(app, &mut ns.write(), true);
        }
    }
    settled
}

/// Settles the due (or, with `force`, all) refreshes, deactivations and scheduled changes
/// ([`super::lifecycle`]) of one namespace.
pub fn settle_namespace(app: &App, ns: &mut Namespace, force: bool) -> usize {
    settle(app, ns, force, None)
}

/// Settles one account's pending refreshes and deactivation now, leaving the namespace's
/// other accounts to their own schedule. Returns how many refreshes settled.
pub fn settle_account(app: &App, ns: &mut Namespace, account_id: &str) -> usize {
    settle(app, ns, true, Some(account_id))
}

fn settle(app: &App, ns: &mut Namespace, force: bool, only: Option<&str>) -> usize {
    let now_ms = wall_ms();
    let due = |at: u64| force || at <= now_ms;
    let mut work: Vec<(String, Vec<RefreshFeature>, bool, Vec<LinkChange>)> = Vec::new();
    let wanted = ns
        .fc_accounts
        .iter()
        .filter(|l| only.is_none_or(|id| l.account.id == id));
    for linked in wanted {
        let features: Vec<RefreshFeature> = linked
            .link
            .pending
            .iter()
            .filter(|p| due(p.settles_at_ms))
            .map(|p| p.feature)
            .collect();
        let deactivate = linked.link.deactivates_at_ms.is_some_and(due);
        let changes = lifecycle::due(&linked.link, now_ms, force);
        if !features.is_empty() || deactivate || !changes.is_empty() {
            work.push((linked.account.id.clone(), features, deactivate, changes));
        }
    }
    let mut settled = 0;
    let cause = Cause::default();
    for (account_id, features, deactivate, changes) in work {
        for feature in features {
            settle_feature(app, ns, &account_id, feature, &cause);
            settled += 1;
        }
        if deactivate {
            deactivate_account(app, ns, &account_id, &cause);
        }
        for change in changes {
            lifecycle::apply(app, ns, &account_id, change, &cause);
        }
    }
    settled
}

/// Ends an account's pending refreshes as `failed` (with their `refreshed_*` events), for
/// an account that stops being refreshable mid-refresh (disconnected).
pub fn fail_pending(app: &App, ns: &mut Namespace, account_id: &str, cause: &Cause) {
    let now = app.clock.now();
    let Some(linked) = ns.fc_accounts.get_mut(account_id) else {
        return;
    };
    let features: Vec<RefreshFeature> = linked.link.pending.drain(..).map(|p| p.feature).collect();
    for &feature in &features {
        let slot = linked.account.refresh_mut(feature);
        if let Some(refresh) = slot.as_mut().filter(|r| r.status == RefreshStatus::Pending) {
            refresh.status = RefreshStatus::Failed;
            refresh.next_refresh_available_at = Some(now + COOLDOWN_SECONDS);
        }
    }
    for feature in features {
        let Some(linked) = ns.fc_accounts.get(account_id) else {
            return;
        };
        let wire = crate::engine::snapshot(&linked.account);
        emit(app, ns, refreshed_event(feature), wire, None, cause);
    }
}

/// The event a settled refresh of `feature` fires, whether it succeeded or failed.
fn refreshed_event(feature: RefreshFeature) -> &'static str {
    match feature {
        RefreshFeature::Balance => "financial_connections.account.refreshed_balance",
        RefreshFeature::Ownership => "financial_connections.account.refreshed_ownership",
        RefreshFeature::Transactions => "financial_connections.account.refreshed_transactions",
    }
}

fn fixture_of<'a>(app: &'a App, linked: &LinkedAccount) -> Option<&'a AccountFixture> {
    app.fixtures
        .institution(&linked.link.institution)?
        .account(&linked.link.fixture_account)
}

fn settle_feature(
    app: &App,
    ns: &mut Namespace,
    account_id: &str,
    feature: RefreshFeature,
    cause: &Cause,
) {
    let now = app.clock.now();
    let Some(linked) = ns.fc_accounts.get(account_id).cloned() else {
        return;
    };
    let fixture = fixture_of(app, &linked).cloned();
    let outcome = fixture
        .as_ref()
        .map(|f| f.refresh.outcome(feature))
        .unwrap_or_default();
    match outcome {
        RefreshOutcome::Succeeded => fetch(app, ns, account_id, fixture.as_ref(), feature, now),
        RefreshOutcome::Failed => {}
    }
    let Some(linked) = ns.fc_accounts.get_mut(account_id) else {
        return;
    };
    linked.link.pending.retain(|p| p.feature != feature);
    if let Some(refresh) = linked.account.refresh_mut(feature) {
        refresh.status = outcome.status();
        refresh.next_refresh_available_at = Some(now + COOLDOWN_SECONDS);
    }
    let wire = crate::engine::snapshot(&linked.account);
    let event = refreshed_event(feature);
    // Stripe fires `refreshed_*` on failure as well as success (docs, Balances).
    emit(app, ns, event, wire, None, cause);
}

/// A successful refresh: the bank's data for `feature` replaces what the account showed.
fn fetch(
    app: &App,
    ns: &mut Namespace,
    account_id: &str,
    fixture: Option<&AccountFixture>,
    feature: RefreshFeature,
    now: i64,
) {
    match feature {
        RefreshFeature::Balance => refresh_balance(ns, account_id, fixture, now),
        RefreshFeature::Ownership => refresh_ownership(app, ns, account_id, fixture, now),
        RefreshFeature::Transactions => refresh_transactions(app, ns, account_id, fixture, now),
    }
}

/// The fixture's balance, as of now. An account without a fixture (a hand-edited state)
/// keeps the balance it had.
fn refresh_balance(
    ns: &mut Namespace,
    account_id: &str,
    fixture: Option<&AccountFixture>,
    now: i64,
) {
    let Some(f) = fixture else {
        return;
    };
    let balance: Option<Balance> = serde_json::from_value(f.balance.to_wire(now)).ok();
    if let Some(acct) = ns.fc_accounts.get_mut(account_id) {
        acct.account.balance = balance;
    }
}

fn refresh_ownership(
    app: &App,
    ns: &mut Namespace,
    account_id: &str,
    fixture: Option<&AccountFixture>,
    now: i64,
) {
    let ownership = Ownership {
        id: app.ids.next(IdKind::Ownership),
        created: now,
        account: account_id.to_string(),
    };
    for owner in fixture.map(|f| f.owners.as_slice()).unwrap_or_default() {
        ns.insert_owner(Owner {
            id: app.ids.next(IdKind::Owner),
            object: OwnerTag,
            email: owner.email.clone(),
            name: owner.name.clone(),
            ownership: ownership.id.clone(),
            phone: owner.phone.clone(),
            raw_address: owner.raw_address.clone(),
            refreshed_at: Some(now),
        });
    }
    if let Some(linked) = ns.fc_accounts.get_mut(account_id) {
        linked.account.ownership = Some(ownership.id.clone());
    }
    ns.ownerships.insert(ownership.id.clone(), now, ownership);
}

/// One successful transaction refresh of one account: the refresh that fetches, and the
/// mock-time span of history it covers (from where the last one stopped, or 180 days back).
struct Fetch<'a> {
    account: &'a str,
    refresh: String,
    from: i64,
    now: i64,
}

/// A successful transaction refresh: what was pending posts or voids, the history since the
/// last refresh is generated, and the account remembers how far it got.
fn refresh_transactions(
    app: &App,
    ns: &mut Namespace,
    account_id: &str,
    fixture: Option<&AccountFixture>,
    now: i64,
) {
    let Some(linked) = ns.fc_accounts.get(account_id) else {
        return;
    };
    let Some(refresh) = linked
        .account
        .transaction_refresh
        .as_ref()
        .and_then(|r| r.id.clone())
    else {
        return;
    };
    let from = linked
        .link
        .transactions_until
        .unwrap_or(now - HISTORY_SECONDS);
    let still_pending = linked.link.pending_transactions.clone();
    let fetch = Fetch {
        account: account_id,
        refresh,
        from,
        now,
    };
    settle_pending_transactions(app.seed, ns, &still_pending, &fetch);
    let new_pending = match fixture {
        Some(f) => insert_new_transactions(app, ns, f.transaction_profile, &fetch),
        None => Vec::new(),
    };
    if let Some(linked) = ns.fc_accounts.get_mut(account_id) {
        linked.link.transactions_until = Some(now);
        linked.link.transaction_refreshes.push(fetch.refresh);
        linked.link.transactions_fetched = true;
        linked.link.pending_transactions = new_pending;
    }
}

/// Transactions that were pending post or void in place, carrying the new refresh id (why
/// `transaction_refresh[after]` returns them again).
fn settle_pending_transactions(seed: u64, ns: &mut Namespace, pending: &[String], fetch: &Fetch) {
    for txn_id in pending {
        let Some(txn) = ns.transactions.get_mut(txn_id) else {
            continue;
        };
        match transactions::settle_pending(seed, txn_id) {
            transactions::PendingOutcome::Post => {
                txn.status = TransactionStatus::Posted;
                txn.status_transitions.posted_at = Some(fetch.now);
            }
            transactions::PendingOutcome::Void => {
                txn.status = TransactionStatus::Void;
                txn.status_transitions.void_at = Some(fetch.now);
            }
        }
        txn.transaction_refresh = fetch.refresh.clone();
        txn.updated = fetch.now;
    }
}

/// Stores the account's generated history for the refresh's span; the most recent
/// transactions arrive `pending`. Returns the ids of those, for the next refresh to settle.
fn insert_new_transactions(
    app: &App,
    ns: &mut Namespace,
    profile: TransactionProfile,
    fetch: &Fetch,
) -> Vec<String> {
    let mut new_pending = Vec::new();
    for generated in transactions::generate(app.seed, fetch.account, profile, fetch.from, fetch.now)
    {
        let pending = transactions::is_recent(generated.transacted_at, fetch.now);
        let txn = Transaction {
            id: app.ids.next(IdKind::Transaction),
            object: TransactionTag,
            account: fetch.account.to_string(),
            amount: generated.amount,
            currency: generated.currency,
            description: generated.description,
            livemode: false,
            status: if pending {
                TransactionStatus::Pending
            } else {
                TransactionStatus::Posted
            },
            status_transitions: StatusTransitions {
                posted_at: (!pending).then_some(generated.transacted_at),
                void_at: None,
            },
            transacted_at: generated.transacted_at,
            transaction_refresh: fetch.refresh.clone(),
            updated: fetch.now,
        };
        if pending {
            new_pending.push(txn.id.clone());
        }
        ns.insert_transaction(txn);
    }
    new_pending
}

fn deactivate_account(app: &App, ns: &mut Namespace, account_id: &str, cause: &Cause) {
    let Some(linked) = ns.fc_accounts.get_mut(account_id) else {
        return;
    };
    linked.link.deactivates_at_ms = None;
    if linked.account.status != AccountStatus::Active {
        return;
    }
    linked.account.status = AccountStatus::Inactive;
    // `status_details.active` describes an active account only.
    linked.account.status_details = None;
    let wire = crate::engine::snapshot(&linked.account);
    emit(
        app,
        ns,
        "financial_connections.account.deactivated",
        wire,
        Some(json!({"status": AccountStatus::Active})),
        cause,
    );
}
