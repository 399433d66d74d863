//! fcmock: a local, stateful emulator of Stripe's Financial Connections API, for tests.
//!
//! The map of the crate, from the bottom layer up. A module imports only its own layer or
//! those below it (`scripts/import_graph.py --check` enforces it; `docs/architecture.md`
//! draws it):
//!
//! 1. Plain data and the edge types: [`config`] (flags with `FCMOCK_*` twins), [`clock`]
//!    (mock time, the only "now"), [`http`] (the owned request and response), [`fixtures`]
//!    (test institutions and scenario files, validated at load), [`model`] (Stripe's objects
//!    as plain data).
//! 2. [`store`]: in-memory state per API key; ordered tables paged in O(page); it keeps its
//!    own invariants and knows no HTTP.
//! 3. [`stripe`]: the wire format shared by every resource: bracket forms, parameter specs,
//!    errors, lists, `expand[]`, idempotency, ids, API keys.
//! 4. [`qa`] (scripted outcomes, injected faults, the request log) and [`webhooks`]
//!    (signing and delivering events off the request path).
//! 5. [`app`]: the shared handle over all of the above; it knows no handler.
//! 6. [`engine`]: what happens when a session completes, a refresh runs, an event fires.
//! 7. [`resources`]: one module per Stripe resource, each declaring its routes, objects and
//!    events, and the one registry the router and `expand[]` are built from.
//! 8. The three front doors: [`api`] (Stripe's API as a pipeline of named stages),
//!    [`control`] (fcmock's `/_fcmock/…` API), [`auth_page`] (the hosted page, the SDK
//!    payloads and the example backend).
//! 9. [`dispatch`]: picks the front door and writes the request's log line.
//! 10. [`server`]: hyper glue — accept loop (plain and TLS), body limit, timeouts, graceful
//!     shutdown; [`cli`]:
//!     the subcommands that talk to a running fcmock (`fcmock trigger`); [`mock_server`]:
//!     fcmock in-process for Rust tests ([`MockServer::start`], wiremock-style).

#![warn(clippy::unwrap_used)]

pub mod api;
pub mod app;
pub mod auth_page;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod dispatch;
pub mod engine;
pub mod fixtures;
pub mod http;
pub mod log_sink;
pub mod mock_server;
pub mod model;
pub mod qa;
pub mod resources;
pub mod server;
pub mod store;
pub mod stripe;
pub mod webhooks;

use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

pub use app::App;
pub use config::Config;
pub use mock_server::{MockServer, SessionOutcome};

/// The base URL links point at: `--public-url`, or the listener's own address.
pub fn public_url(listener: &TcpListener, config: &Config) -> String {
    match &config.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => match listener.local_addr() {
            Ok(addr) => format!("http://{addr}"),
            Err(_) => format!("http://{}:{}", config.host, config.effective_port()),
        },
    }
}

/// The HTTPS side of a server started with `--tls-port`: the bound socket and handshake,
/// and what the application is told of them. `None` when TLS is off.
pub async fn bind_tls(
    config: &Config,
    public_url: &str,
) -> Result<Option<(server::Secure, app::PublicTls)>, String> {
    let Some(port) = config.tls_port else {
        return Ok(None);
    };
    let addr = format!("{}:{port}", config.host);
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (--tls-port): {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("--tls-port: {e}"))?;
    let public_host = host_of(public_url);
    let identity = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => server::tls::load(cert, key)?,
        _ => {
            let hosts = server::tls::certificate_hosts([public_host, config.host.as_str()]);
            let identity = server::tls::generate(&hosts)?;
            let path = std::env::temp_dir().join(format!("fcmock-ca-{}.pem", bound.port()));
            server::tls::write_trust_file(&identity, &path)?;
            tracing::info!(target: "fcmock", fingerprint = %identity.fingerprint,
                "TLS: generated a CA for {}; trust {} (or GET /_fcmock/tls/cert.pem)",
                hosts.join(", "), path.display());
            identity
        }
    };
    tracing::info!(target: "fcmock", fingerprint = %identity.fingerprint, "listening on https://{bound}");
    let facts = app::PublicTls {
        public_url: format!("https://{}:{}", bracketed(public_host), bound.port()),
        trust_pem: identity.trust_pem,
        fingerprint: identity.fingerprint,
    };
    let secure = server::Secure {
        listener,
        acceptor: identity.acceptor,
    };
    Ok(Some((secure, facts)))
}

/// The host of a base URL (`http://10.0.2.2:12111` → `10.0.2.2`, `http://[::1]:1` → `::1`).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => authority.split(':').next().unwrap_or(authority),
    }
}

fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// Serves fcmock on an already-bound listener until `shutdown` resolves, and returns the
/// application (its state) afterwards.
///
/// The caller binds, so tests can listen on port 0 and read the address back. Fails before
/// serving when the fixtures do not load.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()>,
) -> Result<App, String> {
    let app = App::new(config, public_url(&listener, config))?;
    serve_with(listener, app.clone(), config, shutdown).await;
    Ok(app)
}

/// Serves an application built by the caller (who keeps a handle to inspect or seed its
/// state, as benchmarks do) until `shutdown` resolves.
pub async fn serve_with(
    listener: TcpListener,
    app: App,
    config: &Config,
    shutdown: impl Future<Output = ()>,
) {
    serve_secure(listener, None, app, config, shutdown).await;
}

/// [`serve_with`], also serving HTTPS on `secure` ([`bind_tls`]).
pub async fn serve_secure(
    listener: TcpListener,
    secure: Option<server::Secure>,
    app: App,
    config: &Config,
    shutdown: impl Future<Output = ()>,
) {
    let limits = server::Limits {
        max_body_bytes: config.max_body_bytes,
        header_timeout: std::time::Duration::from_secs(config.header_timeout_secs),
        shutdown_grace: std::time::Duration::from_secs(config.shutdown_grace_secs),
    };
    let changes = Arc::clone(&app.control.changes);
    let shutdown = async move {
        shutdown.await;
        // Open long-polls of the live feed answer now instead of holding the drain back.
        changes.close();
    };
    server::serve(listener, secure, Arc::new(app), limits, shutdown).await;
}

/// `fcmock healthcheck`: asks a running fcmock for `/_fcmock/health` over plain HTTP, so a
/// container health check needs no curl. Exit 0 when it answers `{"status":"ok"}`.
pub async fn healthcheck(url: &str) -> std::process::ExitCode {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let Ok(uri) = url.parse::<hyper::Uri>() else {
        eprintln!("fcmock healthcheck: invalid URL {url}");
        return std::process::ExitCode::FAILURE;
    };
    let request = client.get(uri);
    let result = tokio::time::timeout(std::time::Duration::from_secs(3), async {
        let response = request.await.ok()?;
        let ok = response.status().is_success();
        let body = response.into_body().collect().await.ok()?.to_bytes();
        let healthy = ok && String::from_utf8_lossy(&body).contains("\"ok\"");
        Some(healthy)
    })
    .await;
    match result {
        Ok(Some(true)) => std::process::ExitCode::SUCCESS,
        _ => {
            eprintln!("fcmock healthcheck: {url} is not healthy");
            std::process::ExitCode::FAILURE
        }
    }
}
