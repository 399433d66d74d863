//! Bank-account tokens: `GET /v1/tokens/{id}`, and attaching one to a Connect account with
//! `POST /v1/accounts/{id}/external_accounts` (`external_account=btok_…`), the step that
//! ends flutter_stripe's token flow on a backend.
//!
//! Tokens are minted by the engine when a token-collecting session succeeds
//! ([`crate::engine::complete_session`]); this module only reads and spends them.

use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::stripe::error::ApiError;
use crate::stripe::params::{Field, Kind, METADATA};

/// Bank-account tokens (`btok_…`) and the external accounts made from them.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("GET", "/v1/tokens/{token}", Handler::Member(retrieve)),
        Route::secret(
            "POST",
            "/v1/accounts/{account}/external_accounts",
            Handler::Member(create_external_account),
        ),
    ],
    objects: &[
        ObjectKind {
            object: "token",
            prefix: Some("btok"),
            expandable: &["bank_account", "card"],
            lookup: Some(|ns, id| ns.tokens.get(id).and_then(|t| serde_json::to_value(t).ok())),
        },
        ObjectKind {
            object: "bank_account",
            prefix: None,
            expandable: &["account", "customer", "future_requirements", "requirements"],
            lookup: None,
        },
    ],
    events: &[],
};

/// `GET /v1/tokens/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let token = ctx.ns.read().tokens.get(id).cloned();
    match token {
        Some(token) => ctx.render(&token),
        None => Err(ApiError::no_such_in_path("token", id)),
    }
}

const CREATE_EXTERNAL_ACCOUNT: &[Field] = &[
    Field::new("external_account", Kind::Any).required(),
    Field::new("default_for_currency", Kind::Boolean),
    METADATA,
];

/// `POST /v1/accounts/{id}/external_accounts` with `external_account=btok_…`: attaches the
/// token's bank account to the Connect account and spends the token.
pub fn create_external_account(ctx: &mut Ctx<'_>, account_id: &str) -> HandlerResult {
    let p = ctx.params(CREATE_EXTERNAL_ACCOUNT)?;
    let Some(token_id) = p.str("external_account").map(str::to_string) else {
        // Raw account details (`external_account[account_number]=…`) are a separate Stripe
        // feature fcmock does not emulate: say so instead of pretending.
        return Err(ApiError::invalid_request(
            "fcmock attaches external accounts from bank-account tokens only: pass \
             external_account=btok_… (a token minted by a Financial Connections session).",
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
        let mut metadata = crate::model::Metadata::new();
        crate::stripe::shapes::merge_metadata(&mut metadata, p.get("metadata"))?;
        bank_account.metadata = Some(metadata);
        let wire = serde_json::to_value(&bank_account)
            .map_err(|e| ApiError::internal(format!("could not render a bank account: {e}")))?;
        account.external_accounts.push(wire);
        bank_account
    };
    ctx.render(&bank_account)
}
