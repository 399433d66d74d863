//! Customers: `POST/GET /v1/customers`, `GET/POST/DELETE /v1/customers/{id}`.
//!
//! A customer is the account holder of a Financial Connections session. Deleting one keeps a
//! tombstone: Stripe answers a later retrieve with `{"id", "object": "customer", "deleted":
//! true}` (status 200; the OpenAPI response is `anyOf[customer, deleted_customer]`).

use crate::engine;
use crate::model::customer::{Customer, CustomerTag, DeletedCustomer, InvoiceSettings, Shipping};
use crate::model::Metadata;
use crate::resources::events;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
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

const INVOICE_SETTINGS: &[Field] = &[
    Field::new("custom_fields", Kind::Any).emptiable(),
    Field::new("default_payment_method", Kind::String).emptiable(),
    Field::new("footer", Kind::String).emptiable(),
    Field::new("rendering_options", Kind::Any).emptiable(),
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
    let mut customer = Customer {
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
        tax_exempt: "none".to_string(),
        test_clock: None,
    };
    apply(&mut customer, &p);
    // Render first: a bad `expand[]` must refuse the request before anything is stored.
    let reply = ctx.render(&customer)?;
    let object = engine::snapshot(&customer);
    let cause = events::cause(ctx);
    let mut ns = ctx.ns.write();
    ns.customers
        .insert(customer.id.clone(), customer.created, customer);
    engine::emit(ctx.app, &mut ns, "customer.created", object, None, &cause);
    Ok(reply)
}

/// `GET /v1/customers/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let ns = ctx.ns.read();
    if let Some(customer) = ns.customers.get(id) {
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
    let mut customer = ctx
        .ns
        .read()
        .customers
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("customer", id))?;
    let before = serde_json::to_value(&customer).unwrap_or_default();
    apply(&mut customer, &p);
    // Render first: a bad `expand[]` must refuse the request before anything changes.
    let reply = ctx.render(&customer)?;
    let after = serde_json::to_value(&customer).unwrap_or_default();
    let cause = events::cause(ctx);
    let mut ns = ctx.ns.write();
    if let Some(stored) = ns.customers.get_mut(id) {
        *stored = customer;
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
            id: customer.id,
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
/// codes, payment methods) are refused the way Stripe refuses an unknown id.
fn reject_unknown_references(p: &ParamMap) -> Result<(), ApiError> {
    for (param, object) in [
        ("coupon", "coupon"),
        ("promotion_code", "promotion code"),
        ("source", "source"),
        ("payment_method", "PaymentMethod"),
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

fn apply(c: &mut Customer, p: &ParamMap) {
    for (key, value) in p.iter() {
        let s = value.as_str();
        match key {
            "address" => c.address = value.as_map().map(address),
            "balance" => c.balance = p.int(key).unwrap_or(c.balance),
            "business_name" => c.business_name = s.and_then(text),
            "individual_name" => c.individual_name = s.and_then(text),
            "description" => c.description = s.and_then(text),
            "email" => c.email = s.and_then(text),
            "invoice_prefix" => c.invoice_prefix = s.unwrap_or_default().to_string(),
            "invoice_settings" => {
                if let Some(m) = value.as_map() {
                    if let Some(footer) = m.str("footer") {
                        c.invoice_settings.footer = text(footer);
                    }
                    if let Some(pm) = m.str("default_payment_method") {
                        c.invoice_settings.default_payment_method = text(pm);
                    }
                }
            }
            "metadata" => merge_metadata(&mut c.metadata, Some(value)),
            "name" => c.name = s.and_then(text),
            "next_invoice_sequence" => c.next_invoice_sequence = p.int(key).unwrap_or(1),
            "phone" => c.phone = s.and_then(text),
            "preferred_locales" => c.preferred_locales = p.strings(key),
            "shipping" => {
                c.shipping = value.as_map().map(|m| Shipping {
                    address: m.map("address").map(address).unwrap_or_default(),
                    name: m.str("name").unwrap_or_default().to_string(),
                    phone: m.str("phone").and_then(text),
                })
            }
            "tax_exempt" => c.tax_exempt = s.and_then(text).unwrap_or_else(|| "none".to_string()),
            _ => {}
        }
    }
}
