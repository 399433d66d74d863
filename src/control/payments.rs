//! ACH settlement controls: settle every pending debit now, or script what the bank does
//! with one PaymentIntent's (QA: a payment that bounces with a given return code).

use super::{parse_body, ControlResult};
use crate::app::App;
use crate::engine::payments as ach;
use crate::model::payments::{AchOutcome, IntentStatus};
use crate::stripe::error::ApiError;
use serde::Deserialize;
use serde_json::json;

/// The body of `POST /_fcmock/payments/settle`: all namespaces, or one key's.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettleBody {
    #[serde(default)]
    api_key: Option<String>,
}

/// `POST /_fcmock/payments/settle` → `{"settled": N}`: every `processing` debit (of
/// `api_key`'s namespace when given) settles now as its account number (or scripted
/// outcome) says; "stays processing" ones stay.
pub fn settle(app: &App, body: &[u8]) -> ControlResult {
    let body: SettleBody = match body.iter().all(u8::is_ascii_whitespace) {
        true => SettleBody::default(),
        false => parse_body(body)?,
    };
    let settled = match body.api_key {
        None => ach::settle_all(app, true),
        Some(key) => match app.store.existing(&key) {
            Some(ns) => ach::settle_namespace(app, &mut ns.write(), true),
            None => 0,
        },
    };
    if settled > 0 {
        app.control.changes.bump();
    }
    Ok(json!({"settled": settled}))
}

/// The body of `POST /_fcmock/payments/{pi}/outcome`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeBody {
    /// `succeed`, `fail`, `dispute` or `stay_processing`.
    outcome: String,
    /// With `fail`: the return's code (`insufficient_funds` by default).
    #[serde(default)]
    failure_code: Option<String>,
}

/// `POST /_fcmock/payments/{pi}/outcome`: what the bank does with this PaymentIntent's
/// debit, whatever its account number says. Set before or while it is `processing`; it
/// applies when the debit settles (`/_fcmock/payments/settle` settles it at once).
pub fn script(app: &App, id: &str, body: &[u8]) -> ControlResult {
    let body: OutcomeBody = parse_body(body)?;
    let outcome = outcome_of(&body)?;
    for key in app.store.keys() {
        let Some(ns) = app.store.existing(&key) else {
            continue;
        };
        let mut ns = ns.write();
        let Some(status) = ns.payment_intents.get(id).map(|pi| pi.status) else {
            continue;
        };
        if matches!(status, IntentStatus::Succeeded | IntentStatus::Canceled) {
            return Err(ApiError::invalid_request(format!(
                "The PaymentIntent {id} has already settled ({status}); script its outcome before it does."
            )));
        }
        ns.payment_state.entry(id.to_string()).or_default().scripted = Some(outcome);
        return Ok(json!({"payment_intent": id, "outcome": outcome, "status": status}));
    }
    Err(ApiError::no_such_in_path("payment_intent", id).with_status(404))
}

fn outcome_of(body: &OutcomeBody) -> Result<AchOutcome, ApiError> {
    let code = body.failure_code.as_deref();
    let outcome = match (body.outcome.as_str(), code) {
        ("succeed", None) => AchOutcome::Succeed,
        ("dispute", None) => AchOutcome::Dispute,
        ("stay_processing", None) => AchOutcome::StayProcessing,
        ("fail", None) => AchOutcome::InsufficientFunds,
        ("fail", Some(code)) => AchOutcome::from_name(code)
            .filter(|o| o.failure().is_some())
            .ok_or_else(|| {
                ApiError::invalid_enum(
                    "failure_code",
                    &[
                        "account_closed",
                        "no_account",
                        "insufficient_funds",
                        "debit_not_authorized",
                        "invalid_currency",
                    ],
                )
            })?,
        (_, Some(_)) => {
            return Err(ApiError::invalid_request(
                "failure_code goes with \"outcome\": \"fail\" only.",
            )
            .with_param("failure_code"))
        }
        _ => {
            return Err(ApiError::invalid_enum(
                "outcome",
                &["succeed", "fail", "dispute", "stay_processing"],
            ))
        }
    };
    Ok(outcome)
}
