//! ACH from the client side, as Stripe.js and the mobile SDKs call it: a publishable key
//! with the intent's client secret retrieves and confirms the intent, opens the Financial
//! Connections session `collectBankAccount` shows, attaches what the customer linked, and
//! verifies microdeposits; it sees only the publishable fields.

use crate::client_side::PK;
use crate::support::{bearer, form, TestResponse, TestServer, KEY};
use hyper::Method;
use serde_json::{json, Value};

const SDK_AGENT: &str = "Stripe/v1 AndroidBindings/23.10.0";

/// A POST as an SDK sends it: the publishable key and the SDK's `User-Agent`.
async fn sdk_post(server: &TestServer, path: &str, pairs: &[(&str, &str)]) -> TestResponse {
    server
        .request(
            Method::POST,
            path,
            &[
                ("authorization", &bearer(PK)),
                ("user-agent", SDK_AGENT),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            form(pairs),
        )
        .await
}

async fn secret_post(server: &TestServer, path: &str, pairs: &[(&str, &str)]) -> Value {
    let response = server.post(path, KEY, &form(pairs)).await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    response.json
}

fn ok(response: TestResponse, what: &str) -> Value {
    assert_eq!(response.status, 200, "{what}: {}", response.text);
    response.json
}

/// A customer and an unconfirmed intent of `kind` (`payment_intents` / `setup_intents`)
/// for them asking for `balances` too: (customer, intent id, client secret).
async fn intent(server: &TestServer, kind: &str) -> (String, String, String) {
    let customer = server.create_customer(&[("name", "Jenny Rosen")]).await;
    let customer = customer["id"].as_str().expect("id").to_string();
    let permission =
        "payment_method_options[us_bank_account][financial_connections][permissions][]";
    let mut pairs = vec![
        ("customer", customer.as_str()),
        ("payment_method_types[]", "us_bank_account"),
        (permission, "payment_method"),
        (permission, "balances"),
    ];
    if kind == "payment_intents" {
        pairs.extend([("amount", "1500"), ("currency", "usd")]);
    }
    let created = secret_post(server, &format!("/v1/{kind}"), &pairs).await;
    let id = created["id"].as_str().expect("id").to_string();
    let secret = created["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    (customer, id, secret)
}

/// What `collectBankAccount` does: open the session, let the customer link (here the
/// control API completes it), attach. Returns the attached intent as the SDK sees it.
async fn collect(server: &TestServer, kind: &str, id: &str, secret: &str) -> Value {
    let session = ok(
        sdk_post(
            server,
            &format!("/v1/{kind}/{id}/link_account_sessions"),
            &[
                ("client_secret", secret),
                ("payment_method_data[type]", "us_bank_account"),
                ("payment_method_data[billing_details][name]", "Jenny Rosen"),
                (
                    "payment_method_data[billing_details][email]",
                    "jenny@example.com",
                ),
            ],
        )
        .await,
        "link_account_sessions",
    );
    assert_eq!(session["object"], "financial_connections.session");
    assert_eq!(
        session["permissions"],
        json!(["payment_method", "balances"])
    );
    let session_id = session["id"].as_str().expect("id");
    let attach = format!("/v1/{kind}/{id}/link_account_sessions/{session_id}/attach");
    let early = sdk_post(server, &attach, &[("client_secret", secret)]).await;
    assert_eq!(early.status, 400, "nothing linked yet: {}", early.text);
    let completed = server
        .complete_session(
            session_id,
            &json!({"outcome": "success", "institution": "test_institution", "accounts": ["success"]}),
        )
        .await;
    assert_eq!(completed.status, 200, "{}", completed.text);
    ok(
        sdk_post(server, &attach, &[("client_secret", secret)]).await,
        "attach",
    )
}

/// The mandate fcmock keeps for an intent (a PaymentIntent does not show it; the state
/// export does).
async fn mandate_of(server: &TestServer, intent: &str) -> String {
    let state = server.get("/_fcmock/state", KEY).await.json;
    fn find(value: &Value, intent: &str) -> Option<String> {
        match value {
            Value::Object(map) => map
                .get("payment_state")
                .and_then(|s| s[intent]["mandate"].as_str())
                .map(str::to_string)
                .or_else(|| map.values().find_map(|v| find(v, intent))),
            _ => None,
        }
    }
    find(&state, intent).expect("the export keeps the intent's mandate")
}

const INFERRED: &[(&str, &str)] = &[
    ("mandate_data[customer_acceptance][type]", "online"),
    (
        "mandate_data[customer_acceptance][online][infer_from_client]",
        "true",
    ),
];

#[tokio::test]
async fn a_publishable_key_collects_a_bank_account_for_a_payment_intent_and_confirms_it() {
    let server = TestServer::start_fc().await;
    let (customer, id, secret) = intent(&server, "payment_intents").await;
    let attached = collect(&server, "payment_intents", &id, &secret).await;
    assert_eq!(attached["status"], "requires_confirmation", "{attached:#}");
    let pm = attached["payment_method"]
        .as_str()
        .expect("a PaymentMethod");
    assert!(pm.starts_with("pm_"), "{pm}");
    assert!(
        attached.get("customer").is_none(),
        "publishable view: {attached:#}"
    );
    assert!(
        attached.get("metadata").is_none(),
        "publishable view: {attached:#}"
    );

    let mut pairs = vec![("client_secret", secret.as_str())];
    pairs.extend_from_slice(INFERRED);
    let confirmed = ok(
        sdk_post(
            &server,
            &format!("/v1/payment_intents/{id}/confirm"),
            &pairs,
        )
        .await,
        "confirm",
    );
    assert_eq!(confirmed["status"], "processing", "{confirmed:#}");

    // The backend sees the whole intent, and the mandate the SDK's request accepted.
    let full = server
        .get(&format!("/v1/payment_intents/{id}"), KEY)
        .await
        .json;
    assert_eq!(full["customer"], customer.as_str());
    let pm = server
        .get(&format!("/v1/payment_methods/{pm}"), KEY)
        .await
        .json;
    assert_eq!(pm["billing_details"]["email"], "jenny@example.com");
    assert!(pm["us_bank_account"]["financial_connections_account"]
        .as_str()
        .is_some_and(|a| a.starts_with("fca_")));
    let mandate = mandate_of(&server, &id).await;
    let mandate = server
        .get(&format!("/v1/mandates/{mandate}"), KEY)
        .await
        .json;
    let online = &mandate["customer_acceptance"]["online"];
    assert_eq!(online["ip_address"], "127.0.0.1", "{mandate:#}");
    assert_eq!(online["user_agent"], SDK_AGENT, "{mandate:#}");
    assert_eq!(mandate["type"], "single_use", "{mandate:#}");
    let settled = server.control("/_fcmock/payments/settle", &json!({})).await;
    assert_eq!(settled.status, 200, "{}", settled.text);
    let after = ok(
        server
            .get(
                &format!("/v1/payment_intents/{id}?client_secret={secret}"),
                PK,
            )
            .await,
        "retrieve",
    );
    assert_eq!(after["status"], "succeeded");
}

#[tokio::test]
async fn a_publishable_key_saves_a_bank_account_with_a_setup_intent() {
    let server = TestServer::start_fc().await;
    let (customer, id, secret) = intent(&server, "setup_intents").await;
    let attached = collect(&server, "setup_intents", &id, &secret).await;
    assert_eq!(attached["status"], "requires_confirmation", "{attached:#}");
    let mut pairs = vec![("client_secret", secret.as_str())];
    pairs.extend_from_slice(INFERRED);
    let confirmed = ok(
        sdk_post(&server, &format!("/v1/setup_intents/{id}/confirm"), &pairs).await,
        "confirm",
    );
    assert_eq!(confirmed["status"], "succeeded", "{confirmed:#}");
    let keys: Vec<&str> = confirmed
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        !keys.contains(&"customer") && !keys.contains(&"mandate"),
        "{keys:?}"
    );
    let full = server
        .get(&format!("/v1/setup_intents/{id}"), KEY)
        .await
        .json;
    let mandate = full["mandate"].as_str().expect("a mandate");
    let mandate = server
        .get(&format!("/v1/mandates/{mandate}"), KEY)
        .await
        .json;
    assert_eq!(mandate["type"], "multi_use");
    assert_eq!(
        mandate["customer_acceptance"]["online"]["user_agent"],
        SDK_AGENT
    );
    let pm = full["payment_method"].as_str().expect("pm");
    let saved = server
        .get(&format!("/v1/customers/{customer}/payment_methods"), KEY)
        .await
        .json;
    assert!(
        saved["data"]
            .as_array()
            .expect("list")
            .iter()
            .any(|p| p["id"] == pm),
        "{saved:#}"
    );
}

#[tokio::test]
async fn the_client_secret_is_required_and_checked_for_a_publishable_key() {
    let server = TestServer::start_fc().await;
    let (_, id, secret) = intent(&server, "payment_intents").await;
    let path = format!("/v1/payment_intents/{id}");
    let missing = server.get(&path, PK).await;
    assert_eq!(missing.status, 400, "{}", missing.text);
    assert_eq!(missing.error("code"), Some("parameter_missing"));
    let wrong = server
        .get(&format!("{path}?client_secret={id}_secret_wrong"), PK)
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    assert_eq!(
        wrong.error("code"),
        Some("payment_intent_invalid_parameter")
    );
    assert_eq!(wrong.error("param"), Some("client_secret"));
    let right = ok(
        server
            .get(&format!("{path}?client_secret={secret}"), PK)
            .await,
        "retrieve",
    );
    for hidden in ["customer", "metadata", "amount_received", "latest_charge"] {
        assert!(
            right.get(hidden).is_none(),
            "{hidden} is not publishable: {right:#}"
        );
    }
    for shown in [
        "id",
        "amount",
        "client_secret",
        "status",
        "payment_method_types",
    ] {
        assert!(
            right.get(shown).is_some(),
            "{shown} is publishable: {right:#}"
        );
    }
    // A secret key sees everything, with or without the secret; a wrong one is refused.
    let full = server.get(&path, KEY).await;
    assert!(full.json.get("metadata").is_some());
    let wrong = server
        .get(&format!("{path}?client_secret=pi_x_secret_y"), KEY)
        .await;
    assert_eq!(wrong.status, 400);
    // Routes only a backend calls still refuse a publishable key.
    let cancel = sdk_post(
        &server,
        &format!("{path}/cancel"),
        &[("client_secret", &secret)],
    )
    .await;
    assert_eq!(cancel.status, 401, "{}", cancel.text);
    // An intent the key's namespace does not know is missing, as for any id.
    let unknown = server
        .get(
            "/v1/payment_intents/pi_unknown?client_secret=pi_unknown_secret_x",
            PK,
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    assert_eq!(unknown.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn infer_from_client_is_for_publishable_keys_only() {
    let server = TestServer::start_fc().await;
    let (_, id, secret) = intent(&server, "payment_intents").await;
    collect(&server, "payment_intents", &id, &secret).await;
    let response = server
        .post(
            &format!("/v1/payment_intents/{id}/confirm"),
            KEY,
            &form(INFERRED),
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("param"),
        Some("mandate_data[customer_acceptance][online][infer_from_client]")
    );
    let pi = server
        .get(&format!("/v1/payment_intents/{id}"), KEY)
        .await
        .json;
    assert_eq!(pi["status"], "requires_confirmation", "nothing changed");
}

#[tokio::test]
async fn a_publishable_key_verifies_microdeposits_with_the_client_secret() {
    let server = TestServer::start_fc().await;
    let mut pairs = vec![
        ("amount", "1000"),
        ("currency", "usd"),
        ("payment_method_types[]", "us_bank_account"),
        ("payment_method_data[type]", "us_bank_account"),
        (
            "payment_method_data[us_bank_account][routing_number]",
            "110000000",
        ),
        (
            "payment_method_data[us_bank_account][account_number]",
            "000123456789",
        ),
        (
            "payment_method_data[us_bank_account][account_holder_type]",
            "individual",
        ),
        ("payment_method_data[billing_details][name]", "Jenny Rosen"),
        ("mandate_data[customer_acceptance][type]", "offline"),
        ("confirm", "true"),
    ];
    pairs.push(("description", "microdeposits"));
    let pi = secret_post(&server, "/v1/payment_intents", &pairs).await;
    assert_eq!(pi["status"], "requires_action", "{pi:#}");
    let id = pi["id"].as_str().expect("id");
    let secret = pi["client_secret"].as_str().expect("secret");
    let path = format!("/v1/payment_intents/{id}/verify_microdeposits");
    let wrong = sdk_post(
        &server,
        &path,
        &[
            ("client_secret", "pi_other_secret_x"),
            ("amounts[]", "32"),
            ("amounts[]", "45"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    let verified = ok(
        sdk_post(
            &server,
            &path,
            &[
                ("client_secret", secret),
                ("amounts[]", "32"),
                ("amounts[]", "45"),
            ],
        )
        .await,
        "verify",
    );
    assert_eq!(verified["status"], "processing", "{verified:#}");
    assert!(verified.get("customer").is_none());
}

#[tokio::test]
async fn an_imported_state_still_knows_which_namespace_an_intent_is_in() {
    let server = TestServer::start_fc().await;
    let (_, id, secret) = intent(&server, "setup_intents").await;
    let exported = server.get("/_fcmock/state", KEY).await;
    assert_eq!(exported.status, 200, "{}", exported.text);
    let reset = server.control("/_fcmock/reset", &json!({})).await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    let gone = server
        .get(
            &format!("/v1/setup_intents/{id}?client_secret={secret}"),
            PK,
        )
        .await;
    assert_eq!(gone.status, 404, "{}", gone.text);
    let imported = server
        .request(
            Method::PUT,
            "/_fcmock/state",
            &[("content-type", "application/json")],
            exported.text.clone(),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let back = server
        .get(
            &format!("/v1/setup_intents/{id}?client_secret={secret}"),
            PK,
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
}

#[tokio::test]
async fn collecting_for_an_intent_without_a_customer_is_refused_clearly() {
    let server = TestServer::start_fc().await;
    let pi = secret_post(
        &server,
        "/v1/payment_intents",
        &[
            ("amount", "1000"),
            ("currency", "usd"),
            ("payment_method_types[]", "us_bank_account"),
        ],
    )
    .await;
    let id = pi["id"].as_str().expect("id");
    let secret = pi["client_secret"].as_str().expect("secret");
    let response = sdk_post(
        &server,
        &format!("/v1/payment_intents/{id}/link_account_sessions"),
        &[
            ("client_secret", secret),
            ("payment_method_data[type]", "us_bank_account"),
            ("payment_method_data[billing_details][name]", "Jenny Rosen"),
        ],
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert!(response.text.contains("customer"), "{}", response.text);
    let missing_name = sdk_post(
        &server,
        &format!("/v1/payment_intents/{id}/link_account_sessions"),
        &[("client_secret", secret)],
    )
    .await;
    assert_eq!(missing_name.status, 400, "{}", missing_name.text);
}

#[tokio::test]
async fn ach_payments_capture_automatically_and_refuse_manual_capture() {
    let server = TestServer::start_fc().await;
    let base = [
        ("amount", "1000"),
        ("currency", "usd"),
        ("payment_method_types[]", "us_bank_account"),
    ];
    let pi = secret_post(&server, "/v1/payment_intents", &base).await;
    assert_eq!(
        pi["capture_method"], "automatic_async",
        "Stripe's default since 2024-04-10"
    );
    let mut manual = base.to_vec();
    manual.push(("capture_method", "manual"));
    let refused = server
        .post("/v1/payment_intents", KEY, &form(&manual))
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error("param"), Some("capture_method"));
    let id = pi["id"].as_str().expect("id");
    let capture = server
        .post(&format!("/v1/payment_intents/{id}/capture"), KEY, "")
        .await;
    assert_eq!(capture.status, 400, "{}", capture.text);
    assert_eq!(
        capture.error("code"),
        Some("payment_intent_unexpected_state")
    );
    let unknown = server
        .post("/v1/payment_intents/pi_nope/capture", KEY, "")
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
}

#[tokio::test]
async fn ios_form_encoding_with_escaped_brackets_and_indexed_arrays_is_understood() {
    // stripe-ios's URLEncoder indexes arrays (`amounts[0]`) and percent-escapes a top-level
    // key that already holds brackets (docs/research/collect-bank-account.md §4.2).
    let server = TestServer::start_fc().await;
    let (_, id, secret) = intent(&server, "payment_intents").await;
    let body = format!(
        "client_secret={secret}&payment_method_data%5Btype%5D=us_bank_account\
         &payment_method_data%5Bbilling_details%5D%5Bname%5D=Jenny%20Rosen"
    );
    let response = server
        .request(
            Method::POST,
            &format!("/v1/payment_intents/{id}/link_account_sessions"),
            &[
                ("authorization", &bearer(PK)),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let session = response.json["id"].as_str().expect("id");
    server
        .complete_session(session, &json!({"outcome": "success"}))
        .await;
    let attach = format!(
        "/v1/payment_intents/{id}/link_account_sessions/{session}/attach?expand%5B0%5D=payment_method"
    );
    let attached = ok(
        sdk_post(&server, &attach, &[("client_secret", &secret)]).await,
        "attach",
    );
    assert_eq!(
        attached["payment_method"]["object"], "payment_method",
        "{attached:#}"
    );
}
