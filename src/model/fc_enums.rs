//! Financial Connections' closed value sets as enums: account statuses, categories and
//! subcategories, refresh states and features, permissions, transaction statuses, and how a
//! session ends.
//!
//! Each serialises as the plain string Stripe's schema names (`"active"`, `"balances"`), so
//! the wire, the fixture files and state exports carry the same text they always did. The
//! value sets are those of `stripe-openapi/spec-subset.json`. A `match` on any of them lists
//! every variant, so a new value cannot slip through a catch-all arm.
//!
//! They live apart from [`super::financial_connections`] because the fixtures use them too,
//! and that module imports the fixtures (a session stores its scripted outcome).

use super::wire_enum;

wire_enum! {
    /// An account's `status`.
    pub enum AccountStatus {
        /// Stripe can retrieve data.
        Active = "active",
        /// Stripe cannot retrieve data until the user relinks it; on fixtures, an account
        /// that links `active` and turns `inactive` shortly after (firing `deactivated`),
        /// like Stripe's "Inactive Accounts" test institution.
        Inactive = "inactive",
        /// The account was disconnected; it can only come back through a new session.
        Disconnected = "disconnected",
    }
}

wire_enum! {
    /// Stripe's account `category`.
    pub enum Category {
        /// Checking, savings and similar deposit accounts.
        Cash = "cash",
        /// Cards, loans, mortgages.
        Credit = "credit",
        /// Brokerage and retirement accounts.
        Investment = "investment",
        /// Anything else.
        Other = "other",
    }
}

impl Category {
    /// The subcategories Stripe allows for this category.
    pub fn subcategories(self) -> &'static [Subcategory] {
        match self {
            Category::Cash => &[
                Subcategory::Checking,
                Subcategory::Savings,
                Subcategory::Other,
            ],
            Category::Credit => &[
                Subcategory::Mortgage,
                Subcategory::LineOfCredit,
                Subcategory::CreditCard,
                Subcategory::Other,
            ],
            Category::Investment | Category::Other => &[Subcategory::Other],
        }
    }
}

wire_enum! {
    /// Stripe's account `subcategory`.
    pub enum Subcategory {
        /// Cash only.
        Checking = "checking",
        /// Cash only.
        Savings = "savings",
        /// Credit only.
        Mortgage = "mortgage",
        /// Credit only.
        LineOfCredit = "line_of_credit",
        /// Credit only.
        CreditCard = "credit_card",
        /// Any category.
        Other = "other",
    }
}

impl Subcategory {
    /// The subcategories a session's `filters[account_subcategories]` can name, in the
    /// order Stripe's docs list them (endive's default is all of them).
    pub const FILTERABLE: [Subcategory; 5] = [
        Subcategory::Checking,
        Subcategory::Savings,
        Subcategory::Mortgage,
        Subcategory::LineOfCredit,
        Subcategory::CreditCard,
    ];
}

wire_enum! {
    /// A payment method type an account supports (`supported_payment_method_types`).
    pub enum PaymentMethodType {
        /// ACH direct debit.
        UsBankAccount = "us_bank_account",
        /// Link (bank payments through Link).
        Link = "link",
    }
}

wire_enum! {
    /// A balance's `type`.
    pub enum BalanceType {
        /// A deposit account: `cash.available`.
        Cash = "cash",
        /// A credit account: `credit.used`.
        Credit = "credit",
    }
}

wire_enum! {
    /// `status` of `balance_refresh`, `ownership_refresh` and `transaction_refresh`.
    pub enum RefreshStatus {
        /// Started and not yet settled.
        Pending = "pending",
        /// Settled with new data.
        Succeeded = "succeeded",
        /// Settled without new data; earlier data stays.
        Failed = "failed",
    }
}

wire_enum! {
    /// A refreshable feature, named as `features[]` on `/refresh` names it.
    pub enum RefreshFeature {
        /// `balance` (the permission is `balances`).
        Balance = "balance",
        /// `ownership`.
        Ownership = "ownership",
        /// `transactions`.
        Transactions = "transactions",
    }
}

impl RefreshFeature {
    /// The permission a refresh of this feature needs.
    pub fn permission(self) -> Permission {
        match self {
            RefreshFeature::Balance => Permission::Balances,
            RefreshFeature::Ownership => Permission::Ownership,
            RefreshFeature::Transactions => Permission::Transactions,
        }
    }
}

wire_enum! {
    /// A data permission of a session (`permissions[]`) and of the accounts it links.
    pub enum Permission {
        /// Balances.
        Balances = "balances",
        /// Ownership details.
        Ownership = "ownership",
        /// Account and routing numbers, for payments.
        PaymentMethod = "payment_method",
        /// Transactions.
        Transactions = "transactions",
    }
}

wire_enum! {
    /// A feature a session refreshes as soon as an account is linked (`prefetch[]`).
    pub enum Prefetch {
        /// Balances.
        Balances = "balances",
        /// Ownership details.
        Ownership = "ownership",
        /// Transactions.
        Transactions = "transactions",
    }
}

impl Prefetch {
    /// The refresh a prefetch starts.
    pub fn feature(self) -> RefreshFeature {
        match self {
            Prefetch::Balances => RefreshFeature::Balance,
            Prefetch::Ownership => RefreshFeature::Ownership,
            Prefetch::Transactions => RefreshFeature::Transactions,
        }
    }
}

wire_enum! {
    /// A feature an account can be subscribed to (`subscriptions`, `features[]` on
    /// `/subscribe` and `/unsubscribe`).
    pub enum SubscriptionFeature {
        /// Daily transaction refreshes.
        Transactions = "transactions",
    }
}

impl SubscriptionFeature {
    /// The refresh a subscription starts at once, and then daily.
    pub fn feature(self) -> RefreshFeature {
        match self {
            SubscriptionFeature::Transactions => RefreshFeature::Transactions,
        }
    }
}

wire_enum! {
    /// A transaction's `status`.
    pub enum TransactionStatus {
        /// Not yet posted; the next successful refresh posts or voids it.
        Pending = "pending",
        /// Posted.
        Posted = "posted",
        /// Voided.
        Void = "void",
    }
}

wire_enum! {
    /// `account_holder.type`: who holds the linked accounts.
    pub enum HolderType {
        /// A Connect account (`acct_…`).
        Account = "account",
        /// A customer (`cus_…`).
        Customer = "customer",
    }
}

wire_enum! {
    /// The ways a session can fail; fixed names shared by fixtures and the control API.
    pub enum Failure {
        /// The bank told Stripe it is down for maintenance.
        InstitutionDownScheduled = "institution_down_scheduled",
        /// The bank is down without notice.
        InstitutionDownUnscheduled = "institution_down_unscheduled",
        /// Stripe hit an unknown error talking to the bank.
        InstitutionError = "institution_error",
        /// The bank refused the credentials.
        LoginFailed = "login_failed",
        /// The login worked but the bank returned no usable accounts.
        NoAccounts = "no_accounts",
        /// The session expired before the user finished.
        SessionExpired = "session_expired",
        /// Stripe's own API failed.
        ApiError = "api_error",
    }
}

wire_enum! {
    /// What a scripted session does (a scenario's `outcome`, the control API's completion).
    pub enum Outcome {
        /// Accounts are linked.
        Success = "success",
        /// The user closes the flow.
        Cancel = "cancel",
        /// The flow fails with a [`Failure`].
        Failure = "failure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WireEnum;

    /// Serde's spelling, `as_str`, `NAMES` and `from_name` agree for every value.
    fn check<T: WireEnum + serde::Serialize + serde::de::DeserializeOwned + PartialEq>(all: &[T]) {
        assert_eq!(all.len(), T::NAMES.len());
        for (value, name) in all.iter().zip(T::NAMES) {
            assert_eq!(value.as_str(), *name);
            assert_eq!(serde_json::to_value(value).ok(), Some((*name).into()));
            let parsed: T = serde_json::from_value((*name).into()).expect("parses");
            assert!(parsed == *value, "{name}");
            assert!(T::from_name(name) == Some(*value), "{name}");
        }
        assert!(T::from_name("bogus").is_none());
    }

    #[test]
    fn every_enum_spells_its_values_as_serde_does() {
        check(&AccountStatus::ALL);
        check(&Category::ALL);
        check(&Subcategory::ALL);
        check(&PaymentMethodType::ALL);
        check(&BalanceType::ALL);
        check(&RefreshStatus::ALL);
        check(&RefreshFeature::ALL);
        check(&Permission::ALL);
        check(&Prefetch::ALL);
        check(&SubscriptionFeature::ALL);
        check(&TransactionStatus::ALL);
        check(&HolderType::ALL);
        check(&Failure::ALL);
        check(&Outcome::ALL);
        check(&PaymentMethodSupport::ALL);
        check(&ManualEntryMode::ALL);
    }

    #[test]
    fn a_prefetch_needs_the_permission_of_the_same_name() {
        for prefetch in Prefetch::ALL {
            assert_eq!(prefetch.feature().permission().as_str(), prefetch.as_str());
        }
    }
}

wire_enum! {
    /// A session's `filters.require_payment_method_support` (since `2026-07-29.dahlia`):
    /// whether linked accounts must be usable for payments.
    pub enum PaymentMethodSupport {
        /// Every linked account must support a payment method.
        All = "all",
        /// At least one of them must.
        AtLeastOne = "at_least_one",
        /// No requirement (endive's default).
        None = "none",
    }
}

wire_enum! {
    /// A session's `manual_entry.mode` (since `2026-07-29.dahlia`): whether the flow offers
    /// typing in routing and account numbers.
    pub enum ManualEntryMode {
        /// Offered where the bank cannot be linked.
        Automatic = "automatic",
        /// Never offered (endive's default).
        Disabled = "disabled",
    }
}
