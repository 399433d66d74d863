//! ACH Direct Debit on Financial Connections: PaymentIntents, SetupIntents, Mandates and
//! Charges, with the states Stripe documents for `us_bank_account` (docs.stripe.com/payments/
//! ach-direct-debit/accept-a-payment and …/set-up-payment: a payment sits in `processing`
//! until the bank settles it, then `succeeded` or back to `requires_payment_method`).
//!
//! Nested hashes fcmock never fills (shipping, transfer_data, …) are kept as plain JSON so
//! they render as Stripe's `null`s without a type per field.

use super::{object_tag, wire_enum, HasId, Metadata};
use serde::{Deserialize, Serialize};
use serde_json::Value;

object_tag!(
    /// `"payment_intent"`
    PaymentIntentTag = "payment_intent"
);
object_tag!(
    /// `"setup_intent"`
    SetupIntentTag = "setup_intent"
);
object_tag!(
    /// `"mandate"`
    MandateTag = "mandate"
);
object_tag!(
    /// `"charge"`
    ChargeTag = "charge"
);
object_tag!(
    /// `"dispute"`
    DisputeTag = "dispute"
);

wire_enum! {
    /// A PaymentIntent's or SetupIntent's `status` (the values ACH reaches).
    pub enum IntentStatus {
        /// No usable payment method yet, or the last one failed.
        RequiresPaymentMethod = "requires_payment_method",
        /// A payment method is set; the intent waits for `confirm`.
        RequiresConfirmation = "requires_confirmation",
        /// Waiting for the customer: microdeposit verification.
        RequiresAction = "requires_action",
        /// The bank has the debit (PaymentIntents only).
        Processing = "processing",
        /// Paid, or set up.
        Succeeded = "succeeded",
        /// Cancelled.
        Canceled = "canceled",
    }
}

wire_enum! {
    /// A Charge's `status`.
    pub enum ChargeStatus {
        /// ACH debits are pending until the bank settles them.
        Pending = "pending",
        /// Settled.
        Succeeded = "succeeded",
        /// Returned by the bank.
        Failed = "failed",
    }
}

wire_enum! {
    /// A Dispute's `status`.
    pub enum DisputeStatus {
        /// Waiting for the merchant's evidence (card disputes).
        NeedsResponse = "needs_response",
        /// Evidence submitted, the bank deciding.
        UnderReview = "under_review",
        /// Decided for the merchant.
        Won = "won",
        /// Decided for the customer. ACH disputes are final at once: "there is no process
        /// for appeal" (docs.stripe.com/payments/ach-direct-debit, "Disputed payments").
        Lost = "lost",
    }
}

wire_enum! {
    /// A Mandate's `status`.
    pub enum MandateStatus {
        /// Usable for debits.
        Active = "active",
        /// Revoked (e.g. a `debit_not_authorized` return) or ended.
        Inactive = "inactive",
        /// Not yet usable.
        Pending = "pending",
    }
}

wire_enum! {
    /// What the bank does with a debit from a test account (Stripe's ACH test numbers,
    /// recognised by their last four digits).
    pub enum AchOutcome {
        /// `000123456789`: the payment succeeds.
        Succeed = "succeed",
        /// `000111111113`: `account_closed`.
        AccountClosed = "account_closed",
        /// `000111111116`: `no_account`.
        NoAccount = "no_account",
        /// `000222222227`: `insufficient_funds`.
        InsufficientFunds = "insufficient_funds",
        /// `000333333335`: `debit_not_authorized` (the mandate is revoked too).
        DebitNotAuthorized = "debit_not_authorized",
        /// `000444444440`: `invalid_currency`.
        InvalidCurrency = "invalid_currency",
        /// `000000000009`: stays `processing` until cancelled or scripted.
        StayProcessing = "stay_processing",
        /// `000555555559`: succeeds, then a dispute is opened.
        Dispute = "dispute",
    }
}

impl AchOutcome {
    /// The outcome of Stripe's test account number ending in `last4`; any other succeeds.
    pub fn for_last4(last4: Option<&str>) -> AchOutcome {
        match last4 {
            Some("1113") => AchOutcome::AccountClosed,
            Some("1116") => AchOutcome::NoAccount,
            Some("2227") => AchOutcome::InsufficientFunds,
            Some("3335") => AchOutcome::DebitNotAuthorized,
            Some("4440") => AchOutcome::InvalidCurrency,
            Some("0009") => AchOutcome::StayProcessing,
            Some("5559") => AchOutcome::Dispute,
            _ => AchOutcome::Succeed,
        }
    }

    /// The Charge's `failure_code` and `failure_message` when the debit is returned.
    pub fn failure(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            AchOutcome::AccountClosed => ("account_closed", "The bank account has been closed."),
            AchOutcome::NoAccount => (
                "no_account",
                "The bank account details on file are probably incorrect. No bank account could be located with those details.",
            ),
            AchOutcome::InsufficientFunds => (
                "insufficient_funds",
                "The bank account has insufficient funds to cover the debit.",
            ),
            AchOutcome::DebitNotAuthorized => (
                "debit_not_authorized",
                "The customer notified their bank that this debit was not authorized.",
            ),
            AchOutcome::InvalidCurrency => (
                "invalid_currency",
                "The bank was unable to process this debit because of its currency.",
            ),
            AchOutcome::Succeed | AchOutcome::StayProcessing | AchOutcome::Dispute => return None,
        })
    }
}

/// A PaymentIntent (`pi_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// `pi_…`
    pub id: String,
    /// Always `"payment_intent"`.
    pub object: PaymentIntentTag,
    /// Amount in minor units.
    pub amount: i64,
    /// Amount that can still be captured (0 for ACH, which captures automatically).
    pub amount_capturable: i64,
    /// Amount received once settled.
    pub amount_received: i64,
    /// Always `null` (no Connect platform fees here).
    pub application: Option<String>,
    /// Always `null`.
    pub application_fee_amount: Option<i64>,
    /// `{"enabled": …}` or `null`.
    pub automatic_payment_methods: Option<Value>,
    /// When it was cancelled.
    pub canceled_at: Option<i64>,
    /// Why.
    pub cancellation_reason: Option<String>,
    /// `automatic` (ACH).
    pub capture_method: String,
    /// `pi_…_secret_…`, for the publishable-key routes.
    pub client_secret: String,
    /// `automatic`.
    pub confirmation_method: String,
    /// Creation time.
    pub created: i64,
    /// `usd`.
    pub currency: String,
    /// `cus_…`
    pub customer: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The error of the last failed attempt (`last_payment_error`).
    pub last_payment_error: Option<Value>,
    /// The latest Charge (`ch_…`).
    pub latest_charge: Option<String>,
    /// Always `false`.
    pub livemode: bool,
    /// Metadata.
    pub metadata: Metadata,
    /// `verify_with_microdeposits` while waiting for the customer.
    pub next_action: Option<Value>,
    /// Always `null`.
    pub on_behalf_of: Option<String>,
    /// `pm_…`
    pub payment_method: Option<String>,
    /// `{"us_bank_account": {"verification_method": …}}`
    pub payment_method_options: Value,
    /// `["us_bank_account"]`
    pub payment_method_types: Vec<String>,
    /// Always `null`.
    pub processing: Option<Value>,
    /// Receipt email.
    pub receipt_email: Option<String>,
    /// Always `null`.
    pub review: Option<String>,
    /// `off_session` / `on_session`, saving the method for later.
    pub setup_future_usage: Option<String>,
    /// Always `null`.
    pub shipping: Option<Value>,
    /// Statement descriptor.
    pub statement_descriptor: Option<String>,
    /// Statement descriptor suffix.
    pub statement_descriptor_suffix: Option<String>,
    /// State.
    pub status: IntentStatus,
    /// Always `null`.
    pub transfer_data: Option<Value>,
    /// Transfer group.
    pub transfer_group: Option<String>,
}

/// What fcmock keeps about an intent beyond Stripe's fields, in the namespace beside the
/// intent (so it is exported with the state, and never rendered).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bookkeeping {
    /// The mandate the confirm created or used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mandate: Option<String>,
    /// Mock-clock time the pending debit settles at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settles_at: Option<i64>,
    /// A scripted outcome (`POST /_fcmock/payments/{pi}/outcome`) that wins over the
    /// account number's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scripted: Option<AchOutcome>,
    /// Microdeposit verification: the attempts made so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microdeposit_attempts: Option<u32>,
    /// Mock-clock time by which microdeposits must be verified, or the intent reverts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_by: Option<i64>,
    /// The Financial Connections session an SDK opened for the intent (`fcsess_…`), which
    /// `…/link_account_sessions/{session}/attach` may attach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_session: Option<String>,
    /// The billing details the SDK sent with it, for the PaymentMethod the attach makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_billing: Option<Value>,
}

impl Bookkeeping {
    /// Whether nothing is kept (then nothing is stored either).
    pub fn is_empty(&self) -> bool {
        *self == Bookkeeping::default()
    }
}

impl HasId for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A SetupIntent (`seti_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupIntent {
    /// `seti_…`
    pub id: String,
    /// Always `"setup_intent"`.
    pub object: SetupIntentTag,
    /// Always `null`.
    pub application: Option<String>,
    /// `{"enabled": …}` or `null`.
    pub automatic_payment_methods: Option<Value>,
    /// Why it was cancelled.
    pub cancellation_reason: Option<String>,
    /// `seti_…_secret_…`
    pub client_secret: String,
    /// Creation time.
    pub created: i64,
    /// `cus_…`
    pub customer: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Always `null`.
    pub flow_directions: Option<Vec<String>>,
    /// The error of the last failed attempt.
    pub last_setup_error: Option<Value>,
    /// Always `null` (no SetupAttempts emulated).
    pub latest_attempt: Option<String>,
    /// Always `false`.
    pub livemode: bool,
    /// The mandate made on success (`mandate_…`).
    pub mandate: Option<String>,
    /// Metadata.
    pub metadata: Metadata,
    /// `verify_with_microdeposits` while waiting for the customer.
    pub next_action: Option<Value>,
    /// Always `null`.
    pub on_behalf_of: Option<String>,
    /// `pm_…`
    pub payment_method: Option<String>,
    /// `{"us_bank_account": {"verification_method": …}}`
    pub payment_method_options: Value,
    /// `["us_bank_account"]`
    pub payment_method_types: Vec<String>,
    /// Always `null`.
    pub single_use_mandate: Option<String>,
    /// State.
    pub status: IntentStatus,
    /// `off_session` (default) or `on_session`.
    pub usage: String,
}

impl HasId for SetupIntent {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A Mandate (`mandate_…`): the customer's authorisation to debit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mandate {
    /// `mandate_…`
    pub id: String,
    /// Always `"mandate"`.
    pub object: MandateTag,
    /// `{"accepted_at", "online": {"ip_address", "user_agent"}, "type"}`
    pub customer_acceptance: Value,
    /// Always `false`.
    pub livemode: bool,
    /// `{}` for `multi_use` (absent otherwise: Stripe's schema does not make it nullable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_use: Option<Value>,
    /// The connected account it is for; absent when none (not nullable in the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// `pm_…`
    pub payment_method: String,
    /// `{"type": "us_bank_account", "us_bank_account": {}}`
    pub payment_method_details: Value,
    /// `{"amount", "currency"}` for `single_use` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_use: Option<Value>,
    /// State.
    pub status: MandateStatus,
    /// `multi_use` or `single_use`.
    #[serde(rename = "type")]
    pub mandate_type: String,
}

impl HasId for Mandate {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A Charge (`py_…` for ACH: Stripe names bank debits' charges `py_`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charge {
    /// `py_…`
    pub id: String,
    /// Always `"charge"`.
    pub object: ChargeTag,
    /// Amount.
    pub amount: i64,
    /// Amount captured (all of it: ACH captures automatically).
    pub amount_captured: i64,
    /// Always 0.
    pub amount_refunded: i64,
    /// Always `null`.
    pub application: Option<String>,
    /// Always `null`.
    pub application_fee: Option<String>,
    /// Always `null`.
    pub application_fee_amount: Option<i64>,
    /// Always `null` (no balance transactions emulated).
    pub balance_transaction: Option<String>,
    /// The PaymentMethod's billing details.
    pub billing_details: Value,
    /// Statement descriptor as the customer sees it.
    pub calculated_statement_descriptor: Option<String>,
    /// Always `true`.
    pub captured: bool,
    /// Creation time.
    pub created: i64,
    /// `usd`.
    pub currency: String,
    /// `cus_…`
    pub customer: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Whether a dispute was opened.
    pub disputed: bool,
    /// Always `null`.
    pub failure_balance_transaction: Option<String>,
    /// The ACH return's code.
    pub failure_code: Option<String>,
    /// Its message.
    pub failure_message: Option<String>,
    /// `{}`.
    pub fraud_details: Value,
    /// Always `false`.
    pub livemode: bool,
    /// Metadata.
    pub metadata: Metadata,
    /// Always `null`.
    pub on_behalf_of: Option<String>,
    /// `{"network_status", "reason", "risk_level", "seller_message", "type"}` once settled.
    pub outcome: Option<Value>,
    /// Whether it succeeded.
    pub paid: bool,
    /// `pi_…`
    pub payment_intent: Option<String>,
    /// `pm_…`
    pub payment_method: Option<String>,
    /// `{"type": "us_bank_account", "us_bank_account": {…}}`
    pub payment_method_details: Value,
    /// Receipt email.
    pub receipt_email: Option<String>,
    /// Always `null`.
    pub receipt_number: Option<String>,
    /// Always `null`.
    pub receipt_url: Option<String>,
    /// Always `false`.
    pub refunded: bool,
    /// Always `null`.
    pub review: Option<String>,
    /// Always `null`.
    pub shipping: Option<Value>,
    /// Always `null`.
    pub source_transfer: Option<String>,
    /// Statement descriptor.
    pub statement_descriptor: Option<String>,
    /// Statement descriptor suffix.
    pub statement_descriptor_suffix: Option<String>,
    /// State.
    pub status: ChargeStatus,
    /// Always `null`.
    pub transfer_data: Option<Value>,
    /// Transfer group.
    pub transfer_group: Option<String>,
}

impl HasId for Charge {
    fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_test_numbers_pick_their_outcomes_by_last4() {
        for (number, outcome) in [
            ("000123456789", AchOutcome::Succeed),
            ("000111111113", AchOutcome::AccountClosed),
            ("000111111116", AchOutcome::NoAccount),
            ("000222222227", AchOutcome::InsufficientFunds),
            ("000333333335", AchOutcome::DebitNotAuthorized),
            ("000444444440", AchOutcome::InvalidCurrency),
            ("000000000009", AchOutcome::StayProcessing),
            ("000555555559", AchOutcome::Dispute),
        ] {
            assert_eq!(
                AchOutcome::for_last4(Some(&number[8..])),
                outcome,
                "{number}"
            );
        }
    }
}

/// A Dispute (`du_…`): the customer's bank took a settled debit back. fcmock opens one for
/// Stripe's test account `000555555559` and for the scripted `dispute` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dispute {
    /// `du_…`
    pub id: String,
    /// Always `"dispute"`.
    pub object: DisputeTag,
    /// The disputed amount: all of the charge.
    pub amount: i64,
    /// Always empty (no balance transactions emulated).
    pub balance_transactions: Vec<Value>,
    /// `py_…`
    pub charge: String,
    /// Creation time.
    pub created: i64,
    /// `usd`.
    pub currency: String,
    /// Every evidence field, `null`: an ACH dispute takes no evidence.
    pub evidence: Value,
    /// `{"due_by": null, "has_evidence": false, "past_due": false, "submission_count": 0}`.
    pub evidence_details: Value,
    /// Always `false`: the funds are already back with the customer.
    pub is_charge_refundable: bool,
    /// Always `false`.
    pub livemode: bool,
    /// Metadata.
    pub metadata: Metadata,
    /// `pi_…`
    pub payment_intent: Option<String>,
    /// Why the customer's bank took the debit back.
    pub reason: String,
    /// Always `lost` for ACH.
    pub status: DisputeStatus,
}

impl HasId for Dispute {
    fn id(&self) -> &str {
        &self.id
    }
}
