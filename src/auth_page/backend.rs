//! `POST /financial-connections-sheet`: a drop-in for flutter_stripe's example server
//! (research/client-side.md §1.4). It creates a Custom Connect account and a session for it
//! (`account_holder[type]=account`, `filters[country]=US`,
//! `permissions=[ownership, payment_method]`) and answers `{"clientSecret": …}`, so the
//! example app runs against fcmock with `kApiUrl` pointed here. `?holder=customer` does the
//! same for a new customer.
//!
//! No key is needed: the objects go to the namespace of `--api-key` when it is set, else to
//! [`EXAMPLE_KEY`]'s. The calls go through the ordinary API pipeline ([`crate::api::handle`]),
//! so scripted scenarios and the request log see them like any other.

use crate::app::App;
use crate::http::{Request, Response};
use crate::stripe::versions::ApiVersion;
use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::Method;
use serde_json::{json, Value};

/// The key whose namespace holds the example backend's objects when `--api-key` is unset.
pub const EXAMPLE_KEY: &str = "sk_test_fcmock_example";

fn cors(response: Response) -> Response {
    response
        .with_header(HeaderName::from_static("access-control-allow-origin"), "*")
        .with_header(
            HeaderName::from_static("access-control-allow-methods"),
            "POST, OPTIONS",
        )
        .with_header(
            HeaderName::from_static("access-control-allow-headers"),
            "Content-Type, Authorization",
        )
        .with_header(HeaderName::from_static("access-control-max-age"), "600")
}

fn json_response(status: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec_pretty(body).unwrap_or_default();
    cors(Response::new(status, "application/json", bytes))
}

/// Answers the example backend's route.
pub async fn handle(app: &App, request: &Request) -> Response {
    if request.method == Method::OPTIONS {
        return cors(Response::new(204, "text/plain", ""));
    }
    if request.method != Method::POST {
        return json_response(
            405,
            &json!({"error": {"message": "Use POST /financial-connections-sheet.", "type": "invalid_request_error"}}),
        );
    }
    let for_customer = form_urlencoded::parse(request.query.as_bytes())
        .any(|(k, v)| k == "holder" && v == "customer");
    let key = app
        .settings
        .only_api_key
        .clone()
        .unwrap_or_else(|| EXAMPLE_KEY.to_string());
    let holder = if for_customer {
        call(
            app,
            &key,
            "/v1/customers",
            "description=fcmock+example+backend",
        )
        .await
    } else {
        // What the example server sends (research §1.4).
        call(
            app,
            &key,
            "/v1/accounts",
            "type=custom&country=US&capabilities[card_payments][requested]=true\
             &capabilities[transfers][requested]=true",
        )
        .await
    };
    let holder_id = match holder {
        Ok(v) => v["id"].as_str().unwrap_or_default().to_string(),
        Err(e) => return e,
    };
    let holder_params = if for_customer {
        format!("account_holder[type]=customer&account_holder[customer]={holder_id}")
    } else {
        format!("account_holder[type]=account&account_holder[account]={holder_id}")
    };
    let session = call(
        app,
        &key,
        "/v1/financial_connections/sessions",
        &format!(
            "{holder_params}&filters[country]=US&permissions[]=ownership&permissions[]=payment_method"
        ),
    )
    .await;
    match session {
        Ok(session) => json_response(200, &json!({"clientSecret": session["client_secret"]})),
        Err(e) => e,
    }
}

/// One Stripe API call through the ordinary pipeline; an error is passed on as is.
async fn call(app: &App, key: &str, path: &str, form: &str) -> Result<Value, Response> {
    let mut headers = HeaderMap::new();
    if let Ok(auth) = HeaderValue::from_str(&format!("Bearer {key}")) {
        headers.insert(AUTHORIZATION, auth);
    }
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    // Written against the latest version, as a backend on a current library pins it, so
    // an `--api-version` pin of the accounts does not change what this code sends.
    if let Ok(version) = HeaderValue::from_str(&ApiVersion::LATEST.to_string()) {
        headers.insert(HeaderName::from_static("stripe-version"), version);
    }
    let request = Request {
        method: Method::POST,
        path: path.to_string(),
        query: String::new(),
        headers,
        body: Bytes::from(form.to_string()),
        tls: false,
    };
    let request_id = app.new_request_id();
    let (response, _) = crate::api::handle(app, request, &request_id).await;
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    if response.status.is_success() {
        Ok(body)
    } else {
        Err(cors(Response::new(
            response.status.as_u16(),
            "application/json",
            response.body,
        )))
    }
}
