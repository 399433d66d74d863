//! Sessions: `POST /v1/financial_connections/sessions`, `GET …/sessions/{id}`.
//!
//! A session starts with no accounts; completing the flow (hosted page, control API, or a
//! scripted scenario) links them through [`crate::engine::complete_session`].

use super::no_such;
use crate::engine::{complete_session, Cause, Completion};
use crate::fixtures::ScenarioFixture;
use crate::model::fc_enums::{
    HolderType, ManualEntryMode, PaymentMethodSupport, Permission, Prefetch, Subcategory,
};
use crate::model::financial_connections::{
    AccountHolder, FcAccount, Filters, Limits, ManualEntry, Session, SessionStatus, SessionTag,
};
use crate::model::token::Token;
use crate::qa::scenarios::SessionOwner;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::ids::IdKind;
use crate::stripe::list::List;
use crate::stripe::params::{Field, Kind, ParamMap};
use crate::stripe::versions::Change;
use serde::Serialize;
use serde_json::Value;

const PERMISSIONS: Kind = Kind::Enum(Permission::NAMES);
const SUBCATEGORIES: Kind = Kind::Enum(&[
    "checking",
    "credit_card",
    "line_of_credit",
    "mortgage",
    "savings",
]);

const ACCOUNT_HOLDER: &[Field] = &[
    Field::new("type", Kind::Enum(HolderType::NAMES)).required(),
    Field::new("account", Kind::String),
    Field::new("customer", Kind::String),
    Field::new("customer_account", Kind::String),
];

const FILTERS: &[Field] = &[
    Field::new("account_subcategories", Kind::Array(&SUBCATEGORIES)),
    Field::new("countries", Kind::Array(&Kind::String)).until(Change::SessionCountry),
    Field::new("country", Kind::String).since(Change::SessionCountry),
    Field::new(
        "require_payment_method_support",
        Kind::Enum(PaymentMethodSupport::NAMES),
    )
    .since(Change::SessionConfiguration),
];

const CREATE: &[Field] = &[
    Field::new("account_holder", Kind::Object(ACCOUNT_HOLDER)).required(),
    Field::new("permissions", Kind::Array(&PERMISSIONS)).required(),
    Field::new("filters", Kind::Object(FILTERS)),
    Field::new(
        "limits",
        Kind::Object(&[Field::new("accounts", Kind::Integer).required()]),
    )
    .emptiable()
    .since(Change::SessionConfiguration),
    Field::new(
        "manual_entry",
        Kind::Object(&[Field::new("mode", Kind::Enum(ManualEntryMode::NAMES))]),
    )
    .since(Change::SessionConfiguration),
    Field::new("prefetch", Kind::Array(&Kind::Enum(Prefetch::NAMES))),
    Field::new("return_url", Kind::String),
];

/// Financial Connections sessions: what a backend creates and the client side completes.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret(
            "POST",
            "/v1/financial_connections/sessions",
            Handler::Collection(create),
        ),
        Route::secret(
            "GET",
            "/v1/financial_connections/sessions/{session}",
            Handler::Member(retrieve),
        ),
    ],
    objects: &[ObjectKind {
        object: "financial_connections.session",
        prefix: Some("fcsess"),
        expandable: &[
            "account_holder",
            "accounts",
            "bank_account_token",
            "filters",
            "limits",
            "manual_entry",
        ],
        lookup: Some(|ns, id| ns.sessions.get(id).map(|s| session_wire(ns, s))),
    }],
    events: &[],
};

/// `POST /v1/financial_connections/sessions`
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(CREATE)?;
    let account_holder = account_holder(ctx, &p)?;
    let mut session = new_session(ctx, &p, account_holder)?;
    // Check `expand[]` first (a new session has no accounts to look up): a bad path must
    // refuse the request before anything is stored.
    if !ctx.expand.is_empty() {
        let wire = session_object(&ctx.ns.read(), &session);
        ctx.check_expand(&wire)?;
    }
    session.scripted = claim_scenario(ctx, &session);
    let wire = store(ctx, session)?;
    ctx.render(&wire)
}

/// The session an SDK opens for an intent (`POST /v1/{payment,setup}_intents/{id}/
/// link_account_sessions`): for the intent's customer, with the permissions, prefetch and
/// return URL its `payment_method_options[us_bank_account][financial_connections]` asked
/// for (`p`, in a session create's names). Stored and indexed like any other session, so
/// the hosted page, scenarios and the control API complete it the same way.
pub fn create_for_intent(
    ctx: &mut Ctx<'_>,
    customer: &str,
    p: &ParamMap,
) -> Result<SessionWire, ApiError> {
    let holder = AccountHolder {
        account: None,
        customer: Some(customer.to_string()),
        holder_type: HolderType::Customer,
    };
    let mut session = new_session(ctx, p, holder)?;
    session.scripted = claim_scenario(ctx, &session);
    store(ctx, session)
}

/// `account_holder`: the customer or Connect account the session links accounts for, which
/// must exist in this namespace.
fn account_holder(ctx: &Ctx<'_>, p: &ParamMap) -> Result<AccountHolder, ApiError> {
    let holder = p.map("account_holder").cloned().unwrap_or_default();
    if holder.contains("customer_account") {
        return Err(super::no_accounts_v2("account_holder[customer_account]"));
    }
    let holder_type = holder
        .enum_value::<HolderType>("type")?
        .ok_or_else(|| ApiError::missing_parameter("account_holder[type]"))?;
    let ns = ctx.ns.read();
    let (customer, account) = match holder_type {
        HolderType::Customer => {
            let id = holder_id(&holder, "customer", |id| ns.customers.get(id).is_some())?;
            (Some(id), None)
        }
        HolderType::Account => {
            let id = holder_id(&holder, "account", |id| ns.accounts.get(id).is_some())?;
            (None, Some(id))
        }
    };
    Ok(AccountHolder {
        account,
        customer,
        holder_type,
    })
}

/// The id in `account_holder[field]`: present, and naming an object that `exists`.
fn holder_id(
    holder: &ParamMap,
    field: &str,
    exists: impl Fn(&str) -> bool,
) -> Result<String, ApiError> {
    let param = format!("account_holder[{field}]");
    let id = holder
        .non_empty(field)
        .ok_or_else(|| ApiError::missing_parameter(&param))?;
    if !exists(id) {
        return Err(ApiError::no_such_in_param(field, id, &param));
    }
    Ok(id.to_string())
}

/// The session the parameters describe, not yet stored: `pending`, with no accounts.
fn new_session(
    ctx: &Ctx<'_>,
    p: &ParamMap,
    account_holder: AccountHolder,
) -> Result<Session, ApiError> {
    // A repeated permission or prefetch feature is taken once: the session shows each
    // value once, in the order first asked (Stripe documents neither as a list).
    let permissions: Vec<Permission> = dedup(p.enums("permissions")?);
    if permissions.is_empty() {
        return Err(ApiError::missing_parameter("permissions"));
    }
    let defaults = ctx.version.sees(Change::SessionDefaults);
    let filters = filters(p.map("filters"), defaults)?;
    let manual_entry = match p.map("manual_entry") {
        Some(m) => m.enum_value::<ManualEntryMode>("mode")?,
        None => None,
    }
    .or(defaults.then_some(ManualEntryMode::Disabled))
    .map(|mode| ManualEntry { mode });
    Ok(Session {
        id: ctx.new_id(IdKind::Session),
        created: ctx.now,
        account_holder,
        accounts: Vec::new(),
        client_secret: ctx.new_id(IdKind::SessionClientSecret),
        filters,
        limits: limits(p)?,
        manual_entry,
        permissions,
        // A prefetch without its permission is kept as asked and never runs: the account
        // cannot be refreshed for data it was not shared for (`engine::session::prefetch`).
        prefetch: dedup(p.enums("prefetch")?),
        return_url: p.non_empty("return_url").map(str::to_string),
        status: SessionStatus::Pending,
        failure: None,
        institution: None,
        bank_account_token: None,
        scripted: None,
    })
}

fn dedup<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut seen = Vec::with_capacity(values.len());
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

/// The session's `filters`. From endive on, what a request leaves out takes Stripe's
/// standard defaults ("all account subcategories", `require_payment_method_support: none`;
/// docs.stripe.com/changelog/endive/2026-09-30/financial-connections-session-defaults);
/// before it, only what the request named is stored.
fn filters(f: Option<&ParamMap>, defaults: bool) -> Result<Filters, ApiError> {
    let empty = ParamMap::default();
    let f = f.unwrap_or(&empty);
    let account_subcategories = if f.contains("account_subcategories") {
        Some(f.enums::<Subcategory>("account_subcategories")?)
    } else {
        defaults.then(|| Subcategory::FILTERABLE.to_vec())
    };
    // Before endive `countries` is an array "of which Stripe used only the first element".
    let country = f
        .non_empty("country")
        .map(str::to_string)
        .or_else(|| f.strings("countries").into_iter().next());
    let require_payment_method_support = f
        .enum_value::<PaymentMethodSupport>("require_payment_method_support")?
        .or(defaults.then_some(PaymentMethodSupport::None));
    Ok(Filters {
        account_subcategories,
        country,
        require_payment_method_support,
    })
}

/// `limits[accounts]`: at least 1 (`limits=` unsets it: no maximum).
fn limits(p: &ParamMap) -> Result<Option<Limits>, ApiError> {
    let Some(accounts) = p.map("limits").and_then(|l| l.int("accounts")) else {
        return Ok(None);
    };
    match u32::try_from(accounts) {
        Ok(accounts) if accounts >= 1 => Ok(Some(Limits { accounts })),
        _ => Err(ApiError::invalid_request(format!(
            "Invalid limits[accounts]: must be at least 1, got {accounts}."
        ))
        .with_param("limits[accounts]")),
    }
}

/// The scenario queued for sessions like this one (`POST /_fcmock/scenarios`), if any: it
/// is taken off the queue, so each queued run scripts exactly one session.
fn claim_scenario(ctx: &Ctx<'_>, session: &Session) -> Option<ScenarioFixture> {
    if !ctx.plays_scenarios {
        return None;
    }
    let api_key = ctx.namespace.split('#').next().unwrap_or_default();
    ctx.app.control.scenarios.claim(&SessionOwner {
        api_key,
        customer: session.account_holder.customer.as_deref(),
        account: session.account_holder.account.as_deref(),
    })
}

/// Stores and indexes the session, plays an `auto_complete` scenario at once, and returns
/// the session as it then stands.
fn store(ctx: &Ctx<'_>, session: Session) -> Result<SessionWire, ApiError> {
    // Indexed before the namespace is locked: the store-wide index has its own lock (and
    // grows, rehashing, as sessions accumulate), and no client knows the new secret or id
    // before this request answers, so nothing can look it up in between.
    ctx.app
        .store
        .index_session(&session.client_secret, &ctx.namespace, &session.id);
    let mut ns = ctx.ns.write();
    let Some(scripted) = session.scripted.clone().filter(|s| s.auto_complete) else {
        // Nothing changes it once stored: render it as it goes in, without a copy.
        let wire = session_object(&ns, &session);
        ns.sessions
            .insert(session.id.clone(), session.created, session);
        return Ok(wire);
    };
    ns.sessions
        .insert(session.id.clone(), session.created, session.clone());
    auto_complete(ctx, &mut ns, &session, &scripted)?;
    let stored = ns.sessions.get(&session.id).cloned().unwrap_or(session);
    Ok(session_object(&ns, &stored))
}

/// Completes a just-stored session as its scenario scripts. A refused completion refuses
/// the create: the session is removed again and the scenario goes back for the next one.
fn auto_complete(
    ctx: &Ctx<'_>,
    ns: &mut Namespace,
    session: &Session,
    scripted: &ScenarioFixture,
) -> Result<(), ApiError> {
    let cause = Cause {
        request_id: Some(ctx.request_id.to_string()),
        idempotency_key: ctx.idempotency_key.clone(),
    };
    let completion = Completion::scripted(scripted);
    let Err(error) = complete_session(ctx.app, ns, &session.id, completion, &cause) else {
        return Ok(());
    };
    ns.sessions.remove(&session.id);
    ctx.app
        .store
        .unindex_session(&session.client_secret, &session.id);
    ctx.app.control.scenarios.give_back(scripted.clone());
    Err(error)
}

/// `GET /v1/financial_connections/sessions/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let wire = {
        let ns = ctx.ns.read();
        let session = ns.sessions.get(id).ok_or_else(|| no_such("session", id))?;
        session_object(&ns, session)
    };
    ctx.render(&wire)
}

/// A session as Stripe's server API renders it: the linked accounts embedded as a list.
/// A plain struct, serialised straight to the response (no intermediate JSON tree).
#[derive(Debug, Serialize)]
pub struct SessionWire {
    /// `fcsess_…`
    pub id: String,
    object: SessionTag,
    account_holder: AccountHolder,
    accounts: List<FcAccount>,
    /// The token minted for token-collecting sessions (since `2026-07-29.dahlia`; an
    /// object in Stripe's schema, absent until minted).
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_account_token: Option<Token>,
    client_secret: String,
    filters: Filters,
    #[serde(skip_serializing_if = "Option::is_none")]
    limits: Option<Limits>,
    livemode: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    manual_entry: Option<ManualEntry>,
    permissions: Vec<Permission>,
    prefetch: Vec<Prefetch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_url: Option<String>,
}

/// The wire form of a session, with its accounts looked up in `ns`.
pub fn session_object(ns: &Namespace, session: &Session) -> SessionWire {
    let accounts: Vec<FcAccount> = session
        .accounts
        .iter()
        .filter_map(|id| ns.fc_accounts.get(id))
        .map(|l| l.account.clone())
        .collect();
    SessionWire {
        id: session.id.clone(),
        object: SessionTag,
        account_holder: session.account_holder.clone(),
        accounts: List::new(accounts, false, "/v1/financial_connections/accounts"),
        bank_account_token: session
            .bank_account_token
            .as_deref()
            .and_then(|id| ns.tokens.get(id))
            .cloned(),
        client_secret: session.client_secret.clone(),
        filters: session.filters.clone(),
        limits: session.limits,
        livemode: false,
        manual_entry: session.manual_entry,
        permissions: session.permissions.clone(),
        prefetch: session.prefetch.clone(),
        return_url: session.return_url.clone(),
    }
}

/// The wire form of a session as JSON (for callers that edit or embed it).
pub fn session_wire(ns: &Namespace, session: &Session) -> Value {
    serde_json::to_value(session_object(ns, session)).unwrap_or_default()
}
