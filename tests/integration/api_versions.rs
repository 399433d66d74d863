//! API versions: the request's `Stripe-Version` (else the account default, the latest
//! release or `--api-version`) decides which parameters exist and how objects render; an
//! unknown version is refused before anything happens; events keep the version they were
//! created at.

use crate::support::{form, TestResponse, TestServer, KEY};
use fcmock::stripe::versions::ApiVersion;
use hyper::Method;

const BASIL: &str = "2025-08-27.basil";
const DAHLIA: &str = "2026-07-29.dahlia";

async fn post_at(server: &TestServer, version: &str, path: &str, body: &str) -> TestResponse {
    let auth = crate::support::bearer(KEY);
    server
        .request(
            Method::POST,
            path,
            &[
                ("authorization", &auth),
                ("stripe-version", version),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body.to_string(),
        )
        .await
}

async fn get_at(server: &TestServer, version: &str, path: &str) -> TestResponse {
    let auth = crate::support::bearer(KEY);
    server
        .request(
            Method::GET,
            path,
            &[("authorization", &auth), ("stripe-version", version)],
            "",
        )
        .await
}

#[tokio::test]
async fn a_request_without_a_version_speaks_the_latest_release() {
    let server = TestServer::start().await;

    let created = server
        .post("/v1/customers", KEY, &form(&[("business_name", "Acme")]))
        .await;

    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.header("stripe-version"), Some("2026-11-18.endive"));
    assert_eq!(ApiVersion::LATEST.to_string(), "2026-11-18.endive");
    assert_eq!(created.json["business_name"], "Acme");
    assert!(created.json["customer_account"].is_null());
}

#[tokio::test]
async fn an_older_version_sees_the_older_shape_and_names_its_header() {
    let server = TestServer::start().await;
    let created = server.create_customer(&[("email", "a@example.com")]).await;
    let id = created["id"].as_str().expect("an id");

    let basil = get_at(&server, BASIL, &format!("/v1/customers/{id}")).await;

    assert_eq!(basil.header("stripe-version"), Some(BASIL));
    let fields = basil.json.as_object().expect("an object");
    for newer in ["business_name", "individual_name", "customer_account"] {
        assert!(!fields.contains_key(newer), "{newer} is newer than basil");
    }
    assert_eq!(basil.json["email"], "a@example.com");
}

#[tokio::test]
async fn a_parameter_of_another_version_is_unknown() {
    let server = TestServer::start().await;

    let too_new = post_at(&server, BASIL, "/v1/customers", "business_name=Acme").await;
    let removed = server.post("/v1/customers", KEY, "coupon=SUMMER").await;
    let still_there = post_at(&server, "2024-06-20", "/v1/customers", "coupon=SUMMER").await;

    assert_eq!(too_new.status, 400);
    assert_eq!(too_new.error("code"), Some("parameter_unknown"));
    assert_eq!(too_new.error("param"), Some("business_name"));
    assert_eq!(removed.error("code"), Some("parameter_unknown"));
    assert_eq!(removed.error("param"), Some("coupon"));
    // Known before basil: refused only because no such coupon exists.
    assert_eq!(
        still_there.error("code"),
        Some("resource_missing"),
        "{}",
        still_there.text
    );
    assert_eq!(still_there.error("param"), Some("coupon"));
}

#[tokio::test]
async fn an_unknown_version_is_refused_and_nothing_is_created() {
    let server = TestServer::start().await;

    for bad in [
        "2099-01-01.bogus",
        "2025-07-30",
        "2026-10-28.dahlia",
        "garbage",
    ] {
        let refused = post_at(&server, bad, "/v1/customers", "email=a@example.com").await;

        assert_eq!(refused.status, 400, "{bad}");
        assert_eq!(refused.error("type"), Some("invalid_request_error"));
        assert_eq!(
            refused.error("message").map(str::to_string),
            Some(format!("Invalid Stripe API version: {bad}"))
        );
        assert_eq!(refused.error("param"), None);
    }
    let list = server.get("/v1/customers", KEY).await;
    assert_eq!(list.json["data"].as_array().map(Vec::len), Some(0));
    let events = server.get("/v1/events", KEY).await;
    assert_eq!(events.json["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn api_version_pins_the_accounts_default_and_its_events() {
    let server = TestServer::start_with(|c| c.api_version = Some(DAHLIA.into())).await;

    let created = server
        .post("/v1/customers", KEY, &form(&[("business_name", "Acme")]))
        .await;
    let events = server.get("/v1/events", KEY).await;

    assert_eq!(created.header("stripe-version"), Some(DAHLIA));
    assert_eq!(events.json["data"][0]["api_version"], DAHLIA);
    assert_eq!(
        events.json["data"][0]["data"]["object"]["business_name"],
        "Acme"
    );
}

#[test]
fn an_unknown_api_version_flag_stops_start_up() {
    let mut config = fcmock::Config::for_tests();
    config.api_version = Some("2025-07-30".into());

    let error = fcmock::App::new(&config, "http://127.0.0.1:0".into())
        .err()
        .expect("an unknown version is refused");

    assert!(error.contains("2025-07-30"), "{error}");
}

#[tokio::test]
async fn events_render_at_the_version_they_were_created_at_whoever_reads_them() {
    let server = TestServer::start_with(|c| c.api_version = Some(BASIL.into())).await;
    server.create_customer(&[("email", "a@example.com")]).await;

    let read_at_latest = get_at(&server, "2026-11-18.endive", "/v1/events").await;

    let event = &read_at_latest.json["data"][0];
    assert_eq!(event["api_version"], BASIL);
    let object = event["data"]["object"].as_object().expect("the customer");
    assert!(!object.contains_key("business_name"), "{object:?}");
    assert_eq!(object["email"], "a@example.com");
}

/// `POST /v1/financial_connections/sessions` for a new customer at `version`, with `extra`.
async fn session_at(server: &TestServer, version: &str, extra: &[(&str, &str)]) -> TestResponse {
    let customer = server.create_customer(&[("email", "s@example.com")]).await;
    let id = customer["id"].as_str().expect("an id").to_string();
    let mut pairs = vec![
        ("account_holder[type]", "customer"),
        ("account_holder[customer]", id.as_str()),
        ("permissions[]", "payment_method"),
    ];
    pairs.extend_from_slice(extra);
    post_at(
        server,
        version,
        "/v1/financial_connections/sessions",
        &form(&pairs),
    )
    .await
}

#[tokio::test]
async fn endive_renamed_the_countries_filter_to_country() {
    let server = TestServer::start().await;

    let endive = session_at(&server, "2026-10-28.endive", &[("filters[country]", "US")]).await;
    let old_name = session_at(
        &server,
        "2026-10-28.endive",
        &[("filters[countries][]", "US")],
    )
    .await;
    let as_array = session_at(
        &server,
        "2026-10-28.endive",
        &[("filters[country][]", "US")],
    )
    .await;
    let dahlia = session_at(&server, DAHLIA, &[("filters[countries][]", "US")]).await;
    let new_name_early = session_at(&server, DAHLIA, &[("filters[country]", "US")]).await;
    let both_shown = session_at(
        &server,
        "2026-08-26.dahlia",
        &[("filters[countries][]", "US")],
    )
    .await;

    assert_eq!(endive.status, 200, "{}", endive.text);
    assert_eq!(endive.json["filters"]["country"], "US");
    assert!(endive.json["filters"].get("countries").is_none());
    assert_eq!(old_name.error("code"), Some("parameter_unknown"));
    assert_eq!(old_name.error("param"), Some("filters[countries]"));
    assert_eq!(as_array.status, 400);
    assert_eq!(as_array.error("param"), Some("filters[country]"));
    assert_eq!(dahlia.status, 200, "{}", dahlia.text);
    assert_eq!(
        dahlia.json["filters"],
        serde_json::json!({"countries": ["US"]})
    );
    assert_eq!(new_name_early.error("code"), Some("parameter_unknown"));
    assert_eq!(new_name_early.error("param"), Some("filters[country]"));
    assert_eq!(
        both_shown.json["filters"],
        serde_json::json!({"countries": ["US"], "country": "US"})
    );
}

#[tokio::test]
async fn the_session_configuration_arrived_with_dahlia() {
    let server = TestServer::start().await;
    let config = [
        ("limits[accounts]", "1"),
        ("manual_entry[mode]", "automatic"),
        ("filters[require_payment_method_support]", "all"),
    ];

    let dahlia = session_at(&server, DAHLIA, &config).await;
    let basil = session_at(&server, BASIL, &config[..1]).await;
    let basil_plain = session_at(&server, BASIL, &[]).await;

    assert_eq!(dahlia.status, 200, "{}", dahlia.text);
    assert_eq!(dahlia.json["limits"], serde_json::json!({"accounts": 1}));
    assert_eq!(
        dahlia.json["manual_entry"],
        serde_json::json!({"mode": "automatic"})
    );
    assert_eq!(
        dahlia.json["filters"]["require_payment_method_support"],
        "all"
    );
    assert_eq!(basil.error("code"), Some("parameter_unknown"));
    assert_eq!(basil.error("param"), Some("limits"));
    let fields = basil_plain.json.as_object().expect("a session");
    for newer in ["limits", "manual_entry", "bank_account_token"] {
        assert!(!fields.contains_key(newer), "{newer} is newer than basil");
    }
}

#[tokio::test]
async fn endive_gives_every_session_the_same_defaults_and_dahlia_only_what_was_asked() {
    let server = TestServer::start().await;

    let endive = session_at(&server, "2026-11-18.endive", &[]).await;
    let dahlia = session_at(&server, DAHLIA, &[]).await;

    assert_eq!(
        endive.json["manual_entry"],
        serde_json::json!({"mode": "disabled"})
    );
    assert_eq!(
        endive.json["filters"]["require_payment_method_support"],
        "none"
    );
    assert_eq!(
        endive.json["filters"]["account_subcategories"],
        serde_json::json!([
            "checking",
            "savings",
            "mortgage",
            "line_of_credit",
            "credit_card"
        ])
    );
    assert!(endive.json.get("limits").is_none(), "no maximum by default");
    assert_eq!(dahlia.json["filters"], serde_json::json!({}));
    assert!(dahlia.json.get("manual_entry").is_none());
    let settings = crate::support::snapshot_settings();
    settings.bind(|| {
        insta::assert_json_snapshot!("session_at_endive", endive.json);
        insta::assert_json_snapshot!("session_at_dahlia", dahlia.json);
    });
}

#[tokio::test]
async fn a_session_limit_caps_the_accounts_a_completion_links() {
    let server = TestServer::start().await;
    let session = session_at(&server, "2026-11-18.endive", &[("limits[accounts]", "1")]).await;
    let id = session.json["id"].as_str().expect("an id");

    let too_many = server
        .complete_session(
            id,
            &serde_json::json!({"outcome": "success", "institution": "test_institution",
                    "accounts": ["success", "savings"]}),
        )
        .await;
    let one = server
        .complete_session(
            id,
            &serde_json::json!({"outcome": "success", "institution": "test_institution",
                    "accounts": ["success"]}),
        )
        .await;

    assert_eq!(too_many.status, 400, "{}", too_many.text);
    assert_eq!(too_many.error("param"), Some("accounts"));
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(
        one.json["accounts"]["data"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn a_limit_of_zero_is_refused() {
    let server = TestServer::start().await;

    let zero = session_at(&server, DAHLIA, &[("limits[accounts]", "0")]).await;

    assert_eq!(zero.status, 400);
    assert_eq!(zero.error("param"), Some("limits[accounts]"));
}

#[tokio::test]
async fn a_customer_and_an_fc_account_render_per_version() {
    let server = TestServer::start_fc().await;
    let customer = server.create_customer(&[("email", "v@example.com")]).await;
    let customer_path = format!("/v1/customers/{}", customer["id"].as_str().expect("an id"));
    let account = server.link_success_account().await;
    let account_path = format!("/v1/financial_connections/accounts/{account}");

    let customer_basil = get_at(&server, BASIL, &customer_path).await;
    let customer_endive = get_at(&server, "2026-11-18.endive", &customer_path).await;
    let account_basil = get_at(&server, BASIL, &account_path).await;
    let account_endive = get_at(&server, "2026-11-18.endive", &account_path).await;

    let settings = crate::support::snapshot_settings();
    settings.bind(|| {
        insta::assert_json_snapshot!("customer_at_basil", customer_basil.json);
        insta::assert_json_snapshot!("customer_at_endive", customer_endive.json);
        insta::assert_json_snapshot!("fc_account_at_basil", account_basil.json);
        insta::assert_json_snapshot!("fc_account_at_endive", account_endive.json);
    });
    let basil = account_basil.json.as_object().expect("an account");
    assert!(!basil.contains_key("account_numbers") && !basil.contains_key("status_details"));
}
