//! A Connect account's external accounts: `POST /v1/accounts/{id}/external_accounts` with
//! `external_account=btok_…` (the step that ends flutter_stripe's token flow on a backend),
//! and the list and retrieve of what was attached.

use crate::model::Metadata;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::stripe::error::ApiError;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind, METADATA};
use crate::stripe::shapes::merge_metadata;
use serde_json::Value;

const CREATE: &[Field] = &[
    Field::new("external_account", Kind::Any).required(),
    Field::new("default_for_currency", Kind::Boolean),
    METADATA,
];

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("object", Kind::Enum(&["bank_account", "card"])),
];

/// External bank accounts of Connect accounts, attached from bank-account tokens.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret(
            "POST",
            "/v1/accounts/{account}/external_accounts",
            Handler::Member(create),
        ),
        Route::secret(
            "GET",
            "/v1/accounts/{account}/external_accounts",
            Handler::Member(list),
        ),
        Route::secret(
            "GET",
            "/v1/accounts/{account}/external_accounts/{id}",
            Handler::Nested(retrieve),
        ),
    ],
    objects: &[ObjectKind {
        object: "bank_account",
        prefix: None,
        expandable: &["account", "customer", "future_requirements", "requirements"],
        lookup: None,
    }],
    events: &[],
};

/// `POST /v1/accounts/{id}/external_accounts` with `external_account=btok_…`: attaches the
/// token's bank account to the Connect account and spends the token.
pub fn create(ctx: &mut Ctx<'_>, account_id: &str) -> HandlerResult {
    let p = ctx.params(CREATE)?;
    let Some(token_id) = p.str("external_account").map(str::to_string) else {
        // Raw account details (`external_account[account_number]=…`) are a separate Stripe
        // feature fcmock does not emulate: say so instead of pretending.
        return Err(ApiError::invalid_request(
            "fcmock attaches external accounts from bank-account tokens only: pass \
             external_account=btok_… (from POST /v1/tokens or a Financial Connections session).",
        )
        .with_param("external_account"));
    };
    let bank_account = {
        let mut ns = ctx.ns.write();
        if ns.accounts.get(account_id).is_none() {
            return Err(ApiError::no_such_in_path("account", account_id));
        }
        let token = ns
            .tokens
            .get_mut(&token_id)
            .ok_or_else(|| ApiError::no_such_in_param("token", &token_id, "external_account"))?;
        if token.used {
            // Stripe's wording for a spent token (code `token_already_used`).
            return Err(ApiError::invalid_request(format!(
                "You cannot use a Stripe token more than once: {token_id}."
            ))
            .with_code("token_already_used")
            .with_param("external_account"));
        }
        token.used = true;
        let mut bank_account = token.bank_account.clone();
        let account = ns
            .accounts
            .get_mut(account_id)
            .expect("checked above under the same lock");
        let first_in_currency = !account
            .external_accounts
            .iter()
            .any(|a| a["currency"] == bank_account.currency.as_str());
        bank_account.account = Some(account_id.to_string());
        bank_account.available_payout_methods = Some(vec!["standard".to_string()]);
        bank_account.default_for_currency =
            Some(p.bool("default_for_currency").unwrap_or(false) || first_in_currency);
        let mut metadata = Metadata::new();
        merge_metadata(&mut metadata, p.get("metadata"))?;
        bank_account.metadata = Some(metadata);
        let wire = serde_json::to_value(&bank_account)
            .map_err(|e| ApiError::internal(format!("could not render a bank account: {e}")))?;
        account.external_accounts.push(wire);
        bank_account
    };
    ctx.render(&bank_account)
}

/// The account's external accounts, newest first (Stripe's list order).
fn external_accounts(ctx: &Ctx<'_>, account_id: &str) -> Result<Vec<Value>, ApiError> {
    let ns = ctx.ns.read();
    let account = ns
        .accounts
        .get(account_id)
        .ok_or_else(|| ApiError::no_such_in_path("account", account_id))?;
    Ok(account.external_accounts.iter().rev().cloned().collect())
}

/// `GET /v1/accounts/{id}/external_accounts`, optionally only `object=bank_account` or
/// `object=card` (fcmock attaches no cards, so that list is empty).
pub fn list(ctx: &mut Ctx<'_>, account_id: &str) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let object = p.str("object").map(str::to_string);
    let all: Vec<Value> = external_accounts(ctx, account_id)?
        .into_iter()
        .filter(|a| object.as_deref().is_none_or(|o| a["object"] == o))
        .collect();
    let (data, has_more) = page
        .page_of(&all, |a| a["id"].as_str())
        .map_err(page.cursor_error("external account"))?;
    let url = format!("/v1/accounts/{account_id}/external_accounts");
    ctx.render(&List::new(data, has_more, url))
}

/// `GET /v1/accounts/{id}/external_accounts/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, account_id: &str, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let found = external_accounts(ctx, account_id)?
        .into_iter()
        .find(|a| a["id"] == id)
        // Stripe's wording for an unknown external account ("No such external account").
        .ok_or_else(|| ApiError::no_such_in_path("external account", id))?;
    ctx.render(&found)
}
