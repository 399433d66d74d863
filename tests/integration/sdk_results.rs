//! SDK-shaped results (`/_fcmock/sdk/…`): the flutter_stripe method-channel payloads on
//! Android and iOS, checked field by field against the Dart models' required keys and enum
//! values (research/client-side.md §1.2–§2.2), and the Stripe.js results (§4), for success,
//! cancel and every named failure; scripted outcomes and waiting for a person.

use crate::client_side::{customer_session, page_post, secret, token_session};
use crate::support::TestServer;
use serde_json::{json, Value};

const ACCOUNT_STATUS: &[&str] = &["active", "inactive", "disconnected"];
const CATEGORY: &[&str] = &["cash", "credit", "investment", "other"];
const SUBCATEGORY: &[&str] = &[
    "checking",
    "creditCard",
    "lineOfCredit",
    "mortgage",
    "other",
    "savings",
];
const PERMISSION: &[&str] = &[
    "balances",
    "ownership",
    "paymentMethod",
    "transactions",
    "accountNumbers",
];
const PM_TYPE: &[&str] = &["usBankAccount", "link"];
const BANK_STATUS: &[&str] = &[
    "Errored",
    "New",
    "Validated",
    "VerificationFailed",
    "Verified",
    "Unknown",
];
const HOLDER_TYPE: &[&str] = &["Company", "Individual", "Unknown"];
const FAILURE_CODE: &[&str] = &["Failed", "Canceled", "Timeout", "Unknown"];

async fn flutter(server: &TestServer, method: &str, cs: &str, platform: &str) -> Value {
    let response = server
        .control(
            &format!("/_fcmock/sdk/flutter/{method}"),
            &json!({"clientSecret": cs, "platform": platform}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

async fn js(server: &TestServer, method: &str, cs: &str) -> Value {
    let response = server
        .control(
            &format!("/_fcmock/sdk/js/{method}"),
            &json!({"clientSecret": cs}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

fn enum_value(value: &Value, allowed: &[&str], what: &str) {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is a string: {value}"));
    assert!(
        allowed.contains(&s),
        "{what} = {s} is not one of {allowed:?}"
    );
}

/// Whether Dart's `AccountBalance.fromJson` (flutter_stripe (at 7f5463c7, the code that pins stripe-android 23.10.+ and stripe-ios 25.17.0), `financial_connections.g.dart`)
/// throws on this balance: it casts every value of `cash` and `credit` to `num`, and the
/// glue puts a map (Android) or null (iOS) there (docs/research/mobile-sdk-models.md §5.4).
fn dart_balance_throws(balance: &Value) -> bool {
    ["cash", "credit"].iter().any(|outer| {
        balance[outer]
            .as_object()
            .is_some_and(|m| m.values().any(|v| !v.is_number()))
    })
}

/// What the glue (flutter_stripe `FinancialConnectionsSheetManager.kt` / `FinancialConnections.swift`
/// at 7f5463c7, research §5.3–§5.5) builds from the API's account: written from the research
/// tables, apart from fcmock's own code, so the two can disagree.
fn glue_account(api: &Value, platform: &str) -> Value {
    let camel = |s: &Value| {
        let s = s.as_str().unwrap_or_default();
        let mut out = String::new();
        let mut up = false;
        for c in s.chars() {
            match (c, up) {
                ('_', _) => up = true,
                (c, true) => {
                    out.push(c.to_ascii_uppercase());
                    up = false
                }
                (c, false) => out.push(c),
            }
        }
        json!(out)
    };
    let ms = |v: &Value| json!(v.as_i64().expect("seconds") * 1000);
    let balance = match &api["balance"] {
        Value::Null => Value::Null,
        b => {
            let inner = |outer: &str, key: &str| match (&b[outer][key], platform) {
                (Value::Null, "android") => json!({}),
                (v, _) => v.clone(),
            };
            json!({"asOf": ms(&b["as_of"]), "type": b["type"], "current": b["current"],
                "cash": {"available": inner("cash", "available")},
                "credit": {"used": inner("credit", "used")}})
        }
    };
    let refresh = match &api["balance_refresh"] {
        Value::Null => Value::Null,
        r => json!({"status": r["status"], "lastAttemptedAt": ms(&r["last_attempted_at"])}),
    };
    let list = |v: &Value| match v.as_array() {
        Some(items) => json!(items.iter().map(camel).collect::<Vec<_>>()),
        None => Value::Null,
    };
    json!({
        "id": api["id"], "livemode": api["livemode"], "displayName": api["display_name"],
        "status": api["status"], "institutionName": api["institution_name"],
        "last4": api["last4"], "created": ms(&api["created"]), "balance": balance,
        "balanceRefresh": refresh, "category": api["category"],
        "subcategory": camel(&api["subcategory"]), "permissions": list(&api["permissions"]),
        "supportedPaymentMethodTypes": list(&api["supported_payment_method_types"]),
    })
}

/// `FinancialConnectionSession.fromJson` and its accounts' required keys and enums.
fn assert_dart_session(session: &Value, platform: &str) {
    assert!(session["id"].is_string());
    assert!(session["clientSecret"].is_string());
    assert!(session["livemode"].is_boolean());
    let accounts = session["accounts"].as_array().expect("accounts is a List");
    for a in accounts {
        assert!(a["id"].is_string());
        assert!(a["livemode"].is_boolean());
        assert!(a["institutionName"].is_string());
        enum_value(&a["status"], ACCOUNT_STATUS, "status");
        enum_value(&a["category"], CATEGORY, "category");
        enum_value(&a["subcategory"], SUBCATEGORY, "subcategory");
        for p in a["permissions"].as_array().expect("permissions") {
            enum_value(p, PERMISSION, "permission");
        }
        for t in a["supportedPaymentMethodTypes"].as_array().expect("types") {
            enum_value(t, PM_TYPE, "supportedPaymentMethodTypes");
        }
        if !a["balance"].is_null() {
            assert!(
                dart_balance_throws(&a["balance"]),
                "{platform}: the glue's balance makes flutter_stripe's Dart throw: {}",
                a["balance"]
            );
        }
        // Android's Double goes through org.json, which writes it as an integer.
        let created = &a["created"];
        assert!(
            created.is_i64(),
            "{platform} delivers an integer: {created}"
        );
        assert_eq!(created.as_i64(), Some(1_700_000_000_000), "milliseconds");
        for key in [
            "id",
            "livemode",
            "displayName",
            "status",
            "institutionName",
            "last4",
            "created",
            "balance",
            "balanceRefresh",
            "category",
            "subcategory",
            "permissions",
            "supportedPaymentMethodTypes",
        ] {
            assert!(a.get(key).is_some(), "account lacks {key}");
        }
    }
}

#[tokio::test]
async fn a_flutter_success_is_a_session_dart_can_parse_on_both_platforms() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(
            id,
            &json!({"outcome": "success", "accounts": ["success", "credit_card"]}),
        )
        .await;

    for platform in ["android", "ios"] {
        let result = flutter(
            &server,
            "collect_financial_connections_accounts",
            &secret(&session),
            platform,
        )
        .await;

        assert_eq!(result.as_object().map(|o| o.len()), Some(1), "only session");
        assert_dart_session(&result["session"], platform);
        assert_eq!(result["session"]["id"], session["id"]);
        let accounts = result["session"]["accounts"].as_array().expect("a list");
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[1]["subcategory"], "creditCard");
        assert_eq!(
            accounts[0]["permissions"],
            json!(["balances", "paymentMethod"])
        );
        assert_eq!(
            accounts[0]["supportedPaymentMethodTypes"],
            json!(["usBankAccount", "link"])
        );
    }
}

#[tokio::test]
async fn flutter_payloads_equal_what_the_glue_builds_from_the_same_session() {
    let server = TestServer::start_fc().await;
    let customer = server.create_customer(&[]).await;
    let session = server
        .create_session(
            customer["id"].as_str().expect("id"),
            &["balances", "payment_method"],
            &[("prefetch[]", "balances")],
        )
        .await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(
            id,
            &json!({"outcome": "success", "accounts": ["success", "credit_card"]}),
        )
        .await;
    server.settle().await;
    let cs = secret(&session);
    let receipt = server
        .get(
            &format!("/v1/link_account_sessions/session_receipt?client_secret={cs}"),
            crate::client_side::PK,
        )
        .await
        .json;
    let api_accounts = receipt["accounts"]["data"].as_array().expect("accounts");
    assert!(
        api_accounts.iter().all(|a| !a["balance"].is_null()),
        "the prefetch gave every account a balance: {receipt:#}"
    );
    for platform in ["android", "ios"] {
        let result = flutter(
            &server,
            "collect_financial_connections_accounts",
            &cs,
            platform,
        )
        .await;
        let expected: Vec<Value> = api_accounts
            .iter()
            .map(|a| glue_account(a, platform))
            .collect();
        assert_eq!(
            result["session"]["accounts"],
            json!(expected),
            "{platform}: fcmock's payload is not what the glue builds"
        );
        assert_eq!(
            result["session"],
            json!({"id": receipt["id"], "clientSecret": receipt["client_secret"],
                "livemode": receipt["livemode"], "accounts": expected})
        );
        for account in expected {
            assert!(
                dart_balance_throws(&account["balance"]),
                "{platform}: {account}"
            );
        }
    }
}

#[tokio::test]
async fn a_flutter_token_result_differs_per_platform_as_the_native_mappers_do() {
    let server = TestServer::start_fc().await;
    let (_, session) = token_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(id, &json!({"outcome": "success", "accounts": ["success"]}))
        .await;
    let cs = secret(&session);

    let android = flutter(&server, "collect_bank_account_token", &cs, "android").await;
    let ios = flutter(&server, "collect_bank_account_token", &cs, "ios").await;

    for (result, platform) in [(&android, "android"), (&ios, "ios")] {
        assert_dart_session(&result["session"], platform);
        let token = &result["token"];
        assert!(token["livemode"].is_boolean());
        assert!(token["used"].is_boolean());
        assert_eq!(token["type"], "BankAccount");
        let ba = &token["bankAccount"];
        assert!(
            ba["id"].as_str().is_some_and(|id| id.starts_with("ba_")),
            "Dart needs bankAccount.id"
        );
        enum_value(&ba["status"], BANK_STATUS, "bankAccount.status");
        assert_eq!(ba["bankName"], "STRIPE TEST BANK");
        assert_eq!(ba["routingNumber"], "110000000");
        assert_eq!(ba["last4"], "6789");
    }
    // Android: `created` is a string of milliseconds, holder type through its enum.
    assert_eq!(android["token"]["created"], "1700000000000");
    enum_value(
        &android["token"]["bankAccount"]["accountHolderType"],
        HOLDER_TYPE,
        "accountHolderType",
    );
    assert_eq!(
        android["token"]["bankAccount"]["accountHolderType"],
        "Individual"
    );
    assert!(android["token"]["card"].is_null());
    // iOS: no `created`, no holder type.
    assert!(ios["token"]["created"].is_null());
    assert!(ios["token"]["bankAccount"]["accountHolderType"].is_null());
    assert!(android["token"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("btok_")));
    assert_eq!(android["token"]["id"], ios["token"]["id"]);
}

#[tokio::test]
async fn a_flutter_cancel_is_a_canceled_error_with_and_without_a_period() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(id, &json!({"outcome": "cancel"}))
        .await;
    let cs = secret(&session);

    let android = flutter(
        &server,
        "collect_financial_connections_accounts",
        &cs,
        "android",
    )
    .await;
    let ios = flutter(&server, "collect_bank_account_token", &cs, "ios").await;

    assert_eq!(
        android,
        json!({"error": {"code": "Canceled", "message": "The flow has been canceled",
            "localizedMessage": "The flow has been canceled", "stripeErrorCode": null,
            "declineCode": null, "type": null}})
    );
    assert_eq!(ios["error"]["message"], "The flow has been canceled.");
    assert_eq!(
        ios["error"]["localizedMessage"],
        "The flow has been canceled."
    );
    enum_value(&ios["error"]["code"], FAILURE_CODE, "code");
}

#[tokio::test]
async fn every_named_failure_is_a_failed_error_on_flutter_and_an_error_on_stripe_js() {
    let server = TestServer::start_fc().await;
    for (failure, code, error_type) in [
        (
            "institution_down_scheduled",
            json!("institution_unavailable_planned"),
            "invalid_request_error",
        ),
        (
            "institution_down_unscheduled",
            json!("institution_unavailable_unplanned"),
            "invalid_request_error",
        ),
        (
            "institution_error",
            json!("institution_timeout"),
            "invalid_request_error",
        ),
        (
            "login_failed",
            json!("authorization_failed"),
            "invalid_request_error",
        ),
        (
            "no_accounts",
            json!("accounts_unavailable"),
            "invalid_request_error",
        ),
        (
            "session_expired",
            json!("session_expired"),
            "invalid_request_error",
        ),
        ("api_error", Value::Null, "api_error"),
    ] {
        let session = customer_session(&server).await;
        let id = session["id"].as_str().expect("an id");
        server
            .complete_session(id, &json!({"outcome": "failure", "failure": failure}))
            .await;
        let cs = secret(&session);

        let android = flutter(
            &server,
            "collect_financial_connections_accounts",
            &cs,
            "android",
        )
        .await;
        let ios = flutter(
            &server,
            "collect_financial_connections_accounts",
            &cs,
            "ios",
        )
        .await;
        let web = js(&server, "collect_financial_connections_accounts", &cs).await;

        for (result, platform) in [(&android, "android"), (&ios, "ios")] {
            let e = &result["error"];
            assert_eq!(e["code"], "Failed", "{failure} {platform}");
            // Without an API code, iOS's StripeCore sets "" (`stripeErrorCode ?? ""`).
            let expected_code = match (&code, platform) {
                (Value::Null, "ios") => json!(""),
                (code, _) => code.clone(),
            };
            assert_eq!(e["stripeErrorCode"], expected_code, "{failure} {platform}");
            assert_eq!(e["type"], error_type, "{failure} {platform}");
            assert!(e["declineCode"].is_null());
            assert!(e["message"].is_string());
            let keys: Vec<&str> = e
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(
                keys,
                [
                    "code",
                    "message",
                    "localizedMessage",
                    "stripeErrorCode",
                    "declineCode",
                    "type"
                ]
            );
        }
        assert_eq!(
            android["error"]["localizedMessage"],
            android["error"]["message"]
        );
        assert_eq!(
            ios["error"]["localizedMessage"],
            "There was an unexpected error -- try again in a few seconds"
        );
        assert_eq!(web["error"]["type"], error_type, "{failure}");
        assert_eq!(
            web["error"].get("code").cloned().unwrap_or(Value::Null),
            code
        );
        assert!(web.get("financialConnectionsSession").is_none());
    }
}

#[tokio::test]
async fn stripe_js_answers_the_session_and_token_in_the_apis_shape() {
    let server = TestServer::start_fc().await;
    let (_, session) = token_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(id, &json!({"outcome": "success", "accounts": ["success"]}))
        .await;
    let cs = secret(&session);

    let accounts = js(&server, "collect_financial_connections_accounts", &cs).await;
    let token = js(&server, "collect_bank_account_token", &cs).await;

    let s = &accounts["financialConnectionsSession"];
    assert_eq!(s["id"], session["id"]);
    assert_eq!(s["client_secret"], session["client_secret"]);
    assert_eq!(s["accounts"].as_array().map(Vec::len), Some(1));
    assert_eq!(s["accounts"][0]["object"], "financial_connections.account");
    assert!(accounts.get("token").is_none());
    assert_eq!(token["token"]["object"], "token");
    assert_eq!(token["token"]["bank_account"]["object"], "bank_account");
}

#[tokio::test]
async fn a_stripe_js_cancel_is_a_session_with_no_accounts() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let id = session["id"].as_str().expect("an id");
    server
        .complete_session(id, &json!({"outcome": "cancel"}))
        .await;

    let result = js(
        &server,
        "collect_financial_connections_accounts",
        &secret(&session),
    )
    .await;

    assert_eq!(result["financialConnectionsSession"]["accounts"], json!([]));
    assert!(result.get("error").is_none());
}

#[tokio::test]
async fn a_scripted_outcome_is_played_when_the_sdk_result_is_asked_for() {
    let server = TestServer::start_fc().await;
    server
        .control(
            "/_fcmock/scenarios",
            &json!({"outcome": "success", "accounts": ["savings"]}),
        )
        .await;
    let session = customer_session(&server).await;

    let result = flutter(
        &server,
        "collect_financial_connections_accounts",
        &secret(&session),
        "ios",
    )
    .await;

    assert_eq!(result["session"]["accounts"][0]["subcategory"], "savings");
}

#[tokio::test]
async fn wait_ms_waits_for_a_person_to_finish_the_page() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let cs = secret(&session);

    let ask = json!({"clientSecret": cs, "platform": "android", "wait_ms": 5000});
    let waiting = server.control(
        "/_fcmock/sdk/flutter/collect_financial_connections_accounts",
        &ask,
    );
    let person = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        page_post(&server, &[("client_secret", &cs), ("action", "cancel")]).await
    };
    let (result, _) = tokio::join!(waiting, person);

    assert_eq!(result.status, 200, "{}", result.text);
    assert_eq!(result.json["error"]["code"], "Canceled");
}

#[tokio::test]
async fn a_session_still_pending_after_the_wait_is_a_409() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;

    let response = server
        .control(
            "/_fcmock/sdk/flutter/collect_financial_connections_accounts",
            &json!({"clientSecret": secret(&session), "platform": "android", "wait_ms": 100}),
        )
        .await;

    assert_eq!(response.status, 409, "{}", response.text);
    assert_eq!(response.error("code"), Some("session_pending"));
}

#[tokio::test]
async fn an_unknown_client_secret_is_the_failure_the_sdk_would_report() {
    let server = TestServer::start_fc().await;

    let result = flutter(
        &server,
        "collect_financial_connections_accounts",
        "fcsess_client_secret_x",
        "android",
    )
    .await;

    assert_eq!(result["error"]["code"], "Failed");
    assert_eq!(result["error"]["stripeErrorCode"], "resource_missing");
}

#[tokio::test]
async fn a_flutter_request_without_a_platform_is_refused() {
    let server = TestServer::start_fc().await;

    let response = server
        .control(
            "/_fcmock/sdk/flutter/collect_financial_connections_accounts",
            &json!({"clientSecret": "x"}),
        )
        .await;

    assert_eq!(response.status, 400);
}
