//! The client side of Financial Connections: what Stripe's SDKs and a person's browser see.
//!
//! - [`client_api`]: the publishable-key endpoints the mobile SDKs call in their web flow
//!   (`…/sessions/synchronize`, `link_account_sessions/{session_receipt, list_accounts,
//!   complete, generate_hosted_url}`), routed by [`crate::router`] with `Access::Client`.
//! - [`pages`]: the fake hosted auth page at `hosted_auth_url` (`/hosted/…`): consent →
//!   institution → login → accounts → success, with Cancel everywhere. Plain HTML forms,
//!   no script.
//! - [`outcomes`]: one table of what every outcome looks like on every surface.
//! - [`sdk`]: `/_fcmock/sdk/…`, the exact results flutter_stripe / React Native and
//!   Stripe.js would hand an app.
//! - [`backend`]: `POST /financial-connections-sheet`, a drop-in for flutter_stripe's
//!   example server.
//!
//! Every path ends a session through [`crate::engine::complete_session`], and a session's
//! scripted outcome (`Session::scripted`) wins over what a person clicks. This module knows
//! HTTP and HTML, but keeps no Stripe object of its own: only the return URLs each session's
//! clients declared ([`PageState`]), so the page never redirects anywhere else.

pub mod backend;
pub mod html;
pub mod pages;
pub mod sdk;

use crate::app::App;
use crate::http::{Request, Response};
pub use crate::store::return_targets::ReturnTarget;

/// Answers the hosted page (`/hosted/…`) and the example backend
/// (`/financial-connections-sheet`); `None` for every other path.
pub async fn handle(app: &App, request: &Request) -> Option<Response> {
    if request.path == "/financial-connections-sheet" {
        return Some(backend::handle(app, request).await);
    }
    if request.path == "/hosted" || request.path.starts_with("/hosted/") {
        return Some(pages::handle(app, request));
    }
    None
}
