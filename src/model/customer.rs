//! The Customer: the account holder of most Financial Connections sessions.

use super::{object_tag, Address, Metadata, Rendered};
use crate::model::HasId;
use serde::{Deserialize, Serialize};

object_tag!(
    /// `"customer"`
    CustomerTag = "customer"
);

/// A customer, as `GET /v1/customers/{id}` renders it (the 2023-08-16 shape of Stripe's
/// OpenAPI spec; fields that recent API versions include only when expanded, such as
/// `sources` and `subscriptions`, are left out as Stripe leaves them out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// `cus_…`
    pub id: String,
    /// Always `"customer"`.
    pub object: CustomerTag,
    /// Billing address. Boxed, as are the other rarely set nested hashes: every stored
    /// customer is new memory, and most never have one (see `docs/performance.md`).
    pub address: Option<Box<Address>>,
    /// Balance in cents applied to the next invoice.
    pub balance: i64,
    /// The customer's business name (since `2025-09-30.clover`).
    #[serde(default)]
    pub business_name: Option<String>,
    /// Creation time.
    pub created: i64,
    /// Default currency.
    pub currency: Option<String>,
    /// The Account (v2) representing the customer (since `2025-12-15.clover`; never set by
    /// fcmock, which does not emulate Accounts v2).
    #[serde(default)]
    pub customer_account: Option<String>,
    /// Default payment source id.
    pub default_source: Option<String>,
    /// Whether the customer has an unpaid invoice.
    pub delinquent: bool,
    /// Free-form description.
    pub description: Option<String>,
    /// Active discount (never set by fcmock).
    pub discount: Option<Box<serde_json::Value>>,
    /// Email address.
    pub email: Option<String>,
    /// The customer's individual name (since `2025-09-30.clover`).
    #[serde(default)]
    pub individual_name: Option<String>,
    /// Prefix for invoice numbers.
    pub invoice_prefix: String,
    /// Invoice settings.
    pub invoice_settings: InvoiceSettings,
    /// Always `false`: fcmock is test mode only.
    pub livemode: bool,
    /// Key-value pairs.
    pub metadata: Metadata,
    /// Full name or business name.
    pub name: Option<String>,
    /// Next invoice sequence number.
    pub next_invoice_sequence: i64,
    /// Phone number.
    pub phone: Option<String>,
    /// Preferred locales.
    pub preferred_locales: Vec<String>,
    /// Shipping details.
    pub shipping: Option<Box<Shipping>>,
    /// `none`, `exempt` or `reverse`.
    pub tax_exempt: TaxExempt,
    /// Test clock id (never set by fcmock).
    pub test_clock: Option<String>,
    /// This customer's response body, kept once a read rendered it (see [`Rendered`]).
    #[serde(skip)]
    pub rendered: Rendered,
}

/// `tax_exempt` of a customer: Stripe's three values, `none` when not set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaxExempt {
    /// Not exempt (Stripe's default).
    #[default]
    None,
    /// Exempt from tax.
    Exempt,
    /// Reverse charge.
    Reverse,
}

impl TaxExempt {
    /// The value a request names (the spec's enum has been checked already); an empty or
    /// unknown value is `none`, as an emptied `tax_exempt` is on Stripe.
    pub fn parse(value: &str) -> Self {
        match value {
            "exempt" => Self::Exempt,
            "reverse" => Self::Reverse,
            _ => Self::None,
        }
    }
}

/// `invoice_settings` of a customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvoiceSettings {
    /// Custom invoice fields (`null` when none were set).
    pub custom_fields: Option<Vec<CustomField>>,
    /// Default payment method id for invoices: a PaymentMethod attached to the customer.
    pub default_payment_method: Option<String>,
    /// Invoice footer.
    pub footer: Option<String>,
    /// Rendering options (`null` until set).
    pub rendering_options: Option<RenderingOptions>,
}

/// One of `invoice_settings.custom_fields`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    /// The field's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// `invoice_settings.rendering_options`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RenderingOptions {
    /// `exclude_tax` or `include_inclusive_tax`.
    pub amount_tax_display: Option<String>,
    /// An invoice rendering template id.
    #[serde(default)]
    pub template: Option<String>,
}

/// `shipping` of a customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shipping {
    /// Shipping address.
    pub address: Address,
    /// Recipient name.
    pub name: String,
    /// Recipient phone.
    pub phone: Option<String>,
}

/// What `DELETE /v1/customers/{id}` returns, and what retrieving a deleted customer returns
/// (Stripe's `deleted_customer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletedCustomer {
    /// The deleted customer's id.
    pub id: String,
    /// Always `"customer"`.
    pub object: CustomerTag,
    /// Always `true`.
    pub deleted: bool,
}

impl HasId for Customer {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for DeletedCustomer {
    fn id(&self) -> &str {
        &self.id
    }
}
