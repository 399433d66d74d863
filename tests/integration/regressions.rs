//! Regressions found in review, one test each, named for the behaviour they pin.

use crate::support::{form, TestServer, ALL_PERMISSIONS, KEY};
use hyper::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expanding_new_sessions_while_customers_are_written_does_not_deadlock() {
    let server = TestServer::start_fc().await;
    let customer = server.create_customer(&[("email", "dl@example.com")]).await;
    let customer = customer["id"]
        .as_str()
        .expect("customers have ids")
        .to_string();
    let body = form(&[
        ("account_holder[type]", "customer"),
        ("account_holder[customer]", &customer),
        ("permissions[]", "balances"),
        ("expand[]", "account_holder.customer"),
    ]);

    let mut tasks = Vec::new();
    for i in 0..40 {
        let (server, body) = (&server, body.clone());
        tasks.push(async move {
            if i % 2 == 0 {
                server
                    .post("/v1/financial_connections/sessions", KEY, &body)
                    .await
                    .status
            } else {
                server
                    .post("/v1/customers", KEY, "name=Writer")
                    .await
                    .status
            }
        });
    }
    let statuses = futures_join(tasks).await;

    // The support client times out after 10 s, so a deadlock fails here.
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

#[tokio::test]
async fn a_refused_auto_completed_session_stores_nothing_and_keeps_its_scenario() {
    let server = TestServer::start_fc().await;
    let queued = server
        .control("/_fcmock/scenarios", &json!({"outcome": "success", "accounts": ["savings"], "auto_complete": true, "api_key": KEY}))
        .await;
    assert_eq!(queued.status, 200, "{}", queued.text);
    let customer = server.create_customer(&[]).await;
    let customer = customer["id"].as_str().expect("customers have ids");

    let refused = server
        .post(
            "/v1/financial_connections/sessions",
            KEY,
            &form(&[
                ("account_holder[type]", "customer"),
                ("account_holder[customer]", customer),
                ("permissions[]", "balances"),
                ("filters[account_subcategories][]", "checking"),
            ]),
        )
        .await;

    assert_eq!(refused.status, 400, "{}", refused.text);
    let sessions = server.get("/_fcmock/sessions", KEY).await;
    assert_eq!(
        sessions.json["data"].as_array().map_or(0, Vec::len),
        0,
        "{}",
        sessions.text
    );
    let queue = server.get("/_fcmock/scenarios", KEY).await;
    assert_eq!(
        queue.json["data"].as_array().map_or(0, Vec::len),
        1,
        "{}",
        queue.text
    );
}

#[tokio::test]
async fn fields_stripe_does_not_list_as_expandable_are_refused() {
    let server = TestServer::start_fc().await;
    let account = server.account_with_transactions().await;
    let list = server
        .get(
            &format!("/v1/financial_connections/transactions?account={account}&limit=1"),
            KEY,
        )
        .await;
    let txn = list.json["data"][0]["id"]
        .as_str()
        .expect("a transaction")
        .to_string();

    let refused = server
        .get(
            &format!("/v1/financial_connections/transactions/{txn}?expand[]=account"),
            KEY,
        )
        .await;

    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(
        refused.error("message"),
        Some("This property cannot be expanded (account).")
    );
}

#[tokio::test]
async fn a_key_with_multibyte_characters_is_a_401_not_a_dropped_connection() {
    use base64::Engine;
    let server = TestServer::start().await;
    let basic = base64::engine::general_purpose::STANDARD.encode("sk_test_aé123é:");
    let response = server
        .request(
            Method::GET,
            "/v1/customers",
            &[("authorization", &format!("Basic {basic}"))],
            String::new(),
        )
        .await;
    assert_eq!(response.status, 401, "{}", response.text);
}

#[tokio::test]
async fn a_non_digit_account_number_is_a_400_not_a_500() {
    let server = TestServer::start().await;
    let response = server
        .post(
            "/v1/payment_methods",
            KEY,
            &form(&[
                ("type", "us_bank_account"),
                ("billing_details[name]", "Jenny"),
                ("us_bank_account[routing_number]", "110000000"),
                ("us_bank_account[account_number]", "1é234"),
            ]),
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("param"),
        Some("us_bank_account[account_number]")
    );
}

#[tokio::test]
async fn an_absurd_clock_move_is_refused_and_the_api_keeps_working() {
    let server = TestServer::start().await;
    let refused = server
        .control("/_fcmock/clock", &json!({"advance_seconds": i64::MAX}))
        .await;
    let after = server.get("/v1/customers", KEY).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(after.status, 200);
}

#[tokio::test]
async fn a_detached_payment_method_cannot_be_attached_again() {
    let server = TestServer::start_fc().await;
    let (customer, linked) = server
        .link(ALL_PERMISSIONS, "test_institution", &["success"])
        .await;
    let fca = linked[0]["id"].as_str().expect("accounts have ids");
    let pm = server
        .post(
            "/v1/payment_methods",
            KEY,
            &form(&[
                ("type", "us_bank_account"),
                ("us_bank_account[financial_connections_account]", fca),
                ("billing_details[name]", "J"),
            ]),
        )
        .await;
    let pm = pm.json["id"]
        .as_str()
        .expect("a payment method")
        .to_string();
    let attach = format!("/v1/payment_methods/{pm}/attach");
    assert_eq!(
        server
            .post(&attach, KEY, &form(&[("customer", &customer)]))
            .await
            .status,
        200
    );
    assert_eq!(
        server
            .post(&format!("/v1/payment_methods/{pm}/detach"), KEY, "")
            .await
            .status,
        200
    );

    let again = server
        .post(&attach, KEY, &form(&[("customer", &customer)]))
        .await;

    assert_eq!(again.status, 400, "{}", again.text);
    assert!(
        again.text.contains("may not be used again"),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn an_invalid_stripe_version_is_refused() {
    let server = TestServer::start().await;
    let response = server
        .request(
            Method::GET,
            "/v1/customers",
            &[
                ("authorization", &crate::support::bearer(KEY)),
                ("stripe-version", "bogus"),
            ],
            String::new(),
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("Invalid Stripe API version: bogus")
    );
}

#[tokio::test]
async fn an_idempotency_key_reused_on_another_endpoint_names_both_paths() {
    let server = TestServer::start().await;
    let headers = [
        ("authorization", crate::support::bearer(KEY)),
        ("idempotency-key", "shared".to_string()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = server
        .request(
            Method::POST,
            "/v1/customers",
            &headers,
            "name=A".to_string(),
        )
        .await;
    let second = server
        .request(
            Method::POST,
            "/v1/accounts",
            &headers,
            "type=custom".to_string(),
        )
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 400, "{}", second.text);
    assert!(
        second.text.contains("('/v1/customers' vs '/v1/accounts')"),
        "{}",
        second.text
    );
}

#[tokio::test]
async fn an_error_after_validation_is_replayed_for_the_same_idempotency_key() {
    let server = TestServer::start_fc().await;
    let headers = [
        ("authorization", crate::support::bearer(KEY)),
        ("idempotency-key", "refresh-missing".to_string()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let path = "/v1/financial_connections/accounts/fca_missing/refresh";
    let first = server
        .request(
            Method::POST,
            path,
            &headers,
            "features[]=balance".to_string(),
        )
        .await;
    let second = server
        .request(
            Method::POST,
            path,
            &headers,
            "features[]=balance".to_string(),
        )
        .await;
    assert_eq!((first.status, second.status), (404, 404));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
}

/// Runs futures concurrently and collects their outputs in order.
async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(out) => outputs[i] = Some(out),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future completed"))
        .collect()
}
