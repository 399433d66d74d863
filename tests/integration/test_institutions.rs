//! The newer test banks of Stripe's Financial Connections testing page: tokenized account
//! numbers that are, or become, deactivated, and banks that will ask the user to
//! authenticate again.

use crate::client_side::{receipt, secret, token_session};
use crate::support::{snapshot_settings, TestServer, ALL_PERMISSIONS, CREATED, KEY};
use serde_json::{json, Value};

const DAY: i64 = 24 * 60 * 60;

/// Links one account of `institution` for a new customer: (customer, account id).
async fn link_one(server: &TestServer, institution: &str, account: &str) -> (String, String) {
    let (customer, linked) = server.link(ALL_PERMISSIONS, institution, &[account]).await;
    let id = linked[0]["id"].as_str().expect("an id").to_string();
    (customer, id)
}

async fn account(server: &TestServer, id: &str) -> Value {
    let found = server
        .get(&format!("/v1/financial_connections/accounts/{id}"), KEY)
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    found.json
}

/// The events of one type that name this account, newest first.
async fn events_of(server: &TestServer, event_type: &str, id: &str) -> Vec<Value> {
    let listed = server
        .get(&format!("/v1/events?type={event_type}"), KEY)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.json["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["data"]["object"]["id"] == id)
        .collect()
}

fn tokenized(status: &str, expiry: Option<i64>) -> Value {
    json!([{
        "expected_expiry_date": expiry,
        "identifier_type": "tokenized_account_number",
        "status": status,
        "supported_networks": ["ach"]
    }])
}

#[tokio::test]
async fn an_expired_tokenized_account_number_links_deactivated() {
    let server = TestServer::start_fc().await;

    let (_, id) = link_one(&server, "tokenized_account_number", "expired").await;

    let linked = account(&server, &id).await;
    assert_eq!(linked["status"], "active");
    assert_eq!(linked["account_numbers"], tokenized("deactivated", None));
    snapshot_settings().bind(|| insta::assert_json_snapshot!("expired_tan_account", linked));
}

#[tokio::test]
async fn an_eventually_expiring_number_warns_of_its_expiry_in_thirty_days() {
    let server = TestServer::start_fc().await;
    let (_, id) = link_one(&server, "tokenized_account_number", "eventually_expiring").await;
    let expected = tokenized("transactable", Some(CREATED + 30 * DAY));
    assert_eq!(account(&server, &id).await["account_numbers"], expected);

    server.settle().await;

    let notices = events_of(
        &server,
        "financial_connections.account.upcoming_account_number_expiry",
        &id,
    )
    .await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["data"]["object"]["account_numbers"], expected);
    assert_eq!(account(&server, &id).await["account_numbers"], expected);
    server.settle().await;
    assert_eq!(
        events_of(
            &server,
            "financial_connections.account.upcoming_account_number_expiry",
            &id
        )
        .await
        .len(),
        1,
        "the notice is sent once"
    );
}

#[tokio::test]
async fn an_immediately_expiring_number_is_deactivated_after_the_session() {
    let server = TestServer::start_fc().await;
    let (_, id) = link_one(&server, "tokenized_account_number", "immediately_expiring").await;
    let before = tokenized("transactable", Some(CREATED));
    assert_eq!(account(&server, &id).await["account_numbers"], before);

    server.settle().await;

    let after = tokenized("deactivated", Some(CREATED));
    assert_eq!(account(&server, &id).await["account_numbers"], after);
    let updates = events_of(
        &server,
        "financial_connections.account.account_numbers_updated",
        &id,
    )
    .await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["data"]["object"]["account_numbers"], after);
    assert_eq!(
        updates[0]["data"]["previous_attributes"],
        json!({"account_numbers": before})
    );
}

#[tokio::test]
async fn a_token_for_an_expired_tokenized_number_shows_it_deactivated() {
    let server = TestServer::start_fc().await;
    let (_, session) = token_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    let done = server
        .complete_session(
            id,
            &json!({"outcome": "success", "institution": "tokenized_account_number", "accounts": ["expired"]}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);

    let body = receipt(&server, &secret(&session)).await.json;

    assert_eq!(
        body["bank_account_token"]["bank_account"]["status"],
        "tokenized_account_number_deactivated"
    );
}

#[tokio::test]
async fn an_eventually_reauthenticating_bank_announces_the_deactivation_thirty_days_ahead() {
    let server = TestServer::start_fc().await;
    let (_, id) = link_one(&server, "eventually_requires_reauthentication", "checking").await;
    let details = json!({"active": {
        "action": "relink_required",
        "cause": "access_expired",
        "expected_deactivation_date": CREATED + 30 * DAY
    }});
    assert_eq!(account(&server, &id).await["status_details"], details);

    server.settle().await;

    let linked = account(&server, &id).await;
    assert_eq!(linked["status"], "active");
    let notices = events_of(
        &server,
        "financial_connections.account.upcoming_deactivation",
        &id,
    )
    .await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["data"]["object"]["status_details"], details);
}

#[tokio::test]
async fn an_immediately_reauthenticating_bank_deactivates_and_expects_it_again_a_day_after_relinking(
) {
    let server = TestServer::start_fc().await;
    let (customer, id) =
        link_one(&server, "immediately_requires_reauthentication", "checking").await;
    server.settle().await;
    let inactive = account(&server, &id).await;
    assert_eq!(inactive["status"], "inactive");
    assert!(inactive.get("status_details").is_none());

    let session = server.create_session(&customer, ALL_PERMISSIONS, &[]).await;
    let relinked = server
        .complete_session(
            session["id"].as_str().expect("an id"),
            &json!({"outcome": "success", "institution": "immediately_requires_reauthentication", "accounts": ["checking"]}),
        )
        .await;

    assert_eq!(relinked.status, 200, "{}", relinked.text);
    let active = account(&server, &id).await;
    assert_eq!(active["status"], "active");
    assert_eq!(
        active["status_details"]["active"]["expected_deactivation_date"],
        CREATED + DAY
    );
}

#[tokio::test]
async fn older_api_versions_see_neither_account_numbers_nor_status_details() {
    let server = TestServer::start_fc().await;
    let (_, id) = link_one(&server, "eventually_requires_reauthentication", "checking").await;

    let old = server
        .request(
            hyper::Method::GET,
            &format!("/v1/financial_connections/accounts/{id}"),
            &[
                ("authorization", &crate::support::bearer(KEY)),
                ("stripe-version", "2025-09-30.clover"),
            ],
            "",
        )
        .await;

    assert_eq!(old.status, 200, "{}", old.text);
    assert!(old.json.get("account_numbers").is_none());
    assert!(old.json.get("status_details").is_none());
}
