//! The QA dashboard (`/_fcmock/ui`) and what it stands on: the page (HTML, escaping, CSP,
//! no foreign resource), `--control-token` with the token form and `?token=`, the Origin
//! check on changes, the live feed `GET /_fcmock/changes`, the listings and request details
//! it reads, resending a delivery, and `fcmock trigger` (the binary) firing every event type
//! fcmock emits, each arriving signed at a webhook endpoint.

use crate::support::{form, TestResponse, TestServer, KEY};
use crate::webhooks::{create_endpoint, secret_of, Receiver};
use hyper::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TOKEN: &str = "qa-dashboard-s3cret";

async fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    server.request(Method::GET, path, headers, "").await
}

async fn feed(server: &TestServer, query: &str) -> Value {
    let response = get(server, &format!("/_fcmock/changes{query}"), &[]).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

#[tokio::test]
async fn the_page_is_server_rendered_html_with_its_own_script_and_a_strict_csp() {
    let server = TestServer::start().await;

    let page = get(&server, "/_fcmock/ui", &[]).await;
    let script = get(&server, "/_fcmock/ui/app.js", &[]).await;
    let style = get(&server, "/_fcmock/ui/app.css", &[]).await;

    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = page.header("content-security-policy").unwrap_or_default();
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(page
        .text
        .contains(r#"<script src="/_fcmock/ui/app.js"></script>"#));
    assert_eq!(page.text.matches("<script").count(), 1, "no inline script");
    for text in [
        "Queue outcome",
        "Settle refreshes",
        "Advance clock",
        "Reset",
        "Confirm reset",
        "Inject fault",
        "Trigger event",
        "Outcome",
        "Complete",
        "Request log",
        "Webhook deliveries",
        "Pending refreshes",
        "Mock clock",
        "Path prefix",
        "Count",
        "financial_connections.account.refreshed_transactions",
        "failure: login_failed",
        "Test Institution",
    ] {
        assert!(page.text.contains(text), "the page shows {text:?}");
    }
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(style.status, 200);
    assert_eq!(
        style.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    for asset in [&page.text, &script.text, &style.text] {
        assert!(
            !asset.contains("http://") && !asset.contains("https://") && !asset.contains("//cdn")
        );
    }
    assert!(
        !script.text.contains("innerHTML"),
        "the script writes text only"
    );
}

#[tokio::test]
async fn keys_and_other_client_text_in_the_page_are_escaped_and_keys_masked() {
    let server = TestServer::start().await;
    let hostile = r#"sk_test_a"><script>alert(1)</script>"#;
    let made = server.post("/v1/customers", hostile, "").await;
    assert_eq!(made.status, 200, "{}", made.text);

    let page = get(&server, "/_fcmock/ui", &[]).await;

    assert!(!page.text.contains("<script>alert(1)"), "{}", page.text);
    assert!(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        page.text.contains(">sk_test_*"),
        "the label shows the key masked"
    );
}

#[tokio::test]
async fn with_a_control_token_the_dashboard_and_its_feed_answer_401_until_the_token_is_shown() {
    let server = TestServer::start_with(|c| c.control_token = Some(TOKEN.into())).await;

    let page = get(&server, "/_fcmock/ui", &[]).await;
    let feed = get(&server, "/_fcmock/changes", &[]).await;
    let script = get(&server, "/_fcmock/ui/app.js", &[]).await;
    let style = get(&server, "/_fcmock/ui/app.css", &[]).await;
    let wrong = get(&server, "/_fcmock/ui?token=nope", &[]).await;
    let admitted = get(&server, &format!("/_fcmock/ui?token={TOKEN}"), &[]).await;

    assert_eq!(page.status, 401);
    assert!(
        page.text.contains("Control token") && page.text.contains(r#"action="/_fcmock/ui/login""#)
    );
    assert_eq!(feed.status, 401, "{}", feed.text);
    assert_eq!(script.status, 401);
    assert_eq!(style.status, 200, "the token form's style needs no token");
    assert_eq!(wrong.status, 401);
    assert_eq!(admitted.status, 303);
    assert_eq!(
        admitted.header("location"),
        Some("/_fcmock/ui"),
        "the token leaves the URL"
    );
    let cookie = admitted
        .header("set-cookie")
        .unwrap_or_default()
        .to_string();
    assert!(cookie.starts_with("fcmock_dashboard="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/_fcmock"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains(TOKEN), "the cookie is not the token");
    let pair = cookie.split(';').next().unwrap_or_default();
    let with_cookie = [("cookie", pair)];
    assert_eq!(get(&server, "/_fcmock/ui", &with_cookie).await.status, 200);
    assert_eq!(
        get(&server, "/_fcmock/changes", &with_cookie).await.status,
        200
    );
    assert_eq!(
        get(&server, "/_fcmock/ui/app.js", &with_cookie)
            .await
            .status,
        200
    );
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        get(&server, "/_fcmock/changes", &[("authorization", &bearer)])
            .await
            .status,
        200
    );
}

/// Posts the dashboard's token form.
async fn login(server: &TestServer, body: String) -> TestResponse {
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    server
        .request(Method::POST, "/_fcmock/ui/login", &headers, body)
        .await
}

#[tokio::test]
async fn the_token_form_sets_the_cookie_and_a_wrong_or_missing_token_shows_it_again() {
    let server = TestServer::start_with(|c| c.control_token = Some(TOKEN.into())).await;
    let right = login(&server, form(&[("token", TOKEN)])).await;
    let wrong = login(&server, form(&[("token", "guess")])).await;
    let missing = login(&server, String::new()).await;

    assert_eq!(right.status, 303);
    assert_eq!(right.header("location"), Some("/_fcmock/ui"));
    assert!(right
        .header("set-cookie")
        .is_some_and(|c| c.starts_with("fcmock_dashboard=")));
    assert_eq!(wrong.status, 401);
    assert!(wrong.text.contains("not the control token"));
    assert!(wrong.header("set-cookie").is_none());
    assert_eq!(missing.status, 400);
}

/// `POST /_fcmock/faults` (a 500 fault) with this `Origin`, or none.
async fn fault_from(server: &TestServer, origin: Option<&str>) -> TestResponse {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(origin) = origin {
        headers.push(("origin", origin));
    }
    let body = json!({"status": 500}).to_string();
    server
        .request(Method::POST, "/_fcmock/faults", &headers, body)
        .await
}

#[tokio::test]
async fn a_change_from_a_page_of_another_origin_is_refused_and_one_from_the_dashboard_passes() {
    let server = TestServer::start().await;
    let own = format!("http://{}", server.addr);

    let forged = fault_from(&server, Some("http://127.0.0.1:3000")).await;
    let opaque = fault_from(&server, Some("null")).await;
    let dashboard = fault_from(&server, Some(&own)).await;
    let script = fault_from(&server, None).await;
    let read = get(
        &server,
        "/_fcmock/faults",
        &[("origin", "http://evil.example")],
    )
    .await;

    assert_eq!(forged.status, 403, "{}", forged.text);
    assert_eq!(opaque.status, 403);
    assert_eq!(dashboard.status, 200, "{}", dashboard.text);
    assert_eq!(script.status, 200, "curl and SDKs send no Origin");
    assert_eq!(read.status, 200);
    assert_eq!(
        server.app.control.faults.list().len(),
        2,
        "only the two allowed"
    );
}

#[tokio::test]
async fn the_feed_answers_at_once_without_since_and_waits_for_a_change_with_it() {
    let server = TestServer::start().await;
    let first = feed(&server, "").await;
    let seq = first["seq"].as_u64().expect("a seq");
    // Reads of the control API change nothing.
    get(&server, "/_fcmock/sessions", &[]).await;
    assert_eq!(feed(&server, "").await["seq"], seq);

    let started = Instant::now();
    let query = format!("?since={seq}&timeout_ms=10000");
    let waiting = feed(&server, &query);
    let change = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        server
            .create_customer(&[("email", "feed@example.com")])
            .await
    };
    let (answer, customer) = tokio::join!(waiting, change);
    let waited = started.elapsed();

    assert!(answer["seq"].as_u64() > Some(seq));
    assert_eq!(answer["changed"], true);
    assert!(
        waited < Duration::from_secs(3),
        "answered {waited:?} after the change"
    );
    assert!(
        waited >= Duration::from_millis(150),
        "it waited for the change"
    );
    let snapshot = &answer["snapshot"];
    assert_eq!(snapshot["namespaces"][0]["api_key"], KEY);
    assert_eq!(snapshot["namespaces"][0]["customers"], 1);
    let logged = snapshot["requests"].as_array().expect("requests");
    assert_eq!(
        logged.last().map(|r| r["path"].clone()),
        Some(json!("/v1/customers"))
    );
    assert!(customer["id"].is_string());

    let quiet = feed(&server, &format!("?since={}&timeout_ms=100", answer["seq"])).await;
    assert_eq!(quiet["changed"], false);
    assert_eq!(quiet["seq"], answer["seq"]);
}

#[tokio::test]
async fn the_feed_shows_one_namespace_with_masked_keys_when_asked() {
    let server = TestServer::start_fc().await;
    let other = "sk_test_dashboard_other";
    let customer = server.create_customer(&[]).await;
    let session = server
        .create_session(
            customer["id"].as_str().unwrap_or_default(),
            &["balances"],
            &[],
        )
        .await;
    server.post("/v1/customers", other, "").await;

    let all = feed(&server, "").await;
    let mine = feed(&server, &format!("?api_key={KEY}")).await;

    assert_eq!(
        all["snapshot"]["namespaces"].as_array().map(Vec::len),
        Some(2)
    );
    let sessions = mine["snapshot"]["sessions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["id"], session["id"]);
    assert_eq!(sessions[0]["status"], "pending");
    assert_eq!(sessions[0]["account_holder"]["customer"], customer["id"]);
    let masked = sessions[0]["api_key_namespace"]
        .as_str()
        .unwrap_or_default();
    assert!(
        masked.starts_with("sk_test_*") && !masked.contains("integration"),
        "{masked}"
    );
    let requests = mine["snapshot"]["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(requests.iter().all(|r| r["api_key_namespace"] == masked));
}

#[tokio::test]
async fn accounts_and_pending_refreshes_are_listed_with_their_states() {
    let server = TestServer::start_fc().await;
    let customer = server.create_customer(&[]).await;
    let customer = customer["id"].as_str().unwrap_or_default();
    let session = server.create_session(customer, &["balances"], &[]).await;
    let session = session["id"].as_str().unwrap_or_default();
    server
        .complete_session(session, &json!({"outcome": "success"}))
        .await;
    let accounts = get(&server, "/_fcmock/accounts", &[]).await;
    let account = accounts.json["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let path = format!("/v1/financial_connections/accounts/{account}/refresh");
    let refreshed = server.post(&path, KEY, "features[]=balance").await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);

    let pending = get(&server, "/_fcmock/refreshes", &[]).await;
    let listed = get(&server, &format!("/_fcmock/accounts?api_key={KEY}"), &[]).await;
    let institutions = get(&server, "/_fcmock/institutions", &[]).await;

    assert_eq!(pending.json["data"][0]["account"], account.as_str());
    assert_eq!(pending.json["data"][0]["feature"], "balance");
    let row = &listed.json["data"][0];
    assert_eq!(
        (row["status"].clone(), row["session"].clone()),
        (json!("active"), json!(session))
    );
    assert_eq!(row["balance_refresh"]["status"], "pending");
    assert_eq!(institutions.json["data"][0]["key"], "test_institution");
}

#[tokio::test]
async fn a_logged_request_opens_with_its_parameters_and_the_response_it_got() {
    let server = TestServer::start().await;
    let customer = server
        .create_customer(&[("email", "log@example.com")])
        .await;
    let log = get(&server, "/_fcmock/requests", &[]).await;
    let id = log.json["data"][0]["request_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let detail = get(&server, &format!("/_fcmock/requests/{id}"), &[]).await;
    let missing = get(&server, "/_fcmock/requests/req_missing", &[]).await;

    assert_eq!(detail.status, 200, "{}", detail.text);
    assert_eq!(detail.json["params"]["email"], "log@example.com");
    assert_eq!(detail.json["response"]["id"], customer["id"]);
    assert_eq!(detail.json["response_truncated"], false);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error("code"), Some("resource_missing"));
}

#[tokio::test]
async fn resend_delivers_the_same_event_again_to_the_same_endpoint() {
    let server = TestServer::start().await;
    let receiver = Receiver::start(&[]).await;
    let endpoint = create_endpoint(&server, KEY, &receiver.url, &["customer.created"]).await;
    server.create_customer(&[]).await;
    server.control("/_fcmock/webhooks/flush", &json!({})).await;
    let first = get(&server, "/_fcmock/webhooks/deliveries", &[]).await;
    let id = first.json[0]["id"].as_u64().expect("a delivery id");

    let resent = server
        .control(
            &format!("/_fcmock/webhooks/deliveries/{id}/resend"),
            &json!({}),
        )
        .await;
    server.control("/_fcmock/webhooks/flush", &json!({})).await;
    let missing = server
        .control("/_fcmock/webhooks/deliveries/999/resend", &json!({}))
        .await;

    assert_eq!(resent.status, 200, "{}", resent.text);
    assert_ne!(resent.json["id"].as_u64(), Some(id));
    assert_eq!(resent.json["event"], first.json[0]["event"]);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].json()["id"], got[1].json()["id"]);
    got[1].verify(&secret_of(&endpoint));
    assert_eq!(missing.status, 404);
}

/// Runs the `fcmock` binary with these arguments, none of the environment's fcmock or
/// Stripe settings leaking in. Returns (success, stdout, stderr).
async fn fcmock_cli(args: &[&str]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fcmock"))
        .args(args)
        .env_remove("FCMOCK_CONTROL_TOKEN")
        .env_remove("FCMOCK_URL")
        .env_remove("STRIPE_API_KEY")
        .output()
        .await
        .expect("the fcmock binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn fcmock_trigger_fires_every_event_type_and_each_arrives_signed_at_a_webhook_endpoint() {
    let server = TestServer::start_fc().await;
    let receiver = Receiver::start(&[]).await;
    let endpoint = create_endpoint(&server, KEY, &receiver.url, &["*"]).await;
    let url = format!("http://{}", server.addr);
    let types: Vec<&str> = fcmock::resources::REGISTRY.event_types().collect();
    assert!(types.len() >= 16, "{types:?}");

    for event in &types {
        let (ok, out, err) = fcmock_cli(&["trigger", event, "--url", &url, "--api-key", KEY]).await;
        assert!(ok, "fcmock trigger {event}: {err}");
        assert!(out.contains("* evt_") && out.contains(event), "{out}");
    }
    let flushed = server.control("/_fcmock/webhooks/flush", &json!({})).await;

    assert_eq!(flushed.json["pending"], 0, "{}", flushed.text);
    let secret = secret_of(&endpoint);
    let got = receiver.received();
    for event in &types {
        let arrived = got.iter().find(|r| r.json()["type"] == *event);
        let arrived = arrived.unwrap_or_else(|| panic!("{event} reached the endpoint"));
        arrived.verify(&secret);
        assert_eq!(arrived.json()["object"], "event");
    }
}

#[tokio::test]
async fn a_trigger_leaves_queued_outcomes_alone_and_names_the_known_types_for_an_unknown_one() {
    let server = TestServer::start_fc().await;
    server
        .control(
            "/_fcmock/scenarios",
            &json!({"outcome": "cancel", "auto_complete": true}),
        )
        .await;

    let fired = server
        .control(
            "/_fcmock/trigger",
            &json!({"event": "financial_connections.account.created", "api_key": KEY}),
        )
        .await;
    let unknown = server
        .control("/_fcmock/trigger", &json!({"event": "invoice.paid"}))
        .await;
    let listed = get(&server, "/_fcmock/trigger", &[]).await;

    assert_eq!(fired.status, 200, "{}", fired.text);
    assert_eq!(
        fired.json["event"]["type"],
        "financial_connections.account.created"
    );
    assert!(fired.json["objects"]["account"]
        .as_str()
        .is_some_and(|a| a.starts_with("fca_")));
    assert_eq!(
        server.app.control.scenarios.list().len(),
        1,
        "the queued cancel is still there"
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.error("param"), Some("event"));
    assert!(unknown
        .error("message")
        .is_some_and(|m| m.contains("customer.created")));
    assert_eq!(
        listed.json["data"].as_array().map(Vec::len),
        Some(fcmock::resources::REGISTRY.event_types().count())
    );
}

#[tokio::test]
async fn fcmock_trigger_sends_the_control_token_and_lists_the_types() {
    let server = TestServer::start_with(|c| c.control_token = Some(TOKEN.into())).await;
    let url = format!("http://{}", server.addr);

    let refused = fcmock_cli(&["trigger", "customer.created", "--url", &url]).await;
    let accepted = fcmock_cli(&[
        "trigger",
        "customer.created",
        "--url",
        &url,
        "--control-token",
        TOKEN,
    ])
    .await;
    let list = fcmock_cli(&["trigger", "--list", "--url", &url, "--control-token", TOKEN]).await;

    assert!(!refused.0);
    assert!(refused.2.contains("--control-token"), "{}", refused.2);
    assert!(accepted.0, "{}", accepted.2);
    assert!(
        accepted.1.contains("sk_test_*"),
        "the default key, masked: {}",
        accepted.1
    );
    assert!(
        list.0
            && list
                .1
                .lines()
                .any(|l| l == "financial_connections.account.reactivated")
    );
}
