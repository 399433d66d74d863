//! Reading a request for Stripe's API: who may call the route, which namespace it works in,
//! and its parameters. Each function is one stage of [`super::handle`]'s pipeline.

use crate::app::App;
use crate::http::Request;
use crate::resources::Access;
use crate::stripe::auth::{self, ApiKey, KeyKind};
use crate::stripe::error::{ApiError, ApiResult};
use crate::stripe::form;
use crate::stripe::params::ParamMap;
use hyper::Method;
use std::hash::{Hash, Hasher};

/// `Stripe-Account`, known in advance (not parsed per lookup).
const STRIPE_ACCOUNT: hyper::header::HeaderName =
    hyper::header::HeaderName::from_static("stripe-account");

/// Whether this key may call a route of this kind.
pub fn check_access(key: &ApiKey, access: Access) -> ApiResult<()> {
    match (access, key.kind) {
        (Access::Intent, KeyKind::Publishable) => Ok(()),
        (Access::Secret | Access::Intent, _) => auth::require_secret(key),
        (Access::Client, KeyKind::Publishable) => Ok(()),
        (Access::Client, _) => Err(ApiError::unauthorized(
            "This API call is made by Stripe's client libraries with a publishable key \
             (pk_test_…) and the session's client secret; secret keys are not accepted here.",
        )),
    }
}

/// The namespace a request works in: its key's, or with `Stripe-Account` the connected
/// account's own namespace under that key (which must name an account the key created).
/// Client-side calls find their session by its client secret; `Stripe-Account` (sent by the
/// SDKs for a connected account) names no namespace of the publishable key. A publishable
/// key on an intent's route works in the intent's namespace (`intent`: the path's first id).
pub fn namespace_for(
    app: &App,
    key: &ApiKey,
    access: Access,
    request: &Request,
    intent: Option<&str>,
) -> ApiResult<String> {
    if access == Access::Intent && key.kind == KeyKind::Publishable {
        // An intent a publishable key calls lives in the namespace that created it; an
        // unknown one is looked for (and not found) in the key's own.
        return Ok(intent
            .and_then(|id| app.store.namespace_of_intent(id))
            .unwrap_or_else(|| key.key.clone()));
    }
    let stripe_account = match access {
        Access::Secret | Access::Intent => request.header(&STRIPE_ACCOUNT),
        Access::Client => None,
    };
    let Some(account) = stripe_account.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(key.key.clone());
    };
    let known = app
        .store
        .existing(&key.key)
        .is_some_and(|ns| ns.read().accounts.get(account).is_some());
    if !known {
        return Err(ApiError::invalid_request(format!(
            "The provided key '{}' does not have access to account '{}' (or that account \
             does not exist). Application access may have been revoked.",
            key.masked(),
            shown_account(account)
        ))
        .with_status(403));
    }
    Ok(format!("{}#{account}", key.key))
}

/// The `Stripe-Account` value as an error may echo it: an account id as Stripe shows it
/// (`acct_…` is no secret), anything else masked like a key, since a header that does not
/// hold an account id often holds a misplaced API key.
fn shown_account(account: &str) -> String {
    let is_account_id = account
        .strip_prefix("acct_")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if is_account_id {
        account.to_string()
    } else {
        auth::mask(account)
    }
}

/// The request's parameters: the form body of a POST (with its query string beneath), or
/// the query string.
pub fn decode_params(request: &Request) -> ApiResult<ParamMap> {
    if request.method == Method::POST && !request.body.is_empty() {
        let content_type = request
            .header(&hyper::header::CONTENT_TYPE)
            .unwrap_or("application/x-www-form-urlencoded");
        let is_form = content_type
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded");
        let looks_like_json = request
            .body
            .first()
            .is_some_and(|b| *b == b'{' || *b == b'[');
        if !is_form || looks_like_json {
            return Err(ApiError::invalid_request(format!(
                "Invalid request: unsupported Content-Type {content_type}. Stripe's API (and so \
                 fcmock) takes application/x-www-form-urlencoded bodies with bracket nesting, \
                 e.g. name=Jenny&address[city]=Paris&expand[]=accounts — not JSON. The official \
                 Stripe libraries encode requests this way."
            )));
        }
        let mut params = form::decode(&request.body)?;
        // Stripe also reads the query string of a POST; body values win.
        for (k, v) in form::decode(request.query.as_bytes())?.iter() {
            if !params.contains(k) {
                params.insert(k.to_string(), v.clone());
            }
        }
        return Ok(params);
    }
    form::decode(request.query.as_bytes())
}

/// What makes two requests with one idempotency key "the same request".
pub fn fingerprint(method: &Method, path: &str, params: &ParamMap) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    method.as_str().hash(&mut hasher);
    path.hash(&mut hasher);
    params.to_json().to_string().hash(&mut hasher);
    hasher.finish()
}
