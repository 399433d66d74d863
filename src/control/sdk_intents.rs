//! `/_fcmock/sdk/{flutter|js}/{collect_bank_account|verify_microdeposits}`: a fake SDK that
//! makes the API calls the real one makes, with a publishable key, and answers what the
//! app would get (payloads: [`crate::auth_page::sdk_intents`]).
//!
//! `collect_bank_account` opens the intent's Financial Connections session
//! (`POST /v1/{payment,setup}_intents/{id}/link_account_sessions`, reusing one still
//! pending from an earlier call), lets it end (a queued scenario plays; otherwise a person
//! on the hosted page is waited for, `waitMs`), and attaches what it linked
//! (`…/attach` with `expand[]=payment_method`), as stripe-android's
//! `CollectBankAccountLauncher` does; after a cancel iOS and Stripe.js retrieve the intent
//! (docs/research/collect-bank-account.md §4). `verify_microdeposits` checks what the glue
//! checks, then calls `…/verify_microdeposits`. Each call lands in the request log.

use super::ControlResult;
use crate::api::call_as_sdk;
use crate::app::App;
use crate::auth_page::sdk::{self, Platform};
use crate::auth_page::sdk_intents::{self, Ended};
use crate::model::financial_connections::SessionStatus;
use crate::model::payments::IntentStatus;
use crate::resources::financial_connections::client_side as client_api;
use crate::resources::payments::client::IntentKind;
use hyper::Method;
use serde::Deserialize;
use serde_json::Value;

/// The publishable key the fake SDK calls with (any `pk_test_` works: an intent's route
/// finds its namespace by the intent).
const SDK_KEY: &str = "pk_test_fcmock_sdk";

/// The request body of both methods.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Body {
    client_secret: String,
    /// `android` or `ios` (flutter only).
    #[serde(default)]
    pub platform: Option<Platform>,
    #[serde(default, alias = "wait_ms")]
    wait_ms: Option<u64>,
    /// `collectBankAccount`'s `paymentMethodData.billingDetails` (`name` is required).
    #[serde(default)]
    billing_details: Option<Billing>,
    /// `verifyMicrodeposits`' two amounts, in cents.
    #[serde(default)]
    amounts: Option<Vec<i64>>,
    /// …or its descriptor code.
    #[serde(default)]
    descriptor_code: Option<String>,
}

/// Billing details as the app passes them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Billing {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// The two SDK methods on intents.
#[derive(Debug, Clone, Copy)]
pub enum IntentMethod {
    /// `collectBankAccount` / `collectBankAccountForPayment|Setup`.
    Collect,
    /// `verifyMicrodeposits` / `verifyMicrodepositsForPayment|Setup`.
    Verify,
}

/// Runs the method and renders its end for the platform (`None`: Stripe.js).
pub async fn result(
    app: &App,
    method: IntentMethod,
    body: Body,
    platform: Option<Platform>,
) -> ControlResult {
    let kind = match body.client_secret.split('_').next() {
        Some("seti") => IntentKind::Setup,
        _ => IntentKind::Payment,
    };
    let ended = match method {
        IntentMethod::Collect => collect(app, &body, kind, platform).await?,
        IntentMethod::Verify => verify(app, &body, kind),
    };
    Ok(match platform {
        Some(platform) => sdk_intents::flutter(&ended, kind, platform),
        None => sdk_intents::js(&ended, kind),
    })
}

/// `pi_…` / `seti_…` from `<id>_secret_<…>`, and its path under `/v1`.
fn intent_path(secret: &str, kind: IntentKind) -> String {
    let id = secret.split("_secret_").next().unwrap_or(secret);
    match kind {
        IntentKind::Payment => format!("/v1/payment_intents/{id}"),
        IntentKind::Setup => format!("/v1/setup_intents/{id}"),
    }
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

async fn collect(
    app: &App,
    body: &Body,
    kind: IntentKind,
    platform: Option<Platform>,
) -> Result<Ended, crate::stripe::error::ApiError> {
    let billing = body.billing_details.as_ref();
    let name = billing
        .and_then(|b| b.name.as_deref())
        .filter(|n| !n.is_empty());
    let Some(name) = name else {
        // Both glues check this before any call (§1.2, §2.2); Stripe.js sends the call and
        // the API refuses it.
        if platform.is_some() {
            return Ok(Ended::Refused(
                "You must provide a name when collecting US bank account details.".into(),
            ));
        }
        return Ok(match open_session(app, body, kind, "") {
            Err(e) => Ended::Failed(e),
            Ok(_) => Ended::Refused("billing_details.name is required".into()),
        });
    };
    let session = match pending_session(app, body, kind) {
        Some(secret) => secret,
        None => match open_session(app, body, kind, name) {
            Ok(secret) => secret,
            Err(e) => return Ok(Ended::Failed(e)),
        },
    };
    sdk::settle(app, &session, body.wait_ms.unwrap_or(0)).await?;
    let ended = match client_api::receipt(app, &session) {
        Err(e) => Ended::Failed(e),
        Ok(s) if s["status"] == SessionStatus::Cancelled.as_str() => {
            Ended::Canceled(retrieve(app, body, kind).unwrap_or(Value::Null))
        }
        Ok(s) => attach(app, body, kind, s["id"].as_str().unwrap_or_default()),
    };
    Ok(ended)
}

/// The client secret of the session an earlier call opened for the intent, while it is
/// still the one to use: not ended yet (a retry after a 409 waits on the same one), or
/// completed and not attached (the intent still wants a payment method). A cancelled or
/// failed one, or one already attached, makes the next call open a new session, as
/// calling the SDK again would.
fn pending_session(app: &App, body: &Body, kind: IntentKind) -> Option<String> {
    let path = intent_path(&body.client_secret, kind);
    let id = path.rsplit('/').next()?;
    let ns = app.store.existing(&app.store.namespace_of_intent(id)?)?;
    let ns = ns.read();
    let session = ns.payment_state.get(id)?.link_session.as_deref()?;
    let waiting = match kind {
        IntentKind::Payment => ns.payment_intents.get(id).map(|pi| pi.status),
        IntentKind::Setup => ns.setup_intents.get(id).map(|si| si.status),
    } == Some(IntentStatus::RequiresPaymentMethod);
    ns.sessions
        .get(session)
        .filter(|s| {
            s.status == SessionStatus::Pending || (s.status == SessionStatus::Succeeded && waiting)
        })
        .map(|s| s.client_secret.clone())
}

fn open_session(
    app: &App,
    body: &Body,
    kind: IntentKind,
    name: &str,
) -> Result<String, crate::stripe::error::ApiError> {
    let mut form = format!(
        "client_secret={}&payment_method_data[type]=us_bank_account",
        encode(&body.client_secret)
    );
    if !name.is_empty() {
        form += &format!(
            "&payment_method_data[billing_details][name]={}",
            encode(name)
        );
    }
    if let Some(email) = body
        .billing_details
        .as_ref()
        .and_then(|b| b.email.as_deref())
    {
        form += &format!(
            "&payment_method_data[billing_details][email]={}",
            encode(email)
        );
    }
    let path = format!(
        "{}/link_account_sessions",
        intent_path(&body.client_secret, kind)
    );
    let session = call_as_sdk(app, SDK_KEY, Method::POST, &path, &form)?;
    Ok(session["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

fn attach(app: &App, body: &Body, kind: IntentKind, session: &str) -> Ended {
    let path = format!(
        "{}/link_account_sessions/{session}/attach",
        intent_path(&body.client_secret, kind)
    );
    let form = format!(
        "client_secret={}&expand[]=payment_method",
        encode(&body.client_secret)
    );
    match call_as_sdk(app, SDK_KEY, Method::POST, &path, &form) {
        Ok(intent) => Ended::Intent(intent),
        Err(e) => Ended::Failed(e),
    }
}

fn retrieve(app: &App, body: &Body, kind: IntentKind) -> Option<Value> {
    let query = format!("client_secret={}", encode(&body.client_secret));
    let path = intent_path(&body.client_secret, kind);
    call_as_sdk(app, SDK_KEY, Method::GET, &path, &query).ok()
}

/// The glue's checks (§1.3, §2.3), then `…/verify_microdeposits`.
fn verify(app: &App, body: &Body, kind: IntentKind) -> Ended {
    let form = match (&body.amounts, &body.descriptor_code) {
        (Some(_), Some(_)) | (None, None) => {
            return Ended::Refused(
                "You must provide either amounts OR descriptorCode, not both.".into(),
            )
        }
        (Some(amounts), None) if amounts.len() != 2 => {
            return Ended::Refused(format!(
                "Expected 2 integers in the amounts array, but received {}",
                amounts.len()
            ))
        }
        (Some(amounts), None) => format!("amounts[]={}&amounts[]={}", amounts[0], amounts[1]),
        (None, Some(code)) => format!("descriptor_code={}", encode(code)),
    };
    let form = format!("client_secret={}&{form}", encode(&body.client_secret));
    let path = format!(
        "{}/verify_microdeposits",
        intent_path(&body.client_secret, kind)
    );
    match call_as_sdk(app, SDK_KEY, Method::POST, &path, &form) {
        Ok(intent) => Ended::Intent(intent),
        Err(e) => Ended::Failed(e),
    }
}
