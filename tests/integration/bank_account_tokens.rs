//! `POST /v1/tokens` with `bank_account[…]`: the server-side bank-account token, its
//! validation, and spending it on a Connect account's external accounts.

use crate::support::{form, snapshot_settings, TestResponse, TestServer, CREATED, KEY};
use serde_json::Value;

/// Stripe's API reference example request for a bank-account token.
const JENNY: &[(&str, &str)] = &[
    ("bank_account[country]", "US"),
    ("bank_account[currency]", "usd"),
    ("bank_account[account_holder_name]", "Jenny Rosen"),
    ("bank_account[account_holder_type]", "individual"),
    ("bank_account[routing_number]", "110000000"),
    ("bank_account[account_number]", "000123456789"),
];

async fn create_token(server: &TestServer, pairs: &[(&str, &str)]) -> TestResponse {
    server.post("/v1/tokens", KEY, &form(pairs)).await
}

/// Jenny's pairs with `key` replaced by `value`, or left out when `value` is `None`.
fn jenny_with(key: &str, value: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    let mut pairs: Vec<(&str, &str)> = JENNY.iter().copied().filter(|(k, _)| *k != key).collect();
    if let Some(value) = value {
        pairs.push((
            JENNY
                .iter()
                .find(|(k, _)| *k == key)
                .expect("a known key")
                .0,
            value,
        ));
    }
    pairs
}

#[tokio::test]
async fn a_bank_account_token_carries_the_stripe_test_bank_account() {
    let server = TestServer::start().await;

    let created = create_token(&server, JENNY).await;

    assert_eq!(created.status, 200, "{}", created.text);
    let token = &created.json;
    assert!(token["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("btok_")));
    assert_eq!(token["object"], "token");
    assert_eq!(token["type"], "bank_account");
    assert_eq!(token["used"], false);
    assert_eq!(token["created"], CREATED);
    assert_eq!(token["client_ip"], Value::Null);
    let ba = &token["bank_account"];
    assert!(ba["id"].as_str().is_some_and(|id| id.starts_with("ba_")));
    assert_eq!(ba["bank_name"], "STRIPE TEST BANK");
    assert_eq!(ba["last4"], "6789");
    assert_eq!(ba["routing_number"], "110000000");
    assert_eq!(ba["status"], "new");
    assert_eq!(ba["account_holder_name"], "Jenny Rosen");
    assert_eq!(ba["account_holder_type"], "individual");
    assert_eq!(ba["country"], "US");
    assert_eq!(ba["currency"], "usd");
    snapshot_settings().bind(|| insta::assert_json_snapshot!("bank_account_token", token));
}

#[tokio::test]
async fn the_token_is_retrievable_and_shares_the_fingerprint_of_the_same_numbers() {
    let server = TestServer::start().await;
    let first = create_token(&server, JENNY).await.json;
    let second = create_token(&server, JENNY).await.json;
    let id = first["id"].as_str().expect("an id");

    let retrieved = server.get(&format!("/v1/tokens/{id}"), KEY).await;

    assert_eq!(retrieved.status, 200, "{}", retrieved.text);
    assert_eq!(retrieved.json, first);
    assert_ne!(first["bank_account"]["id"], second["bank_account"]["id"]);
    assert_eq!(
        first["bank_account"]["fingerprint"],
        second["bank_account"]["fingerprint"]
    );
}

#[tokio::test]
async fn currency_defaults_to_usd_and_the_country_is_upper_cased() {
    let server = TestServer::start().await;
    let mut pairs = jenny_with("bank_account[currency]", None);
    pairs.retain(|(k, _)| *k != "bank_account[country]");
    pairs.push(("bank_account[country]", "us"));

    let created = create_token(&server, &pairs).await;

    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json["bank_account"]["currency"], "usd");
    assert_eq!(created.json["bank_account"]["country"], "US");
}

#[tokio::test]
async fn a_missing_account_number_or_country_is_parameter_missing() {
    let server = TestServer::start().await;

    let no_number = create_token(&server, &jenny_with("bank_account[account_number]", None)).await;
    let no_country = create_token(&server, &jenny_with("bank_account[country]", None)).await;

    assert_eq!(no_number.status, 400, "{}", no_number.text);
    assert_eq!(no_number.error("code"), Some("parameter_missing"));
    assert_eq!(
        no_number.error("message"),
        Some("Missing required param: bank_account[account_number].")
    );
    assert_eq!(no_country.error("param"), Some("bank_account[country]"));
}

#[tokio::test]
async fn a_routing_number_that_is_missing_or_not_nine_digits_is_refused() {
    let server = TestServer::start().await;

    let missing = create_token(&server, &jenny_with("bank_account[routing_number]", None)).await;
    let short = create_token(
        &server,
        &jenny_with("bank_account[routing_number]", Some("11000000")),
    )
    .await;
    let letters = create_token(
        &server,
        &jenny_with("bank_account[routing_number]", Some("11000000x")),
    )
    .await;

    for refused in [&missing, &short, &letters] {
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(
            refused.error("message"),
            Some("Routing number must have 9 digits")
        );
        assert_eq!(refused.error("param"), Some("bank_account"));
    }
}

#[tokio::test]
async fn a_routing_number_failing_the_aba_check_digit_is_routing_number_invalid() {
    let server = TestServer::start().await;

    let refused = create_token(
        &server,
        &jenny_with("bank_account[routing_number]", Some("110000001")),
    )
    .await;

    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error("code"), Some("routing_number_invalid"));
    assert_eq!(refused.error("param"), Some("bank_account[routing_number]"));
}

#[tokio::test]
async fn test_mode_takes_only_stripes_test_account_numbers() {
    let server = TestServer::start().await;

    let real = create_token(
        &server,
        &jenny_with("bank_account[account_number]", Some("123456789012")),
    )
    .await;
    let insufficient = create_token(
        &server,
        &jenny_with("bank_account[account_number]", Some("000222222227")),
    )
    .await;

    assert_eq!(real.status, 400, "{}", real.text);
    assert_eq!(real.error("code"), Some("account_number_invalid"));
    assert_eq!(real.error("param"), Some("bank_account[account_number]"));
    assert!(real
        .error("message")
        .is_some_and(|m| m.starts_with("You must use a test bank account number in test mode.")));
    assert_eq!(insufficient.status, 200, "{}", insufficient.text);
    assert_eq!(insufficient.json["bank_account"]["last4"], "2227");
}

#[tokio::test]
async fn other_countries_currencies_and_token_kinds_are_refused_by_name() {
    let server = TestServer::start().await;
    let mut canadian = jenny_with("bank_account[country]", None);
    canadian.push(("bank_account[country]", "CA"));

    let country = create_token(&server, &canadian).await;
    let currency = create_token(&server, &jenny_with("bank_account[currency]", Some("eur"))).await;
    let card = create_token(&server, &[("card[number]", "4242424242424242")]).await;
    let from_pm = create_token(&server, &[("bank_account[payment_method]", "pm_123")]).await;

    assert_eq!(country.error("param"), Some("bank_account[country]"));
    assert_eq!(currency.error("param"), Some("bank_account[currency]"));
    assert_eq!(card.status, 400, "{}", card.text);
    assert_eq!(card.error("param"), Some("card"));
    assert_eq!(from_pm.error("param"), Some("bank_account[payment_method]"));
}

#[tokio::test]
async fn a_request_naming_no_kind_of_token_is_refused_in_stripes_words() {
    let server = TestServer::start().await;

    let refused = create_token(&server, &[]).await;

    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error("code"), Some("parameter_missing"));
    assert!(refused.error("message").is_some_and(|m| m.starts_with(
        "You must supply either a card, customer, PII data, bank account, or account legal entity"
    )));
}

#[tokio::test]
async fn the_token_attaches_once_to_a_connect_accounts_external_accounts() {
    let server = TestServer::start().await;
    let account = server
        .post(
            "/v1/accounts",
            KEY,
            &form(&[("type", "custom"), ("country", "US")]),
        )
        .await
        .json["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let token = create_token(&server, JENNY).await.json;
    let token_id = token["id"].as_str().expect("an id");
    let path = format!("/v1/accounts/{account}/external_accounts");

    let attached = server
        .post(&path, KEY, &form(&[("external_account", token_id)]))
        .await;
    let again = server
        .post(&path, KEY, &form(&[("external_account", token_id)]))
        .await;
    let spent = server.get(&format!("/v1/tokens/{token_id}"), KEY).await;

    assert_eq!(attached.status, 200, "{}", attached.text);
    assert_eq!(attached.json["id"], token["bank_account"]["id"]);
    assert_eq!(attached.json["account"], account.as_str());
    assert_eq!(attached.json["last4"], "6789");
    assert_eq!(attached.json["default_for_currency"], true);
    assert_eq!(again.error("code"), Some("token_already_used"));
    assert_eq!(spent.json["used"], true);
}
