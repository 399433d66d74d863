//! Financial Connections edge cases Stripe answers in a particular way: account-list filters
//! naming a holder or session that does not exist, one wording for a missing account on
//! every path, Accounts v2 holders, and repeated permissions or prefetch features.

use crate::support::{form, TestServer, KEY};
use serde_json::json;

#[tokio::test]
async fn a_missing_account_has_one_wording_on_every_path() {
    let server = TestServer::start_fc().await;
    let base = "/v1/financial_connections/accounts/fca_nope";

    let answers = [
        server.get(base, KEY).await,
        server
            .post(&format!("{base}/refresh"), KEY, "features[]=balance")
            .await,
        server.post(&format!("{base}/disconnect"), KEY, "").await,
        server
            .post(&format!("{base}/subscribe"), KEY, "features[]=transactions")
            .await,
        server
            .post(
                &format!("{base}/unsubscribe"),
                KEY,
                "features[]=transactions",
            )
            .await,
        server
            .get(&format!("{base}/owners?ownership=fcaowns_nope"), KEY)
            .await,
    ];

    for answer in &answers {
        assert_eq!(answer.status, 404, "{}", answer.text);
        assert_eq!(answer.error("code"), Some("resource_missing"));
        assert_eq!(answer.error("param"), Some("id"));
        assert_eq!(
            answer.error("message"),
            Some("No such financial connections account: 'fca_nope'")
        );
    }
}

#[tokio::test]
async fn listing_accounts_of_a_missing_customer_is_resource_missing_on_the_filter() {
    let server = TestServer::start_fc().await;

    let customer = server
        .get(
            "/v1/financial_connections/accounts?account_holder[customer]=cus_missing",
            KEY,
        )
        .await;
    let account = server
        .get(
            "/v1/financial_connections/accounts?account_holder[account]=acct_missing",
            KEY,
        )
        .await;
    let session = server
        .get(
            "/v1/financial_connections/accounts?session=fcsess_missing",
            KEY,
        )
        .await;

    assert_eq!(customer.status, 400, "{}", customer.text);
    assert_eq!(customer.error("code"), Some("resource_missing"));
    assert_eq!(customer.error("param"), Some("account_holder[customer]"));
    assert_eq!(
        customer.error("message"),
        Some("No such customer: 'cus_missing'")
    );
    assert_eq!(account.error("param"), Some("account_holder[account]"));
    assert_eq!(
        account.error("message"),
        Some("No such account: 'acct_missing'")
    );
    assert_eq!(session.error("param"), Some("session"));
    assert_eq!(
        session.error("message"),
        Some("No such financial connections session: 'fcsess_missing'")
    );
}

#[tokio::test]
async fn an_accounts_v2_holder_is_refused_by_name() {
    let server = TestServer::start_fc().await;

    let session = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[
                ("account_holder[type]", "customer"),
                ("account_holder[customer_account]", "acct_v2"),
                ("permissions[]", "balances"),
            ]),
        )
        .await;
    let list = server
        .get(
            "/v1/financial_connections/accounts?account_holder[customer_account]=acct_v2",
            KEY,
        )
        .await;

    for refused in [&session, &list] {
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(
            refused.error("param"),
            Some("account_holder[customer_account]")
        );
        assert!(refused
            .error("message")
            .is_some_and(|m| m.contains("Accounts v2")));
    }
}

#[tokio::test]
async fn a_repeated_permission_or_prefetch_feature_is_taken_once() {
    let server = TestServer::start_fc().await;
    let customer = server.create_customer(&[]).await;
    let customer = customer["id"].as_str().expect("an id");

    let session = server
        .create_session(
            customer,
            &["balances", "payment_method", "balances"],
            &[("prefetch[]", "balances"), ("prefetch[]", "balances")],
        )
        .await;

    assert_eq!(
        session["permissions"],
        json!(["balances", "payment_method"])
    );
    assert_eq!(session["prefetch"], json!(["balances"]));
}
