//! Bank-account tokens (`btok_…`) and the `bank_account` (`ba_…`) they carry.
//!
//! A Financial Connections session "collected for a token" (a Connect account holder and the
//! `payment_method` permission; DESIGN §4) mints one for its first payment-capable account,
//! as Stripe's `collectBankAccountToken` flow does. The wire shape follows the `token` and
//! `bank_account` schemas of the 2023 OpenAPI spec (`stripe-openapi/schemas.draft7.json`):
//! only declared fields, in Stripe's order.

use super::object_tag;
use crate::fixtures::AccountFixture;
use crate::model::HasId;
use serde::{Deserialize, Serialize};

object_tag!(
    /// `"token"`
    TokenTag = "token"
);
object_tag!(
    /// `"bank_account"`
    BankAccountTag = "bank_account"
);

/// The routing number of Stripe's test bank, whose name Stripe shows as "STRIPE TEST BANK"
/// (`stripe-openapi/fixtures-subset.json`, `bank_account`).
pub const TEST_ROUTING_NUMBER: &str = "110000000";

/// A bank account, as a token and an account's `external_accounts` render it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankAccount {
    /// `ba_…`
    pub id: String,
    /// Always `"bank_account"`.
    pub object: BankAccountTag,
    /// The Connect account it is attached to: only on external accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Name on the account.
    pub account_holder_name: Option<String>,
    /// `individual` or `company`.
    pub account_holder_type: Option<String>,
    /// `checking` / `savings` when known; Stripe leaves it `null` for tokens.
    pub account_type: Option<String>,
    /// Payout methods: only on external accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_payout_methods: Option<Vec<String>>,
    /// The bank's name, derived from the routing number.
    pub bank_name: Option<String>,
    /// Two-letter country code.
    pub country: String,
    /// Lowercase currency code.
    pub currency: String,
    /// Whether it is the default payout account for its currency: only on external accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_for_currency: Option<bool>,
    /// Stable per account number and routing number.
    pub fingerprint: Option<String>,
    /// Last four digits of the account number.
    pub last4: String,
    /// Key-value pairs: only on external accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<super::Metadata>,
    /// Nine-digit ABA routing number.
    pub routing_number: Option<String>,
    /// `new` until anything verifies it.
    pub status: String,
}

/// A token, exactly as `GET /v1/tokens/{id}` renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// `btok_…`
    pub id: String,
    /// Always `"token"`.
    pub object: TokenTag,
    /// The bank account the token stands for.
    pub bank_account: BankAccount,
    /// The IP the token was created from; `null` for tokens minted by Stripe's flows.
    pub client_ip: Option<String>,
    /// Creation time.
    pub created: i64,
    /// Always `false`.
    pub livemode: bool,
    /// Always `"bank_account"`.
    #[serde(rename = "type")]
    pub token_type: String,
    /// Whether it has been attached somewhere (a token works once).
    pub used: bool,
}

impl HasId for Token {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Token {
    /// A fresh, unused bank-account token for a fixture account. `fingerprint` is
    /// `resources::payment_methods::fingerprint` of its routing and account numbers, so a
    /// token and a PaymentMethod made from the same account share it, as at Stripe.
    pub fn for_account(
        id: String,
        bank_account_id: String,
        created: i64,
        fixture: &AccountFixture,
        fingerprint: String,
    ) -> Token {
        Token {
            id,
            object: TokenTag,
            bank_account: BankAccount {
                id: bank_account_id,
                object: BankAccountTag,
                account: None,
                account_holder_name: Some(fixture.account_holder_name.clone()),
                account_holder_type: Some(fixture.account_holder_type.as_str().to_string()),
                account_type: None,
                available_payout_methods: None,
                bank_name: Some(bank_name(&fixture.routing_number).to_string()),
                country: "US".to_string(),
                currency: "usd".to_string(),
                default_for_currency: None,
                fingerprint: Some(fingerprint),
                last4: fixture.last4.clone(),
                metadata: None,
                routing_number: Some(fixture.routing_number.clone()),
                status: "new".to_string(),
            },
            client_ip: None,
            created,
            livemode: false,
            token_type: "bank_account".to_string(),
            used: false,
        }
    }
}

/// The bank name Stripe derives from a routing number (every test institution uses Stripe's
/// test routing number; anything else is shown generically).
pub fn bank_name(routing_number: &str) -> &'static str {
    if routing_number == TEST_ROUTING_NUMBER {
        "STRIPE TEST BANK"
    } else {
        "TEST BANK"
    }
}
