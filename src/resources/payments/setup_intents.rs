//! SetupIntents for ACH Direct Debit: save a bank account for later payments. Confirming
//! with a linked account succeeds at once with a `multi_use` mandate and attaches the
//! PaymentMethod to the customer; a manually entered one waits for microdeposits.

use super::client::{self, check_secret, IntentKind};
use super::payment_intents::check_verify_params;
use super::{check_types, client_secret, options, plan, Verify, CONFIRM};
use crate::engine::payments::{self as ach, judge, verification_error, Verification};
use crate::engine::{emit, snapshot, Cause};
use crate::model::payments::{IntentStatus, SetupIntent, SetupIntentTag};
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
    Field::new("customer", Kind::String),
    Field::new("description", Kind::String).emptiable(),
    Field::new("payment_method_types", Kind::Array(&Kind::String)),
    Field::new("usage", Kind::Enum(&["off_session", "on_session"])),
    Field::new("confirm", Kind::Boolean),
    METADATA,
];
const UPDATE: &[Field] = &[
    Field::new("description", Kind::String).emptiable(),
    Field::new("payment_method", Kind::String),
    METADATA,
];
const VERIFY: &[Field] = &[
    Field::new("amounts", Kind::Array(&Kind::Integer)),
    Field::new("descriptor_code", Kind::String),
    client::CLIENT_SECRET,
];
const CANCEL: &[Field] = &[Field::new(
    "cancellation_reason",
    Kind::Enum(&["abandoned", "duplicate", "requested_by_customer"]),
)];
const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("customer", Kind::String),
    Field::new("payment_method", Kind::String),
    Field::new("created", Kind::Range),
];

/// SetupIntents (`seti_…`).
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("POST", "/v1/setup_intents", Handler::Collection(create)),
        Route::secret("GET", "/v1/setup_intents", Handler::Collection(list)),
        Route::intent(
            "GET",
            "/v1/setup_intents/{intent}",
            Handler::Member(retrieve),
        ),
        Route::secret(
            "POST",
            "/v1/setup_intents/{intent}",
            Handler::Member(update),
        ),
        Route::intent(
            "POST",
            "/v1/setup_intents/{intent}/confirm",
            Handler::Member(confirm),
        ),
        Route::secret(
            "POST",
            "/v1/setup_intents/{intent}/cancel",
            Handler::Member(cancel),
        ),
        Route::intent(
            "POST",
            "/v1/setup_intents/{intent}/verify_microdeposits",
            Handler::Member(verify_microdeposits),
        ),
        Route::intent(
            "POST",
            "/v1/setup_intents/{intent}/link_account_sessions",
            Handler::Member(|ctx, id| client::link_account_session(ctx, IntentKind::Setup, id)),
        ),
        Route::intent(
            "POST",
            "/v1/setup_intents/{intent}/link_account_sessions/{session}/attach",
            Handler::Nested(|ctx, id, session| client::attach(ctx, IntentKind::Setup, id, session)),
        ),
    ],
    objects: &[ObjectKind {
        object: "setup_intent",
        prefix: Some("seti"),
        expandable: &["customer", "mandate", "payment_method"],
        lookup: Some(|ns, id| {
            ns.setup_intents
                .get(id)
                .and_then(|s| serde_json::to_value(s).ok())
        }),
    }],
    events: &[
        "setup_intent.canceled",
        "setup_intent.created",
        "setup_intent.requires_action",
        "setup_intent.setup_failed",
        "setup_intent.succeeded",
    ],
};

/// `POST /v1/setup_intents`
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let spec: Vec<Field> = FIELDS.iter().chain(CONFIRM).copied().collect();
    let p = ctx.params(&spec)?;
    let types = check_types(&p)?;
    let customer = p.non_empty("customer").map(str::to_string);
    let id = ctx.new_id(crate::stripe::ids::IdKind::SetupIntent);
    let si = new_intent(ctx, &p, &id, types)?;
    let cause = events::cause(ctx);
    if let Some(c) = &customer {
        if ctx.ns.read().customers.get(c).is_none() {
            return Err(ApiError::no_such_in_param("customer", c, "customer"));
        }
    }
    let planned = match p.bool("confirm") == Some(true) {
        true => Some(plan(
            ctx,
            &p,
            (si.payment_method.as_deref(), &si.payment_method_options),
            customer.as_deref(),
        )?),
        false => None,
    };
    ctx.check_expand(&si)?;
    let mut ns = ctx.ns.write();
    ns.setup_intents.insert(id.clone(), ctx.now, si.clone());
    ctx.app.store.index_intent(&id, &ctx.namespace);
    emit(
        ctx.app,
        &mut ns,
        "setup_intent.created",
        snapshot(&si),
        None,
        &cause,
    );
    if let Some(planned) = planned {
        apply_confirm(ctx, &mut ns, &id, planned, &cause)?;
    }
    let si = ns.setup_intents.get(&id).cloned();
    drop(ns);
    ctx.render(&si)
}

/// The SetupIntent a create makes, before any confirm.
fn new_intent(
    ctx: &Ctx<'_>,
    p: &ParamMap,
    id: &str,
    types: Vec<String>,
) -> Result<SetupIntent, ApiError> {
    let mut metadata = Metadata::new();
    merge_metadata(&mut metadata, p.get("metadata"))?;
    let payment_method = p.non_empty("payment_method").map(str::to_string);
    Ok(SetupIntent {
        client_secret: client_secret(ctx, id),
        id: id.to_string(),
        object: SetupIntentTag,
        application: None,
        automatic_payment_methods: None,
        cancellation_reason: None,
        created: ctx.now,
        customer: p.non_empty("customer").map(str::to_string),
        description: p.non_empty("description").map(str::to_string),
        flow_directions: None,
        last_setup_error: None,
        latest_attempt: None,
        livemode: false,
        mandate: None,
        metadata,
        next_action: None,
        on_behalf_of: None,
        status: if payment_method.is_some() {
            IntentStatus::RequiresConfirmation
        } else {
            IntentStatus::RequiresPaymentMethod
        },
        payment_method,
        payment_method_options: options(p, &Value::Null)?,
        payment_method_types: types,
        single_use_mandate: None,
        usage: p.non_empty("usage").unwrap_or("off_session").to_string(),
    })
}

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
    let mandate = ach::mandate_for(ctx.app, ns, &pm_id, planned.mandate, None)?;
    let secret = ns
        .setup_intents
        .get(id)
        .map(|s| s.client_secret.clone())
        .unwrap_or_default();
    let action = ach::microdeposit_action(ctx.app, id, &secret);
    let si = ns
        .setup_intents
        .get_mut(id)
        .ok_or_else(|| ApiError::internal("setup intent vanished"))?;
    si.payment_method = Some(pm_id);
    si.payment_method_options = planned.options;
    ns.payment_state.entry(id.to_string()).or_default().mandate = Some(mandate);
    match planned.verify {
        Verify::Instant => succeed(ctx, ns, id, cause),
        Verify::Microdeposits => {
            let si = ns
                .setup_intents
                .get_mut(id)
                .ok_or_else(|| ApiError::internal("setup intent vanished"))?;
            si.status = IntentStatus::RequiresAction;
            si.next_action = Some(action);
            let object = snapshot(&*si);
            ach::await_microdeposits(ctx.app, ns, id);
            emit(
                ctx.app,
                ns,
                "setup_intent.requires_action",
                object,
                None,
                cause,
            );
            Ok(())
        }
    }
}

/// Verified: the mandate is the intent's, the PaymentMethod the customer's.
fn succeed(ctx: &Ctx<'_>, ns: &mut Namespace, id: &str, cause: &Cause) -> Result<(), ApiError> {
    let mandate = ns.payment_state.get(id).and_then(|b| b.mandate.clone());
    let si = ns
        .setup_intents
        .get_mut(id)
        .ok_or_else(|| ApiError::internal("setup intent vanished"))?;
    si.status = IntentStatus::Succeeded;
    si.next_action = None;
    si.last_setup_error = None;
    si.mandate = mandate;
    let (customer, pm) = (si.customer.clone(), si.payment_method.clone());
    let object = snapshot(&*si);
    if let (Some(customer), Some(pm)) = (customer, pm) {
        attach_for_intent(ctx, ns, &pm, &customer, cause);
    }
    emit(ctx.app, ns, "setup_intent.succeeded", object, None, cause);
    Ok(())
}

fn find(ctx: &Ctx<'_>, id: &str) -> Result<SetupIntent, ApiError> {
    ctx.ns
        .read()
        .setup_intents
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("setup_intent", id))
}

fn unexpected_state(si: &SetupIntent, action: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "You cannot {action} this SetupIntent because it has a status of {}.",
        si.status
    ))
    .with_code("setup_intent_unexpected_state")
}

/// `GET /v1/setup_intents/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(&[client::CLIENT_SECRET])?;
    let si = find(ctx, id)?;
    check_secret(
        ctx,
        IntentKind::Setup,
        p.non_empty("client_secret"),
        &si.client_secret,
    )?;
    client::render(ctx, IntentKind::Setup, id)
}

/// `POST /v1/setup_intents/{id}/confirm`
pub fn confirm(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(CONFIRM)?;
    let cause = events::cause(ctx);
    let si = find(ctx, id)?;
    check_secret(
        ctx,
        IntentKind::Setup,
        p.non_empty("client_secret"),
        &si.client_secret,
    )?;
    confirmable(&si)?;
    let planned = plan(
        ctx,
        &p,
        (si.payment_method.as_deref(), &si.payment_method_options),
        si.customer.as_deref(),
    )?;
    ctx.check_expand(&si)?;
    let mut ns = ctx.ns.write();
    // Another request may have confirmed it meanwhile: check again under the lock.
    ns.setup_intents.get(id).map_or(Ok(()), confirmable)?;
    apply_confirm(ctx, &mut ns, id, planned, &cause)?;
    drop(ns);
    client::render(ctx, IntentKind::Setup, id)
}

fn confirmable(si: &SetupIntent) -> Result<(), ApiError> {
    match si.status {
        IntentStatus::RequiresPaymentMethod | IntentStatus::RequiresConfirmation => Ok(()),
        _ => Err(unexpected_state(si, "confirm")),
    }
}

/// `POST /v1/setup_intents/{id}`
pub fn update(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(UPDATE)?;
    let mut si = find(ctx, id)?;
    if matches!(si.status, IntentStatus::Succeeded | IntentStatus::Canceled) {
        return Err(unexpected_state(&si, "update"));
    }
    if p.contains("description") {
        si.description = p.non_empty("description").map(str::to_string);
    }
    if let Some(pm) = p.non_empty("payment_method") {
        si.payment_method = Some(pm.to_string());
        si.status = IntentStatus::RequiresConfirmation;
    }
    merge_metadata(&mut si.metadata, p.get("metadata"))?;
    ctx.check_expand(&si)?;
    ctx.ns
        .write()
        .setup_intents
        .insert(id.to_string(), si.created, si.clone());
    ctx.render(&si)
}

/// `POST /v1/setup_intents/{id}/cancel`
pub fn cancel(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(CANCEL)?;
    let cause = events::cause(ctx);
    let si = find(ctx, id)?;
    if matches!(si.status, IntentStatus::Succeeded | IntentStatus::Canceled) {
        return Err(unexpected_state(&si, "cancel"));
    }
    ctx.check_expand(&si)?;
    let mut ns = ctx.ns.write();
    let reason = p.non_empty("cancellation_reason").map(str::to_string);
    let updated = ns.setup_intents.get_mut(id).map(|si| {
        si.status = IntentStatus::Canceled;
        si.cancellation_reason = reason;
        si.next_action = None;
        si.clone()
    });
    if let Some(si) = &updated {
        emit(
            ctx.app,
            &mut ns,
            "setup_intent.canceled",
            snapshot(si),
            None,
            &cause,
        );
    }
    drop(ns);
    ctx.render(&updated)
}

/// `POST /v1/setup_intents/{id}/verify_microdeposits`
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
    let si = ns
        .setup_intents
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("setup_intent", id))?;
    check_secret(
        ctx,
        IntentKind::Setup,
        p.non_empty("client_secret"),
        &si.client_secret,
    )?;
    if si.status != IntentStatus::RequiresAction {
        return Err(unexpected_state(&si, "verify microdeposits on"));
    }
    let verdict = judge(
        ns.payment_state.entry(id.to_string()).or_default(),
        amounts.as_deref(),
        code.as_deref(),
    );
    match verdict {
        Verification::Verified => succeed(ctx, &mut ns, id, &cause)?,
        Verification::Mismatch => {}
        Verification::Exhausted | Verification::TimedOut => {
            let error = verification_error(verdict, code.is_some()).map(|e| e.body_json());
            if let Some(si) = ns.setup_intents.get_mut(id) {
                si.status = IntentStatus::RequiresPaymentMethod;
                si.next_action = None;
                si.last_setup_error = error;
                si.payment_method = None;
                let object = snapshot(&*si);
                emit(
                    ctx.app,
                    &mut ns,
                    "setup_intent.setup_failed",
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
        None => client::render(ctx, IntentKind::Setup, id),
    }
}

/// `GET /v1/setup_intents`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let customer = p.non_empty("customer").map(str::to_string);
    let pm = p.non_empty("payment_method").map(str::to_string);
    let list = {
        let ns = ctx.ns.read();
        let matches = |si: &SetupIntent| {
            (customer.is_none() || si.customer == customer)
                && (pm.is_none() || si.payment_method == pm)
        };
        let found = ns
            .setup_intents
            .page(page.cursor(), page.limit, matches)
            .map_err(page.cursor_error("SetupIntent"))?;
        List::from_page(found, "/v1/setup_intents")
    };
    ctx.render(&list)
}
