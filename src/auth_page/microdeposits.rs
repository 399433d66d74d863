//! The hosted microdeposit verification page (`next_action.verify_with_microdeposits.
//! hosted_verification_url`): where a customer types the two amounts or the descriptor code
//! from their statement, as on Stripe's hosted page. It posts to the intent's
//! `verify_microdeposits` through the ordinary API pipeline, so the page and a backend's call
//! decide the same way (Stripe's test values: 32 and 45, or `SM11AA`).

use super::html::{self, escape, hidden};
use crate::app::App;
use crate::http::{Request, Response};
use hyper::Method;

/// The page's path.
pub const PATH: &str = "/hosted/verify_microdeposits";

/// `GET` shows the form; `POST` verifies and shows the result.
pub fn handle(app: &App, request: &Request) -> Response {
    let bytes = match request.method {
        Method::POST => request.body.as_ref(),
        _ => request.query.as_bytes(),
    };
    let form: Vec<(String, String)> = form_urlencoded::parse(bytes)
        .into_owned()
        .take(20)
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let (intent, secret) = (get("intent"), get("client_secret"));
    let Some(key) = owner(app, intent, secret) else {
        return html::problem(
            404,
            "Unknown payment",
            "No PaymentIntent or SetupIntent has this id and client secret.",
        );
    };
    if request.method != Method::POST {
        return html::ok(
            html::page(
                "Verify your bank account",
                &form_html(intent, secret, None),
                None,
            ),
            "'self'",
        );
    }
    let body = match get("descriptor_code") {
        "" => format!(
            "amounts[]={}&amounts[]={}",
            enc(get("amount1")),
            enc(get("amount2"))
        ),
        code => format!("descriptor_code={}", enc(code)),
    };
    verify(app, &key, (intent, secret), &body)
}

/// Posts the attempt to the intent's `verify_microdeposits` and shows the outcome.
fn verify(app: &App, key: &str, (intent, secret): (&str, &str), body: &str) -> Response {
    let kind = if intent.starts_with("seti_") {
        "setup_intents"
    } else {
        "payment_intents"
    };
    let path = format!("/v1/{kind}/{intent}/verify_microdeposits");
    match crate::api::call_internal(app, key, Method::POST, &path, body) {
        Ok(_) => html::ok(
            html::page(
                "Bank account verified",
                "<p>Thank you. You can close this window.</p>",
                None,
            ),
            "'self'",
        ),
        Err(e) => html::ok(
            html::page(
                "Verify your bank account",
                &form_html(intent, secret, Some(&e.message)),
                None,
            ),
            "'self'",
        ),
    }
}

fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The API key of the namespace holding the intent with this client secret (a plain key's
/// namespace; Connect namespaces are not reachable from this page).
fn owner(app: &App, intent: &str, secret: &str) -> Option<String> {
    if intent.is_empty() || secret.is_empty() {
        return None;
    }
    app.store
        .keys()
        .into_iter()
        .filter(|k| !k.contains('#'))
        .find(|key| {
            app.store.existing(key).is_some_and(|ns| {
                let ns = ns.read();
                let pi = ns
                    .payment_intents
                    .get(intent)
                    .map(|p| p.client_secret == secret);
                let si = ns
                    .setup_intents
                    .get(intent)
                    .map(|s| s.client_secret == secret);
                pi.or(si).unwrap_or(false)
            })
        })
}

fn form_html(intent: &str, secret: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    format!(
        "{error}<p>Enter the two small deposits (in cents) on your statement, or the 6-character \
         code starting with SM. Test mode: 32 and 45, or SM11AA.</p>\
         <form method=\"post\" action=\"{PATH}\">{}{}\
         <label>First amount <input name=\"amount1\" inputmode=\"numeric\"></label>\
         <label>Second amount <input name=\"amount2\" inputmode=\"numeric\"></label>\
         <label>Or descriptor code <input name=\"descriptor_code\" maxlength=\"6\"></label>\
         <button>Verify</button></form>",
        hidden("intent", intent),
        hidden("client_secret", secret),
    )
}
