//! ACH Direct Debit resources: PaymentIntents, SetupIntents, Mandates and Charges for
//! `us_bank_account`, the way a backend uses them after Financial Connections links an
//! account (docs.stripe.com/payments/ach-direct-debit). What happens on confirm and at
//! settlement is the engine's ([`crate::engine::payments`]); this module turns parameters
//! into a [`Plan`] for a confirm, shared by both intents.

pub mod charges;
pub mod client;
pub mod disputes;
pub mod mandates;
pub mod payment_intents;
pub mod setup_intents;

use crate::engine::payments::MandateSource;
use crate::model::payment_method::PaymentMethod;
use crate::resources::handler::Ctx;
use crate::resources::payment_methods;
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::params::{Field, Kind, ParamMap};
use serde_json::{json, Value};

const ONLINE: &[Field] = &[
    Field::new("ip_address", Kind::String),
    Field::new("user_agent", Kind::String),
    // Stripe.js and the mobile SDKs send this with a publishable key: Stripe fills in
    // the address and browser of the request (docs.stripe.com/api/payment_intents/confirm).
    Field::new("infer_from_client", Kind::Boolean),
];
const ACCEPTANCE: &[Field] = &[
    Field::new("type", Kind::Enum(&["online", "offline"])).required(),
    Field::new("accepted_at", Kind::Integer),
    Field::new("online", Kind::Object(ONLINE)),
    Field::new("offline", Kind::Any),
];
/// `mandate_data`.
pub const MANDATE_DATA: Field = Field::new(
    "mandate_data",
    Kind::Object(&[Field::new("customer_acceptance", Kind::Object(ACCEPTANCE)).required()]),
);
const FINANCIAL_CONNECTIONS: &[Field] = &[
    Field::new("permissions", Kind::Array(&Kind::String)),
    Field::new("prefetch", Kind::Array(&Kind::String)),
    Field::new("return_url", Kind::String),
];
/// `payment_method_options[us_bank_account]`.
pub const OPTIONS: Field = Field::new(
    "payment_method_options",
    Kind::Object(&[Field::new(
        "us_bank_account",
        Kind::Object(&[
            Field::new(
                "verification_method",
                Kind::Enum(&["automatic", "instant", "microdeposits"]),
            ),
            Field::new("financial_connections", Kind::Object(FINANCIAL_CONNECTIONS)),
        ]),
    )]),
);
/// What confirming takes, on create (`confirm=true`) and on `…/confirm`.
pub const CONFIRM: &[Field] = &[
    Field::new("payment_method", Kind::String),
    Field::new("payment_method_data", Kind::Object(payment_methods::DATA)),
    OPTIONS,
    MANDATE_DATA,
    Field::new("mandate", Kind::String),
    Field::new("return_url", Kind::String),
    Field::new("off_session", Kind::Boolean),
    client::CLIENT_SECRET,
];

/// How the account is verified before it can be debited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Through its Financial Connections link: at once.
    Instant,
    /// Microdeposits the customer confirms (`requires_action`).
    Microdeposits,
}

/// A confirm, decided before anything changes.
pub struct Plan {
    /// The PaymentMethod to use, new (from `payment_method_data`) or stored.
    pub payment_method: PaymentMethod,
    /// Whether it was made by this request.
    pub is_new: bool,
    /// Where the mandate comes from.
    pub mandate: MandateSource,
    /// How the account is verified.
    pub verify: Verify,
    /// The `payment_method_options` the intent shows.
    pub options: Value,
}

/// The plan of a confirm with parameters `p` on an intent whose current PaymentMethod is
/// `current`, for `customer`. Refuses what Stripe refuses before anything is stored. Takes
/// the namespace's read lock itself: call it holding no lock.
pub fn plan(
    ctx: &Ctx<'_>,
    p: &ParamMap,
    (current, current_options): (Option<&str>, &Value),
    customer: Option<&str>,
) -> Result<Plan, ApiError> {
    let (payment_method, is_new) = match (p.map("payment_method_data"), p.non_empty("payment_method").or(current)) {
        (Some(data), _) => (payment_methods::build(ctx, data, "payment_method_data")?, true),
        (None, Some(id)) => (stored_method(&ctx.ns.read(), id, customer)?, false),
        (None, None) => {
            return Err(ApiError::invalid_request(
                "You cannot confirm this intent because it's missing a payment method. Pass `payment_method` or `payment_method_data`.",
            )
            .with_param("payment_method"))
        }
    };
    let asked = options(p, current_options)?;
    let method = asked["us_bank_account"]["verification_method"]
        .as_str()
        .unwrap_or("automatic");
    let linked = payment_method
        .us_bank_account
        .financial_connections_account
        .is_some();
    let verify = match (method, linked) {
        ("microdeposits", _) | ("automatic", false) => Verify::Microdeposits,
        ("instant", false) => {
            return Err(ApiError::invalid_request(
                "verification_method=instant needs a PaymentMethod made from a Financial Connections account (payment_method_data[us_bank_account][financial_connections_account]).",
            )
            .with_param("payment_method_options[us_bank_account][verification_method]"))
        }
        _ => Verify::Instant,
    };
    let mandate = mandate_source(ctx, p, &payment_method.id)?;
    Ok(Plan {
        options: options(p, current_options)?,
        payment_method,
        is_new,
        mandate,
        verify,
    })
}

fn stored_method(
    ns: &Namespace,
    id: &str,
    customer: Option<&str>,
) -> Result<PaymentMethod, ApiError> {
    let pm = ns
        .payment_methods
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_param("PaymentMethod", id, "payment_method"))?;
    if let (Some(owner), Some(customer)) = (pm.customer.as_deref(), customer) {
        if owner != customer {
            return Err(ApiError::invalid_request(format!(
                "The provided PaymentMethod {id} belongs to another customer."
            ))
            .with_param("payment_method"));
        }
    }
    Ok(pm)
}

/// The intent's `payment_method_options` after a request's `payment_method_options`: what
/// it names replaces what the intent had (`current`), the rest stays. Stripe's default is
/// `automatic` verification through Financial Connections with the `payment_method`
/// permission, which any permissions asked for must include
/// (docs.stripe.com/api/payment_intents/create, `…[financial_connections][permissions]`).
pub fn options(p: &ParamMap, current: &Value) -> Result<Value, ApiError> {
    let asked = p
        .map("payment_method_options")
        .and_then(|o| o.map("us_bank_account"));
    let current = &current["us_bank_account"];
    let fc_asked = asked.and_then(|a| a.map("financial_connections"));
    let list = |key: &str, default: Value| match fc_asked.filter(|f| f.contains(key)) {
        Some(f) => Value::from(f.strings(key)),
        None => current["financial_connections"]
            .get(key)
            .cloned()
            .unwrap_or(default),
    };
    let permissions = list("permissions", json!(["payment_method"]));
    if !permissions
        .as_array()
        .is_some_and(|p| p.iter().any(|v| v == "payment_method"))
    {
        return Err(ApiError::invalid_request(
            "The permissions for a us_bank_account intent must include `payment_method`.",
        )
        .with_param(
            "payment_method_options[us_bank_account][financial_connections][permissions]",
        ));
    }
    // `return_url` is taken but not shown: the schema subset fcmock is validated against
    // predates it (README, Differences).
    let fc = json!({"permissions": permissions, "prefetch": list("prefetch", json!([]))});
    let method = asked
        .and_then(|a| a.non_empty("verification_method"))
        .map(Value::from)
        .or_else(|| current.get("verification_method").cloned())
        .unwrap_or_else(|| Value::from("automatic"));
    Ok(json!({"us_bank_account": {"financial_connections": fc, "verification_method": method}}))
}

/// `mandate_data`, else `mandate`, else the saved method's multi-use mandate (an
/// off-session payment with a method set up earlier). Without any, Stripe refuses: ACH
/// debits need the customer's authorisation.
fn mandate_source(ctx: &Ctx<'_>, p: &ParamMap, pm: &str) -> Result<MandateSource, ApiError> {
    if let Some(acceptance) = p
        .map("mandate_data")
        .and_then(|m| m.map("customer_acceptance"))
    {
        let mut value = acceptance.to_json();
        if value.get("accepted_at").is_none() {
            value["accepted_at"] = Value::Null;
        }
        infer_from_client(ctx, &mut value)?;
        return Ok(MandateSource::Accepted(value));
    }
    let ns = ctx.ns.read();
    let ns: &Namespace = &ns;
    if let Some(id) = p.non_empty("mandate") {
        return Ok(MandateSource::Existing(id.to_string()));
    }
    crate::engine::payments::saved_mandate(ns, pm)
        .map(MandateSource::Existing)
        .ok_or_else(|| {
            ApiError::invalid_request(
                "A mandate is required to debit a us_bank_account: pass mandate_data[customer_acceptance] (the customer's authorisation), or `mandate`.",
            )
            .with_param("mandate_data")
        })
}

/// `online[infer_from_client]=true`: the request's own address and `User-Agent` stand in.
/// Every fcmock client is local, so the address is loopback's. Only a publishable key
/// (an SDK in the customer's browser or app) may ask for it.
fn infer_from_client(ctx: &Ctx<'_>, acceptance: &mut Value) -> Result<(), ApiError> {
    let Some(online) = acceptance.get_mut("online").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let Some(infer) = online.remove("infer_from_client") else {
        return Ok(());
    };
    if infer != "true" && infer != true {
        return Ok(());
    }
    if !ctx.client {
        return Err(ApiError::invalid_request(
            "infer_from_client can be used only with a publishable key; with a secret key pass the customer's ip_address and user_agent.",
        )
        .with_param("mandate_data[customer_acceptance][online][infer_from_client]"));
    }
    online.insert("ip_address".into(), Value::from("127.0.0.1"));
    let agent = ctx.user_agent.clone().unwrap_or_default();
    online.insert("user_agent".into(), Value::from(agent));
    Ok(())
}

/// A fresh client secret for an intent: `<id>_secret_<random>`, as Stripe's.
pub fn client_secret(ctx: &Ctx<'_>, id: &str) -> String {
    format!(
        "{id}_secret_{}",
        ctx.new_id(crate::stripe::ids::IdKind::IntentSecret)
    )
}

/// Only `us_bank_account` is emulated; anything else is refused naming fcmock.
pub fn check_types(p: &ParamMap) -> Result<Vec<String>, ApiError> {
    let types = p.strings("payment_method_types");
    if let Some(other) = types.iter().find(|t| *t != "us_bank_account") {
        return Err(ApiError::invalid_request(format!(
            "fcmock emulates ACH Direct Debit only: payment_method_types may contain `us_bank_account`, not `{other}`."
        ))
        .with_param("payment_method_types"));
    }
    Ok(vec!["us_bank_account".to_string()])
}
