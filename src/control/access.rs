//! Who may use the control API (and so the dashboard): `--no-control-api` turns it off,
//! `--control-token` asks for a token, and a change of state must come from fcmock's own
//! origin.
//!
//! The token travels as `Authorization: Bearer <token>` or `X-Fcmock-Token` (scripts), or as
//! the dashboard's cookie: after the token form (or `?token=`), fcmock sets
//! `fcmock_dashboard`, an HMAC of the token (not the token itself), `HttpOnly`,
//! `SameSite=Strict`, `Path=/_fcmock`. A cookie travels with any request the browser makes,
//! a forged one from another page included, so every request that changes state (anything
//! but GET and HEAD) is refused when it carries an `Origin` other than fcmock's own. Browsers
//! send `Origin` on every cross-origin POST and on fetches; curl and the SDKs send none and
//! are not affected.

use crate::app::App;
use crate::http::Request;
use crate::stripe::error::ApiError;
use hmac::{Hmac, Mac};
use hyper::Method;
use sha2::Sha256;

/// The dashboard's cookie.
pub const COOKIE: &str = "fcmock_dashboard";

/// `--no-control-api`: every control route but the health check answers this.
pub fn enabled(app: &App) -> Result<(), ApiError> {
    if app.settings.control_api {
        Ok(())
    } else {
        Err(
            ApiError::invalid_request("The control API is turned off (--no-control-api).")
                .with_status(404),
        )
    }
}

/// `--control-token`: the request must carry the token (header or dashboard cookie).
pub fn check_token(app: &App, request: &Request) -> Result<(), ApiError> {
    let Some(token) = app.settings.control_token.as_deref() else {
        return Ok(());
    };
    let bearer = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "));
    let given = request.header("x-fcmock-token").or(bearer);
    if given == Some(token) || cookie_matches(token, request) {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "The control API needs the token set with --control-token, as 'Authorization: Bearer <token>' or 'X-Fcmock-Token: <token>' (the dashboard at /_fcmock/ui asks for it once).",
        ))
    }
}

/// Whether `given` is the `--control-token` (always, when none is set).
pub fn token_is(app: &App, given: &str) -> bool {
    app.settings
        .control_token
        .as_deref()
        .is_none_or(|token| token == given)
}

/// A change of state from a page of another origin is refused (403).
pub fn check_origin(request: &Request) -> Result<(), ApiError> {
    if matches!(request.method, Method::GET | Method::HEAD) {
        return Ok(());
    }
    let Some(origin) = request.header("origin") else {
        return Ok(());
    };
    let own = request.header("host").is_some_and(|host| {
        origin == format!("http://{host}") || origin == format!("https://{host}")
    });
    if own {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "The control API takes changes only from its own pages; this request came from {origin}."
        ))
        .with_status(403))
    }
}

/// The `Set-Cookie` value that lets this browser in after it showed the token.
pub fn session_cookie(app: &App) -> Option<String> {
    let token = app.settings.control_token.as_deref()?;
    Some(format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/_fcmock",
        cookie_value(token)
    ))
}

fn cookie_mac(token: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(b"fcmock dashboard session");
    mac
}

fn cookie_value(token: &str) -> String {
    hex::encode(cookie_mac(token).finalize().into_bytes())
}

fn cookie_matches(token: &str, request: &Request) -> bool {
    request
        .headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .filter_map(|value| hex::decode(value).ok())
        .any(|bytes| cookie_mac(token).verify_slice(&bytes).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::{HeaderMap, HeaderValue};

    fn request(method: Method, headers: &[(&'static str, &str)]) -> Request {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).expect("valid"));
        }
        Request {
            method,
            path: "/_fcmock/reset".into(),
            query: String::new(),
            headers: map,
            body: bytes::Bytes::new(),
            tls: false,
        }
    }

    #[test]
    fn a_post_from_another_origin_is_refused_and_one_from_fcmock_passes() {
        let host = ("host", "127.0.0.1:12111");
        let own = request(Method::POST, &[host, ("origin", "http://127.0.0.1:12111")]);
        let other = request(Method::POST, &[host, ("origin", "http://127.0.0.1:3000")]);
        let opaque = request(Method::POST, &[host, ("origin", "null")]);
        let script = request(Method::POST, &[host]);
        let read = request(Method::GET, &[host, ("origin", "http://evil.test")]);
        assert!(check_origin(&own).is_ok());
        assert_eq!(check_origin(&other).map_err(|e| e.status), Err(403));
        assert!(check_origin(&opaque).is_err());
        assert!(check_origin(&script).is_ok());
        assert!(check_origin(&read).is_ok());
    }

    #[test]
    fn the_cookie_is_a_mac_of_the_token_and_only_that_token_matches() {
        let value = cookie_value("s3cret");
        assert!(!value.contains("s3cret"));
        let cookie = format!("other=1; {COOKIE}={value}");
        let with = request(Method::GET, &[("cookie", &cookie)]);
        assert!(cookie_matches("s3cret", &with));
        assert!(!cookie_matches("another", &with));
    }
}
