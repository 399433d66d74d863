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
pub mod client_api;
pub mod html;
pub mod outcomes;
pub mod pages;
pub mod sdk;

use crate::app::App;
use crate::server::{Request, Response};
use parking_lot::Mutex;
use std::collections::HashMap;

/// Where the hosted page sends the user when the flow ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnTarget {
    /// The manifest's `success_url`.
    pub success_url: String,
    /// The manifest's `cancel_url`.
    pub cancel_url: String,
}

/// How many distinct return targets one session may declare (each synchronize with other
/// `mobile[…]` values adds one); more only replace the last.
const TARGETS_PER_SESSION: usize = 8;
/// How many sessions' targets are remembered before the oldest are forgotten wholesale (a
/// forgotten session's page falls back to fcmock's done pages).
const SESSIONS_REMEMBERED: usize = 100_000;

/// The return targets sessions declared through `synchronize`, by client secret. The hosted
/// URL names one by index (`&return=N`), so a link cannot carry a redirect target of its own.
#[derive(Default)]
pub struct PageState {
    returns: Mutex<HashMap<String, Vec<ReturnTarget>>>,
}

impl PageState {
    /// Records a target for a session and returns its index; `None` once the session has
    /// declared `TARGETS_PER_SESSION` (8) targets (a hosted URL already handed out must keep
    /// pointing where it did, so no target is ever replaced).
    pub fn declare(&self, client_secret: &str, target: ReturnTarget) -> Option<usize> {
        let mut all = self.returns.lock();
        if all.len() >= SESSIONS_REMEMBERED && !all.contains_key(client_secret) {
            all.clear();
        }
        let targets = all.entry(client_secret.to_string()).or_default();
        if let Some(i) = targets.iter().position(|t| *t == target) {
            return Some(i);
        }
        if targets.len() >= TARGETS_PER_SESSION {
            return None;
        }
        targets.push(target);
        Some(targets.len() - 1)
    }

    /// The target a session declared under `index`.
    pub fn target(&self, client_secret: &str, index: usize) -> Option<ReturnTarget> {
        self.returns
            .lock()
            .get(client_secret)
            .and_then(|t| t.get(index).cloned())
    }
}

/// fcmock's own done pages: where a plain browser (no SDK) lands.
pub fn browser_target(app: &App) -> ReturnTarget {
    let base = &app.settings.public_url;
    ReturnTarget {
        success_url: format!("{base}/hosted/done/success"),
        cancel_url: format!("{base}/hosted/done/cancel"),
    }
}

/// The target named by a hosted URL's `return` parameter, or the done pages.
pub fn target_for(app: &App, client_secret: &str, index: Option<&str>) -> ReturnTarget {
    index
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| app.auth_page.target(client_secret, i))
        .unwrap_or_else(|| browser_target(app))
}

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
