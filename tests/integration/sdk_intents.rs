//! The fake SDK's `collectBankAccount` and `verifyMicrodeposits`
//! (`/_fcmock/sdk/{flutter|js}/{collect_bank_account|verify_microdeposits}`): it makes the
//! SDK's publishable-key calls, and what it answers decodes as flutter_stripe's Dart models
//! (`docs/sdk-models/models.json`, `dart`) on Android and iOS; the API answers it got
//! decode as the native SDKs' own parsers; cancel, failure, the glue's own refusals and a
//! session still pending behave as the glue does.

use crate::client_side::PK;
use crate::sdk_models::decode;
use crate::support::{form, TestServer, KEY};
use serde_json::{json, Value};

const PLATFORMS: [&str; 2] = ["android", "ios"];

/// A customer and an unconfirmed intent (`payment_intents` / `setup_intents`): its secret.
async fn intent(server: &TestServer, kind: &str) -> String {
    let customer = server.create_customer(&[("name", "Jenny Rosen")]).await;
    let customer = customer["id"].as_str().expect("id");
    let mut pairs = vec![
        ("customer", customer),
        ("payment_method_types[]", "us_bank_account"),
    ];
    if kind == "payment_intents" {
        pairs.extend([("amount", "1500"), ("currency", "usd")]);
    }
    let created = server
        .post(&format!("/v1/{kind}"), KEY, &form(&pairs))
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    created.json["client_secret"]
        .as_str()
        .expect("secret")
        .to_string()
}

async fn queue(server: &TestServer, scenario: Value) {
    let queued = server.control("/_fcmock/scenarios", &scenario).await;
    assert_eq!(queued.status, 200, "{}", queued.text);
}

async fn sdk(server: &TestServer, path: &str, body: Value) -> Value {
    let response = server.control(&format!("/_fcmock/sdk/{path}"), &body).await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    response.json
}

fn collect_body(secret: &str, platform: &str) -> Value {
    json!({"clientSecret": secret, "platform": platform,
        "billingDetails": {"name": "Jenny Rosen", "email": "jenny@example.com"}})
}

fn assert_decodes(platform: &str, model: &str, value: &Value, what: &str) {
    let errors = decode(platform, model, value);
    assert!(
        errors.is_empty(),
        "{what} is not a {platform} {model}:\n{}\n{value:#}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn collect_bank_account_hands_dart_a_payment_intent_it_decodes_on_both_platforms() {
    let server = TestServer::start_fc().await;
    for platform in PLATFORMS {
        let secret = intent(&server, "payment_intents").await;
        queue(&server, json!({"outcome": "success"})).await;
        let result = sdk(
            &server,
            "flutter/collect_bank_account",
            collect_body(&secret, platform),
        )
        .await;
        assert_decodes("dart", "CollectBankAccountResult", &result, platform);
        let pi = &result["paymentIntent"];
        assert_decodes("dart", "DartPaymentIntent", pi, platform);
        assert_eq!(pi["status"], "RequiresConfirmation", "{platform}: {pi:#}");
        assert_eq!(
            pi["captureMethod"], "Unknown",
            "automatic_async is not in the SDK's enum"
        );
        assert!(pi["paymentMethodId"]
            .as_str()
            .is_some_and(|p| p.starts_with("pm_")));
        assert_eq!(pi["paymentMethod"]["paymentMethodType"], "USBankAccount");
        assert_eq!(
            pi["paymentMethod"]["billingDetails"]["email"],
            "jenny@example.com"
        );
        assert!(pi["created"].as_str().is_some_and(|c| c.ends_with("000")));
        match platform {
            "android" => assert_eq!(pi["canceledAt"], "0"),
            _ => {
                assert!(pi["canceledAt"].is_null());
                assert!(pi["description"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("<STPPaymentIntent")));
            }
        }
        // The SDK's own parsers accept what the API answered the fake.
        let id = secret.split("_secret_").next().expect("id");
        let retrieved = server
            .get(
                &format!("/v1/payment_intents/{id}?client_secret={secret}&expand[]=payment_method"),
                PK,
            )
            .await;
        assert_decodes(
            platform,
            "PaymentIntent",
            &retrieved.json,
            "the pk retrieve",
        );
    }
}

#[tokio::test]
async fn collect_bank_account_for_a_setup_intent_has_the_fields_dart_requires() {
    let server = TestServer::start_fc().await;
    for platform in PLATFORMS {
        let secret = intent(&server, "setup_intents").await;
        queue(&server, json!({"outcome": "success"})).await;
        let result = sdk(
            &server,
            "flutter/collect_bank_account",
            collect_body(&secret, platform),
        )
        .await;
        let si = &result["setupIntent"];
        assert_decodes("dart", "DartSetupIntent", si, platform);
        assert_eq!(si["paymentMethodTypes"], json!(["USBankAccount"]));
        assert_eq!(si["usage"], "OffSession");
        assert_eq!(si.get("lastSetupError").is_some(), platform == "ios");
    }
    let secret = intent(&server, "setup_intents").await;
    queue(&server, json!({"outcome": "success"})).await;
    let js = sdk(
        &server,
        "js/collect_bank_account",
        json!({"clientSecret": secret, "billingDetails": {"name": "Jenny Rosen"}}),
    )
    .await;
    assert_eq!(js["setupIntent"]["status"], "requires_confirmation");
    assert!(
        js["setupIntent"]["payment_method"].is_string(),
        "stripe-js types payment_method as an id: {js:#}"
    );
}

#[tokio::test]
async fn a_cancelled_or_failed_collection_is_the_glues_error_and_stripe_js_intent() {
    let server = TestServer::start_fc().await;
    for platform in PLATFORMS {
        let secret = intent(&server, "payment_intents").await;
        queue(&server, json!({"outcome": "cancel"})).await;
        let result = sdk(
            &server,
            "flutter/collect_bank_account",
            collect_body(&secret, platform),
        )
        .await;
        assert_decodes("dart", "CollectBankAccountResult", &result, platform);
        assert_eq!(result["error"]["code"], "Canceled", "{result:#}");
        assert_eq!(
            result["error"]["message"],
            "Bank account collection was canceled."
        );
        let secret = intent(&server, "payment_intents").await;
        queue(
            &server,
            json!({"outcome": "failure", "failure": "login_failed"}),
        )
        .await;
        let failed = sdk(
            &server,
            "flutter/collect_bank_account",
            collect_body(&secret, platform),
        )
        .await;
        assert_eq!(failed["error"]["code"], "Failed", "{failed:#}");
        assert!(failed["error"]["stripeErrorCode"].is_string());
    }
    let secret = intent(&server, "payment_intents").await;
    queue(&server, json!({"outcome": "cancel"})).await;
    let js = sdk(
        &server,
        "js/collect_bank_account",
        json!({"clientSecret": secret, "billingDetails": {"name": "Jenny Rosen"}}),
    )
    .await;
    assert_eq!(
        js["paymentIntent"]["status"], "requires_payment_method",
        "Stripe.js resolves a cancel with the intent, not an error: {js:#}"
    );
    assert!(js.get("error").is_none());
}

#[tokio::test]
async fn the_glue_refuses_a_collection_without_a_name_and_stripe_js_gets_the_apis_error() {
    let server = TestServer::start_fc().await;
    let secret = intent(&server, "payment_intents").await;
    let refused = sdk(
        &server,
        "flutter/collect_bank_account",
        json!({"clientSecret": secret, "platform": "android"}),
    )
    .await;
    assert_eq!(
        refused["error"]["message"],
        "You must provide a name when collecting US bank account details."
    );
    assert!(refused["error"]["stripeErrorCode"].is_null());
    let js = sdk(
        &server,
        "js/collect_bank_account",
        json!({"clientSecret": secret}),
    )
    .await;
    assert_eq!(js["error"]["code"], "parameter_missing", "{js:#}");
    let no_platform = server
        .control(
            "/_fcmock/sdk/flutter/collect_bank_account",
            &json!({"clientSecret": secret}),
        )
        .await;
    assert_eq!(no_platform.status, 400, "{}", no_platform.text);
}

#[tokio::test]
async fn a_pending_collection_is_a_409_and_the_retry_attaches_the_same_session() {
    let server = TestServer::start_fc().await;
    let secret = intent(&server, "payment_intents").await;
    let pending = server
        .control(
            "/_fcmock/sdk/flutter/collect_bank_account",
            &collect_body(&secret, "ios"),
        )
        .await;
    assert_eq!(pending.status, 409, "{}", pending.text);
    let sessions = server.get("/_fcmock/sessions", KEY).await;
    let session = sessions.json["data"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["status"] == "pending"))
        .and_then(|s| s["id"].as_str())
        .expect("the fake opened a session")
        .to_string();
    let completed = server
        .complete_session(&session, &json!({"outcome": "success"}))
        .await;
    assert_eq!(completed.status, 200, "{}", completed.text);
    let result = sdk(
        &server,
        "flutter/collect_bank_account",
        collect_body(&secret, "ios"),
    )
    .await;
    assert_eq!(
        result["paymentIntent"]["status"], "RequiresConfirmation",
        "{result:#}"
    );
    let log = server.get("/_fcmock/requests?limit=20", KEY).await.json;
    let attaches = log["data"]
        .as_array()
        .expect("log")
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.contains(&format!("link_account_sessions/{session}/attach")))
        })
        .count();
    assert_eq!(
        attaches, 1,
        "the SDK's attach is in the request log: {log:#}"
    );
}

/// A PaymentIntent waiting for microdeposits: its client secret.
async fn microdeposit_intent(server: &TestServer) -> String {
    let pairs = [
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
    let pi = server.post("/v1/payment_intents", KEY, &form(&pairs)).await;
    assert_eq!(pi.json["status"], "requires_action", "{}", pi.text);
    pi.json["client_secret"]
        .as_str()
        .expect("secret")
        .to_string()
}

#[tokio::test]
async fn verify_microdeposits_answers_the_intent_or_the_glues_and_apis_errors() {
    let server = TestServer::start_fc().await;
    for platform in PLATFORMS {
        let secret = microdeposit_intent(&server).await;
        let both = sdk(
            &server,
            "flutter/verify_microdeposits",
            json!({"clientSecret": secret, "platform": platform, "amounts": [32, 45], "descriptorCode": "SM11AA"}),
        )
        .await;
        assert_eq!(
            both["error"]["message"],
            "You must provide either amounts OR descriptorCode, not both."
        );
        let wrong = sdk(
            &server,
            "flutter/verify_microdeposits",
            json!({"clientSecret": secret, "platform": platform, "amounts": [1, 2]}),
        )
        .await;
        assert_eq!(wrong["error"]["code"], "Failed");
        assert_eq!(
            wrong["error"]["stripeErrorCode"],
            "payment_method_microdeposit_verification_amounts_mismatch"
        );
        let verified = sdk(
            &server,
            "flutter/verify_microdeposits",
            json!({"clientSecret": secret, "platform": platform, "amounts": [32, 45]}),
        )
        .await;
        assert_decodes("dart", "CollectBankAccountResult", &verified, platform);
        assert_eq!(
            verified["paymentIntent"]["status"], "Processing",
            "{verified:#}"
        );
    }
    let secret = microdeposit_intent(&server).await;
    let js = sdk(
        &server,
        "js/verify_microdeposits",
        json!({"clientSecret": secret, "descriptorCode": "SM11AA"}),
    )
    .await;
    assert_eq!(js["paymentIntent"]["status"], "processing", "{js:#}");
}

#[test]
fn the_dart_decoder_rejects_what_dart_rejects() {
    // A SetupIntent without a payment method, a PaymentIntent with a numeric `created`,
    // an unknown next action: each throws in flutter_stripe's fromJson.
    let si = json!({"id": "seti_1", "status": "RequiresPaymentMethod", "livemode": false,
        "clientSecret": "s", "paymentMethodId": null, "usage": "OffSession",
        "paymentMethodTypes": ["USBankAccount"]});
    assert!(!decode("dart", "DartSetupIntent", &si).is_empty());
    let pi = json!({"id": "pi_1", "amount": 1, "created": 1_700_000_000_000_i64,
        "currency": "usd", "status": "Processing", "clientSecret": "s", "livemode": false,
        "captureMethod": "Automatic", "confirmationMethod": "Automatic"});
    assert!(!decode("dart", "DartPaymentIntent", &pi).is_empty());
    let action = json!({"type": "boletoVoucher"});
    assert!(!decode("dart", "DartNextAction", &action).is_empty());
    let android = json!({"id": "pi_1", "object": "setup_intent"});
    assert!(!decode("android", "PaymentIntent", &android).is_empty());
}
