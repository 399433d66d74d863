//! Stripe's form encoding (bracket hashes, indexed and `[]` arrays) and the exact error
//! texts of docs/research/wire-format.md §1; malformed bodies; unknown routes and methods.

use crate::support::{bearer, form, snapshot_settings, TestServer, KEY};
use hyper::Method;
use serde_json::json;

const UNKNOWN_URL_TAIL: &str =
    "Please see https://stripe.com/docs or we can help at https://support.stripe.com/.";

#[tokio::test]
async fn bracketed_address_fields_build_the_address_hash() {
    let server = TestServer::start().await;

    let customer = server
        .create_customer(&[
            ("address[city]", "Paris"),
            ("address[country]", "FR"),
            ("address[line1]", "1 Rue de Rivoli"),
        ])
        .await;

    assert_eq!(
        customer["address"],
        json!({"city": "Paris", "country": "FR", "line1": "1 Rue de Rivoli", "line2": null, "postal_code": null, "state": null})
    );
}

#[tokio::test]
async fn indexed_arrays_become_lists_in_index_order() {
    let server = TestServer::start().await;

    let customer = server
        .create_customer(&[
            ("preferred_locales[0]", "en"),
            ("preferred_locales[1]", "fr"),
        ])
        .await;

    assert_eq!(customer["preferred_locales"], json!(["en", "fr"]));
}

#[tokio::test]
async fn empty_bracket_arrays_append_in_the_order_sent() {
    let server = TestServer::start().await;

    let customer = server
        .create_customer(&[("preferred_locales[]", "fr"), ("preferred_locales[]", "en")])
        .await;

    assert_eq!(customer["preferred_locales"], json!(["fr", "en"]));
}

#[tokio::test]

async fn array_indexes_that_do_not_start_at_zero_are_refused() {
    let server = TestServer::start().await;

    let response = server
        .post("/v1/customers", KEY, "preferred_locales[1]=fr")
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("param"), Some("preferred_locales"));
    assert!(response
        .error("message")
        .is_some_and(|m| m.contains("the keys must be numeric and sequential starting from 0")));
}

#[tokio::test]
async fn an_unknown_parameter_is_refused_with_parameter_unknown() {
    let server = TestServer::start().await;

    let response = server
        .post("/v1/customers", KEY, "email=a%40example.com&foo=bar")
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("Received unknown parameter: foo")
    );
    assert_eq!(response.error("code"), Some("parameter_unknown"));
    assert_eq!(response.error("param"), Some("foo"));
    assert_eq!(
        response.error("doc_url"),
        Some("https://stripe.com/docs/error-codes/parameter-unknown")
    );
    assert_eq!(
        response.header("stripe-should-retry"),
        None,
        "wire-format.md §1a"
    );
    snapshot_settings().bind(|| insta::assert_json_snapshot!(response.json));
}

#[tokio::test]
async fn an_unknown_nested_parameter_names_its_bracket_path() {
    let server = TestServer::start().await;

    let response = server
        .post("/v1/customers", KEY, "address[city]=Paris&address[bogus]=1")
        .await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("Received unknown parameter: address[bogus]")
    );
    assert_eq!(response.error("param"), Some("address[bogus]"));
    assert_eq!(response.error("code"), Some("parameter_unknown"));
}

#[tokio::test]
async fn several_unknown_parameters_share_one_plural_message() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, "bar=1&foo=2").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("Received unknown parameters: bar, foo")
    );
    assert_eq!(response.error("code"), Some("parameter_unknown"));
}

#[tokio::test]
async fn a_non_integer_balance_is_refused_with_parameter_invalid_integer() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, "balance=abc").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_invalid_integer"));
    assert_eq!(response.error("message"), Some("Invalid integer: abc"));
    assert_eq!(response.error("param"), Some("balance"));
}

#[tokio::test]
async fn a_scalar_where_a_hash_belongs_is_refused_as_an_invalid_hash() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, "address=x").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("message"), Some("Invalid hash"));
    assert_eq!(response.error("param"), Some("address"));
}

#[tokio::test]
async fn a_hash_where_a_string_belongs_is_refused() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, "email[a]=b").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(response.error("param"), Some("email"));
    assert!(
        response
            .error("message")
            .is_some_and(|m| m.starts_with("Invalid string")),
        "{}",
        response.text
    );
}

#[tokio::test]
async fn an_empty_string_for_a_parameter_that_cannot_be_unset_is_refused() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, "invoice_prefix=").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_invalid_empty"));
    assert_eq!(response.error("param"), Some("invoice_prefix"));
    assert_eq!(
        response.error("message"),
        Some(
            "You passed an empty string for 'invoice_prefix'. We assume empty values are an attempt to \
             unset a parameter; however 'invoice_prefix' cannot be unset. You should remove \
             'invoice_prefix' from your request or supply a non-empty value."
        )
    );
}

#[tokio::test]
async fn an_unknown_enum_value_is_refused_with_the_allowed_values() {
    let server = TestServer::start().await;

    let response = server.post("/v1/customers", KEY, "tax_exempt=bogus").await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        response.error("message"),
        Some("Invalid tax_exempt: must be one of exempt, none, or reverse")
    );
    assert_eq!(response.error("param"), Some("tax_exempt"));
}

#[tokio::test]
async fn malformed_forms_are_refused_and_leave_the_customer_intact() {
    let server = TestServer::start().await;
    let original = server
        .create_customer(&[("name", "Original"), ("metadata[keep]", "yes")])
        .await;
    let path = format!("/v1/customers/{}", original["id"].as_str().expect("id"));
    let too_deep = format!("name=Changed&metadata{}=1", "[a]".repeat(9));
    let too_many = format!(
        "name=Changed&{}",
        (0..2000)
            .map(|i| format!("metadata[k{i}]=v"))
            .collect::<Vec<_>>()
            .join("&")
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "a bad percent escape",
            b"name=Changed&description=%zz".to_vec(),
        ),
        (
            "a truncated percent escape",
            b"name=Changed&description=%".to_vec(),
        ),
        (
            "raw invalid UTF-8",
            b"name=Changed&description=\xff\xfe".to_vec(),
        ),
        (
            "percent-encoded invalid UTF-8",
            b"name=Changed&description=%ff%fe".to_vec(),
        ),
        (
            "a value then a hash under one name",
            b"name=Changed&metadata=1&metadata[b]=2".to_vec(),
        ),
        (
            "a hash then a value under one name",
            b"name=Changed&metadata[b]=2&metadata=1".to_vec(),
        ),
        (
            "an unclosed bracket",
            b"name=Changed&address[city=Paris".to_vec(),
        ),
        ("nesting deeper than eight levels", too_deep.into_bytes()),
        ("more than 2000 parameters", too_many.into_bytes()),
    ];

    for (what, body) in cases {
        let auth = bearer(KEY);
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let response = server.request(Method::POST, &path, &headers, body).await;

        assert_eq!(response.status, 400, "{what}: {}", response.text);
        assert_eq!(
            response.error("type"),
            Some("invalid_request_error"),
            "{what}"
        );
        assert!(
            response.error("message").is_some_and(|m| !m.is_empty()),
            "{what}"
        );
    }

    let after = server.get(&path, KEY).await;
    assert_eq!(after.json, original);
    let list = server.get("/v1/customers", KEY).await;
    assert_eq!(list.json["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_query_string_with_a_bad_percent_escape_is_refused() {
    let server = TestServer::start().await;

    let response = server.get("/v1/customers?email=%zz", KEY).await;

    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
}

#[tokio::test]
async fn a_json_body_is_refused_with_a_message_about_form_encoding() {
    let server = TestServer::start().await;
    let auth = bearer(KEY);

    for content_type in ["application/json", "application/x-www-form-urlencoded"] {
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", content_type),
        ];
        let response = server
            .request(
                Method::POST,
                "/v1/customers",
                &headers,
                r#"{"name":"Jenny"}"#,
            )
            .await;

        assert_eq!(response.status, 400, "{content_type}: {}", response.text);
        assert_eq!(response.error("type"), Some("invalid_request_error"));
        let message = response.error("message").unwrap_or_default();
        assert!(
            message.starts_with("Invalid request: unsupported Content-Type"),
            "{message}"
        );
        assert!(
            message.contains("application/x-www-form-urlencoded"),
            "{message}"
        );
    }
    let list = server.get("/v1/customers", KEY).await;
    assert_eq!(list.json["data"], json!([]));
}

#[tokio::test]
async fn an_unknown_route_returns_a_stripe_404_without_a_code() {
    let server = TestServer::start().await;

    let response = server.get("/v1/foo", KEY).await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(
        response.error("message").map(str::to_string),
        Some(format!(
            "Unrecognized request URL (GET: /v1/foo). {UNKNOWN_URL_TAIL}"
        ))
    );
    assert_eq!(
        response.error_keys(),
        ["message", "type"],
        "no code, doc_url or request_log_url"
    );
    snapshot_settings().bind(|| insta::assert_json_snapshot!(response.json));
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_returns_stripes_404() {
    let server = TestServer::start().await;

    let response = server
        .request(
            Method::PUT,
            "/v1/customers",
            &[("authorization", &bearer(KEY))],
            "name=x",
        )
        .await;

    // Stripe does not answer 405: a wrong method is an unrecognized URL (wire-format.md §1k).
    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(response.error("type"), Some("invalid_request_error"));
    assert_eq!(
        response.error("message").map(str::to_string),
        Some(format!(
            "Unrecognized request URL (PUT: /v1/customers). {UNKNOWN_URL_TAIL}"
        ))
    );
    assert_eq!(response.error_keys(), ["message", "type"]);
}

#[tokio::test]
async fn a_trailing_slash_returns_404_with_the_trailing_slash_hint() {
    let server = TestServer::start().await;

    let response = server.get("/v1/customers/", KEY).await;

    assert_eq!(response.status, 404, "{}", response.text);
    assert_eq!(
        response.error("message").map(str::to_string),
        Some(format!(
            "Unrecognized request URL (GET: /v1/customers/). If you are trying to list objects, remove \
             the trailing slash. If you are trying to retrieve an object, make sure you passed a valid \
             (non-empty) identifier in your code. {UNKNOWN_URL_TAIL}"
        ))
    );
}

#[tokio::test]
async fn post_parameters_may_also_come_from_the_query_string() {
    let server = TestServer::start().await;

    let response = server
        .post(
            "/v1/customers?description=from+query",
            KEY,
            &form(&[("name", "Jenny")]),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["name"], "Jenny");
    assert_eq!(response.json["description"], "from query");
}
