//! Webhook endpoints (`we_…`): where a namespace's events are delivered, and the `whsec_…`
//! secret their `Stripe-Signature` is made with.

use super::{object_tag, Metadata};
use crate::model::HasId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

object_tag!(
    /// `"webhook_endpoint"`
    WebhookEndpointTag = "webhook_endpoint"
);

/// A webhook endpoint as stored. [`WebhookEndpoint::to_wire`] renders it; the stored form
/// keeps the secret, which Stripe shows only in the response that created the endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// `we_…`
    pub id: String,
    /// Always `"webhook_endpoint"`.
    pub object: WebhookEndpointTag,
    /// The API version events are rendered with (`null`: the account's default).
    pub api_version: Option<String>,
    /// The Connect application that created it (always `null` in fcmock).
    pub application: Option<String>,
    /// Creation time.
    pub created: i64,
    /// Free-form description.
    pub description: Option<String>,
    /// Event types delivered here; `["*"]` means every type.
    pub enabled_events: Vec<String>,
    /// Always `false`.
    pub livemode: bool,
    /// Key-value pairs.
    pub metadata: Metadata,
    /// `whsec_…`: the signing secret.
    pub secret: String,
    /// `enabled` or `disabled`.
    pub status: String,
    /// Where events are POSTed.
    pub url: String,
}

impl WebhookEndpoint {
    /// The object as the API renders it: `secret` only when `with_secret` (the create
    /// response), as Stripe's API reference says the secret "is only returned at creation".
    pub fn to_wire(&self, with_secret: bool) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if !with_secret {
            if let Value::Object(map) = &mut value {
                // `shift_remove` keeps the remaining fields in Stripe's order.
                map.shift_remove("secret");
            }
        }
        value
    }

    /// Whether an event of this type is delivered here (an enabled endpoint listing the
    /// type, or `*`).
    pub fn wants(&self, event_type: &str) -> bool {
        self.status == "enabled" && matches_enabled(&self.enabled_events, event_type)
    }
}

/// Whether `enabled_events` selects `event_type`: an exact name, or `*` for all.
pub fn matches_enabled(enabled_events: &[String], event_type: &str) -> bool {
    enabled_events.iter().any(|e| e == "*" || e == event_type)
}

/// The stub `DELETE /v1/webhook_endpoints/{id}` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeletedWebhookEndpoint {
    /// `we_…`
    pub id: String,
    /// Always `"webhook_endpoint"`.
    pub object: WebhookEndpointTag,
    /// Always `true`.
    pub deleted: bool,
}

impl HasId for WebhookEndpoint {
    fn id(&self) -> &str {
        &self.id
    }
}
