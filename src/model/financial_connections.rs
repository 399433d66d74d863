//! Financial Connections objects: sessions, accounts, ownership, owners, transactions.
//!
//! Each stored object pairs the wire object (rendered verbatim, so it carries exactly the
//! fields of Stripe's schema) with fcmock's own bookkeeping (which session linked an account,
//! which fixture it came from, when a pending refresh settles). Both are saved in state
//! exports; only the wire part is ever rendered.

use super::fc_enums::{
    AccountStatus, BalanceType, Category, Failure, HolderType, ManualEntryMode,
    PaymentMethodSupport, PaymentMethodType, Permission, Prefetch, RefreshFeature, RefreshStatus,
    Subcategory, SubscriptionFeature, TransactionStatus,
};
use super::{object_tag, wire_enum};
use crate::model::HasId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

object_tag!(
    /// `"financial_connections.session"`
    SessionTag = "financial_connections.session"
);
object_tag!(
    /// `"financial_connections.account"`
    AccountTag = "financial_connections.account"
);
object_tag!(
    /// `"financial_connections.account_ownership"`
    OwnershipTag = "financial_connections.account_ownership"
);
object_tag!(
    /// `"financial_connections.account_owner"`
    OwnerTag = "financial_connections.account_owner"
);
object_tag!(
    /// `"financial_connections.transaction"`
    TransactionTag = "financial_connections.transaction"
);

/// `account_holder` of sessions and accounts: a customer or a Connect account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountHolder {
    /// `acct_…` when `type` is `account`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `cus_…` when `type` is `customer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// `customer` or `account`.
    #[serde(rename = "type")]
    pub holder_type: HolderType,
}

/// A session's `filters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    /// Allowed account subcategories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_subcategories: Option<Vec<Subcategory>>,
    /// The country accounts must be in: `filters[country]` since `2026-09-30.endive`, the
    /// first of `filters[countries]` before it (Stripe "used only the first element",
    /// endive changelog). Older versions see it as `countries: [country]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Whether linked accounts must support payments (since `2026-07-29.dahlia`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_payment_method_support: Option<PaymentMethodSupport>,
}

/// A session's `limits` (since `2026-07-29.dahlia`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The most accounts a person may link in the session.
    pub accounts: u32,
}

/// A session's `manual_entry` (since `2026-07-29.dahlia`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualEntry {
    /// Whether typing in account numbers is offered.
    pub mode: ManualEntryMode,
}

wire_enum! {
    /// How a session ended, as fcmock records it.
    pub enum SessionStatus {
        /// Not completed yet.
        Pending = "pending",
        /// Accounts were linked.
        Succeeded = "succeeded",
        /// The flow failed.
        Failed = "failed",
        /// The user cancelled.
        Cancelled = "cancelled",
    }
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// `fcsess_…`
    pub id: String,
    /// Creation time (not on the wire; orders the table).
    pub created: i64,
    /// The holder.
    pub account_holder: AccountHolder,
    /// Linked account ids, in link order.
    pub accounts: Vec<String>,
    /// `fcsess_client_secret_…`
    pub client_secret: String,
    /// Requested filters.
    pub filters: Filters,
    /// Requested limits (`None`: no maximum).
    #[serde(default)]
    pub limits: Option<Limits>,
    /// Requested manual-entry mode.
    #[serde(default)]
    pub manual_entry: Option<ManualEntry>,
    /// Requested permissions.
    pub permissions: Vec<Permission>,
    /// Requested prefetch features.
    pub prefetch: Vec<Prefetch>,
    /// Return URL for webviews.
    pub return_url: Option<String>,
    /// fcmock's record of how the flow ended.
    pub status: SessionStatus,
    /// How a failed session failed.
    pub failure: Option<Failure>,
    /// The institution the user picked.
    pub institution: Option<String>,
    /// The bank-account token minted for token-collecting sessions (`btok_…`).
    pub bank_account_token: Option<String>,
    /// An outcome scripted for this session by the control API (`POST /_fcmock/scenarios`):
    /// when set, it wins over what a person clicks on the hosted page.
    #[serde(default)]
    pub scripted: Option<crate::fixtures::ScenarioFixture>,
}

impl HasId for Session {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A balance refresh or ownership refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refresh {
    /// `fctxnref_…`, on transaction refreshes only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When the last attempt started.
    pub last_attempted_at: i64,
    /// When the next refresh may start; `null` while pending.
    pub next_refresh_available_at: Option<i64>,
    /// `pending`, `succeeded` or `failed`.
    pub status: RefreshStatus,
}

/// `balance` of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// When the bank computed the balance.
    pub as_of: i64,
    /// `{"available": {"usd": …}}` for cash balances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash: Option<Value>,
    /// `{"used": {"usd": …}}` for credit balances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<Value>,
    /// Currency → amount in minor units.
    pub current: Value,
    /// `cash` or `credit`.
    #[serde(rename = "type")]
    pub balance_type: BalanceType,
}

/// A Financial Connections account, exactly as the API renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FcAccount {
    /// `fca_…`
    pub id: String,
    /// Always `"financial_connections.account"`.
    pub object: AccountTag,
    /// The holder.
    pub account_holder: Option<AccountHolder>,
    /// Tokenized account numbers: `null` for a permanent account number, a one-item list for
    /// the accounts of the "Tokenized Account Number" test bank.
    pub account_numbers: Option<Value>,
    /// Last refreshed balance.
    pub balance: Option<Balance>,
    /// Balance refresh state.
    pub balance_refresh: Option<Refresh>,
    /// `cash`, `credit`, `investment` or `other`.
    pub category: Category,
    /// Link time.
    pub created: i64,
    /// Name shown to the user.
    pub display_name: Option<String>,
    /// The institution's name.
    pub institution_name: String,
    /// Last four digits.
    pub last4: Option<String>,
    /// Always `false`.
    pub livemode: bool,
    /// `fcaowns_…` once ownership was refreshed.
    pub ownership: Option<String>,
    /// Ownership refresh state.
    pub ownership_refresh: Option<Refresh>,
    /// Granted permissions.
    pub permissions: Option<Vec<Permission>>,
    /// `active`, `inactive` or `disconnected`.
    pub status: AccountStatus,
    /// `{"active": {action, cause, expected_deactivation_date}}` for an active account the
    /// bank will deactivate (the "… Requires Reauthentication" test banks); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_details: Option<Value>,
    /// `checking`, `savings`, `credit_card`, …
    pub subcategory: Subcategory,
    /// `["transactions"]` while subscribed.
    pub subscriptions: Option<Vec<SubscriptionFeature>>,
    /// `us_bank_account`, `link`.
    pub supported_payment_method_types: Vec<PaymentMethodType>,
    /// Transaction refresh state.
    pub transaction_refresh: Option<Refresh>,
}

impl FcAccount {
    /// The refresh state of one feature (`balance_refresh`, `ownership_refresh` or
    /// `transaction_refresh`).
    pub fn refresh_mut(&mut self, feature: RefreshFeature) -> &mut Option<Refresh> {
        match feature {
            RefreshFeature::Balance => &mut self.balance_refresh,
            RefreshFeature::Ownership => &mut self.ownership_refresh,
            RefreshFeature::Transactions => &mut self.transaction_refresh,
        }
    }
}

/// A refresh that has started and not yet settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRefresh {
    /// `balance`, `ownership` or `transactions`.
    pub feature: RefreshFeature,
    /// Wall-clock time (Unix milliseconds) after which it settles. Real time, not mock time,
    /// so a frozen mock clock does not stop refreshes from settling.
    pub settles_at_ms: u64,
}

/// fcmock's bookkeeping for a linked account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// The session that linked it.
    pub session: String,
    /// Fixture institution key.
    pub institution: String,
    /// Fixture account key.
    pub fixture_account: String,
    /// Refreshes waiting to settle.
    pub pending: Vec<PendingRefresh>,
    /// Wall-clock time (ms) at which the account turns `inactive` (the Inactive Accounts bank).
    pub deactivates_at_ms: Option<u64>,
    /// Mock time up to which transactions have been generated.
    pub transactions_until: Option<i64>,
    /// Transaction refresh ids in the order they happened (for `transaction_refresh[after]`).
    pub transaction_refreshes: Vec<String>,
    /// Whether a transaction refresh ever succeeded.
    pub transactions_fetched: bool,
    /// Ids of this account's transactions still `pending` (posted or voided by the next
    /// successful transaction refresh).
    #[serde(default)]
    pub pending_transactions: Vec<String>,
    /// Changes the account's fixture schedules after linking, in wall-clock time like
    /// `deactivates_at_ms`.
    #[serde(default)]
    pub scheduled: Vec<ScheduledChange>,
}

/// A change a linked account's fixture makes to it a while after linking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledChange {
    /// What happens.
    pub change: LinkChange,
    /// Wall-clock time (Unix milliseconds) from which it is due.
    pub at_ms: u64,
}

/// What a [`ScheduledChange`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkChange {
    /// The tokenized account number expires: `account_numbers_updated`.
    ExpireAccountNumbers,
    /// Notice of a tokenized account number nearing expiry: `upcoming_account_number_expiry`.
    AccountNumberExpiryNotice,
    /// Notice of a coming deactivation: `upcoming_deactivation`.
    DeactivationNotice,
}

/// A linked account as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedAccount {
    /// The wire object.
    pub account: FcAccount,
    /// fcmock's bookkeeping.
    pub link: LinkInfo,
}

impl HasId for LinkedAccount {
    fn id(&self) -> &str {
        &self.account.id
    }
}

/// An ownership snapshot (`fcaowns_…`); its owners live in their own table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ownership {
    /// `fcaowns_…`
    pub id: String,
    /// Creation time.
    pub created: i64,
    /// The account it describes.
    pub account: String,
}

impl HasId for Ownership {
    fn id(&self) -> &str {
        &self.id
    }
}

/// An account owner, exactly as the API renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    /// `fcaown_…`
    pub id: String,
    /// Always `"financial_connections.account_owner"`.
    pub object: OwnerTag,
    /// Email.
    pub email: Option<String>,
    /// Name.
    pub name: String,
    /// The ownership it belongs to.
    pub ownership: String,
    /// Phone, as the bank gave it.
    pub phone: Option<String>,
    /// Address, as the bank gave it.
    pub raw_address: Option<String>,
    /// When the bank data was fetched.
    pub refreshed_at: Option<i64>,
}

impl HasId for Owner {
    fn id(&self) -> &str {
        &self.id
    }
}

/// `status_transitions` of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTransitions {
    /// When it posted.
    pub posted_at: Option<i64>,
    /// When it was voided.
    pub void_at: Option<i64>,
}

/// A transaction, exactly as the API renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// `fctxn_…`
    pub id: String,
    /// Always `"financial_connections.transaction"`.
    pub object: TransactionTag,
    /// `fca_…`
    pub account: String,
    /// Minor units; negative is money out.
    pub amount: i64,
    /// Lowercase ISO code.
    pub currency: String,
    /// Description from the bank.
    pub description: String,
    /// Always `false`.
    pub livemode: bool,
    /// `pending`, `posted` or `void`.
    pub status: TransactionStatus,
    /// When it posted or was voided.
    pub status_transitions: StatusTransitions,
    /// When it happened.
    pub transacted_at: i64,
    /// The refresh that last created or updated it.
    pub transaction_refresh: String,
    /// Last update time.
    pub updated: i64,
}

impl HasId for Transaction {
    fn id(&self) -> &str {
        &self.id
    }
}
