//! ACH Direct Debit resources: PaymentIntents, SetupIntents, Mandates and Charges for
//! `us_bank_account`, the way a backend uses them after Financial Connections links an
//! account (docs.stripe.com/payments/ach-direct-debit). What happens on confirm and at
//! settlement is the engine's ([`crate::engine::payments`]); this module turns parameters
//! into a [`Plan`] for a confirm, shared by both intents.

pub mod charges;
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
    current: Option<&str>,
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
    let method = p
        .map("payment_method_options")
        .and_then(|o| o.map("us_bank_account"))
        .and_then(|o| o.non_empty("verification_method"))
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
    let mandate = mandate_source(&ctx.ns.read(), p, &payment_method.id)?;
    Ok(Plan {
        options: json!({"us_bank_account": {
            "financial_connections": {"permissions": ["payment_method"], "prefetch": []},
            "verification_method": method
        }}),
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

/// `mandate_data`, else `mandate`, else the saved method's multi-use mandate (an
/// off-session payment with a method set up earlier). Without any, Stripe refuses: ACH
/// debits need the customer's authorisation.
fn mandate_source(ns: &Namespace, p: &ParamMap, pm: &str) -> Result<MandateSource, ApiError> {
    if let Some(acceptance) = p
        .map("mandate_data")
        .and_then(|m| m.map("customer_acceptance"))
    {
        let mut value = acceptance.to_json();
        if value.get("accepted_at").is_none() {
            value["accepted_at"] = Value::Null;
        }
        return Ok(MandateSource::Accepted(value));
    }
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
