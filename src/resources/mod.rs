//! One module per Stripe resource, and the one registry that lists them. Each module
//! declares a [`Resource`]: its routes, the objects it owns (id prefix, `x-expandableFields`,
//! how `expand[]` renders one) and its event types. The router, expansion and the event
//! catalogue are built from [`REGISTRY`]; adding a resource is a module plus one line here.
//!
//! Handlers are short: validate parameters ([`Ctx::params`]), read or change the store
//! (through the engine where a change has consequences), render ([`Ctx::render`]).

pub mod accounts;
pub mod customers;
pub mod events;
pub mod external_accounts;
pub mod financial_connections;
pub mod handler;
pub mod payment_methods;
pub mod payments;
pub mod router;
pub mod tokens;
pub mod webhook_endpoints;

pub use handler::{
    Access, Ctx, Handler, HandlerResult, Include, ObjectKind, Registry, Reply, Resource, Route,
};

use financial_connections::{accounts as fc_accounts, client_side, sessions, transactions};

/// Every resource fcmock serves. The order does not matter: the router prefers the route
/// with more literal segments (`/v1/customers/search` over `/v1/customers/{id}`).
pub static REGISTRY: Registry = Registry {
    resources: &[
        &customers::RESOURCE,
        &accounts::RESOURCE,
        &tokens::RESOURCE,
        &external_accounts::RESOURCE,
        &client_side::RESOURCE,
        &sessions::RESOURCE,
        &fc_accounts::RESOURCE,
        &transactions::RESOURCE,
        &payment_methods::RESOURCE,
        &payments::payment_intents::RESOURCE,
        &payments::setup_intents::RESOURCE,
        &payments::mandates::RESOURCE,
        &payments::charges::RESOURCE,
        &payments::disputes::RESOURCE,
        &events::RESOURCE,
        &webhook_endpoints::RESOURCE,
    ],
    includes: &[customers::INCLUDE],
};

#[cfg(test)]
mod tests {
    use super::REGISTRY;
    use crate::stripe::event_types::STRIPE_EVENT_TYPES;

    #[test]
    fn every_event_type_fcmock_emits_is_one_stripe_documents() {
        for event in REGISTRY.event_types() {
            assert!(
                STRIPE_EVENT_TYPES.binary_search(&event).is_ok(),
                "`{event}` is not in Stripe's event catalogue"
            );
        }
    }
}
