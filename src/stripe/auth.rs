//! API keys: which key a request carries, what it may do, and which namespace it sees.
//!
//! Every `sk_test_…` / `rk_test_…` key is its own isolated namespace, so parallel CI jobs
//! sharing one fcmock never see each other's objects. `pk_test_…` keys are accepted only on
//! the client-side endpoints (the SDKs' session calls). Live keys are always refused: fcmock
//! must never be mistaken for, or used as, the real API.

use super::error::ApiError;
use base64::Engine;

/// What kind of key a request authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `sk_test_…`
    Secret,
    /// `rk_test_…`
    Restricted,
    /// `pk_test_…`
    Publishable,
}

/// An accepted test-mode API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The full key; it names the namespace of secret and restricted keys.
    pub key: String,
    /// Its kind.
    pub kind: KeyKind,
}

impl ApiKey {
    /// The key with all but its last four characters masked, as Stripe prints keys in
    /// errors and as fcmock writes them to logs.
    pub fn masked(&self) -> String {
        mask(&self.key)
    }
}

/// Masks a key like Stripe's "Invalid API Key provided: sk_test_********abcd".
pub fn mask(key: &str) -> String {
    Masked(key).to_string()
}

/// A key shown masked ([`mask`]), written straight into a formatter: a log line masks the
/// key of every request without allocating.
pub struct Masked<'a>(pub &'a str);

impl std::fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Work in characters: a key is untrusted input and may hold multibyte text.
        let key = self.0;
        let count = key.chars().count();
        let prefix_len = key
            .chars()
            .enumerate()
            .filter(|(_, c)| *c == '_')
            .nth(1)
            .map_or(0, |(i, _)| i + 1);
        let tail_start = count.saturating_sub(4).max(prefix_len);
        let byte_at = |n: usize| key.char_indices().nth(n).map_or(key.len(), |(i, _)| i);
        f.write_str(&key[..byte_at(prefix_len)])?;
        // A live-format key hides ~95 characters: written a run at a time, not one by one.
        const STARS: &str = "****************************************************************";
        let mut hidden = tail_start.saturating_sub(prefix_len);
        while hidden > 0 {
            let run = hidden.min(STARS.len());
            f.write_str(&STARS[..run])?;
            hidden -= run;
        }
        f.write_str(&key[byte_at(tail_start)..])
    }
}

const NO_KEY: &str = "You did not provide an API key. You need to provide your API key in the \
    Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). \
    See https://stripe.com/docs/api#authentication for details, or we can help at \
    https://support.stripe.com/.";

/// Reads the key from an `Authorization` header value (Bearer, or Basic with the key as the
/// user name) and checks it. `only_key` is fcmock's `--api-key`: when set, no other key works.
pub fn authenticate(header: Option<&str>, only_key: Option<&str>) -> Result<ApiKey, ApiError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ApiError::unauthorized(NO_KEY))?;
    let key = if let Some(token) = strip_scheme(header, "bearer") {
        token.trim().to_string()
    } else if let Some(encoded) = strip_scheme(header, "basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "Invalid Basic authorization header: it must be base64 of 'KEY:'. \
                     See https://stripe.com/docs/api#authentication for details.",
                )
            })?;
        decoded.split(':').next().unwrap_or_default().to_string()
    } else {
        return Err(ApiError::unauthorized(
            "Invalid Authorization header: use 'Bearer YOUR_SECRET_KEY' or HTTP Basic with the \
             key as the user name. See https://stripe.com/docs/api#authentication for details.",
        ));
    };
    if key.is_empty() {
        return Err(ApiError::unauthorized(NO_KEY));
    }
    if ["sk_live_", "rk_live_", "pk_live_"]
        .iter()
        .any(|p| key.starts_with(p))
    {
        return Err(ApiError::unauthorized(format!(
            "Live API key provided: {}. fcmock is a local test double of Stripe and never \
             accepts live keys; use a test key such as sk_test_123.",
            mask(&key)
        )));
    }
    let kind = if key.starts_with("sk_test_") {
        KeyKind::Secret
    } else if key.starts_with("rk_test_") {
        KeyKind::Restricted
    } else if key.starts_with("pk_test_") {
        KeyKind::Publishable
    } else {
        return Err(invalid_key(&key));
    };
    let too_short = key.len() <= "sk_test_".len();
    let not_this_mock_key =
        only_key.is_some_and(|only| only != key && kind != KeyKind::Publishable);
    if too_short || not_this_mock_key || key.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(invalid_key(&key));
    }
    Ok(ApiKey { key, kind })
}

fn invalid_key(key: &str) -> ApiError {
    ApiError::unauthorized(format!("Invalid API Key provided: {}", mask(key)))
}

fn strip_scheme<'a>(header: &'a str, scheme: &str) -> Option<&'a str> {
    let (head, rest) = header.split_once(' ')?;
    head.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// Refuses a publishable key on an endpoint that needs a secret one.
pub fn require_secret(key: &ApiKey) -> Result<(), ApiError> {
    if key.kind == KeyKind::Publishable {
        return Err(ApiError::unauthorized(
            "This API call cannot be made with a publishable API key. Please use a secret API \
             key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
        )
        .with_code("secret_key_required"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_basic_keys_are_accepted() {
        assert_eq!(
            authenticate(Some("Bearer sk_test_abc"), None).map(|k| k.key),
            Ok("sk_test_abc".into())
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("sk_test_abc:");
        assert_eq!(
            authenticate(Some(&format!("Basic {basic}")), None).map(|k| k.key),
            Ok("sk_test_abc".into())
        );
    }

    #[test]
    fn live_missing_and_malformed_keys_are_refused_with_401() {
        for header in [
            None,
            Some(""),
            Some("Bearer "),
            Some("Bearer sk_live_abc"),
            Some("Token x"),
            Some("Bearer nope"),
            Some("Basic !!!"),
        ] {
            let e = authenticate(header, None).expect_err("refused");
            assert_eq!(e.status, 401, "{header:?}");
        }
        let e = authenticate(Some("Bearer sk_live_abcdef"), None).expect_err("live");
        assert!(e.message.contains("never accepts live keys"));
    }

    #[test]
    fn keys_are_masked_except_the_last_four() {
        assert_eq!(mask("sk_test_1234567890"), "sk_test_******7890");
        assert_eq!(mask("abc"), "abc");
        // A live-length key: more hidden characters than one run of stars.
        let long = format!("sk_test_{}wxyz", "a".repeat(95));
        assert_eq!(mask(&long), format!("sk_test_{}wxyz", "*".repeat(95)));
        assert_eq!(mask("sk_test_aé123é"), "sk_test_**123é");
    }

    #[test]
    fn only_the_configured_key_is_accepted_when_one_is_set() {
        assert!(authenticate(Some("Bearer sk_test_other"), Some("sk_test_mine")).is_err());
        assert!(authenticate(Some("Bearer sk_test_mine"), Some("sk_test_mine")).is_ok());
    }
}
