//! PaymentMethods of type `us_bank_account`, made from Financial Connections accounts.

use super::{object_tag, Address, Metadata};
use crate::model::HasId;
use serde::{Deserialize, Serialize};

object_tag!(
    /// `"payment_method"`
    PaymentMethodTag = "payment_method"
);

/// `billing_details` of a PaymentMethod.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BillingDetails {
    /// Billing address (all fields `null` when not given, as Stripe renders it).
    pub address: Address,
    /// Email.
    pub email: Option<String>,
    /// Name (required for `us_bank_account`).
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// `networks` of a US bank account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Networks {
    /// The preferred network.
    pub preferred: Option<String>,
    /// All supported networks.
    pub supported: Vec<String>,
}

/// The `us_bank_account` hash of a PaymentMethod.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsBankAccount {
    /// `individual` or `company`.
    pub account_holder_type: Option<String>,
    /// `checking` or `savings`.
    pub account_type: Option<String>,
    /// Bank name.
    pub bank_name: Option<String>,
    /// The FC account it was made from.
    pub financial_connections_account: Option<String>,
    /// Stable fingerprint of the account number.
    pub fingerprint: Option<String>,
    /// Last four digits.
    pub last4: Option<String>,
    /// ACH networks.
    pub networks: Option<Networks>,
    /// Routing number.
    pub routing_number: Option<String>,
    /// Why the account is blocked (never, in fcmock).
    pub status_details: Option<serde_json::Value>,
}

/// A PaymentMethod, exactly as the API renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// `pm_…`
    pub id: String,
    /// Always `"payment_method"`.
    pub object: PaymentMethodTag,
    /// Whether checkout may show it again: `always`, `limited` or `unspecified` (Stripe's
    /// default).
    #[serde(default = "unspecified")]
    pub allow_redisplay: String,
    /// Billing details.
    pub billing_details: BillingDetails,
    /// Creation time.
    pub created: i64,
    /// The customer it is attached to.
    pub customer: Option<String>,
    /// The Account (v2) it is attached to (since `2025-12-15.clover`; never set by fcmock).
    #[serde(default)]
    pub customer_account: Option<String>,
    /// Always `false`.
    pub livemode: bool,
    /// Key-value pairs.
    pub metadata: Metadata,
    /// Always `us_bank_account` here.
    #[serde(rename = "type")]
    pub method_type: String,
    /// The bank account details.
    pub us_bank_account: UsBankAccount,
}

fn unspecified() -> String {
    "unspecified".into()
}

impl HasId for PaymentMethod {
    fn id(&self) -> &str {
        &self.id
    }
}
