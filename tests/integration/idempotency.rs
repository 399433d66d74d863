//! `Idempotency-Key` (wire-format.md §1l): replays, conflicting parameters, keys left
//! unburnt by validation errors, concurrent use, key length, and per-API-key scope.

use crate::support::{ids, TestServer, KEY};
use std::sync::Arc;

#[tokio::test]
async fn repeating_a_request_with_the_same_key_replays_the_first_response() {
    let server = TestServer::start().await;
    let key = [("idempotency-key", "replay-me")];

    let first = server
        .post_with("/v1/customers", KEY, &key, "name=Jenny")
        .await;
    let second = server
        .post_with("/v1/customers", KEY, &key, "name=Jenny")
        .await;

    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(
        first.header("idempotent-replayed"),
        None,
        "a first execution is not a replay"
    );
    assert_eq!(first.header("idempotency-key"), Some("replay-me"));
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.text, first.text);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.header("idempotency-key"), Some("replay-me"));
    assert_eq!(
        second.header("original-request"),
        first.header("request-id")
    );
    assert_ne!(
        second.header("request-id"),
        first.header("request-id"),
        "a replay is a new request"
    );
    assert_eq!(ids(&server.get("/v1/customers", KEY).await.json).len(), 1);
}

#[tokio::test]

async fn a_first_execution_names_itself_as_the_original_request() {
    let server = TestServer::start().await;

    let first = server
        .post_with(
            "/v1/customers",
            KEY,
            &[("idempotency-key", "k1")],
            "name=Jenny",
        )
        .await;

    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.header("original-request"), first.header("request-id"));
}

#[tokio::test]
async fn reusing_a_key_with_other_parameters_is_an_idempotency_error() {
    let server = TestServer::start().await;
    let key = [("idempotency-key", "da52b99a-reused")];
    server
        .post_with("/v1/customers", KEY, &key, "name=Jenny")
        .await;

    let response = server
        .post_with("/v1/customers", KEY, &key, "name=Someone+else")
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("idempotency_error"));
    assert_eq!(
        response.error("message"),
        Some(
            "Keys for idempotent requests can only be used with the same parameters they were first \
             used with. Try using a key other than 'da52b99a-reused' if you meant to execute a \
             different request."
        )
    );
    assert_eq!(ids(&server.get("/v1/customers", KEY).await.json).len(), 1);
}

#[tokio::test]
async fn a_request_refused_by_validation_does_not_burn_its_key() {
    let server = TestServer::start().await;
    let key = [("idempotency-key", "try-again")];

    let refused = server
        .post_with("/v1/customers", KEY, &key, "balance=abc")
        .await;
    let retried = server
        .post_with("/v1/customers", KEY, &key, "balance=100")
        .await;

    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.json["balance"], 100);
    assert_eq!(retried.header("idempotent-replayed"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_posts_with_one_key_create_exactly_one_customer() {
    let server = Arc::new(TestServer::start().await);

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let server = Arc::clone(&server);
            tokio::spawn(async move {
                let response = server
                    .post_with(
                        "/v1/customers",
                        KEY,
                        &[("idempotency-key", "stampede")],
                        "name=Once",
                    )
                    .await;
                (
                    response.status,
                    response.error("code").map(str::to_string),
                    response.json["id"].clone(),
                )
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("request task completes"));
    }

    let list = server.get("/v1/customers?limit=100", KEY).await;
    let created = ids(&list.json);
    assert_eq!(created.len(), 1, "{}", list.text);
    for (status, code, id) in outcomes {
        match status {
            200 => assert_eq!(id, created[0].as_str(), "every success is the one customer"),
            409 => assert_eq!(code.as_deref(), Some("idempotency_key_in_use")),
            other => panic!("unexpected status {other} ({code:?})"),
        }
    }
}

#[tokio::test]
async fn an_idempotency_key_longer_than_255_characters_is_refused() {
    let server = TestServer::start().await;
    let longest = "k".repeat(255);
    let too_long = "k".repeat(256);

    let accepted = server
        .post_with(
            "/v1/customers",
            KEY,
            &[("idempotency-key", &longest)],
            "name=a",
        )
        .await;
    let refused = server
        .post_with(
            "/v1/customers",
            KEY,
            &[("idempotency-key", &too_long)],
            "name=b",
        )
        .await;

    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error("type"), Some("invalid_request_error"));
    assert_eq!(ids(&server.get("/v1/customers", KEY).await.json).len(), 1);
}

#[tokio::test]
async fn idempotency_keys_are_scoped_to_the_api_key() {
    let server = TestServer::start().await;
    let key = [("idempotency-key", "shared-key")];

    let mine = server
        .post_with("/v1/customers", KEY, &key, "name=Mine")
        .await;
    let theirs = server
        .post_with("/v1/customers", "sk_test_another_team", &key, "name=Theirs")
        .await;

    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(theirs.status, 200, "{}", theirs.text);
    assert_eq!(theirs.header("idempotent-replayed"), None);
    assert_eq!(theirs.json["name"], "Theirs");
    assert_ne!(theirs.json["id"], mine.json["id"]);
}

#[tokio::test]
async fn idempotency_keys_are_ignored_on_get() {
    let server = TestServer::start().await;
    let auth = crate::support::bearer(KEY);
    let headers = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "get-key"),
    ];

    server
        .request(hyper::Method::GET, "/v1/customers", &headers, "")
        .await;
    let created = server.create_customer(&[("name", "between")]).await;
    let second = server
        .request(hyper::Method::GET, "/v1/customers", &headers, "")
        .await;

    assert_eq!(second.header("idempotent-replayed"), None);
    assert_eq!(ids(&second.json), [created["id"].as_str().expect("id")]);
}
