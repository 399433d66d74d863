//! Concurrency and slow clients: many requests racing on one object leave it consistent,
//! and clients that stall do not slow anyone else down.

use crate::support::{TestServer, ALL_PERMISSIONS, KEY};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completions_of_one_session_link_its_accounts_exactly_once() {
    let server = TestServer::start_fc().await;
    let customer = server
        .create_customer(&[("email", "race@example.com")])
        .await;
    let customer = customer["id"]
        .as_str()
        .expect("customers have ids")
        .to_string();
    let session = server.create_session(&customer, ALL_PERMISSIONS, &[]).await;
    let session = session["id"]
        .as_str()
        .expect("sessions have ids")
        .to_string();

    let attempts = (0..20).map(|_| {
        let server = &server;
        let session = session.clone();
        async move {
            server
                .complete_session(&session, &json!({"outcome": "success"}))
                .await
                .status
        }
    });
    let statuses = futures_join_all(attempts).await;

    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "{statuses:?}"
    );
    let listed = server
        .get(
            &format!("/v1/financial_connections/accounts?session={session}"),
            KEY,
        )
        .await;
    let created = server
        .get("/v1/events?type=financial_connections.account.created", KEY)
        .await;
    let linked = listed.json["data"].as_array().map_or(0, Vec::len);
    assert_eq!(
        linked, 1,
        "the pre-selected account is linked once: {}",
        listed.text
    );
    if created.status == 200 {
        assert_eq!(created.json["data"].as_array().map_or(0, Vec::len), linked);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_refreshes_settles_and_disconnects_leave_one_consistent_account() {
    let server = TestServer::start_fc().await;
    let account = server.link_success_account().await;
    let path = format!("/v1/financial_connections/accounts/{account}");

    let refreshes = (0..20).map(|_| {
        let server = &server;
        let account = account.clone();
        async move {
            server
                .refresh(&account, &["balance", "transactions"])
                .await
                .status
        }
    });
    let settles = (0..5).map(|_| {
        let server = &server;
        async move {
            server.settle().await;
            200u16
        }
    });
    let disconnects = (0..5).map(|_| {
        let server = &server;
        let path = format!("{path}/disconnect");
        async move { server.post(&path, KEY, "").await.status }
    });
    let mut all: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = u16> + Send + '_>>> =
        Vec::new();
    all.extend(refreshes.map(|f| Box::pin(f) as _));
    all.extend(settles.map(|f| Box::pin(f) as _));
    all.extend(disconnects.map(|f| Box::pin(f) as _));
    let statuses = futures_join_all(all).await;
    server.settle().await;

    // A refresh either ran (200) or met the disconnected account (400); never a 5xx.
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "{statuses:?}"
    );
    let after = server.get(&path, KEY).await;
    assert_eq!(after.json["status"], "disconnected", "{}", after.text);
    for refresh in ["balance_refresh", "transaction_refresh"] {
        let status = &after.json[refresh]["status"];
        assert!(
            after.json[refresh].is_null() || *status == "succeeded" || *status == "failed",
            "no refresh is left pending after the final settle: {}",
            after.text
        );
    }
    let events = server
        .get(
            "/v1/events?type=financial_connections.account.disconnected",
            KEY,
        )
        .await;
    if events.status == 200 {
        assert_eq!(
            events.json["data"].as_array().map_or(0, Vec::len),
            1,
            "one disconnect event: {}",
            events.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_half_sent_requests_do_not_delay_other_clients_and_are_closed() {
    let server = TestServer::start_with(|config| config.header_timeout_secs = 1).await;
    let mut stalled = Vec::new();
    for _ in 0..50 {
        let mut stream = TcpStream::connect(server.addr)
            .await
            .expect("fcmock accepts connections");
        stream
            .write_all(b"POST /v1/customers HTTP/1.1\r\nHost: localhost\r\nContent-Le")
            .await
            .expect("half a request is written");
        stalled.push(stream);
    }

    let started = Instant::now();
    for _ in 0..20 {
        let response = server.get("/v1/customers", KEY).await;
        assert_eq!(response.status, 200);
    }
    let served_in = started.elapsed();

    assert!(
        served_in < Duration::from_secs(2),
        "20 requests beside 50 stalled clients took {served_in:?}"
    );
    let mut closed = 0;
    for mut stream in stalled {
        let outcome = crate::support::read_outcome(&mut stream, Duration::from_secs(5)).await;
        if outcome != crate::support::RawOutcome::TimedOut {
            closed += 1;
        }
    }
    assert_eq!(
        closed, 50,
        "every stalled connection is closed after the header timeout"
    );
}

/// Runs futures concurrently on the current task and collects their outputs in order
/// (a small `join_all`, so the tests need no futures crate).
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> =
        futures.into_iter().enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(out) => {
                outputs[*i] = Some(out);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future completed"))
        .collect()
}
