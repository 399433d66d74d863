//! One readable table of Stripe's routes: `(method, path)` → handler.
//!
//! Unknown paths become Stripe's "Unrecognized request URL" 404; a known path with the wrong
//! method gets the same message with 405.

use crate::api::{Ctx, HandlerResult};
use crate::auth_page::client_api;
use crate::resources::financial_connections::{accounts as fc_accounts, sessions, transactions};
use crate::resources::{accounts, customers, events, payment_methods, tokens, webhook_endpoints};
use hyper::Method;

/// Which keys may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Secret and restricted keys (`sk_test_…`, `rk_test_…`).
    Secret,
    /// Publishable keys (`pk_test_…`) with a client secret: the SDKs' client-side calls.
    Client,
}

/// A resolved handler, with the path ids it needs already bound.
pub type Handler<'a> = Box<dyn FnOnce(&mut Ctx<'_>) -> HandlerResult + 'a>;

/// A route: its handler and who may call it.
pub struct Route<'a> {
    /// The handler.
    pub handler: Handler<'a>,
    /// Who may call it.
    pub access: Access,
}

/// The signature of handlers that take an id from the path.
type ByIdHandler = fn(&mut Ctx<'_>, &str) -> HandlerResult;

fn secret<'a>(handler: Handler<'a>) -> Option<Route<'a>> {
    Some(Route {
        handler,
        access: Access::Secret,
    })
}

fn client<'a>(handler: Handler<'a>) -> Option<Route<'a>> {
    Some(Route {
        handler,
        access: Access::Client,
    })
}

fn secret_by_id<'a>(id: &'a str, handler: ByIdHandler) -> Option<Route<'a>> {
    secret(Box::new(move |ctx| handler(ctx, id)))
}

/// Finds the handler for a method and path (split on `/`, without the leading empty part).
pub fn resolve<'a>(method: &Method, path: &[&'a str]) -> Option<Route<'a>> {
    // An empty segment is a trailing slash or a missing id: Stripe answers those as unknown URLs.
    if path.iter().any(|s| s.is_empty()) {
        return None;
    }
    match (method.as_str(), path) {
        ("POST", ["v1", "customers"]) => secret(Box::new(customers::create)),
        ("GET", ["v1", "customers"]) => secret(Box::new(customers::list)),
        ("GET", ["v1", "customers", id]) => secret_by_id(id, customers::retrieve),
        ("POST", ["v1", "customers", id]) => secret_by_id(id, customers::update),
        ("DELETE", ["v1", "customers", id]) => secret_by_id(id, customers::delete),

        ("POST", ["v1", "accounts"]) => secret(Box::new(accounts::create)),
        ("GET", ["v1", "accounts", id]) => secret_by_id(id, accounts::retrieve),
        ("POST", ["v1", "accounts", id, "external_accounts"]) => {
            secret_by_id(id, tokens::create_external_account)
        }
        ("GET", ["v1", "tokens", id]) => secret_by_id(id, tokens::retrieve),

        // The SDKs' client-side calls (publishable key + client secret).
        ("POST", ["v1", "financial_connections", "sessions", "synchronize"]) => {
            client(Box::new(client_api::synchronize))
        }
        ("GET", ["v1", "link_account_sessions", "session_receipt"]) => {
            client(Box::new(client_api::session_receipt))
        }
        ("GET", ["v1", "link_account_sessions", "list_accounts"]) => {
            client(Box::new(client_api::list_accounts))
        }
        ("POST", ["v1", "link_account_sessions", "complete"]) => {
            client(Box::new(client_api::complete))
        }
        ("POST", ["v1", "link_account_sessions", "generate_hosted_url"]) => {
            client(Box::new(client_api::generate_hosted_url))
        }

        ("POST", ["v1", "financial_connections", "sessions"]) => secret(Box::new(sessions::create)),
        ("GET", ["v1", "financial_connections", "sessions", id]) => {
            secret_by_id(id, sessions::retrieve)
        }

        ("GET", ["v1", "financial_connections", "accounts"]) => secret(Box::new(fc_accounts::list)),
        ("GET", ["v1", "financial_connections", "accounts", id]) => {
            secret_by_id(id, fc_accounts::retrieve)
        }
        ("POST", ["v1", "financial_connections", "accounts", id, "disconnect"]) => {
            secret_by_id(id, fc_accounts::disconnect)
        }
        ("POST", ["v1", "financial_connections", "accounts", id, "refresh"]) => {
            secret_by_id(id, fc_accounts::refresh)
        }
        ("POST", ["v1", "financial_connections", "accounts", id, "subscribe"]) => {
            secret_by_id(id, fc_accounts::subscribe)
        }
        ("POST", ["v1", "financial_connections", "accounts", id, "unsubscribe"]) => {
            secret_by_id(id, fc_accounts::unsubscribe)
        }
        ("GET", ["v1", "financial_connections", "accounts", id, "owners"]) => {
            secret_by_id(id, fc_accounts::owners)
        }

        ("GET", ["v1", "financial_connections", "transactions"]) => {
            secret(Box::new(transactions::list))
        }
        ("GET", ["v1", "financial_connections", "transactions", id]) => {
            secret_by_id(id, transactions::retrieve)
        }

        ("POST", ["v1", "payment_methods"]) => secret(Box::new(payment_methods::create)),
        ("GET", ["v1", "payment_methods"]) => secret(Box::new(payment_methods::list)),
        ("GET", ["v1", "payment_methods", id]) => secret_by_id(id, payment_methods::retrieve),
        ("POST", ["v1", "payment_methods", id]) => secret_by_id(id, payment_methods::update),
        ("POST", ["v1", "payment_methods", id, "attach"]) => {
            secret_by_id(id, payment_methods::attach)
        }
        ("POST", ["v1", "payment_methods", id, "detach"]) => {
            secret_by_id(id, payment_methods::detach)
        }
        ("GET", ["v1", "customers", id, "payment_methods"]) => {
            secret_by_id(id, payment_methods::list_for_customer)
        }

        ("GET", ["v1", "events"]) => secret(Box::new(events::list)),
        ("GET", ["v1", "events", id]) => secret_by_id(id, events::retrieve),

        ("POST", ["v1", "webhook_endpoints"]) => secret(Box::new(webhook_endpoints::create)),
        ("GET", ["v1", "webhook_endpoints"]) => secret(Box::new(webhook_endpoints::list)),
        ("GET", ["v1", "webhook_endpoints", id]) => secret_by_id(id, webhook_endpoints::retrieve),
        ("POST", ["v1", "webhook_endpoints", id]) => secret_by_id(id, webhook_endpoints::update),
        ("DELETE", ["v1", "webhook_endpoints", id]) => secret_by_id(id, webhook_endpoints::delete),
        _ => None,
    }
}

/// Whether any method is routed at this path (to tell a 405 from a 404).
pub fn path_exists(path: &[&str]) -> bool {
    [Method::GET, Method::POST, Method::DELETE]
        .iter()
        .any(|m| resolve(m, path).is_some())
}
