//! What the control API shows of the state, one listing per route, and the dashboard's live
//! feed (`GET /_fcmock/changes`), which waits for the change counter and then answers every
//! listing at once. Keys are shown masked (`sk_test_****abcd`); only `GET /_fcmock/namespaces`
//! hands out the full key, for the `api_key` filters of the other routes.

use super::ControlResult;
use crate::app::App;
use crate::store::Namespace;
use crate::stripe::auth::mask;
use crate::stripe::error::ApiError;
use crate::stripe::params::ParamMap;
use crate::webhooks::masked_namespace;
use serde_json::{json, Value};
use std::time::Duration;

/// How long `GET /_fcmock/changes` waits by default, and at most.
const FEED_WAIT: Duration = Duration::from_secs(25);
const FEED_WAIT_MAX: Duration = Duration::from_secs(30);

/// How many requests and deliveries the feed shows by default.
const FEED_LIMIT: i64 = 50;

/// Calls `visit` with every namespace (a key's own and its connected accounts'), in key
/// order, whose API key is `wanted` (all when `None`).
fn each_namespace(app: &App, wanted: Option<&str>, mut visit: impl FnMut(&Namespace)) {
    for key in app.store.keys() {
        let root = key.split('#').next().unwrap_or_default();
        if wanted.is_some_and(|w| w != root) {
            continue;
        }
        if let Some(ns) = app.store.existing(&key) {
            visit(&ns.read());
        }
    }
}

/// `GET /_fcmock/sessions?api_key=`: every session with its outcome.
pub fn sessions(app: &App, query: &ParamMap) -> Value {
    let mut sessions = Vec::new();
    each_namespace(app, query.str("api_key"), |ns| {
        for s in ns.sessions.iter() {
            sessions.push(json!({
                "id": s.id,
                "api_key_namespace": masked_namespace(&ns.key),
                "created": s.created,
                "status": s.status,
                "failure": s.failure,
                "institution": s.institution,
                "accounts": s.accounts,
                "scripted": s.scripted,
                "account_holder": s.account_holder,
                "permissions": s.permissions,
                "return_url": s.return_url,
            }));
        }
    });
    json!({"data": sessions})
}

/// `GET /_fcmock/accounts?api_key=`: every linked account with its refresh states.
pub fn accounts(app: &App, query: &ParamMap) -> Value {
    let mut accounts = Vec::new();
    each_namespace(app, query.str("api_key"), |ns| {
        for linked in ns.fc_accounts.iter() {
            let a = &linked.account;
            accounts.push(json!({
                "id": a.id,
                "api_key_namespace": masked_namespace(&ns.key),
                "created": a.created,
                "account_holder": a.account_holder,
                "session": linked.link.session,
                "institution": linked.link.institution,
                "institution_name": a.institution_name,
                "display_name": a.display_name,
                "last4": a.last4,
                "subcategory": a.subcategory,
                "status": a.status,
                "balance_refresh": a.balance_refresh,
                "ownership_refresh": a.ownership_refresh,
                "transaction_refresh": a.transaction_refresh,
                "subscriptions": a.subscriptions,
            }));
        }
    });
    json!({"data": accounts})
}

/// `GET /_fcmock/refreshes?api_key=`: every refresh waiting to settle, soonest first.
pub fn refreshes(app: &App, query: &ParamMap) -> Value {
    let now_ms = crate::engine::wall_ms();
    let mut pending = Vec::new();
    each_namespace(app, query.str("api_key"), |ns| {
        for linked in ns.fc_accounts.iter() {
            for p in &linked.link.pending {
                pending.push(json!({
                    "account": linked.account.id,
                    "api_key_namespace": masked_namespace(&ns.key),
                    "feature": p.feature,
                    "settles_in_ms": p.settles_at_ms.saturating_sub(now_ms),
                }));
            }
        }
    });
    pending.sort_by_key(|p| p["settles_in_ms"].as_u64());
    json!({"data": pending})
}

/// `GET /_fcmock/namespaces`: every API key that has state, with what it holds.
pub fn namespaces(app: &App) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for key in app.store.keys() {
        let Some(ns) = app.store.existing(&key) else {
            continue;
        };
        let ns = ns.read();
        let (root, account) = match key.split_once('#') {
            Some((root, account)) => (root, Some(account)),
            None => (key.as_str(), None),
        };
        if out.last().is_none_or(|last| last["api_key"] != root) {
            out.push(json!({
                "api_key": root,
                "api_key_namespace": mask(root),
                "connected_accounts": [],
                "customers": 0, "sessions": 0, "accounts": 0, "events": 0, "webhook_endpoints": 0,
            }));
        }
        let Some(entry) = out.last_mut() else {
            continue;
        };
        if let (Some(account), Some(list)) = (account, entry["connected_accounts"].as_array_mut()) {
            list.push(json!(account));
        }
        for (field, n) in [
            ("customers", ns.customers.len()),
            ("sessions", ns.sessions.len()),
            ("accounts", ns.fc_accounts.len()),
            ("events", ns.events.len()),
            ("webhook_endpoints", ns.webhook_endpoints.len()),
        ] {
            entry[field] = json!(entry[field].as_u64().unwrap_or(0) + n as u64);
        }
    }
    json!({"data": out})
}

/// `GET /_fcmock/institutions`: the test institutions and their accounts, as completions
/// and scenarios name them.
pub fn institutions(app: &App) -> Value {
    let data: Vec<Value> = app
        .fixtures
        .institutions()
        .iter()
        .map(|i| {
            let accounts: Vec<Value> = i
                .accounts
                .iter()
                .map(|a| {
                    json!({
                        "key": a.key,
                        "display_name": a.display_name,
                        "subcategory": a.subcategory,
                        "last4": a.last4,
                        "preselected": a.preselected,
                        "status_after_link": a.status_after_link,
                    })
                })
                .collect();
            json!({"key": i.key, "name": i.name, "failure": i.failure, "accounts": accounts})
        })
        .collect();
    json!({"data": data})
}

/// `GET /_fcmock/requests/{id}`: one logged request with the response it got.
pub fn request(app: &App, request_id: &str) -> ControlResult {
    let detail = app
        .control
        .requests
        .find(request_id)
        .ok_or_else(|| ApiError::no_such_in_path("request", request_id))?;
    serde_json::to_value(detail).map_err(|e| ApiError::internal(e.to_string()))
}

/// `GET /_fcmock/requests?api_key=&path=&limit=`: the request log, newest last.
pub fn requests(app: &App, query: &ParamMap) -> Value {
    let limit = query.int("limit").map_or(100, |l| {
        l.clamp(1, crate::qa::request_log::CAPACITY as i64) as usize
    });
    json!({"data": app.control.requests.query(query.str("api_key"), query.str("path"), limit)})
}

/// `GET /_fcmock/changes?since=N&timeout_ms=&api_key=&limit=`: waits until the change
/// counter moves from `since` (at once without `since`, or with one from before a restart),
/// then answers the counter and a snapshot of everything the dashboard shows.
pub async fn changes(app: &App, query: &ParamMap) -> ControlResult {
    let wait = query
        .int("timeout_ms")
        .map_or(FEED_WAIT, |ms| Duration::from_millis(ms.max(0) as u64))
        .min(FEED_WAIT_MAX);
    let seq = match query.int("since") {
        Some(since) => {
            let since = u64::try_from(since).unwrap_or(0);
            app.control.changes.wait_past(since, wait).await
        }
        None => app.control.changes.current(),
    };
    let changed = query
        .int("since")
        .is_none_or(|since| seq != u64::try_from(since).unwrap_or(0));
    Ok(json!({"seq": seq, "changed": changed, "snapshot": snapshot(app, query)}))
}

/// The newest `limit` items of a listing's `data`, by `created`, oldest first.
fn newest(mut listing: Value, limit: i64) -> Value {
    let Some(items) = listing["data"].as_array_mut() else {
        return Value::Array(Vec::new());
    };
    items.sort_by_key(|item| item["created"].as_i64());
    let skip = items
        .len()
        .saturating_sub(usize::try_from(limit).unwrap_or(0));
    Value::Array(items.split_off(skip))
}

/// Every listing the dashboard shows, for one API key or all: the newest `limit` sessions,
/// accounts, requests and deliveries.
fn snapshot(app: &App, query: &ParamMap) -> Value {
    let limit = query.int("limit").unwrap_or(FEED_LIMIT).clamp(1, 1000);
    let mut recent = ParamMap::default();
    for (name, value) in query.iter().filter(|(k, _)| *k == "api_key") {
        recent.insert(name.to_string(), value.clone());
    }
    recent.insert(
        "limit".into(),
        crate::stripe::params::Param::Str(limit.to_string()),
    );
    let deliveries = app.webhooks.deliveries(query.str("api_key"), None);
    let skip = deliveries.len().saturating_sub(limit as usize);
    json!({
        "clock": super::clock_json(app),
        "namespaces": namespaces(app)["data"],
        "sessions": newest(sessions(app, query), limit),
        "accounts": newest(accounts(app, query), limit),
        "refreshes": refreshes(app, query)["data"],
        "scenarios": app.control.scenarios.list(),
        "faults": app.control.faults.list(),
        "requests": requests(app, &recent)["data"],
        "deliveries": deliveries[skip..],
        "webhooks": {
            "global": app.webhooks.global().map(|g| &g.url),
            "pending": app.webhooks.pending(query.str("api_key")),
        },
        "event_types": crate::resources::REGISTRY.event_types().collect::<Vec<_>>(),
    })
}
