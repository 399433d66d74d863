//! The SDKs' client-side endpoints (publishable key + client secret): synchronize's
//! manifest, session_receipt, list_accounts, complete, generate_hosted_url, and their errors.
//! Also the helpers the other client-side modules (auth_page, tokens, sdk_results) share.

use crate::support::{form, TestServer, KEY};
use hyper::Method;
use serde_json::{json, Value};

/// The publishable key the client-side tests use.
pub const PK: &str = "pk_test_integration";

/// Fields the Android and iOS manifest models require (research/client-side.md §3.2, the
/// union of both lists).
pub const MANIFEST_REQUIRED: &[&str] = &[
    "allow_manual_entry",
    "consent_required",
    "consent_acquired_at",
    "custom_manual_entry_handling",
    "disable_link_more_accounts",
    "id",
    "instant_verification_disabled",
    "institution_search_disabled",
    "app_verification_enabled",
    "livemode",
    "manual_entry_uses_microdeposits",
    "mobile_handoff_enabled",
    "next_pane",
    "manual_entry_mode",
    "permissions",
    "product",
    "single_account",
    "use_single_sort_search",
];

/// A Custom Connect account and a token-collecting session for it (what flutter_stripe's
/// example server creates): returns (account id, session).
pub async fn token_session(server: &TestServer) -> (String, Value) {
    let account = server
        .post(
            "/v1/accounts",
            KEY,
            &form(&[("type", "custom"), ("country", "US")]),
        )
        .await;
    assert_eq!(account.status, 200, "{}", account.text);
    let account_id = account.json["id"].as_str().expect("an id").to_string();
    let session = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[
                ("account_holder[type]", "account"),
                ("account_holder[account]", &account_id),
                ("filters[country]", "US"),
                ("permissions[]", "ownership"),
                ("permissions[]", "payment_method"),
            ]),
        )
        .await;
    assert_eq!(session.status, 200, "{}", session.text);
    (account_id, session.json)
}

/// A customer and a session for it (no token): returns the session.
pub async fn customer_session(server: &TestServer) -> Value {
    let customer = server.create_customer(&[("email", "c@example.com")]).await;
    let id = customer["id"].as_str().expect("an id");
    server
        .create_session(id, &["balances", "payment_method"], &[])
        .await
}

/// A session's client secret.
pub fn secret(session: &Value) -> String {
    session["client_secret"]
        .as_str()
        .expect("sessions have a client secret")
        .to_string()
}

/// `POST …/sessions/synchronize` with the publishable key.
pub async fn synchronize(
    server: &TestServer,
    client_secret: &str,
    extra: &[(&str, &str)],
) -> Value {
    let mut pairs = vec![
        ("client_secret", client_secret),
        ("expand[]", "manifest.active_auth_session"),
        ("locale", "en-US"),
        ("mobile[fullscreen]", "true"),
        ("mobile[hide_close_button]", "true"),
        ("mobile[forced_authflow_version]", "v3"),
    ];
    pairs.extend_from_slice(extra);
    let response = server
        .post(
            "/v1/financial_connections/sessions/synchronize",
            PK,
            &form(&pairs),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

/// `GET /v1/link_account_sessions/session_receipt`.
pub async fn receipt(server: &TestServer, client_secret: &str) -> crate::support::TestResponse {
    server
        .get(
            &format!("/v1/link_account_sessions/session_receipt?client_secret={client_secret}"),
            PK,
        )
        .await
}

/// A form post to the hosted page (no key: it is a browser).
pub async fn page_post(
    server: &TestServer,
    pairs: &[(&str, &str)],
) -> crate::support::TestResponse {
    server
        .request(
            Method::POST,
            "/hosted/auth",
            &[("content-type", "application/x-www-form-urlencoded")],
            form(pairs),
        )
        .await
}

/// A page GET (no key).
pub async fn page_get(server: &TestServer, path: &str) -> crate::support::TestResponse {
    server.request(Method::GET, path, &[], "").await
}

#[tokio::test]
async fn synchronize_returns_every_manifest_field_both_sdks_require_and_forces_the_web_flow() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let body = synchronize(&server, &secret(&session), &[]).await;

    let manifest = &body["manifest"];
    for field in MANIFEST_REQUIRED {
        assert!(
            manifest.get(*field).is_some(),
            "manifest lacks {field}: {manifest}"
        );
    }
    assert!(manifest["consent_acquired_at"].is_null());
    assert_eq!(manifest["id"], session["id"]);
    assert_eq!(manifest["permissions"], session["permissions"]);
    assert!(manifest.get("features").is_none());
    assert!(manifest.get("experiment_assignments").is_none());
    let hosted = manifest["hosted_auth_url"].as_str().expect("a hosted URL");
    assert!(hosted.contains('?'), "Android appends with &: {hosted}");
    assert!(hosted.starts_with(&format!("http://{}/hosted/auth?", server.addr)));
    // A plain browser returns to fcmock's own done pages.
    assert_eq!(
        manifest["success_url"],
        format!("http://{}/hosted/done/success", server.addr)
    );
    assert_eq!(
        manifest["cancel_url"],
        format!("http://{}/hosted/done/cancel", server.addr)
    );
    // `text` may be null; `visual` is non-null in both SDKs (tests/integration/sdk_models.rs
    // decodes it field by field).
    assert!(body.get("text").is_some());
    assert!(body["visual"].is_object(), "{}", body["visual"]);
}

#[tokio::test]
async fn synchronize_for_android_answers_exactly_the_redirect_activitys_urls() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let body = synchronize(
        &server,
        &secret(&session),
        &[
            ("emit_events", "true"),
            ("mobile[application_id]", "com.example.app"),
            ("mobile[supports_app_verification]", "false"),
        ],
    )
    .await;

    let manifest = &body["manifest"];
    assert_eq!(
        manifest["success_url"],
        "stripe-auth://link-accounts/com.example.app/success"
    );
    assert_eq!(
        manifest["cancel_url"],
        "stripe-auth://link-accounts/com.example.app/cancel"
    );
    assert!(manifest["hosted_auth_url"]
        .as_str()
        .is_some_and(|u| u.contains("&return=0")));
}

#[tokio::test]
async fn synchronize_for_ios_builds_the_urls_from_the_apps_return_scheme() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let body = synchronize(
        &server,
        &secret(&session),
        &[(
            "mobile[app_return_url]",
            "flutterstripe://financial_connections_redirect",
        )],
    )
    .await;

    assert_eq!(
        body["manifest"]["success_url"],
        "flutterstripe://link-accounts/success"
    );
    assert_eq!(
        body["manifest"]["cancel_url"],
        "flutterstripe://link-accounts/cancel"
    );
}

#[tokio::test]
async fn client_side_endpoints_refuse_a_secret_key() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let response = server
        .post(
            "/v1/financial_connections/sessions/synchronize",
            KEY,
            &form(&[("client_secret", &secret(&session))]),
        )
        .await;

    assert_eq!(response.status, 401, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
}

#[tokio::test]
async fn an_unknown_client_secret_is_a_stripe_resource_missing_error() {
    let server = TestServer::start_fc().await;

    let response = receipt(&server, "fcsess_client_secret_nope").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("resource_missing"));
    assert_eq!(response.error("param"), Some("client_secret"));
}

#[tokio::test]
async fn a_session_id_is_not_accepted_as_a_client_secret() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let response = receipt(&server, session["id"].as_str().expect("an id")).await;

    assert_eq!(response.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn the_receipt_of_a_pending_session_has_status_pending_and_no_accounts() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let response = receipt(&server, &secret(&session)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let body = &response.json;
    assert_eq!(body["id"], session["id"]);
    assert_eq!(body["client_secret"], session["client_secret"]);
    assert_eq!(body["livemode"], false);
    assert_eq!(body["status"], "pending");
    assert!(body["status_details"].is_null());
    assert!(body["bank_account_token"].is_null());
    assert_eq!(body["accounts"]["data"], json!([]));
    assert_eq!(body["accounts"]["has_more"], false);
}

#[tokio::test]
async fn the_receipt_after_success_lists_the_linked_accounts() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(
            id,
            &json!({"outcome": "success", "accounts": ["success", "savings"]}),
        )
        .await;

    let response = receipt(&server, &secret(&session)).await;

    let body = &response.json;
    assert_eq!(body["status"], "succeeded");
    let accounts = body["accounts"]["data"].as_array().expect("a list");
    assert_eq!(accounts.len(), 2);
    for account in accounts {
        // iOS and Android require these (research §3.3).
        for field in [
            "id",
            "object",
            "created",
            "institution_name",
            "livemode",
            "supported_payment_method_types",
            "category",
            "status",
            "subcategory",
        ] {
            assert!(account.get(field).is_some(), "account lacks {field}");
        }
        assert_eq!(account["object"], "financial_connections.account");
    }
}

#[tokio::test]
async fn the_receipt_of_a_cancelled_session_says_why_it_was_cancelled() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(id, &json!({"outcome": "cancel"}))
        .await;

    let response = receipt(&server, &secret(&session)).await;

    assert_eq!(response.status, 200);
    assert_eq!(response.json["status"], "cancelled");
    assert_eq!(
        response.json["status_details"],
        json!({"cancelled": {"reason": "other"}})
    );
}

#[tokio::test]
async fn the_receipt_of_a_failed_session_answers_each_failures_error() {
    let expected = [
        (
            "institution_down_scheduled",
            400,
            Some("institution_unavailable_planned"),
        ),
        (
            "institution_down_unscheduled",
            400,
            Some("institution_unavailable_unplanned"),
        ),
        ("institution_error", 400, Some("institution_timeout")),
        ("login_failed", 400, Some("authorization_failed")),
        ("no_accounts", 400, Some("accounts_unavailable")),
        ("session_expired", 400, Some("session_expired")),
        ("api_error", 500, None),
    ];
    let server = TestServer::start_fc().await;
    for (failure, status, code) in expected {
        let session = customer_session(&server).await;
        let id = session["id"].as_str().expect("an id");
        server
            .complete_session(id, &json!({"outcome": "failure", "failure": failure}))
            .await;

        let response = receipt(&server, &secret(&session)).await;

        assert_eq!(response.status, status, "{failure}: {}", response.text);
        assert_eq!(response.error("code"), code, "{failure}");
        let list = server
            .get(
                &format!(
                    "/v1/link_account_sessions/list_accounts?client_secret={}",
                    secret(&session)
                ),
                PK,
            )
            .await;
        assert_eq!(list.status, status, "{failure}: list_accounts");
    }
}

#[tokio::test]
async fn list_accounts_pages_with_starting_after() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(
            id,
            &json!({"outcome": "success", "accounts": ["success", "savings", "insufficient_funds"]}),
        )
        .await;
    let path = format!(
        "/v1/link_account_sessions/list_accounts?client_secret={}&limit=2",
        secret(&session)
    );

    let first = server.get(&path, PK).await;
    let last_id = first.json["data"][1]["id"]
        .as_str()
        .expect("two accounts")
        .to_string();
    let second = server
        .get(&format!("{path}&starting_after={last_id}"), PK)
        .await;

    assert_eq!(first.json["has_more"], true);
    assert_eq!(first.json["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(second.json["has_more"], false);
    assert_eq!(second.json["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        second.json["url"],
        "/v1/link_account_sessions/list_accounts"
    );
}

#[tokio::test]
async fn complete_ends_a_pending_session_as_cancelled_when_nothing_was_linked() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let response = server
        .post(
            "/v1/link_account_sessions/complete",
            PK,
            &form(&[("client_secret", &secret(&session))]),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["status"], "cancelled");
}

#[tokio::test]
async fn generate_hosted_url_answers_a_manifest_for_legacy_sdks() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let response = server
        .post(
            "/v1/link_account_sessions/generate_hosted_url",
            PK,
            &form(&[
                ("client_secret", &secret(&session)),
                ("fullscreen", "true"),
                ("hide_close_button", "true"),
                ("application_id", "com.example.legacy"),
            ]),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["success_url"],
        "stripe-auth://link-accounts/com.example.legacy/success"
    );
    assert!(response.json["hosted_auth_url"]
        .as_str()
        .is_some_and(|u| u.contains('?')));
}

#[tokio::test]
async fn a_connected_accounts_stripe_account_header_is_accepted_on_client_side_calls() {
    // flutter_stripe sends `connectedAccountId` as `Stripe-Account` on the SDK's calls.
    let server = TestServer::start().await;
    let (account, session) = token_session(&server).await;

    let response = server
        .request(
            hyper::Method::GET,
            &format!(
                "/v1/link_account_sessions/session_receipt?client_secret={}",
                secret(&session)
            ),
            &[
                ("authorization", &crate::support::bearer(PK)),
                ("stripe-account", &account),
            ],
            String::new(),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["id"], session["id"]);
}

#[tokio::test]
async fn the_example_backend_hands_out_a_connect_or_customer_session_with_cors() {
    let server = TestServer::start().await;
    let preflight = server
        .request(Method::OPTIONS, "/financial-connections-sheet", &[], "")
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));

    for (query, holder_type) in [("", "account"), ("?holder=customer", "customer")] {
        let answer = server
            .request(
                Method::POST,
                &format!("/financial-connections-sheet{query}"),
                &[],
                "",
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
        let secret = answer.json["clientSecret"]
            .as_str()
            .expect("a client secret");
        let receipt = server
            .get(
                &format!("/v1/link_account_sessions/session_receipt?client_secret={secret}"),
                PK,
            )
            .await;
        assert_eq!(receipt.status, 200, "{}", receipt.text);
        assert_eq!(receipt.json["account_holder"]["type"], holder_type);
        assert_eq!(
            receipt.json["permissions"],
            json!(["ownership", "payment_method"])
        );
        // The objects live in the example key's namespace, where a backend can read them.
        let id = receipt.json["id"].as_str().expect("id");
        let seen = server
            .get(
                &format!("/v1/financial_connections/sessions/{id}"),
                "sk_test_fcmock_example",
            )
            .await;
        assert_eq!(seen.status, 200, "{}", seen.text);
    }
}
