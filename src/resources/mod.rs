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

/// Whether Stripe allows expanding `field` on objects of type `object`: the
/// `x-expandableFields` of its OpenAPI spec (`stripe-openapi/spec-subset.json`). Types not
/// listed allow any field that holds an id.
pub fn expandable(object: &str, field: &str) -> bool {
    let fields: &[&str] = match object {
        "customer" => &[
            "address",
            "cash_balance",
            "default_source",
            "discount",
            "invoice_settings",
            "shipping",
            "sources",
            "subscriptions",
            "tax",
            "tax_ids",
            "test_clock",
        ],
        "account" => &[
            "business_profile",
            "capabilities",
            "company",
            "controller",
            "external_accounts",
            "future_requirements",
            "individual",
            "requirements",
            "settings",
            "tos_acceptance",
        ],
        "financial_connections.session" => &[
            "account_holder",
            "accounts",
            "bank_account_token",
            "filters",
            "limits",
            "manual_entry",
        ],
        "financial_connections.account" => &[
            "account_holder",
            "account_numbers",
            "balance",
            "balance_refresh",
            "ownership",
            "ownership_refresh",
            "status_details",
            "transaction_refresh",
        ],
        "financial_connections.account_ownership" => &["owners"],
        "financial_connections.account_owner" => &[],
        "financial_connections.transaction" => &["status_transitions"],
        "payment_method" => &["billing_details", "customer", "us_bank_account"],
        "token" => &["bank_account", "card"],
        "bank_account" => &["account", "customer", "future_requirements", "requirements"],
        _ => return true,
    };
    fields.contains(&field)
}
