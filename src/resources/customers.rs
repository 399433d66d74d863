//! Customers: `POST/GET /v1/customers`, `GET /v1/customers/search`,
//! `GET/POST/DELETE /v1/customers/{id}`.
//!
//! A customer is the account holder of a Financial Connections session. Deleting one keeps a
//! tombstone: Stripe answers a later retrieve with `{"id", "object": "customer", "deleted":
//! true}` (status 200; the OpenAPI response is `anyOf[customer, deleted_customer]`).

mod references;
mod search;

use crate::engine;
use crate::model::customer::{
    CustomField, Customer, CustomerTag, DeletedCustomer, InvoiceSettings, RenderingOptions,
    Shipping, TaxExempt,
};
use crate::model::event::Snapshot;
use crate::model::{Metadata, Rendered};
use crate::resources::events;
use crate::resources::handler::{
    Ctx, Handler, HandlerResult, Include, ObjectKind, Resource, Route,
};
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::ids::IdKind;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind, ParamMap, METADATA};
use crate::stripe::shapes::{address, in_range, merge_metadata, ADDRESS};
use crate::stripe::versions::Change;
use serde_json::Value;

const SHIPPING: &[Field] = &[
    Field::new("address", Kind::Object(ADDRESS)).required(),
    Field::new("name", Kind::String).required(),
    Field::new("phone", Kind::String).emptiable(),
];

/// `invoice_settings[custom_fields][]` (Stripe's limits: names up to 40 characters, values
/// up to 140).
const CUSTOM_FIELD: &[Field] = &[
    Field::new("name", Kind::String).required().max_len(40),
    Field::new("value", Kind::String).required().max_len(140),
];

const RENDERING_OPTIONS: &[Field] = &[
    Field::new(
        "amount_tax_display",
        Kind::Enum(&["exclude_tax", "include_inclusive_tax"]),
    )
    .emptiable(),
    Field::new("template", Kind::String).emptiable(),
];

const INVOICE_SETTINGS: &[Field] = &[
    Field::new("custom_fields", Kind::Array(&Kind::Object(CUSTOM_FIELD))).emptiable(),
    Field::new("default_payment_method", Kind::String).emptiable(),
    Field::new("footer", Kind::String).emptiable(),
    Field::new("rendering_options", Kind::Object(RENDERING_OPTIONS)).emptiable(),
];

const TAX_EXEMPT: Kind = Kind::Enum(&["exempt", "none", "reverse"]);

/// Fields shared by create and update.
macro_rules! customer_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            Field::new("address", Kind::Object(ADDRESS)).emptiable(),
            Field::new("balance", Kind::Integer),
            Field::new("business_name", Kind::String)
                .emptiable()
                .max_len(150)
                .since(Change::CustomerNames),
            Field::new("cash_balance", Kind::Any),
            Field::new("coupon", Kind::String).until(Change::CustomerDiscountParams),
            Field::new("description", Kind::String).emptiable(),
            Field::new("email", Kind::String).emptiable().max_len(512),
            Field::new("individual_name", Kind::String)
                .emptiable()
                .max_len(150)
                .since(Change::CustomerNames),
            Field::new("invoice_prefix", Kind::String),
            Field::new("invoice_settings", Kind::Object(INVOICE_SETTINGS)),
            METADATA,
            Field::new("name", Kind::String).emptiable().max_len(256),
            Field::new("next_invoice_sequence", Kind::Integer),
            Field::new("phone", Kind::String).emptiable(),
            Field::new("preferred_locales", Kind::Array(&Kind::String)).emptiable(),
            Field::new("promotion_code", Kind::String).until(Change::CustomerDiscountParams),
            Field::new("shipping", Kind::Object(SHIPPING)).emptiable(),
            Field::new("source", Kind::String),
            Field::new("tax", Kind::Any),
            Field::new("tax_exempt", TAX_EXEMPT).emptiable(),
            $($extra),*
        ]
    };
}

const CREATE: &[Field] = customer_fields![
    Field::new("payment_method", Kind::String),
    Field::new("tax_id_data", Kind::Any),
    Field::new("test_clock", Kind::String),
];

const UPDATE: &[Field] = customer_fields![
    Field::new("bank_account", Kind::Any),
    Field::new("card", Kind::Any),
    Field::new("default_alipay_account", Kind::String),
    Field::new("default_bank_account", Kind::String),
    Field::new("default_card", Kind::String),
    Field::new("default_source", Kind::String).emptiable(),
];

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("email", Kind::String),
    Field::new("created", Kind::Range),
    Field::new("test_clock", Kind::String),
];

/// Customers: the account holders of Financial Connections sessions.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("POST", "/v1/customers", Handler::Collection(create)),
        Route::secret("GET", "/v1/customers", Handler::Collection(list)),
        Route::secret(
            "GET",
            "/v1/customers/search",
            Handler::Collection(search::search),
        ),
        Route::secret("GET", "/v1/customers/{customer}", Handler::Member(retrieve)),
        Route::secret("POST", "/v1/customers/{customer}", Handler::Member(update)),
        Route::secret(
            "DELETE",
            "/v1/customers/{customer}",
            Handler::Member(delete),
        ),
    ],
    objects: &[ObjectKind {
        object: "customer",
        prefix: Some("cus"),
        expandable: &[
            "address",
            "cash_balance",
            "default_source",
            "discount",
            // Not in the 2023 spec's list, but Stripe's API reference marks it expandable and
            // leaves it out of a customer unless `expand[]` names it (`INCLUDE`).
            "invoice_credit_balance",
            "invoice_settings",
            "shipping",
            "sources",
            "subscriptions",
            "tax",
            "tax_ids",
            "test_clock",
        ],
        lookup: Some(lookup),
    }],
    events: &["customer.created", "customer.updated", "customer.deleted"],
};

/// The fields Stripe renders on a customer only when `expand[]` names them (its API
/// reference tags them "Expandable"; the OpenAPI spec has them but a plain retrieve does
/// not): `sources`, `subscriptions` and `tax_ids` are lists, empty here since fcmock holds
/// no cards, sources, subscriptions or tax ids.
pub const INCLUDE: Include = Include {
    object: "customer",
    fields: &[
        "cash_balance",
        "invoice_credit_balance",
        "sources",
        "subscriptions",
        "tax",
        "tax_ids",
    ],
    render: references::include,
};

/// A customer (or its deleted stub) for `expand[]`.
fn lookup(ns: &Namespace, id: &str) -> Option<Value> {
    match ns.customers.get(id) {
        Some(c) => serde_json::to_value(c).ok(),
        None => ns
            .deleted_customers
            .get(id)
            .and_then(|c| serde_json::to_value(c).ok()),
    }
}

/// `POST /v1/customers`
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(CREATE)?;
    reject_unknown_references(&p)?;
    references::check_email(&p)?;
    let mut customer = new_customer(ctx);
    apply(&mut customer, &p)?;
    let refs = references::PaymentMethods::of(&p);
    if !refs.is_empty() {
        refs.check(&ctx.ns.read(), &customer.id)?;
    }
    // A bad `expand[]` must refuse the request before anything is stored.
    ctx.check_expand(&customer)?;
    let cause = events::cause(ctx);
    // The table and the event share this customer: an update replaces the table's `Arc`,
    // so the event keeps the customer as it is now (serialised only when it is read).
    let customer = std::sync::Arc::new(customer);
    let stored = std::sync::Arc::clone(&customer);
    let event = || {
        let object = Snapshot::frozen(std::sync::Arc::clone(&customer));
        engine::prepare(ctx.app, "customer.created", object, None, &cause)
    };
    // Without a PaymentMethod to attach (whose event comes first) the event is made before
    // the write lock is taken, and the one it evicts is dropped after it is released.
    let early = refs.is_empty().then(event);
    let evicted = {
        let mut ns = ctx.ns.write();
        // Again under the write lock: the PaymentMethod may have been attached meanwhile.
        refs.check(&ns, &customer.id)?;
        refs.attach(&mut ns, &customer.id);
        ns.customers
            .insert(customer.id.clone(), customer.created, stored);
        let event = early.unwrap_or_else(event);
        engine::record(ctx.app, &mut ns, event)
    };
    drop(evicted);
    ctx.render(&*customer)
}

fn new_customer(ctx: &Ctx<'_>) -> Customer {
    Customer {
        id: ctx.new_id(IdKind::Customer),
        object: CustomerTag,
        address: None,
        balance: 0,
        business_name: None,
        created: ctx.now,
        currency: None,
        customer_account: None,
        default_source: None,
        delinquent: false,
        description: None,
        discount: None,
        email: None,
        individual_name: None,
        invoice_prefix: format!("{:08X}", ctx.app.ids.next_u64() as u32),
        invoice_settings: InvoiceSettings::default(),
        livemode: false,
        metadata: Metadata::new(),
        name: None,
        next_invoice_sequence: 1,
        phone: None,
        preferred_locales: Vec::new(),
        shipping: None,
        tax_exempt: TaxExempt::None,
        test_clock: None,
        rendered: Rendered::default(),
    }
}

/// `GET /v1/customers/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let ns = ctx.ns.read();
    if let Some(customer) = ns.customers.get(id) {
        if ctx.expand.is_empty() {
            // Rendering without `expand[]` reads nothing else: no copy to release the lock,
            // and the body rendered for an earlier read is reused.
            return ctx.render_kept(&**customer, &customer.rendered);
        }
        let customer = customer.clone();
        drop(ns);
        return ctx.render(&customer);
    }
    let deleted = ns.deleted_customers.get(id).cloned();
    drop(ns);
    match deleted {
        Some(deleted) => ctx.render(&deleted),
        None => Err(ApiError::no_such_in_path("customer", id)),
    }
}

/// `POST /v1/customers/{id}`
pub fn update(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(UPDATE)?;
    reject_unknown_references(&p)?;
    references::check_email(&p)?;
    let mut customer = ctx
        .ns
        .read()
        .customers
        .get(id)
        .map(|stored| Customer::clone(stored))
        .ok_or_else(|| ApiError::no_such_in_path("customer", id))?;
    let before = serde_json::to_value(&customer).unwrap_or_default();
    apply(&mut customer, &p)?;
    let refs = references::PaymentMethods::of(&p);
    refs.check(&ctx.ns.read(), id)?;
    // Render first: a bad `expand[]` must refuse the request before anything changes.
    let reply = ctx.render(&customer)?;
    let after = serde_json::to_value(&customer).unwrap_or_default();
    let cause = events::cause(ctx);
    let mut ns = ctx.ns.write();
    refs.check(&ns, id)?;
    if let Some(stored) = ns.customers.get_mut(id) {
        *stored = std::sync::Arc::new(customer);
        // Stripe sends `customer.updated` only when a field changed.
        if let Some(previous) = events::previous_attributes(&before, &after) {
            engine::emit(
                ctx.app,
                &mut ns,
                "customer.updated",
                engine::snapshot(&after),
                Some(previous),
                &cause,
            );
        }
    }
    Ok(reply)
}

/// `DELETE /v1/customers/{id}`
pub fn delete(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let cause = events::cause(ctx);
    let deleted = {
        let mut ns = ctx.ns.write();
        let customer = ns
            .customers
            .remove(id)
            .ok_or_else(|| ApiError::no_such_in_path("customer", id))?;
        // `customer.deleted` carries the customer as it was, not the deleted stub.
        let object = engine::snapshot(&customer);
        engine::emit(ctx.app, &mut ns, "customer.deleted", object, None, &cause);
        let deleted = DeletedCustomer {
            id: customer.id.clone(),
            object: CustomerTag,
            deleted: true,
        };
        ns.deleted_customers
            .insert(deleted.id.clone(), customer.created, deleted.clone());
        deleted
    };
    ctx.render(&deleted)
}

/// `GET /v1/customers`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let email = p.str("email").map(str::to_string);
    let created = p.get("created").cloned();
    let list = {
        let ns = ctx.ns.read();
        let found = ns
            .customers
            .page(page.cursor(), page.limit, |c| {
                email
                    .as_deref()
                    .is_none_or(|e| c.email.as_deref() == Some(e))
                    && created
                        .as_ref()
                        .is_none_or(|range| in_range(range, c.created))
            })
            .map_err(page.cursor_error("customer"))?;
        List::from_page(found, "/v1/customers")
    };
    ctx.render(&list)
}

/// Parameters that name other objects fcmock does not hold (sources, coupons, promotion
/// codes, test clocks) are refused the way Stripe refuses an unknown id. PaymentMethods
/// fcmock does hold: `references` checks them.
fn reject_unknown_references(p: &ParamMap) -> Result<(), ApiError> {
    for (param, object) in [
        ("coupon", "coupon"),
        ("promotion_code", "promotion code"),
        ("source", "source"),
        ("test_clock", "test_helpers.test_clock"),
        ("default_source", "source"),
        ("default_card", "card"),
        ("default_bank_account", "bank account"),
        ("default_alipay_account", "alipay account"),
    ] {
        if let Some(id) = p.non_empty(param) {
            return Err(ApiError::no_such_in_param(object, id, param));
        }
    }
    Ok(())
}

/// Optional text: `""` unsets the value.
fn text(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

fn apply(c: &mut Customer, p: &ParamMap) -> Result<(), ApiError> {
    for (key, value) in p.iter() {
        let s = value.as_str();
        match key {
            "address" => c.address = value.as_map().map(|m| Box::new(address(m))),
            "balance" => c.balance = p.int(key).unwrap_or(c.balance),
            "business_name" => c.business_name = s.and_then(text),
            "individual_name" => c.individual_name = s.and_then(text),
            "description" => c.description = s.and_then(text),
            "email" => c.email = s.and_then(text),
            "invoice_prefix" => c.invoice_prefix = s.unwrap_or_default().to_string(),
            "invoice_settings" => {
                if let Some(m) = value.as_map() {
                    apply_invoice_settings(&mut c.invoice_settings, m);
                }
            }
            "metadata" => merge_metadata(&mut c.metadata, Some(value))?,
            "name" => c.name = s.and_then(text),
            "next_invoice_sequence" => c.next_invoice_sequence = p.int(key).unwrap_or(1),
            "phone" => c.phone = s.and_then(text),
            "preferred_locales" => c.preferred_locales = p.strings(key),
            "shipping" => {
                c.shipping = value.as_map().map(|m| {
                    Box::new(Shipping {
                        address: m.map("address").map(address).unwrap_or_default(),
                        name: m.str("name").unwrap_or_default().to_string(),
                        phone: m.str("phone").and_then(text),
                    })
                })
            }
            "tax_exempt" => c.tax_exempt = TaxExempt::parse(s.unwrap_or_default()),
            _ => {}
        }
    }
    Ok(())
}

/// `invoice_settings[…]`: every sub-field kept as given (`""` unsets it); a
/// `rendering_options` hash changes only the keys it names.
fn apply_invoice_settings(settings: &mut InvoiceSettings, m: &ParamMap) {
    if let Some(footer) = m.str("footer") {
        settings.footer = text(footer);
    }
    if let Some(pm) = m.str("default_payment_method") {
        settings.default_payment_method = text(pm);
    }
    if m.str("custom_fields") == Some("") {
        settings.custom_fields = None;
    } else if m.contains("custom_fields") {
        settings.custom_fields = Some(custom_fields(m));
    }
    if m.str("rendering_options") == Some("") {
        settings.rendering_options = None;
    } else if let Some(r) = m.map("rendering_options") {
        let options = settings
            .rendering_options
            .get_or_insert_with(RenderingOptions::default);
        if let Some(display) = r.str("amount_tax_display") {
            options.amount_tax_display = text(display);
        }
        if let Some(template) = r.str("template") {
            options.template = text(template);
        }
    }
}

fn custom_fields(m: &ParamMap) -> Vec<CustomField> {
    let Some(crate::stripe::params::Param::List(items)) = m.get("custom_fields") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| item.as_map())
        .map(|f| CustomField {
            name: f.str("name").unwrap_or_default().to_string(),
            value: f.str("value").unwrap_or_default().to_string(),
        })
        .collect()
}
