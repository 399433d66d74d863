//! An intent as Stripe.js and the mobile SDKs use it: with a publishable key and the
//! intent's client secret. They retrieve and confirm it, verify microdeposits, and for
//! `collectBankAccount` open a Financial Connections session for it and attach the account
//! the customer linked (stripe-android's `StripeApiRepository`:
//! `payment_intents/%s/link_account_sessions` with `client_secret` and
//! `payment_method_data[type|billing_details]`, then
//! `payment_intents/%s/link_account_sessions/%s/attach` with `client_secret`; the same
//! under `setup_intents`). The routes themselves live with each intent's resource.

use crate::model::payments::IntentStatus;
use crate::resources::financial_connections::sessions;
use crate::resources::handler::{Ctx, HandlerResult};
use crate::resources::payment_methods;
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::params::{Field, Kind, Param, ParamMap};
use serde_json::Value;

/// The top-level PaymentIntent fields a publishable key sees: those Stripe's API reference
/// marks "retrievable with publishable key" (docs.stripe.com/api/payment_intents/object),
/// checked against stripe-android's fixtures of publishable-key answers and stripe-js's
/// `PaymentIntent` type (docs/research/collect-bank-account.md §6).
pub const PAYMENT_INTENT_VISIBLE: &[&str] = &[
    "id",
    "object",
    "amount",
    "automatic_payment_methods",
    "canceled_at",
    "cancellation_reason",
    "capture_method",
    "client_secret",
    "confirmation_method",
    "created",
    "currency",
    "description",
    "last_payment_error",
    "livemode",
    "next_action",
    "payment_method",
    "payment_method_options",
    "payment_method_types",
    "processing",
    "receipt_email",
    "setup_future_usage",
    "shipping",
    "status",
];

/// The top-level SetupIntent fields a publishable key sees (docs.stripe.com/api/
/// setup_intents/object, "retrievable with publishable key"; stripe-js's `SetupIntent`).
pub const SETUP_INTENT_VISIBLE: &[&str] = &[
    "id",
    "object",
    "cancellation_reason",
    "client_secret",
    "created",
    "description",
    "last_setup_error",
    "livemode",
    "next_action",
    "payment_method",
    "payment_method_types",
    "status",
    "usage",
];

/// `client_secret`, which every client-side call of an intent sends.
pub const CLIENT_SECRET: Field = Field::new("client_secret", Kind::String);

/// What `…/link_account_sessions` takes: the SDKs send the account holder's name (and
/// email) as `payment_method_data[billing_details]`, which the attach uses for the
/// PaymentMethod it makes; newer SDK versions add how the flow is hosted, which changes
/// nothing here.
const LINK: &[Field] = &[
    CLIENT_SECRET,
    Field::new("payment_method_data", Kind::Object(payment_methods::DATA)),
    Field::new("hosted_surface", Kind::String),
    Field::new("product", Kind::String),
    Field::new("link_mode", Kind::String),
];

/// Which intent a client-side call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentKind {
    /// A PaymentIntent (`pi_…`).
    Payment,
    /// A SetupIntent (`seti_…`).
    Setup,
}

impl IntentKind {
    fn name(self) -> &'static str {
        match self {
            IntentKind::Payment => "PaymentIntent",
            IntentKind::Setup => "SetupIntent",
        }
    }

    fn object(self) -> &'static str {
        match self {
            IntentKind::Payment => "payment_intent",
            IntentKind::Setup => "setup_intent",
        }
    }

    fn invalid_parameter(self) -> &'static str {
        match self {
            IntentKind::Payment => "payment_intent_invalid_parameter",
            IntentKind::Setup => "setup_intent_invalid_parameter",
        }
    }
}

/// What the client-side routes read of an intent, whichever kind.
struct Facts {
    client_secret: String,
    customer: Option<String>,
    status: IntentStatus,
    options: Value,
}

fn facts(ns: &Namespace, kind: IntentKind, id: &str) -> Option<Facts> {
    match kind {
        IntentKind::Payment => ns.payment_intents.get(id).map(|pi| Facts {
            client_secret: pi.client_secret.clone(),
            customer: pi.customer.clone(),
            status: pi.status,
            options: pi.payment_method_options.clone(),
        }),
        IntentKind::Setup => ns.setup_intents.get(id).map(|si| Facts {
            client_secret: si.client_secret.clone(),
            customer: si.customer.clone(),
            status: si.status,
            options: si.payment_method_options.clone(),
        }),
    }
}

fn find(ctx: &Ctx<'_>, kind: IntentKind, id: &str) -> Result<Facts, ApiError> {
    facts(&ctx.ns.read(), kind, id).ok_or_else(|| ApiError::no_such_in_path(kind.object(), id))
}

/// A publishable key must show the intent's client secret; any key that shows one must
/// show the right one. Stripe's answer to a wrong one is `…_invalid_parameter` on
/// `client_secret` (its message as quoted by hyperswitch's Stripe-compatible errors).
pub fn check_secret(
    ctx: &Ctx<'_>,
    kind: IntentKind,
    given: Option<&str>,
    actual: &str,
) -> Result<(), ApiError> {
    match given {
        None if ctx.client => Err(ApiError::missing_parameter("client_secret")),
        None => Ok(()),
        Some(secret) if secret == actual => Ok(()),
        Some(_) => Err(ApiError::invalid_request(format!(
            "The client_secret provided does not match the client_secret associated with the {}.",
            kind.name()
        ))
        .with_code(kind.invalid_parameter())
        .with_param("client_secret")),
    }
}

/// `POST /v1/{payment,setup}_intents/{id}/link_account_sessions`: a session for the
/// intent's customer with the permissions, prefetch and return URL of the intent's
/// `payment_method_options[us_bank_account][financial_connections]` (default
/// `payment_method`), answered as a `financial_connections.session`.
pub fn link_account_session(ctx: &mut Ctx<'_>, kind: IntentKind, id: &str) -> HandlerResult {
    let p = ctx.params(LINK)?;
    let intent = find(ctx, kind, id)?;
    check_secret(
        ctx,
        kind,
        p.non_empty("client_secret"),
        &intent.client_secret,
    )?;
    if !matches!(
        intent.status,
        IntentStatus::RequiresPaymentMethod | IntentStatus::RequiresConfirmation
    ) {
        return Err(ApiError::invalid_request(format!(
            "You cannot collect a bank account for this {} because it has a status of {}.",
            kind.name(),
            intent.status
        ))
        .with_code(unexpected_state(kind)));
    }
    let customer = intent.customer.clone().ok_or_else(|| {
        ApiError::invalid_request(format!(
            "fcmock links bank accounts for a {} only when it has a `customer`: create it with one.",
            kind.name()
        ))
    })?;
    let billing = p
        .map("payment_method_data")
        .and_then(|d| d.map("billing_details"))
        .cloned()
        .unwrap_or_default();
    if billing.non_empty("name").is_none() {
        return Err(ApiError::missing_parameter(
            "payment_method_data[billing_details][name]",
        ));
    }
    let wire = sessions::create_for_intent(ctx, &customer, &session_params(&intent.options))?;
    let mut ns = ctx.ns.write();
    let state = ns.payment_state.entry(id.to_string()).or_default();
    state.link_session = Some(wire.id.clone());
    state.link_billing = Some(billing.to_json());
    drop(ns);
    ctx.render(&wire)
}

fn unexpected_state(kind: IntentKind) -> &'static str {
    match kind {
        IntentKind::Payment => "payment_intent_unexpected_state",
        IntentKind::Setup => "setup_intent_unexpected_state",
    }
}

/// A session create's parameters from an intent's `payment_method_options` (its
/// permissions and prefetch; the intent does not keep a `return_url`).
fn session_params(options: &Value) -> ParamMap {
    let fc = &options["us_bank_account"]["financial_connections"];
    let list = |key: &str, default: &[&str]| -> Param {
        let values: Vec<String> = match fc[key].as_array() {
            Some(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            None => default.iter().map(|s| s.to_string()).collect(),
        };
        Param::List(values.into_iter().map(Param::Str).collect())
    };
    let mut p = ParamMap::default();
    p.insert(
        "permissions".into(),
        list("permissions", &["payment_method"]),
    );
    p.insert("prefetch".into(), list("prefetch", &[]));
    p
}

/// `POST /v1/{payment,setup}_intents/{id}/link_account_sessions/{session}/attach`: the
/// session's first linked account becomes the intent's PaymentMethod (named as the SDK
/// sent with the session), and the intent waits for its confirm.
pub fn attach(ctx: &mut Ctx<'_>, kind: IntentKind, id: &str, session: &str) -> HandlerResult {
    let p = ctx.params(&[CLIENT_SECRET])?;
    let intent = find(ctx, kind, id)?;
    check_secret(
        ctx,
        kind,
        p.non_empty("client_secret"),
        &intent.client_secret,
    )?;
    let (account, billing) = linked_account(&ctx.ns.read(), id, session)?;
    let mut data = ParamMap::default();
    data.insert("type".into(), Param::Str("us_bank_account".into()));
    data.insert("billing_details".into(), Param::Map(params_from(&billing)));
    let mut bank = ParamMap::default();
    bank.insert("financial_connections_account".into(), Param::Str(account));
    data.insert("us_bank_account".into(), Param::Map(bank));
    let pm = payment_methods::build(ctx, &data, "payment_method_data")?;
    let pm_id = pm.id.clone();
    let mut ns = ctx.ns.write();
    ns.upsert_payment_method(pm);
    match kind {
        IntentKind::Payment => {
            if let Some(pi) = ns.payment_intents.get_mut(id) {
                pi.payment_method = Some(pm_id);
                pi.status = IntentStatus::RequiresConfirmation;
            }
        }
        IntentKind::Setup => {
            if let Some(si) = ns.setup_intents.get_mut(id) {
                si.payment_method = Some(pm_id);
                si.status = IntentStatus::RequiresConfirmation;
            }
        }
    }
    drop(ns);
    render(ctx, kind, id)
}

/// The account to attach: the first one the intent's session linked, with the billing
/// details sent when it was opened.
fn linked_account(ns: &Namespace, id: &str, session: &str) -> Result<(String, Value), ApiError> {
    let state = ns.payment_state.get(id);
    let missing = || ApiError::no_such_in_path("financial connections session", session);
    if state.and_then(|s| s.link_session.as_deref()) != Some(session) {
        return Err(missing());
    }
    let account = ns
        .sessions
        .get(session)
        .ok_or_else(missing)?
        .accounts
        .first()
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid_request(
                "The Financial Connections session has no linked account to attach: the customer has not completed it.",
            )
        })?;
    let billing = state
        .and_then(|s| s.link_billing.clone())
        .unwrap_or_default();
    Ok((account, billing))
}

/// Form parameters from their JSON (the stored billing details).
fn params_from(value: &Value) -> ParamMap {
    let mut map = ParamMap::default();
    if let Value::Object(fields) = value {
        for (k, v) in fields {
            let param = match v {
                Value::String(s) => Param::Str(s.clone()),
                Value::Object(_) => Param::Map(params_from(v)),
                _ => continue,
            };
            map.insert(k.clone(), param);
        }
    }
    map
}

/// The intent as the caller sees it: whole for a secret key, its publishable fields for
/// an SDK.
pub fn render(ctx: &Ctx<'_>, kind: IntentKind, id: &str) -> HandlerResult {
    match kind {
        IntentKind::Payment => {
            let pi = ctx.ns.read().payment_intents.get(id).cloned();
            ctx.render_visible(&pi, PAYMENT_INTENT_VISIBLE)
        }
        IntentKind::Setup => {
            let si = ctx.ns.read().setup_intents.get(id).cloned();
            ctx.render_visible(&si, SETUP_INTENT_VISIBLE)
        }
    }
}
