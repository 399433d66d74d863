//! The hosted auth page: every step as a browser with JavaScript off sees it (form posts),
//! Sandbox Bank's passwords, down banks, Cancel, redirects only to declared URLs, escaping
//! and the Content-Security-Policy, and scripted outcomes winning over clicks.

use crate::client_side::{
    customer_session, page_get, page_post, receipt, secret, synchronize, token_session,
};
use crate::support::TestServer;
use serde_json::json;

fn location(response: &crate::support::TestResponse) -> Option<&str> {
    response.header("location")
}

#[tokio::test]
async fn the_consent_page_carries_a_restrictive_csp_and_works_without_script() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let manifest = &synchronize(&server, &secret(&session), &[]).await["manifest"];
    let url = manifest["hosted_auth_url"].as_str().expect("a URL");
    let path = &url[url.find("/hosted").expect("a hosted path")..];

    let page = page_get(&server, path).await;

    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!page.text.contains("<script"), "no script on the page");
    assert!(page.text.contains("Agree and continue"));
    assert!(page.text.contains(">Cancel<"));
}

#[tokio::test]
async fn walking_sandbox_bank_with_a_good_password_links_the_preselected_account() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let cs = secret(&session);

    let picker = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "consent"),
            ("action", "agree"),
        ],
    )
    .await;
    let login = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "institution"),
            ("institution", "sandbox_bank_non_oauth"),
        ],
    )
    .await;
    let accounts = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "login"),
            ("institution", "sandbox_bank_non_oauth"),
            ("username", "anyone"),
            ("password", "password"),
        ],
    )
    .await;
    let success = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "accounts"),
            ("institution", "sandbox_bank_non_oauth"),
            ("accounts", "checking"),
            ("accounts", "savings"),
        ],
    )
    .await;

    assert!(
        picker.text.contains("Sandbox Bank (Non-OAuth)"),
        "featured list"
    );
    assert!(login.text.contains("Log in to Sandbox Bank (Non-OAuth)"));
    assert!(accounts.text.contains("Select accounts"));
    assert!(
        accounts.text.contains(r#"value="checking" checked"#),
        "pre-selected account ticked"
    );
    assert_eq!(success.status, 200);
    assert!(success.text.contains("Success"));
    let done = format!("http://{}/hosted/done/success", server.addr);
    assert!(
        success.text.contains(&format!("href=\"{done}\"")),
        "{}",
        success.text
    );
    let body = receipt(&server, &cs).await.json;
    assert_eq!(body["status"], "succeeded");
    assert_eq!(body["accounts"]["data"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_incorrect_password_asks_again_and_mfa_asks_for_a_code() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let cs = secret(&session);
    let login = |password: &'static str| {
        let cs = cs.clone();
        let server = &server;
        async move {
            page_post(
                server,
                &[
                    ("client_secret", &cs),
                    ("step", "login"),
                    ("institution", "sandbox_bank_non_oauth"),
                    ("username", "u"),
                    ("password", password),
                ],
            )
            .await
        }
    };

    let incorrect = login("incorrect").await;
    let mfa = login("mfa").await;
    let after_code = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "challenge"),
            ("kind", "mfa"),
            ("institution", "sandbox_bank_non_oauth"),
            ("answer", "123456"),
        ],
    )
    .await;

    assert!(
        incorrect.text.contains("incorrect. Try again"),
        "{}",
        incorrect.text
    );
    assert!(incorrect.text.contains("Log in to"));
    assert!(mfa.text.contains("one-time code"));
    assert!(after_code.text.contains("Select accounts"));
    assert_eq!(receipt(&server, &cs).await.json["status"], "pending");
}

#[tokio::test]
async fn the_error_password_fails_the_session_as_login_failed() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let cs = secret(&session);

    let page = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "login"),
            ("institution", "sandbox_bank_non_oauth"),
            ("username", "u"),
            ("password", "error"),
        ],
    )
    .await;
    let close = page_post(&server, &[("client_secret", &cs), ("step", "close")]).await;

    assert!(
        page.text.contains("We could not log you in"),
        "{}",
        page.text
    );
    assert_eq!(close.status, 303);
    assert_eq!(
        location(&close),
        Some(format!("http://{}/hosted/done/cancel", server.addr).as_str())
    );
    let r = receipt(&server, &cs).await;
    assert_eq!(r.error("code"), Some("authorization_failed"));
}

#[tokio::test]
async fn a_down_bank_fails_the_session_when_it_is_picked() {
    let server = TestServer::start_fc().await;
    for (bank, title, code) in [
        (
            "down_bank_scheduled",
            "scheduled maintenance",
            "institution_unavailable_planned",
        ),
        (
            "down_bank_unscheduled",
            "This bank is unavailable",
            "institution_unavailable_unplanned",
        ),
        (
            "down_bank_error",
            "Something went wrong at your bank",
            "institution_timeout",
        ),
    ] {
        let session = customer_session(&server).await;
        let cs = secret(&session);

        let page = page_post(
            &server,
            &[
                ("client_secret", &cs),
                ("step", "institution"),
                ("institution", bank),
            ],
        )
        .await;

        assert!(page.text.contains(title), "{bank}: {}", page.text);
        assert_eq!(
            receipt(&server, &cs).await.error("code"),
            Some(code),
            "{bank}"
        );
    }
}

#[tokio::test]
async fn the_search_finds_the_down_banks_and_escapes_the_query() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let cs = secret(&session);

    let found = page_get(
        &server,
        &format!("/hosted/institutions?client_secret={cs}&q=down"),
    )
    .await;
    let hostile = page_get(
        &server,
        &format!(
            "/hosted/institutions?client_secret={cs}&q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22"
        ),
    )
    .await;

    assert!(found.text.contains("Down Bank (Scheduled)"));
    assert!(found.text.contains("Down Bank (Error)"));
    assert!(!found.text.contains("Test OAuth Institution"));
    assert!(
        !hostile.text.contains("<script>alert(1)"),
        "{}",
        hostile.text
    );
    assert!(hostile
        .text
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
}

#[tokio::test]
async fn cancel_redirects_to_the_declared_android_cancel_url() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let cs = secret(&session);
    synchronize(
        &server,
        &cs,
        &[("mobile[application_id]", "com.example.app")],
    )
    .await;

    let cancel = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("return", "0"),
            ("action", "cancel"),
        ],
    )
    .await;

    assert_eq!(cancel.status, 303);
    assert_eq!(
        location(&cancel),
        Some("stripe-auth://link-accounts/com.example.app/cancel")
    );
    let csp = cancel.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("form-action 'self' stripe-auth:"), "{csp}");
    assert_eq!(receipt(&server, &cs).await.json["status"], "cancelled");
}

#[tokio::test]
async fn an_undeclared_return_never_redirects_anywhere_but_fcmocks_done_page() {
    let server = TestServer::start_fc().await;
    let session = customer_session(&server).await;
    let cs = secret(&session);

    let cancel = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("return", "7"),
            ("cancel_url", "https://evil.example/"),
            ("action", "cancel"),
        ],
    )
    .await;

    assert_eq!(
        location(&cancel),
        Some(format!("http://{}/hosted/done/cancel", server.addr).as_str())
    );
}

#[tokio::test]
async fn a_scripted_outcome_wins_over_clicks() {
    let server = TestServer::start_fc().await;
    let queued = server
        .control(
            "/_fcmock/scenarios",
            &json!({"outcome": "failure", "failure": "institution_error"}),
        )
        .await;
    assert_eq!(queued.status, 200, "{}", queued.text);
    let session = customer_session(&server).await;
    let cs = secret(&session);

    let consent = page_get(&server, &format!("/hosted/auth?client_secret={cs}")).await;
    let page = page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "institution"),
            ("institution", "test_oauth_institution"),
        ],
    )
    .await;

    assert!(consent.text.contains("scripted"), "{}", consent.text);
    assert!(
        page.text.contains("Something went wrong at your bank"),
        "{}",
        page.text
    );
    assert_eq!(
        receipt(&server, &cs).await.error("code"),
        Some("institution_timeout")
    );
}

#[tokio::test]
async fn an_unknown_session_gets_a_404_page() {
    let server = TestServer::start_fc().await;

    let page = page_get(
        &server,
        "/hosted/auth?client_secret=fcsess_client_secret_nope",
    )
    .await;

    assert_eq!(page.status, 404);
    assert!(page.text.contains("Unknown session"));
}

#[tokio::test]
async fn the_token_flow_through_the_page_mints_a_token_for_the_account() {
    let server = TestServer::start_fc().await;
    let (_, session) = token_session(&server).await;
    let cs = secret(&session);

    page_post(
        &server,
        &[
            ("client_secret", &cs),
            ("step", "accounts"),
            ("institution", "test_oauth_institution"),
            ("accounts", "success"),
        ],
    )
    .await;

    let body = receipt(&server, &cs).await.json;
    assert!(body["bank_account_token"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("btok_")));
}
