//! Connect accounts: `POST /v1/accounts`, `GET /v1/accounts/{id}` — enough for an account to
//! be the holder of a Financial Connections session (the flow flutter_stripe's example server
//! uses to collect bank-account tokens).

use crate::model::account::Account;
use crate::model::Metadata;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::stripe::error::ApiError;
use crate::stripe::ids::IdKind;
use crate::stripe::params::{Field, Kind, METADATA};
use crate::stripe::shapes::merge_metadata;
use std::collections::BTreeMap;

const CREATE: &[Field] = &[
    Field::new("type", Kind::Enum(&["custom", "express", "standard"])),
    Field::new("country", Kind::String),
    Field::new("email", Kind::String),
    Field::new(
        "business_type",
        Kind::Enum(&["company", "government_entity", "individual", "non_profit"]),
    ),
    Field::new("capabilities", Kind::Any),
    Field::new("business_profile", Kind::Any),
    Field::new("company", Kind::Any),
    Field::new("controller", Kind::Any),
    Field::new("default_currency", Kind::String),
    Field::new("documents", Kind::Any),
    Field::new("external_account", Kind::Any),
    Field::new("individual", Kind::Any),
    METADATA,
    Field::new("settings", Kind::Any),
    Field::new("tos_acceptance", Kind::Any),
];

/// Connect accounts: the account holders of platform sessions, and `Stripe-Account` targets.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("POST", "/v1/accounts", Handler::Collection(create)),
        Route::secret("GET", "/v1/accounts/{account}", Handler::Member(retrieve)),
    ],
    objects: &[ObjectKind {
        object: "account",
        prefix: Some("acct"),
        expandable: &[
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
        lookup: Some(|ns, id| ns.accounts.get(id).map(|a| a.to_wire())),
    }],
    events: &[],
};

/// `POST /v1/accounts`
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(CREATE)?;
    let account_type = match (p.str("type"), p.get("controller")) {
        (Some(t), _) => t.to_string(),
        // With `controller` instead of `type`, Stripe derives the type; an application-
        // controlled dashboard-less account behaves like a custom one.
        (None, Some(_)) => "custom".to_string(),
        (None, None) => return Err(ApiError::missing_parameter("type")),
    };
    let country = p.non_empty("country").unwrap_or("US").to_ascii_uppercase();
    let mut capabilities = BTreeMap::new();
    if let Some(caps) = p.map("capabilities") {
        for (name, value) in caps.iter() {
            let requested = value.as_map().and_then(|m| m.str("requested")) == Some("true");
            capabilities.insert(name.to_string(), requested);
        }
    }
    let mut metadata = Metadata::new();
    merge_metadata(&mut metadata, p.get("metadata"))?;
    let account = Account {
        id: ctx.new_id(IdKind::Account),
        account_type,
        default_currency: p
            .non_empty("default_currency")
            .map(str::to_string)
            .unwrap_or_else(|| currency_of(&country).to_string()),
        country,
        created: ctx.now,
        email: p.non_empty("email").map(str::to_string),
        business_type: p.non_empty("business_type").map(str::to_string),
        capabilities,
        metadata,
        external_accounts: Vec::new(),
    };
    // Render first: a bad `expand[]` must refuse the request before anything is stored.
    let reply = ctx.render(&account.to_wire())?;
    ctx.ns
        .write()
        .accounts
        .insert(account.id.clone(), account.created, account);
    Ok(reply)
}

/// `GET /v1/accounts/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let account = ctx.ns.read().accounts.get(id).map(Account::to_wire);
    match account {
        Some(account) => ctx.render(&account),
        None => Err(ApiError::no_such_in_path("account", id)),
    }
}

/// The default currency of a country (the ones Financial Connections tests use).
fn currency_of(country: &str) -> &'static str {
    match country {
        "US" => "usd",
        "CA" => "cad",
        "GB" => "gbp",
        "AU" => "aud",
        "JP" => "jpy",
        _ => "eur",
    }
}
