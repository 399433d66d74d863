//! Stripe's error envelope, and the one place where failures become HTTP statuses.
//!
//! Handlers return `Result<_, ApiError>`; [`ApiError::to_body`] renders
//! `{"error": {code, doc_url, message, param, request_log_url, type}}` with keys in the
//! alphabetical order Stripe's API uses. Fields that do not apply are omitted, not `null`:
//! the OpenAPI schema declares none of them nullable.

use serde::Serialize;
use std::borrow::Cow;

/// Stripe's `error.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// Something went wrong on Stripe's (here: fcmock's, or a scripted fault's) side.
    ApiError,
    /// A card was declined.
    CardError,
    /// An `Idempotency-Key` was reused with other parameters.
    IdempotencyError,
    /// The request was invalid (the most common type).
    InvalidRequestError,
}

/// A Stripe API error, with its HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// `error.type`.
    pub error_type: ErrorType,
    /// `error.code` (also selects `doc_url`).
    pub code: Option<Cow<'static, str>>,
    /// `error.message`.
    pub message: String,
    /// `error.param`, in bracket notation.
    pub param: Option<String>,
    /// Whether `Stripe-Should-Retry` should be sent, and its value.
    pub should_retry: Option<bool>,
    /// Whether the body carries `request_log_url` (Stripe leaves it out of 401s and of
    /// unknown-URL 404s).
    pub log_url: bool,
}

/// The error as Stripe serialises it (alphabetical keys, absent fields omitted).
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc_url: Option<String>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    param: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_log_url: Option<String>,
    #[serde(rename = "type")]
    error_type: ErrorType,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

impl ApiError {
    /// A 400 `invalid_request_error` with no code.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            error_type: ErrorType::InvalidRequestError,
            code: None,
            message: message.into(),
            param: None,
            should_retry: None,
            log_url: true,
        }
    }

    /// Any status, type and code.
    pub fn new(
        status: u16,
        error_type: ErrorType,
        code: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            error_type,
            code: code.map(|c| Cow::Owned(c.to_string())),
            message: message.into(),
            param: None,
            should_retry: None,
            log_url: true,
        }
    }

    /// Sets `error.code`.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(Cow::Borrowed(code));
        self
    }

    /// Sets `error.param`.
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// `parameter_unknown`: "Received unknown parameter: x", or for several at one level
    /// "Received unknown parameters: x, y" (with `param` naming the first).
    pub fn unknown_parameters(names: &[String]) -> Self {
        let first = names.first().cloned().unwrap_or_default();
        let message = match names {
            [one] => format!("Received unknown parameter: {one}"),
            _ => format!("Received unknown parameters: {}", names.join(", ")),
        };
        Self::invalid_request(message)
            .with_code("parameter_unknown")
            .with_param(first)
    }

    /// `parameter_missing`: "Missing required param: x."
    pub fn missing_parameter(name: &str) -> Self {
        Self::invalid_request(format!("Missing required param: {name}."))
            .with_code("parameter_missing")
            .with_param(name)
    }

    /// `parameter_invalid_integer`: "Invalid integer: abc".
    pub fn invalid_integer(name: &str, value: &str) -> Self {
        Self::invalid_request(format!("Invalid integer: {value}"))
            .with_code("parameter_invalid_integer")
            .with_param(name)
    }

    /// `parameter_invalid_empty`, Stripe's wording for an empty string that cannot unset.
    pub fn invalid_empty(name: &str) -> Self {
        Self::invalid_request(format!(
            "You passed an empty string for '{name}'. We assume empty values are an attempt to \
             unset a parameter; however '{name}' cannot be unset. You should remove '{name}' \
             from your request or supply a non-empty value."
        ))
        .with_code("parameter_invalid_empty")
        .with_param(name)
    }

    /// A boolean parameter that is not `true` or `false`.
    pub fn invalid_boolean(name: &str, value: &str) -> Self {
        Self::invalid_request(format!("Invalid boolean: {value}")).with_param(name)
    }

    /// A string parameter sent as a hash or array.
    pub fn invalid_string(name: &str) -> Self {
        Self::invalid_request(format!("Invalid string: {name} must be a string")).with_param(name)
    }

    /// A string longer than the parameter allows.
    pub fn string_too_long(name: &str, value: &str, max: usize) -> Self {
        let shown: String = value.chars().take(20).collect();
        Self::invalid_request(format!(
            "Invalid string: {shown}...; must be at most {max} characters"
        ))
        .with_param(name)
    }

    /// A hash parameter sent as a scalar or array.
    pub fn invalid_hash(name: &str) -> Self {
        Self::invalid_request("Invalid hash").with_param(name)
    }

    /// An array parameter sent as a scalar or hash.
    pub fn invalid_array(name: &str) -> Self {
        Self::invalid_request("Invalid array").with_param(name)
    }

    /// An enum parameter outside its values: "Invalid x: must be one of a, b, or c".
    pub fn invalid_enum(name: &str, allowed: &[&str]) -> Self {
        let list = match allowed {
            [] => String::new(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{}, or {last}", init.join(", ")),
        };
        Self::invalid_request(format!("Invalid {name}: must be one of {list}")).with_param(name)
    }

    /// `resource_missing` for an id in the URL path: 404 with `param: "id"`.
    pub fn no_such_in_path(object: &str, id: &str) -> Self {
        Self::invalid_request(format!("No such {object}: '{id}'"))
            .with_code("resource_missing")
            .with_param("id")
            .with_status(404)
    }

    /// `resource_missing` for an id given in a parameter: 400 naming that parameter.
    pub fn no_such_in_param(object: &str, id: &str, param: &str) -> Self {
        Self::invalid_request(format!("No such {object}: '{id}'"))
            .with_code("resource_missing")
            .with_param(param)
    }

    /// `parameters_exclusive`: two parameters that may not be combined.
    pub fn exclusive(params: &[&str]) -> Self {
        let list = params.join(", ");
        Self::invalid_request(format!(
            "You may only specify one of these parameters: {list}."
        ))
        .with_code("parameters_exclusive")
        .with_param(params.first().copied().unwrap_or_default())
    }

    /// A 401 authentication failure: no code and no log link, as Stripe sends.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        let mut e = Self::invalid_request(message).with_status(401);
        e.log_url = false;
        e
    }

    /// An unknown URL, or a known URL with the wrong method, in Stripe's words (Stripe sends
    /// 404 for both; fcmock's own endpoints may pick another status).
    pub fn unrecognized_url(method: &str, path: &str, status: u16) -> Self {
        let hint = if path.ends_with('/') {
            " If you are trying to list objects, remove the trailing slash. If you are trying to \
             retrieve an object, make sure you passed a valid (non-empty) identifier in your code."
        } else {
            ""
        };
        let mut e = Self::invalid_request(format!(
            "Unrecognized request URL ({method}: {path}).{hint} Please see https://stripe.com/docs \
             or we can help at https://support.stripe.com/."
        ))
        .with_status(status);
        e.log_url = false;
        e
    }

    /// A 500: a bug in fcmock, logged by the caller.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, ErrorType::ApiError, None, message)
    }

    /// The `doc_url` Stripe derives from the code: `resource_missing` →
    /// `https://stripe.com/docs/error-codes/resource-missing`.
    pub fn doc_url(&self) -> Option<String> {
        self.code.as_deref().map(|c| {
            format!(
                "https://stripe.com/docs/error-codes/{}",
                c.replace('_', "-")
            )
        })
    }

    /// The error as an object's `last_payment_error` / `last_setup_error` holds it: the
    /// envelope's `error`, without the request log link.
    pub fn body_json(&self) -> serde_json::Value {
        let mut value: serde_json::Value =
            serde_json::from_slice(&self.to_body("", 0)).unwrap_or_default();
        let mut error = value["error"].take();
        if let Some(map) = error.as_object_mut() {
            map.remove("request_log_url");
        }
        error
    }

    /// Serialises the envelope for a response to the request `request_id`, made at `now`.
    pub fn to_body(&self, request_id: &str, now: i64) -> Vec<u8> {
        let envelope = Envelope {
            error: Body {
                code: self.code.as_deref(),
                doc_url: self.doc_url(),
                message: &self.message,
                param: self.param.as_deref(),
                // fcmock's own log is `GET /_fcmock/requests`; the URL only has to look like
                // the dashboard link Stripe sends.
                request_log_url: self.log_url.then(|| {
                    format!("https://dashboard.stripe.com/test/logs/{request_id}?t={now}")
                }),
                error_type: self.error_type,
            },
        };
        serde_json::to_vec_pretty(&envelope).expect("an error envelope always serialises")
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
