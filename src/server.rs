//! The HTTP server: accepting connections, reading requests through a size limit, and
//! shutting down gracefully. It knows nothing of Stripe: it hands an owned [`Request`] to a
//! [`Service`] and writes back the [`Response`] it gets.

pub use crate::http::{Request, Response, Service};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
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

/// Serves `listener` until `shutdown` resolves, then drains open connections for at most
/// `limits.shutdown_grace`. The listener is bound by the caller, so tests can bind port 0.
pub async fn serve<S: Service>(
    listener: TcpListener,
    service: Arc<S>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer): (_, SocketAddr) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: pause instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = Arc::clone(&service);
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .keep_alive(true)
                    .serve_connection(
                        TokioIo::new(stream),
                        service_fn(move |req| {
                            handle(Arc::clone(&service), req, limits.max_body_bytes, limits.header_timeout)
                        }),
                    );
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    // Client resets and header timeouts end here; they are not server errors.
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("shutdown grace period over; closing remaining connections");
        }
    }
}

async fn handle<S: Service>(
    service: Arc<S>,
    req: hyper::Request<Incoming>,
    max_body: usize,
    body_timeout: Duration,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let max_body = service.body_limit(&parts.method, parts.uri.path(), max_body);
    let mut request = Request {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts.headers,
        body: Bytes::new(),
    };
    let declared_too_large = request
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|len| len > max_body);
    let response = if declared_too_large {
        service.body_error(request, true)
    } else {
        // A body that stops arriving (shorter than its Content-Length) must not hold the
        // connection forever: it gets the same time as the headers.
        match tokio::time::timeout(body_timeout, Limited::new(body, max_body).collect()).await {
            Ok(Ok(collected)) => {
                request.body = collected.to_bytes();
                service.call(request).await
            }
            Ok(Err(e)) => {
                let too_large = e
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some();
                service.body_error(request, too_large)
            }
            Err(_) => {
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
    out.headers_mut()
        .extend(response.headers.into_iter().map(|(k, v)| (Some(k), v)));
    Ok(out)
}
