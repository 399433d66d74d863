//! The client-side endpoints Stripe's mobile SDKs call in their web (hosted) flow, with a
//! publishable key and the session's client secret (research/client-side.md §3.1). The
//! session's namespace comes from its client secret, not from the publishable key.

use crate::app::App;
use crate::engine::outcomes;
use crate::model::financial_connections::{Session, SessionStatus};
use crate::resources::handler::{Ctx, Handler, HandlerResult, Reply, Resource, Route};
use crate::store::return_targets::ReturnTarget;
use crate::store::{Namespace, SharedNamespace};
use crate::stripe::error::{ApiError, ApiResult};
use crate::stripe::params::{Field, Kind};
use serde_json::{json, Value};

/// The session a client secret names: its namespace and id. An unknown secret (or a
/// session id passed as one) is Stripe's `resource_missing` on `client_secret`.
pub fn find_session(app: &App, client_secret: &str) -> ApiResult<(SharedNamespace, String)> {
    let missing = || {
        ApiError::no_such_in_param(
            "financial connections session",
            client_secret,
            "client_secret",
        )
    };
    let (namespace, session_id) = app
        .store
        .session_by_client_secret(client_secret)
        .ok_or_else(missing)?;
    let ns = app.store.existing(&namespace).ok_or_else(missing)?;
    let matches = ns
        .read()
        .sessions
        .get(&session_id)
        .is_some_and(|s| s.client_secret == client_secret);
    if !matches {
        return Err(missing());
    }
    Ok((ns, session_id))
}

fn json_reply(value: &Value) -> HandlerResult {
    let body = serde_json::to_vec_pretty(value)
        .map_err(|e| ApiError::internal(format!("fcmock could not render the response: {e}")))?;
    Ok(Reply { status: 200, body })
}

fn client_secret(p: &crate::stripe::params::ParamMap) -> ApiResult<String> {
    p.non_empty("client_secret")
        .map(str::to_string)
        .ok_or_else(|| ApiError::missing_parameter("client_secret"))
}

/// Whether a value is a safe app id: a Java package name, as Android's `applicationId` is.
fn valid_application_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

/// The custom URL scheme of an iOS `app_return_url` (`flutterstripe://…` → `flutterstripe`),
/// if it is one: web and script schemes are refused, so a return can only open an app.
fn custom_scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once("://")?;
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let lower = scheme.to_ascii_lowercase();
    let refused = [
        "http",
        "https",
        "javascript",
        "data",
        "file",
        "vbscript",
        "blob",
        "about",
    ];
    (valid && !refused.contains(&lower.as_str())).then_some(scheme)
}

/// The return target the SDK asked for with `mobile[…]` (or the legacy top-level names):
/// - Android (`application_id`): exactly `stripe-auth://link-accounts/<id>/success|cancel`,
///   the only URLs its redirect activity accepts (research §3.4);
/// - iOS (`app_return_url`): `<app scheme>://link-accounts/success|cancel`, so the
///   `ASWebAuthenticationSession` callback scheme is the app's own and success and cancel
///   differ in their path, which is what iOS compares (research §3.4);
/// - neither: `None`, a plain browser (fcmock's done pages).
fn requested_target(
    application_id: Option<&str>,
    app_return_url: Option<&str>,
) -> Option<ReturnTarget> {
    if let Some(id) = application_id.filter(|id| valid_application_id(id)) {
        return Some(ReturnTarget {
            success_url: format!("stripe-auth://link-accounts/{id}/success"),
            cancel_url: format!("stripe-auth://link-accounts/{id}/cancel"),
        });
    }
    let scheme = app_return_url.and_then(custom_scheme)?;
    Some(ReturnTarget {
        success_url: format!("{scheme}://link-accounts/success"),
        cancel_url: format!("{scheme}://link-accounts/cancel"),
    })
}

/// The manifest for a session and the target its client declared: every field both SDKs
/// require (the union of research §3.2's Android and iOS lists), the hosted URL (already
/// containing `?`, since Android appends with `&`), and no `features` /
/// `experiment_assignments`, which makes both SDKs take the web flow (research §3.1).
fn manifest(app: &App, session: &Session, target: Option<ReturnTarget>, tls: bool) -> Value {
    let mut hosted = format!(
        "{}/hosted/auth?client_secret={}",
        app.public_url(tls),
        encode(&session.client_secret)
    );
    let declared = target.and_then(|t| {
        app.return_targets
            .declare(&session.client_secret, t.clone())
            .map(|i| (i, t))
    });
    // A session that declared too many targets gets fcmock's own done pages.
    let target = match declared {
        Some((index, target)) => {
            hosted.push_str(&format!("&return={index}"));
            target
        }
        None => app.browser_target(tls),
    };
    json!({
        "active_auth_session": null,
        "allow_manual_entry": false,
        "app_verification_enabled": false,
        "business_name": null,
        "cancel_url": target.cancel_url,
        "consent_acquired_at": null,
        "consent_required": true,
        "custom_manual_entry_handling": false,
        "disable_link_more_accounts": false,
        "hosted_auth_url": hosted,
        "id": session.id,
        "instant_verification_disabled": false,
        "institution_search_disabled": false,
        "livemode": false,
        "manual_entry_mode": "automatic",
        "manual_entry_uses_microdeposits": false,
        "mobile_handoff_enabled": false,
        "next_pane": "consent",
        "permissions": session.permissions,
        // What Stripe sends for an API-created session is not in any SDK fixture; both SDKs
        // know `external_api` (Android's `Product` enum; iOS reads a String), the value
        // for sessions made through the public API (inferred: docs/research/
        // mobile-sdk-models.md §6). Unknown values would decode as `unknown` on Android.
        "product": "external_api",
        "single_account": false,
        "success_url": target.success_url,
        "use_single_sort_search": false
    })
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The client-side session JSON (`session_receipt`, `complete`): the server API's session
/// plus what the SDKs read (research §3.3): `bank_account_token` as a full token object,
/// `payment_account`, `status` and `status_details`. Nullable fields are present as `null`
/// because Android's JSON config keeps explicit nulls (research §3).
pub fn session_json(ns: &Namespace, session: &Session) -> Value {
    let mut wire = crate::resources::financial_connections::sessions::session_wire(ns, session);
    let token = session
        .bank_account_token
        .as_deref()
        .and_then(|id| ns.tokens.get(id))
        .map(|t| serde_json::to_value(t).unwrap_or(Value::Null))
        .unwrap_or(Value::Null);
    wire["bank_account_token"] = token;
    wire["payment_account"] = Value::Null;
    if wire.get("return_url").is_none() {
        wire["return_url"] = Value::Null;
    }
    wire["status"] = json!(session.status);
    wire["status_details"] = match session.status {
        SessionStatus::Cancelled => json!({"cancelled": {"reason": "other"}}),
        SessionStatus::Pending | SessionStatus::Succeeded | SessionStatus::Failed => Value::Null,
    };
    wire
}

/// What `session_receipt` answers for a client secret: the session, or for a failed session
/// its failure's error ([`outcomes`]).
pub fn receipt(app: &App, client_secret: &str) -> ApiResult<Value> {
    let (ns, id) = find_session(app, client_secret)?;
    let ns = ns.read();
    let session = ns
        .sessions
        .get(&id)
        .ok_or_else(|| ApiError::internal("session vanished"))?;
    if session.status == SessionStatus::Failed {
        return Err(outcomes::behaviour_of(session.failure).api_error());
    }
    Ok(session_json(&ns, session))
}

const SYNCHRONIZE: &[Field] = &[
    Field::new("client_secret", Kind::String).required(),
    Field::new("emit_events", Kind::Any),
    Field::new("locale", Kind::String).emptiable(),
    Field::new("mobile", Kind::Any),
];

/// The SDKs' client-side calls (publishable key + client secret) in their web flow.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::client(
            "POST",
            "/v1/financial_connections/sessions/synchronize",
            Handler::Collection(synchronize),
        ),
        Route::client(
            "GET",
            "/v1/link_account_sessions/session_receipt",
            Handler::Collection(session_receipt),
        ),
        Route::client(
            "GET",
            "/v1/link_account_sessions/list_accounts",
            Handler::Collection(list_accounts),
        ),
        Route::client(
            "POST",
            "/v1/link_account_sessions/complete",
            Handler::Collection(complete),
        ),
        Route::client(
            "POST",
            "/v1/link_account_sessions/generate_hosted_url",
            Handler::Collection(generate_hosted_url),
        ),
    ],
    objects: &[],
    events: &[],
};

/// The synchronize answer's `visual`: required and non-null in both SDKs (Android
/// `VisualUpdate`, iOS `FinancialConnectionsSynchronize.visual`; docs/research/
/// mobile-sdk-models.md §1), with Stripe's plain branding. An older Android build spelled
/// the second flag `reduced_manual_entry_prominence_for_errors`; both spellings are sent,
/// since each SDK ignores keys it does not declare.
fn visual() -> Value {
    json!({
        "reduced_branding": false,
        "reduce_manual_entry_prominence_in_errors": false,
        "reduced_manual_entry_prominence_for_errors": false,
        "merchant_logo": []
    })
}

/// `POST /v1/financial_connections/sessions/synchronize` → `{manifest, text, visual}`.
pub fn synchronize(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(SYNCHRONIZE)?;
    let secret = client_secret(&p)?;
    let (ns, id) = find_session(ctx.app, &secret)?;
    let mobile = p.map("mobile");
    let target = requested_target(
        mobile.and_then(|m| m.non_empty("application_id")),
        mobile.and_then(|m| m.non_empty("app_return_url")),
    );
    let session = {
        let ns = ns.read();
        let session = ns
            .sessions
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::internal("session vanished"))?;
        if session.status == SessionStatus::Failed {
            // A failed session cannot start over: both SDKs turn a synchronize error into
            // `Failed` (research §3.4).
            return Err(outcomes::behaviour_of(session.failure).api_error());
        }
        session
    };
    json_reply(&json!({
        "manifest": manifest(ctx.app, &session, target, ctx.tls),
        "text": null,
        "visual": visual()
    }))
}

const RECEIPT: &[Field] = &[Field::new("client_secret", Kind::String).required()];

/// `GET /v1/link_account_sessions/session_receipt`
pub fn session_receipt(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(RECEIPT)?;
    let secret = client_secret(&p)?;
    json_reply(&receipt(ctx.app, &secret)?)
}

const LIST_ACCOUNTS: &[Field] = &[
    Field::new("client_secret", Kind::String).required(),
    Field::new("starting_after", Kind::String),
    Field::new("limit", Kind::Integer),
];

/// `GET /v1/link_account_sessions/list_accounts`: the session's accounts, paged with
/// `starting_after` (Android stops at 100; research §3.1).
pub fn list_accounts(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST_ACCOUNTS)?;
    let secret = client_secret(&p)?;
    let session = receipt(ctx.app, &secret)?;
    let all: Vec<Value> = session["accounts"]["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let limit = p.int("limit").unwrap_or(100).clamp(1, 100) as usize;
    let start = match p.non_empty("starting_after") {
        Some(after) => all
            .iter()
            .position(|a| a["id"] == after)
            .map(|i| i + 1)
            .ok_or_else(|| {
                ApiError::no_such_in_param("financial connections account", after, "starting_after")
            })?,
        None => 0,
    };
    let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    json_reply(&json!({
        "object": "list",
        "data": page,
        "has_more": start + limit < all.len(),
        "total_count": all.len(),
        "url": "/v1/link_account_sessions/list_accounts"
    }))
}

const COMPLETE: &[Field] = &[
    Field::new("client_secret", Kind::String).required(),
    Field::new("terminal_error", Kind::String).emptiable(),
];

/// `POST /v1/link_account_sessions/complete` (native flow only; research §3.1): ends a
/// pending session — with its scripted outcome, or as cancelled, since nothing was linked —
/// and answers the session with its `status`.
pub fn complete(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(COMPLETE)?;
    let secret = client_secret(&p)?;
    let (ns, id) = find_session(ctx.app, &secret)?;
    let mut ns = ns.write();
    let session = ns
        .sessions
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::internal("session vanished"))?;
    if session.status == SessionStatus::Pending {
        let completion = session
            .scripted
            .as_ref()
            .map(crate::engine::Completion::scripted)
            .unwrap_or(crate::engine::Completion::Cancel);
        let cause = crate::engine::Cause {
            request_id: Some(ctx.request_id.to_string()),
            idempotency_key: ctx.idempotency_key.clone(),
        };
        crate::engine::complete_session(ctx.app, &mut ns, &id, completion, &cause)?;
    }
    let session = ns
        .sessions
        .get(&id)
        .ok_or_else(|| ApiError::internal("session vanished"))?;
    let wire = session_json(&ns, session);
    drop(ns);
    json_reply(&wire)
}

const GENERATE_HOSTED_URL: &[Field] = &[
    Field::new("client_secret", Kind::String).required(),
    Field::new("fullscreen", Kind::Any),
    Field::new("hide_close_button", Kind::Any),
    Field::new("application_id", Kind::String),
    Field::new("app_return_url", Kind::String),
];

/// `POST /v1/link_account_sessions/generate_hosted_url` (legacy SDKs): the manifest alone.
pub fn generate_hosted_url(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(GENERATE_HOSTED_URL)?;
    let secret = client_secret(&p)?;
    let (ns, id) = find_session(ctx.app, &secret)?;
    let target = requested_target(p.non_empty("application_id"), p.non_empty("app_return_url"));
    let session = ns
        .read()
        .sessions
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::internal("session vanished"))?;
    json_reply(&manifest(ctx.app, &session, target, ctx.tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn android_targets_are_exactly_the_redirect_activitys_urls() {
        let t = requested_target(Some("com.example.app"), None).expect("a valid app id");
        assert_eq!(
            t.success_url,
            "stripe-auth://link-accounts/com.example.app/success"
        );
        assert_eq!(
            t.cancel_url,
            "stripe-auth://link-accounts/com.example.app/cancel"
        );
    }

    #[test]
    fn ios_targets_use_the_apps_scheme_and_refuse_web_schemes() {
        let t = requested_target(None, Some("flutterstripe://financial_connections_redirect"))
            .expect("a custom scheme");
        assert_eq!(t.success_url, "flutterstripe://link-accounts/success");
        assert!(requested_target(None, Some("https://evil.example/x")).is_none());
        assert!(requested_target(None, Some("javascript://alert(1)")).is_none());
        assert!(requested_target(Some("a/b"), None).is_none());
    }
}
