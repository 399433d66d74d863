//! Hostile and malformed input: every case gets a 4xx Stripe error (never a panic, a hang
//! or a 5xx), and the objects already stored come through unchanged.

use crate::support::{form, TestServer, KEY};
use hyper::Method;

/// Creates a customer, runs `attack`, and checks the customer is byte-identical afterwards
/// and the server still answers.
async fn stays_intact(server: &TestServer, attack: impl std::future::Future<Output = ()>) {
    let created = server
        .create_customer(&[("email", "keep@example.com"), ("metadata[k]", "v")])
        .await;
    let id = created["id"]
        .as_str()
        .expect("customers have ids")
        .to_string();
    let before = server.get(&format!("/v1/customers/{id}"), KEY).await.text;

    attack.await;

    let after = server.get(&format!("/v1/customers/{id}"), KEY).await;
    assert_eq!(after.status, 200);
    assert_eq!(after.text, before, "the stored customer is unchanged");
}

fn assert_stripe_4xx(response: &crate::support::TestResponse, what: &str) {
    assert!(
        (400..500).contains(&response.status),
        "{what}: status {} {}",
        response.status,
        response.text
    );
    assert!(
        response.json["error"]["type"].is_string(),
        "{what}: Stripe's error envelope: {}",
        response.text
    );
}

#[tokio::test]
async fn path_traversal_nul_and_very_long_ids_are_plain_404s() {
    let server = TestServer::start().await;
    stays_intact(&server, async {
        let long = "x".repeat(10_000);
        for path in [
            "/v1/customers/..%2F..%2Fetc%2Fpasswd".to_string(),
            "/v1/customers/%00".to_string(),
            "/v1/customers/cus_%00abc".to_string(),
            format!("/v1/customers/cus_{long}"),
            "/v1/financial_connections/accounts/..%2F/refresh".to_string(),
        ] {
            let response = server.get(&path, KEY).await;
            assert_stripe_4xx(&response, &path);
        }
    })
    .await;
}

#[tokio::test]
async fn tens_of_thousands_of_parameters_are_refused() {
    let server = TestServer::start().await;
    stays_intact(&server, async {
        let body = (0..20_000)
            .map(|i| format!("metadata[k{i}]=v"))
            .collect::<Vec<_>>()
            .join("&");
        let response = server.post("/v1/customers", KEY, &body).await;
        assert_stripe_4xx(&response, "20,000 parameters");
    })
    .await;
}

#[tokio::test]
async fn a_post_with_headers_but_no_body_is_answered() {
    let server = TestServer::start().await;
    let response = server
        .request(
            Method::POST,
            "/v1/financial_connections/sessions",
            &[
                ("authorization", &crate::support::bearer(KEY)),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            String::new(),
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(response.error("code"), Some("parameter_missing"));
}

#[tokio::test]
async fn every_parameter_kind_refuses_the_wrong_type() {
    let server = TestServer::start().await;
    stays_intact(&server, async {
        let cases: &[(&str, &str, &str)] = &[
            // (path, body, what)
            ("/v1/customers", "balance=12.5", "integer"),
            ("/v1/customers", "balance[a]=1", "integer as a hash"),
            ("/v1/customers", "email[]=a", "string as an array"),
            ("/v1/customers", "address=Paris", "hash as a string"),
            ("/v1/customers", "address[]=Paris", "hash as an array"),
            ("/v1/customers", "preferred_locales=en", "array as a string"),
            ("/v1/customers", "preferred_locales[x]=en", "array as a hash"),
            ("/v1/customers", "tax_exempt=sometimes", "enum"),
            ("/v1/customers", "metadata=x", "metadata as a string"),
            ("/v1/customers", "metadata[k][deep]=x", "metadata value as a hash"),
            ("/v1/customers?created[gte]=soon", "", "range bound"),
            ("/v1/accounts", "type=custom&capabilities=x&business_type=robot", "enum on another resource"),
            (
                "/v1/financial_connections/sessions",
                "account_holder[type]=customer&account_holder[customer]=cus_x&permissions[0]=balances&prefetch=true",
                "array of enums as a string",
            ),
        ];
        for (path, body, what) in cases {
            let response = if body.is_empty() {
                server.get(path, KEY).await
            } else {
                server.post(path, KEY, body).await
            };
            assert_stripe_4xx(&response, what);
        }
    })
    .await;
}

#[tokio::test]
async fn absurd_expand_paths_are_refused() {
    let server = TestServer::start().await;
    stays_intact(&server, async {
        let deep = vec!["a"; 500].join(".");
        let many: String = (0..1_000).map(|i| format!("expand[]=p{i}&")).collect();
        let wide = format!("/v1/customers?{many}limit=1");
        for path in [
            format!("/v1/customers?expand[]={deep}"),
            wide,
            "/v1/customers?expand[]=...".into(),
            "/v1/customers?expand=x".into(),
        ] {
            let response = server.get(&path, KEY).await;
            assert_stripe_4xx(&response, &path[..path.len().min(60)]);
        }
    })
    .await;
}

#[tokio::test]
async fn a_refused_update_changes_nothing() {
    let server = TestServer::start().await;
    let created = server.create_customer(&[("name", "Jenny")]).await;
    let id = created["id"].as_str().expect("customers have ids");

    let refused = server
        .post(
            &format!("/v1/customers/{id}"),
            KEY,
            &form(&[("name", "Changed"), ("bogus", "1")]),
        )
        .await;
    let after = server.get(&format!("/v1/customers/{id}"), KEY).await;

    assert_eq!(refused.status, 400);
    assert_eq!(
        after.json["name"], "Jenny",
        "validation happens before any change"
    );
}
