//! List pagination: `limit`, `starting_after`, `ending_before`, newest first.

use crate::support::{ids, TestServer, KEY};
use std::collections::HashSet;

/// Creates `n` customers and returns their ids, oldest first.
async fn create_customers(server: &TestServer, n: usize) -> Vec<String> {
    let mut created = Vec::with_capacity(n);
    for i in 0..n {
        let customer = server
            .create_customer(&[("name", &format!("customer {i}"))])
            .await;
        created.push(
            customer["id"]
                .as_str()
                .expect("customers have ids")
                .to_string(),
        );
    }
    created
}

#[tokio::test]
async fn listing_without_a_limit_returns_the_ten_newest_customers() {
    let server = TestServer::start().await;
    let created = create_customers(&server, 12).await;

    let response = server.get("/v1/customers", KEY).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let newest_ten: Vec<String> = created.iter().rev().take(10).cloned().collect();
    assert_eq!(ids(&response.json), newest_ten);
    assert_eq!(response.json["has_more"], true);
}

#[tokio::test]
async fn limits_outside_one_to_a_hundred_or_not_integers_are_refused_with_param_limit() {
    let server = TestServer::start().await;

    for (limit, message) in [
        ("0", "This value must be greater than or equal to 1."),
        ("-5", "This value must be greater than or equal to 1."),
        ("101", "This value must be less than or equal to 100."),
        ("abc", "Invalid integer: abc"),
        ("10.5", "Invalid integer: 10.5"),
    ] {
        let response = server
            .get(&format!("/v1/customers?limit={limit}"), KEY)
            .await;

        assert_eq!(response.status, 400, "limit={limit}: {}", response.text);
        assert_eq!(response.error("param"), Some("limit"), "limit={limit}");
        assert_eq!(
            response.error("code"),
            Some("parameter_invalid_integer"),
            "limit={limit}"
        );
        assert_eq!(response.error("message"), Some(message), "limit={limit}");
        assert_eq!(response.error("type"), Some("invalid_request_error"));
    }
}

#[tokio::test]
async fn limits_of_one_and_a_hundred_are_accepted() {
    let server = TestServer::start().await;
    create_customers(&server, 2).await;

    let one = server.get("/v1/customers?limit=1", KEY).await;
    let hundred = server.get("/v1/customers?limit=100", KEY).await;

    assert_eq!(
        (
            one.status,
            ids(&one.json).len(),
            one.json["has_more"].as_bool()
        ),
        (200, 1, Some(true))
    );
    assert_eq!(
        (
            hundred.status,
            ids(&hundred.json).len(),
            hundred.json["has_more"].as_bool()
        ),
        (200, 2, Some(false))
    );
}

#[tokio::test]
async fn walking_25_customers_with_starting_after_yields_each_exactly_once_newest_first() {
    let server = TestServer::start().await;
    let created = create_customers(&server, 25).await;

    let mut seen = Vec::new();
    let mut pages = 0;
    let mut path = "/v1/customers?limit=10".to_string();
    loop {
        let response = server.get(&path, KEY).await;
        assert_eq!(response.status, 200, "{}", response.text);
        let page = ids(&response.json);
        pages += 1;
        assert!(pages <= 3, "25 customers fit in three pages of ten");
        seen.extend(page.iter().cloned());
        if response.json["has_more"] != true {
            break;
        }
        let last = page.last().expect("a page with has_more is not empty");
        path = format!("/v1/customers?limit=10&starting_after={last}");
    }

    let newest_first: Vec<String> = created.into_iter().rev().collect();
    assert_eq!(pages, 3);
    assert_eq!(seen, newest_first);
}

#[tokio::test]
async fn ending_before_walks_back_towards_the_newest_customers() {
    let server = TestServer::start().await;
    let created = create_customers(&server, 25).await;

    let mut seen = HashSet::new();
    let mut cursor = created[0].clone();
    let mut pages = Vec::new();
    loop {
        let response = server
            .get(
                &format!("/v1/customers?limit=10&ending_before={cursor}"),
                KEY,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        let page = ids(&response.json);
        for id in &page {
            assert!(seen.insert(id.clone()), "{id} appeared twice");
        }
        pages.push(page.clone());
        if response.json["has_more"] != true {
            break;
        }
        cursor = page
            .first()
            .expect("a page with has_more is not empty")
            .clone();
    }

    // The first page backwards is the ten customers just newer than the oldest, newest first.
    let expected_first: Vec<String> = created[1..=10].iter().rev().cloned().collect();
    assert_eq!(pages[0], expected_first);
    assert_eq!(pages.len(), 3);
    assert_eq!(seen.len(), 24, "every customer but the cursor itself");
    assert!(!seen.contains(&created[0]));
}

#[tokio::test]
async fn passing_both_cursors_is_refused() {
    let server = TestServer::start().await;
    let created = create_customers(&server, 3).await;

    let path = format!(
        "/v1/customers?starting_after={}&ending_before={}",
        created[2], created[0]
    );
    let response = server.get(&path, KEY).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("Received both starting_after and ending_before parameters. Please pass in only one.")
    );
    assert_eq!(response.error("code"), None);
}

#[tokio::test]
async fn an_unknown_cursor_is_refused_with_resource_missing_on_that_cursor() {
    let server = TestServer::start().await;
    create_customers(&server, 1).await;

    for param in ["starting_after", "ending_before"] {
        let response = server
            .get(&format!("/v1/customers?{param}=cus_doesnotexist"), KEY)
            .await;

        assert_eq!(response.status, 400, "{param}: {}", response.text);
        assert_eq!(response.error("code"), Some("resource_missing"));
        assert_eq!(response.error("param"), Some(param));
        assert_eq!(
            response.error("message"),
            Some("No such customer: 'cus_doesnotexist'")
        );
    }
}
