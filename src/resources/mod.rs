//! One module per Stripe resource. Each declares its parameters, and has short handlers:
//! validate parameters, read or change the store, render.

pub mod accounts;
pub mod customers;
pub mod events;
pub mod financial_connections;
pub mod payment_methods;
pub mod tokens;
pub mod webhook_endpoints;

use crate::store::Namespace;
use serde_json::Value;

/// Renders the object with this id, found by its prefix, for `expand[]`.
pub fn lookup(ns: &Namespace, id: &str) -> Option<Value> {
    // Ids are `<prefix>_<alphanumerics>`; split at the last `_` so that
    // `fcsess_client_secret_…` is not mistaken for a session id.
    let prefix = id.rsplit_once('_').map(|(p, _)| p).unwrap_or_default();
    match prefix {
        "cus" => match ns.customers.get(id) {
            Some(c) => serde_json::to_value(c).ok(),
            None => ns
                .deleted_customers
                .get(id)
                .and_then(|c| serde_json::to_value(c).ok()),
        },
        "acct" => ns.accounts.get(id).map(|a| a.to_wire()),
        "fca" => ns
            .fc_accounts
            .get(id)
            .and_then(|l| serde_json::to_value(&l.account).ok()),
        "fcaowns" => ns
            .ownerships
            .get(id)
            .map(|o| financial_connections::ownership_wire(ns, o)),
        "fcsess" => ns
            .sessions
            .get(id)
            .map(|s| financial_connections::sessions::session_wire(ns, s)),
        "fctxn" => ns
            .transactions
            .get(id)
            .and_then(|t| serde_json::to_value(t).ok()),
        "btok" => ns.tokens.get(id).and_then(|t| serde_json::to_value(t).ok()),
        "pm" => ns
            .payment_methods
            .get(id)
            .and_then(|p| serde_json::to_value(p).ok()),
        _ => None,
    }
}
