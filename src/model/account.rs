//! The Connect account: the account holder of token-collecting sessions.
//!
//! fcmock keeps only what a test can set or observe (type, country, email, business type,
//! requested capabilities, metadata, attached bank accounts) and renders the rest of Stripe's
//! large `account` object with the defaults a freshly created test account shows.

use super::{object_tag, Metadata};
use crate::model::HasId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

object_tag!(
    /// `"account"`
    AccountTag = "account"
);

/// A Connect account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// `acct_…`
    pub id: String,
    /// `custom`, `express` or `standard`.
    #[serde(rename = "type")]
    pub account_type: String,
    /// Two-letter country code.
    pub country: String,
    /// Creation time.
    pub created: i64,
    /// Default currency (derived from the country).
    pub default_currency: String,
    /// Email address.
    pub email: Option<String>,
    /// `individual`, `company`, `non_profit` or `government_entity`.
    pub business_type: Option<String>,
    /// Requested capabilities, by name.
    pub capabilities: BTreeMap<String, bool>,
    /// Key-value pairs.
    pub metadata: Metadata,
    /// Attached external bank accounts (rendered `bank_account` objects).
    pub external_accounts: Vec<Value>,
}

impl HasId for Account {
    fn id(&self) -> &str {
        &self.id
    }
}

fn requirements(currently_due: &[&str]) -> Value {
    json!({
        "alternatives": [],
        "current_deadline": null,
        "currently_due": currently_due,
        "disabled_reason": if currently_due.is_empty() { Value::Null } else { json!("requirements.past_due") },
        "errors": [],
        "eventually_due": currently_due,
        "past_due": currently_due,
        "pending_verification": []
    })
}

impl Account {
    /// The account as Stripe's API renders it.
    pub fn to_wire(&self) -> Value {
        // A new test-mode account has not been onboarded: requested capabilities are
        // `inactive` and the usual onboarding fields are due. Standard accounts manage
        // their own requirements, so Stripe shows them none.
        let due: &[&str] = if self.account_type == "standard" {
            &[]
        } else {
            &[
                "business_profile.url",
                "business_type",
                "external_account",
                "tos_acceptance.date",
                "tos_acceptance.ip",
            ]
        };
        let capabilities: serde_json::Map<String, Value> = self
            .capabilities
            .iter()
            .filter(|(_, requested)| **requested)
            .map(|(name, _)| (name.clone(), json!("inactive")))
            .collect();
        let controller = match self.account_type.as_str() {
            "standard" => json!({"type": "account"}),
            _ => json!({"is_controller": true, "type": "application"}),
        };
        json!({
            "id": self.id,
            "object": AccountTag::VALUE,
            "business_profile": {
                "mcc": null, "name": null, "product_description": null, "support_address": null,
                "support_email": null, "support_phone": null, "support_url": null, "url": null
            },
            "business_type": self.business_type,
            "capabilities": capabilities,
            "charges_enabled": false,
            "controller": controller,
            "country": self.country,
            "created": self.created,
            "default_currency": self.default_currency,
            "details_submitted": false,
            "email": self.email,
            "external_accounts": {
                "object": "list",
                "data": self.external_accounts,
                "has_more": false,
                "url": format!("/v1/accounts/{}/external_accounts", self.id)
            },
            "future_requirements": requirements(&[]),
            "metadata": self.metadata,
            "payouts_enabled": false,
            "requirements": requirements(due),
            "settings": default_settings(),
            "tos_acceptance": {"date": null, "ip": null, "user_agent": null},
            "type": self.account_type
        })
    }
}

/// The settings of a new test-mode account: Stripe's defaults, nothing configured.
fn default_settings() -> Value {
    json!({
        "bacs_debit_payments": {},
        "branding": {"icon": null, "logo": null, "primary_color": null, "secondary_color": null},
        "card_issuing": {"tos_acceptance": {"date": null, "ip": null}},
        "card_payments": {
            "decline_on": {"avs_failure": false, "cvc_failure": false},
            "statement_descriptor_prefix": null,
            "statement_descriptor_prefix_kana": null,
            "statement_descriptor_prefix_kanji": null
        },
        "dashboard": {"display_name": null, "timezone": "Etc/UTC"},
        "payments": {
            "statement_descriptor": null,
            "statement_descriptor_kana": null,
            "statement_descriptor_kanji": null
        },
        "payouts": {
            "debit_negative_balances": false,
            "schedule": {"delay_days": 2, "interval": "daily"},
            "statement_descriptor": null
        },
        "sepa_debit_payments": {}
    })
}
