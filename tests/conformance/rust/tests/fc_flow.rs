//! Financial Connections through async-stripe 1.0 (API 2026-09-30.endive): customer → session
//! → headless completion (fcmock's control API) → session retrieve and accounts list →
//! refresh (balance, transactions) → settle → transactions, one page and auto-paged → a
//! `us_bank_account` PaymentMethod from the account → attach to the customer.
//!
//! Every Stripe response is decoded by the library into its typed structs (`send()` fails on
//! a body they cannot hold): those structs are the decoder under test. A decode failure
//! panics with fcmock's raw answer. Each test has its own `sk_test_` key (own namespace).

use fcmock_conformance_rust::Fcmock;
use futures_util::StreamExt as _;
use stripe_core::customer::{CreateCustomer, ListPaymentMethodsCustomer};
use stripe_misc::financial_connections_account::{
    ListFinancialConnectionsAccount, RefreshFinancialConnectionsAccount,
    RefreshFinancialConnectionsAccountFeatures as Feature, RetrieveFinancialConnectionsAccount,
};
use stripe_misc::financial_connections_session::{
    CreateFinancialConnectionsSession, CreateFinancialConnectionsSessionAccountHolder,
    CreateFinancialConnectionsSessionAccountHolderType, CreateFinancialConnectionsSessionFilters,
    RetrieveFinancialConnectionsSession,
};
use stripe_misc::financial_connections_transaction::ListFinancialConnectionsTransaction;
use stripe_misc::{
    BankConnectionsResourceBalanceRefreshStatus as BalanceRefreshStatus,
    BankConnectionsResourceTransactionRefreshStatus as TransactionRefreshStatus,
    FinancialConnectionsAccount, FinancialConnectionsAccountStatus, FinancialConnectionsSession,
    FinancialConnectionsSessionPermissions as Permission, FinancialConnectionsTransaction,
};
use stripe_payment::payment_method::{
    AttachPaymentMethod, BillingDetailsInnerParams, CreatePaymentMethod, CreatePaymentMethodType,
    CreatePaymentMethodUsBankAccount,
};
use stripe_shared::{Customer, PaymentMethod, PaymentMethodType};
use stripe_types::List;

const ALL_PERMISSIONS: [Permission; 4] = [
    Permission::Balances,
    Permission::Ownership,
    Permission::PaymentMethod,
    Permission::Transactions,
];

/// The whole flow, the session created the endive way, with `filters[country]=US`
/// (`CreateFinancialConnectionsSessionFilters::country`; dahlia had `filters[countries][]`).
#[tokio::test]
async fn the_whole_flow_with_an_endive_country_filter() {
    let fc = Fcmock::start("rust/fc_flow::the_whole_flow_with_an_endive_country_filter").await;
    run_flow(&fc, "US").await;
}

async fn run_flow(fc: &Fcmock, country: &str) {
    let client = &fc.client;

    // 1. Customer.
    let cus: Customer = fc.ok(
        "POST /v1/customers",
        CreateCustomer::new()
            .email("fc.rust@example.com")
            .name("Jenny Rosen")
            .send(client)
            .await,
    );
    assert!(
        cus.id.as_str().starts_with("cus_"),
        "customer id {}",
        cus.id
    );
    assert_eq!(cus.name.as_deref(), Some("Jenny Rosen"));
    assert_eq!(cus.email.as_deref(), Some("fc.rust@example.com"));

    // 2. Session for that customer, every permission, filters[country].
    let holder = CreateFinancialConnectionsSessionAccountHolder {
        customer: Some(cus.id.to_string()),
        ..CreateFinancialConnectionsSessionAccountHolder::new(
            CreateFinancialConnectionsSessionAccountHolderType::Customer,
        )
    };
    let create = CreateFinancialConnectionsSession::new(holder, ALL_PERMISSIONS.to_vec()).filters(
        CreateFinancialConnectionsSessionFilters {
            country: Some(country.to_owned()),
            ..CreateFinancialConnectionsSessionFilters::new()
        },
    );
    let session: FinancialConnectionsSession = fc.ok(
        "POST /v1/financial_connections/sessions",
        create.send(client).await,
    );
    assert!(
        session.id.as_str().starts_with("fcsess_"),
        "session id {}",
        session.id
    );
    let secret = session.client_secret.as_deref().unwrap_or_default();
    assert!(
        secret.starts_with("fcsess_client_secret_"),
        "client_secret {secret:?}"
    );
    assert!(session.accounts.data.is_empty());
    assert!(!session.livemode);
    assert_eq!(session.permissions, ALL_PERMISSIONS.to_vec());
    let holder = session
        .account_holder
        .as_ref()
        .expect("session.account_holder");
    assert_eq!(
        holder.customer.as_ref().map(|c| c.id().as_str()),
        Some(cus.id.as_str())
    );
    let filters = session.filters.as_ref().expect("session.filters");
    assert_eq!(
        filters.country.as_deref(),
        Some(country),
        "session.filters.country"
    );

    // 3. Headless completion with two accounts (control API, plain HTTP).
    let completed = fc
        .complete(
            session.id.as_str(),
            r#"{"outcome":"success","institution":"test_institution","accounts":["success","savings"]}"#,
        )
        .await;
    let names: Vec<_> = completed
        .accounts
        .data
        .iter()
        .map(|a| a.display_name.as_deref())
        .collect();
    assert_eq!(names, [Some("Success"), Some("Savings")]);

    // 4. The session shows them; so do the accounts listed by session.
    let retrieved: FinancialConnectionsSession = fc.ok(
        "GET /v1/financial_connections/sessions/{id}",
        RetrieveFinancialConnectionsSession::new(session.id.clone())
            .send(client)
            .await,
    );
    assert_eq!(retrieved.id, session.id);
    assert_eq!(retrieved.accounts.data.len(), 2);
    let by_session: List<FinancialConnectionsAccount> = fc.ok(
        "GET /v1/financial_connections/accounts?session=",
        ListFinancialConnectionsAccount::new()
            .session(session.id.as_str())
            .send(client)
            .await,
    );
    assert_eq!(by_session.data.len(), 2);
    assert!(!by_session.has_more);
    // The same accounts (a list is newest first; the session keeps the order they were linked).
    let mut listed: Vec<&str> = by_session.data.iter().map(|a| a.id.as_str()).collect();
    let mut linked: Vec<&str> = retrieved
        .accounts
        .data
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    listed.sort_unstable();
    linked.sort_unstable();
    assert_eq!(listed, linked);
    let fca = by_session
        .data
        .iter()
        .find(|a| a.display_name.as_deref() == Some("Success"))
        .expect("the Success account")
        .clone();
    assert!(fca.id.as_str().starts_with("fca_"), "account id {}", fca.id);
    assert_eq!(fca.status, FinancialConnectionsAccountStatus::Active);
    assert_eq!(fca.institution_name, "StripeBank");
    let fca_holder = fca.account_holder.as_ref().expect("account.account_holder");
    assert_eq!(
        fca_holder.customer.as_ref().map(|c| c.id().as_str()),
        Some(cus.id.as_str())
    );
    assert!(fca.balance.is_none() && fca.balance_refresh.is_none());

    // 5. Refresh balance and transactions: pending until settled.
    let refreshing: FinancialConnectionsAccount = fc.ok(
        "POST /v1/financial_connections/accounts/{id}/refresh",
        RefreshFinancialConnectionsAccount::new(
            fca.id.clone(),
            vec![Feature::Balance, Feature::Transactions],
        )
        .send(client)
        .await,
    );
    let balance_refresh = refreshing
        .balance_refresh
        .expect("balance_refresh after refresh");
    assert_eq!(balance_refresh.status, BalanceRefreshStatus::Pending);
    let transaction_refresh = refreshing
        .transaction_refresh
        .expect("transaction_refresh after refresh");
    assert_eq!(
        transaction_refresh.status,
        TransactionRefreshStatus::Pending
    );
    assert!(transaction_refresh.id.as_str().starts_with("fctxnref_"));
    fc.settle().await;

    let account: FinancialConnectionsAccount = fc.ok(
        "GET /v1/financial_connections/accounts/{id}",
        RetrieveFinancialConnectionsAccount::new(fca.id.clone())
            .send(client)
            .await,
    );
    let status = account.balance_refresh.as_ref().map(|r| r.status.clone());
    assert_eq!(status, Some(BalanceRefreshStatus::Succeeded));
    let status = account
        .transaction_refresh
        .as_ref()
        .map(|r| r.status.clone());
    assert_eq!(status, Some(TransactionRefreshStatus::Succeeded));
    let balance = account
        .balance
        .as_ref()
        .expect("balance after a settled refresh");
    assert!(
        balance.current.contains_key("usd"),
        "balance.current {:?}",
        balance.current
    );

    // 6. Transactions: one page of 100, then every page through the library's paginator.
    let page: List<FinancialConnectionsTransaction> = fc.ok(
        "GET /v1/financial_connections/transactions?account=",
        ListFinancialConnectionsTransaction::new(fca.id.as_str())
            .limit(100)
            .send(client)
            .await,
    );
    assert!(
        !page.data.is_empty(),
        "no transactions after a settled refresh"
    );
    assert!(page.data.iter().all(|t| t.account == fca.id.as_str()));
    assert!(page
        .data
        .iter()
        .all(|t| t.transaction_refresh == transaction_refresh.id.as_str()));
    let mut stream = ListFinancialConnectionsTransaction::new(fca.id.as_str())
        .limit(100)
        .paginate()
        .stream(client);
    let mut every = Vec::new();
    while let Some(t) = stream.next().await {
        every.push(fc.ok(
            "GET /v1/financial_connections/transactions (auto-paging)",
            t,
        ));
    }
    assert_eq!(
        page.has_more,
        every.len() > page.data.len(),
        "has_more vs. the full walk"
    );
    let ids: Vec<&str> = every.iter().map(|t| t.id.as_str()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        ids.len(),
        "a transaction came twice while auto-paging"
    );
    let first: Vec<&str> = page.data.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(&ids[..first.len()], &first[..]);
    assert!(
        every
            .windows(2)
            .all(|w| w[0].transacted_at >= w[1].transacted_at),
        "newest first"
    );

    // 7. A us_bank_account PaymentMethod from the account, attached to the customer.
    let pm: PaymentMethod = fc.ok(
        "POST /v1/payment_methods",
        CreatePaymentMethod::new()
            .type_(CreatePaymentMethodType::UsBankAccount)
            .us_bank_account(CreatePaymentMethodUsBankAccount {
                financial_connections_account: Some(fca.id.to_string()),
                ..CreatePaymentMethodUsBankAccount::new()
            })
            .billing_details(BillingDetailsInnerParams {
                name: Some("Jenny Rosen".to_owned()),
                ..BillingDetailsInnerParams::new()
            })
            .send(client)
            .await,
    );
    assert!(
        pm.id.as_str().starts_with("pm_"),
        "payment method id {}",
        pm.id
    );
    assert_eq!(pm.type_, PaymentMethodType::UsBankAccount);
    assert!(pm.customer.is_none());
    assert_eq!(pm.billing_details.name.as_deref(), Some("Jenny Rosen"));
    let bank = pm
        .us_bank_account
        .as_ref()
        .expect("payment_method.us_bank_account");
    assert_eq!(
        bank.financial_connections_account.as_deref(),
        Some(fca.id.as_str())
    );
    assert_eq!(bank.last4.as_deref(), Some("6789"));
    assert_eq!(bank.routing_number.as_deref(), Some("110000000"));

    let attached: PaymentMethod = fc.ok(
        "POST /v1/payment_methods/{id}/attach",
        AttachPaymentMethod::new(pm.id.clone())
            .customer(cus.id.as_str())
            .send(client)
            .await,
    );
    assert_eq!(attached.id, pm.id);
    assert_eq!(
        attached.customer.as_ref().map(|c| c.id().as_str()),
        Some(cus.id.as_str())
    );
    let listed: List<PaymentMethod> = fc.ok(
        "GET /v1/customers/{id}/payment_methods",
        ListPaymentMethodsCustomer::new(cus.id.clone())
            .send(client)
            .await,
    );
    assert_eq!(
        listed.data.iter().map(|p| &p.id).collect::<Vec<_>>(),
        [&pm.id]
    );

    // The library pins its own API version on every request: endive.
    let endive = stripe_shared::version::VERSION.as_str().to_owned();
    assert_eq!(endive, "2026-09-30.endive");
    let versions = fc.versions_sent();
    assert!(!versions.is_empty());
    assert!(
        versions
            .iter()
            .all(|v| v.as_deref() == Some(endive.as_str())),
        "{versions:?}"
    );
    // ... and fcmock answered each at that version.
    let received = fc.versions_received();
    assert_eq!(received, versions, "the responses' Stripe-Version");
}
