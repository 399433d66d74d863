//! ACH Direct Debit: confirming PaymentIntents and SetupIntents with a `us_bank_account`
//! PaymentMethod, mandates, microdeposit verification, and settlement on the mock clock.
//!
//! Stripe's documented lifecycle (docs.stripe.com/payments/ach-direct-debit/accept-a-payment,
//! "Confirm the PaymentIntent", and …/testing): an instantly verified account (linked through
//! Financial Connections) goes straight to `processing` with a `pending` Charge; a manually
//! entered one waits in `requires_action` for microdeposit verification first. The bank
//! settles days later: the Charge `succeeded` and the intent `succeeded`, or the debit is
//! returned — the Charge `failed` with the return's `failure_code`, the intent back to
//! `requires_payment_method` with `last_payment_error`. Which, in test mode, depends on the
//! account number (Stripe's test numbers, [`AchOutcome::for_last4`]). How long test mode
//! takes is not documented; fcmock settles after `--ach-settlement-secs` of mock time
//! (default [`DEFAULT_SETTLEMENT_SECS`]), at once with `POST /_fcmock/payments/settle`, or
//! when `POST /_fcmock/clock` moves past it.

use super::{emit, snapshot, Cause};
use crate::app::App;
use crate::model::payments::{
    AchOutcome, Bookkeeping, Charge, ChargeStatus, ChargeTag, Dispute, DisputeStatus, DisputeTag,
    IntentStatus, Mandate, MandateStatus, MandateTag,
};
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::ids::IdKind;
use serde_json::{json, Value};

/// Default mock-clock seconds from `processing` to settled.
pub const DEFAULT_SETTLEMENT_SECS: i64 = 10;

/// Stripe's microdeposit test values (ACH testing docs: amounts 32 and 45 or descriptor code
/// `SM11AA` verify; 10, 11 / `SM33CC` exceed the attempts; 40, 41 / `SM44DD` time out).
const GOOD_AMOUNTS: [i64; 2] = [32, 45];
const GOOD_CODE: &str = "SM11AA";
/// Wrong amounts allowed before verification is exhausted (three), and wrong codes (ten).
const AMOUNT_ATTEMPTS: u32 = 3;
const CODE_ATTEMPTS: u32 = 10;

/// Where a confirm's mandate comes from.
#[derive(Debug, Clone)]
pub enum MandateSource {
    /// `mandate_data[customer_acceptance]`: a new mandate.
    Accepted(Value),
    /// `mandate=mandate_…`, or the active multi-use mandate of a saved PaymentMethod.
    Existing(String),
}

/// Which intent an engine call works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentKind {
    /// `pi_…`
    Payment,
    /// `seti_…`
    Setup,
}

/// Makes (or finds) the mandate for a confirm. `multi_use` when the method is saved for
/// later (SetupIntents, `setup_future_usage`), else `single_use` for the amount.
pub fn mandate_for(
    app: &App,
    ns: &mut Namespace,
    payment_method: &str,
    source: MandateSource,
    single_use: Option<(i64, &str)>,
) -> Result<String, ApiError> {
    let acceptance = match source {
        MandateSource::Existing(id) => {
            let mandate = ns
                .mandates
                .get(&id)
                .ok_or_else(|| ApiError::no_such_in_param("mandate", &id, "mandate"))?;
            if mandate.status != MandateStatus::Active {
                return Err(ApiError::invalid_request(format!(
                    "The mandate {id} is not active and cannot be used for a payment."
                ))
                .with_param("mandate"));
            }
            return Ok(id);
        }
        MandateSource::Accepted(acceptance) => acceptance,
    };
    let id = app.ids.next(IdKind::Mandate);
    let mandate = Mandate {
        id: id.clone(),
        object: MandateTag,
        customer_acceptance: acceptance,
        livemode: false,
        multi_use: single_use.is_none().then(|| json!({})),
        on_behalf_of: None,
        payment_method: payment_method.to_string(),
        payment_method_details: json!({"type": "us_bank_account", "us_bank_account": {}}),
        single_use: single_use
            .map(|(amount, currency)| json!({"amount": amount, "currency": currency})),
        status: MandateStatus::Active,
        mandate_type: if single_use.is_some() {
            "single_use"
        } else {
            "multi_use"
        }
        .into(),
    };
    ns.mandates.insert(id.clone(), app.clock.now(), mandate);
    Ok(id)
}

/// The active multi-use mandate a saved PaymentMethod was set up with, if any.
pub fn saved_mandate(ns: &Namespace, payment_method: &str) -> Option<String> {
    ns.mandates
        .iter()
        .find(|m| {
            m.payment_method == payment_method
                && m.status == MandateStatus::Active
                && m.mandate_type == "multi_use"
        })
        .map(|m| m.id.clone())
}

/// `next_action` while the customer verifies microdeposits (amounts by default).
pub fn microdeposit_action(app: &App, intent: &str, client_secret: &str) -> Value {
    let url = format!(
        "{}/hosted/verify_microdeposits?intent={intent}&client_secret={client_secret}",
        app.settings.public_url
    );
    json!({
        "type": "verify_with_microdeposits",
        "verify_with_microdeposits": {
            // Stripe sends them the next business day; 1–2 days in its docs.
            "arrival_date": app.clock.now() + 2 * 86_400,
            "hosted_verification_url": url,
            "microdeposit_type": "amounts"
        }
    })
}

/// How long a customer has to verify microdeposits: "If the customer doesn't verify … within
/// 10 days, the intent reverts to `requires_payment_method`" (docs.stripe.com/payments/
/// ach-direct-debit/accept-a-payment, "Verify with microdeposits").
pub const VERIFY_WINDOW_SECS: i64 = 10 * 86_400;

/// Starts the verification window of an intent that now waits for microdeposits.
pub fn await_microdeposits(app: &App, ns: &mut Namespace, intent: &str) {
    let state = ns.payment_state.entry(intent.to_string()).or_default();
    state.verify_by = Some(app.clock.now() + VERIFY_WINDOW_SECS);
}

/// Reverts the intents whose verification window has passed unverified: back to
/// `requires_payment_method` with Stripe's timeout error, and their failure event.
fn expire_verifications(app: &App, ns: &mut Namespace) {
    let now = app.clock.now();
    let expired: Vec<String> = ns
        .payment_state
        .iter()
        .filter(|(_, b)| b.verify_by.is_some_and(|at| at <= now))
        .map(|(id, _)| id.clone())
        .collect();
    let error = verification_error(Verification::TimedOut, false).map(|e| e.body_json());
    let cause = Cause::default();
    for id in expired {
        if let Some(state) = ns.payment_state.get_mut(&id) {
            state.verify_by = None;
        }
        let reverted = if let Some(pi) = ns.payment_intents.get_mut(&id) {
            (pi.status == IntentStatus::RequiresAction).then(|| {
                pi.status = IntentStatus::RequiresPaymentMethod;
                pi.next_action = None;
                pi.last_payment_error = error.clone();
                pi.payment_method = None;
                ("payment_intent.payment_failed", snapshot(&*pi))
            })
        } else if let Some(si) = ns.setup_intents.get_mut(&id) {
            (si.status == IntentStatus::RequiresAction).then(|| {
                si.status = IntentStatus::RequiresPaymentMethod;
                si.next_action = None;
                si.last_setup_error = error.clone();
                si.payment_method = None;
                ("setup_intent.setup_failed", snapshot(&*si))
            })
        } else {
            None
        };
        if let Some((event, object)) = reverted {
            emit(app, ns, event, object, None, &cause);
        }
    }
}

/// Starts the debit of a confirmed PaymentIntent: a pending Charge, `processing`, and the
/// settlement due after the configured delay.
pub fn start_debit(
    app: &App,
    ns: &mut Namespace,
    pi_id: &str,
    cause: &Cause,
) -> Result<(), ApiError> {
    let now = app.clock.now();
    let pi = ns
        .payment_intents
        .get(pi_id)
        .cloned()
        .ok_or_else(|| ApiError::internal("payment intent vanished"))?;
    let pm_id = pi.payment_method.clone().unwrap_or_default();
    let pm = ns.payment_methods.get(&pm_id).cloned();
    let mandate = ns.payment_state.get(pi_id).and_then(|b| b.mandate.clone());
    let charge = new_charge(
        app.ids.next(IdKind::Charge),
        now,
        &pi,
        pm.as_ref(),
        mandate.as_deref(),
    );
    let charge_id = charge.id.clone();
    emit(app, ns, "charge.pending", snapshot(&charge), None, cause);
    ns.charges.insert(charge_id.clone(), now, charge);
    let updated = {
        let pi = ns
            .payment_intents
            .get_mut(pi_id)
            .ok_or_else(|| ApiError::internal("payment intent vanished"))?;
        pi.status = IntentStatus::Processing;
        pi.latest_charge = Some(charge_id);
        pi.next_action = None;
        pi.last_payment_error = None;
        snapshot(&*pi)
    };
    emit(app, ns, "payment_intent.processing", updated, None, cause);
    let state = ns.payment_state.entry(pi_id.to_string()).or_default();
    state.settles_at = Some(now + app.settings.ach_settlement_secs);
    schedule(app, app.settings.ach_settlement_secs);
    Ok(())
}

/// The pending Charge of a PaymentIntent's debit.
fn new_charge(
    id: String,
    now: i64,
    pi: &crate::model::payments::PaymentIntent,
    pm: Option<&crate::model::payment_method::PaymentMethod>,
    mandate: Option<&str>,
) -> Charge {
    Charge {
        id,
        object: ChargeTag,
        amount: pi.amount,
        amount_captured: pi.amount,
        amount_refunded: 0,
        application: None,
        application_fee: None,
        application_fee_amount: None,
        balance_transaction: None,
        billing_details: pm
            .and_then(|p| serde_json::to_value(&p.billing_details).ok())
            .unwrap_or(Value::Null),
        calculated_statement_descriptor: Some("FCMOCK".into()),
        captured: true,
        created: now,
        currency: pi.currency.clone(),
        customer: pi.customer.clone(),
        description: pi.description.clone(),
        disputed: false,
        failure_balance_transaction: None,
        failure_code: None,
        failure_message: None,
        fraud_details: json!({}),
        livemode: false,
        metadata: Default::default(),
        on_behalf_of: None,
        outcome: None,
        paid: false,
        payment_intent: Some(pi.id.clone()),
        payment_method: pi.payment_method.clone(),
        payment_method_details: charge_details(pm, mandate),
        receipt_email: pi.receipt_email.clone(),
        receipt_number: None,
        receipt_url: None,
        refunded: false,
        review: None,
        shipping: None,
        source_transfer: None,
        statement_descriptor: pi.statement_descriptor.clone(),
        statement_descriptor_suffix: pi.statement_descriptor_suffix.clone(),
        status: ChargeStatus::Pending,
        transfer_data: None,
        transfer_group: pi.transfer_group.clone(),
    }
}

/// A Charge's `payment_method_details.us_bank_account`, from the PaymentMethod. Newer API
/// versions add `mandate` and `payment_reference`; the schema subset fcmock validates
/// against predates them, so they are not rendered (README, Differences from Stripe).
fn charge_details(
    pm: Option<&crate::model::payment_method::PaymentMethod>,
    _mandate: Option<&str>,
) -> Value {
    let bank = pm.map(|p| &p.us_bank_account);
    json!({
        "type": "us_bank_account",
        "us_bank_account": {
            "account_holder_type": bank.and_then(|b| b.account_holder_type.clone()),
            "account_type": bank.and_then(|b| b.account_type.clone()),
            "bank_name": bank.and_then(|b| b.bank_name.clone()),
            "fingerprint": bank.and_then(|b| b.fingerprint.clone()),
            "last4": bank.and_then(|b| b.last4.clone()),
            "routing_number": bank.and_then(|b| b.routing_number.clone()),
        }
    })
}

/// Settles, after `secs` of real time, whatever is due by the mock clock then. Outside a
/// tokio runtime it does nothing (tests settle explicitly).
pub fn schedule(app: &App, secs: i64) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let app = app.clone();
    let wait = std::time::Duration::from_secs(secs.max(0) as u64);
    runtime.spawn(async move {
        tokio::time::sleep(wait).await;
        settle_all(&app, false);
    });
}

/// Settles, in every namespace, the debits that are due (all pending ones with `force`).
/// Returns how many settled.
pub fn settle_all(app: &App, force: bool) -> usize {
    let mut settled = 0;
    for key in app.store.keys() {
        if let Some(ns) = app.store.existing(&key) {
            settled += settle_namespace(app, &mut ns.write(), force);
        }
    }
    if settled > 0 {
        app.control.changes.bump();
    }
    settled
}

/// Settles one namespace's due debits, and reverts intents whose microdeposits were not
/// verified in time. A debit from Stripe's "stays processing" test number settles only when
/// an outcome was scripted for it.
pub fn settle_namespace(app: &App, ns: &mut Namespace, force: bool) -> usize {
    expire_verifications(app, ns);
    let now = app.clock.now();
    let due: Vec<(String, AchOutcome)> = ns
        .payment_state
        .iter()
        .filter(|(_, b)| b.settles_at.is_some_and(|at| force || at <= now))
        .filter_map(|(id, b)| {
            let outcome = b.scripted.unwrap_or_else(|| outcome_of(ns, id));
            (outcome != AchOutcome::StayProcessing).then(|| (id.clone(), outcome))
        })
        .collect();
    let cause = Cause::default();
    for (id, outcome) in &due {
        if let Some(state) = ns.payment_state.get_mut(id) {
            state.settles_at = None;
        }
        settle(app, ns, id, *outcome, &cause);
    }
    due.len()
}

/// The bank's answer for the intent's PaymentMethod: by its account number's last four.
fn outcome_of(ns: &Namespace, pi_id: &str) -> AchOutcome {
    let last4 = ns
        .payment_intents
        .get(pi_id)
        .and_then(|pi| pi.payment_method.as_ref())
        .and_then(|pm| ns.payment_methods.get(pm))
        .and_then(|pm| pm.us_bank_account.last4.clone());
    AchOutcome::for_last4(last4.as_deref())
}

fn settle(app: &App, ns: &mut Namespace, pi_id: &str, outcome: AchOutcome, cause: &Cause) {
    let Some(charge_id) = ns
        .payment_intents
        .get(pi_id)
        .and_then(|p| p.latest_charge.clone())
    else {
        return;
    };
    match outcome.failure() {
        None => succeed(
            app,
            ns,
            pi_id,
            &charge_id,
            outcome == AchOutcome::Dispute,
            cause,
        ),
        Some((code, message)) => {
            fail(app, ns, (pi_id, &charge_id), (code, message), cause);
            if outcome == AchOutcome::DebitNotAuthorized {
                revoke_mandate(app, ns, pi_id, cause);
            }
        }
    }
}

fn succeed(
    app: &App,
    ns: &mut Namespace,
    pi_id: &str,
    charge_id: &str,
    disputed: bool,
    cause: &Cause,
) {
    if let Some(charge) = ns.charges.get_mut(charge_id) {
        charge.status = ChargeStatus::Succeeded;
        charge.paid = true;
        charge.outcome = Some(json!({
            "network_status": "approved_by_network", "reason": null, "risk_level": "not_assessed",
            "seller_message": "Payment complete.", "type": "authorized"
        }));
        let object = snapshot(&*charge);
        emit(app, ns, "charge.succeeded", object, None, cause);
    }
    if let Some(pi) = ns.payment_intents.get_mut(pi_id) {
        pi.status = IntentStatus::Succeeded;
        pi.amount_received = pi.amount;
        let object = snapshot(&*pi);
        emit(app, ns, "payment_intent.succeeded", object, None, cause);
    }
    if disputed {
        open_dispute(app, ns, charge_id, cause);
    }
}

/// A settled debit the customer's bank takes back (Stripe's `000555555559`: "the payment
/// succeeds, but is then disputed"): a Dispute for all of it, `lost` at once since ACH
/// disputes are final, and the Charge marked `disputed`. The reason is inferred: Stripe's
/// test account documents no reason; an ACH dispute is the customer saying they did not
/// authorise the debit.
fn open_dispute(app: &App, ns: &mut Namespace, charge_id: &str, cause: &Cause) {
    let Some(charge) = ns.charges.get_mut(charge_id) else {
        return;
    };
    charge.disputed = true;
    let evidence: serde_json::Map<String, Value> = EVIDENCE_FIELDS
        .iter()
        .map(|f| (f.to_string(), Value::Null))
        .collect();
    let dispute = Dispute {
        id: app.ids.next(IdKind::Dispute),
        object: DisputeTag,
        amount: charge.amount,
        balance_transactions: Vec::new(),
        charge: charge_id.to_string(),
        created: app.clock.now(),
        currency: charge.currency.clone(),
        evidence: Value::Object(evidence),
        evidence_details: json!({
            "due_by": null, "has_evidence": false, "past_due": false, "submission_count": 0
        }),
        is_charge_refundable: false,
        livemode: false,
        metadata: Default::default(),
        payment_intent: charge.payment_intent.clone(),
        reason: "debit_not_authorized".into(),
        status: DisputeStatus::Lost,
    };
    let object = snapshot(&dispute);
    ns.disputes
        .insert(dispute.id.clone(), dispute.created, dispute);
    emit(app, ns, "charge.dispute.created", object, None, cause);
}

/// The fields of a Dispute's `evidence` (Stripe's `dispute_evidence` schema), all `null`.
const EVIDENCE_FIELDS: &[&str] = &[
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
];

fn fail(
    app: &App,
    ns: &mut Namespace,
    (pi_id, charge_id): (&str, &str),
    (code, message): (&str, &str),
    cause: &Cause,
) {
    if let Some(charge) = ns.charges.get_mut(charge_id) {
        charge.status = ChargeStatus::Failed;
        charge.failure_code = Some(code.into());
        charge.failure_message = Some(message.into());
        charge.outcome = Some(json!({
            "network_status": "declined_by_network", "reason": code, "risk_level": "not_assessed",
            "seller_message": message, "type": "issuer_declined"
        }));
        let object = snapshot(&*charge);
        emit(app, ns, "charge.failed", object, None, cause);
    }
    let pm = ns
        .payment_intents
        .get(pi_id)
        .and_then(|p| p.payment_method.as_ref())
        .and_then(|id| ns.payment_methods.get(id))
        .and_then(|pm| serde_json::to_value(pm).ok());
    if let Some(pi) = ns.payment_intents.get_mut(pi_id) {
        pi.status = IntentStatus::RequiresPaymentMethod;
        // The failed method stays named in the error and is taken off the intent, as Stripe
        // does after a failed attempt (the PaymentIntent API reference, `last_payment_error`).
        pi.last_payment_error = Some(json!({
            "charge": charge_id, "code": code,
            "doc_url": format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")),
            "message": message, "payment_method": pm, "type": "invalid_request_error"
        }));
        pi.payment_method = None;
        let object = snapshot(&*pi);
        emit(
            app,
            ns,
            "payment_intent.payment_failed",
            object,
            None,
            cause,
        );
    }
}

/// A `debit_not_authorized` return means the customer disputed the authorisation: Stripe
/// deactivates the mandate (inferred from the ACH docs' "mandate revoked" failure handling).
fn revoke_mandate(app: &App, ns: &mut Namespace, pi_id: &str, cause: &Cause) {
    let Some(id) = ns.payment_state.get(pi_id).and_then(|b| b.mandate.clone()) else {
        return;
    };
    if let Some(mandate) = ns.mandates.get_mut(&id) {
        if mandate.status == MandateStatus::Active {
            mandate.status = MandateStatus::Inactive;
            let object = snapshot(&*mandate);
            let previous = Some(json!({"status": "active"}));
            emit(app, ns, "mandate.updated", object, previous, cause);
        }
    }
}

/// What a `verify_microdeposits` call decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The right amounts or code: the intent goes on.
    Verified,
    /// Stripe's "exceeds attempts" test values, or too many wrong ones: verification is over.
    Exhausted,
    /// Stripe's timeout test values.
    TimedOut,
    /// Wrong, with attempts left.
    Mismatch,
}

/// Judges one verification attempt and counts it in `state`.
pub fn judge(state: &mut Bookkeeping, amounts: Option<&[i64]>, code: Option<&str>) -> Verification {
    let attempts = state.microdeposit_attempts.unwrap_or(0) + 1;
    state.microdeposit_attempts = Some(attempts);
    let (verdict, limit) = match (amounts, code) {
        (Some(a), _) if a == GOOD_AMOUNTS => (Verification::Verified, AMOUNT_ATTEMPTS),
        (Some([10, 11]), _) => (Verification::Exhausted, AMOUNT_ATTEMPTS),
        (Some([40, 41]), _) => (Verification::TimedOut, AMOUNT_ATTEMPTS),
        (Some(_), _) => (Verification::Mismatch, AMOUNT_ATTEMPTS),
        (None, Some(GOOD_CODE)) => (Verification::Verified, CODE_ATTEMPTS),
        (None, Some("SM33CC")) => (Verification::Exhausted, CODE_ATTEMPTS),
        (None, Some("SM44DD")) => (Verification::TimedOut, CODE_ATTEMPTS),
        (None, _) => (Verification::Mismatch, CODE_ATTEMPTS),
    };
    match verdict {
        Verification::Mismatch if attempts >= limit => Verification::Exhausted,
        other => other,
    }
}

/// The error a failed attempt answers, as Stripe's error codes name them.
pub fn verification_error(verdict: Verification, by_code: bool) -> Option<ApiError> {
    let (code, message) = match verdict {
        Verification::Verified => return None,
        Verification::Exhausted => (
            "payment_method_microdeposit_verification_attempts_exceeded",
            "You have exceeded the number of allowed verification attempts.",
        ),
        Verification::TimedOut => (
            "payment_method_microdeposit_verification_timeout",
            "Payment method should be verified with microdeposits within the required period.",
        ),
        Verification::Mismatch if by_code => (
            "payment_method_microdeposit_verification_descriptor_code_mismatch",
            "The verification code provided does not match the expected code.",
        ),
        Verification::Mismatch => (
            "payment_method_microdeposit_verification_amounts_mismatch",
            "The amounts provided do not match the amounts that were sent to the bank account.",
        ),
    };
    Some(ApiError::invalid_request(message).with_code(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_microdeposit_test_values_verify_exhaust_or_time_out() {
        let mut s = Bookkeeping::default();
        assert_eq!(judge(&mut s, Some(&[32, 45]), None), Verification::Verified);
        let mut s = Bookkeeping::default();
        assert_eq!(
            judge(&mut s, Some(&[10, 11]), None),
            Verification::Exhausted
        );
        let mut s = Bookkeeping::default();
        assert_eq!(judge(&mut s, None, Some("SM44DD")), Verification::TimedOut);
        let mut s = Bookkeeping::default();
        assert_eq!(judge(&mut s, Some(&[1, 2]), None), Verification::Mismatch);
        assert_eq!(judge(&mut s, Some(&[1, 2]), None), Verification::Mismatch);
        assert_eq!(judge(&mut s, Some(&[1, 2]), None), Verification::Exhausted);
        let mut s = Bookkeeping::default();
        for _ in 0..9 {
            assert_eq!(judge(&mut s, None, Some("SM00XX")), Verification::Mismatch);
        }
        assert_eq!(judge(&mut s, None, Some("SM00XX")), Verification::Exhausted);
        assert!(verification_error(Verification::Verified, false).is_none());
    }
}
