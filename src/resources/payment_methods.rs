//! PaymentMethods of type `us_bank_account`: create (from a Financial Connections account,
//! or from raw account and routing numbers), retrieve, update, attach, detach, list, and a
//! customer's list and retrieve. Attaching, detaching and updating fire Stripe's
//! `payment_method.attached`, `.detached` and `.updated` events.

use crate::engine;
use crate::fixtures::AccountFixture;
use crate::model::fc_enums::{PaymentMethodType, Permission, Subcategory};
use crate::model::financial_connections::FcAccount;
use crate::model::payment_method::{
    BillingDetails, Networks, PaymentMethod, PaymentMethodTag, UsBankAccount,
};
use crate::model::{Address, Metadata};
use crate::resources::events;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::store::table::KeySet;
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::ids::{fingerprint, IdKind};
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind, ParamMap, METADATA};
use crate::stripe::shapes::{address, merge_metadata, ADDRESS};
use serde_json::json;

const BILLING_DETAILS: &[Field] = &[
    Field::new("address", Kind::Object(ADDRESS)).emptiable(),
    Field::new("email", Kind::String).emptiable(),
    Field::new("name", Kind::String).emptiable(),
    Field::new("phone", Kind::String).emptiable(),
];

const US_BANK_ACCOUNT: &[Field] = &[
    Field::new(
        "account_holder_type",
        Kind::Enum(&["company", "individual"]),
    ),
    Field::new("account_number", Kind::String),
    Field::new("account_type", Kind::Enum(&["checking", "savings"])),
    Field::new("financial_connections_account", Kind::String),
    Field::new("routing_number", Kind::String),
];

const CREATE: &[Field] = &[
    Field::new("type", Kind::String),
    Field::new("us_bank_account", Kind::Object(US_BANK_ACCOUNT)),
    Field::new("billing_details", Kind::Object(BILLING_DETAILS)),
    Field::new("customer", Kind::String),
    Field::new("payment_method", Kind::String),
    Field::new("metadata", Kind::Metadata),
    Field::new(
        "allow_redisplay",
        Kind::Enum(&["always", "limited", "unspecified"]),
    ),
];

const UPDATE: &[Field] = &[
    Field::new("billing_details", Kind::Object(BILLING_DETAILS)),
    METADATA,
    Field::new(
        "us_bank_account",
        Kind::Object(&[Field::new(
            "account_holder_type",
            Kind::Enum(&["company", "individual"]),
        )]),
    ),
];

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("customer", Kind::String),
    Field::new("type", Kind::String),
];
const CUSTOMER_LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("type", Kind::String),
];

/// PaymentMethods of type `us_bank_account`, made from linked Financial Connections accounts.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("POST", "/v1/payment_methods", Handler::Collection(create)),
        Route::secret("GET", "/v1/payment_methods", Handler::Collection(list)),
        Route::secret(
            "GET",
            "/v1/payment_methods/{payment_method}",
            Handler::Member(retrieve),
        ),
        Route::secret(
            "POST",
            "/v1/payment_methods/{payment_method}",
            Handler::Member(update),
        ),
        Route::secret(
            "POST",
            "/v1/payment_methods/{payment_method}/attach",
            Handler::Member(attach),
        ),
        Route::secret(
            "POST",
            "/v1/payment_methods/{payment_method}/detach",
            Handler::Member(detach),
        ),
        Route::secret(
            "GET",
            "/v1/customers/{customer}/payment_methods",
            Handler::Member(list_for_customer),
        ),
        Route::secret(
            "GET",
            "/v1/customers/{customer}/payment_methods/{payment_method}",
            Handler::Nested(retrieve_for_customer),
        ),
    ],
    objects: &[ObjectKind {
        object: "payment_method",
        prefix: Some("pm"),
        expandable: &["billing_details", "customer", "us_bank_account"],
        lookup: Some(|ns, id| {
            ns.payment_methods
                .get(id)
                .and_then(|p| serde_json::to_value(p).ok())
        }),
    }],
    // Stripe fires no `payment_method.created`: a PaymentMethod is seen first when attached.
    events: &[
        "payment_method.attached",
        "payment_method.detached",
        "payment_method.updated",
    ],
};

/// `POST /v1/payment_methods`
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(CREATE)?;
    if p.contains("payment_method") || p.contains("customer") {
        // Cloning a customer's PaymentMethod onto a connected account (Connect only).
        let param = if p.contains("customer") {
            "customer"
        } else {
            "payment_method"
        };
        return Err(ApiError::invalid_request(
            "fcmock does not emulate cloning PaymentMethods between accounts.",
        )
        .with_param(param));
    }
    let pm = build(ctx, &p, "")?;
    // Render first: a bad `expand[]` must refuse the request before anything changes.
    let reply = ctx.render(&pm)?;
    ctx.ns.write().upsert_payment_method(pm);
    Ok(reply)
}

/// The parameters of `payment_method_data` on an intent's create or confirm: the same as
/// `POST /v1/payment_methods` takes, inside that hash.
pub const DATA: &[Field] = &[
    Field::new("type", Kind::String),
    Field::new("us_bank_account", Kind::Object(US_BANK_ACCOUNT)),
    Field::new("billing_details", Kind::Object(BILLING_DETAILS)),
    Field::new("metadata", Kind::Metadata),
    Field::new(
        "allow_redisplay",
        Kind::Enum(&["always", "limited", "unspecified"]),
    ),
];

/// A new, unattached `us_bank_account` PaymentMethod from create parameters (`p`), whose
/// errors name parameters under `prefix` (`payment_method_data` on an intent).
pub fn build(ctx: &Ctx<'_>, p: &ParamMap, prefix: &str) -> Result<PaymentMethod, ApiError> {
    let named = |name: &str| match prefix {
        "" => name.to_string(),
        _ => format!("{prefix}[{name}]"),
    };
    let method_type = p
        .non_empty("type")
        .ok_or_else(|| ApiError::missing_parameter(&named("type")))?;
    if method_type != "us_bank_account" {
        return Err(ApiError::invalid_request(format!(
            "fcmock emulates Financial Connections and creates only `us_bank_account` PaymentMethods, not `{method_type}`."
        ))
        .with_param(named("type")));
    }
    let billing = billing_details(p.map("billing_details"), BillingDetails::default());
    if billing.name.is_none() {
        // Stripe requires the account holder's name for us_bank_account PaymentMethods.
        return Err(ApiError::missing_parameter(&named("billing_details[name]")));
    }
    let bank = p.map("us_bank_account").cloned().unwrap_or_default();
    let us_bank_account = match bank.non_empty("financial_connections_account") {
        Some(fca) => from_fc_account(ctx, fca, &bank)?,
        None => from_numbers(&bank)?,
    };
    let mut metadata = Metadata::new();
    merge_metadata(&mut metadata, p.get("metadata"))?;
    Ok(PaymentMethod {
        id: ctx.new_id(IdKind::PaymentMethod),
        object: PaymentMethodTag,
        allow_redisplay: p
            .non_empty("allow_redisplay")
            .unwrap_or("unspecified")
            .to_string(),
        billing_details: billing,
        created: ctx.now,
        customer: None,
        customer_account: None,
        livemode: false,
        metadata,
        method_type: "us_bank_account".into(),
        us_bank_account,
    })
}

fn from_fc_account(ctx: &Ctx<'_>, fca: &str, bank: &ParamMap) -> Result<UsBankAccount, ApiError> {
    let param = "us_bank_account[financial_connections_account]";
    let ns = ctx.ns.read();
    let linked = ns
        .fc_accounts
        .get(fca)
        .ok_or_else(|| ApiError::no_such_in_param("financial connections account", fca, param))?;
    let account = &linked.account;
    check_payment_method_use(account, fca, param)?;
    let fixture = ctx
        .app
        .fixtures
        .institution(&linked.link.institution)
        .and_then(|i| i.account(&linked.link.fixture_account));
    let (routing, number) = bank_numbers(fixture, account);
    Ok(UsBankAccount {
        account_holder_type: bank
            .str("account_holder_type")
            .map(str::to_string)
            .or_else(|| fixture.map(|f| f.account_holder_type.as_str().to_string())),
        account_type: Some(
            if account.subcategory == Subcategory::Savings {
                "savings"
            } else {
                "checking"
            }
            .into(),
        ),
        bank_name: Some(bank_name(&routing)),
        financial_connections_account: Some(fca.to_string()),
        fingerprint: Some(fingerprint(&routing, &number)),
        last4: account.last4.clone(),
        networks: Some(Networks {
            preferred: Some("ach".into()),
            supported: vec!["ach".into()],
        }),
        routing_number: Some(routing),
        status_details: None,
    })
}

/// Stripe refuses a PaymentMethod from an account the user did not share for payments, or
/// one its bank cannot debit by ACH; the error names the account as the request gave it.
fn check_payment_method_use(account: &FcAccount, fca: &str, param: &str) -> Result<(), ApiError> {
    if !account
        .permissions
        .as_ref()
        .is_some_and(|p| p.contains(&Permission::PaymentMethod))
    {
        return Err(ApiError::invalid_request(format!(
            "The Financial Connections account {fca} was not collected with the `payment_method` permission, so it cannot be used to create a PaymentMethod."
        ))
        .with_param(param));
    }
    if !account
        .supported_payment_method_types
        .contains(&PaymentMethodType::UsBankAccount)
    {
        return Err(ApiError::invalid_request(format!(
            "The Financial Connections account {fca} does not support the `us_bank_account` payment method type."
        ))
        .with_param(param));
    }
    Ok(())
}

/// `(routing, account number)` from the account's fixture, so the fingerprint equals that
/// of a PaymentMethod or token made from the same numbers by hand. An account whose
/// fixture is not loaded (state imported against other fixtures) gets Stripe's test bank
/// and a number ending in its `last4`.
fn bank_numbers(fixture: Option<&AccountFixture>, account: &FcAccount) -> (String, String) {
    let routing = fixture
        .map(|f| f.routing_number.clone())
        .unwrap_or_else(|| "110000000".into());
    let number = fixture
        .map(|f| f.account_number.clone())
        .unwrap_or_else(|| format!("0000{}", account.last4.clone().unwrap_or_default()));
    (routing, number)
}

fn from_numbers(bank: &ParamMap) -> Result<UsBankAccount, ApiError> {
    let number = bank
        .non_empty("account_number")
        .ok_or_else(|| ApiError::missing_parameter("us_bank_account[account_number]"))?;
    let routing = bank
        .non_empty("routing_number")
        .ok_or_else(|| ApiError::missing_parameter("us_bank_account[routing_number]"))?;
    // US account numbers are 4 to 17 digits (the ACH format Stripe validates).
    if !(4..=17).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_request(
            "Invalid account number: it must be 4 to 17 digits.",
        )
        .with_param("us_bank_account[account_number]"));
    }
    if routing.len() != 9 || !routing.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            ApiError::invalid_request("Routing number must have 9 digits")
                .with_param("us_bank_account[routing_number]"),
        );
    }
    Ok(UsBankAccount {
        account_holder_type: bank.str("account_holder_type").map(str::to_string),
        account_type: Some(bank.str("account_type").unwrap_or("checking").to_string()),
        bank_name: Some(bank_name(routing)),
        financial_connections_account: None,
        fingerprint: Some(fingerprint(routing, number)),
        last4: Some(number[number.len().saturating_sub(4)..].to_string()),
        networks: Some(Networks {
            preferred: Some("ach".into()),
            supported: vec!["ach".into()],
        }),
        routing_number: Some(routing.to_string()),
        status_details: None,
    })
}

/// Stripe names the test routing number 110000000 "STRIPE TEST BANK" (Tokens API docs).
pub fn bank_name(routing: &str) -> String {
    if routing == "110000000" {
        "STRIPE TEST BANK"
    } else {
        "TEST BANK"
    }
    .to_string()
}

fn billing_details(p: Option<&ParamMap>, mut current: BillingDetails) -> BillingDetails {
    let Some(p) = p else { return current };
    let text = |k: &str| p.str(k).filter(|s| !s.is_empty()).map(str::to_string);
    if p.contains("email") {
        current.email = text("email");
    }
    if p.contains("name") {
        current.name = text("name");
    }
    if p.contains("phone") {
        current.phone = text("phone");
    }
    if let Some(a) = p.map("address") {
        current.address = address(a);
    } else if p.str("address") == Some("") {
        current.address = Address::default();
    }
    current
}

fn find(ctx: &Ctx<'_>, id: &str) -> Result<PaymentMethod, ApiError> {
    ctx.ns
        .read()
        .payment_methods
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("PaymentMethod", id))
}

/// `GET /v1/payment_methods/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let pm = find(ctx, id)?;
    ctx.render(&pm)
}

/// `GET /v1/customers/{customer}/payment_methods/{id}`: the PaymentMethod, if it is that
/// customer's.
pub fn retrieve_for_customer(ctx: &mut Ctx<'_>, customer: &str, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    if ctx.ns.read().customers.get(customer).is_none() {
        return Err(ApiError::no_such_in_path("customer", customer));
    }
    let pm = find(ctx, id)?;
    if pm.customer.as_deref() != Some(customer) {
        // A recording of Stripe's answer for a PaymentMethod that exists but belongs to
        // another customer (or none) shows a 404 naming the customer, with no `code` and
        // no `param`; the wording here is fcmock's.
        return Err(ApiError::invalid_request(format!(
            "Customer {customer} does not have a PaymentMethod with ID {id}"
        ))
        .with_status(404));
    }
    ctx.render(&pm)
}

/// What a change to a stored PaymentMethod tells Stripe's events: the event to fire, if any,
/// and whether to send `previous_attributes`.
#[derive(Clone, Copy)]
enum Fires {
    /// `payment_method.attached`: no `previous_attributes` (recorded Stripe events).
    Attached,
    /// `payment_method.detached`: `previous_attributes: {"customer": …}`.
    Detached,
    /// `payment_method.updated`, with the changed fields, when anything changed.
    Updated,
}

/// Changes a stored PaymentMethod under one write guard (no lost updates), after checking
/// `expand[]` against it so a bad path changes nothing; fires the change's event and renders
/// the result. `apply` returns whether it changed anything (a repeated attach does not).
fn change(
    ctx: &Ctx<'_>,
    id: &str,
    fires: Fires,
    apply: impl FnOnce(&mut PaymentMethod, &mut Namespace) -> Result<bool, ApiError>,
) -> HandlerResult {
    ctx.check_expand(&find(ctx, id)?)?;
    let cause = events::cause(ctx);
    let pm = {
        let mut ns = ctx.ns.write();
        let before = ns
            .payment_methods
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::no_such_in_path("PaymentMethod", id))?;
        let mut pm = before.clone();
        if apply(&mut pm, &mut ns)? {
            ns.replace_payment_method(pm.clone());
            fire(ctx, &mut ns, fires, &before, &pm, &cause);
        }
        pm
    };
    ctx.render(&pm)
}

fn fire(
    ctx: &Ctx<'_>,
    ns: &mut Namespace,
    fires: Fires,
    before: &PaymentMethod,
    after: &PaymentMethod,
    cause: &engine::Cause,
) {
    let (event, previous) = match fires {
        Fires::Attached => ("payment_method.attached", None),
        Fires::Detached => (
            "payment_method.detached",
            Some(json!({"customer": before.customer})),
        ),
        Fires::Updated => {
            let (old, new) = (serde_json::to_value(before), serde_json::to_value(after));
            let (Ok(old), Ok(new)) = (old, new) else {
                return;
            };
            match events::previous_attributes(&old, &new) {
                Some(previous) => ("payment_method.updated", Some(previous)),
                None => return,
            }
        }
    };
    let object = engine::snapshot(after);
    engine::emit(ctx.app, ns, event, object, previous, cause);
}

/// `POST /v1/payment_methods/{id}`
pub fn update(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(UPDATE)?;
    change(ctx, id, Fires::Updated, |pm, _| {
        pm.billing_details = billing_details(p.map("billing_details"), pm.billing_details.clone());
        merge_metadata(&mut pm.metadata, p.get("metadata"))?;
        if let Some(t) = p
            .map("us_bank_account")
            .and_then(|b| b.str("account_holder_type"))
        {
            pm.us_bank_account.account_holder_type = Some(t.to_string());
        }
        Ok(true)
    })
}

/// `POST /v1/payment_methods/{id}/attach`
pub fn attach(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(&[Field::new("customer", Kind::String).required()])?;
    let customer = p.str("customer").unwrap_or_default().to_string();
    change(ctx, id, Fires::Attached, |pm, ns| {
        if ns.customers.get(&customer).is_none() {
            return Err(ApiError::no_such_in_param(
                "customer", &customer, "customer",
            ));
        }
        match pm.customer.as_deref() {
            // Attaching again to the same customer answers 200 (recorded Stripe behaviour).
            Some(current) if current == customer => return Ok(false),
            // Stripe does not move a PaymentMethod between customers: detach it first.
            Some(_) => {
                return Err(ApiError::invalid_request(
                    "The payment method you provided has already been attached to a customer.",
                ))
            }
            None => {}
        }
        if ns.detached_payment_methods.contains(&pm.id) {
            // Stripe's wording for a PaymentMethod attached again after a detach.
            return Err(ApiError::invalid_request(
                "This PaymentMethod was previously used without being attached to a Customer or \
                 was detached from a Customer, and may not be used again.",
            ));
        }
        pm.customer = Some(customer);
        Ok(true)
    })
}

/// `POST /v1/payment_methods/{id}/detach`
pub fn detach(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    change(ctx, id, Fires::Detached, |pm, ns| {
        if pm.customer.is_none() {
            return Err(ApiError::invalid_request(
                "The payment method you provided is not attached to a customer so detachment is impossible.",
            ));
        }
        pm.customer = None;
        ns.detached_payment_methods.insert(pm.id.clone());
        Ok(true)
    })
}

/// `GET /v1/payment_methods`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let customer = p.non_empty("customer").map(str::to_string);
    if let Some(c) = &customer {
        // A filter naming a customer that does not exist (or was deleted) is refused, as
        // Stripe does: 400 `resource_missing` on `customer` (recorded responses).
        if ctx.ns.read().customers.get(c).is_none() {
            return Err(ApiError::no_such_in_param("customer", c, "customer"));
        }
    }
    list_for(ctx, &p, customer, "/v1/payment_methods".into())
}

/// `GET /v1/customers/{id}/payment_methods`
pub fn list_for_customer(ctx: &mut Ctx<'_>, customer: &str) -> HandlerResult {
    let p = ctx.params(CUSTOMER_LIST)?;
    if ctx.ns.read().customers.get(customer).is_none() {
        return Err(ApiError::no_such_in_path("customer", customer));
    }
    list_for(
        ctx,
        &p,
        Some(customer.to_string()),
        format!("/v1/customers/{customer}/payment_methods"),
    )
}

fn list_for(ctx: &Ctx<'_>, p: &ParamMap, customer: Option<String>, url: String) -> HandlerResult {
    let page = ListParams::from_params(p)?;
    let method_type = p.non_empty("type").map(str::to_string);
    let list = {
        let ns = ctx.ns.read();
        let matches =
            |pm: &PaymentMethod| method_type.as_deref().is_none_or(|t| pm.method_type == t);
        let empty = KeySet::new();
        let found = match &customer {
            Some(c) => ns.payment_methods.page_in(
                ns.index
                    .payment_methods_by_customer
                    .get(c)
                    .unwrap_or(&empty),
                page.cursor(),
                page.limit,
                matches,
            ),
            None => ns.payment_methods.page(page.cursor(), page.limit, matches),
        }
        .map_err(page.cursor_error("PaymentMethod"))?;
        List::from_page(found, url)
    };
    ctx.render(&list)
}

/// Attaches a PaymentMethod to `customer` inside an intent's confirm (a SetupIntent that
/// succeeds, a PaymentIntent with `setup_future_usage`), firing `payment_method.attached` as
/// an attach call would; nothing happens when it is attached to that customer already.
pub fn attach_for_intent(
    ctx: &Ctx<'_>,
    ns: &mut Namespace,
    pm_id: &str,
    customer: &str,
    cause: &engine::Cause,
) {
    let Some(before) = ns.payment_methods.get(pm_id).cloned() else {
        return;
    };
    if before.customer.is_some() {
        return;
    }
    let mut pm = before.clone();
    pm.customer = Some(customer.to_string());
    ns.replace_payment_method(pm.clone());
    fire(ctx, ns, Fires::Attached, &before, &pm, cause);
}
