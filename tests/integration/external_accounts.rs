//! A Connect account's external accounts: list (with the `object` filter and cursors) and
//! retrieve of the bank accounts attached from tokens.

use crate::support::{form, ids, snapshot_settings, TestServer, KEY};

/// A Custom account with `n` bank accounts attached from `POST /v1/tokens`, oldest first:
/// (account id, bank account ids).
async fn account_with_bank_accounts(server: &TestServer, n: usize) -> (String, Vec<String>) {
    let account = server
        .post(
            "/v1/accounts",
            KEY,
            &form(&[("type", "custom"), ("country", "US")]),
        )
        .await;
    let account = account.json["id"].as_str().expect("an id").to_string();
    let numbers = ["000123456789", "000222222227", "000333333335"];
    let mut attached = Vec::new();
    for number in numbers.iter().take(n) {
        let token = server
            .post(
                "/v1/tokens",
                KEY,
                &form(&[
                    ("bank_account[country]", "US"),
                    ("bank_account[routing_number]", "110000000"),
                    ("bank_account[account_number]", number),
                ]),
            )
            .await;
        assert_eq!(token.status, 200, "{}", token.text);
        let external = server
            .post(
                &format!("/v1/accounts/{account}/external_accounts"),
                KEY,
                &form(&[(
                    "external_account",
                    token.json["id"].as_str().expect("an id"),
                )]),
            )
            .await;
        assert_eq!(external.status, 200, "{}", external.text);
        attached.push(external.json["id"].as_str().expect("an id").to_string());
    }
    (account, attached)
}

#[tokio::test]
async fn listing_shows_the_attached_bank_accounts_newest_first() {
    let server = TestServer::start().await;
    let (account, attached) = account_with_bank_accounts(&server, 2).await;

    let listed = server
        .get(&format!("/v1/accounts/{account}/external_accounts"), KEY)
        .await;

    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json["object"], "list");
    assert_eq!(
        listed.json["url"],
        format!("/v1/accounts/{account}/external_accounts")
    );
    assert_eq!(listed.json["has_more"], false);
    assert_eq!(
        ids(&listed.json),
        [attached[1].clone(), attached[0].clone()]
    );
    assert_eq!(listed.json["data"][0]["default_for_currency"], false);
    assert_eq!(listed.json["data"][1]["default_for_currency"], true);
    snapshot_settings().bind(|| insta::assert_json_snapshot!("external_accounts", listed.json));
}

#[tokio::test]
async fn the_object_filter_keeps_bank_accounts_and_finds_no_cards() {
    let server = TestServer::start().await;
    let (account, attached) = account_with_bank_accounts(&server, 1).await;
    let path = format!("/v1/accounts/{account}/external_accounts");

    let banks = server
        .get(&format!("{path}?object=bank_account"), KEY)
        .await;
    let cards = server.get(&format!("{path}?object=card"), KEY).await;
    let bogus = server.get(&format!("{path}?object=iban"), KEY).await;

    assert_eq!(ids(&banks.json), attached);
    assert_eq!(cards.status, 200, "{}", cards.text);
    assert!(ids(&cards.json).is_empty());
    assert_eq!(bogus.status, 400, "{}", bogus.text);
    assert_eq!(bogus.error("param"), Some("object"));
}

#[tokio::test]
async fn cursors_page_through_the_external_accounts() {
    let server = TestServer::start().await;
    let (account, attached) = account_with_bank_accounts(&server, 3).await;
    let path = format!("/v1/accounts/{account}/external_accounts");

    let first = server.get(&format!("{path}?limit=2"), KEY).await;
    let after = server
        .get(
            &format!("{path}?limit=2&starting_after={}", attached[1]),
            KEY,
        )
        .await;
    let before = server
        .get(
            &format!("{path}?limit=1&ending_before={}", attached[0]),
            KEY,
        )
        .await;
    let unknown = server
        .get(&format!("{path}?starting_after=ba_nope"), KEY)
        .await;

    assert_eq!(ids(&first.json), [attached[2].clone(), attached[1].clone()]);
    assert_eq!(first.json["has_more"], true);
    assert_eq!(ids(&after.json), [attached[0].clone()]);
    assert_eq!(after.json["has_more"], false);
    assert_eq!(ids(&before.json), [attached[1].clone()]);
    assert_eq!(before.json["has_more"], true);
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(unknown.error("code"), Some("resource_missing"));
    assert_eq!(unknown.error("param"), Some("starting_after"));
}

#[tokio::test]
async fn one_external_account_is_retrieved_by_id() {
    let server = TestServer::start().await;
    let (account, attached) = account_with_bank_accounts(&server, 1).await;

    let found = server
        .get(
            &format!("/v1/accounts/{account}/external_accounts/{}", attached[0]),
            KEY,
        )
        .await;
    let missing = server
        .get(
            &format!("/v1/accounts/{account}/external_accounts/ba_nope"),
            KEY,
        )
        .await;
    let no_account = server
        .get("/v1/accounts/acct_nope/external_accounts", KEY)
        .await;

    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.json["id"], attached[0].as_str());
    assert_eq!(found.json["object"], "bank_account");
    assert_eq!(missing.status, 404, "{}", missing.text);
    assert_eq!(
        missing.error("message"),
        Some("No such external account: 'ba_nope'")
    );
    assert_eq!(no_account.status, 404, "{}", no_account.text);
}
