//! The HTTP server: accepting connections (plain, and HTTPS with [`tls`]), reading requests
//! through a size limit, and shutting down gracefully. It knows nothing of Stripe: it hands an owned [`Request`] to a
//! [`Service`] and writes back the [`Response`] it gets.

pub mod tls;

pub use crate::http::{Request, Response, Service};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::HeaderValue;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Limits that keep one client from holding the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted body, in bytes.
    pub max_body_bytes: usize,
    /// How long a client may take to send its headers (and how long an idle keep-alive
    /// connection stays open).
    pub header_timeout: Duration,
    /// How long in-flight requests get on shutdown.
    pub shutdown_grace: Duration,
}

/// The HTTPS side of [`serve`]: a second socket whose connections start with a TLS
/// handshake ([`tls`]); what runs after it is the same service.
pub struct Secure {
    /// The bound socket (`--tls-port`).
    pub listener: TcpListener,
    /// The handshake: the certificate and key of [`tls::Identity`].
    pub acceptor: tokio_rustls::TlsAcceptor,
}

/// Serves `listener` (and `secure`, when given) until `shutdown` resolves, then drains open
/// connections for at most `limits.shutdown_grace`. The listeners are bound by the caller,
/// so tests can bind port 0.
pub async fn serve<S: Service>(
    listener: TcpListener,
    secure: Option<Secure>,
    service: Arc<S>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Some(stream) = connected(accepted).await {
                    spawn_connection(stream, false, Arc::clone(&service), limits, graceful.watcher());
                }
            }
            accepted = accept_secure(secure.as_ref()) => {
                if let (Some(stream), Some(secure)) = (connected(accepted).await, secure.as_ref()) {
                    spawn_handshake(stream, secure.acceptor.clone(), Arc::clone(&service), limits, graceful.watcher());
                }
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(secure);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("shutdown grace period over; closing remaining connections");
        }
    }
}

/// The next connection on the HTTPS socket; never, when there is none.
async fn accept_secure(
    secure: Option<&Secure>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match secure {
        Some(secure) => secure.listener.accept().await,
        None => std::future::pending().await,
    }
}

/// The accepted stream, or `None` after an accept error (out of file descriptors and the
/// like), having paused instead of spinning.
async fn connected(
    accepted: std::io::Result<(tokio::net::TcpStream, SocketAddr)>,
) -> Option<tokio::net::TcpStream> {
    match accepted {
        Ok((stream, _peer)) => {
            let _ = stream.set_nodelay(true);
            Some(stream)
        }
        Err(e) => {
            tracing::warn!(error = %e, "accept failed");
            tokio::time::sleep(Duration::from_millis(50)).await;
            None
        }
    }
}

/// Runs the TLS handshake off the accept loop, bounded by the header timeout (a client that
/// opens the socket and says nothing must not hold a task), then serves the connection.
fn spawn_handshake<S: Service>(
    stream: tokio::net::TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    service: Arc<S>,
    limits: Limits,
    watcher: Watcher,
) {
    tokio::spawn(async move {
        match tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => spawn_connection(tls, true, service, limits, watcher),
            Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
            Err(_) => tracing::debug!("TLS handshake timed out"),
        }
    });
}

/// Serves HTTP/1.1 on one connection, plain or inside TLS.
fn spawn_connection<S, I>(io: I, tls: bool, service: Arc<S>, limits: Limits, watcher: Watcher)
where
    S: Service,
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .serve_connection(
            TokioIo::new(io),
            service_fn(move |req| handle(Arc::clone(&service), req, tls, limits)),
        );
    tokio::spawn(async move {
        // Client resets and header timeouts end here; they are not server errors.
        let _ = watcher.watch(conn).await;
    });
}

async fn handle<S: Service>(
    service: Arc<S>,
    req: hyper::Request<Incoming>,
    tls: bool,
    limits: Limits,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let max_body = service.body_limit(&parts.method, parts.uri.path(), limits.max_body_bytes);
    let body_timeout = limits.header_timeout;
    let mut request = Request {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts.headers,
        body: Bytes::new(),
        tls,
    };
    let declared_too_large = request
        .header(&hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|len| len > max_body);
    let response = if declared_too_large {
        service.body_error(request, true)
    } else if body.is_end_stream() {
        // Nothing to read (a GET): no timer, nothing to collect.
        service.call(request).await
    } else {
        // A body that stops arriving (shorter than its Content-Length) must not hold the
        // connection forever: it gets the same time as the headers.
        match read_body(body, max_body, body_timeout).await {
            Some(Ok(collected)) => {
                request.body = collected.to_bytes();
                service.call(request).await
            }
            Some(Err(e)) => {
                let too_large = e
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some();
                service.body_error(request, too_large)
            }
            None => {
                let mut response = service.body_error(request, false);
                response
                    .headers
                    .push((hyper::header::CONNECTION, HeaderValue::from_static("close")));
                response
            }
        }
    };
    let mut out = hyper::Response::new(Full::new(response.body));
    *out.status_mut() = response.status;
    if let Some(shared) = response.shared {
        // A clone of a built map: no header hashed or inserted one by one.
        *out.headers_mut() = shared.clone();
    }
    out.headers_mut()
        .extend(response.headers.into_iter().map(|(k, v)| (Some(k), v)));
    Ok(out)
}

/// What reading a body gave: the body, or hyper's or the size limit's error.
type BodyRead = Result<http_body_util::Collected<Bytes>, Box<dyn std::error::Error + Send + Sync>>;

/// A request body in full, at most `max_body` bytes; `None` when it stopped arriving for
/// `limit`. A body that came with the headers (the usual small form) is taken at the
/// first poll, without arming a timer; only one still on its way gets the timeout.
async fn read_body(body: Incoming, max_body: usize, limit: Duration) -> Option<BodyRead> {
    let mut collect = std::pin::pin!(Limited::new(body, max_body).collect());
    let first = std::future::poll_fn(|cx| {
        std::task::Poll::Ready(std::future::Future::poll(collect.as_mut(), cx))
    })
    .await;
    match first {
        std::task::Poll::Ready(read) => Some(read),
        std::task::Poll::Pending => tokio::time::timeout(limit, collect).await.ok(),
    }
}
