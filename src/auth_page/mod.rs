//! The client side of Financial Connections: what a person's browser and a faked SDK see.
//!
//! - [`pages`]: the fake hosted auth page at `hosted_auth_url` (`/hosted/…`): consent →
//!   institution → login → accounts → success, with Cancel everywhere. Plain HTML forms,
//!   no script.
//! - [`sdk`]: the exact results flutter_stripe / React Native and Stripe.js would hand an
//!   app (served by the control API at `/_fcmock/sdk/…`).
//! - [`microdeposits`]: the hosted microdeposit verification page of ACH intents.
//! - [`backend`]: `POST /financial-connections-sheet`, a drop-in for flutter_stripe's
//!   example server.
//!
//! The SDKs' publishable-key API calls are a resource like any other
//! ([`crate::resources::financial_connections::client_side`]), and what each failure looks
//! like on every surface is the engine's ([`crate::engine::outcomes`]).
//!
//! Every path ends a session through [`crate::engine::complete_session`], and a session's
//! scripted outcome (`Session::scripted`) wins over what a person clicks. The page redirects
//! only to the return URLs a session's clients declared
//! ([`crate::store::return_targets::ReturnTargets`]).

pub mod backend;
pub mod html;
pub mod microdeposits;
pub mod pages;
pub mod sdk;
pub mod sdk_intents;

use crate::app::App;
use crate::http::{Request, Response};
pub use crate::store::return_targets::ReturnTarget;

/// Answers the hosted page (`/hosted/…`) and the example backend
/// (`/financial-connections-sheet`); `None` for every other path.
pub async fn handle(app: &App, request: &Request) -> Option<Response> {
    if request.path == "/financial-connections-sheet" {
        return Some(backend::handle(app, request).await);
    }
    if request.path == microdeposits::PATH {
        return Some(microdeposits::handle(app, request));
    }
    if request.path == "/hosted" || request.path.starts_with("/hosted/") {
        return Some(pages::handle(app, request));
    }
    None
}
