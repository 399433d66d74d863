//! ACH Direct Debit on Financial Connections: a SetupIntent saves a linked account with a
//! multi-use mandate, a PaymentIntent debits it (`processing` with a pending Charge) and
//! settles on the mock clock or with the settle control; Stripe's test account numbers fail
//! with their return codes; microdeposits verify with Stripe's test amounts and code.

use crate::support::{form, TestServer, KEY};
use serde_json::{json, Value};

const ACCEPTANCE: &[(&str, &str)] = &[
    ("mandate_data[customer_acceptance][type]", "online"),
    (
        "mandate_data[customer_acceptance][online][ip_address]",
        "127.0.0.1",
    ),
    (
        "mandate_data[customer_acceptance][online][user_agent]",
        "fcmock-tests",
    ),
];

/// A customer with a linked account that has the `payment_method` permission.
async fn linked(server: &TestServer) -> (String, String) {
    let (customer, accounts) = server
        .link(
            &["payment_method", "balances"],
            "test_institution",
            &["success"],
        )
        .await;
    let account = accounts[0]["id"].as_str().expect("id").to_string();
    (customer, account)
}

async fn post(server: &TestServer, path: &str, pairs: &[(&str, &str)]) -> Value {
    let response = server.post(path, KEY, &form(pairs)).await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    response.json
}

async fn get(server: &TestServer, path: &str) -> Value {
    let response = server.get(path, KEY).await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    response.json
}

fn event_types(events: &Value) -> Vec<String> {
    let mut types: Vec<String> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    types.reverse();
    types
}

#[tokio::test]
async fn a_setup_intent_saves_a_linked_account_and_a_later_off_session_payment_settles() {
    let server = TestServer::start_fc().await;
    let (customer, account) = linked(&server).await;
    let mut pairs = vec![
        ("customer", customer.as_str()),
        ("payment_method_types[]", "us_bank_account"),
        ("payment_method_data[type]", "us_bank_account"),
        (
            "payment_method_data[us_bank_account][financial_connections_account]",
            account.as_str(),
        ),
        ("payment_method_data[billing_details][name]", "Jenny Rosen"),
        ("confirm", "true"),
    ];
    pairs.extend_from_slice(ACCEPTANCE);
    let si = post(&server, "/v1/setup_intents", &pairs).await;
    assert_eq!(si["status"], "succeeded", "{si:#}");
    assert!(si["client_secret"]
        .as_str()
        .is_some_and(|s| s.starts_with(&format!("{}_secret_", si["id"].as_str().expect("id")))));
    let mandate = get(
        &server,
        &format!("/v1/mandates/{}", si["mandate"].as_str().expect("mandate")),
    )
    .await;
    assert_eq!(mandate["type"], "multi_use");
    assert_eq!(mandate["status"], "active");
    assert_eq!(
        mandate["customer_acceptance"]["online"]["ip_address"],
        "127.0.0.1"
    );
    let pm = si["payment_method"].as_str().expect("pm").to_string();
    let attached = get(&server, &format!("/v1/payment_methods/{pm}")).await;
    assert_eq!(
        attached["customer"],
        customer.as_str(),
        "attached on success"
    );

    // Later, off-session: the saved method and its mandate, no new acceptance.
    let pi = post(
        &server,
        "/v1/payment_intents",
        &[
            ("amount", "2500"),
            ("currency", "usd"),
            ("customer", &customer),
            ("payment_method", &pm),
            ("payment_method_types[]", "us_bank_account"),
            ("off_session", "true"),
            ("confirm", "true"),
        ],
    )
    .await;
    assert_eq!(pi["status"], "processing", "{pi:#}");
    let charge = pi["latest_charge"].as_str().expect("a charge").to_string();
    assert!(charge.starts_with("py_"), "{charge}");
    let pending = get(&server, &format!("/v1/charges/{charge}")).await;
    assert_eq!(pending["status"], "pending");
    assert_eq!(
        pending["payment_method_details"]["us_bank_account"]["last4"],
        attached["us_bank_account"]["last4"]
    );

    // The mock clock passes the settlement delay: the bank pays.
    let moved = server
        .control("/_fcmock/clock", &json!({"advance_seconds": 60}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let pi = get(
        &server,
        &format!("/v1/payment_intents/{}", pi["id"].as_str().expect("id")),
    )
    .await;
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(pi["amount_received"], 2500);
    let paid = get(&server, &format!("/v1/charges/{charge}")).await;
    assert_eq!(
        (paid["status"].clone(), paid["paid"].clone()),
        (json!("succeeded"), json!(true))
    );
    let listed = get(
        &server,
        &format!(
            "/v1/charges?payment_intent={}",
            pi["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));

    let events = get(&server, "/v1/events?limit=100").await;
    let types = event_types(&events);
    for expected in [
        "setup_intent.created",
        "payment_method.attached",
        "setup_intent.succeeded",
        "payment_intent.created",
        "charge.pending",
        "payment_intent.processing",
        "charge.succeeded",
        "payment_intent.succeeded",
    ] {
        assert!(
            types.iter().any(|t| t == expected),
            "{expected} in {types:?}"
        );
    }
}

/// A manually entered account with this number, verified by microdeposits, confirmed: the
/// PaymentIntent id.
async fn manual_payment(server: &TestServer, number: &str) -> String {
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
            number,
        ),
        (
            "payment_method_data[us_bank_account][account_holder_type]",
            "individual",
        ),
        ("payment_method_data[billing_details][name]", "Jenny Rosen"),
        ("confirm", "true"),
    ];
    pairs.extend_from_slice(ACCEPTANCE);
    let pi = post(server, "/v1/payment_intents", &pairs).await;
    assert_eq!(pi["status"], "requires_action", "{pi:#}");
    assert_eq!(pi["next_action"]["type"], "verify_with_microdeposits");
    assert_eq!(
        pi["next_action"]["verify_with_microdeposits"]["microdeposit_type"],
        "amounts"
    );
    let id = pi["id"].as_str().expect("id").to_string();
    let verified = post(
        server,
        &format!("/v1/payment_intents/{id}/verify_microdeposits"),
        &[("amounts[]", "32"), ("amounts[]", "45")],
    )
    .await;
    assert_eq!(verified["status"], "processing", "{verified:#}");
    id
}

#[tokio::test]
async fn stripes_test_numbers_fail_with_their_return_codes_at_settlement() {
    let server = TestServer::start_fc().await;
    for (number, code) in [
        ("000111111113", "account_closed"),
        ("000111111116", "no_account"),
        ("000222222227", "insufficient_funds"),
        ("000333333335", "debit_not_authorized"),
        ("000444444440", "invalid_currency"),
    ] {
        let id = manual_payment(&server, number).await;
        let settled = server.control("/_fcmock/payments/settle", &json!({})).await;
        assert_eq!(settled.json["settled"], 1, "{}", settled.text);
        let pi = get(&server, &format!("/v1/payment_intents/{id}")).await;
        assert_eq!(pi["status"], "requires_payment_method", "{number}");
        assert_eq!(pi["last_payment_error"]["code"], code, "{number}");
        assert!(pi["payment_method"].is_null());
        let charge = get(
            &server,
            &format!(
                "/v1/charges/{}",
                pi["latest_charge"].as_str().expect("a charge")
            ),
        )
        .await;
        assert_eq!(
            (charge["status"].as_str(), charge["failure_code"].as_str()),
            (Some("failed"), Some(code))
        );
    }
    // debit_not_authorized revoked its mandate.
    let events = get(&server, "/v1/events?type=mandate.updated").await;
    assert_eq!(
        events["data"].as_array().map(Vec::len),
        Some(1),
        "{events:#}"
    );
    assert_eq!(events["data"][0]["data"]["object"]["status"], "inactive");
}

#[tokio::test]
async fn a_stay_processing_payment_settles_only_as_scripted_and_can_be_cancelled() {
    let server = TestServer::start_fc().await;
    let stuck = manual_payment(&server, "000000000009").await;
    let settled = server.control("/_fcmock/payments/settle", &json!({})).await;
    assert_eq!(settled.json["settled"], 0);
    let cancelled = post(&server, &format!("/v1/payment_intents/{stuck}/cancel"), &[]).await;
    assert_eq!(cancelled["status"], "canceled");

    let scripted = manual_payment(&server, "000123456789").await;
    let set = server
        .control(
            &format!("/_fcmock/payments/{scripted}/outcome"),
            &json!({"outcome": "fail", "failure_code": "account_closed"}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    server.control("/_fcmock/payments/settle", &json!({})).await;
    let pi = get(&server, &format!("/v1/payment_intents/{scripted}")).await;
    assert_eq!(pi["last_payment_error"]["code"], "account_closed");
    let bad = server
        .control(
            &format!("/_fcmock/payments/{scripted}/outcome"),
            &json!({"outcome": "explode"}),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
}

#[tokio::test]
async fn wrong_microdeposits_are_refused_and_exhaust_verification() {
    let server = TestServer::start_fc().await;
    let mut pairs = vec![
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
        ("payment_method_data[billing_details][name]", "Jenny Rosen"),
        ("confirm", "true"),
    ];
    pairs.extend_from_slice(ACCEPTANCE);
    let si = post(&server, "/v1/setup_intents", &pairs).await;
    assert_eq!(si["status"], "requires_action");
    let id = si["id"].as_str().expect("id");
    let path = format!("/v1/setup_intents/{id}/verify_microdeposits");
    for attempt in 1..=3 {
        let wrong = server
            .post(&path, KEY, &form(&[("amounts[]", "1"), ("amounts[]", "2")]))
            .await;
        assert_eq!(wrong.status, 400, "{}", wrong.text);
        let expected = match attempt {
            3 => "payment_method_microdeposit_verification_attempts_exceeded",
            _ => "payment_method_microdeposit_verification_amounts_mismatch",
        };
        assert_eq!(wrong.error("code"), Some(expected), "attempt {attempt}");
    }
    let si = get(&server, &format!("/v1/setup_intents/{id}")).await;
    assert_eq!(si["status"], "requires_payment_method");
    assert_eq!(
        si["last_setup_error"]["code"],
        "payment_method_microdeposit_verification_attempts_exceeded"
    );
}

#[tokio::test]
async fn a_confirm_without_a_mandate_or_with_other_methods_is_refused_and_stores_nothing() {
    let server = TestServer::start_fc().await;
    let (customer, account) = linked(&server).await;
    let refused = server
        .post(
            "/v1/payment_intents",
            KEY,
            &form(&[
                ("amount", "1000"),
                ("currency", "usd"),
                ("customer", &customer),
                ("payment_method_data[type]", "us_bank_account"),
                (
                    "payment_method_data[us_bank_account][financial_connections_account]",
                    &account,
                ),
                ("payment_method_data[billing_details][name]", "Jenny Rosen"),
                ("confirm", "true"),
            ]),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error("param"), Some("mandate_data"));
    let card = server
        .post(
            "/v1/payment_intents",
            KEY,
            &form(&[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method_types[]", "card"),
            ]),
        )
        .await;
    assert_eq!(card.status, 400);
    let small = server
        .post(
            "/v1/payment_intents",
            KEY,
            &form(&[("amount", "10"), ("currency", "usd")]),
        )
        .await;
    assert_eq!(small.error("code"), Some("amount_too_small"));
    let listed = get(&server, "/v1/payment_intents").await;
    assert_eq!(
        listed["data"].as_array().map(Vec::len),
        Some(0),
        "nothing stored"
    );
    let methods = get(&server, "/v1/payment_methods").await;
    assert_eq!(
        methods["data"].as_array().map(Vec::len),
        Some(0),
        "no method stored"
    );
}

#[tokio::test]
async fn a_state_export_taken_mid_settlement_imports_and_still_settles() {
    let server = TestServer::start_fc().await;
    let id = manual_payment(&server, "000222222227").await;
    let exported = server.get("/_fcmock/state", KEY).await;
    assert_eq!(exported.status, 200, "{}", exported.text);

    let other = TestServer::start_fc().await;
    let imported = other
        .request(
            hyper::Method::PUT,
            "/_fcmock/state",
            &[("content-type", "application/json")],
            exported.text.clone(),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let pending = get(&other, &format!("/v1/payment_intents/{id}")).await;
    assert_eq!(pending["status"], "processing");
    let settled = other.control("/_fcmock/payments/settle", &json!({})).await;
    assert_eq!(settled.json["settled"], 1, "{}", settled.text);
    let pi = get(&other, &format!("/v1/payment_intents/{id}")).await;
    assert_eq!(pi["last_payment_error"]["code"], "insufficient_funds");
}

#[tokio::test]
async fn one_idempotency_key_on_racing_confirms_makes_one_charge() {
    let server = TestServer::start_fc().await;
    let (customer, account) = linked(&server).await;
    let mut pairs = vec![
        ("amount", "1500"),
        ("currency", "usd"),
        ("customer", customer.as_str()),
        ("payment_method_data[type]", "us_bank_account"),
        (
            "payment_method_data[us_bank_account][financial_connections_account]",
            account.as_str(),
        ),
        ("payment_method_data[billing_details][name]", "Jenny Rosen"),
    ];
    pairs.extend_from_slice(ACCEPTANCE);
    let pi = post(&server, "/v1/payment_intents", &pairs[..3]).await;
    let path = format!(
        "/v1/payment_intents/{}/confirm",
        pi["id"].as_str().expect("id")
    );
    let body = form(&pairs[3..]);
    let headers = [("idempotency-key", "confirm-once")];
    let (a, b) = tokio::join!(
        server.post_with(&path, KEY, &headers, &body),
        server.post_with(&path, KEY, &headers, &body)
    );
    assert!(
        [a.status, b.status].contains(&200),
        "{} / {}",
        a.text,
        b.text
    );
    let charges = get(&server, "/v1/charges").await;
    assert_eq!(
        charges["data"].as_array().map(Vec::len),
        Some(1),
        "{charges:#}"
    );
}

#[tokio::test]
async fn the_hosted_verification_url_is_a_page_that_verifies_microdeposits() {
    let server = TestServer::start_fc().await;
    let mut pairs = vec![
        ("amount", "1000"),
        ("currency", "usd"),
        ("payment_method_data[type]", "us_bank_account"),
        (
            "payment_method_data[us_bank_account][routing_number]",
            "110000000",
        ),
        (
            "payment_method_data[us_bank_account][account_number]",
            "000123456789",
        ),
        ("payment_method_data[billing_details][name]", "Jenny Rosen"),
        ("confirm", "true"),
    ];
    pairs.extend_from_slice(ACCEPTANCE);
    let pi = post(&server, "/v1/payment_intents", &pairs).await;
    let url = pi["next_action"]["verify_with_microdeposits"]["hosted_verification_url"]
        .as_str()
        .expect("a hosted URL");
    let path = url
        .strip_prefix(&format!("http://{}", server.addr))
        .expect("on fcmock");
    let page = server.request(hyper::Method::GET, path, &[], "").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("name=\"amount1\""), "{}", page.text);

    let query = path.split_once('?').map(|(_, q)| q).expect("a query");
    let post_form = |extra: &str| format!("{query}&{extra}");
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let wrong = server
        .request(
            hyper::Method::POST,
            "/hosted/verify_microdeposits",
            &headers,
            post_form("amount1=1&amount2=2"),
        )
        .await;
    assert!(wrong.text.contains("do not match"), "{}", wrong.text);
    let right = server
        .request(
            hyper::Method::POST,
            "/hosted/verify_microdeposits",
            &headers,
            post_form("amount1=32&amount2=45"),
        )
        .await;
    assert!(right.text.contains("verified"), "{}", right.text);
    let pi = get(
        &server,
        &format!("/v1/payment_intents/{}", pi["id"].as_str().expect("id")),
    )
    .await;
    assert_eq!(pi["status"], "processing");
    let stranger = server
        .request(
            hyper::Method::GET,
            "/hosted/verify_microdeposits?intent=pi_x&client_secret=y",
            &[],
            "",
        )
        .await;
    assert_eq!(stranger.status, 404);
}

#[tokio::test]
async fn a_disputed_test_payment_succeeds_then_opens_a_lost_dispute() {
    let server = TestServer::start_fc().await;
    let id = manual_payment(&server, "000555555559").await;
    server.control("/_fcmock/payments/settle", &json!({})).await;
    let pi = get(&server, &format!("/v1/payment_intents/{id}")).await;
    assert_eq!(pi["status"], "succeeded", "{pi:#}");
    let charge_id = pi["latest_charge"].as_str().expect("a charge");
    let charge = get(&server, &format!("/v1/charges/{charge_id}")).await;
    assert_eq!(charge["disputed"], true);
    let disputes = get(&server, &format!("/v1/disputes?charge={charge_id}")).await;
    let listed = disputes["data"].as_array().expect("a list");
    assert_eq!(listed.len(), 1, "{disputes:#}");
    let dispute_id = listed[0]["id"].as_str().expect("id");
    assert!(dispute_id.starts_with("du_"), "{dispute_id}");
    let dispute = get(
        &server,
        &format!("/v1/disputes/{dispute_id}?expand[]=charge"),
    )
    .await;
    assert_eq!(dispute["status"], "lost");
    assert_eq!(dispute["amount"], 1000);
    assert_eq!(dispute["payment_intent"], id.as_str());
    assert_eq!(dispute["charge"]["id"], charge_id);
    assert!(dispute["evidence"]["uncategorized_text"].is_null());
    let events = get(&server, "/v1/events?type=charge.dispute.created").await;
    assert_eq!(events["data"][0]["data"]["object"]["id"], dispute_id);
    // Another payment's disputes are not listed with it, and an unknown id is missing.
    let other = manual_payment(&server, "000123456789").await;
    server.control("/_fcmock/payments/settle", &json!({})).await;
    let none = get(&server, &format!("/v1/disputes?payment_intent={other}")).await;
    assert_eq!(none["data"], json!([]));
    let missing = server.get("/v1/disputes/du_nope", KEY).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn microdeposits_not_verified_within_ten_days_revert_the_intent() {
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
        ("confirm", "true"),
    ];
    pairs.extend_from_slice(ACCEPTANCE);
    let pi = post(&server, "/v1/payment_intents", &pairs).await;
    let pi_id = pi["id"].as_str().expect("id").to_string();
    pairs.retain(|(k, _)| !matches!(*k, "amount" | "currency"));
    let si = post(&server, "/v1/setup_intents", &pairs).await;
    let si_id = si["id"].as_str().expect("id").to_string();
    let nine_days = server
        .control("/_fcmock/clock", &json!({"advance_seconds": 9 * 86_400}))
        .await;
    assert_eq!(nine_days.status, 200, "{}", nine_days.text);
    let waiting = get(&server, &format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(
        waiting["status"], "requires_action",
        "still within the window"
    );
    server
        .control("/_fcmock/clock", &json!({"advance_seconds": 86_400}))
        .await;
    let pi = get(&server, &format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(pi["status"], "requires_payment_method", "{pi:#}");
    assert_eq!(
        pi["last_payment_error"]["code"],
        "payment_method_microdeposit_verification_timeout"
    );
    assert!(pi["next_action"].is_null());
    let si = get(&server, &format!("/v1/setup_intents/{si_id}")).await;
    assert_eq!(si["status"], "requires_payment_method", "{si:#}");
    let failed = get(&server, "/v1/events?type=setup_intent.setup_failed").await;
    assert_eq!(failed["data"][0]["data"]["object"]["id"], si_id.as_str());
    let late = server
        .post(
            &format!("/v1/payment_intents/{pi_id}/verify_microdeposits"),
            KEY,
            &form(&[("amounts[]", "32"), ("amounts[]", "45")]),
        )
        .await;
    assert_eq!(late.status, 400, "too late: {}", late.text);
}

#[tokio::test]
async fn a_fault_on_confirm_or_on_verification_leaves_nothing_half_made() {
    let server = TestServer::start_fc().await;
    let (customer, account) = linked(&server).await;
    let pi = post(
        &server,
        "/v1/payment_intents",
        &[
            ("amount", "1000"),
            ("currency", "usd"),
            ("customer", customer.as_str()),
            ("payment_method_types[]", "us_bank_account"),
        ],
    )
    .await;
    let id = pi["id"].as_str().expect("id").to_string();
    let path = format!("/v1/payment_intents/{id}/confirm");
    let fault = server
        .control(
            "/_fcmock/faults",
            &json!({"path_prefix": path, "status": 500}),
        )
        .await;
    assert_eq!(fault.status, 200, "{}", fault.text);
    let mut pairs = vec![
        ("payment_method_data[type]", "us_bank_account"),
        (
            "payment_method_data[us_bank_account][financial_connections_account]",
            account.as_str(),
        ),
        ("payment_method_data[billing_details][name]", "Jenny Rosen"),
    ];
    pairs.extend_from_slice(ACCEPTANCE);
    let failed = server.post(&path, KEY, &form(&pairs)).await;
    assert_eq!(failed.status, 500, "{}", failed.text);
    let untouched = get(&server, &format!("/v1/payment_intents/{id}")).await;
    assert_eq!(untouched["status"], "requires_payment_method");
    assert!(untouched["latest_charge"].is_null());
    let charges = get(&server, &format!("/v1/charges?payment_intent={id}")).await;
    assert_eq!(charges["data"], json!([]));
    let events = get(&server, "/v1/events?type=payment_intent.processing").await;
    assert_eq!(events["data"], json!([]));
    // The retry, with the fault used up, confirms once.
    let confirmed = post(&server, &path, &pairs).await;
    assert_eq!(confirmed["status"], "processing");
    let charges = get(&server, &format!("/v1/charges?payment_intent={id}")).await;
    assert_eq!(charges["data"].as_array().map(Vec::len), Some(1));

    // A fault on verification leaves the microdeposits waiting, attempts uncounted.
    let manual = {
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
            ("payment_method_data[billing_details][name]", "Jenny Rosen"),
            ("confirm", "true"),
        ];
        pairs.extend_from_slice(ACCEPTANCE);
        post(&server, "/v1/payment_intents", &pairs).await
    };
    let manual = manual["id"].as_str().expect("id").to_string();
    let verify = format!("/v1/payment_intents/{manual}/verify_microdeposits");
    server
        .control(
            "/_fcmock/faults",
            &json!({"path_prefix": verify, "status": 503}),
        )
        .await;
    let amounts = [("amounts[]", "32"), ("amounts[]", "45")];
    let failed = server.post(&verify, KEY, &form(&amounts)).await;
    assert_eq!(failed.status, 503, "{}", failed.text);
    let waiting = get(&server, &format!("/v1/payment_intents/{manual}")).await;
    assert_eq!(waiting["status"], "requires_action");
    let verified = post(&server, &verify, &amounts).await;
    assert_eq!(verified["status"], "processing");
}
