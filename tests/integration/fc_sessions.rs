//! Financial Connections sessions: create and retrieve, headless completion through the
//! control API (success, cancel, failure, a down bank), filters and prefetch, and the
//! errors of a bad create.

use crate::support::{
    form, ids, snapshot_settings, TestResponse, TestServer, ALL_PERMISSIONS, CREATED, KEY,
};
use fcmock::model::financial_connections::SessionStatus;
use serde_json::{json, Value};

/// A new customer's id.
async fn customer(server: &TestServer) -> String {
    let customer = server
        .create_customer(&[("email", "jenny@example.com")])
        .await;
    customer["id"]
        .as_str()
        .expect("customers have ids")
        .to_string()
}

/// A new session for a new customer, with every permission.
async fn pending_session(server: &TestServer) -> String {
    let customer = customer(server).await;
    let session = server.create_session(&customer, ALL_PERMISSIONS, &[]).await;
    session["id"]
        .as_str()
        .expect("sessions have ids")
        .to_string()
}

/// How fcmock recorded the session's end (Stripe's server-side session has no `status`
/// in the GA schema, so this is read from the store): status and failure name.
fn recorded_outcome(server: &TestServer, id: &str) -> (SessionStatus, Option<String>) {
    let ns = server.app.store.namespace(KEY);
    let ns = ns.read();
    let session = ns.sessions.get(id).expect("the session is stored");
    let failure = session.failure.map(|f| f.as_str().to_string());
    (session.status, failure)
}

/// `POST /v1/financial_connections/sessions` for `customer` with these further pairs,
/// whatever the answer.
async fn post_session(server: &TestServer, customer: &str, pairs: &[(&str, &str)]) -> TestResponse {
    let mut all = vec![
        ("account_holder[type]", "customer"),
        ("account_holder[customer]", customer),
    ];
    all.extend_from_slice(pairs);
    server
        .post("/v1/financial_connections/sessions", KEY, &form(&all))
        .await
}

/// The ids of the accounts `GET /v1/financial_connections/accounts?session=…` lists.
async fn accounts_of_session(server: &TestServer, session: &str) -> Vec<String> {
    let listed = server
        .get(
            &format!("/v1/financial_connections/accounts?session={session}"),
            KEY,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    ids(&listed.json)
}

#[tokio::test]
async fn creating_a_session_returns_it_with_an_empty_account_list() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;

    let session = server
        .create_session(
            &customer,
            &["balances", "payment_method"],
            &[
                ("filters[country]", "US"),
                ("return_url", "https://example.com/return"),
            ],
        )
        .await;

    assert_eq!(session["object"], "financial_connections.session");
    assert!(session["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("fcsess_")));
    assert!(session["client_secret"]
        .as_str()
        .is_some_and(|s| s.starts_with("fcsess_client_secret_")));
    assert_eq!(
        session["account_holder"],
        json!({"customer": customer, "type": "customer"})
    );
    assert_eq!(session["accounts"]["data"], json!([]));
    assert_eq!(session["accounts"]["has_more"], false);
    assert_eq!(
        session["permissions"],
        json!(["balances", "payment_method"])
    );
    assert_eq!(
        session["filters"],
        json!({
            "account_subcategories": ["checking", "savings", "mortgage", "line_of_credit", "credit_card"],
            "country": "US",
            "require_payment_method_support": "none",
        })
    );
    assert_eq!(session["manual_entry"], json!({"mode": "disabled"}));
    assert_eq!(
        recorded_outcome(&server, session["id"].as_str().unwrap_or_default()).0,
        SessionStatus::Pending
    );
    snapshot_settings().bind(|| insta::assert_json_snapshot!("session_before_completion", session));
}

#[tokio::test]
async fn completing_a_session_links_one_active_account_per_selected_account() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let completed = server
        .complete_session(
            &session,
            &json!({"outcome": "success", "institution": "test_institution",
                    "accounts": ["success", "savings"]}),
        )
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    let accounts = completed.json["accounts"]["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a["display_name"].as_str())
        .collect();
    assert_eq!(names, ["Success", "Savings"]);
    assert_eq!(completed.json["accounts"]["has_more"], false);
    for account in &accounts {
        assert_eq!(account["status"], "active");
        assert_eq!(account["permissions"], json!(ALL_PERMISSIONS));
        assert_eq!(account["institution_name"], "StripeBank");
        assert_eq!(account["created"], CREATED);
    }
    assert_eq!(
        recorded_outcome(&server, &session),
        (SessionStatus::Succeeded, None)
    );
    // The control API answers with the session as the Stripe API shows it.
    let retrieved = server
        .get(
            &format!("/v1/financial_connections/sessions/{session}"),
            KEY,
        )
        .await;
    assert_eq!(retrieved.status, 200, "{}", retrieved.text);
    assert_eq!(retrieved.json, completed.json);
    snapshot_settings()
        .bind(|| insta::assert_json_snapshot!("session_after_completion", retrieved.json));
}

#[tokio::test]
async fn a_sessions_account_list_carries_only_the_fields_stripes_schema_declares() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let completed = server
        .complete_session(&session, &json!({"outcome": "success"}))
        .await;

    let keys: Vec<&str> = completed.json["accounts"]
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(keys, ["object", "data", "has_more", "url"]);
}

#[tokio::test]
async fn completing_without_a_selection_links_the_institutions_preselected_accounts() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let completed = server
        .complete_session(&session, &json!({"outcome": "success"}))
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    let accounts = &completed.json["accounts"]["data"];
    assert_eq!(accounts.as_array().map(Vec::len), Some(1));
    assert_eq!(accounts[0]["display_name"], "Success");
    assert_eq!(accounts[0]["last4"], "6789");
}

#[tokio::test]
async fn a_cancelled_session_links_no_accounts() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let completed = server
        .complete_session(&session, &json!({"outcome": "cancel"}))
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    assert_eq!(completed.json["accounts"]["data"], json!([]));
    assert_eq!(
        recorded_outcome(&server, &session),
        (SessionStatus::Cancelled, None)
    );
    assert!(accounts_of_session(&server, &session).await.is_empty());
}

#[tokio::test]
async fn a_failed_session_links_no_accounts() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let completed = server
        .complete_session(
            &session,
            &json!({"outcome": "failure", "failure": "login_failed"}),
        )
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    assert_eq!(completed.json["accounts"]["data"], json!([]));
    assert_eq!(
        recorded_outcome(&server, &session),
        (SessionStatus::Failed, Some("login_failed".into()))
    );
    assert!(accounts_of_session(&server, &session).await.is_empty());
}

#[tokio::test]
async fn a_session_at_a_bank_that_is_down_fails_and_links_no_accounts() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let completed = server
        .complete_session(
            &session,
            &json!({"outcome": "success", "institution": "down_bank_unscheduled"}),
        )
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    assert_eq!(completed.json["accounts"]["data"], json!([]));
    assert_eq!(
        recorded_outcome(&server, &session),
        (
            SessionStatus::Failed,
            Some("institution_down_unscheduled".into())
        )
    );
    assert!(accounts_of_session(&server, &session).await.is_empty());
}

#[tokio::test]
async fn completing_a_session_twice_is_refused_and_keeps_the_first_outcome() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;
    let first = server
        .complete_session(&session, &json!({"outcome": "success"}))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);

    let second = server
        .complete_session(&session, &json!({"outcome": "cancel"}))
        .await;

    assert_eq!(second.status, 400, "{}", second.text);
    assert_eq!(second.error("type"), Some("invalid_request_error"));
    assert!(second
        .error("message")
        .is_some_and(|m| m.contains("already been completed")));
    assert_eq!(
        recorded_outcome(&server, &session),
        (SessionStatus::Succeeded, None)
    );
    assert_eq!(
        accounts_of_session(&server, &session).await,
        ids(&first.json["accounts"])
    );
}

#[tokio::test]
async fn a_cancelled_session_cannot_be_completed_afterwards() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;
    server
        .complete_session(&session, &json!({"outcome": "cancel"}))
        .await;

    let again = server
        .complete_session(&session, &json!({"outcome": "success"}))
        .await;

    assert_eq!(again.status, 400, "{}", again.text);
    assert!(accounts_of_session(&server, &session).await.is_empty());
}

#[tokio::test]
async fn completing_an_unknown_session_returns_404() {
    let server = TestServer::start_fc().await;

    let response = server
        .complete_session("fcsess_nope", &json!({"outcome": "success"}))
        .await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn completing_at_an_unknown_institution_is_refused_and_leaves_the_session_pending() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let response = server
        .complete_session(
            &session,
            &json!({"outcome": "success", "institution": "no_such_bank"}),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("param"), Some("institution"));
    assert_eq!(
        recorded_outcome(&server, &session).0,
        SessionStatus::Pending
    );
}

#[tokio::test]
async fn a_session_for_a_customer_that_does_not_exist_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;

    let response = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[
                ("account_holder[type]", "customer"),
                ("account_holder[customer]", "cus_doesnotexist"),
                ("permissions[]", "balances"),
            ]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("account_holder[customer]"));
    assert_eq!(
        response.error("message"),
        Some("No such customer: 'cus_doesnotexist'")
    );
}

#[tokio::test]
async fn a_session_for_a_connect_account_that_does_not_exist_is_refused_with_resource_missing() {
    let server = TestServer::start_fc().await;

    let response = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[
                ("account_holder[type]", "account"),
                ("account_holder[account]", "acct_doesnotexist"),
                ("permissions[]", "payment_method"),
            ]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("account_holder[account]"));
}

#[tokio::test]
async fn a_session_without_permissions_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;

    let response = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[
                ("account_holder[type]", "customer"),
                ("account_holder[customer]", &customer),
            ]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("permissions"));
}

#[tokio::test]
async fn a_session_without_an_account_holder_is_refused_with_parameter_missing() {
    let server = TestServer::start_fc().await;

    let response = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[("permissions[]", "balances")]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("account_holder"));
}

#[tokio::test]
async fn a_session_with_an_unknown_parameter_is_refused_with_parameter_unknown() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;

    let response = post_session(
        &server,
        &customer,
        &[("permissions[]", "balances"), ("colour", "blue")],
    )
    .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_unknown"));
    assert_eq!(response.error("param"), Some("colour"));
    assert_eq!(
        response.error("message"),
        Some("Received unknown parameter: colour")
    );
}

#[tokio::test]
async fn a_session_with_an_unknown_permission_is_refused() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;

    let response = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[
                ("account_holder[type]", "customer"),
                ("account_holder[customer]", &customer),
                ("permissions[]", "telepathy"),
            ]),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert!(response
        .error("param")
        .is_some_and(|p| p.starts_with("permissions")));
}

#[tokio::test]
async fn retrieving_an_unknown_session_returns_404_resource_missing() {
    let server = TestServer::start_fc().await;

    let response = server
        .get("/v1/financial_connections/sessions/fcsess_nope", KEY)
        .await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("id"));
}

#[tokio::test]
async fn a_session_is_invisible_to_another_api_key() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    let response = server
        .get(
            &format!("/v1/financial_connections/sessions/{session}"),
            "sk_test_someone_else",
        )
        .await;

    assert_eq!(response.status, 404, "{}", response.text);
}

#[tokio::test]
async fn filters_account_subcategories_limit_the_accounts_a_session_links() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;
    let session = server
        .create_session(
            &customer,
            ALL_PERMISSIONS,
            &[("filters[account_subcategories][]", "savings")],
        )
        .await;
    let session = session["id"].as_str().expect("sessions have ids");
    assert_eq!(
        recorded_filters(&server, session),
        Some(vec!["savings".to_string()])
    );

    // Test Institution pre-selects only its checking account, which the filter excludes:
    // the user would pick the first savings account instead.
    let completed = server
        .complete_session(session, &json!({"outcome": "success"}))
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    let subcategories: Vec<&Value> = completed.json["accounts"]["data"]
        .as_array()
        .map(|a| a.iter().map(|a| &a["subcategory"]).collect())
        .unwrap_or_default();
    assert_eq!(subcategories, [&json!("savings")]);
}

#[tokio::test]
async fn an_explicit_account_outside_the_filters_is_refused_and_the_session_stays_pending() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;
    let session = server
        .create_session(
            &customer,
            ALL_PERMISSIONS,
            &[("filters[account_subcategories][]", "savings")],
        )
        .await;
    let session = session["id"].as_str().expect("sessions have ids");

    let response = server
        .complete_session(
            session,
            &json!({"outcome": "success", "accounts": ["success"]}),
        )
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("param"), Some("accounts"));
    assert_eq!(recorded_outcome(&server, session).0, SessionStatus::Pending);
    assert!(accounts_of_session(&server, session).await.is_empty());
}

/// The `account_subcategories` filter the store recorded for a session.
fn recorded_filters(server: &TestServer, id: &str) -> Option<Vec<String>> {
    let ns = server.app.store.namespace(KEY);
    let ns = ns.read();
    ns.sessions
        .get(id)
        .and_then(|s| s.filters.account_subcategories.clone())
        .map(|subcategories| {
            subcategories
                .iter()
                .map(|s| s.as_str().to_string())
                .collect()
        })
}

#[tokio::test]
async fn prefetch_starts_refreshes_as_soon_as_an_account_is_linked() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;
    let session = server
        .create_session(
            &customer,
            ALL_PERMISSIONS,
            &[("prefetch[]", "balances"), ("prefetch[]", "transactions")],
        )
        .await;
    assert_eq!(session["prefetch"], json!(["balances", "transactions"]));
    let session = session["id"].as_str().expect("sessions have ids");

    let completed = server
        .complete_session(session, &json!({"outcome": "success"}))
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    let account = &completed.json["accounts"]["data"][0];
    assert_eq!(
        account["balance_refresh"],
        json!({"last_attempted_at": CREATED, "next_refresh_available_at": null, "status": "pending"})
    );
    assert_eq!(account["transaction_refresh"]["status"], "pending");
    assert!(account["transaction_refresh"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("fctxnref_")));
    assert_eq!(account["ownership_refresh"], Value::Null);
    assert_eq!(server.settle().await, 2);
    let id = account["id"].as_str().expect("accounts have ids");
    let refreshed = server
        .get(&format!("/v1/financial_connections/accounts/{id}"), KEY)
        .await;
    assert_eq!(refreshed.json["balance"]["current"], json!({"usd": 6000}));
    assert_eq!(refreshed.json["transaction_refresh"]["status"], "succeeded");
}

#[tokio::test]
async fn prefetch_of_a_feature_without_its_permission_starts_nothing() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;
    let session = server
        .create_session(
            &customer,
            &["payment_method"],
            &[("prefetch[]", "balances")],
        )
        .await;
    let session = session["id"].as_str().expect("sessions have ids");

    let completed = server
        .complete_session(session, &json!({"outcome": "success"}))
        .await;

    assert_eq!(completed.status, 200, "{}", completed.text);
    assert_eq!(
        completed.json["accounts"]["data"][0]["balance_refresh"],
        Value::Null
    );
    assert_eq!(server.settle().await, 0);
}

/// The types of the Financial Connections events recorded in the test key's namespace,
/// oldest first.
fn event_types(server: &TestServer) -> Vec<String> {
    let ns = server.app.store.namespace(KEY);
    let ns = ns.read();
    ns.events
        .iter()
        .map(|e| e.event_type.to_string())
        .filter(|t| t.starts_with("financial_connections."))
        .collect()
}

#[tokio::test]
async fn completing_a_session_records_one_account_created_event_per_linked_account() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    server
        .complete_session(
            &session,
            &json!({"outcome": "success", "accounts": ["success", "savings"]}),
        )
        .await;

    assert_eq!(
        event_types(&server),
        [
            "financial_connections.account.created",
            "financial_connections.account.created"
        ]
    );
}

#[tokio::test]
async fn a_cancelled_session_records_no_financial_connections_event() {
    let server = TestServer::start_fc().await;
    let session = pending_session(&server).await;

    server
        .complete_session(&session, &json!({"outcome": "cancel"}))
        .await;

    assert!(event_types(&server).is_empty());
}

#[tokio::test]
async fn a_prefetch_outside_stripes_values_is_refused_naming_them() {
    let server = TestServer::start_fc().await;
    let customer = customer(&server).await;

    let response = post_session(
        &server,
        &customer,
        &[
            ("permissions[]", "payment_method"),
            ("prefetch[]", "payment_method"),
        ],
    )
    .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(response.error("param"), Some("prefetch[0]"));
    assert_eq!(
        response.error("message"),
        Some("Invalid prefetch[0]: must be one of balances, ownership, or transactions")
    );
}
