//! Webhook endpoints and signed deliveries: the endpoint API, `Stripe-Signature`, which
//! events go where, retries with fresh signatures, `--webhook`, flush and the delivery log.
//! Each test runs a small receiver on 127.0.0.1:0 that answers with scripted statuses.

use crate::support::{form, TestResponse, TestServer, KEY};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook bodies are JSON")
    }

    /// `t` of the `Stripe-Signature` header, after checking its `v1` against `secret` the
    /// way the official libraries do: HMAC-SHA256 over `"{t}.{body}"`.
    pub(crate) fn verify(&self, secret: &str) -> i64 {
        let header = self.header("stripe-signature");
        let mut t = None;
        let mut v1 = Vec::new();
        for part in header.split(',') {
            match part.split_once('=') {
                Some(("t", value)) => t = value.parse::<i64>().ok(),
                Some(("v1", value)) => v1.push(value.to_string()),
                _ => {}
            }
        }
        let t = t.expect("the header carries t=");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
        mac.update(format!("{t}.").as_bytes());
        mac.update(&self.body);
        let expected = hex::encode(mac.finalize().into_bytes());
        assert!(v1.contains(&expected), "no valid v1 in {header}");
        t
    }
}

/// A webhook receiver on 127.0.0.1:0 that answers each request with the next scripted
/// status (200 once the script is used up).
pub(crate) struct Receiver {
    pub(crate) url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub(crate) async fn start(script: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port 0 is always bindable");
        let url = format!(
            "http://{}/webhook",
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                let script = Arc::clone(&script);
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let log = Arc::clone(&log);
                            let script = Arc::clone(&script);
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                log.lock().push(Received {
                                    headers: parts.headers,
                                    body,
                                });
                                let status = script.lock().pop_front().unwrap_or(200);
                                Ok::<_, Infallible>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .body(Full::new(Bytes::from_static(b"ok")))
                                        .expect("a valid response"),
                                )
                            }
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { url, received }
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().clone()
    }
}

/// Creates an endpoint for `url` with these events; returns it (with its secret).
pub(crate) async fn create_endpoint(
    server: &TestServer,
    key: &str,
    url: &str,
    events: &[&str],
) -> Value {
    let mut pairs = vec![("url", url)];
    pairs.extend(events.iter().map(|e| ("enabled_events[]", *e)));
    let response = server
        .post("/v1/webhook_endpoints", key, &form(&pairs))
        .await;
    assert_eq!(
        response.status, 200,
        "creating an endpoint: {}",
        response.text
    );
    response.json
}

async fn flush(server: &TestServer, body: Value) -> TestResponse {
    let response = server.control("/_fcmock/webhooks/flush", &body).await;
    assert_eq!(response.status, 200, "flushing: {}", response.text);
    response
}

pub(crate) fn secret_of(endpoint: &Value) -> String {
    endpoint["secret"]
        .as_str()
        .expect("create returns the secret")
        .to_string()
}

#[tokio::test]
async fn an_endpoint_shows_its_secret_only_when_created() {
    let server = TestServer::start().await;
    let created = create_endpoint(&server, KEY, "http://127.0.0.1:9/hook", &["*"]).await;
    let id = created["id"].as_str().expect("an id");
    let path = format!("/v1/webhook_endpoints/{id}");

    let retrieved = server.get(&path, KEY).await;
    let listed = server.get("/v1/webhook_endpoints", KEY).await;
    let updated = server
        .post(
            &path,
            KEY,
            &form(&[
                ("disabled", "true"),
                ("description", "orders"),
                ("enabled_events[]", "customer.created"),
                ("metadata[team]", "billing"),
            ]),
        )
        .await;
    let deleted = server.delete(&path, KEY).await;
    let gone = server.get(&path, KEY).await;

    assert!(id.starts_with("we_"));
    assert!(secret_of(&created).starts_with("whsec_"));
    assert_eq!(created["object"], "webhook_endpoint");
    assert_eq!(created["status"], "enabled");
    assert_eq!(created["enabled_events"], json!(["*"]));
    assert_eq!(created["api_version"], Value::Null);
    assert_eq!(created["livemode"], false);
    assert!(retrieved.json.get("secret").is_none(), "{}", retrieved.text);
    assert_eq!(retrieved.json["url"], "http://127.0.0.1:9/hook");
    assert_eq!(listed.json["data"][0]["id"], id);
    assert!(listed.json["data"][0].get("secret").is_none());
    assert_eq!(updated.json["status"], "disabled");
    assert_eq!(updated.json["description"], "orders");
    assert_eq!(updated.json["enabled_events"], json!(["customer.created"]));
    assert_eq!(updated.json["metadata"], json!({"team": "billing"}));
    assert_eq!(
        deleted.json,
        json!({"id": id, "object": "webhook_endpoint", "deleted": true})
    );
    assert_eq!(gone.status, 404);
    assert_eq!(gone.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn an_endpoint_needs_a_url_and_well_formed_event_types() {
    let server = TestServer::start().await;

    let no_url = server
        .post("/v1/webhook_endpoints", KEY, "enabled_events[]=*")
        .await;
    let no_events = server
        .post("/v1/webhook_endpoints", KEY, "url=http://127.0.0.1:9/")
        .await;
    let bad_url = server
        .post(
            "/v1/webhook_endpoints",
            KEY,
            "url=ftp://example.com&enabled_events[]=*",
        )
        .await;
    let bad_event = server
        .post(
            "/v1/webhook_endpoints",
            KEY,
            "url=http://127.0.0.1:9/&enabled_events[]=*&enabled_events[]=Not%20An%20Event",
        )
        .await;

    assert_eq!(no_url.error("code"), Some("parameter_missing"));
    assert_eq!(no_url.error("param"), Some("url"));
    assert_eq!(no_events.error("param"), Some("enabled_events"));
    assert_eq!(bad_url.error("code"), Some("url_invalid"));
    assert_eq!(bad_event.status, 400);
    assert_eq!(bad_event.error("param"), Some("enabled_events[1]"));
}

#[tokio::test]
async fn a_delivery_is_the_event_signed_with_the_endpoints_secret() {
    let server = TestServer::start().await;
    let receiver = Receiver::start(&[]).await;
    let endpoint = create_endpoint(&server, KEY, &receiver.url, &["customer.created"]).await;
    let customer = server.create_customer(&[("email", "a@example.com")]).await;
    let event_id = {
        let list = server.get("/v1/events", KEY).await;
        // Right after the request the delivery may still be pending.
        assert!(list.json["data"][0]["pending_webhooks"].as_u64() <= Some(1));
        list.json["data"][0]["id"]
            .as_str()
            .expect("an event")
            .to_string()
    };

    let flushed = flush(&server, json!({"api_key": KEY})).await;

    assert_eq!(
        flushed.json,
        json!({"delivered": 1, "failed": 0, "pending": 0})
    );
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let delivery = &got[0];
    let t = delivery.verify(&secret_of(&endpoint));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    assert!(
        (now - t).abs() < 60,
        "t is wall-clock time, not the frozen mock clock"
    );
    assert!(delivery
        .header("stripe-signature")
        .starts_with(&format!("t={t},v1=")));
    assert_eq!(
        delivery.header("content-type"),
        "application/json; charset=utf-8"
    );
    assert_eq!(
        delivery.header("user-agent"),
        "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    );
    let body = delivery.json();
    assert_eq!(body["id"], event_id.as_str());
    assert_eq!(body["type"], "customer.created");
    assert_eq!(body["pending_webhooks"], 1);
    assert_eq!(body["data"]["object"], customer);
    // Delivered: the event no longer counts the delivery as pending.
    let event = server.get(&format!("/v1/events/{event_id}"), KEY).await;
    assert_eq!(event.json["pending_webhooks"], 0);
}

#[tokio::test]
async fn only_enabled_endpoints_of_the_namespace_that_want_the_type_get_it() {
    let server = TestServer::start().await;
    let wants_updates = Receiver::start(&[]).await;
    let disabled = Receiver::start(&[]).await;
    let other_key = Receiver::start(&[]).await;
    create_endpoint(&server, KEY, &wants_updates.url, &["customer.updated"]).await;
    let off = create_endpoint(&server, KEY, &disabled.url, &["*"]).await;
    server
        .post(
            &format!("/v1/webhook_endpoints/{}", off["id"].as_str().expect("id")),
            KEY,
            "disabled=true",
        )
        .await;
    create_endpoint(&server, "sk_test_other", &other_key.url, &["*"]).await;

    let customer = server.create_customer(&[]).await;
    let id = customer["id"].as_str().expect("an id");
    server
        .post(&format!("/v1/customers/{id}"), KEY, "name=Jenny")
        .await;
    flush(&server, json!({})).await;

    let got = wants_updates.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "customer.updated");
    assert!(disabled.received().is_empty());
    assert!(other_key.received().is_empty());
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_each_signed_with_a_new_timestamp() {
    // One-second base: retries 1 s and 2 s later, so each attempt's `t` differs.
    let server = TestServer::start_with(|c| c.webhook_retry_base_ms = 1000).await;
    let receiver = Receiver::start(&[500, 503]).await;
    let endpoint = create_endpoint(&server, KEY, &receiver.url, &["*"]).await;
    server.create_customer(&[]).await;

    let flushed = flush(&server, json!({})).await;

    assert_eq!(flushed.json["delivered"], 1);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let secret = secret_of(&endpoint);
    let stamps: Vec<i64> = got.iter().map(|r| r.verify(&secret)).collect();
    assert!(stamps[0] < stamps[1] && stamps[1] < stamps[2], "{stamps:?}");
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "the same event each time"
    );
    let log = server
        .request(hyper::Method::GET, "/_fcmock/webhooks/deliveries", &[], "")
        .await;
    let delivery = &log.json[0];
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["url"], receiver.url.as_str());
    assert_eq!(delivery["endpoint"], endpoint["id"]);
    assert_eq!(delivery["type"], "customer.created");
    let statuses: Vec<&Value> = delivery["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(503), &json!(200)]);
    assert_eq!(delivery["attempts"][2]["at"], stamps[2]);
}

#[tokio::test]
async fn a_receiver_that_never_answers_2xx_fails_after_the_last_attempt() {
    let server = TestServer::start_with(|c| {
        c.webhook_retry_base_ms = 10;
        c.webhook_max_attempts = 3;
    })
    .await;
    let receiver = Receiver::start(&[500, 500, 500, 500]).await;
    create_endpoint(&server, KEY, &receiver.url, &["*"]).await;
    server.create_customer(&[]).await;

    let flushed = flush(&server, json!({"api_key": KEY})).await;

    assert_eq!(
        flushed.json,
        json!({"delivered": 0, "failed": 1, "pending": 0})
    );
    assert_eq!(receiver.received().len(), 3);
    // Stripe counts undelivered webhooks in `pending_webhooks`, failed ones included.
    let events = server.get("/v1/events", KEY).await;
    assert_eq!(events.json["data"][0]["pending_webhooks"], 1);
    let undelivered = server.get("/v1/events?delivery_success=false", KEY).await;
    assert_eq!(undelivered.json["data"].as_array().map(Vec::len), Some(1));
    let log = server
        .request(hyper::Method::GET, "/_fcmock/webhooks/deliveries", &[], "")
        .await;
    assert_eq!(log.json[0]["state"], "failed");
    assert_eq!(log.json[0]["attempts"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn an_unreachable_endpoint_records_the_connection_error() {
    let server = TestServer::start_with(|c| c.webhook_max_attempts = 1).await;
    // Bind and drop: nothing listens on this port any more.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bindable");
        listener.local_addr().expect("an address").port()
    };
    create_endpoint(
        &server,
        KEY,
        &format!("http://127.0.0.1:{port}/hook"),
        &["*"],
    )
    .await;
    server.create_customer(&[]).await;

    let flushed = flush(&server, json!({})).await;

    assert_eq!(flushed.json["failed"], 1);
    let log = server
        .request(hyper::Method::GET, "/_fcmock/webhooks/deliveries", &[], "")
        .await;
    let attempt = &log.json[0]["attempts"][0];
    assert_eq!(attempt["status"], Value::Null);
    assert!(
        attempt["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{attempt}"
    );
}

#[tokio::test]
async fn a_flush_that_skips_back_off_retries_at_once() {
    // A back-off no test would wait for.
    let server = TestServer::start_with(|c| c.webhook_retry_base_ms = 600_000).await;
    let receiver = Receiver::start(&[500]).await;
    create_endpoint(&server, KEY, &receiver.url, &["*"]).await;
    server.create_customer(&[]).await;

    let started = std::time::Instant::now();
    let flushed = flush(&server, json!({"skip_backoff": true})).await;

    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(flushed.json["delivered"], 1);
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn the_global_webhook_receives_every_namespaces_events_in_order() {
    let receiver = Receiver::start(&[]).await;
    let url = receiver.url.clone();
    let server = TestServer::start_with(move |c| {
        c.webhook = Some(url);
        c.webhook_secret = Some("whsec_global_test".into());
    })
    .await;
    let settings = server
        .request(hyper::Method::GET, "/_fcmock/webhooks", &[], "")
        .await;
    assert_eq!(settings.json["global"]["secret"], "whsec_global_test");

    let first = server.create_customer(&[]).await;
    let second = server
        .post("/v1/customers", "sk_test_other", "name=B")
        .await;
    let id = first["id"].as_str().expect("an id");
    server
        .post(&format!("/v1/customers/{id}"), KEY, "name=A")
        .await;
    flush(&server, json!({})).await;

    let got = receiver.received();
    let seen: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            r.verify("whsec_global_test");
            let body = r.json();
            (
                body["type"].as_str().unwrap_or_default().to_string(),
                body["data"]["object"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let second_id = second.json["id"].as_str().expect("an id").to_string();
    assert_eq!(
        seen,
        [
            ("customer.created".to_string(), id.to_string()),
            ("customer.created".to_string(), second_id),
            ("customer.updated".to_string(), id.to_string()),
        ]
    );
    let log = server
        .request(
            hyper::Method::GET,
            "/_fcmock/webhooks/deliveries?api_key=sk_test_other",
            &[],
            "",
        )
        .await;
    assert_eq!(log.json.as_array().map(Vec::len), Some(1));
    assert_eq!(log.json[0]["endpoint"], Value::Null);
}

#[tokio::test]
async fn an_endpoint_with_an_api_version_gets_events_rendered_at_it() {
    let server = TestServer::start().await;
    let receiver = Receiver::start(&[]).await;
    let created = server
        .post(
            "/v1/webhook_endpoints",
            KEY,
            &form(&[
                ("url", &receiver.url),
                ("enabled_events[]", "customer.created"),
                ("api_version", "2025-08-27.basil"),
            ]),
        )
        .await;
    assert_eq!(created.json["api_version"], "2025-08-27.basil");
    server.create_customer(&[("email", "a@example.com")]).await;

    flush(&server, json!({"api_key": KEY})).await;

    let got = receiver.received();
    assert_eq!(got.len(), 1);
    got[0].verify(&secret_of(&created.json));
    let body = got[0].json();
    assert_eq!(body["api_version"], "2025-08-27.basil");
    let customer = body["data"]["object"].as_object().expect("the customer");
    assert!(!customer.contains_key("business_name"), "{customer:?}");
    // The stored event keeps the account's default version and shape.
    let stored = server.get("/v1/events", KEY).await;
    assert_eq!(stored.json["data"][0]["api_version"], "2026-11-18.endive");
    assert!(stored.json["data"][0]["data"]["object"]["business_name"].is_null());
    assert!(stored.json["data"][0]["data"]["object"]
        .as_object()
        .is_some_and(|c| c.contains_key("business_name")));
}

#[tokio::test]
async fn an_endpoint_with_an_unknown_api_version_is_refused() {
    let server = TestServer::start().await;

    let refused = server
        .post(
            "/v1/webhook_endpoints",
            KEY,
            &form(&[
                ("url", "http://127.0.0.1:9/hook"),
                ("enabled_events[]", "*"),
                ("api_version", "2025-07-30"),
            ]),
        )
        .await;

    assert_eq!(refused.status, 400);
    assert_eq!(refused.error("param"), Some("api_version"));
    let list = server.get("/v1/webhook_endpoints", KEY).await;
    assert_eq!(list.json["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn an_event_type_stripe_does_not_document_is_refused_with_the_known_types() {
    let server = TestServer::start().await;

    let invented = server
        .post(
            "/v1/webhook_endpoints",
            KEY,
            "url=http://127.0.0.1:9/&enabled_events[]=customer.created&enabled_events[]=customer.invented",
        )
        .await;
    let stripes = server
        .post(
            "/v1/webhook_endpoints",
            KEY,
            &form(&[
                ("url", "http://127.0.0.1:9/"),
                ("enabled_events[]", "invoice.paid"),
                ("enabled_events[]", "payment_method.attached"),
                (
                    "enabled_events[]",
                    "financial_connections.account.upcoming_deactivation",
                ),
            ]),
        )
        .await;
    let created = create_endpoint(&server, KEY, "http://127.0.0.1:9/", &["*"]).await;
    let updated = server
        .post(
            &format!(
                "/v1/webhook_endpoints/{}",
                created["id"].as_str().expect("an id")
            ),
            KEY,
            "enabled_events[]=customer.invented",
        )
        .await;

    assert_eq!(invented.status, 400, "{}", invented.text);
    assert_eq!(invented.error("param"), Some("enabled_events[1]"));
    let message = invented.error("message").unwrap_or_default();
    assert!(
        message.starts_with(
            "Invalid enabled_events[1]: must be one of account.application.authorized, \
             account.application.deauthorized, account.external_account.created"
        ),
        "{message}"
    );
    assert!(message.contains("financial_connections.account.created"));
    assert_eq!(stripes.status, 200, "{}", stripes.text);
    assert_eq!(updated.status, 400, "{}", updated.text);
    assert_eq!(updated.error("param"), Some("enabled_events[0]"));
}

#[tokio::test]
async fn a_delivered_body_is_pretty_printed_down_to_the_event_object() {
    let server = TestServer::start().await;
    let receiver = Receiver::start(&[]).await;
    create_endpoint(&server, KEY, &receiver.url, &["customer.created"]).await;
    server.create_customer(&[("email", "a@example.com")]).await;

    flush(&server, json!({"api_key": KEY})).await;

    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let body = String::from_utf8_lossy(&got[0].body).into_owned();
    let pretty = serde_json::to_string_pretty(&got[0].json()).expect("JSON renders");
    assert_eq!(
        body, pretty,
        "the whole body, data.object included, is indented"
    );
    assert!(body.contains("\n      \"object\": \"customer\","), "{body}");
}
