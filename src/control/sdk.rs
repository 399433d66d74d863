//! `/_fcmock/sdk/{flutter|js}/{method}`: the results flutter_stripe / React Native's method
//! channel and Stripe.js would hand an app, for tests that fake the SDK. The payloads are
//! built by [`crate::auth_page::sdk`]; this is only the route.

use super::sdk_intents::{self, IntentMethod};
use super::{parse_body, ControlResult};
use crate::app::App;
use crate::auth_page::sdk::{self, Platform, SdkMethod};
use crate::stripe::error::ApiError;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body {
    client_secret: String,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default, alias = "wait_ms")]
    wait_ms: Option<u64>,
}

/// The SDKs fcmock fakes.
#[derive(Debug, Clone, Copy)]
enum Sdk {
    Flutter,
    Js,
}

/// `POST /_fcmock/sdk/{sdk}/{method}`.
pub async fn result(app: &App, path: &str, sdk: &str, method: &str, body: &[u8]) -> ControlResult {
    let sdk = match sdk {
        "flutter" => Sdk::Flutter,
        "js" => Sdk::Js,
        _ => return Err(not_found(path)),
    };
    let method = match method {
        "collect_financial_connections_accounts" => SdkMethod::Accounts,
        "collect_bank_account_token" => SdkMethod::Token,
        "collect_bank_account" => {
            return intent_result(app, sdk, IntentMethod::Collect, body).await
        }
        "verify_microdeposits" => return intent_result(app, sdk, IntentMethod::Verify, body).await,
        _ => return Err(not_found(path)),
    };
    let body: Body = parse_body(body)?;
    let platform = match (sdk, body.platform) {
        (Sdk::Flutter, None) => {
            return Err(ApiError::missing_parameter("platform").with_param("platform"))
        }
        (Sdk::Flutter, platform) => platform,
        (Sdk::Js, _) => None,
    };
    sdk::settle(app, &body.client_secret, body.wait_ms.unwrap_or(0)).await?;
    Ok(match platform {
        Some(platform) => sdk::flutter_result(app, &body.client_secret, platform, method),
        None => sdk::js_result(app, &body.client_secret, method),
    })
}

/// `collect_bank_account` / `verify_microdeposits` (flutter needs a `platform`).
async fn intent_result(app: &App, sdk: Sdk, method: IntentMethod, body: &[u8]) -> ControlResult {
    let body: sdk_intents::Body = parse_body(body)?;
    let platform = match (sdk, body.platform) {
        (Sdk::Flutter, None) => {
            return Err(ApiError::missing_parameter("platform").with_param("platform"))
        }
        (Sdk::Flutter, platform) => platform,
        (Sdk::Js, _) => None,
    };
    sdk_intents::result(app, method, body, platform).await
}

/// The SDK methods fcmock fakes, by their path segment.
const METHODS: &[&str] = &[
    "collect_financial_connections_accounts",
    "collect_bank_account_token",
    "collect_bank_account",
    "verify_microdeposits",
];

/// A known SDK route called with another method than POST.
pub fn wrong_method(path: &str, sdk: &str, method: &str) -> ApiError {
    let known = matches!(sdk, "flutter" | "js") && METHODS.contains(&method);
    if known {
        ApiError::invalid_request(format!("Use POST for {path}.")).with_status(405)
    } else {
        not_found(path)
    }
}

/// The error for a path under `/_fcmock/sdk/` that names no SDK method.
pub fn not_found(path: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "Unknown SDK route: {path}. Use /_fcmock/sdk/{{flutter|js}}/{{{}}}.",
        METHODS.join("|")
    ))
    .with_status(404)
}
