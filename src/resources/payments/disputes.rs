//! Disputes of settled ACH debits (`du_…`): retrieve, and list by Charge or PaymentIntent.
//! The engine opens them ([`crate::engine::payments`]); an ACH dispute is final at once, so
//! there is no evidence to submit and no update or close to emulate.

use crate::model::payments::Dispute;
use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::stripe::error::ApiError;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind};

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("charge", Kind::String),
    Field::new("payment_intent", Kind::String),
    Field::new("created", Kind::Range),
];

/// Disputes.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("GET", "/v1/disputes", Handler::Collection(list)),
        Route::secret("GET", "/v1/disputes/{dispute}", Handler::Member(retrieve)),
    ],
    objects: &[ObjectKind {
        object: "dispute",
        prefix: Some("du"),
        expandable: &["charge", "payment_intent"],
        lookup: Some(|ns, id| {
            ns.disputes
                .get(id)
                .and_then(|d| serde_json::to_value(d).ok())
        }),
    }],
    events: &["charge.dispute.created"],
};

/// `GET /v1/disputes/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let dispute = ctx
        .ns
        .read()
        .disputes
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("dispute", id))?;
    ctx.render(&dispute)
}

/// `GET /v1/disputes`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let charge = p.non_empty("charge").map(str::to_string);
    let intent = p.non_empty("payment_intent").map(str::to_string);
    let list = {
        let ns = ctx.ns.read();
        let matches = |d: &Dispute| {
            charge.as_ref().is_none_or(|c| &d.charge == c)
                && (intent.is_none() || d.payment_intent == intent)
        };
        let found = ns
            .disputes
            .page(page.cursor(), page.limit, matches)
            .map_err(page.cursor_error("Dispute"))?;
        List::from_page(found, "/v1/disputes")
    };
    ctx.render(&list)
}
