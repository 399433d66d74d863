//! Financial Connections transactions: refused before a successful transaction refresh,
//! listed newest first by `transacted_at`, filtered by `transacted_at` and
//! `transaction_refresh[after]`, walked both ways, pending ones posting or voiding on a
//! later refresh, and retrieved one by one.

use crate::support::{
    snapshot_settings, TestServer, ALL_PERMISSIONS, CREATED, KEY, SETTLE_ONLY_WHEN_ASKED_MS,
};
use serde_json::{json, Value};
use std::collections::HashSet;

/// A mock time at which the `success` account (seed 42) has transactions from the last
/// 48 hours, which a first refresh returns as `pending`.
const WITH_PENDING: i64 = 1_700_200_000;

const DAY: i64 = 86_400;

fn list_path(account: &str) -> String {
    format!("/v1/financial_connections/transactions?account={account}")
}

fn transacted_at(txn: &Value) -> i64 {
    txn["transacted_at"]
        .as_i64()
        .expect("transactions have a transacted_at")
}

fn id_of(txn: &Value) -> &str {
    txn["id"].as_str().expect("transactions have ids")
}

/// A server frozen at [`WITH_PENDING`] whose refreshes settle only when asked.
async fn server_with_pending_transactions() -> TestServer {
    TestServer::start_with(|c| {
        c.refresh_delay = SETTLE_ONLY_WHEN_ASKED_MS;
        c.freeze_clock = Some(WITH_PENDING);
    })
    .await
}

/// Refreshes the account's transactions and settles; returns the new refresh id.
async fn refresh_transactions(server: &TestServer, account: &str) -> String {
    let response = server.refresh(account, &["transactions"]).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["transaction_refresh"]["status"], "pending");
    assert_eq!(server.settle().await, 1);
    response.json["transaction_refresh"]["id"]
        .as_str()
        .expect("transaction refreshes have ids")
        .to_string()
}

fn assert_no_successful_refresh(response: &crate::support::TestResponse) {
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(
        response.error("code"),
        Some("financial_connections_no_successful_transaction_refresh")
    );
    assert_eq!(response.error("param"), Some("account"));
}

#[tokio::test]
async fn listing_transactions_before_any_refresh_is_refused() {
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;

    let response = server.get(&list_path(&account), KEY).await;

    assert_no_successful_refresh(&response);
}

#[tokio::test]
async fn listing_transactions_while_the_first_refresh_is_pending_is_refused() {
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;
    server.refresh(&account, &["transactions"]).await;

    let response = server.get(&list_path(&account), KEY).await;

    assert_no_successful_refresh(&response);
}

#[tokio::test]
async fn listing_transactions_after_only_a_failed_refresh_is_refused() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "test_institution", &["refresh_failure"])
        .await;
    let account = linked[0]["id"].as_str().expect("accounts have ids");
    server.refresh(account, &["transactions"]).await;
    server.settle().await;

    let response = server.get(&list_path(account), KEY).await;

    assert_no_successful_refresh(&response);
}

#[tokio::test]
async fn listing_transactions_without_an_account_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;

    let response = server
        .get("/v1/financial_connections/transactions", KEY)
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("account"));
}

#[tokio::test]
async fn listing_transactions_of_an_unknown_account_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;

    let response = server.get(&list_path("fca_nope"), KEY).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("account"));
}

#[tokio::test]
async fn a_transaction_is_retrieved_as_it_is_listed() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;
    let listed = server
        .get(&format!("{}&limit=1", list_path(&account)), KEY)
        .await;
    let first = listed.json["data"][0].clone();

    let response = server
        .get(
            &format!("/v1/financial_connections/transactions/{}", id_of(&first)),
            KEY,
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let txn = &response.json;
    assert_eq!(*txn, first);
    assert_eq!(txn["object"], "financial_connections.transaction");
    assert!(id_of(txn).starts_with("fctxn_"));
    assert_eq!(txn["account"], account.as_str());
    assert_eq!(txn["currency"], "usd");
    assert_eq!(txn["updated"], CREATED);
    assert!(txn["transaction_refresh"]
        .as_str()
        .is_some_and(|r| r.starts_with("fctxnref_")));
    // A transaction's amount, description and times are generated from the seed and the
    // account's id (`transactions::generate`), so they change with the id stream as an id
    // does; the other tests here pin how they are made, the snapshot pins the shape.
    let mut settings = snapshot_settings();
    settings.add_redaction(".amount", "[generated amount]");
    settings.add_redaction(".description", "[generated description]");
    settings.add_redaction(".transacted_at", "[generated time]");
    settings.add_redaction(".status_transitions.posted_at", "[generated time]");
    settings.bind(|| insta::assert_json_snapshot!("transaction", txn));
}

#[tokio::test]
async fn retrieving_an_unknown_transaction_returns_404_resource_missing() {
    let server = TestServer::start_fc().await;

    let response = server
        .get("/v1/financial_connections/transactions/fctxn_nope", KEY)
        .await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn transactions_are_listed_newest_first_from_the_last_180_days() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;

    let all = server.walk(&list_path(&account), 100).await;

    assert!(all.len() > 100, "a checking account has months of history");
    let times: Vec<i64> = all.iter().map(transacted_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(times
        .iter()
        .all(|t| (CREATED - 180 * DAY..CREATED).contains(t)));
    assert!(all.iter().all(|t| t["account"] == account.as_str()));
    let page = server.get(&list_path(&account), KEY).await;
    assert_eq!(page.json["url"], "/v1/financial_connections/transactions");
    assert_eq!(page.json["data"].as_array().map(Vec::len), Some(10));
}

#[tokio::test]
async fn transacted_at_gte_returns_only_transactions_at_or_after_that_time() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;
    let all = server.walk(&list_path(&account), 100).await;
    let since = transacted_at(&all[all.len() / 2]);

    let filtered = server
        .walk(
            &format!("{}&transacted_at[gte]={since}", list_path(&account)),
            100,
        )
        .await;

    let expected: Vec<&Value> = all.iter().filter(|t| transacted_at(t) >= since).collect();
    assert!(!filtered.is_empty());
    assert_eq!(filtered.iter().collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn transacted_at_ranges_and_exact_values_select_the_matching_transactions() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;
    let all = server.walk(&list_path(&account), 100).await;
    let low = transacted_at(&all[all.len() * 3 / 4]);
    let high = transacted_at(&all[all.len() / 4]);
    // Each query, and the `transacted_at` values it keeps (transaction times are whole
    // seconds, so `gt`/`lt` are the inclusive range one second in).
    let cases = [
        (
            format!("transacted_at[gt]={low}&transacted_at[lt]={high}"),
            low + 1..=high - 1,
        ),
        (
            format!("transacted_at[gte]={low}&transacted_at[lte]={high}"),
            low..=high,
        ),
        (format!("transacted_at={high}"), high..=high),
    ];

    for (query, keep) in cases {
        let filtered = server
            .walk(&format!("{}&{query}", list_path(&account)), 100)
            .await;

        let expected: Vec<Value> = all
            .iter()
            .filter(|t| keep.contains(&transacted_at(t)))
            .cloned()
            .collect();
        assert!(!expected.is_empty(), "{query}");
        assert_eq!(filtered, expected, "{query}");
    }
}

#[tokio::test]
async fn walking_with_starting_after_and_ending_before_yields_each_transaction_exactly_once() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;
    let path = list_path(&account);

    let forward: Vec<String> = server
        .walk(&path, 7)
        .await
        .iter()
        .map(|t| id_of(t).to_string())
        .collect();

    let oldest = forward
        .last()
        .expect("the account has transactions")
        .clone();
    let mut backward: Vec<String> = vec![oldest];
    loop {
        let cursor = backward.last().expect("starts with the oldest").clone();
        let page = server
            .get(&format!("{path}&limit=7&ending_before={cursor}"), KEY)
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        // Each page is newest first; walking back, its items come oldest first.
        let items: Vec<String> = page.json["data"]
            .as_array()
            .map(|d| d.iter().rev().map(|t| id_of(t).to_string()).collect())
            .unwrap_or_default();
        backward.extend(items);
        if page.json["has_more"] != true {
            break;
        }
    }
    let unique: HashSet<&String> = forward.iter().collect();
    assert_eq!(unique.len(), forward.len(), "no transaction twice");
    backward.reverse();
    assert_eq!(backward, forward);
}

#[tokio::test]
async fn an_unknown_cursor_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;

    let response = server
        .get(
            &format!("{}&starting_after=fctxn_nope", list_path(&account)),
            KEY,
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("starting_after"));
}

#[tokio::test]
async fn pending_transactions_post_or_void_in_place_on_a_later_refresh() {
    let server = server_with_pending_transactions().await;
    let account = server.link_success_account().await;
    let first_refresh = refresh_transactions(&server, &account).await;
    let before = server.walk(&list_path(&account), 100).await;
    let pending: Vec<&Value> = before.iter().filter(|t| t["status"] == "pending").collect();
    assert!(!pending.is_empty(), "the last 48 hours are pending");
    for txn in &pending {
        assert_eq!(
            txn["status_transitions"],
            json!({"posted_at": null, "void_at": null})
        );
        assert_eq!(txn["transaction_refresh"], first_refresh.as_str());
    }
    server.app.clock.advance(DAY).expect("in range");

    let second_refresh = refresh_transactions(&server, &account).await;

    let later = WITH_PENDING + DAY;
    for txn in &pending {
        let now = server
            .get(
                &format!("/v1/financial_connections/transactions/{}", id_of(txn)),
                KEY,
            )
            .await
            .json;
        assert_eq!(now["transacted_at"], txn["transacted_at"], "in place");
        assert_eq!(now["amount"], txn["amount"]);
        assert_eq!(now["transaction_refresh"], second_refresh.as_str());
        assert_eq!(now["updated"], later);
        match now["status"].as_str() {
            Some("posted") => assert_eq!(
                now["status_transitions"],
                json!({"posted_at": later, "void_at": null})
            ),
            Some("void") => assert_eq!(
                now["status_transitions"],
                json!({"posted_at": null, "void_at": later})
            ),
            other => panic!("a pending transaction settled as {other:?}"),
        }
    }
    // Transactions that were already posted keep their first refresh.
    let posted_before = before
        .iter()
        .find(|t| t["status"] == "posted")
        .expect("older transactions are posted");
    let unchanged = server
        .get(
            &format!(
                "/v1/financial_connections/transactions/{}",
                id_of(posted_before)
            ),
            KEY,
        )
        .await;
    assert_eq!(unchanged.json, *posted_before);
}

#[tokio::test]
async fn transaction_refresh_after_returns_only_transactions_of_later_refreshes() {
    let server = server_with_pending_transactions().await;
    let account = server.link_success_account().await;
    let first_refresh = refresh_transactions(&server, &account).await;
    server.app.clock.advance(DAY).expect("in range");
    let second_refresh = refresh_transactions(&server, &account).await;
    let all = server.walk(&list_path(&account), 100).await;

    let after_first = server
        .walk(
            &format!(
                "{}&transaction_refresh[after]={first_refresh}",
                list_path(&account)
            ),
            100,
        )
        .await;
    let after_second = server
        .get(
            &format!(
                "{}&transaction_refresh[after]={second_refresh}",
                list_path(&account)
            ),
            KEY,
        )
        .await;

    let expected: Vec<Value> = all
        .iter()
        .filter(|t| t["transaction_refresh"] == second_refresh.as_str())
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert!(expected.len() < all.len());
    assert_eq!(after_first, expected);
    assert_eq!(after_second.status, 200, "{}", after_second.text);
    assert_eq!(after_second.json["data"], json!([]));
}

#[tokio::test]
async fn transaction_refresh_after_an_unknown_refresh_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;

    let response = server
        .get(
            &format!(
                "{}&transaction_refresh[after]=fctxnref_nope",
                list_path(&account)
            ),
            KEY,
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("transaction_refresh[after]"));
}

#[tokio::test]
async fn transactions_stay_listable_after_a_disconnect() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;
    let before = server.get(&list_path(&account), KEY).await;
    server
        .post(
            &format!("/v1/financial_connections/accounts/{account}/disconnect"),
            KEY,
            "",
        )
        .await;

    let after = server.get(&list_path(&account), KEY).await;

    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(after.json, before.json);
}

#[tokio::test]
async fn a_transaction_is_invisible_to_another_api_key() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;
    let listed = server
        .get(&format!("{}&limit=1", list_path(&account)), KEY)
        .await;
    let id = id_of(&listed.json["data"][0]).to_string();

    let response = server
        .get(
            &format!("/v1/financial_connections/transactions/{id}"),
            "sk_test_someone_else",
        )
        .await;

    assert_eq!(response.status, 404, "{}", response.text);
}
