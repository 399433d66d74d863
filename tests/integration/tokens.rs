//! Bank-account tokens: minted by token-collecting sessions, `GET /v1/tokens/{id}`, and
//! attached once to a Connect account with `POST /v1/accounts/{id}/external_accounts`.

use crate::client_side::{customer_session, receipt, secret, token_session};
use crate::support::{form, TestServer, CREATED, KEY};
use serde_json::json;

/// Completes a token session at the test institution; returns (account id, token id).
async fn linked_token(server: &TestServer) -> (String, String) {
    let (account, session) = token_session(server).await;
    let id = session["id"].as_str().expect("an id");
    let done = server
        .complete_session(id, &json!({"outcome": "success", "accounts": ["success"]}))
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let body = receipt(server, &secret(&session)).await.json;
    let token = body["bank_account_token"]["id"]
        .as_str()
        .expect("a token-collecting session mints a token")
        .to_string();
    (account, token)
}

#[tokio::test]
async fn a_token_session_mints_a_btok_for_the_stripe_test_bank_account() {
    let server = TestServer::start_fc().await;
    let (_, token_id) = linked_token(&server).await;

    let token = server.get(&format!("/v1/tokens/{token_id}"), KEY).await;

    assert_eq!(token.status, 200, "{}", token.text);
    let t = &token.json;
    assert_eq!(t["object"], "token");
    assert_eq!(t["type"], "bank_account");
    assert_eq!(t["used"], false);
    assert_eq!(t["livemode"], false);
    assert_eq!(t["created"], CREATED);
    let ba = &t["bank_account"];
    assert!(ba["id"].as_str().is_some_and(|id| id.starts_with("ba_")));
    assert_eq!(ba["object"], "bank_account");
    assert_eq!(ba["bank_name"], "STRIPE TEST BANK");
    assert_eq!(ba["routing_number"], "110000000");
    assert_eq!(ba["last4"], "6789");
    assert_eq!(ba["status"], "new");
    assert_eq!(ba["country"], "US");
    assert_eq!(ba["currency"], "usd");
    assert!(ba["fingerprint"].as_str().is_some_and(|f| f.len() == 16));
    let keys: Vec<&str> = t
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "id",
            "object",
            "bank_account",
            "client_ip",
            "created",
            "livemode",
            "type",
            "used"
        ]
    );
}

#[tokio::test]
async fn a_customer_session_mints_no_token() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(id, &json!({"outcome": "success"}))
        .await;

    let body = receipt(&server, &secret(&session)).await.json;

    assert!(body["bank_account_token"].is_null());
}

#[tokio::test]
async fn attaching_the_token_adds_an_external_account_and_spends_the_token() {
    let server = TestServer::start_fc().await;
    let (account, token_id) = linked_token(&server).await;

    let attached = server
        .post(
            &format!("/v1/accounts/{account}/external_accounts"),
            KEY,
            &form(&[("external_account", &token_id)]),
        )
        .await;
    let again = server
        .post(
            &format!("/v1/accounts/{account}/external_accounts"),
            KEY,
            &form(&[("external_account", &token_id)]),
        )
        .await;
    let token = server.get(&format!("/v1/tokens/{token_id}"), KEY).await;
    let acct = server.get(&format!("/v1/accounts/{account}"), KEY).await;

    assert_eq!(attached.status, 200, "{}", attached.text);
    assert_eq!(attached.json["object"], "bank_account");
    assert_eq!(attached.json["account"], account.as_str());
    assert_eq!(attached.json["default_for_currency"], true);
    assert_eq!(token.json["used"], true);
    assert_eq!(again.status, 400, "{}", again.text);
    assert_eq!(again.error("code"), Some("token_already_used"));
    let external = &acct.json["external_accounts"]["data"];
    assert_eq!(external.as_array().map(Vec::len), Some(1));
    assert_eq!(external[0]["id"], attached.json["id"]);
}

#[tokio::test]
async fn an_unknown_token_or_account_is_refused() {
    let server = TestServer::start_fc().await;
    let (account, _) = linked_token(&server).await;

    let no_token = server
        .post(
            &format!("/v1/accounts/{account}/external_accounts"),
            KEY,
            &form(&[("external_account", "btok_nope")]),
        )
        .await;
    let no_account = server
        .post(
            "/v1/accounts/acct_nope/external_accounts",
            KEY,
            &form(&[("external_account", "btok_nope")]),
        )
        .await;
    let missing = server.get("/v1/tokens/btok_nope", KEY).await;

    assert_eq!(no_token.error("code"), Some("resource_missing"));
    assert_eq!(no_token.error("param"), Some("external_account"));
    assert_eq!(no_account.status, 404);
    assert_eq!(missing.status, 404);
}
