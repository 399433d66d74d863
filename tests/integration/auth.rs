//! API keys: how a key is sent, which keys are refused and how (wire-format.md §1j), the
//! namespace each key sees, `--api-key`, and `Stripe-Account`.

use crate::support::{bearer, ids, snapshot_settings, TestServer, KEY};
use base64::Engine;
use hyper::Method;

const NO_KEY: &str = "You did not provide an API key. You need to provide your API key in the \
    Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). \
    See https://stripe.com/docs/api#authentication for details, or we can help at \
    https://support.stripe.com/.";

#[tokio::test]
async fn a_bearer_key_is_accepted() {
    let server = TestServer::start().await;

    let response = server
        .request(
            Method::GET,
            "/v1/customers",
            &[("authorization", "Bearer sk_test_integration")],
            "",
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_basic_auth_key_is_accepted_and_sees_the_bearer_namespace() {
    let server = TestServer::start().await;
    let customer = server.create_customer(&[("name", "Jenny")]).await;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"))
    );

    let response = server
        .request(
            Method::GET,
            "/v1/customers",
            &[("authorization", &basic)],
            "",
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(ids(&response.json), [customer["id"].as_str().expect("id")]);
}

#[tokio::test]
async fn a_request_without_a_key_gets_401_without_a_code() {
    let server = TestServer::start().await;

    let response = server.request(Method::GET, "/v1/customers", &[], "").await;

    assert_eq!(response.status, 401, "{}", response.text);
    assert_eq!(response.error("message"), Some(NO_KEY));
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(
        response.error_keys(),
        ["message", "type"],
        "a 401 has no code, doc_url or request_log_url"
    );
    snapshot_settings().bind(|| insta::assert_json_snapshot!(response.json));
}

#[tokio::test]
async fn unusable_authorization_headers_get_401_without_a_code() {
    let server = TestServer::start().await;

    for header in [
        "Bearer ",
        "Bearer nope",
        "Bearer not a key",
        "Token x",
        "Basic !!!",
        "sk_test_integration",
    ] {
        let response = server
            .request(
                Method::GET,
                "/v1/customers",
                &[("authorization", header)],
                "",
            )
            .await;

        assert_eq!(response.status, 401, "{header:?}: {}", response.text);
        assert_eq!(response.error_keys(), ["message", "type"], "{header:?}");
        assert_eq!(response.error("type"), Some("invalid_request_error"));
    }
}

#[tokio::test]
async fn an_invalid_key_is_named_masked_in_the_message() {
    let server = TestServer::start().await;

    let response = server.get("/v1/customers", "sk_nottest_1234567890").await;

    assert_eq!(response.status, 401, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("Invalid API Key provided: sk_nottest_******7890")
    );
}

#[tokio::test]
async fn live_keys_are_always_refused() {
    let server = TestServer::start().await;

    for key in [
        "sk_live_51Hsecretvalue1234",
        "rk_live_51Hsecretvalue1234",
        "pk_live_51Hsecretvalue1234",
    ] {
        let response = server.get("/v1/customers", key).await;

        assert_eq!(response.status, 401, "{key}: {}", response.text);
        assert_eq!(response.error_keys(), ["message", "type"], "{key}");
        let message = response.error("message").unwrap_or_default();
        assert!(
            message.contains("fcmock is a local test double of Stripe and never accepts live keys"),
            "{message}"
        );
        assert!(!message.contains(key), "the key is masked: {message}");
        assert!(
            message.contains("1234"),
            "the key's last four characters stay visible: {message}"
        );
    }
}

#[tokio::test]
async fn a_publishable_key_on_customers_gets_secret_key_required() {
    let server = TestServer::start().await;

    let response = server.get("/v1/customers", "pk_test_integration").await;

    assert_eq!(response.status, 401, "{}", response.text);
    assert_eq!(response.error("code"), Some("secret_key_required"));
    assert_eq!(
        response.error("doc_url"),
        Some("https://stripe.com/docs/error-codes/secret-key-required")
    );
    assert_eq!(
        response.error("message"),
        Some(
            "This API call cannot be made with a publishable API key. Please use a secret API key. You \
             can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
        )
    );
}

#[tokio::test]
async fn two_keys_never_see_each_others_customers() {
    let server = TestServer::start().await;
    let mine = server.create_customer(&[("name", "mine")]).await;
    let id = mine["id"].as_str().expect("id");
    let other = "sk_test_someone_else";

    let other_list = server.get("/v1/customers", other).await;
    let other_retrieve = server.get(&format!("/v1/customers/{id}"), other).await;
    let other_delete = server.delete(&format!("/v1/customers/{id}"), other).await;

    assert_eq!((other_list.status, ids(&other_list.json).len()), (200, 0));
    assert_eq!(other_retrieve.status, 404, "{}", other_retrieve.text);
    assert_eq!(other_delete.status, 404, "{}", other_delete.text);
    assert_eq!(
        server.get(&format!("/v1/customers/{id}"), KEY).await.json,
        mine
    );
}

#[tokio::test]
async fn with_an_api_key_configured_only_that_key_is_accepted() {
    let server =
        TestServer::start_with(|config| config.api_key = Some("sk_test_the_only_key".to_string()))
            .await;

    let configured = server.get("/v1/customers", "sk_test_the_only_key").await;
    let other = server.get("/v1/customers", KEY).await;

    assert_eq!(configured.status, 200, "{}", configured.text);
    assert_eq!(other.status, 401, "{}", other.text);
    assert_eq!(
        other.error("message"),
        Some("Invalid API Key provided: sk_test_*******tion")
    );
}

/// Creates a Connect account with `KEY` and returns its id.
async fn create_account(server: &TestServer, key: &str) -> String {
    let response = server
        .post("/v1/accounts", key, "type=custom&country=US")
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json["id"]
        .as_str()
        .expect("accounts have ids")
        .to_string()
}

#[tokio::test]
async fn stripe_account_scopes_objects_to_the_connected_account() {
    let server = TestServer::start().await;
    let account = create_account(&server, KEY).await;
    let auth = bearer(KEY);
    let as_account = [
        ("authorization", auth.as_str()),
        ("stripe-account", account.as_str()),
    ];
    let platform = server.create_customer(&[("name", "platform")]).await;

    let created = server
        .post_with(
            "/v1/customers",
            KEY,
            &[("stripe-account", account.as_str())],
            "name=connected",
        )
        .await;
    let connected_id = created.json["id"].as_str().unwrap_or_default().to_string();
    let connected_list = server
        .request(Method::GET, "/v1/customers", &as_account, "")
        .await;
    let platform_list = server.get("/v1/customers", KEY).await;
    let platform_retrieve = server
        .get(&format!("/v1/customers/{connected_id}"), KEY)
        .await;

    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(ids(&connected_list.json), [connected_id]);
    assert_eq!(
        ids(&platform_list.json),
        [platform["id"].as_str().expect("id")]
    );
    assert_eq!(
        platform_retrieve.status, 404,
        "the platform does not see the account's customer"
    );
}

#[tokio::test]
async fn an_unknown_stripe_account_is_refused_with_403() {
    let server = TestServer::start().await;
    let auth = bearer(KEY);

    let response = server
        .request(
            Method::GET,
            "/v1/customers",
            &[
                ("authorization", &auth),
                ("stripe-account", "acct_nonexistent"),
            ],
            "",
        )
        .await;

    assert_eq!(response.status, 403, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(
        response.error("message"),
        Some(
            "The provided key 'sk_test_*******tion' does not have access to account 'acct_nonexistent' \
             (or that account does not exist). Application access may have been revoked."
        )
    );
}

#[tokio::test]
async fn a_stripe_account_header_that_is_no_account_id_is_masked_in_the_error() {
    let server = TestServer::start().await;
    let auth = bearer(KEY);

    let response = server
        .request(
            Method::GET,
            "/v1/customers",
            &[
                ("authorization", &auth),
                ("stripe-account", "sk_test_misplaced_secret_key"),
            ],
            "",
        )
        .await;

    assert_eq!(response.status, 403, "{}", response.text);
    let message = response.error("message").unwrap_or_default();
    assert!(!message.contains("misplaced_secret"), "{message}");
    assert!(
        message.contains("account 'sk_test_****************_key'"),
        "{message}"
    );
}

#[tokio::test]
async fn another_keys_account_cannot_be_used_as_stripe_account() {
    let server = TestServer::start().await;
    let account = create_account(&server, "sk_test_other_platform").await;

    let response = server
        .post_with(
            "/v1/customers",
            KEY,
            &[("stripe-account", account.as_str())],
            "name=intruder",
        )
        .await;

    assert_eq!(response.status, 403, "{}", response.text);
    assert_eq!(ids(&server.get("/v1/customers", KEY).await.json).len(), 0);
}
