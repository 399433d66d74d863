//! Financial Connections accounts: list (by session, by holder, exclusive filters),
//! retrieve, refresh and settle (balance, ownership, transactions), cooldowns, owners and
//! `expand[]=ownership`, subscribe and unsubscribe, disconnect and inactive accounts.

use crate::support::{form, ids, snapshot_settings, TestServer, ALL_PERMISSIONS, CREATED, KEY};
use serde_json::{json, Value};

fn account_path(id: &str) -> String {
    format!("/v1/financial_connections/accounts/{id}")
}

async fn retrieve(server: &TestServer, id: &str) -> Value {
    let response = server.get(&account_path(id), KEY).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

/// `POST …/accounts/{id}/{action}` with `features[]=transactions`.
async fn subscription(server: &TestServer, id: &str, action: &str) -> crate::support::TestResponse {
    server
        .post(
            &format!("{}/{action}", account_path(id)),
            KEY,
            &form(&[("features[]", "transactions")]),
        )
        .await
}

/// A `success` account with balance, ownership and transactions refreshed and settled.
async fn fully_refreshed_account(server: &TestServer) -> String {
    let id = server.link_success_account().await;
    let refreshed = server
        .refresh(&id, &["balance", "ownership", "transactions"])
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(server.settle().await, 3);
    id
}

#[tokio::test]
async fn a_linked_account_is_active_with_the_sessions_permissions_and_no_data_yet() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let account = retrieve(&server, &id).await;

    assert_eq!(account["object"], "financial_connections.account");
    assert!(id.starts_with("fca_"));
    assert_eq!(account["status"], "active");
    assert_eq!(account["permissions"], json!(ALL_PERMISSIONS));
    assert_eq!(account["category"], "cash");
    assert_eq!(account["subcategory"], "checking");
    assert_eq!(account["last4"], "6789");
    assert_eq!(
        account["supported_payment_method_types"],
        json!(["us_bank_account", "link"])
    );
    for empty in [
        "balance",
        "balance_refresh",
        "ownership",
        "ownership_refresh",
        "transaction_refresh",
    ] {
        assert_eq!(account[empty], Value::Null, "{empty}");
    }
    assert_eq!(account["subscriptions"], json!([]));
    snapshot_settings().bind(|| insta::assert_json_snapshot!("account_after_link", account));
}

#[tokio::test]
async fn listing_accounts_by_session_returns_that_sessions_accounts_newest_first() {
    let server = TestServer::start_fc().await;
    let (customer, linked) = server
        .link(ALL_PERMISSIONS, "test_institution", &["success", "savings"])
        .await;
    // A second session of the same customer, whose account must not show up.
    server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;
    let session = {
        let ns = server.app.store.namespace(KEY);
        let ns = ns.read();
        let id = linked[0]["id"].as_str().unwrap_or_default();
        ns.fc_accounts
            .get(id)
            .map(|l| l.link.session.clone())
            .expect("the linked account is stored")
    };

    let listed = server
        .get(
            &format!("/v1/financial_connections/accounts?session={session}"),
            KEY,
        )
        .await;

    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json["object"], "list");
    assert_eq!(listed.json["url"], "/v1/financial_connections/accounts");
    assert_eq!(listed.json["has_more"], false);
    let mut expected = ids(&json!({"data": linked}));
    expected.reverse();
    assert_eq!(ids(&listed.json), expected);
    assert!(listed.json["data"].as_array().is_some_and(|a| a
        .iter()
        .all(|a| a["account_holder"]["customer"] == customer)));
}

#[tokio::test]
async fn listing_accounts_by_customer_returns_the_accounts_of_every_session_of_that_customer() {
    let server = TestServer::start_fc().await;
    let (customer, first) = server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;
    let second_session = server.create_session(&customer, &["balances"], &[]).await;
    let second = server
        .complete_session(
            second_session["id"].as_str().unwrap_or_default(),
            &json!({"outcome": "success", "accounts": ["savings"]}),
        )
        .await;
    // Another customer's account must not show up.
    server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;

    let listed = server
        .get(
            &format!("/v1/financial_connections/accounts?account_holder[customer]={customer}"),
            KEY,
        )
        .await;

    assert_eq!(listed.status, 200, "{}", listed.text);
    let expected = vec![
        ids(&second.json["accounts"])[0].clone(),
        ids(&json!({"data": first}))[0].clone(),
    ];
    assert_eq!(ids(&listed.json), expected);
}

#[tokio::test]
async fn listing_accounts_pages_with_limit_and_starting_after() {
    let server = TestServer::start_fc().await;
    let (customer, _) = server
        .link(
            ALL_PERMISSIONS,
            "test_institution",
            &["success", "savings", "insufficient_funds"],
        )
        .await;
    let path = format!("/v1/financial_connections/accounts?account_holder[customer]={customer}");
    let all = ids(&server.get(&path, KEY).await.json);

    let first = server.get(&format!("{path}&limit=2"), KEY).await;
    let rest = server
        .get(&format!("{path}&limit=2&starting_after={}", all[1]), KEY)
        .await;

    assert_eq!(ids(&first.json), all[..2]);
    assert_eq!(first.json["has_more"], true);
    assert_eq!(ids(&rest.json), all[2..]);
    assert_eq!(rest.json["has_more"], false);
}

#[tokio::test]
async fn listing_accounts_by_session_and_customer_is_refused_with_parameters_exclusive() {
    let server = TestServer::start_fc().await;
    let (customer, _) = server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;

    let response = server
        .get(
            &format!(
                "/v1/financial_connections/accounts?session=fcsess_x&account_holder[customer]={customer}"
            ),
            KEY,
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(response.error("code"), Some("parameters_exclusive"));
    assert!(response
        .error("param")
        .is_some_and(|p| p == "session" || p == "account_holder[customer]"));
}

#[tokio::test]
async fn listing_accounts_of_a_customer_without_any_returns_an_empty_list() {
    let server = TestServer::start_fc().await;
    server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;
    let other = server.create_customer(&[]).await;

    let listed = server
        .get(
            &format!(
                "/v1/financial_connections/accounts?account_holder[customer]={}",
                other["id"].as_str().unwrap_or_default()
            ),
            KEY,
        )
        .await;

    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json["data"], json!([]));
    assert_eq!(listed.json["has_more"], false);
}

#[tokio::test]
async fn retrieving_an_unknown_account_returns_404_resource_missing() {
    let server = TestServer::start_fc().await;

    let response = server.get(&account_path("fca_nope"), KEY).await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("id"));
}

#[tokio::test]
async fn refreshing_starts_pending_refreshes_with_no_next_refresh_time() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let response = server
        .refresh(&id, &["balance", "ownership", "transactions"])
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let pending = json!({"last_attempted_at": CREATED, "next_refresh_available_at": null, "status": "pending"});
    assert_eq!(response.json["balance_refresh"], pending);
    assert_eq!(response.json["ownership_refresh"], pending);
    let txn_refresh = &response.json["transaction_refresh"];
    assert_eq!(txn_refresh["status"], "pending");
    assert_eq!(txn_refresh["next_refresh_available_at"], Value::Null);
    assert!(txn_refresh["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("fctxnref_")));
    // Nothing is fetched before the refresh settles.
    assert_eq!(response.json["balance"], Value::Null);
    assert_eq!(response.json["ownership"], Value::Null);
}

#[tokio::test]
async fn settling_fills_in_the_balance_the_ownership_and_the_refresh_times() {
    let server = TestServer::start_fc().await;
    let id = fully_refreshed_account(&server).await;

    let account = retrieve(&server, &id).await;

    let succeeded = json!({"last_attempted_at": CREATED, "next_refresh_available_at": CREATED + 1, "status": "succeeded"});
    assert_eq!(account["balance_refresh"], succeeded);
    assert_eq!(account["ownership_refresh"], succeeded);
    assert_eq!(account["transaction_refresh"]["status"], "succeeded");
    assert_eq!(
        account["balance"],
        json!({"as_of": CREATED, "cash": {"available": {"usd": 6000}}, "current": {"usd": 6000}, "type": "cash"})
    );
    assert!(account["ownership"]
        .as_str()
        .is_some_and(|o| o.starts_with("fcaowns_")));
    snapshot_settings().bind(|| insta::assert_json_snapshot!("account_after_settle", account));
}

#[tokio::test]
async fn objects_minted_earlier_in_a_test_change_the_ids_but_not_the_snapshot() {
    // Arrange: the same account as above, after a customer, a Connect account and a linked
    // account of their own have taken ids from this server's stream.
    let server = TestServer::start_fc().await;
    let plain = TestServer::start_fc().await;
    server
        .create_customer(&[("email", "first@example.com")])
        .await;
    let connect = server
        .post(
            "/v1/accounts",
            KEY,
            &form(&[("type", "custom"), ("country", "US")]),
        )
        .await;
    assert_eq!(connect.status, 200, "{}", connect.text);
    server.link_success_account().await;
    let id = fully_refreshed_account(&server).await;
    let plain_id = fully_refreshed_account(&plain).await;

    // Act
    let account = retrieve(&server, &id).await;

    // Assert: other ids, the same snapshot as `account_after_settle`.
    assert_ne!(id, plain_id, "the earlier objects shifted the id stream");
    snapshot_settings().bind(|| insta::assert_json_snapshot!("account_after_settle", account));
}

#[tokio::test]
async fn expanding_ownership_embeds_the_ownership_with_its_owners() {
    let server = TestServer::start_fc().await;
    let id = fully_refreshed_account(&server).await;
    let ownership = retrieve(&server, &id).await["ownership"].clone();

    let response = server
        .get(&format!("{}?expand[]=ownership", account_path(&id)), KEY)
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let expanded = &response.json["ownership"];
    assert_eq!(expanded["id"], ownership);
    assert_eq!(
        expanded["object"],
        "financial_connections.account_ownership"
    );
    assert_eq!(expanded["created"], CREATED);
    assert_eq!(expanded["owners"]["object"], "list");
    assert_eq!(
        expanded["owners"]["url"],
        format!(
            "/v1/financial_connections/accounts/{id}/owners?ownership={}",
            ownership.as_str().unwrap_or_default()
        )
    );
    assert_eq!(expanded["owners"]["data"][0]["name"], "Jenny Rosen");
    snapshot_settings().bind(|| insta::assert_json_snapshot!("ownership_expansion", expanded));
}

#[tokio::test]
async fn expanding_ownership_on_the_account_list_uses_the_data_prefix() {
    let server = TestServer::start_fc().await;
    let id = fully_refreshed_account(&server).await;
    let session = {
        let ns = server.app.store.namespace(KEY);
        let ns = ns.read();
        ns.fc_accounts.get(&id).map(|l| l.link.session.clone())
    }
    .expect("the account is stored");

    let listed = server
        .get(
            &format!(
                "/v1/financial_connections/accounts?session={session}&expand[]=data.ownership"
            ),
            KEY,
        )
        .await;

    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(
        listed.json["data"][0]["ownership"]["object"],
        "financial_connections.account_ownership"
    );
}

#[tokio::test]
async fn listing_owners_returns_every_owner_of_the_ownership() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "ownership_accounts", &["joint_owners"])
        .await;
    let id = linked[0]["id"].as_str().expect("accounts have ids");
    assert_eq!(server.refresh(id, &["ownership"]).await.status, 200);
    assert_eq!(server.settle().await, 1);
    let ownership = retrieve(&server, id).await["ownership"]
        .as_str()
        .expect("the ownership refresh succeeded")
        .to_string();

    let owners = server
        .get(
            &format!("{}/owners?ownership={ownership}", account_path(id)),
            KEY,
        )
        .await;

    assert_eq!(owners.status, 200, "{}", owners.text);
    assert_eq!(owners.json["object"], "list");
    assert_eq!(
        owners.json["url"],
        format!("/v1/financial_connections/accounts/{id}/owners")
    );
    let data = owners.json["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data.len(), 2);
    for owner in &data {
        assert_eq!(owner["object"], "financial_connections.account_owner");
        assert_eq!(owner["ownership"], ownership.as_str());
        assert_eq!(owner["refreshed_at"], CREATED);
    }
    snapshot_settings().bind(|| insta::assert_json_snapshot!("owners_list", owners.json));
}

#[tokio::test]
async fn listing_owners_pages_with_limit() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "ownership_accounts", &["joint_owners"])
        .await;
    let id = linked[0]["id"].as_str().expect("accounts have ids");
    server.refresh(id, &["ownership"]).await;
    server.settle().await;
    let ownership = retrieve(&server, id).await["ownership"].clone();
    let path = format!(
        "{}/owners?ownership={}",
        account_path(id),
        ownership.as_str().unwrap_or_default()
    );
    let all = ids(&server.get(&path, KEY).await.json);

    let first = server.get(&format!("{path}&limit=1"), KEY).await;
    let second = server
        .get(&format!("{path}&limit=1&starting_after={}", all[0]), KEY)
        .await;

    assert_eq!(ids(&first.json), all[..1]);
    assert_eq!(first.json["has_more"], true);
    assert_eq!(ids(&second.json), all[1..]);
    assert_eq!(second.json["has_more"], false);
}

#[tokio::test]
async fn listing_owners_without_an_ownership_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;
    let id = fully_refreshed_account(&server).await;

    let response = server
        .get(&format!("{}/owners", account_path(&id)), KEY)
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("ownership"));
}

#[tokio::test]
async fn listing_owners_of_another_accounts_ownership_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;
    let first = fully_refreshed_account(&server).await;
    let second = fully_refreshed_account(&server).await;
    let foreign = retrieve(&server, &second).await["ownership"].clone();

    let response = server
        .get(
            &format!(
                "{}/owners?ownership={}",
                account_path(&first),
                foreign.as_str().unwrap_or_default()
            ),
            KEY,
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("ownership"));
}

#[tokio::test]
async fn refreshing_without_features_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let response = server.refresh(&id, &[]).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("features"));
}

#[tokio::test]
async fn refreshing_an_unknown_feature_is_refused() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let response = server.refresh(&id, &["horoscope"]).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert!(response
        .error("param")
        .is_some_and(|p| p.starts_with("features")));
}

#[tokio::test]
async fn refreshing_a_feature_without_its_permission_is_refused_and_starts_nothing() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(
            &["payment_method", "balances"],
            "test_institution",
            &["success"],
        )
        .await;
    let id = linked[0]["id"].as_str().expect("accounts have ids");

    // `balance` alone would be allowed: the whole request is refused, not half of it.
    let response = server.refresh(id, &["balance", "transactions"]).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(response.error("param"), Some("features"));
    let account = retrieve(&server, id).await;
    assert_eq!(account["balance_refresh"], Value::Null);
    assert_eq!(account["transaction_refresh"], Value::Null);
    assert_eq!(server.settle().await, 0);
}

#[tokio::test]
async fn refreshing_an_unknown_account_returns_404() {
    let server = TestServer::start_fc().await;

    let response = server.refresh("fca_nope", &["balance"]).await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn refreshing_while_a_refresh_is_pending_does_not_start_another() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;
    let first = server.refresh(&id, &["transactions"]).await;

    let second = server.refresh(&id, &["transactions"]).await;

    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(
        second.json["transaction_refresh"],
        first.json["transaction_refresh"]
    );
    assert_eq!(server.settle().await, 1);
}

#[tokio::test]
async fn refreshing_during_the_cooldown_is_not_started() {
    // The clock is frozen, so `next_refresh_available_at` (one second after the settle)
    // never arrives.
    let server = TestServer::start_fc().await;
    let id = fully_refreshed_account(&server).await;
    let settled = retrieve(&server, &id).await;

    let again = server
        .refresh(&id, &["balance", "ownership", "transactions"])
        .await;

    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json, settled);
    assert_eq!(again.json["balance_refresh"]["status"], "succeeded");
    assert_eq!(again.json["balance_refresh"]["last_attempted_at"], CREATED);
    assert_eq!(server.settle().await, 0);
}

#[tokio::test]
async fn refreshing_after_the_cooldown_starts_a_new_attempt() {
    let server = TestServer::start_fc().await;
    let id = fully_refreshed_account(&server).await;
    let before = retrieve(&server, &id).await;
    server.app.clock.advance(60).expect("in range");

    let again = server.refresh(&id, &["balance", "transactions"]).await;

    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(
        again.json["balance_refresh"],
        json!({"last_attempted_at": CREATED + 60, "next_refresh_available_at": null, "status": "pending"})
    );
    assert_ne!(
        again.json["transaction_refresh"]["id"],
        before["transaction_refresh"]["id"]
    );
    // The ownership was not asked for and keeps its settled state.
    assert_eq!(again.json["ownership_refresh"], before["ownership_refresh"]);
    assert_eq!(server.settle().await, 2);
}

#[tokio::test]
async fn a_refresh_the_bank_fails_settles_as_failed_without_data() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "test_institution", &["refresh_failure"])
        .await;
    let id = linked[0]["id"].as_str().expect("accounts have ids");
    server.refresh(id, &["balance", "ownership"]).await;

    assert_eq!(server.settle().await, 2);

    let account = retrieve(&server, id).await;
    let failed = json!({"last_attempted_at": CREATED, "next_refresh_available_at": CREATED + 1, "status": "failed"});
    assert_eq!(account["balance_refresh"], failed);
    assert_eq!(account["ownership_refresh"], failed);
    assert_eq!(account["balance"], Value::Null);
    assert_eq!(account["ownership"], Value::Null);
}

#[tokio::test]
async fn subscribing_sets_subscriptions_and_starts_a_transaction_refresh() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let subscribed = subscription(&server, &id, "subscribe").await;

    assert_eq!(subscribed.status, 200, "{}", subscribed.text);
    assert_eq!(subscribed.json["subscriptions"], json!(["transactions"]));
    assert_eq!(subscribed.json["transaction_refresh"]["status"], "pending");
    assert_eq!(server.settle().await, 1);
    assert_eq!(
        retrieve(&server, &id).await["subscriptions"],
        json!(["transactions"])
    );
}

#[tokio::test]
async fn unsubscribing_clears_subscriptions() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;
    subscription(&server, &id, "subscribe").await;

    let unsubscribed = subscription(&server, &id, "unsubscribe").await;

    assert_eq!(unsubscribed.status, 200, "{}", unsubscribed.text);
    assert_eq!(unsubscribed.json["subscriptions"], json!([]));
    assert_eq!(retrieve(&server, &id).await["subscriptions"], json!([]));
}

#[tokio::test]
async fn subscribing_without_features_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let response = server
        .post(&format!("{}/subscribe", account_path(&id)), KEY, "")
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("features"));
}

#[tokio::test]
async fn disconnecting_clears_the_balance_and_subscriptions() {
    let server = TestServer::start_fc().await;
    let id = fully_refreshed_account(&server).await;
    subscription(&server, &id, "subscribe").await;

    let response = server
        .post(&format!("{}/disconnect", account_path(&id)), KEY, "")
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let account = &response.json;
    assert_eq!(account["status"], "disconnected");
    assert_eq!(account["balance"], Value::Null);
    assert_eq!(account["subscriptions"], json!([]));
    assert_eq!(retrieve(&server, &id).await, *account);
    snapshot_settings().bind(|| insta::assert_json_snapshot!("account_disconnected", account));
}

#[tokio::test]
async fn a_disconnected_account_refuses_refreshes_with_financial_connections_account_inactive() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;
    server
        .post(&format!("{}/disconnect", account_path(&id)), KEY, "")
        .await;

    let refresh = server.refresh(&id, &["balance"]).await;
    let subscribe = subscription(&server, &id, "subscribe").await;

    for refused in [&refresh, &subscribe] {
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(refused.error("type"), Some("invalid_request_error"));
        assert_eq!(
            refused.error("code"),
            Some("financial_connections_account_inactive")
        );
    }
    assert_eq!(retrieve(&server, &id).await["balance_refresh"], Value::Null);
}

#[tokio::test]
async fn disconnecting_twice_returns_the_account_unchanged() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;
    let first = server
        .post(&format!("{}/disconnect", account_path(&id)), KEY, "")
        .await;

    let second = server
        .post(&format!("{}/disconnect", account_path(&id)), KEY, "")
        .await;

    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.json, first.json);
}

#[tokio::test]
async fn disconnecting_an_unknown_account_returns_404() {
    let server = TestServer::start_fc().await;

    let response = server
        .post(&format!("{}/disconnect", account_path("fca_nope")), KEY, "")
        .await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn an_account_at_the_inactive_accounts_bank_turns_inactive_and_refuses_refreshes() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(ALL_PERMISSIONS, "inactive_accounts", &["checking"])
        .await;
    let id = linked[0]["id"].as_str().expect("accounts have ids");
    assert_eq!(linked[0]["status"], "active");

    server.settle().await;

    assert_eq!(retrieve(&server, id).await["status"], "inactive");
    let refused = server.refresh(id, &["balance"]).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(
        refused.error("code"),
        Some("financial_connections_account_inactive")
    );
}

#[tokio::test]
async fn relinking_an_inactive_account_reactivates_the_same_account() {
    let server = TestServer::start_fc().await;
    let (customer, linked) = server
        .link(ALL_PERMISSIONS, "inactive_accounts", &["checking"])
        .await;
    let id = linked[0]["id"]
        .as_str()
        .expect("accounts have ids")
        .to_string();
    server.settle().await;
    assert_eq!(retrieve(&server, &id).await["status"], "inactive");

    let session = server.create_session(&customer, ALL_PERMISSIONS, &[]).await;
    let session = session["id"].as_str().expect("sessions have ids");
    let relinked = server
        .complete_session(
            session,
            &serde_json::json!({"outcome": "success", "institution": "inactive_accounts", "accounts": ["checking"]}),
        )
        .await;

    assert_eq!(relinked.status, 200, "{}", relinked.text);
    assert_eq!(relinked.json["accounts"]["data"][0]["id"], id.as_str());
    assert_eq!(retrieve(&server, &id).await["status"], "active");
    let types = event_types(&server, &id);
    assert_eq!(
        types.iter().filter(|t| t.ends_with(".reactivated")).count(),
        1,
        "{types:?}"
    );
    assert!(
        types.iter().any(|t| t.ends_with(".deactivated")),
        "{types:?}"
    );
}

#[tokio::test]
async fn an_account_is_invisible_to_another_api_key() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let response = server.get(&account_path(&id), "sk_test_someone_else").await;

    assert_eq!(response.status, 404, "{}", response.text);
}

/// The types of the events recorded for one account, oldest first.
fn event_types(server: &TestServer, account: &str) -> Vec<String> {
    let ns = server.app.store.namespace(KEY);
    let ns = ns.read();
    ns.events
        .iter()
        .filter(|e| {
            serde_json::from_str::<serde_json::Value>(e.data.object.get())
                .is_ok_and(|object| object["id"] == account)
        })
        .map(|e| e.event_type.to_string())
        .collect()
}

#[tokio::test]
async fn settling_records_a_refreshed_event_per_feature_whether_it_succeeded_or_failed() {
    let server = TestServer::start_fc().await;
    let (_, linked) = server
        .link(
            ALL_PERMISSIONS,
            "test_institution",
            &["success", "refresh_failure"],
        )
        .await;
    let ok = linked[0]["id"].as_str().expect("accounts have ids");
    let failing = linked[1]["id"].as_str().expect("accounts have ids");
    server.refresh(ok, &["balance", "transactions"]).await;
    server.refresh(failing, &["balance"]).await;

    assert_eq!(server.settle().await, 3);

    assert_eq!(
        event_types(&server, ok),
        [
            "financial_connections.account.created",
            "financial_connections.account.refreshed_balance",
            "financial_connections.account.refreshed_transactions",
        ]
    );
    // Stripe fires `refreshed_*` on failure too (docs, Balances).
    assert_eq!(
        event_types(&server, failing),
        [
            "financial_connections.account.created",
            "financial_connections.account.refreshed_balance",
        ]
    );
}

#[tokio::test]
async fn disconnecting_twice_records_one_disconnected_event() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    for _ in 0..2 {
        server
            .post(&format!("{}/disconnect", account_path(&id)), KEY, "")
            .await;
    }

    assert_eq!(
        event_types(&server, &id),
        [
            "financial_connections.account.created",
            "financial_connections.account.disconnected",
        ]
    );
}

#[tokio::test]
async fn subscribing_to_a_feature_other_than_transactions_is_refused_and_starts_nothing() {
    let server = TestServer::start_fc().await;
    let id = server.link_success_account().await;

    let response = server
        .post(
            &format!("{}/subscribe", account_path(&id)),
            KEY,
            &form(&[("features[]", "balance")]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("param"), Some("features[0]"));
    assert_eq!(
        response.error("message"),
        Some("Invalid features[0]: must be one of transactions")
    );
    assert_eq!(retrieve(&server, &id).await["subscriptions"], json!([]));
    assert_eq!(server.settle().await, 0);
}
