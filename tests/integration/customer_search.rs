//! `GET /v1/customers/search`: Stripe's search query language over customers, the
//! `search_result` object, `page`/`next_page` pagination, `expand[]` (`total_count`,
//! `data.…`) and the errors of a bad query.

use crate::support::{form, ids, snapshot_settings, TestResponse, TestServer, CREATED, KEY};
use serde_json::json;

/// `GET /v1/customers/search` with these query-string pairs.
async fn search(server: &TestServer, pairs: &[(&str, &str)]) -> TestResponse {
    server
        .get(&format!("/v1/customers/search?{}", form(pairs)), KEY)
        .await
}

/// The ids a query finds (asserting a 200).
async fn found(server: &TestServer, query: &str) -> Vec<String> {
    let response = search(server, &[("query", query)]).await;
    assert_eq!(response.status, 200, "{query}: {}", response.text);
    ids(&response.json)
}

async fn id_of(server: &TestServer, params: &[(&str, &str)]) -> String {
    server.create_customer(params).await["id"]
        .as_str()
        .expect("customers have ids")
        .to_string()
}

#[tokio::test]
async fn searching_returns_a_search_result_object() {
    let server = TestServer::start().await;
    let jenny = server
        .create_customer(&[("email", "jenny@example.com"), ("name", "Jenny Rosen")])
        .await;
    server
        .create_customer(&[("email", "other@example.com")])
        .await;

    let response = search(&server, &[("query", "email:\"jenny@example.com\"")]).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json,
        json!({
            "object": "search_result",
            "data": [jenny],
            "has_more": false,
            "next_page": null,
            "url": "/v1/customers/search",
        }),
        "no total_count unless expanded"
    );
    snapshot_settings().bind(|| insta::assert_json_snapshot!(response.json));
}

#[tokio::test]
async fn the_search_route_is_not_a_customer_id() {
    let server = TestServer::start().await;

    let response = server.get("/v1/customers/search", KEY).await;

    // Without `query` it is search's own `parameter_missing`, not "No such customer: 'search'".
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
    assert_eq!(response.error("param"), Some("query"));
    assert_eq!(
        response.error("message"),
        Some("Missing required param: query.")
    );
}

#[tokio::test]
async fn string_fields_match_words_exactly_or_substrings_case_insensitively() {
    let server = TestServer::start().await;
    let jenny = id_of(
        &server,
        &[
            ("email", "Jenny.Rosen@Example.com"),
            ("name", "Jenny Rosen"),
            ("phone", "+15555550123"),
        ],
    )
    .await;
    let jane = id_of(
        &server,
        &[("email", "jane@example.org"), ("name", "Jane Doe")],
    )
    .await;

    assert_eq!(
        found(&server, "email:'jenny.rosen@example.com'").await,
        [jenny.as_str()]
    );
    assert_eq!(
        found(&server, "name:\"rosen\"").await,
        [jenny.as_str()],
        "a whole word"
    );
    assert!(
        found(&server, "name:\"ros\"").await.is_empty(),
        "not part of one"
    );
    assert_eq!(
        found(&server, "email~\"EXAMPLE\"").await,
        [jane.as_str(), jenny.as_str()]
    );
    assert_eq!(found(&server, "name~\"jan\"").await, [jane.as_str()]);
    assert_eq!(
        found(&server, "phone:\"+15555550123\"").await,
        [jenny.as_str()]
    );
    assert_eq!(found(&server, "-name~\"jen\"").await, [jane.as_str()]);
}

#[tokio::test]
async fn metadata_null_created_and_boolean_combinations_match_as_stripe_documents() {
    let server = TestServer::start().await;
    let pro = id_of(
        &server,
        &[("metadata[plan]", "pro"), ("metadata[donation-id]", "x")],
    )
    .await;
    let free = id_of(
        &server,
        &[("metadata[plan]", "free"), ("email", "f@example.com")],
    )
    .await;
    let bare = id_of(&server, &[]).await;

    assert_eq!(
        found(&server, "metadata['plan']:'PRO'").await,
        [pro.as_str()]
    );
    assert_eq!(
        found(&server, "-metadata[\"donation-id\"]:null").await,
        [pro.as_str()]
    );
    assert_eq!(
        found(&server, "metadata[\"plan\"]:null").await,
        [bare.as_str()]
    );
    assert_eq!(
        found(&server, "email:null").await,
        [bare.as_str(), pro.as_str()]
    );
    assert_eq!(
        found(
            &server,
            "metadata[\"plan\"]:\"pro\" OR metadata[\"plan\"]:\"free\""
        )
        .await,
        [free.as_str(), pro.as_str()]
    );
    assert!(found(&server, "metadata[\"plan\"]:\"pro\" AND email:null")
        .await
        .contains(&pro));
    assert!(found(
        &server,
        "metadata[\"plan\"]:\"pro\" email:\"f@example.com\""
    )
    .await
    .is_empty());
    let created = format!("created>={CREATED} created<{}", CREATED + 1);
    assert_eq!(found(&server, &created).await.len(), 3);
    assert!(found(&server, &format!("created>\"{CREATED}\""))
        .await
        .is_empty());
}

#[tokio::test]
async fn pages_follow_next_page_and_total_count_comes_only_when_expanded() {
    let server = TestServer::start().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(id_of(&server, &[("name", &format!("Match {i}"))]).await);
    }
    server.create_customer(&[("name", "Other")]).await;
    created.reverse();

    let mut seen = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let mut pairs = vec![("query", "name:\"match\""), ("limit", "2")];
        if let Some(page) = &page {
            pairs.push(("page", page));
        }
        pairs.push(("expand[]", "total_count"));
        let response = search(&server, &pairs).await;
        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.json["total_count"], 5);
        seen.extend(ids(&response.json));
        assert_eq!(
            response.json["has_more"],
            response.json["next_page"].is_string()
        );
        match response.json["next_page"].as_str() {
            Some(next) => page = Some(next.to_string()),
            None => break,
        }
    }

    assert_eq!(seen, created, "newest first, each once");
    let unexpanded = search(&server, &[("query", "name:\"match\"")]).await;
    assert!(unexpanded.json.get("total_count").is_none());
}

#[tokio::test]
async fn search_results_expand_their_customers_fields() {
    let server = TestServer::start().await;
    server.create_customer(&[("name", "Jenny Rosen")]).await;

    let response = search(
        &server,
        &[("query", "name:\"jenny\""), ("expand[]", "data.sources")],
    )
    .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let id = response.json["data"][0]["id"].as_str().expect("id");
    assert_eq!(
        response.json["data"][0]["sources"],
        json!({"object": "list", "data": [], "has_more": false,
               "url": format!("/v1/customers/{id}/sources")})
    );
}

#[tokio::test]
async fn a_query_stripe_cannot_parse_gets_its_parse_error() {
    let server = TestServer::start().await;

    for query in [
        "asdf",
        "email:jenny@example.com",
        "email:\"a\" AND name:\"b\" OR name:\"c\"",
        "(email:\"a\")",
        "email:\"unterminated",
    ] {
        let response = search(&server, &[("query", query)]).await;
        assert_eq!(response.status, 400, "{query}: {}", response.text);
        assert_eq!(response.error("type"), Some("invalid_request_error"));
        assert_eq!(
            response.error("message"),
            Some(
                "We were unable to parse your search query. Try using the format \
                 `metadata[\"key\"]:\"value\"` to query for metadata or key:\"value\" to query \
                 for other fields."
            ),
            "{query}"
        );
    }
}

#[tokio::test]
async fn an_unsupported_field_operator_or_short_substring_is_refused() {
    let server = TestServer::start().await;

    let response = search(&server, &[("query", "description:\"x\"")]).await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some(
            "Field `description` is an unsupported search field for resource `customers`. See \
             http://stripe.com/docs/search#query-fields-for-customers for a list of supported \
             fields."
        )
    );
    for (query, phrase) in [
        ("email>\"a\"", "does not support the `>` operator"),
        (
            "metadata[\"plan\"]~\"pro\"",
            "does not support the `~` operator",
        ),
        ("name~\"je\"", "at least 3 characters"),
        ("created>\"yesterday\"", "not a number"),
    ] {
        let response = search(&server, &[("query", query)]).await;
        assert_eq!(response.status, 400, "{query}: {}", response.text);
        let message = response.error("message").unwrap_or_default();
        assert!(message.contains(phrase), "{query}: {message}");
    }
}

#[tokio::test]
async fn limit_page_and_list_cursors_are_checked() {
    let server = TestServer::start().await;
    let query = ("query", "name:\"x\"");

    let zero = search(&server, &[query, ("limit", "0")]).await;
    assert_eq!(zero.status, 400, "{}", zero.text);
    assert_eq!(zero.error("param"), Some("limit"));
    let many = search(&server, &[query, ("limit", "101")]).await;
    assert_eq!(many.error("param"), Some("limit"));
    let page = search(&server, &[query, ("page", "not-a-page")]).await;
    assert_eq!(page.status, 400, "{}", page.text);
    assert_eq!(page.error("param"), Some("page"));
    let cursor = search(&server, &[query, ("starting_after", "cus_1")]).await;
    assert_eq!(cursor.error("code"), Some("parameter_unknown"));
    let hundred = search(&server, &[query, ("limit", "100")]).await;
    assert_eq!(hundred.status, 200, "{}", hundred.text);
}
