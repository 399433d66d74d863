//! Charges of ACH debits (`py_…`): retrieve, and list by PaymentIntent or customer. They are
//! made and settled by the engine ([`crate::engine::payments`]).

use crate::model::payments::Charge;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::stripe::error::ApiError;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind};

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("customer", Kind::String),
    Field::new("payment_intent", Kind::String),
    Field::new("created", Kind::Range),
];

/// Charges.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("GET", "/v1/charges", Handler::Collection(list)),
        Route::secret("GET", "/v1/charges/{charge}", Handler::Member(retrieve)),
    ],
    objects: &[ObjectKind {
        object: "charge",
        prefix: Some("py"),
        expandable: &["customer", "payment_intent"],
        lookup: Some(|ns, id| {
            ns.charges
                .get(id)
                .and_then(|c| serde_json::to_value(c).ok())
        }),
    }],
    events: &["charge.failed", "charge.pending", "charge.succeeded"],
};

/// `GET /v1/charges/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let charge = ctx
        .ns
        .read()
        .charges
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("charge", id))?;
    ctx.render(&charge)
}

/// `GET /v1/charges`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let customer = p.non_empty("customer").map(str::to_string);
    let intent = p.non_empty("payment_intent").map(str::to_string);
    let list = {
        let ns = ctx.ns.read();
        let matches = |c: &Charge| {
            (customer.is_none() || c.customer == customer)
                && (intent.is_none() || c.payment_intent == intent)
        };
        let found = ns
            .charges
            .page(page.cursor(), page.limit, matches)
            .map_err(page.cursor_error("Charge"))?;
        List::from_page(found, "/v1/charges")
    };
    ctx.render(&list)
}
