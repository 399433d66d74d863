//! Mandates: the customer's authorisation to debit, made by an intent's confirm from
//! `mandate_data[customer_acceptance]`. Stripe's API only retrieves them.

use crate::resources::handler::{Ctx, Handler, HandlerResult, ObjectKind, Resource, Route};
use crate::stripe::error::ApiError;

/// Mandates (`mandate_…`).
pub const RESOURCE: Resource = Resource {
    routes: &[Route::secret(
        "GET",
        "/v1/mandates/{mandate}",
        Handler::Member(retrieve),
    )],
    objects: &[ObjectKind {
        object: "mandate",
        prefix: Some("mandate"),
        expandable: &["payment_method"],
        lookup: Some(|ns, id| {
            ns.mandates
                .get(id)
                .and_then(|m| serde_json::to_value(m).ok())
        }),
    }],
    // Revoked by a `debit_not_authorized` return.
    events: &["mandate.updated"],
};

/// `GET /v1/mandates/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let mandate = ctx
        .ns
        .read()
        .mandates
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_in_path("mandate", id))?;
    ctx.render(&mandate)
}
