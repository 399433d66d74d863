//! SDK-shaped results (served by the control API at `/_fcmock/sdk/…`): what flutter_stripe / React Native's method
//! channel and Stripe.js hand the app when the flow ends, for tests that fake the SDK.
//!
//! A request names a session by client secret. Its scripted outcome is played first; a
//! pending session is waited for (`wait_ms`, polled without holding any lock) while a person
//! finishes the hosted page. The payload then follows research/client-side.md §1–2 (flutter)
//! and §4 (Stripe.js), with the per-platform differences reproduced:
//! - cancel: `"The flow has been canceled"` on Android, with a period on iOS;
//! - timestamps in milliseconds, integers on the wire on both platforms (Android computes
//!   a `Double`, which Flutter's `JSONMethodCodec` — org.json — writes without `.0`;
//!   docs/research/mobile-sdk-models.md §5.1);
//! - `balance` as each glue builds it (§5.4): Android always sends `cash: {available: {…}}`
//!   and `credit: {used: {…}}` (empty inner maps when the SDK field is null), iOS sends
//!   `null` inner values. Dart's `AccountBalance.fromJson` of flutter_stripe (at 7f5463c7, the code that pins stripe-android 23.10.+ and stripe-ios 25.17.0) casts each
//!   value of `cash`/`credit` to `num`, so any non-null balance throws a `TypeError` in the
//!   app: a bug of that version, reproduced here rather than hidden;
//! - enum values in camelCase (`creditCard`, `paymentMethod`, `usBankAccount`);
//! - tokens: Android's `created` is a string of milliseconds and `accountHolderType` is
//!   `Individual`/`Company`; iOS sends `created: null` and `accountHolderType: null`;
//!   `status` is `New` on both;
//! - failures: Android copies the API error's message into `localizedMessage`; iOS shows
//!   Stripe's generic text there for non-card errors (`NSError.stp_error`), and a missing
//!   API error code reaches Dart as `stripeErrorCode: ""` on iOS (StripeCore's
//!   `stripeErrorCode ?? ""`) but `null` on Android (§5.7).

use crate::app::App;
use crate::engine::{self, Cause};
use crate::model::financial_connections::{Balance, FcAccount, SessionStatus};
use crate::model::token::Token;
use crate::resources::financial_connections::client_side as client_api;
use crate::stripe::error::ApiError;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::time::Duration;

/// The longest `wait_ms` honoured.
pub const MAX_WAIT_MS: u64 = 120_000;
/// How often a waiting request looks at the session again.
const POLL: Duration = Duration::from_millis(50);

/// The platform whose native glue is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// stripe-android through `FinancialConnectionsSheetManager.kt`.
    Android,
    /// stripe-ios through `FinancialConnections.swift`.
    Ios,
}

/// Which SDK method is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkMethod {
    /// `collectFinancialConnectionsAccounts`.
    Accounts,
    /// `collectBankAccountToken`.
    Token,
}

/// Plays the session's scripted outcome, or waits up to `wait_ms` for it to end. An unknown
/// client secret is not an error here: the SDK would report it as a failure, and so does
/// the payload. A session still pending after the wait is a 409: the SDK would still be
/// showing the flow, and no result exists yet.
pub async fn settle(app: &App, client_secret: &str, wait_ms: u64) -> Result<(), ApiError> {
    let Ok((ns, id)) = client_api::find_session(app, client_secret) else {
        return Ok(());
    };
    {
        let mut ns = ns.write();
        let scripted = ns
            .sessions
            .get(&id)
            .filter(|s| s.status == SessionStatus::Pending)
            .and_then(|s| s.scripted.clone());
        if let Some(scripted) = scripted {
            engine::complete_session(
                app,
                &mut ns,
                &id,
                engine::Completion::scripted(&scripted),
                &Cause::default(),
            )?;
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_millis(wait_ms.min(MAX_WAIT_MS));
    loop {
        let pending = ns
            .read()
            .sessions
            .get(&id)
            .is_some_and(|s| s.status == SessionStatus::Pending);
        if !pending {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::invalid_request(format!(
                "The session {id} is still pending: nobody finished the hosted page within \
                 wait_ms, and no outcome is scripted for it. Script one (POST /_fcmock/scenarios \
                 or /_fcmock/sessions/{id}/complete) or raise wait_ms (at most {MAX_WAIT_MS})."
            ))
            .with_code("session_pending")
            .with_status(409));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Android's cancel message (research §2.2: no period).
pub const CANCELED_ANDROID: &str = "The flow has been canceled";
/// iOS's cancel message (research §2.2: with a period).
pub const CANCELED_IOS: &str = "The flow has been canceled.";
/// iOS's `localizedDescription` for a non-card API error (`NSError.stp_unexpectedErrorMessage`).
pub const IOS_UNEXPECTED_ERROR: &str =
    "There was an unexpected error -- try again in a few seconds";
/// Android's error when token mode finds no token on the session (research §3.4).
pub const ANDROID_NO_TOKEN: &str = "Could not extract Token from FinancialConnectionsSession.";

/// The method-channel payload for a finished (or unknown) session.
pub fn flutter_result(
    app: &App,
    client_secret: &str,
    platform: Platform,
    method: SdkMethod,
) -> Value {
    let (session, token) = match client_api::receipt(app, client_secret) {
        Ok(session) => {
            let token = session_token(&session);
            (session, token)
        }
        Err(e) => return flutter_failed(platform, &e),
    };
    if session["status"] == SessionStatus::Cancelled.as_str() {
        let message = match platform {
            Platform::Android => CANCELED_ANDROID,
            Platform::Ios => CANCELED_IOS,
        };
        return json!({"error": {
            "code": "Canceled",
            "message": message,
            "localizedMessage": message,
            "stripeErrorCode": null,
            "declineCode": null,
            "type": null
        }});
    }
    let mapped = flutter_session(&session, platform);
    match method {
        SdkMethod::Accounts => json!({ "session": mapped }),
        SdkMethod::Token => match (platform, token) {
            (Platform::Android, None) => json!({"error": {
                // A plain Kotlin exception, not a StripeException: no Stripe fields.
                "code": "Failed",
                "message": ANDROID_NO_TOKEN,
                "localizedMessage": ANDROID_NO_TOKEN,
                "stripeErrorCode": null,
                "declineCode": null,
                "type": null
            }}),
            (platform, token) => json!({
                "session": mapped,
                "token": flutter_token(token.as_ref(), platform)
            }),
        },
    }
}

fn session_token(session: &Value) -> Option<Token> {
    serde_json::from_value(session["bank_account_token"].clone()).ok()
}

/// The glue's `Failed` error from an API error, per platform.
pub(super) fn flutter_failed(platform: Platform, e: &ApiError) -> Value {
    let body: Value =
        serde_json::from_slice(&e.to_body("req", 0)).unwrap_or_else(|_| json!({"error": {}}));
    let error = &body["error"];
    let localized = match platform {
        Platform::Android => error["message"].clone(),
        Platform::Ios if error["type"] == "card_error" => error["message"].clone(),
        Platform::Ios => json!(IOS_UNEXPECTED_ERROR),
    };
    json!({"error": {
        "code": "Failed",
        "message": error["message"],
        "localizedMessage": localized,
        "stripeErrorCode": match (error.get("code"), platform) {
            (Some(code), _) => code.clone(),
            (None, Platform::Android) => Value::Null,
            (None, Platform::Ios) => json!(""),
        },
        "declineCode": null,
        "type": error["type"]
    }})
}

/// snake_case API value → the camelCase the native glue sends (research §2.1); anything
/// the glue does not know becomes `"unparsable"`.
fn camel(value: &str, known: &[&str]) -> String {
    if !known.contains(&value) {
        return "unparsable".to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut upper = false;
    for c in value.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Seconds → the milliseconds Dart receives. Android's `putDouble(x * 1000.0)` is integral,
/// and org.json prints an integral double as a long, so both platforms deliver an integer.
fn millis(seconds: i64) -> Value {
    json!(seconds * 1000)
}

/// `balance` as the glue builds it (research §5.4), which Dart then fails to decode.
fn flutter_balance(balance: &Balance) -> Value {
    let inner = |outer: &Option<Value>, key: &str| outer.as_ref().map(|v| v[key].clone());
    json!({
        "asOf": millis(balance.as_of),
        "type": balance.balance_type.as_str(),
        "current": balance.current,
        "cash": {"available": inner(&balance.cash, "available")},
        "credit": {"used": inner(&balance.credit, "used")},
    })
}

/// Android's glue creates the inner maps unconditionally and fills them if it can.
fn android_balance(balance: &Balance) -> Value {
    let mut out = flutter_balance(balance);
    for (outer, key) in [("cash", "available"), ("credit", "used")] {
        if out[outer][key].is_null() {
            out[outer][key] = json!({});
        }
    }
    out
}

fn flutter_session(session: &Value, platform: Platform) -> Value {
    let accounts: Vec<Value> = session["accounts"]["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|acct| flutter_account(acct, platform))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": session["id"],
        "clientSecret": session["client_secret"],
        "livemode": session["livemode"],
        "accounts": accounts
    })
}

fn flutter_account(account: &Value, platform: Platform) -> Value {
    let account: FcAccount = match serde_json::from_value(account.clone()) {
        Ok(a) => a,
        Err(_) => return Value::Null,
    };
    let balance_refresh = account.balance_refresh.as_ref().map(|r| {
        json!({
            "status": camel(r.status.as_str(), &["failed", "pending", "succeeded"]),
            "lastAttemptedAt": millis(r.last_attempted_at)
        })
    });
    json!({
        "id": account.id,
        "livemode": account.livemode,
        "displayName": account.display_name,
        "status": camel(account.status.as_str(), &["active", "inactive", "disconnected"]),
        "institutionName": account.institution_name,
        "last4": account.last4,
        "created": millis(account.created),
        "balance": account.balance.as_ref().map(|b| match platform {
            Platform::Android => android_balance(b),
            Platform::Ios => flutter_balance(b),
        }),
        "balanceRefresh": balance_refresh,
        "category": camel(account.category.as_str(), &["cash", "credit", "investment", "other"]),
        "subcategory": camel(
            account.subcategory.as_str(),
            &["checking", "credit_card", "line_of_credit", "mortgage", "other", "savings"]
        ),
        "permissions": account.permissions.as_ref().map(|ps| ps
            .iter()
            .map(|p| camel(p.as_str(), &["balances", "ownership", "payment_method", "transactions", "account_numbers"]))
            .collect::<Vec<_>>()),
        "supportedPaymentMethodTypes": account
            .supported_payment_method_types
            .iter()
            .map(|t| camel(t.as_str(), &["us_bank_account", "link"]))
            .collect::<Vec<_>>()
    })
}

fn flutter_token(token: Option<&Token>, platform: Platform) -> Value {
    let bank_account = token.map(|t| flutter_bank_account(&t.bank_account, platform));
    match platform {
        Platform::Android => {
            let t = token.expect("Android token results are built only when a token exists");
            json!({
                "id": t.id,
                "created": (t.created * 1000).to_string(),
                "type": "BankAccount",
                "livemode": t.livemode,
                "bankAccount": bank_account,
                "card": null,
                "used": t.used
            })
        }
        Platform::Ios => json!({
            "bankAccount": bank_account,
            "livemode": token.is_some_and(|t| t.livemode),
            "id": token.map(|t| t.id.clone()),
            "used": token.is_some_and(|t| t.used),
            "type": "BankAccount",
            "created": null
        }),
    }
}

/// A token's bank account as each platform's glue maps it.
fn flutter_bank_account(ba: &crate::model::token::BankAccount, platform: Platform) -> Value {
    let holder_type = match platform {
        Platform::Android => json!(match ba.account_holder_type.as_deref() {
            Some("individual") => "Individual",
            Some("company") => "Company",
            _ => "Unknown",
        }),
        // The iOS mapper never fills it (research §2.1).
        Platform::Ios => Value::Null,
    };
    json!({
        "id": ba.id,
        "bankName": ba.bank_name,
        "accountHolderName": ba.account_holder_name,
        "accountHolderType": holder_type,
        "currency": ba.currency,
        "country": ba.country,
        "routingNumber": ba.routing_number,
        "status": bank_account_status(&ba.status, platform),
        "fingerprint": ba.fingerprint,
        "last4": ba.last4
    })
}

/// Android goes through its enum (`new` → `New`); iOS capitalises the first letter only.
fn bank_account_status(status: &str, platform: Platform) -> String {
    match platform {
        Platform::Android => match status {
            "new" => "New",
            "validated" => "Validated",
            "verified" => "Verified",
            "verification_failed" => "VerificationFailed",
            "errored" => "Errored",
            _ => "Unknown",
        }
        .to_string(),
        Platform::Ios => match status.get(..1) {
            Some(first) => format!("{}{}", first.to_ascii_uppercase(), &status[1..]),
            None => String::new(),
        },
    }
}

/// A Stripe.js `error`: the API error's `type`, `code`, `doc_url`, `message`, `param`.
pub(super) fn js_error(e: &ApiError) -> Value {
    let body: Value =
        serde_json::from_slice(&e.to_body("req", 0)).unwrap_or_else(|_| json!({"error": {}}));
    let mut error = Map::new();
    for key in ["type", "code", "doc_url", "message", "param"] {
        if let Some(v) = body["error"].get(key) {
            error.insert(key.to_string(), v.clone());
        }
    }
    Value::Object(error)
}

/// The Stripe.js result: `{financialConnectionsSession}` (with `token` in token mode) in the
/// API's snake_case shape, `accounts` as an array (stripe-js `FinancialConnectionsSession`);
/// a cancel is a session with no accounts (research §4); a failure is `{error}`.
pub fn js_result(app: &App, client_secret: &str, method: SdkMethod) -> Value {
    let session = match client_api::receipt(app, client_secret) {
        Ok(session) => session,
        Err(e) => return json!({ "error": js_error(&e) }),
    };
    let token = session["bank_account_token"].clone();
    let mut js = json!({
        "id": session["id"],
        "object": "financial_connections.session",
        "account_holder": session["account_holder"],
        "accounts": session["accounts"]["data"],
        "client_secret": session["client_secret"],
        "filters": session["filters"],
        "livemode": session["livemode"],
        "permissions": session["permissions"],
    });
    if session["status"] == SessionStatus::Cancelled.as_str() {
        js["accounts"] = json!([]);
        return json!({ "financialConnectionsSession": js });
    }
    match method {
        SdkMethod::Token if !token.is_null() => {
            json!({ "financialConnectionsSession": js, "token": token })
        }
        _ => json!({ "financialConnectionsSession": js }),
    }
}
