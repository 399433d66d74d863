//! Accounts: list, retrieve, disconnect, refresh, subscribe, unsubscribe, and owners.

use super::no_such;
use crate::engine::{self, refresh::require_active, Cause};
use crate::model::fc_enums::{AccountStatus, RefreshFeature, SubscriptionFeature};
use crate::model::financial_connections::FcAccount;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::store::table::KeySet;
use crate::stripe::error::ApiError;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind};
use serde_json::json;

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new(
        "account_holder",
        Kind::Object(&[
            Field::new("account", Kind::String),
            Field::new("customer", Kind::String),
            Field::new("customer_account", Kind::String),
        ]),
    ),
    Field::new("session", Kind::String),
];

const REFRESH: &[Field] =
    &[Field::new("features", Kind::Array(&Kind::Enum(RefreshFeature::NAMES))).required()];
const SUBSCRIPTION: &[Field] = &[Field::new(
    "features",
    Kind::Array(&Kind::Enum(SubscriptionFeature::NAMES)),
)
.required()];
const OWNERS: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("ownership", Kind::String).required(),
];

fn cause(ctx: &Ctx<'_>) -> Cause {
    Cause {
        request_id: Some(ctx.request_id.to_string()),
        idempotency_key: ctx.idempotency_key.clone(),
    }
}

/// Settles refreshes whose delay has passed, so a read never shows a stale `pending`.
fn settle_due(ctx: &Ctx<'_>) {
    engine::settle_namespace(ctx.app, &mut ctx.ns.write(), false);
}

/// Linked accounts: list, retrieve, refresh, subscribe, disconnect, owners.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret(
            "GET",
            "/v1/financial_connections/accounts",
            Handler::Collection(list),
        ),
        Route::secret(
            "GET",
            "/v1/financial_connections/accounts/{account}",
            Handler::Member(retrieve),
        ),
        Route::secret(
            "POST",
            "/v1/financial_connections/accounts/{account}/disconnect",
            Handler::Member(disconnect),
        ),
        Route::secret(
            "POST",
            "/v1/financial_connections/accounts/{account}/refresh",
            Handler::Member(refresh),
        ),
        Route::secret(
            "POST",
            "/v1/financial_connections/accounts/{account}/subscribe",
            Handler::Member(subscribe),
        ),
        Route::secret(
            "POST",
            "/v1/financial_connections/accounts/{account}/unsubscribe",
            Handler::Member(unsubscribe),
        ),
        Route::secret(
            "GET",
            "/v1/financial_connections/accounts/{account}/owners",
            Handler::Member(owners),
        ),
    ],
    objects: &[
        ObjectKind {
            object: "financial_connections.account",
            prefix: Some("fca"),
            expandable: &[
                "account_holder",
                "account_numbers",
                "balance",
                "balance_refresh",
                "ownership",
                "ownership_refresh",
                "status_details",
                "transaction_refresh",
            ],
            lookup: Some(|ns, id| {
                ns.fc_accounts
                    .get(id)
                    .and_then(|l| serde_json::to_value(&l.account).ok())
            }),
        },
        ObjectKind {
            object: "financial_connections.account_ownership",
            prefix: Some("fcaowns"),
            expandable: &["owners"],
            lookup: Some(|ns, id| ns.ownerships.get(id).map(|o| super::ownership_wire(ns, o))),
        },
        ObjectKind {
            object: "financial_connections.account_owner",
            prefix: None,
            expandable: &[],
            lookup: None,
        },
    ],
    events: &[
        "financial_connections.account.account_numbers_updated",
        "financial_connections.account.created",
        "financial_connections.account.deactivated",
        "financial_connections.account.disconnected",
        "financial_connections.account.reactivated",
        "financial_connections.account.refreshed_balance",
        "financial_connections.account.refreshed_ownership",
        "financial_connections.account.refreshed_transactions",
        "financial_connections.account.upcoming_account_number_expiry",
        "financial_connections.account.upcoming_deactivation",
    ],
};

/// `GET /v1/financial_connections/accounts`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let holder = p.map("account_holder");
    let filters: Vec<(&str, &str)> = [
        (
            "account_holder[account]",
            holder.and_then(|h| h.non_empty("account")),
        ),
        (
            "account_holder[customer]",
            holder.and_then(|h| h.non_empty("customer")),
        ),
        ("session", p.non_empty("session")),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .collect();
    if filters.len() > 1 {
        return Err(
            ApiError::exclusive(&filters.iter().map(|(n, _)| *n).collect::<Vec<_>>())
                .with_param(filters[1].0),
        );
    }
    if holder.is_some_and(|h| h.contains("customer_account")) {
        return Err(super::no_accounts_v2("account_holder[customer_account]"));
    }
    if let Some((name, id)) = filters.first() {
        filter_target_exists(ctx, name, id)?;
    }
    settle_due(ctx);
    let list = {
        let ns = ctx.ns.read();
        let empty = KeySet::new();
        let found = match filters.first() {
            Some(("session", id)) => ns.fc_accounts.page_in(
                ns.index.fc_accounts_by_session.get(*id).unwrap_or(&empty),
                page.cursor(),
                page.limit,
                |_| true,
            ),
            Some((_, holder)) => ns.fc_accounts.page_in(
                ns.index
                    .fc_accounts_by_holder
                    .get(*holder)
                    .unwrap_or(&empty),
                page.cursor(),
                page.limit,
                |_| true,
            ),
            None => ns.fc_accounts.page(page.cursor(), page.limit, |_| true),
        }
        .map_err(page.cursor_error("financial connections account"))?;
        let has_more = found.has_more;
        let data: Vec<FcAccount> = found.items.into_iter().map(|l| l.account.clone()).collect();
        List::new(data, has_more, "/v1/financial_connections/accounts")
    };
    ctx.render(&list)
}

/// A filter naming an object that does not exist is refused, as Stripe refuses
/// `GET /v1/payment_methods?customer=cus_missing`: 400 `resource_missing` on the filter.
fn filter_target_exists(ctx: &Ctx<'_>, filter: &str, id: &str) -> Result<(), ApiError> {
    let ns = ctx.ns.read();
    let (exists, object) = match filter {
        "session" => (
            ns.sessions.get(id).is_some(),
            "financial connections session",
        ),
        "account_holder[account]" => (ns.accounts.get(id).is_some(), "account"),
        _ => (ns.customers.get(id).is_some(), "customer"),
    };
    if exists {
        Ok(())
    } else {
        Err(ApiError::no_such_in_param(object, id, filter))
    }
}

fn current(ctx: &Ctx<'_>, id: &str) -> Result<FcAccount, ApiError> {
    ctx.ns
        .read()
        .fc_accounts
        .get(id)
        .map(|l| l.account.clone())
        .ok_or_else(|| no_such("account", id))
}

/// `GET /v1/financial_connections/accounts/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    settle_due(ctx);
    let account = current(ctx, id)?;
    ctx.render(&account)
}

/// `POST /v1/financial_connections/accounts/{id}/disconnect`
///
/// Stripe's API reference example shows a disconnected account with `balance: null` and no
/// subscriptions; disconnecting twice is undocumented, and fcmock answers it with the
/// account unchanged and no second event.
pub fn disconnect(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let cause = cause(ctx);
    {
        let mut ns = ctx.ns.write();
        let status = ns
            .fc_accounts
            .get(id)
            .map(|l| l.account.status)
            .ok_or_else(|| no_such("account", id))?;
        if status != AccountStatus::Disconnected {
            // A refresh still running can no longer finish: it fails, with its event.
            engine::refresh::fail_pending(ctx.app, &mut ns, id, &cause);
            if let Some(linked) = ns.fc_accounts.get_mut(id) {
                linked.account.status = AccountStatus::Disconnected;
                // Stripe's API reference shows a disconnected account with no balance, no
                // refresh states and no subscriptions.
                linked.account.balance = None;
                linked.account.balance_refresh = None;
                linked.account.ownership_refresh = None;
                linked.account.transaction_refresh = None;
                linked.account.subscriptions = Some(Vec::new());
                linked.link.deactivates_at_ms = None;
                let wire = crate::engine::snapshot(&linked.account);
                let previous = json!({"status": status});
                engine::emit(
                    ctx.app,
                    &mut ns,
                    "financial_connections.account.disconnected",
                    wire,
                    Some(previous),
                    &cause,
                );
            }
        }
    }
    let account = current(ctx, id)?;
    ctx.render(&account)
}

/// `POST /v1/financial_connections/accounts/{id}/refresh`
pub fn refresh(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(REFRESH)?;
    let features: Vec<RefreshFeature> = p.enums("features")?;
    if features.is_empty() {
        return Err(ApiError::missing_parameter("features"));
    }
    let cause = cause(ctx);
    engine::start_refresh(ctx.app, &mut ctx.ns.write(), id, &features, &cause)?;
    let account = current(ctx, id)?;
    ctx.render(&account)
}

/// `POST /v1/financial_connections/accounts/{id}/subscribe`: sets `subscriptions` and starts
/// a transaction refresh at once (Stripe docs, Transactions).
pub fn subscribe(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(SUBSCRIPTION)?;
    let features: Vec<SubscriptionFeature> = p.enums("features")?;
    if features.is_empty() {
        return Err(ApiError::missing_parameter("features"));
    }
    let cause = cause(ctx);
    {
        let mut ns = ctx.ns.write();
        let linked = ns
            .fc_accounts
            .get_mut(id)
            .ok_or_else(|| no_such("account", id))?;
        require_active(linked.account.status)?;
        let refreshes: Vec<RefreshFeature> = features.iter().map(|f| f.feature()).collect();
        engine::start_refresh(ctx.app, &mut ns, id, &refreshes, &cause)?;
        if let Some(linked) = ns.fc_accounts.get_mut(id) {
            linked.account.subscriptions = Some(vec![SubscriptionFeature::Transactions]);
        }
    }
    let account = current(ctx, id)?;
    ctx.render(&account)
}

/// `POST /v1/financial_connections/accounts/{id}/unsubscribe`
pub fn unsubscribe(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(SUBSCRIPTION)?;
    if p.enums::<SubscriptionFeature>("features")?.is_empty() {
        return Err(ApiError::missing_parameter("features"));
    }
    {
        let mut ns = ctx.ns.write();
        let linked = ns
            .fc_accounts
            .get_mut(id)
            .ok_or_else(|| no_such("account", id))?;
        linked.account.subscriptions = Some(Vec::new());
    }
    let account = current(ctx, id)?;
    ctx.render(&account)
}

/// `GET /v1/financial_connections/accounts/{id}/owners?ownership=fcaowns_…`
pub fn owners(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(OWNERS)?;
    let page = ListParams::from_params(&p)?;
    let ownership = p.str("ownership").unwrap_or_default().to_string();
    let list = {
        let ns = ctx.ns.read();
        if ns.fc_accounts.get(id).is_none() {
            return Err(no_such("account", id));
        }
        if ns
            .ownerships
            .get(&ownership)
            .is_none_or(|o| o.account != id)
        {
            return Err(ApiError::no_such_in_param(
                "financial connections account ownership",
                &ownership,
                "ownership",
            ));
        }
        let empty = KeySet::new();
        let index = ns
            .index
            .owners_by_ownership
            .get(&ownership)
            .unwrap_or(&empty);
        let found = ns
            .owners
            .page_in(index, page.cursor(), page.limit, |_| true)
            .map_err(page.cursor_error("financial connections account owner"))?;
        List::from_page(
            found,
            format!("/v1/financial_connections/accounts/{id}/owners"),
        )
    };
    ctx.render(&list)
}
