//! The owned request and response every front door works with, and the [`Service`] the
//! server calls. Decoded once at the edge (`server`), so no handler sees hyper's body type
//! and nothing below the server depends on the accept loop.

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, StatusCode};
use std::future::Future;

/// A request, read in full and owned: handlers never see hyper's body type.
#[derive(Debug, Clone)]
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Path, without the query string.
    pub path: String,
    /// Raw query string (without `?`), possibly empty.
    pub query: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Whether it came in over the TLS listener (`--tls-port`): links handed back then use
    /// the HTTPS base URL.
    pub tls: bool,
}

impl Request {
    /// A header's value, if present and valid UTF-8. `name` is a `&str`, or a
    /// [`HeaderName`] where the name is known in advance (no parsing per lookup).
    pub fn header<K: hyper::header::AsHeaderName>(&self, name: K) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A response to write.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: StatusCode,
    /// Headers (besides those hyper adds, such as `content-length`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Headers many responses share (Stripe's constant ones), built once: the server sends
    /// them first, and [`Response::headers`] after them (a name in both takes the latter).
    pub shared: Option<&'static HeaderMap>,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// A response with a body and a content type.
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Response {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            // Room for the request id, version and idempotency key an API answer adds.
            headers: {
                let mut headers = Vec::with_capacity(4);
                headers.push((
                    hyper::header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type),
                ));
                headers
            },
            body: body.into(),
            shared: None,
        }
    }

    /// Adds a header; values that are not valid header text are dropped.
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }
}

/// What the server calls for every request.
pub trait Service: Send + Sync + 'static {
    /// Answers a request that was read in full.
    fn call(&self, request: Request) -> impl Future<Output = Response> + Send;
    /// Answers a request whose body could not be read: too large, or cut short.
    fn body_error(&self, request: Request, too_large: bool) -> Response;
    /// The largest body this request may send (`default` is the server-wide limit); lets a
    /// route that takes big documents, such as a state import, allow more.
    fn body_limit(&self, _method: &Method, _path: &str, default: usize) -> usize {
        default
    }
}
