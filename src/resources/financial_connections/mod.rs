//! Financial Connections resources: sessions, accounts (with owners), transactions.

pub mod accounts;
pub mod client_side;
pub mod sessions;
pub mod transactions;

use crate::model::financial_connections::Ownership;
use crate::store::table::Cursor;
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::list::List;
use serde_json::{json, Value};

/// `resource_missing` for a Financial Connections id in the path: "No such financial
/// connections account: 'fca_…'", the one wording every FC path (and the engine) uses.
pub fn no_such(object: &str, id: &str) -> ApiError {
    ApiError::no_such_in_path(&format!("financial connections {object}"), id)
}

/// `account_holder[customer_account]` names an Accounts v2 account (Stripe's preview of
/// customers as accounts), which fcmock does not emulate: refused by name, so a backend
/// written for it learns why rather than getting a misleading `parameter_missing`.
pub fn no_accounts_v2(param: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "fcmock does not emulate Accounts v2, so `{param}` is not supported: use \
         account_holder[type]=customer with account_holder[customer]=cus_…, or \
         account_holder[type]=account with account_holder[account]=acct_…."
    ))
    .with_param(param)
}

/// An ownership as `expand[]=ownership` renders it: the snapshot and its first owners.
pub fn ownership_wire(ns: &Namespace, ownership: &Ownership) -> Value {
    let empty = Default::default();
    let index = ns
        .index
        .owners_by_ownership
        .get(&ownership.id)
        .unwrap_or(&empty);
    let owners = ns
        .owners
        .page_in(index, Cursor::Start, 10, |_| true)
        .map(|page| {
            List::from_page(
                page,
                format!(
                    "/v1/financial_connections/accounts/{}/owners?ownership={}",
                    ownership.account, ownership.id
                ),
            )
        })
        .ok();
    json!({
        "id": ownership.id,
        "object": "financial_connections.account_ownership",
        "created": ownership.created,
        "owners": owners,
    })
}
