//! SDK-shaped results of `collectBankAccount` and `verifyMicrodeposits`: what flutter_stripe's
//! native glue (Android `Mappers.kt` `mapFromPaymentIntentResult` /
//! `mapFromSetupIntentResult`, iOS `Mappers.swift` `mapFromPaymentIntent` /
//! `mapFromSetupIntent`) and Stripe.js hand the app, built from the publishable-key intent
//! the SDK's own API calls got back (docs/research/collect-bank-account.md, flutter_stripe
//! at 7f5463c7). Reproduced per platform:
//! - the result is wrapped: `{"paymentIntent": …}` / `{"setupIntent": …}`, or `{"error": …}`
//!   with code `Canceled` ("Bank account collection was canceled.") or `Failed` (§1.1–1.2);
//! - enum values PascalCase (`RequiresConfirmation`, `USBankAccount`); `automatic_async`
//!   capture is `Unknown` (both SDKs map only `automatic` and `manual`, §1.4);
//! - `created` / `canceledAt` are millisecond *strings*; Android sends `canceledAt: "0"`
//!   for an intent never cancelled (its parser's `optLong`), iOS `null` (§2.9);
//! - iOS's PaymentIntent `description` is the object's debug description, not the API
//!   field (NSObject's `description`, §2.4);
//! - a SetupIntent's `lastSetupError` is absent on Android when there is none, `null` on
//!   iOS; its `usage` is `OffSession`/`OnSession`/`OneTime` on Android and
//!   `None`/`OffSession`/`OnSession` on iOS;
//! - `nextAction.arrivalDate` is `"<seconds>"` on Android and `"<seconds>.0"` on iOS.
//!
//! The `paymentMethod` map carries `id`, `paymentMethodType`, `livemode`, `customerId`,
//! `billingDetails` and `USBankAccount`; the glue's other per-type sub-maps (`Card`,
//! `SepaDebit`, …, all null-filled for a bank account) are left out: Dart's `PaymentIntent`
//! ignores `paymentMethod` (§3.2).

use super::sdk::Platform;
use crate::resources::payments::client::IntentKind;
use crate::stripe::error::ApiError;
use serde_json::{json, Map, Value};

/// The glue's text for a cancelled collection, on both platforms (§1.2, §2.2).
pub const COLLECT_CANCELED: &str = "Bank account collection was canceled.";

/// How an SDK call ended.
pub enum Ended {
    /// The intent the last API call returned (publishable view, `payment_method` expanded).
    Intent(Value),
    /// The customer closed the flow; `Value` is the intent as retrieved after it (iOS and
    /// Stripe.js retrieve it, Android does not).
    Canceled(Value),
    /// An API error.
    Failed(ApiError),
    /// The glue refused the call before any API call, with this message.
    Refused(String),
}

/// The method-channel payload.
pub fn flutter(ended: &Ended, kind: IntentKind, platform: Platform) -> Value {
    match ended {
        Ended::Intent(intent) => match kind {
            IntentKind::Payment => json!({"paymentIntent": payment_intent(intent, platform)}),
            IntentKind::Setup => json!({"setupIntent": setup_intent(intent, platform)}),
        },
        Ended::Canceled(_) => glue_error("Canceled", COLLECT_CANCELED),
        Ended::Failed(e) => super::sdk::flutter_failed(platform, e),
        Ended::Refused(message) => glue_error("Failed", message),
    }
}

/// The Stripe.js result: `{paymentIntent}` / `{setupIntent}` in the API's shape with
/// `payment_method` as an id (stripe-js types it `string | null` unless expanded), the
/// intent after a cancel (status `requires_payment_method`, not an error, §5), or `{error}`.
pub fn js(ended: &Ended, kind: IntentKind) -> Value {
    let key = match kind {
        IntentKind::Payment => "paymentIntent",
        IntentKind::Setup => "setupIntent",
    };
    match ended {
        Ended::Intent(intent) | Ended::Canceled(intent) => {
            let mut intent = intent.clone();
            if let Some(id) = intent["payment_method"].get("id").cloned() {
                intent["payment_method"] = id;
            }
            json!({ key: intent })
        }
        Ended::Failed(e) => json!({"error": super::sdk::js_error(e)}),
        Ended::Refused(message) => json!({"error": {
            "type": "validation_error", "message": message
        }}),
    }
}

/// An error the glue makes itself (`createError(code, String)`): message and
/// `localizedMessage` the same text, the Stripe fields `null` on both platforms.
fn glue_error(code: &str, message: &str) -> Value {
    json!({"error": {
        "code": code,
        "message": message,
        "localizedMessage": message,
        "declineCode": null,
        "type": null,
        "stripeErrorCode": null
    }})
}

/// `requires_payment_method` → `RequiresPaymentMethod`.
fn pascal(value: &str) -> String {
    value
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn status(intent: &Value) -> String {
    const KNOWN: &[&str] = &[
        "succeeded",
        "requires_payment_method",
        "requires_confirmation",
        "canceled",
        "processing",
        "requires_action",
        "requires_capture",
    ];
    match intent["status"].as_str() {
        Some(s) if KNOWN.contains(&s) => pascal(s),
        _ => "Unknown".into(),
    }
}

/// `Automatic` / `Manual`, anything else (`automatic_async`) `Unknown`.
fn method(value: &Value) -> &'static str {
    match value.as_str() {
        Some("automatic") => "Automatic",
        Some("manual") => "Manual",
        _ => "Unknown",
    }
}

/// Seconds → the glue's millisecond string.
fn millis(seconds: &Value) -> Value {
    seconds
        .as_i64()
        .map_or(Value::Null, |s| Value::from((s * 1000).to_string()))
}

fn payment_method_id(intent: &Value) -> Value {
    match &intent["payment_method"] {
        Value::Object(pm) => pm.get("id").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    }
}

fn payment_method_map(pm: &Value, platform: Platform) -> Value {
    if !pm.is_object() {
        return Value::Null;
    }
    let bank = &pm["us_bank_account"];
    let address = &pm["billing_details"]["address"];
    let title = |v: &Value| match v.as_str() {
        Some("checking") => "Checking",
        Some("savings") => "Savings",
        Some("individual") => "Individual",
        Some("company") => "Company",
        _ => "Unknown",
    };
    json!({
        "id": pm["id"],
        "paymentMethodType": "USBankAccount",
        "livemode": pm["livemode"],
        "customerId": pm["customer"],
        "billingDetails": {
            "email": pm["billing_details"]["email"],
            "phone": pm["billing_details"]["phone"],
            "name": pm["billing_details"]["name"],
            "address": {
                "country": address["country"], "city": address["city"],
                "line1": address["line1"], "line2": address["line2"],
                "postalCode": address["postal_code"], "state": address["state"]
            }
        },
        "USBankAccount": {
            "routingNumber": bank["routing_number"],
            "accountType": title(&bank["account_type"]),
            "accountHolderType": title(&bank["account_holder_type"]),
            "last4": bank["last4"],
            "bankName": bank["bank_name"],
            "linkedAccount": bank["financial_connections_account"],
            "fingerprint": bank["fingerprint"],
            "preferredNetworks": bank["networks"]["preferred"],
            // Android casts a Kotlin List to ReadableArray and always gets null (§1.7).
            "supportedNetworks": match platform {
                Platform::Android => Value::Null,
                Platform::Ios => bank["networks"]["supported"].clone(),
            }
        }
    })
}

/// `last_payment_error` / `last_setup_error` as the glue maps it.
fn last_error(error: &Value, platform: Platform) -> Value {
    if !error.is_object() {
        return Value::Null;
    }
    let mut map = Map::new();
    for (key, api) in [
        ("code", "code"),
        ("message", "message"),
        ("type", "type"),
        ("declineCode", "decline_code"),
    ] {
        map.insert(key.into(), error.get(api).cloned().unwrap_or(Value::Null));
    }
    let pm = payment_method_map(&error["payment_method"], platform);
    if platform == Platform::Ios || !pm.is_null() {
        map.insert("paymentMethod".into(), pm);
    }
    Value::Object(map)
}

/// `next_action` → the glue's map (only `verify_with_microdeposits` reaches an ACH intent).
fn next_action(intent: &Value, platform: Platform) -> Value {
    let action = &intent["next_action"];
    if action["type"] != "verify_with_microdeposits" {
        return Value::Null;
    }
    let verify = &action["verify_with_microdeposits"];
    let arrival = verify["arrival_date"].as_i64().unwrap_or(0);
    json!({
        "type": "verifyWithMicrodeposits",
        "arrivalDate": match platform {
            Platform::Android => arrival.to_string(),
            Platform::Ios => format!("{arrival}.0"),
        },
        "redirectUrl": verify["hosted_verification_url"],
        "microdepositType": match verify["microdeposit_type"].as_str() {
            Some("amounts") => "amounts",
            Some("descriptor_code") => "descriptorCode",
            _ => "unknown",
        }
    })
}

fn shipping(value: &Value) -> Value {
    if !value.is_object() {
        return Value::Null;
    }
    let a = &value["address"];
    json!({
        "address": {
            "city": a["city"], "country": a["country"], "line1": a["line1"],
            "line2": a["line2"], "postalCode": a["postal_code"], "state": a["state"]
        },
        "name": value["name"], "carrier": value["carrier"], "phone": value["phone"],
        "trackingNumber": value["tracking_number"]
    })
}

fn payment_intent(pi: &Value, platform: Platform) -> Value {
    let (description, canceled_at) = match platform {
        Platform::Android => (
            pi["description"].clone(),
            match &pi["canceled_at"] {
                Value::Null => json!("0"),
                at => millis(at),
            },
        ),
        Platform::Ios => (
            json!(format!(
                "<STPPaymentIntent: 0x600000c04000; stripeId = {}; amount = {}; currency = {}; status = {}>",
                pi["id"].as_str().unwrap_or_default(),
                pi["amount"],
                pi["currency"].as_str().unwrap_or_default(),
                pi["status"].as_str().unwrap_or_default()
            )),
            millis(&pi["canceled_at"]),
        ),
    };
    json!({
        "id": pi["id"],
        "clientSecret": pi["client_secret"],
        "livemode": pi["livemode"],
        "paymentMethodId": payment_method_id(pi),
        "paymentMethod": payment_method_map(&pi["payment_method"], platform),
        "receiptEmail": pi["receipt_email"],
        "currency": pi["currency"],
        "status": status(pi),
        "description": description,
        "created": millis(&pi["created"]),
        "captureMethod": method(&pi["capture_method"]),
        "confirmationMethod": method(&pi["confirmation_method"]),
        "nextAction": next_action(pi, platform),
        "lastPaymentError": last_error(&pi["last_payment_error"], platform),
        "shipping": shipping(&pi["shipping"]),
        "amount": pi["amount"],
        "canceledAt": canceled_at
    })
}

fn setup_intent(si: &Value, platform: Platform) -> Value {
    let usage = match (si["usage"].as_str(), platform) {
        (Some("off_session"), _) => "OffSession",
        (Some("on_session"), _) => "OnSession",
        (Some("one_time"), Platform::Android) => "OneTime",
        (None, Platform::Ios) => "None",
        _ => "Unknown",
    };
    let types: Vec<Value> = si["payment_method_types"]
        .as_array()
        .map(|types| {
            types
                .iter()
                .filter(|t| *t == "us_bank_account")
                .map(|_| json!("USBankAccount"))
                .collect()
        })
        .unwrap_or_default();
    let mut map = json!({
        "id": si["id"],
        "status": status(si),
        "description": si["description"],
        "livemode": si["livemode"],
        "clientSecret": si["client_secret"],
        "paymentMethodId": payment_method_id(si),
        "paymentMethod": payment_method_map(&si["payment_method"], platform),
        "usage": usage,
        "created": millis(&si["created"]),
        "nextAction": next_action(si, platform),
        "paymentMethodTypes": types
    });
    let error = last_error(&si["last_setup_error"], platform);
    if platform == Platform::Ios || !error.is_null() {
        map["lastSetupError"] = error;
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_become_the_glues_pascal_case() {
        assert_eq!(pascal("requires_payment_method"), "RequiresPaymentMethod");
        assert_eq!(status(&json!({"status": "processing"})), "Processing");
        assert_eq!(status(&json!({"status": "weird"})), "Unknown");
        assert_eq!(method(&json!("automatic_async")), "Unknown");
    }

    #[test]
    fn android_and_ios_differ_where_the_glues_do() {
        let pi = json!({"id": "pi_1", "amount": 1000, "currency": "usd", "status": "processing",
            "created": 1_700_000_000, "canceled_at": null, "description": "Order 1",
            "capture_method": "automatic", "confirmation_method": "automatic",
            "client_secret": "pi_1_secret_x", "livemode": false, "payment_method": "pm_1"});
        let android = payment_intent(&pi, Platform::Android);
        let ios = payment_intent(&pi, Platform::Ios);
        assert_eq!(android["created"], "1700000000000");
        assert_eq!(android["canceledAt"], "0");
        assert_eq!(ios["canceledAt"], Value::Null);
        assert_eq!(android["description"], "Order 1");
        assert!(ios["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("<STPPaymentIntent")));
        assert_eq!(android["paymentMethodId"], "pm_1");
        let si = json!({"id": "seti_1", "status": "succeeded", "usage": "off_session",
            "payment_method_types": ["us_bank_account"], "created": 1, "client_secret": "s",
            "livemode": false, "payment_method": "pm_1", "last_setup_error": null});
        assert!(setup_intent(&si, Platform::Android)
            .get("lastSetupError")
            .is_none());
        assert_eq!(
            setup_intent(&si, Platform::Ios)["lastSetupError"],
            Value::Null
        );
        assert_eq!(
            setup_intent(&si, Platform::Ios)["paymentMethodTypes"],
            json!(["USBankAccount"])
        );
    }
}
