//! The HTTPS listener (`--tls-port`): a client that trusts only the certificate fcmock hands
//! out runs the Financial Connections flow over TLS, links handed to it are `https`, a
//! client trusting nothing else is refused, and `--tls-cert`/`--tls-key` serve a given pair.

use crate::client_side::PK;
use crate::support::{bearer, form, TestServer, KEY};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What an HTTPS exchange gave back.
struct Answer {
    status: u16,
    content_type: String,
    json: Value,
    text: String,
}

/// A client whose only trust anchor is `trust_pem`.
fn connector(trust_pem: &str) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(trust_pem.as_bytes()) {
        roots
            .add(cert.expect("a PEM certificate"))
            .expect("a usable trust anchor");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// One request over a fresh TLS connection to `addr`, checking the certificate for `name`.
/// `Err` carries the handshake's error.
async fn https(
    addr: SocketAddr,
    tls: &tokio_rustls::TlsConnector,
    name: &str,
    (method, path, key): (Method, &str, Option<&str>),
    body: &str,
) -> Result<Answer, String> {
    let exchange = async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let server_name = ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
        let stream = tls
            .connect(server_name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", name)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(key) = key {
            request = request.header("authorization", bearer(key));
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Answer {
            status,
            content_type,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        })
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| "no answer within 10 s".to_string())?
}

async fn tls_server() -> (TestServer, SocketAddr) {
    let server = TestServer::start_with(|c| c.tls_port = Some(0)).await;
    let addr = server.tls_addr.expect("the TLS listener is bound");
    (server, addr)
}

/// The certificate fcmock hands out, fetched the way a device would (plain HTTP, no token).
async fn trusted_pem(server: &TestServer) -> String {
    let cert = server
        .request(Method::GET, "/_fcmock/tls/cert.pem", &[], "")
        .await;
    assert_eq!(cert.status, 200, "{}", cert.text);
    assert_eq!(
        cert.header("content-type"),
        Some("application/x-x509-ca-cert")
    );
    assert!(cert.text.starts_with("-----BEGIN CERTIFICATE-----"));
    cert.text
}

#[tokio::test]
async fn the_flow_runs_over_https_with_only_the_handed_out_certificate_trusted() {
    let (server, addr) = tls_server().await;
    let tls = connector(&trusted_pem(&server).await);
    let call = |method: Method, path: &'static str, key: &'static str, body: String| {
        let tls = tls.clone();
        async move {
            let answer = https(addr, &tls, "localhost", (method, path, Some(key)), &body)
                .await
                .expect("the handshake succeeds with the handed-out certificate");
            assert_eq!(answer.status, 200, "{path}: {}", answer.text);
            answer.json
        }
    };
    let customer = call(Method::POST, "/v1/customers", KEY, String::new()).await;
    let session = call(
        Method::POST,
        "/v1/financial_connections/sessions",
        KEY,
        form(&[
            ("account_holder[type]", "customer"),
            (
                "account_holder[customer]",
                customer["id"].as_str().expect("id"),
            ),
            ("permissions[]", "balances"),
        ]),
    )
    .await;
    let secret = session["client_secret"].as_str().expect("a client secret");
    let synchronized = call(
        Method::POST,
        "/v1/financial_connections/sessions/synchronize",
        PK,
        form(&[("client_secret", secret)]),
    )
    .await;
    let hosted = synchronized["manifest"]["hosted_auth_url"]
        .as_str()
        .expect("a hosted URL");
    let https_base = format!("https://127.0.0.1:{}/", addr.port());
    assert!(hosted.starts_with(&https_base), "{hosted}");
    let cancel = synchronized["manifest"]["cancel_url"]
        .as_str()
        .expect("url");
    assert!(cancel.starts_with(&https_base), "{cancel}");

    let page_path = &hosted[https_base.len() - 1..];
    let page = https(addr, &tls, "127.0.0.1", (Method::GET, page_path, None), "")
        .await
        .expect("the hosted page over TLS, checked for the IP address");
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.content_type.starts_with("text/html"));

    let id = session["id"].as_str().expect("id");
    let completed = server
        .control(
            &format!("/_fcmock/sessions/{id}/complete"),
            &json!({"outcome": "success"}),
        )
        .await;
    assert_eq!(completed.status, 200, "{}", completed.text);
    let receipt_path = format!(
        "/v1/link_account_sessions/session_receipt?client_secret={}",
        secret
    );
    let receipt = https(
        addr,
        &tls,
        "localhost",
        (Method::GET, &receipt_path, Some(PK)),
        "",
    )
    .await
    .expect("the receipt over TLS");
    assert_eq!(receipt.json["status"], "succeeded", "{}", receipt.text);
    let accounts = call(
        Method::GET,
        "/v1/financial_connections/accounts?limit=10",
        KEY,
        String::new(),
    )
    .await;
    assert!(!accounts["data"].as_array().expect("a list").is_empty());
}

#[tokio::test]
async fn plain_http_keeps_plain_links_and_a_client_trusting_nothing_else_is_refused() {
    let (server, addr) = tls_server().await;
    let customer = server.create_customer(&[]).await;
    let customer = customer["id"].as_str().expect("id");
    let session = server.create_session(customer, &["balances"], &[]).await;
    let synchronized = server
        .post(
            "/v1/financial_connections/sessions/synchronize",
            PK,
            &form(&[(
                "client_secret",
                session["client_secret"].as_str().expect("secret"),
            )]),
        )
        .await;
    let hosted = synchronized.json["manifest"]["hosted_auth_url"]
        .as_str()
        .expect("a hosted URL");
    assert!(
        hosted.starts_with(&format!("http://{}/", server.addr)),
        "{hosted}"
    );

    // Another CA (a second server's) is not fcmock's: the handshake fails.
    let (other, _) = tls_server().await;
    let wrong = connector(&trusted_pem(&other).await);
    let refused = https(
        addr,
        &wrong,
        "localhost",
        (Method::GET, "/_fcmock/health", None),
        "",
    )
    .await
    .err()
    .expect("a certificate from an untrusted CA is refused");
    assert!(
        refused.contains("UnknownIssuer") || refused.contains("certificate"),
        "{refused}"
    );
    // A name the certificate does not cover is refused too.
    let right = connector(&trusted_pem(&server).await);
    let misnamed = https(
        addr,
        &right,
        "example.com",
        (Method::GET, "/_fcmock/health", None),
        "",
    )
    .await
    .err()
    .expect("a name outside the certificate is refused");
    assert!(
        misnamed.contains("NotValidForName") || misnamed.contains("name"),
        "{misnamed}"
    );
}

#[tokio::test]
async fn a_given_certificate_and_key_are_served_as_they_are() {
    let dir = std::env::temp_dir().join(format!("fcmock-tls-given-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    // The caller's own CA and a server certificate for a name fcmock would not generate.
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate().expect("a key");
    let ca = rcgen::CertifiedIssuer::self_signed(ca, ca_key).expect("a CA");
    let leaf_key = rcgen::KeyPair::generate().expect("a key");
    let leaf = rcgen::CertificateParams::new(vec!["fcmock.test".to_string()])
        .expect("params")
        .signed_by(&leaf_key, &*ca)
        .expect("a certificate");
    let chain = format!("{}{}", leaf.pem(), ca.pem());
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, &chain).expect("written");
    std::fs::write(&key_path, leaf_key.serialize_pem()).expect("written");
    let server = TestServer::start_with(|c| {
        c.tls_port = Some(0);
        c.tls_cert = Some(cert_path.clone());
        c.tls_key = Some(key_path.clone());
    })
    .await;
    assert_eq!(trusted_pem(&server).await, chain);
    let addr = server.tls_addr.expect("bound");
    let answer = https(
        addr,
        &connector(&ca.pem()),
        "fcmock.test",
        (Method::GET, "/_fcmock/health", None),
        "",
    )
    .await
    .expect("the given certificate is served for its name");
    assert_eq!(answer.status, 200);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_tls_files_stop_start_up_with_the_flag_named() {
    let mut config = fcmock::Config::for_tests();
    config.tls_port = Some(0);
    config.tls_cert = Some("/nonexistent/cert.pem".into());
    config.tls_key = Some("/nonexistent/key.pem".into());
    let error = fcmock::bind_tls(&config, "http://127.0.0.1:1")
        .await
        .err()
        .expect("a missing certificate file is an error");
    assert!(
        error.contains("--tls-cert /nonexistent/cert.pem"),
        "{error}"
    );
}

#[tokio::test]
async fn the_certificate_route_says_how_to_turn_tls_on_when_it_is_off() {
    let server = TestServer::start().await;
    let answer = server
        .request(Method::GET, "/_fcmock/tls/cert.pem", &[], "")
        .await;
    assert_eq!(answer.status, 404);
    assert!(answer
        .error("message")
        .unwrap_or_default()
        .contains("--tls-port"));
}
