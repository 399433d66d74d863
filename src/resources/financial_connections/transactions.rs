//! Transactions: `GET /v1/financial_connections/transactions` (by account, with
//! `transacted_at` ranges and `transaction_refresh[after]`) and `GET …/transactions/{id}`.
//!
//! Transactions are indexed per account in `transacted_at` order, so a page — including a
//! `transacted_at` window — costs O(page) however many the account holds.

use super::no_such;
use crate::engine;
use crate::model::financial_connections::{LinkInfo, LinkedAccount};
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::store::table::{Bounded, KeySet, SortKey};
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind, Param};
use std::collections::HashMap;
use std::ops::Bound;

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("account", Kind::String).required(),
    Field::new("transacted_at", Kind::Range),
    Field::new(
        "transaction_refresh",
        Kind::Object(&[Field::new("after", Kind::String).required()]),
    ),
];

/// Transactions of linked accounts with the `transactions` permission.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret(
            "GET",
            "/v1/financial_connections/transactions",
            Handler::Collection(list),
        ),
        Route::secret(
            "GET",
            "/v1/financial_connections/transactions/{transaction}",
            Handler::Member(retrieve),
        ),
    ],
    objects: &[ObjectKind {
        object: "financial_connections.transaction",
        prefix: Some("fctxn"),
        expandable: &["status_transitions"],
        lookup: Some(|ns, id| {
            ns.transactions
                .get(id)
                .and_then(|t| serde_json::to_value(t).ok())
        }),
    }],
    events: &[],
};

/// `GET /v1/financial_connections/transactions`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let account = p.str("account").unwrap_or_default().to_string();
    let (lower, upper) = bounds(p.get("transacted_at"));
    let after = p
        .map("transaction_refresh")
        .and_then(|t| t.str("after"))
        .map(str::to_string);
    engine::settle_namespace(ctx.app, &mut ctx.ns.write(), false);
    let list = {
        let ns = ctx.ns.read();
        let linked = fetched_account(&ns, &account)?;
        // `transaction_refresh[after]`: transactions created or updated by a later refresh
        // (non-inclusive), by the order refreshes happened in.
        let order = refresh_order(&linked.link);
        let after_pos = after
            .as_deref()
            .map(|id| refresh_position(&order, id))
            .transpose()?;
        let empty = KeySet::new();
        let keys = ns
            .index
            .transactions_by_account
            .get(&account)
            .unwrap_or(&empty);
        let window = Bounded { keys, lower, upper };
        let found = ns
            .transactions
            .page_in(&window, page.cursor(), page.limit, |t| {
                after_pos.is_none_or(|a| {
                    order
                        .get(t.transaction_refresh.as_str())
                        .is_some_and(|pos| *pos > a)
                })
            })
            .map_err(page.cursor_error("financial connections transaction"))?;
        List::from_page(found, "/v1/financial_connections/transactions")
    };
    ctx.render(&list)
}

/// Stripe has no transactions to list until a refresh has fetched some, and says so with
/// its own error code rather than an empty list, so clients know to refresh first.
fn fetched_account<'a>(ns: &'a Namespace, account: &str) -> Result<&'a LinkedAccount, ApiError> {
    let linked = ns.fc_accounts.get(account).ok_or_else(|| {
        ApiError::no_such_in_param("financial connections account", account, "account")
    })?;
    if !linked.link.transactions_fetched {
        return Err(ApiError::invalid_request(
            "Transaction data can only be retrieved for accounts that have at least one successful transaction refresh.",
        )
        .with_code("financial_connections_no_successful_transaction_refresh")
        .with_param("account"));
    }
    Ok(linked)
}

/// Refresh ids are opaque, so "later" means later in the account's list of refreshes; the
/// map answers that for each transaction of the page in constant time.
fn refresh_order(link: &LinkInfo) -> HashMap<&str, usize> {
    link.transaction_refreshes
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect()
}

/// A refresh of another account is as unknown here as one that never existed: `after`
/// must name one of this account's refreshes.
fn refresh_position(order: &HashMap<&str, usize>, id: &str) -> Result<usize, ApiError> {
    order.get(id).copied().ok_or_else(|| {
        ApiError::no_such_in_param(
            "financial connections transaction refresh",
            id,
            "transaction_refresh[after]",
        )
    })
}

/// `GET /v1/financial_connections/transactions/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let txn = ctx
        .ns
        .read()
        .transactions
        .get(id)
        .cloned()
        .ok_or_else(|| no_such("transaction", id))?;
    ctx.render(&txn)
}

/// Sort-key bounds for a `transacted_at` value or range (keys are `(transacted_at, seq)`).
fn bounds(range: Option<&Param>) -> (Bound<SortKey>, Bound<SortKey>) {
    let mut lower = Bound::Unbounded;
    let mut upper = Bound::Unbounded;
    match range {
        Some(Param::Str(s)) => {
            if let Ok(t) = s.parse::<i64>() {
                lower = Bound::Included((t, 0));
                upper = Bound::Included((t, u64::MAX));
            }
        }
        Some(Param::Map(m)) => {
            if let Some(t) = m.int("gte") {
                lower = Bound::Included((t, 0));
            }
            if let Some(t) = m.int("gt") {
                lower = Bound::Excluded((t, u64::MAX));
            }
            if let Some(t) = m.int("lte") {
                upper = Bound::Included((t, u64::MAX));
            }
            if let Some(t) = m.int("lt") {
                upper = Bound::Excluded((t, 0));
            }
        }
        _ => {}
    }
    (lower, upper)
}
