//! PaymentIntents for ACH Direct Debit: create (optionally confirming), retrieve, update,
//! confirm, cancel, list, and `verify_microdeposits`. A confirmed intent is `processing`
//! until the engine settles its debit on the mock clock.

use super::client::{self, check_secret, IntentKind};
use super::{check_types, client_secret, options, plan, Verify, CONFIRM, OPTIONS};
use crate::engine::payments::{self as ach, judge, verification_error, Verification};
use crate::engine::Cause;
use crate::model::payments::{IntentStatus, PaymentIntent, PaymentIntentTag};
use crate::model::Metadata;
use crate::resources::events;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::resources::payment_methods::attach_for_intent;
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind, ParamMap, METADATA};
use crate::stripe::shapes::merge_metadata;
use serde_json::Value;

const FIELDS: &[Field] = &[
    Field::new("amount", Kind::Integer),
    Field::new("currency", Kind::String),
    Field::new("customer", Kind::String),
    Field::new("description", Kind::String).emptiable(),
    Field::new("payment_method_types", Kind::Array(&Kind::String)),
    Field::new("receipt_email", Kind::String).emptiable(),
    Field::new(
        "setup_future_usage",
        Kind::Enum(&["off_session", "on_session"]),
    ),
    Field::new("statement_descriptor", Kind::String),
    Field::new("statement_descriptor_suffix", Kind::String),
    Field::new("transfer_group", Kind::String),
    Field::new("confirm", Kind::Boolean),
    Field::new(
        "capture_method",
        Kind::Enum(&["automatic", "automatic_async", "manual"]),
    ),
    METADATA,
];
const UPDATE: &[Field] = &[
    Field::new("amount", Kind::Integer),
    Field::new("description", Kind::String).emptiable(),
    Field::new("payment_method", Kind::String),
    Field::new("receipt_email", Kind::String).emptiable(),
    OPTIONS,
    METADATA,
];
const CANCEL: &[Field] = &[Field::new(
    "cancellation_reason",
    Kind::Enum(&[
        "abandoned",
        "duplicate",
        "fraudulent",
        "requested_by_customer",
    ]),
)];
const VERIFY: &[Field] = &[
    Field::new("amounts", Kind::Array(&Kind::Integer)),
    Field::new("descriptor_code", Kind::String),
    client::CLIENT_SECRET,
];
const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("customer", Kind::String),
    Field::new("created", Kind::Range),
];

/// PaymentIntents (`pi_…`).
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("POST", "/v1/payment_intents", Handler::Collection(create)),
        Route::secret("GET", "/v1/payment_intents", Handler::Collection(list)),
        Route::intent(
            "GET",
            "/v1/payment_intents/{intent}",
            Handler::Member(retrieve),
        ),
        Route::secret(
            "POST",
            "/v1/payment_intents/{intent}",
            Handler::Member(update),
        ),
        Route::intent(
            "POST",
            "/v1/payment_intents/{intent}/confirm",
            Handler::Member(confirm),
        ),
        Route::secret(
            "POST",
            "/v1/payment_intents/{intent}/cancel",
            Handler::Member(cancel),
        ),
        Route::intent(
            "POST",
            "/v1/payment_intents/{intent}/verify_microdeposits",
            Handler::Member(verify_microdeposits),
        ),
        Route::secret(
            "POST",
            "/v1/payment_intents/{intent}/capture",
            Handler::Member(capture),
        ),
        Route::intent(
            "POST",
            "/v1/payment_intents/{intent}/link_account_sessions",
            Handler::Member(|ctx, id| client::link_account_session(ctx, IntentKind::Payment, id)),
        ),
        Route::intent(
            "POST",
            "/v1/payment_intents/{intent}/link_account_sessions/{session}/attach",
            Handler::Nested(|ctx, id, session| {
                client::attach(ctx, IntentKind::Payment, id, session)
            }),
        ),
    ],
    objects: &[ObjectKind {
        object: "payment_intent",
        prefix: Some("pi"),
        expandable: &["customer", "latest_charge", "payment_method"],
        lookup: Some(|ns, id| {
            ns.payment_intents
                .get(id)
                .and_then(|p| serde_json::to_value(p).ok())
        }),
    }],
    events: &[
        "payment_intent.canceled",
        "payment_intent.created",
        "payment_intent.payment_failed",
        "payment_intent.processing",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
    ],
};

/// `POST /v1/payment_intents`
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let spec: Vec<Field> = FIELDS.iter().chain(CONFIRM).copied().collect();
    let p = ctx.params(&spec)?;
    let amount = p
        .int("amount")
        .ok_or_else(|| ApiError::missing_parameter("amount"))?;
    let currency = p
        .non_empty("currency")
        .ok_or_else(|| ApiError::missing_parameter("currency"))?;
    check_amount(amount, currency)?;
    let types = check_types(&p)?;
    let customer = p.non_empty("customer").map(str::to_string);
    let id = ctx.new_id(crate::stripe::ids::IdKind::PaymentIntent);
    let pi = new_intent(ctx, &p, &id, (amount, currency), types)?;
    let cause = events::cause(ctx);
    if let Some(c) = &customer {
        if ctx.ns.read().customers.get(c).is_none() {
            return Err(ApiError::no_such_in_param("customer", c, "customer"));
        }
    }
    // Check the confirm before storing: a refused confirm on create makes nothing.
    let confirming = p.bool("confirm") == Some(true);
    let planned = match confirming {
        true => Some(plan(
            ctx,
            &p,
            (pi.payment_method.as_deref(), &pi.payment_method_options),
            customer.as_deref(),
        )?),
        false => None,
    };
    ctx.check_expand(&pi)?;
    let mut ns = ctx.ns.write();
    ns.payment_intents.insert(id.clone(), ctx.now, pi.clone());
    ctx.app.store.index_intent(&id, &ctx.namespace);
    crate::engine::emit(
        ctx.app,
        &mut ns,
        "payment_intent.created",
        crate::engine::snapshot(&pi),
        None,
        &cause,
    );
    if let Some(planned) = planned {
        apply_confirm(ctx, &mut ns, &id, planned, &cause)?;
    }
    let pi = ns.payment_intents.get(&id).cloned();
    drop(ns);
    ctx.render(&pi)
}

/// The PaymentIntent a create makes, before any confirm.
fn new_intent(
    ctx: &Ctx<'_>,
    p: &ParamMap,
    id: &str,
    (amount, currency): (i64, &str),
    types: Vec<String>,
) -> Result<PaymentIntent, ApiError> {
    let mut metadata = Metadata::new();
    merge_metadata(&mut metadata, p.get("metadata"))?;
    let text = |k: &str| p.non_empty(k).map(str::to_string);
    Ok(PaymentIntent {
        client_secret: client_secret(ctx, id),
        id: id.to_string(),
        object: PaymentIntentTag,
        amount,
        amount_capturable: 0,
        amount_received: 0,
        application: None,
        application_fee_amount: None,
        automatic_payment_methods: None,
        canceled_at: None,
        cancellation_reason: None,
        capture_method: capture_method(p)?,
        confirmation_method: "automatic".into(),
        created: ctx.now,
        currency: currency.to_ascii_lowercase(),
        customer: p.non_empty("customer").map(str::to_string),
        description: text("description"),
        last_payment_error: None,
        latest_charge: None,
        livemode: false,
        metadata,
        next_action: None,
        on_behalf_of: None,
        payment_method: text("payment_method"),
        payment_method_options: options(p, &Value::Null)?,
        payment_method_types: types,
        processing: None,
        receipt_email: text("receipt_email"),
        review: None,
        setup_future_usage: text("setup_future_usage"),
        shipping: None,
        statement_descriptor: text("statement_descriptor"),
        statement_descriptor_suffix: text("statement_descriptor_suffix"),
        status: if p.contains("payment_method") {
            IntentStatus::RequiresConfirmation
        } else {
            IntentStatus::RequiresPaymentMethod
        },
        transfer_data: None,
        transfer_group: text("transfer_group"),
    })
}

/// `capture_method`: since `2024-04-10` (older than every version fcmock speaks) Stripe's
/// default is `automatic_async` (docs.stripe.com/changelog/2024-04-10/
/// automatic-sync-default-paymentintents). ACH cannot be captured manually
/// (docs.stripe.com/charges/placing-a-hold: "payment methods … like ACH or iDEAL, you can't
/// capture manually").
fn capture_method(p: &ParamMap) -> Result<String, ApiError> {
    match p.non_empty("capture_method").unwrap_or("automatic_async") {
        "manual" => Err(ApiError::invalid_request(
            "The payment method type `us_bank_account` does not support manual capture: ACH debits are captured automatically.",
        )
        .with_param("capture_method")),
        method => Ok(method.to_string()),
    }
}

/// Stripe's minimum for a USD charge is $0.50; ACH debits are in USD only.
fn check_amount(amount: i64, currency: &str) -> Result<(), ApiError> {
    if !currency.eq_ignore_ascii_case("usd") {
        return Err(ApiError::invalid_request(format!(
            "The currency provided ({currency}) is invalid for us_bank_account payments: ACH Direct Debit is in `usd` only."
        ))
        .with_param("currency"));
    }
    if amount < 50 {
        return Err(
            ApiError::invalid_request("Amount must be at least $0.50 usd")
                .with_code("amount_too_small")
                .with_param("amount"),
        );
    }
    Ok(())
}

/// Stores the plan's PaymentMethod and mandate on the intent, then debits (instant) or waits
/// for microdeposits.
fn apply_confirm(
    ctx: &Ctx<'_>,
    ns: &mut Namespace,
    id: &str,
    planned: super::Plan,
    cause: &Cause,
) -> Result<(), ApiError> {
    let pm_id = planned.payment_method.id.clone();
    if planned.is_new {
        ns.upsert_payment_method(planned.payment_method);
    }
    let pi = ns
        .payment_intents
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::internal("payment intent vanished"))?;
    let single_use = pi
        .setup_future_usage
        .is_none()
        .then_some((pi.amount, pi.currency.as_str()));
    let mandate = ach::mandate_for(ctx.app, ns, &pm_id, planned.mandate, single_use)?;
    ns.payment_state.entry(id.to_string()).or_default().mandate = Some(mandate);
    if let (Some(_), Some(customer)) = (&pi.setup_future_usage, &pi.customer) {
        attach_for_intent(ctx, ns, &pm_id, customer, cause);
    }
    let action = ach::microdeposit_action(ctx.app, id, &pi.client_secret);
    let updated = {
        let pi = ns
            .payment_intents
            .get_mut(id)
            .ok_or_else(|| ApiError::internal("payment intent vanished"))?;
        pi.payment_method = Some(pm_id);
        pi.payment_method_options = planned.options;
        if planned.verify == Verify::Microdeposits {
            pi.status = IntentStatus::RequiresAction;
            pi.next_action = Some(action);
        }
        crate::engine::snapshot(&*pi)
    };
    match planned.verify {
        Verify::Instant => ach::start_debit(ctx.app, ns, id, cause),
        Verify::Microdeposits => {
            ach::await_microdeposits(ctx.app, ns, id);
            crate::engine::emit(
                ctx.app,
                ns,
                "payment_intent.requires_action",
                updated,
                None,
                cause,
            );
            Ok(())
        }
    }
}

fn find(ctx: &Ctx<'_>, id: &str) -> Result<PaymentIntent, ApiError> {
    ctx.ns
        .read()
        .payment_intents
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("payment_intent", id))
}

/// `GET /v1/payment_intents/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(&[client::CLIENT_SECRET])?;
    let pi = find(ctx, id)?;
    check_secret(
        ctx,
        IntentKind::Payment,
        p.non_empty("client_secret"),
        &pi.client_secret,
    )?;
    client::render(ctx, IntentKind::Payment, id)
}

/// `POST /v1/payment_intents/{id}/confirm`
pub fn confirm(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(CONFIRM)?;
    let cause = events::cause(ctx);
    let pi = find(ctx, id)?;
    check_secret(
        ctx,
        IntentKind::Payment,
        p.non_empty("client_secret"),
        &pi.client_secret,
    )?;
    confirmable(&pi)?;
    let planned = plan(
        ctx,
        &p,
        (pi.payment_method.as_deref(), &pi.payment_method_options),
        pi.customer.as_deref(),
    )?;
    ctx.check_expand(&pi)?;
    let mut ns = ctx.ns.write();
    // Another request may have confirmed it meanwhile: check again under the lock.
    ns.payment_intents.get(id).map_or(Ok(()), confirmable)?;
    apply_confirm(ctx, &mut ns, id, planned, &cause)?;
    drop(ns);
    client::render(ctx, IntentKind::Payment, id)
}

fn confirmable(pi: &PaymentIntent) -> Result<(), ApiError> {
    match pi.status {
        IntentStatus::RequiresPaymentMethod | IntentStatus::RequiresConfirmation => Ok(()),
        _ => Err(unexpected_state(pi, "confirm")),
    }
}

/// Stripe's `payment_intent_unexpected_state` error for an action the status forbids.
fn unexpected_state(pi: &PaymentIntent, action: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "You cannot {action} this PaymentIntent because it has a status of {}.",
        pi.status
    ))
    .with_code("payment_intent_unexpected_state")
}

/// `POST /v1/payment_intents/{id}`
pub fn update(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(UPDATE)?;
    let mut pi = find(ctx, id)?;
    if matches!(
        pi.status,
        IntentStatus::Processing | IntentStatus::Succeeded | IntentStatus::Canceled
    ) {
        return Err(unexpected_state(&pi, "update"));
    }
    apply_update(&mut pi, &p)?;
    ctx.check_expand(&pi)?;
    ctx.ns
        .write()
        .payment_intents
        .insert(id.to_string(), pi.created, pi.clone());
    ctx.render(&pi)
}

fn apply_update(pi: &mut PaymentIntent, p: &ParamMap) -> Result<(), ApiError> {
    if let Some(amount) = p.int("amount") {
        check_amount(amount, &pi.currency)?;
        pi.amount = amount;
    }
    let text = |k: &str| p.non_empty(k).map(str::to_string);
    if p.contains("description") {
        pi.description = text("description");
    }
    if p.contains("receipt_email") {
        pi.receipt_email = text("receipt_email");
    }
    if let Some(pm) = p.non_empty("payment_method") {
        pi.payment_method = Some(pm.to_string());
        pi.status = IntentStatus::RequiresConfirmation;
    }
    merge_metadata(&mut pi.metadata, p.get("metadata"))
}

/// `POST /v1/payment_intents/{id}/capture`: only a `requires_capture` intent can be
/// captured, and an ACH PaymentIntent never is one (it captures automatically), so this
/// answers Stripe's `payment_intent_unexpected_state` for every intent that exists.
pub fn capture(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[
        Field::new("amount_to_capture", Kind::Integer),
        Field::new("metadata", Kind::Metadata),
    ])?;
    let pi = find(ctx, id)?;
    Err(ApiError::invalid_request(format!(
        "This PaymentIntent could not be captured because it has a status of {}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
        pi.status
    ))
    .with_code("payment_intent_unexpected_state"))
}

/// `POST /v1/payment_intents/{id}/cancel`: allowed until the debit settles; a `processing`
/// ACH debit can be cancelled before the bank takes it (Stripe's "stays processing" test
/// number exists to test this).
pub fn cancel(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(CANCEL)?;
    let cause = events::cause(ctx);
    let pi = find(ctx, id)?;
    if matches!(pi.status, IntentStatus::Succeeded | IntentStatus::Canceled) {
        return Err(unexpected_state(&pi, "cancel"));
    }
    ctx.check_expand(&pi)?;
    let mut ns = ctx.ns.write();
    if let Some(state) = ns.payment_state.get_mut(id) {
        state.settles_at = None;
    }
    let now = ctx.now;
    let reason = p.non_empty("cancellation_reason").map(str::to_string);
    let updated = ns.payment_intents.get_mut(id).map(|pi| {
        pi.status = IntentStatus::Canceled;
        pi.canceled_at = Some(now);
        pi.cancellation_reason = reason;
        pi.next_action = None;
        pi.clone()
    });
    if let Some(pi) = &updated {
        crate::engine::emit(
            ctx.app,
            &mut ns,
            "payment_intent.canceled",
            crate::engine::snapshot(pi),
            None,
            &cause,
        );
    }
    drop(ns);
    ctx.render(&updated)
}

/// `POST /v1/payment_intents/{id}/verify_microdeposits`: Stripe's test amounts (32, 45) or
/// descriptor code (`SM11AA`) verify and start the debit; its "exceeded" and "timeout" values
/// and too many wrong attempts end verification, the intent back to
/// `requires_payment_method`.
pub fn verify_microdeposits(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(VERIFY)?;
    let amounts: Option<Vec<i64>> = p.get("amounts").map(|_| {
        p.strings("amounts")
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect()
    });
    let code = p.non_empty("descriptor_code").map(str::to_string);
    check_verify_params(amounts.as_deref(), code.as_deref())?;
    let cause = events::cause(ctx);
    let mut ns = ctx.ns.write();
    let pi = ns
        .payment_intents
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("payment_intent", id))?;
    check_secret(
        ctx,
        IntentKind::Payment,
        p.non_empty("client_secret"),
        &pi.client_secret,
    )?;
    if pi.status != IntentStatus::RequiresAction {
        return Err(unexpected_state(&pi, "verify microdeposits on"));
    }
    let verdict = judge(
        ns.payment_state.entry(id.to_string()).or_default(),
        amounts.as_deref(),
        code.as_deref(),
    );
    match verdict {
        Verification::Verified => ach::start_debit(ctx.app, &mut ns, id, &cause)?,
        Verification::Mismatch => {}
        Verification::Exhausted | Verification::TimedOut => {
            let error = verification_error(verdict, code.is_some()).map(|e| e.body_json());
            if let Some(pi) = ns.payment_intents.get_mut(id) {
                pi.status = IntentStatus::RequiresPaymentMethod;
                pi.next_action = None;
                pi.last_payment_error = error;
                pi.payment_method = None;
                let object = crate::engine::snapshot(&*pi);
                crate::engine::emit(
                    ctx.app,
                    &mut ns,
                    "payment_intent.payment_failed",
                    object,
                    None,
                    &cause,
                );
            }
        }
    }
    drop(ns);
    match verification_error(verdict, code.is_some()) {
        Some(error) => Err(error),
        None => client::render(ctx, IntentKind::Payment, id),
    }
}

/// Exactly one of `amounts` (two integers) and `descriptor_code` (six characters, `SM…`).
pub fn check_verify_params(amounts: Option<&[i64]>, code: Option<&str>) -> Result<(), ApiError> {
    match (amounts, code) {
        (Some(a), None) if a.len() == 2 => Ok(()),
        (Some(_), None) => Err(ApiError::invalid_request(
            "Two amounts are required to verify microdeposits.",
        )
        .with_code("payment_method_microdeposit_verification_amounts_invalid")
        .with_param("amounts")),
        (None, Some(c)) if c.len() == 6 && c.starts_with("SM") => Ok(()),
        (None, Some(_)) => Err(ApiError::invalid_request(
            "The descriptor code is six characters and starts with `SM`.",
        )
        .with_code("payment_method_microdeposit_verification_descriptor_code_mismatch")
        .with_param("descriptor_code")),
        (Some(_), Some(_)) => Err(ApiError::exclusive(&["amounts", "descriptor_code"])),
        (None, None) => Err(ApiError::missing_parameter("amounts")),
    }
}

/// `GET /v1/payment_intents`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let customer = p.non_empty("customer").map(str::to_string);
    let list = {
        let ns = ctx.ns.read();
        let matches = |pi: &PaymentIntent| customer.is_none() || pi.customer == customer;
        let found = ns
            .payment_intents
            .page(page.cursor(), page.limit, matches)
            .map_err(page.cursor_error("PaymentIntent"))?;
        List::from_page(found, "/v1/payment_intents")
    };
    ctx.render(&list)
}
