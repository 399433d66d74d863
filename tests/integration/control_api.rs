//! The control API (`/_fcmock/…`): scripted outcomes, faults, the request log, the mock
//! clock, state export and import, reset, the sessions listing, the OpenAPI document,
//! `--no-control-api` and `--control-token`; keys that must not see each other's scripts; and
//! the `fcmock` binary itself: `--state-file` across a SIGTERM, a corrupt state file, and
//! `--scenario`.

use crate::support::{form, ids, TestServer, CREATED, KEY};
use hyper::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A second and third API key: their own namespaces.
const OTHER_KEY: &str = "sk_test_control_other";
const THIRD_KEY: &str = "sk_test_control_third";

/// `GET` a control-API path (no Stripe key).
async fn control_get(server: &TestServer, path: &str) -> crate::support::TestResponse {
    server.request(Method::GET, path, &[], "").await
}

/// `DELETE` a control-API path.
async fn control_delete(server: &TestServer, path: &str) -> crate::support::TestResponse {
    server.request(Method::DELETE, path, &[], "").await
}

/// `POST` raw bytes (possibly not JSON) to a control-API path.
async fn control_post_raw(
    server: &TestServer,
    path: &str,
    body: &str,
) -> crate::support::TestResponse {
    server
        .request(
            Method::POST,
            path,
            &[("content-type", "application/json")],
            body.to_string(),
        )
        .await
}

/// `PUT /_fcmock/state` with this exact text.
async fn put_state(server: &TestServer, text: &str) -> crate::support::TestResponse {
    server
        .request(
            Method::PUT,
            "/_fcmock/state",
            &[("content-type", "application/json")],
            text.to_string(),
        )
        .await
}

/// `POST` a control-API JSON body, asserting a 200.
async fn control_ok(server: &TestServer, path: &str, body: &Value) -> Value {
    let response = server.control(path, body).await;
    assert_eq!(
        response.status, 200,
        "POST {path} {body}: {}",
        response.text
    );
    response.json
}

/// A new customer under `key`: its id.
async fn customer_as(server: &TestServer, key: &str) -> String {
    let response = server
        .post("/v1/customers", key, "email=qa%40example.com")
        .await;
    assert_eq!(
        response.status, 200,
        "creating a customer: {}",
        response.text
    );
    response.json["id"]
        .as_str()
        .expect("customers have ids")
        .to_string()
}

/// A new Custom Connect account under `key`: its id.
async fn connect_account_as(server: &TestServer, key: &str) -> String {
    let response = server
        .post("/v1/accounts", key, "type=custom&country=US")
        .await;
    assert_eq!(
        response.status, 200,
        "creating an account: {}",
        response.text
    );
    response.json["id"]
        .as_str()
        .expect("accounts have ids")
        .to_string()
}

/// A new session under `key` for a customer (`cus_…`) or Connect account (`acct_…`) holder.
async fn session_as(server: &TestServer, key: &str, holder: &str) -> Value {
    let holder_type = if holder.starts_with("acct_") {
        "account"
    } else {
        "customer"
    };
    let holder_field = format!("account_holder[{holder_type}]");
    let body = form(&[
        ("account_holder[type]", holder_type),
        (&holder_field, holder),
        ("permissions[]", "balances"),
        ("permissions[]", "transactions"),
        ("permissions[]", "payment_method"),
    ]);
    let response = server
        .post("/v1/financial_connections/sessions", key, &body)
        .await;
    assert_eq!(
        response.status, 200,
        "creating a session: {}",
        response.text
    );
    response.json
}

fn id_of(object: &Value) -> String {
    object["id"]
        .as_str()
        .expect("Stripe objects have ids")
        .to_string()
}

/// The `/_fcmock/sessions` entry of one session.
async fn listed_session(server: &TestServer, id: &str) -> Value {
    let listing = control_get(server, "/_fcmock/sessions").await;
    assert_eq!(listing.status, 200, "{}", listing.text);
    listing.json["data"]
        .as_array()
        .expect("the sessions listing has data")
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("session {id} is listed: {}", listing.text))
}

/// The `outcome` a session was scripted with (`null` when none claimed it).
async fn scripted_outcome(server: &TestServer, session: &str) -> Value {
    listed_session(server, session).await["scripted"]["outcome"].clone()
}

/// The queued scenarios (`GET /_fcmock/scenarios`).
async fn queued_scenarios(server: &TestServer) -> Vec<Value> {
    let listing = control_get(server, "/_fcmock/scenarios").await;
    assert_eq!(listing.status, 200, "{}", listing.text);
    listing.json["data"]
        .as_array()
        .cloned()
        .expect("the scenario listing has data")
}

/// The queued faults (`GET /_fcmock/faults`).
async fn queued_faults(server: &TestServer) -> Vec<Value> {
    let listing = control_get(server, "/_fcmock/faults").await;
    assert_eq!(listing.status, 200, "{}", listing.text);
    listing.json["data"]
        .as_array()
        .cloned()
        .expect("the fault listing has data")
}

/// The request log, with this query string.
async fn logged(server: &TestServer, query: &str) -> Vec<Value> {
    let log = control_get(server, &format!("/_fcmock/requests{query}")).await;
    assert_eq!(log.status, 200, "{}", log.text);
    log.json["data"]
        .as_array()
        .cloned()
        .expect("the request log has data")
}

/// The types of the events one namespace holds, read from the state export.
async fn event_types(server: &TestServer, key: &str) -> Vec<String> {
    let state = control_get(server, "/_fcmock/state").await;
    assert_eq!(state.status, 200, "{}", state.text);
    state.json["namespaces"][key]["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["object"]["type"].as_str().or(e["type"].as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The mock time `GET /_fcmock/clock` reports, and whether it is frozen.
async fn clock_now(server: &TestServer) -> (i64, bool) {
    let clock = control_get(server, "/_fcmock/clock").await;
    assert_eq!(clock.status, 200, "{}", clock.text);
    (
        clock.json["now"].as_i64().expect("the clock has a now"),
        clock.json["frozen"]
            .as_bool()
            .expect("the clock says frozen"),
    )
}

async fn retrieve_account(server: &TestServer, account: &str) -> Value {
    let response = server
        .get(
            &format!("/v1/financial_connections/accounts/{account}"),
            KEY,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_queued_scenario_is_listed_then_claimed_by_the_next_session() {
    // Arrange
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    let queued = control_ok(&server, "/_fcmock/scenarios", &json!({"outcome": "cancel"})).await;
    assert_eq!(queued["remaining"], 1, "{queued}");
    assert_eq!(queued["scenario"]["outcome"], "cancel");
    assert_eq!(queued_scenarios(&server).await.len(), 1);

    // Act
    let session = session_as(&server, KEY, &customer).await;

    // Assert
    assert_eq!(scripted_outcome(&server, &id_of(&session)).await, "cancel");
    assert!(queued_scenarios(&server).await.is_empty());
    let unscripted = session_as(&server, KEY, &customer).await;
    assert_eq!(
        scripted_outcome(&server, &id_of(&unscripted)).await,
        Value::Null
    );
}

#[tokio::test]
async fn a_scenario_with_count_two_scripts_two_sessions_then_leaves_the_queue() {
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "failure", "failure": "login_failed", "count": 2}),
    )
    .await;

    let first = session_as(&server, KEY, &customer).await;
    let remaining = queued_scenarios(&server).await;
    let second = session_as(&server, KEY, &customer).await;
    let third = session_as(&server, KEY, &customer).await;

    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0]["remaining"], 1, "{remaining:?}");
    assert_eq!(scripted_outcome(&server, &id_of(&first)).await, "failure");
    assert_eq!(scripted_outcome(&server, &id_of(&second)).await, "failure");
    assert_eq!(scripted_outcome(&server, &id_of(&third)).await, Value::Null);
    assert!(queued_scenarios(&server).await.is_empty());
}

#[tokio::test]
async fn deleting_scenarios_empties_the_queue_and_says_how_many_went() {
    let server = TestServer::start_fc().await;
    control_ok(&server, "/_fcmock/scenarios", &json!({"outcome": "cancel"})).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "cancel", "api_key": OTHER_KEY}),
    )
    .await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "cancel", "api_key": KEY}),
    )
    .await;

    let one_key = control_delete(&server, &format!("/_fcmock/scenarios?api_key={OTHER_KEY}")).await;
    let left_after_one_key = queued_scenarios(&server).await;
    let everything = control_delete(&server, "/_fcmock/scenarios").await;

    assert_eq!(one_key.status, 200, "{}", one_key.text);
    assert_eq!(one_key.json["deleted"], 1);
    assert_eq!(left_after_one_key.len(), 2);
    assert!(left_after_one_key
        .iter()
        .all(|q| q["scenario"]["api_key"] != OTHER_KEY));
    assert_eq!(everything.json["deleted"], 2);
    assert!(queued_scenarios(&server).await.is_empty());
}

#[tokio::test]
async fn a_scenario_for_one_customer_skips_sessions_of_other_customers() {
    let server = TestServer::start_fc().await;
    let wanted = customer_as(&server, KEY).await;
    let other = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "cancel", "customer": wanted}),
    )
    .await;

    let others_session = session_as(&server, KEY, &other).await;
    let wanted_session = session_as(&server, KEY, &wanted).await;

    assert_eq!(
        scripted_outcome(&server, &id_of(&others_session)).await,
        Value::Null
    );
    assert_eq!(
        scripted_outcome(&server, &id_of(&wanted_session)).await,
        "cancel"
    );
}

#[tokio::test]
async fn a_scenario_for_one_connect_account_applies_only_to_its_sessions() {
    let server = TestServer::start_fc().await;
    let wanted = connect_account_as(&server, KEY).await;
    let other = connect_account_as(&server, KEY).await;
    let customer = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "cancel", "account": wanted}),
    )
    .await;

    let customers_session = session_as(&server, KEY, &customer).await;
    let others_session = session_as(&server, KEY, &other).await;
    let wanted_session = session_as(&server, KEY, &wanted).await;

    assert_eq!(
        scripted_outcome(&server, &id_of(&customers_session)).await,
        Value::Null
    );
    assert_eq!(
        scripted_outcome(&server, &id_of(&others_session)).await,
        Value::Null
    );
    assert_eq!(
        scripted_outcome(&server, &id_of(&wanted_session)).await,
        "cancel"
    );
}

#[tokio::test]
async fn a_scenario_for_one_api_key_skips_sessions_of_other_keys() {
    let server = TestServer::start_fc().await;
    let others_customer = customer_as(&server, OTHER_KEY).await;
    let customer = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "cancel", "api_key": KEY}),
    )
    .await;

    let others_session = session_as(&server, OTHER_KEY, &others_customer).await;
    let session = session_as(&server, KEY, &customer).await;

    assert_eq!(
        scripted_outcome(&server, &id_of(&others_session)).await,
        Value::Null
    );
    assert_eq!(scripted_outcome(&server, &id_of(&session)).await, "cancel");
}

#[tokio::test]
async fn a_scenario_file_is_queued_by_name() {
    let server = TestServer::start_fc().await;

    let queued = control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"name": "link_success"}),
    )
    .await;

    // fixtures/scenarios/link_success.json
    assert_eq!(queued["scenario"]["outcome"], "success", "{queued}");
    assert_eq!(queued["scenario"]["institution"], "test_institution");
    assert_eq!(queued["scenario"]["accounts"], json!(["success"]));
    assert_eq!(queued_scenarios(&server).await.len(), 1);
}

#[tokio::test]
async fn an_unknown_scenario_name_is_refused_with_a_400_naming_the_known_ones() {
    let server = TestServer::start_fc().await;

    let refused = server
        .control("/_fcmock/scenarios", &json!({"name": "no_such_scenario"}))
        .await;

    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error("type"), Some("invalid_request_error"));
    assert_eq!(refused.error("param"), Some("name"));
    let message = refused.error("message").expect("errors have a message");
    assert!(message.contains("no_such_scenario"), "{message}");
    assert!(message.contains("link_success"), "{message}");
    assert!(queued_scenarios(&server).await.is_empty());
}

#[tokio::test]
async fn an_invalid_scenario_body_is_refused_with_a_400_that_says_what_is_wrong() {
    let server = TestServer::start_fc().await;

    let not_json = control_post_raw(&server, "/_fcmock/scenarios", "outcome=success").await;
    let bad_outcome = server
        .control("/_fcmock/scenarios", &json!({"outcome": "maybe"}))
        .await;
    let unknown_field = server
        .control(
            "/_fcmock/scenarios",
            &json!({"outcome": "cancel", "colour": "red"}),
        )
        .await;
    let failure_missing = server
        .control("/_fcmock/scenarios", &json!({"outcome": "failure"}))
        .await;
    let customer_not_an_id = server
        .control(
            "/_fcmock/scenarios",
            &json!({"outcome": "cancel", "customer": "jenny"}),
        )
        .await;

    for (what, response, phrase) in [
        ("not JSON", &not_json, "JSON"),
        ("unknown outcome", &bad_outcome, "maybe"),
        ("unknown field", &unknown_field, "colour"),
        ("failure missing", &failure_missing, "failure"),
        ("customer not an id", &customer_not_an_id, "cus_"),
    ] {
        assert_eq!(response.status, 400, "{what}: {}", response.text);
        assert_eq!(
            response.error("type"),
            Some("invalid_request_error"),
            "{what}"
        );
        let message = response.error("message").unwrap_or_default();
        let param = response.error("param").unwrap_or_default();
        assert!(
            message.contains(phrase) || param.contains(phrase),
            "{what}: the error names `{phrase}`: {}",
            response.text
        );
    }
    assert_eq!(failure_missing.error("param"), Some("failure"));
    assert!(queued_scenarios(&server).await.is_empty());
}

#[tokio::test]
async fn auto_complete_links_accounts_at_creation_and_fires_account_created_events() {
    // Arrange
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "success", "accounts": ["success", "savings"], "auto_complete": true}),
    )
    .await;

    // Act
    let session = session_as(&server, KEY, &customer).await;

    // Assert: the creation response already carries the accounts.
    let linked = session["accounts"]["data"]
        .as_array()
        .cloned()
        .expect("a session has an accounts list");
    assert_eq!(linked.len(), 2, "{session}");
    let listed = server
        .get(
            &format!(
                "/v1/financial_connections/accounts?session={}",
                id_of(&session)
            ),
            KEY,
        )
        .await;
    let mut listed_ids = ids(&listed.json);
    let mut linked_ids: Vec<String> = linked.iter().map(id_of).collect();
    listed_ids.sort();
    linked_ids.sort();
    assert_eq!(listed_ids, linked_ids);
    let created_events = event_types(&server, KEY)
        .await
        .into_iter()
        .filter(|t| t == "financial_connections.account.created")
        .count();
    assert_eq!(created_events, 2);
}

#[tokio::test]
async fn the_auto_complete_scenario_file_links_two_accounts() {
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"name": "link_two_accounts_auto"}),
    )
    .await;

    let session = session_as(&server, KEY, &customer).await;

    assert_eq!(
        session["accounts"]["data"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn a_per_session_scenario_scripts_that_session_only() {
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    let scripted = session_as(&server, KEY, &customer).await;
    let untouched = session_as(&server, KEY, &customer).await;

    let answer = server
        .control(
            &format!("/_fcmock/sessions/{}/scenario", id_of(&scripted)),
            &json!({"outcome": "failure", "failure": "institution_error"}),
        )
        .await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["id"], id_of(&scripted).as_str());
    assert_eq!(answer.json["object"], "financial_connections.session");
    assert_eq!(
        listed_session(&server, &id_of(&scripted)).await["scripted"]["failure"],
        "institution_error"
    );
    assert_eq!(
        scripted_outcome(&server, &id_of(&untouched)).await,
        Value::Null
    );
    assert!(queued_scenarios(&server).await.is_empty());
}

#[tokio::test]
async fn a_per_session_auto_complete_scenario_links_accounts_at_once() {
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    let session = session_as(&server, KEY, &customer).await;

    let answer = server
        .control(
            &format!("/_fcmock/sessions/{}/scenario", id_of(&session)),
            &json!({"outcome": "success", "accounts": ["success"], "auto_complete": true}),
        )
        .await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.json["accounts"]["data"].as_array().map(Vec::len),
        Some(1)
    );
    let retrieved = server
        .get(
            &format!("/v1/financial_connections/sessions/{}", id_of(&session)),
            KEY,
        )
        .await;
    assert_eq!(
        retrieved.json["accounts"]["data"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn scripting_an_unknown_session_is_a_404() {
    let server = TestServer::start_fc().await;

    let answer = server
        .control(
            "/_fcmock/sessions/fcsess_doesnotexist/scenario",
            &json!({"outcome": "cancel"}),
        )
        .await;

    assert_eq!(answer.status, 404, "{}", answer.text);
    assert_eq!(answer.error("code"), Some("resource_missing"));
}

// ---------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_429_fault_answers_stripes_rate_limit_error() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"path_prefix": "/v1/customers", "status": 429}),
    )
    .await;

    let limited = server.get("/v1/customers", KEY).await;

    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.error("type"), Some("invalid_request_error"));
    assert_eq!(limited.error("code"), Some("rate_limit"));
    assert!(limited
        .header("request-id")
        .is_some_and(|id| id.starts_with("req_")));
    assert!(limited.header("stripe-version").is_some());
}

#[tokio::test]
async fn a_500_fault_answers_an_api_error() {
    let server = TestServer::start().await;
    control_ok(&server, "/_fcmock/faults", &json!({"status": 500})).await;

    let failed = server.get("/v1/customers", KEY).await;

    assert_eq!(failed.status, 500, "{}", failed.text);
    assert_eq!(failed.error("type"), Some("api_error"));
    assert!(failed.error("message").is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn a_402_fault_answers_a_card_error() {
    let server = TestServer::start().await;
    control_ok(&server, "/_fcmock/faults", &json!({"status": 402})).await;

    let declined = server.post("/v1/customers", KEY, "email=a%40b.c").await;

    assert_eq!(declined.status, 402, "{}", declined.text);
    assert_eq!(declined.error("type"), Some("card_error"));
    assert!(declined.error("code").is_some());
}

#[tokio::test]
async fn a_fault_with_a_custom_error_answers_that_type_code_and_message() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({
            "status": 503,
            "error": {"type": "api_error", "code": "maintenance", "message": "Back soon."},
        }),
    )
    .await;

    let failed = server.get("/v1/customers", KEY).await;

    assert_eq!(failed.status, 503, "{}", failed.text);
    assert_eq!(failed.error("type"), Some("api_error"));
    assert_eq!(failed.error("code"), Some("maintenance"));
    assert_eq!(failed.error("message"), Some("Back soon."));
}

#[tokio::test]
async fn a_fault_with_count_two_hits_two_requests_then_requests_succeed() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 500, "count": 2}),
    )
    .await;

    let first = server.get("/v1/customers", KEY).await;
    let second = server.get("/v1/customers", KEY).await;
    let third = server.get("/v1/customers", KEY).await;

    assert_eq!((first.status, second.status, third.status), (500, 500, 200));
    assert!(queued_faults(&server).await.is_empty());
}

#[tokio::test]
async fn a_fault_hits_only_its_method_and_path_prefix() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"method": "POST", "path_prefix": "/v1/customers", "status": 500}),
    )
    .await;

    let other_method = server.get("/v1/customers", KEY).await;
    let other_path = server.post("/v1/accounts", KEY, "type=custom").await;
    let matching_longer_path = server.post("/v1/customers/cus_x", KEY, "").await;

    assert_eq!(other_method.status, 200, "{}", other_method.text);
    assert_ne!(other_path.status, 500, "{}", other_path.text);
    assert_eq!(
        matching_longer_path.status, 500,
        "a path under the prefix matches: {}",
        matching_longer_path.text
    );
    assert!(queued_faults(&server).await.is_empty());
}

#[tokio::test]
async fn a_fault_for_one_api_key_leaves_other_keys_alone() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 500, "api_key": KEY}),
    )
    .await;

    let other = server.get("/v1/customers", OTHER_KEY).await;
    let basic = server
        .request(
            Method::GET,
            "/v1/customers",
            &[("authorization", "Basic c2tfdGVzdF9pbnRlZ3JhdGlvbjo=")],
            "",
        )
        .await;

    assert_eq!(other.status, 200, "{}", other.text);
    // `c2tf…` is base64 of "sk_test_integration:", the same key sent with HTTP Basic.
    assert_eq!(basic.status, 500, "{}", basic.text);
}

#[tokio::test]
async fn a_delay_fault_holds_the_answer_back_at_least_that_long() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"path_prefix": "/v1/customers", "delay_ms": 300}),
    )
    .await;

    let started = Instant::now();
    let delayed = server.get("/v1/customers", KEY).await;
    let waited = started.elapsed();

    assert_eq!(
        delayed.status, 200,
        "a pure delay answers normally: {}",
        delayed.text
    );
    assert!(waited >= Duration::from_millis(300), "waited {waited:?}");
}

#[tokio::test]
async fn a_delay_with_a_status_waits_then_answers_the_error() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 429, "delay_ms": 200}),
    )
    .await;

    let started = Instant::now();
    let limited = server.get("/v1/customers", KEY).await;

    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(limited.status, 429, "{}", limited.text);
}

#[tokio::test]
async fn faults_are_listed_and_cleared_per_key_or_all_at_once() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 500, "count": 3}),
    )
    .await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 429, "api_key": OTHER_KEY}),
    )
    .await;

    let listed = queued_faults(&server).await;
    let one_key = control_delete(&server, &format!("/_fcmock/faults?api_key={OTHER_KEY}")).await;
    let left = queued_faults(&server).await;
    let all = control_delete(&server, "/_fcmock/faults").await;

    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["remaining"], 3);
    assert_eq!(listed[0]["fault"]["status"], 500);
    assert_eq!(one_key.json["deleted"], 1, "{}", one_key.text);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["fault"]["status"], 500);
    assert_eq!(all.json["deleted"], 1, "{}", all.text);
    assert!(queued_faults(&server).await.is_empty());
    assert_eq!(server.get("/v1/customers", KEY).await.status, 200);
}

#[tokio::test]
async fn an_invalid_fault_is_refused_with_a_400() {
    let server = TestServer::start().await;

    let refusals = [
        ("a success status", json!({"status": 200})),
        ("neither status nor delay", json!({"path_prefix": "/v1"})),
        (
            "an unknown error type",
            json!({"status": 500, "error": {"type": "nope"}}),
        ),
        ("an unknown field", json!({"status": 500, "colour": "red"})),
        ("a delay over two minutes", json!({"delay_ms": 120_001})),
        ("a status of the wrong type", json!({"status": "500"})),
    ];

    for (what, body) in refusals {
        let refused = server.control("/_fcmock/faults", &body).await;
        assert_eq!(refused.status, 400, "{what}: {}", refused.text);
        assert_eq!(
            refused.error("type"),
            Some("invalid_request_error"),
            "{what}"
        );
        assert!(
            refused.error("message").is_some_and(|m| !m.is_empty()),
            "{what}"
        );
    }
    let not_json = control_post_raw(&server, "/_fcmock/faults", "{").await;
    assert_eq!(not_json.status, 400, "{}", not_json.text);
    assert!(queued_faults(&server).await.is_empty());
}

#[tokio::test]
async fn should_retry_sets_the_stripe_should_retry_header() {
    let server = TestServer::start().await;
    control_ok(&server, "/_fcmock/faults", &json!({"status": 500})).await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 500, "should_retry": false}),
    )
    .await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 409, "should_retry": true}),
    )
    .await;

    let unset = server.get("/v1/customers", KEY).await;
    let no = server.get("/v1/customers", KEY).await;
    let yes = server.get("/v1/customers", KEY).await;

    assert_eq!(unset.header("stripe-should-retry"), None);
    assert_eq!(
        (no.status, no.header("stripe-should-retry")),
        (500, Some("false"))
    );
    assert_eq!(
        (yes.status, yes.header("stripe-should-retry")),
        (409, Some("true"))
    );
}

#[tokio::test]
async fn faults_never_touch_the_control_api() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"status": 500, "count": 5}),
    )
    .await;

    let health = control_get(&server, "/_fcmock/health").await;
    let listing = control_get(&server, "/_fcmock/faults").await;

    assert_eq!(health.status, 200);
    assert_eq!(listing.status, 200);
    assert_eq!(queued_faults(&server).await[0]["remaining"], 5);
}

// ---------------------------------------------------------------------------------------
// Request log
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_request_log_records_method_path_params_status_request_id_key_and_idempotency_key() {
    let server = TestServer::start().await;

    let created = server
        .post_with(
            "/v1/customers",
            KEY,
            &[("idempotency-key", "log-me-1")],
            "email=jenny%40example.com&metadata[plan]=pro",
        )
        .await;

    let log = logged(&server, "").await;
    assert_eq!(log.len(), 1, "{log:?}");
    let entry = &log[0];
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["path"], "/v1/customers");
    assert_eq!(
        entry["params"],
        json!({"email": "jenny@example.com", "metadata": {"plan": "pro"}})
    );
    assert_eq!(entry["status"], 200);
    assert_eq!(
        entry["request_id"].as_str(),
        created.header("request-id"),
        "the log and the response share the request id"
    );
    assert_eq!(entry["idempotency_key"], "log-me-1");
    assert!(entry["api_key_namespace"].is_string(), "{entry}");
}

#[tokio::test]
async fn the_request_log_records_errors_and_injected_faults() {
    let server = TestServer::start().await;
    control_ok(&server, "/_fcmock/faults", &json!({"status": 429})).await;

    server.get("/v1/customers", KEY).await;
    server.get("/v1/customers/cus_missing", KEY).await;

    let statuses: Vec<Value> = logged(&server, "")
        .await
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(429), json!(404)]);
}

#[tokio::test]
async fn the_request_log_is_newest_last_and_filters_by_key_path_and_limit() {
    let server = TestServer::start().await;
    server.get("/v1/customers", KEY).await;
    server.post("/v1/customers", OTHER_KEY, "").await;
    server.get("/v1/accounts/acct_missing", KEY).await;
    server.get("/v1/customers?limit=3", KEY).await;

    let everything = logged(&server, "").await;
    let mine = logged(&server, &format!("?api_key={KEY}")).await;
    let customers = logged(&server, "?path=/v1/customers").await;
    let newest_two = logged(&server, "?limit=2").await;

    let paths = |entries: &[Value]| -> Vec<String> {
        entries
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap_or_default(),
                    e["path"].as_str().unwrap_or_default()
                )
            })
            .collect()
    };
    assert_eq!(
        paths(&everything),
        [
            "GET /v1/customers",
            "POST /v1/customers",
            "GET /v1/accounts/acct_missing",
            "GET /v1/customers"
        ]
    );
    assert_eq!(
        paths(&mine),
        [
            "GET /v1/customers",
            "GET /v1/accounts/acct_missing",
            "GET /v1/customers"
        ]
    );
    assert_eq!(customers.len(), 3);
    assert!(customers.iter().all(|e| e["path"] == "/v1/customers"));
    assert_eq!(
        paths(&newest_two),
        ["GET /v1/accounts/acct_missing", "GET /v1/customers"]
    );
    assert_eq!(newest_two[1]["params"], json!({"limit": "3"}));
}

#[tokio::test]
async fn the_request_log_masks_api_keys() {
    let server = TestServer::start().await;
    let key = "sk_test_maskme0123456789wxyz";
    server.get("/v1/customers", key).await;

    let log = control_get(&server, "/_fcmock/requests").await;

    let masked = format!("sk_test_{}wxyz", "*".repeat("maskme0123456789".len()));
    assert_eq!(log.json["data"][0]["api_key_namespace"], masked.as_str());
    assert!(
        !log.text.contains(key),
        "the full key is never shown: {}",
        log.text
    );
    let filtered = logged(&server, &format!("?api_key={key}")).await;
    assert_eq!(filtered.len(), 1, "filtering takes the full key");
}

// ---------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_clock_freezes_advances_and_unfreezes() {
    let server = TestServer::start_with(|c| c.freeze_clock = None).await;
    let (_, frozen_at_start) = clock_now(&server).await;

    let frozen = control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"freeze_at": 1_800_000_000}),
    )
    .await;
    let advanced = control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"advance_seconds": 3_600}),
    )
    .await;
    let unfrozen = control_ok(&server, "/_fcmock/clock", &json!({"unfreeze": true})).await;

    assert!(!frozen_at_start);
    assert_eq!(frozen, json!({"now": 1_800_000_000, "frozen": true}));
    assert_eq!(advanced, json!({"now": 1_800_003_600, "frozen": true}));
    assert_eq!(unfrozen["frozen"], false);
    let now = unfrozen["now"].as_i64().expect("the clock has a now");
    assert!(
        now >= 1_800_003_600,
        "unfreezing goes on from where time stood: {now}"
    );
    let (later, still_running) = clock_now(&server).await;
    assert!(later >= now && !still_running);
}

#[tokio::test]
async fn a_clock_body_with_more_or_less_than_one_instruction_is_refused() {
    let server = TestServer::start().await;

    let both = server
        .control(
            "/_fcmock/clock",
            &json!({"freeze_at": 1, "advance_seconds": 2}),
        )
        .await;
    let none = server.control("/_fcmock/clock", &json!({})).await;
    let unknown = server
        .control("/_fcmock/clock", &json!({"rewind": 5}))
        .await;

    for response in [&both, &none, &unknown] {
        assert_eq!(response.status, 400, "{}", response.text);
    }
    assert!(both
        .error("message")
        .is_some_and(|m| m.contains("exactly one")));
    assert_eq!(
        clock_now(&server).await,
        (CREATED, true),
        "the clock did not move"
    );
}

#[tokio::test]
async fn new_objects_take_their_created_from_the_mock_clock() {
    let server = TestServer::start().await;
    control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"freeze_at": 1_750_000_000}),
    )
    .await;
    let first = server.create_customer(&[]).await;
    control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"advance_seconds": 86_400}),
    )
    .await;

    let second = server.create_customer(&[]).await;

    assert_eq!(first["created"], 1_750_000_000);
    assert_eq!(second["created"], 1_750_086_400);
    let log = logged(&server, "").await;
    assert_eq!(
        log[1]["created"], 1_750_086_400,
        "the log uses mock time too"
    );
}

#[tokio::test]
async fn idempotency_keys_expire_after_a_day_of_mock_time() {
    let server = TestServer::start().await;
    let headers = [("idempotency-key", "expires-tomorrow")];
    let first = server
        .post_with("/v1/customers", KEY, &headers, "email=first%40example.com")
        .await;
    assert_eq!(first.status, 200, "{}", first.text);

    control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"advance_seconds": 86_399}),
    )
    .await;
    let same_day = server
        .post_with("/v1/customers", KEY, &headers, "email=first%40example.com")
        .await;
    control_ok(&server, "/_fcmock/clock", &json!({"advance_seconds": 2})).await;
    let next_day = server
        .post_with("/v1/customers", KEY, &headers, "email=second%40example.com")
        .await;

    assert_eq!(same_day.header("idempotent-replayed"), Some("true"));
    assert_eq!(same_day.json["id"], first.json["id"]);
    assert_eq!(
        next_day.status, 200,
        "an expired key is free again: {}",
        next_day.text
    );
    assert_eq!(next_day.header("idempotent-replayed"), None);
    assert_ne!(next_day.json["id"], first.json["id"]);
    assert_eq!(next_day.json["email"], "second@example.com");
}

#[tokio::test]
async fn the_refresh_cooldown_follows_the_mock_clock() {
    // Arrange: a balance refresh that has settled; its cooldown ends a second later.
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;
    assert_eq!(server.refresh(&account, &["balance"]).await.status, 200);
    assert_eq!(server.settle().await, 1);
    let settled = retrieve_account(&server, &account).await;
    let next = settled["balance_refresh"]["next_refresh_available_at"]
        .as_i64()
        .expect("a settled refresh says when the next may start");
    assert!(next > CREATED, "{settled}");

    // Act + Assert: before the cooldown ends a refresh is not started ...
    let during = server.refresh(&account, &["balance"]).await;
    assert_eq!(during.status, 200, "{}", during.text);
    assert_eq!(during.json["balance_refresh"]["status"], "succeeded");
    // ... and once mock time has passed it, it is.
    control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"advance_seconds": next - CREATED}),
    )
    .await;
    let after = server.refresh(&account, &["balance"]).await;
    assert_eq!(
        after.json["balance_refresh"]["status"], "pending",
        "{}",
        after.text
    );
    assert_eq!(after.json["balance_refresh"]["last_attempted_at"], next);
}

#[tokio::test]
async fn advancing_the_clock_a_day_starts_the_transaction_refresh_of_a_subscribed_account() {
    // Arrange: subscribed, and the subscription's first refresh settled.
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;
    let subscribed = server
        .post(
            &format!("/v1/financial_connections/accounts/{account}/subscribe"),
            KEY,
            "features[]=transactions",
        )
        .await;
    assert_eq!(subscribed.status, 200, "{}", subscribed.text);
    assert_eq!(server.settle().await, 1);
    let first = retrieve_account(&server, &account).await["transaction_refresh"].clone();
    assert_eq!(first["status"], "succeeded", "{first}");

    // Act
    control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"advance_seconds": 3_600}),
    )
    .await;
    let an_hour_later = retrieve_account(&server, &account).await["transaction_refresh"].clone();
    control_ok(
        &server,
        "/_fcmock/clock",
        &json!({"advance_seconds": 82_800}),
    )
    .await;
    let a_day_later = retrieve_account(&server, &account).await["transaction_refresh"].clone();

    // Assert
    assert_eq!(an_hour_later, first, "nothing is due within the day");
    assert_eq!(a_day_later["status"], "pending", "{a_day_later}");
    assert_ne!(a_day_later["id"], first["id"]);
    assert_eq!(a_day_later["last_attempted_at"], CREATED + 86_400);
}

// ---------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------

/// Retrieval paths of every object a prepared state holds, under `KEY` unless it says.
async fn prepare_state(server: &TestServer) -> Vec<(&'static str, String)> {
    let customer = customer_as(server, KEY).await;
    let other_customer = customer_as(server, OTHER_KEY).await;
    let connect = connect_account_as(server, KEY).await;
    control_ok(
        server,
        "/_fcmock/scenarios",
        &json!({"outcome": "success", "accounts": ["success", "savings"], "auto_complete": true}),
    )
    .await;
    let session = session_as(server, KEY, &customer).await;
    let account = session["accounts"]["data"][0]["id"]
        .as_str()
        .expect("auto_complete linked accounts")
        .to_string();
    assert_eq!(
        server
            .refresh(&account, &["transactions", "balance"])
            .await
            .status,
        200
    );
    server.settle().await;
    let pm = server
        .post(
            "/v1/payment_methods",
            KEY,
            &form(&[
                ("type", "us_bank_account"),
                ("us_bank_account[financial_connections_account]", &account),
                ("billing_details[name]", "Jenny Rosen"),
            ]),
        )
        .await;
    assert_eq!(pm.status, 200, "{}", pm.text);
    // Left queued, so the export carries a scenario too.
    control_ok(
        server,
        "/_fcmock/scenarios",
        &json!({"outcome": "cancel", "count": 3, "api_key": KEY}),
    )
    .await;
    vec![
        (KEY, format!("/v1/customers/{customer}")),
        (OTHER_KEY, format!("/v1/customers/{other_customer}")),
        (KEY, format!("/v1/accounts/{connect}")),
        (
            KEY,
            format!("/v1/financial_connections/sessions/{}", id_of(&session)),
        ),
        (KEY, format!("/v1/financial_connections/accounts/{account}")),
        (
            KEY,
            format!(
                "/v1/financial_connections/accounts?session={}",
                id_of(&session)
            ),
        ),
        (
            KEY,
            format!("/v1/financial_connections/transactions?account={account}&limit=100"),
        ),
        (KEY, format!("/v1/payment_methods/{}", id_of(&pm.json))),
    ]
}

/// Each object's retrieval, as text.
async fn retrieve_all(server: &TestServer, paths: &[(&str, String)]) -> Vec<String> {
    let mut texts = Vec::new();
    for (key, path) in paths {
        let response = server.get(path, key).await;
        assert_eq!(response.status, 200, "GET {path}: {}", response.text);
        texts.push(response.text);
    }
    texts
}

#[tokio::test]
async fn a_state_round_trip_through_reset_leaves_every_object_byte_identical() {
    // Arrange
    let server = TestServer::start_fc().await;
    let paths = prepare_state(&server).await;
    control_ok(&server, "/_fcmock/clock", &json!({"advance_seconds": 120})).await;
    let before = retrieve_all(&server, &paths).await;
    let exported = control_get(&server, "/_fcmock/state").await;
    assert_eq!(exported.status, 200);
    assert_eq!(exported.json["fcmock_state_version"], 1);

    // Act
    let reset = control_ok(&server, "/_fcmock/reset", &json!({})).await;
    let gone = server.get(&paths[0].1, KEY).await;
    let imported = put_state(&server, &exported.text).await;
    let re_exported = control_get(&server, "/_fcmock/state").await;

    // Assert
    assert_eq!(reset["reset"], "everything");
    assert_eq!(gone.status, 404, "reset emptied the store: {}", gone.text);
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.json["imported"], true);
    assert!(
        re_exported.text == exported.text,
        "the re-export is byte-identical to the export"
    );
    assert_eq!(retrieve_all(&server, &paths).await, before);
    assert_eq!(queued_scenarios(&server).await[0]["remaining"], 3);
    assert_eq!(clock_now(&server).await, (CREATED + 120, true));
}

#[tokio::test]
async fn an_imported_state_keeps_working_like_the_original() {
    let server = TestServer::start_fc().await;
    let paths = prepare_state(&server).await;
    let exported = control_get(&server, "/_fcmock/state").await;
    let target = TestServer::start_fc().await;

    let imported = put_state(&target, &exported.text).await;
    let customer_path = &paths[0].1;
    let updated = target
        .post(customer_path, KEY, "metadata[after_import]=yes")
        .await;
    let fresh = target.create_customer(&[]).await;

    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["metadata"]["after_import"], "yes");
    let fresh_id = id_of(&fresh);
    assert!(
        !exported.text.contains(&fresh_id),
        "a new id never collides with an imported one"
    );
    let completed = target
        .complete_session(
            paths[3]
                .1
                .rsplit('/')
                .next()
                .expect("the session path ends in its id"),
            &json!({"outcome": "cancel"}),
        )
        .await;
    assert_ne!(
        completed.status, 404,
        "imported sessions are found by the control API: {}",
        completed.text
    );
}

#[tokio::test]
async fn importing_a_state_of_another_version_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let customer = customer_as(&server, KEY).await;
    let before = control_get(&server, "/_fcmock/state").await;
    let mut wrong = before.json.clone();
    wrong["fcmock_state_version"] = json!(99);

    let refused = put_state(&server, &wrong.to_string()).await;
    let not_json = put_state(&server, "{\"fcmock_state_version\":").await;
    let missing_fields = put_state(&server, "{}").await;

    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        refused.error("message").is_some_and(|m| m.contains("99")),
        "{}",
        refused.text
    );
    assert_eq!(not_json.status, 400, "{}", not_json.text);
    assert_eq!(missing_fields.status, 400, "{}", missing_fields.text);
    assert_eq!(
        control_get(&server, "/_fcmock/state").await.text,
        before.text
    );
    assert_eq!(
        server
            .get(&format!("/v1/customers/{customer}"), KEY)
            .await
            .status,
        200
    );
}

#[tokio::test]

async fn a_state_export_larger_than_the_body_limit_can_be_imported_again() {
    // Arrange: seven sessions of two accounts, each with ~180 days of transactions.
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"outcome": "success", "accounts": ["success", "savings"], "auto_complete": true, "count": 7}),
    )
    .await;
    for _ in 0..7 {
        let session = session_as(&server, KEY, &customer).await;
        for account in session["accounts"]["data"].as_array().into_iter().flatten() {
            server.refresh(&id_of(account), &["transactions"]).await;
        }
    }
    server.settle().await;
    let exported = control_get(&server, "/_fcmock/state").await;
    assert!(
        exported.text.len() > 1024 * 1024,
        "{} bytes",
        exported.text.len()
    );

    // Act
    control_ok(&server, "/_fcmock/reset", &json!({})).await;
    let imported = put_state(&server, &exported.text).await;

    // Assert
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert!(control_get(&server, "/_fcmock/state").await.text == exported.text);
}

// ---------------------------------------------------------------------------------------
// Reset and the sessions listing
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn resetting_one_key_empties_only_that_key() {
    // Arrange: objects, scenarios, faults and logged requests for two keys.
    let server = TestServer::start_fc().await;
    let mine = customer_as(&server, KEY).await;
    let theirs = customer_as(&server, OTHER_KEY).await;
    let my_session = session_as(&server, KEY, &mine).await;
    for key in [KEY, OTHER_KEY] {
        control_ok(
            &server,
            "/_fcmock/scenarios",
            &json!({"outcome": "cancel", "api_key": key}),
        )
        .await;
        control_ok(
            &server,
            "/_fcmock/faults",
            &json!({"path_prefix": "/v1/nothing", "status": 500, "api_key": key}),
        )
        .await;
    }

    // Act
    let reset = control_ok(&server, "/_fcmock/reset", &json!({"api_key": KEY})).await;

    // Assert
    assert!(
        reset["reset"]
            .as_str()
            .is_some_and(|r| r.starts_with("sk_test_")),
        "{reset}"
    );
    assert_eq!(
        server
            .get(&format!("/v1/customers/{mine}"), KEY)
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .complete_session(&id_of(&my_session), &json!({"outcome": "cancel"}))
            .await
            .status,
        404,
        "the key's sessions are gone from the control API too"
    );
    assert_eq!(
        server
            .get(&format!("/v1/customers/{theirs}"), OTHER_KEY)
            .await
            .status,
        200
    );
    let scenarios = queued_scenarios(&server).await;
    assert_eq!(scenarios.len(), 1);
    assert_eq!(scenarios[0]["scenario"]["api_key"], OTHER_KEY);
    let faults = queued_faults(&server).await;
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0]["fault"]["api_key"], OTHER_KEY);
    assert!(
        logged(&server, &format!("?api_key={KEY}")).await.len() <= 1,
        "only the 404 above"
    );
    assert!(!logged(&server, &format!("?api_key={OTHER_KEY}"))
        .await
        .is_empty());
}

#[tokio::test]
async fn resetting_everything_empties_every_key_queue_and_log() {
    let server = TestServer::start_fc().await;
    let mine = customer_as(&server, KEY).await;
    let theirs = customer_as(&server, OTHER_KEY).await;
    control_ok(&server, "/_fcmock/scenarios", &json!({"outcome": "cancel"})).await;
    control_ok(
        &server,
        "/_fcmock/faults",
        &json!({"path_prefix": "/v1/nothing", "status": 500}),
    )
    .await;

    let reset = control_ok(&server, "/_fcmock/reset", &json!({})).await;

    assert_eq!(reset["reset"], "everything");
    assert!(logged(&server, "").await.is_empty());
    assert!(queued_scenarios(&server).await.is_empty());
    assert!(queued_faults(&server).await.is_empty());
    assert_eq!(
        server
            .get(&format!("/v1/customers/{mine}"), KEY)
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .get(&format!("/v1/customers/{theirs}"), OTHER_KEY)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_sessions_listing_shows_every_session_with_its_outcome_and_filters_by_key() {
    let server = TestServer::start_fc().await;
    let mine = customer_as(&server, KEY).await;
    let theirs = customer_as(&server, OTHER_KEY).await;
    let completed = session_as(&server, KEY, &mine).await;
    let pending = session_as(&server, OTHER_KEY, &theirs).await;
    let done = server
        .complete_session(
            &id_of(&completed),
            &json!({"outcome": "success", "accounts": ["success"]}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);

    let everything = control_get(&server, "/_fcmock/sessions").await;
    let only_theirs = control_get(&server, &format!("/_fcmock/sessions?api_key={OTHER_KEY}")).await;

    assert_eq!(everything.json["data"].as_array().map(Vec::len), Some(2));
    let completed_entry = listed_session(&server, &id_of(&completed)).await;
    assert_eq!(completed_entry["status"], "succeeded", "{completed_entry}");
    assert_eq!(completed_entry["institution"], "test_institution");
    assert_eq!(
        completed_entry["accounts"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(completed_entry["created"], CREATED);
    let pending_entry = listed_session(&server, &id_of(&pending)).await;
    assert_eq!(pending_entry["status"], "pending", "{pending_entry}");
    assert_eq!(ids(&only_theirs.json), [id_of(&pending)]);
    assert!(
        !everything.text.contains(OTHER_KEY),
        "keys are masked: {}",
        everything.text
    );
}

// ---------------------------------------------------------------------------------------
// OpenAPI, --no-control-api, --control-token
// ---------------------------------------------------------------------------------------

/// Every route of DESIGN.md's control-API table (except the SDK routes, which are checked
/// separately), plus the listings and per-session calls the control API also serves.
const CONTROL_ROUTES: &[(&str, &str)] = &[
    ("get", "/_fcmock/health"),
    ("get", "/_fcmock/tls/cert.pem"),
    ("get", "/_fcmock/openapi.json"),
    ("get", "/_fcmock/sessions"),
    ("post", "/_fcmock/sessions/{id}/complete"),
    ("post", "/_fcmock/sessions/{id}/scenario"),
    ("post", "/_fcmock/scenarios"),
    ("get", "/_fcmock/scenarios"),
    ("delete", "/_fcmock/scenarios"),
    ("post", "/_fcmock/refreshes/settle"),
    ("post", "/_fcmock/faults"),
    ("get", "/_fcmock/faults"),
    ("delete", "/_fcmock/faults"),
    ("get", "/_fcmock/requests"),
    ("get", "/_fcmock/clock"),
    ("post", "/_fcmock/clock"),
    ("get", "/_fcmock/state"),
    ("put", "/_fcmock/state"),
    ("post", "/_fcmock/reset"),
];

/// Routes served beside the table's core: DESIGN.md §2E's SDK outcome routes (src/auth_page),
/// the webhook controls (src/webhooks), and the dashboard with its feed and listings.
const OTHER_SERVED_ROUTES: &[(&str, &str)] = &[
    (
        "post",
        "/_fcmock/sdk/flutter/collect_financial_connections_accounts",
    ),
    ("post", "/_fcmock/sdk/flutter/collect_bank_account_token"),
    (
        "post",
        "/_fcmock/sdk/js/collect_financial_connections_accounts",
    ),
    ("post", "/_fcmock/sdk/js/collect_bank_account_token"),
    ("post", "/_fcmock/sdk/flutter/collect_bank_account"),
    ("post", "/_fcmock/sdk/flutter/verify_microdeposits"),
    ("post", "/_fcmock/sdk/js/collect_bank_account"),
    ("post", "/_fcmock/sdk/js/verify_microdeposits"),
    ("get", "/_fcmock/webhooks"),
    ("post", "/_fcmock/webhooks/flush"),
    ("get", "/_fcmock/webhooks/deliveries"),
    ("post", "/_fcmock/webhooks/deliveries/{id}/resend"),
    // The dashboard and the routes it reads (tests/integration/dashboard.rs).
    ("get", "/_fcmock/ui"),
    ("get", "/_fcmock/ui/app.js"),
    ("get", "/_fcmock/ui/app.css"),
    ("post", "/_fcmock/ui/login"),
    ("get", "/_fcmock/changes"),
    ("get", "/_fcmock/namespaces"),
    ("get", "/_fcmock/accounts"),
    ("get", "/_fcmock/refreshes"),
    ("get", "/_fcmock/institutions"),
    ("get", "/_fcmock/requests/{id}"),
    ("get", "/_fcmock/trigger"),
    ("post", "/_fcmock/trigger"),
];

async fn openapi(server: &TestServer) -> Value {
    let document = control_get(server, "/_fcmock/openapi.json").await;
    assert_eq!(document.status, 200, "{}", document.text);
    assert_eq!(document.header("content-type"), Some("application/json"));
    assert!(document.json.is_object(), "valid JSON: {}", document.text);
    document.json
}

/// Whether the control API serves `method path`, sent with an empty body (`{}` for POST and
/// PUT) and ids that name nothing. A served route answers 2xx, or refuses what it was sent:
/// 400 for a body it cannot use (`Invalid JSON body: missing field …`), or 404
/// `resource_missing` for an id that names nothing. A route the control API does not know
/// answers 404 without a code ("Unknown control API route: …", or "Unknown SDK route: …"
/// under `/_fcmock/sdk/`), or 405 for a known SDK path with another method; neither counts.
async fn is_served(server: &TestServer, method: &str, path: &str) -> bool {
    let method =
        Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("test methods are valid");
    let body = if method == Method::GET || method == Method::DELETE {
        ""
    } else {
        "{}"
    };
    let response = server
        .request(method, path, &[("content-type", "application/json")], body)
        .await;
    match response.status {
        200..=299 | 400 => true,
        404 => response.error("code") == Some("resource_missing"),
        _ => false,
    }
}

#[tokio::test]
async fn is_served_tells_served_routes_from_unknown_control_and_sdk_routes() {
    let server = TestServer::start().await;

    for (method, path) in [
        ("get", "/_fcmock/health"),
        ("post", "/_fcmock/sessions/fcsess_missing/complete"),
        ("post", "/_fcmock/sdk/js/collect_bank_account_token"),
    ] {
        assert!(is_served(&server, method, path).await, "{method} {path}");
    }
    for (method, path) in [
        ("get", "/_fcmock/nothing"),
        ("post", "/_fcmock/sdk/js/collect_nothing"),
        ("post", "/_fcmock/sdk/nothing/collect_bank_account_token"),
        ("post", "/_fcmock/sdk/js/collect_bank_account_token/more"),
        ("get", "/_fcmock/sdk/js/collect_bank_account_token"),
    ] {
        assert!(!is_served(&server, method, path).await, "{method} {path}");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_of_the_control_api() {
    let server = TestServer::start().await;

    let document = openapi(&server).await;

    assert!(document["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with('3')));
    for (method, path) in CONTROL_ROUTES {
        assert!(
            document["paths"][path][method].is_object(),
            "{} {path} is documented",
            method.to_uppercase()
        );
    }
}

#[tokio::test]
async fn every_route_the_openapi_document_lists_is_served() {
    let server = TestServer::start().await;
    let document = openapi(&server).await;
    let paths = document["paths"]
        .as_object()
        .cloned()
        .expect("the document has paths");

    let mut unserved = Vec::new();
    for (path, item) in &paths {
        let concrete = path.replace("{id}", "fcsess_missing");
        for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
            if !["get", "post", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            if !is_served(&server, method, &concrete).await {
                unserved.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }

    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn every_sdk_and_webhook_route_the_control_api_serves_is_in_the_openapi_document() {
    let server = TestServer::start().await;
    let document = openapi(&server).await;

    let mut unserved = Vec::new();
    let mut undocumented = Vec::new();
    for (method, path) in OTHER_SERVED_ROUTES {
        if !is_served(&server, method, path).await {
            unserved.push(format!("{} {path}", method.to_uppercase()));
        }
        if !document["paths"][path][method].is_object() {
            undocumented.push(format!("{} {path}", method.to_uppercase()));
        }
    }

    assert!(unserved.is_empty(), "listed but not served: {unserved:?}");
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
}

#[tokio::test]
async fn a_queued_cancel_makes_the_next_sessions_flutter_payload_canceled() {
    // Arrange
    let server = TestServer::start_fc().await;
    let customer = customer_as(&server, KEY).await;
    control_ok(
        &server,
        "/_fcmock/scenarios",
        &json!({"name": "user_cancels"}),
    )
    .await;
    let session = session_as(&server, KEY, &customer).await;
    let secret = session["client_secret"]
        .as_str()
        .expect("sessions have a client secret");

    // Act
    let android = server
        .control(
            "/_fcmock/sdk/flutter/collect_financial_connections_accounts",
            &json!({"clientSecret": secret, "platform": "android"}),
        )
        .await;

    // Assert
    assert_eq!(android.status, 200, "{}", android.text);
    assert_eq!(
        android.json["error"]["code"], "Canceled",
        "{}",
        android.text
    );
    assert!(android.json.get("session").is_none(), "{}", android.text);
    let unscripted = session_as(&server, KEY, &customer).await;
    let waited = server
        .control(
            "/_fcmock/sdk/flutter/collect_financial_connections_accounts",
            &json!({"clientSecret": unscripted["client_secret"], "platform": "ios"}),
        )
        .await;
    assert_ne!(
        waited.json["error"]["code"], "Canceled",
        "only the next session was scripted: {}",
        waited.text
    );
}

#[tokio::test]
async fn no_control_api_turns_control_routes_off_but_keeps_health_and_stripes_api() {
    let server = TestServer::start_with(|c| c.no_control_api = true).await;

    let health = control_get(&server, "/_fcmock/health").await;
    let stripe = server.get("/v1/customers", KEY).await;

    assert_eq!(health.status, 200);
    assert_eq!(health.json, json!({"status": "ok"}));
    assert_eq!(stripe.status, 200);
    for (method, path) in CONTROL_ROUTES
        .iter()
        .chain(OTHER_SERVED_ROUTES)
        .filter(|(_, p)| *p != "/_fcmock/health")
    {
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .expect("test methods are valid");
        let path = path.replace("{id}", "fcsess_x");
        let response = server
            .request(
                method.clone(),
                &path,
                &[("content-type", "application/json")],
                "{}",
            )
            .await;
        assert_eq!(response.status, 404, "{method} {path}: {}", response.text);
    }
    assert!(server.app.control.faults.list().is_empty());
}

#[tokio::test]
async fn a_control_token_is_required_when_one_is_set() {
    let server = TestServer::start_with(|c| c.control_token = Some("qa-s3cret".into())).await;

    let without = control_get(&server, "/_fcmock/scenarios").await;
    let wrong = server
        .request(
            Method::GET,
            "/_fcmock/scenarios",
            &[("authorization", "Bearer nope")],
            "",
        )
        .await;
    let bearer = server
        .request(
            Method::GET,
            "/_fcmock/scenarios",
            &[("authorization", "Bearer qa-s3cret")],
            "",
        )
        .await;
    let header = server
        .request(
            Method::GET,
            "/_fcmock/scenarios",
            &[("x-fcmock-token", "qa-s3cret")],
            "",
        )
        .await;
    let unauthorised_write = server
        .control("/_fcmock/faults", &json!({"status": 500}))
        .await;
    let health = control_get(&server, "/_fcmock/health").await;

    assert_eq!(without.status, 401, "{}", without.text);
    assert!(without
        .error("message")
        .is_some_and(|m| m.contains("--control-token")));
    assert_eq!(wrong.status, 401);
    assert_eq!(bearer.status, 200, "{}", bearer.text);
    assert_eq!(header.status, 200, "{}", header.text);
    assert_eq!(unauthorised_write.status, 401);
    assert!(
        server.app.control.faults.list().is_empty(),
        "nothing was queued"
    );
    assert_eq!(health.status, 200, "the health check needs no token");
}

// ---------------------------------------------------------------------------------------
// Keys in parallel
// ---------------------------------------------------------------------------------------

/// What one client (one key) does and sees: its own scenario, its own fault, its own objects.
async fn isolated_client(server: &TestServer, key: &'static str, outcome: &str) -> String {
    control_ok(
        server,
        "/_fcmock/scenarios",
        &json!({"outcome": outcome, "api_key": key, "count": 2}),
    )
    .await;
    control_ok(
        server,
        "/_fcmock/faults",
        &json!({"method": "GET", "path_prefix": "/v1/customers/", "status": 503, "api_key": key}),
    )
    .await;
    let customer = customer_as(server, key).await;
    let first = session_as(server, key, &customer).await;
    let second = session_as(server, key, &customer).await;
    let faulted = server.get(&format!("/v1/customers/{customer}"), key).await;
    let retrieved = server.get(&format!("/v1/customers/{customer}"), key).await;
    assert_eq!(
        faulted.status, 503,
        "{key}: its own fault hits it once: {}",
        faulted.text
    );
    assert_eq!(retrieved.status, 200, "{key}: {}", retrieved.text);
    let first_outcome = scripted_outcome(server, &id_of(&first)).await;
    let second_outcome = scripted_outcome(server, &id_of(&second)).await;
    assert_eq!(first_outcome, outcome, "{key} got its own scenario");
    assert_eq!(second_outcome, outcome, "{key} got its own scenario twice");
    let listed = server.get("/v1/customers", key).await;
    assert_eq!(
        ids(&listed.json),
        std::slice::from_ref(&customer),
        "{key} sees only its own customer"
    );
    customer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_clients_with_different_keys_never_see_each_others_scenarios_faults_or_objects() {
    // Arrange
    let server = TestServer::start_fc().await;

    // Act: three keys script, fault and create at the same time.
    let (a, b, c) = tokio::join!(
        isolated_client(&server, KEY, "cancel"),
        isolated_client(&server, OTHER_KEY, "success"),
        isolated_client(&server, THIRD_KEY, "cancel"),
    );

    // Assert: no key can reach another's objects; every queue is used up exactly.
    for (key, foreign) in [(KEY, &b), (OTHER_KEY, &c), (THIRD_KEY, &a)] {
        let response = server.get(&format!("/v1/customers/{foreign}"), key).await;
        assert_eq!(
            response.status, 404,
            "{key} cannot see {foreign}: {}",
            response.text
        );
    }
    assert!(queued_scenarios(&server).await.is_empty());
    assert!(queued_faults(&server).await.is_empty());
    for key in [KEY, OTHER_KEY, THIRD_KEY] {
        let statuses: Vec<u64> = logged(&server, &format!("?api_key={key}"))
            .await
            .iter()
            .filter_map(|e| e["status"].as_u64())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 503).count(),
            1,
            "{key}: {statuses:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The fcmock binary: --state-file across SIGTERM, a corrupt state file, --scenario
// ---------------------------------------------------------------------------------------

/// The `fcmock` binary, started as a child process and killed if a test fails early.
mod binary {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// A running (or exited) fcmock and everything it wrote to stderr.
    pub struct Fcmock {
        child: Child,
        stderr: Arc<Mutex<String>>,
    }

    impl Fcmock {
        /// Starts `fcmock --port 0 ARGS…`, with logging at info so the listen line appears.
        pub fn start(args: &[&str]) -> Self {
            let mut child = Command::new(env!("CARGO_BIN_EXE_fcmock"))
                .args(["--port", "0", "--host", "127.0.0.1"])
                .args(args)
                .env("FCMOCK_LOG", "info")
                .env_remove("PORT")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the fcmock binary starts");
            let stderr = Arc::new(Mutex::new(String::new()));
            let pipe = child.stderr.take().expect("stderr is piped");
            let sink = Arc::clone(&stderr);
            // Drained on a thread so a chatty server never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut all = sink.lock().expect("the stderr buffer is never poisoned");
                    all.push_str(&line);
                    all.push('\n');
                }
            });
            Fcmock { child, stderr }
        }

        /// Everything written to stderr so far.
        pub fn stderr(&self) -> String {
            self.stderr
                .lock()
                .expect("the stderr buffer is never poisoned")
                .clone()
        }

        /// The `host:port` it listens on, from its "listening on http://…" log line.
        pub fn addr(&mut self) -> String {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                let stderr = self.stderr();
                if let Some(rest) = stderr.split("listening on http://").nth(1) {
                    let addr: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == ':')
                        .collect();
                    return addr;
                }
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("fcmock exited ({status}) before listening: {stderr}");
                }
                assert!(Instant::now() < deadline, "fcmock did not start: {stderr}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        /// Waits for the process to exit on its own.
        pub fn wait(&mut self) -> ExitStatus {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(status) = self.child.try_wait().expect("the child can be polled") {
                    // Let the drain thread catch the last lines.
                    std::thread::sleep(Duration::from_millis(50));
                    return status;
                }
                assert!(
                    Instant::now() < deadline,
                    "fcmock did not exit: {}",
                    self.stderr()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        /// Sends SIGTERM (as Docker and CI runners do) and waits for the exit.
        pub fn terminate(&mut self) -> ExitStatus {
            let sent = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status()
                .expect("kill(1) runs");
            assert!(sent.success(), "SIGTERM was delivered");
            self.wait()
        }
    }

    impl Drop for Fcmock {
        fn drop(&mut self) {
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }

    /// One HTTP/1.1 exchange on a fresh connection (closed after the answer): status, body.
    pub fn http(
        addr: &str,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(addr).expect("fcmock accepts connections");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a timeout can be set");
        let auth = key
            .map(|k| format!("Authorization: Bearer {k}\r\n"))
            .unwrap_or_default();
        let content_type = if path.starts_with("/_fcmock") {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .expect("the request is written");
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .expect("the response arrives before the connection closes");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text
            .split_once("\r\n\r\n")
            .expect("a response has a head and a body");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        (status, body.to_string())
    }

    /// A fresh, empty directory for one test.
    pub fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fcmock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temp dir can be created");
        dir
    }

    /// The names of a directory's entries, sorted.
    pub fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("the temp dir is readable")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// `json[field]` as a string.
    pub fn field(json: &str, pointer: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(json).expect("fcmock answers JSON");
        value
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{pointer} in {json}"))
            .to_string()
    }
}

/// The queued scenarios and their remaining counts (queue ids are renumbered on import).
fn queued_outcomes(addr: &str) -> Vec<(Value, Value)> {
    let (status, listing) = binary::http(addr, "GET", "/_fcmock/scenarios", None, "");
    assert_eq!(status, 200, "{listing}");
    let listing: Value = serde_json::from_str(&listing).expect("the listing is JSON");
    listing["data"]
        .as_array()
        .expect("a listing has data")
        .iter()
        .map(|q| (q["remaining"].clone(), q["scenario"].clone()))
        .collect()
}

#[test]
fn sigterm_saves_the_state_file_atomically_and_a_restart_restores_every_object() {
    use binary::{entries, field, http, temp_dir, Fcmock};
    // Arrange: a running fcmock with a customer, a Connect account and a linked session.
    let dir = temp_dir("sigterm");
    let state_file = dir.join("state.json");
    let state_arg = state_file.to_string_lossy().into_owned();
    let mut first = Fcmock::start(&["--state-file", &state_arg]);
    let addr = first.addr();
    let key = "sk_test_binary_state";
    let (_, customer) = http(
        &addr,
        "POST",
        "/v1/customers",
        Some(key),
        "email=saved%40example.com",
    );
    let customer = field(&customer, "/id");
    let (_, connect) = http(
        &addr,
        "POST",
        "/v1/accounts",
        Some(key),
        "type=custom&country=US",
    );
    let connect = field(&connect, "/id");
    let (status, _) = http(
        &addr,
        "POST",
        "/_fcmock/scenarios",
        None,
        r#"{"outcome":"success","accounts":["success","savings"],"auto_complete":true}"#,
    );
    assert_eq!(status, 200);
    let (status, session) = http(
        &addr,
        "POST",
        "/v1/financial_connections/sessions",
        Some(key),
        &format!("account_holder[type]=customer&account_holder[customer]={customer}&permissions[]=balances"),
    );
    assert_eq!(status, 200, "{session}");
    let session = field(&session, "/id");
    let (status, _) = http(
        &addr,
        "POST",
        "/_fcmock/scenarios",
        None,
        r#"{"outcome":"cancel","count":2}"#,
    );
    assert_eq!(status, 200);
    let paths = [
        format!("/v1/customers/{customer}"),
        format!("/v1/accounts/{connect}"),
        format!("/v1/financial_connections/sessions/{session}"),
        format!("/v1/financial_connections/accounts?session={session}"),
        "/v1/customers".to_string(),
    ];
    let before: Vec<(u16, String)> = paths
        .iter()
        .map(|p| http(&addr, "GET", p, Some(key), ""))
        .collect();
    let scenarios_before = queued_outcomes(&addr);
    assert_eq!(scenarios_before.len(), 1, "the cancel scenario is queued");

    // Act
    let exit = first.terminate();

    // Assert: a clean exit, a complete file and no temporary file beside it.
    assert!(
        exit.success(),
        "exit 0 on SIGTERM: {exit} {}",
        first.stderr()
    );
    assert_eq!(
        entries(&dir),
        ["state.json"],
        "the temporary file was renamed into place"
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_file).expect("the state file exists"))
            .expect("the state file is complete JSON");
    assert_eq!(saved["fcmock_state_version"], 1);

    // Act: restart on the same file.
    let mut second = Fcmock::start(&["--state-file", &state_arg]);
    let addr = second.addr();

    // Assert: every object answers exactly as before.
    for (path, expected) in paths.iter().zip(&before) {
        assert_eq!(expected.0, 200, "GET {path} before: {}", expected.1);
        let after = http(&addr, "GET", path, Some(key), "");
        assert_eq!(&after, expected, "GET {path} after the restart");
    }
    assert_eq!(queued_outcomes(&addr), scenarios_before);
    assert!(second.terminate().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_corrupt_state_file_stops_start_up_names_the_file_and_is_left_untouched() {
    use binary::{entries, temp_dir, Fcmock};
    let dir = temp_dir("corrupt");
    let state_file = dir.join("corrupt-state.json");
    let corrupt = b"{\"fcmock_state_version\": 1, \"namespaces\": {\"sk_test_x\": [truncated";
    std::fs::write(&state_file, corrupt).expect("the corrupt file is written");
    let state_arg = state_file.to_string_lossy().into_owned();

    let mut fcmock = Fcmock::start(&["--state-file", &state_arg]);
    let exit = fcmock.wait();

    assert!(!exit.success(), "start-up fails: {exit}");
    let stderr = fcmock.stderr();
    assert!(
        stderr.contains(&state_arg),
        "stderr names the file: {stderr}"
    );
    assert_eq!(
        std::fs::read(&state_file).expect("the file is still there"),
        corrupt,
        "the file is byte-for-byte unchanged"
    );
    assert_eq!(
        entries(&dir),
        ["corrupt-state.json"],
        "nothing else was written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_state_file_of_another_version_stops_start_up() {
    use binary::{temp_dir, Fcmock};
    let dir = temp_dir("version");
    let state_file = dir.join("state.json");
    let future = br#"{"fcmock_state_version":2,"clock":{"Running":{"offset":0}},"namespaces":{}}"#;
    std::fs::write(&state_file, future).expect("the file is written");
    let state_arg = state_file.to_string_lossy().into_owned();

    let mut fcmock = Fcmock::start(&["--state-file", &state_arg]);
    let exit = fcmock.wait();

    assert!(!exit.success(), "start-up fails: {exit}");
    assert!(fcmock.stderr().contains(&state_arg), "{}", fcmock.stderr());
    assert_eq!(std::fs::read(&state_file).expect("still there"), future);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_scenario_flag_queues_that_scenario_file_at_start_up() {
    use binary::{http, Fcmock};
    let mut fcmock = Fcmock::start(&[
        "--scenario",
        "link_two_accounts_auto",
        "--scenario",
        "user_cancels",
    ]);
    let addr = fcmock.addr();

    let (status, listing) = http(&addr, "GET", "/_fcmock/scenarios", None, "");

    assert_eq!(status, 200, "{listing}");
    let listing: Value = serde_json::from_str(&listing).expect("JSON");
    let outcomes: Vec<&Value> = listing["data"]
        .as_array()
        .expect("a listing")
        .iter()
        .map(|q| &q["scenario"]["outcome"])
        .collect();
    assert_eq!(outcomes, [&json!("success"), &json!("cancel")]);
    assert_eq!(listing["data"][0]["scenario"]["auto_complete"], true);
    assert!(fcmock.terminate().success());
}

#[test]
fn an_unknown_scenario_flag_stops_start_up() {
    use binary::Fcmock;

    let mut fcmock = Fcmock::start(&["--scenario", "no_such_file"]);
    let exit = fcmock.wait();

    assert!(!exit.success());
    assert!(
        fcmock.stderr().contains("no_such_file"),
        "{}",
        fcmock.stderr()
    );
}
