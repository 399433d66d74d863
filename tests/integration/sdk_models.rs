//! Every SDK-facing answer (synchronize, generate_hosted_url, session_receipt, list_accounts,
//! complete, and their errors) decoded against the Android and iOS models' required fields in
//! `docs/sdk-models/models.json`, for customer and Connect (token) sessions that succeed, are
//! cancelled or fail. The table is the SDKs' model files read field by field
//! (docs/research/mobile-sdk-models.md); the decoder here is its interpreter: a required
//! field must be present and non-null with its type, a 32-bit `Int` must fit, an enum value
//! must be one the SDK knows.

use crate::client_side::{customer_session, secret, token_session, PK};
use crate::support::{form, TestServer};
use serde_json::{json, Value};

const MODELS: &str = include_str!("../../docs/sdk-models/models.json");

fn table() -> Value {
    serde_json::from_str(MODELS).expect("docs/sdk-models/models.json is JSON")
}

/// Decodes `value` as `model` of `platform`; every mismatch, with its JSON path.
/// The decode errors of `value` as `platform`'s (`android`, `ios`, `dart`) `model`.
pub fn decode(platform: &str, model: &str, value: &Value) -> Vec<String> {
    let table = table();
    let mut errors = Vec::new();
    decode_model(&table[platform]["models"], model, value, "$", &mut errors);
    errors
}

fn decode_model(models: &Value, model: &str, value: &Value, path: &str, errors: &mut Vec<String>) {
    let fields = models[model]["fields"]
        .as_object()
        .unwrap_or_else(|| panic!("no model {model} in the table"));
    let Some(object) = value.as_object() else {
        errors.push(format!("{path}: {model} is not an object: {value}"));
        return;
    };
    for (key, spec) in fields {
        let presence = spec[0].as_str().expect("presence");
        let kind = spec[1].as_str().expect("type");
        let here = format!("{path}.{key}");
        match (object.get(key), presence) {
            (None, "required" | "present") => errors.push(format!("{here}: missing ({model})")),
            (Some(Value::Null), "required") => errors.push(format!("{here}: null ({model})")),
            (None | Some(Value::Null), _) => {}
            (Some(v), _) => decode_type(models, kind, v, &here, errors),
        }
    }
}

fn decode_type(models: &Value, kind: &str, value: &Value, path: &str, errors: &mut Vec<String>) {
    let ok = match kind {
        "string" => value.is_string(),
        "bool" => value.is_boolean(),
        "num" => value.is_number(),
        "object" => value.is_object(),
        "int" => value.is_i64(),
        "int32" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        k if k.starts_with("map<") => {
            let inner = &k[4..k.len() - 1];
            match value.as_object() {
                Some(map) => {
                    for (key, v) in map {
                        decode_type(models, inner, v, &format!("{path}.{key}"), errors);
                    }
                    true
                }
                None => false,
            }
        }
        k if k.starts_with("list<") => {
            let inner = &k[5..k.len() - 1];
            match value.as_array() {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        decode_type(models, inner, v, &format!("{path}[{i}]"), errors);
                    }
                    true
                }
                None => false,
            }
        }
        k if k.starts_with("enum:") => value
            .as_str()
            .is_some_and(|s| k[5..].split('|').any(|allowed| allowed == s)),
        model => {
            decode_model(models, model, value, path, errors);
            true
        }
    };
    if !ok {
        errors.push(format!("{path}: {value} is not {kind}"));
    }
}

/// Asserts `value` decodes as `model` on both platforms.
fn decodes_everywhere(model: &str, value: &Value, what: &str) {
    for platform in ["android", "ios"] {
        let errors = decode(platform, model, value);
        assert!(
            errors.is_empty(),
            "{what} does not decode as {platform} {model}:\n{}\n{value:#}",
            errors.join("\n")
        );
    }
}

async fn client_call(server: &TestServer, path: &str, cs: &str) -> (u16, Value) {
    let response = if path.contains("receipt") || path.contains("list_accounts") {
        server.get(&format!("{path}?client_secret={cs}"), PK).await
    } else {
        let mut pairs = vec![("client_secret", cs)];
        match path {
            SYNCHRONIZE => pairs.push(("mobile[application_id]", "com.example.app")),
            HOSTED_URL => pairs.push(("application_id", "com.example.app")),
            _ => {}
        }
        server.post(path, PK, &form(&pairs)).await
    };
    (response.status, response.json)
}

const SYNCHRONIZE: &str = "/v1/financial_connections/sessions/synchronize";
const RECEIPT: &str = "/v1/link_account_sessions/session_receipt";
const LIST_ACCOUNTS: &str = "/v1/link_account_sessions/list_accounts";
const COMPLETE: &str = "/v1/link_account_sessions/complete";
const HOSTED_URL: &str = "/v1/link_account_sessions/generate_hosted_url";

/// A fresh session of the given holder kind; its client secret and id.
async fn session(server: &TestServer, holder: &str) -> (String, String) {
    let session = match holder {
        "customer" => customer_session(server).await,
        _ => token_session(server).await.1,
    };
    (
        secret(&session),
        session["id"].as_str().expect("id").to_string(),
    )
}

/// The answers before the session ends: synchronize and the legacy manifest.
async fn pending_answers_decode(server: &TestServer, cs: &str, what: &str) {
    let (status, sync) = client_call(server, SYNCHRONIZE, cs).await;
    assert_eq!(status, 200, "{what}: {sync}");
    decodes_everywhere(
        "SynchronizeSessionResponse",
        &sync,
        &format!("{what} synchronize"),
    );
    let (status, manifest) = client_call(server, HOSTED_URL, cs).await;
    assert_eq!(status, 200, "{what}: {manifest}");
    decodes_everywhere(
        "Manifest",
        &manifest,
        &format!("{what} generate_hosted_url"),
    );
}

/// The answers after the session ended as `outcome`.
async fn ended_answers_decode(server: &TestServer, cs: &str, outcome: &str, what: &str) {
    let (status, receipt) = client_call(server, RECEIPT, cs).await;
    if outcome == "failure" {
        assert_eq!(status, 400, "{what}: {receipt}");
        decodes_everywhere("ErrorResponse", &receipt, &format!("{what} receipt"));
        let (status, sync) = client_call(server, SYNCHRONIZE, cs).await;
        assert_eq!(status, 400, "{what}: {sync}");
        decodes_everywhere("ErrorResponse", &sync, &format!("{what} synchronize"));
        return;
    }
    assert_eq!(status, 200, "{what}: {receipt}");
    decodes_everywhere("Session", &receipt, &format!("{what} receipt"));
    let (status, list) = client_call(server, LIST_ACCOUNTS, cs).await;
    assert_eq!(status, 200, "{what}: {list}");
    decodes_everywhere("AccountList", &list, &format!("{what} list_accounts"));
    let (status, completed) = client_call(server, COMPLETE, cs).await;
    assert_eq!(status, 200, "{what}: {completed}");
    decodes_everywhere("Session", &completed, &format!("{what} complete"));
}

#[tokio::test]
async fn every_client_side_answer_decodes_on_both_platforms_for_each_holder_and_outcome() {
    let server = TestServer::start_fc().await;
    for holder in ["customer", "connect"] {
        for outcome in ["success", "cancel", "failure"] {
            let what = format!("{holder} {outcome}");
            let (cs, id) = session(&server, holder).await;
            pending_answers_decode(&server, &cs, &what).await;
            let body = match outcome {
                "failure" => json!({"outcome": "failure", "failure": "login_failed"}),
                other => json!({"outcome": other}),
            };
            let done = server.complete_session(&id, &body).await;
            assert_eq!(done.status, 200, "{what}: {}", done.text);
            ended_answers_decode(&server, &cs, outcome, &what).await;
        }
    }
}

#[tokio::test]
async fn a_token_sessions_receipt_carries_a_token_each_sdk_parses() {
    let server = TestServer::start_fc().await;
    let (cs, id) = session(&server, "connect").await;
    server
        .complete_session(&id, &json!({"outcome": "success"}))
        .await;
    let (_, receipt) = client_call(&server, RECEIPT, &cs).await;
    let token = &receipt["bank_account_token"];
    // Android fails the token flow without a parsable token; iOS silently drops one that
    // does not decode (`try?`), so both are checked as required here.
    let android = decode("android", "Token", token);
    assert!(android.is_empty(), "{android:?}\n{token:#}");
    let ios = decode("ios", "BankAccountToken", token);
    assert!(ios.is_empty(), "{ios:?}\n{token:#}");
}

#[tokio::test]
async fn accounts_with_balances_decode_with_32_bit_timestamps() {
    let server = TestServer::start_fc().await;
    let (cs, id) = session(&server, "customer").await;
    server
        .complete_session(
            &id,
            &json!({"outcome": "success", "accounts": ["success", "credit_card"]}),
        )
        .await;
    let (_, list) = client_call(&server, LIST_ACCOUNTS, &cs).await;
    decodes_everywhere("AccountList", &list, "list_accounts");
    let first = &list["data"][0];
    let created = first["created"].as_i64().expect("created");
    assert!(i32::try_from(created).is_ok(), "Android's Int: {created}");
}

#[test]
fn the_decoder_rejects_what_the_sdks_reject() {
    // A test of the test: the shapes that broke the SDKs before must fail here.
    let null_visual = json!({"manifest": {}, "text": null, "visual": null});
    let errors = decode("android", "SynchronizeSessionResponse", &null_visual);
    assert!(
        errors.iter().any(|e| e.contains("$.visual: null")),
        "{errors:?}"
    );
    let errors = decode("ios", "SynchronizeSessionResponse", &null_visual);
    assert!(
        errors.iter().any(|e| e.contains("$.visual: null")),
        "{errors:?}"
    );
    let big = json!({"last_attempted_at": 4_102_444_800_i64, "status": "succeeded"});
    assert!(
        !decode("android", "BalanceRefresh", &big).is_empty(),
        "2100 overflows Int"
    );
    assert!(
        decode("ios", "BalanceRefresh", &big).is_empty(),
        "Swift Int is 64-bit"
    );
    let no_type = json!({"error": {"message": "x", "code": "y"}});
    assert!(!decode("ios", "ErrorResponse", &no_type).is_empty());
    assert!(decode("android", "ErrorResponse", &no_type).is_empty());
    let unknown = json!({"reason": "bored"});
    assert!(!decode("android", "Cancelled", &unknown).is_empty());
    let missing_nullable = json!({"id": "x"});
    let errors = decode("android", "Manifest", &missing_nullable);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("consent_acquired_at: missing")),
        "{errors:?}"
    );
}
