//! How each session outcome looks on every surface, in one table: what the hosted page
//! shows, the session's client-side `status` / `status_details`, the error the client-side
//! API answers, and so what each SDK hands the app.
//!
//! The rule the table implements (research/client-side.md §3.4, §5.2):
//! - **success**: the page redirects to `success_url`; `session_receipt` answers the session
//!   (`status: succeeded`) → Android/iOS `Completed`, flutter `{"session"}` (`{"session",
//!   "token"}` in token mode), Stripe.js `{financialConnectionsSession}`.
//! - **cancel**: the page redirects to `cancel_url`; `session_receipt` answers the session
//!   (`status: cancelled`, `status_details.cancelled.reason: other`) → `Canceled`; flutter
//!   `{"error":{"code":"Canceled"}}` (message with a period on iOS only, research §2.2);
//!   Stripe.js a session with no accounts (research §4).
//! - **failure**: the page shows [`FailureBehaviour::page_title`] / [`FailureBehaviour::page_text`]
//!   and its Close button redirects to `cancel_url`; the session's status is `failed` with
//!   `status_details: null` (what `POST /v1/link_account_sessions/complete` shows), and
//!   `session_receipt` / `list_accounts` answer the failure's error. A failed receipt is how
//!   a real SDK turns a web-flow return into `Failed(error)` (Android at once, iOS after the
//!   user closes its error view; research §3.4) → flutter `{"error":{"code":"Failed", …}}`
//!   with the error's message, code and type; Stripe.js `{error}`.
//!
//! The error codes reuse the names of the SDKs' `FinancialConnectionsEventErrorCode`
//! (research §1.2), the closest public vocabulary Stripe has for these situations; the
//! messages are fcmock's own wording.

use crate::fixtures::Failure;
use crate::stripe::error::{ApiError, ErrorType};

/// What one failure looks like everywhere.
#[derive(Debug, Clone, Copy)]
pub struct FailureBehaviour {
    /// The failure.
    pub failure: Failure,
    /// The hosted page's heading.
    pub page_title: &'static str,
    /// The hosted page's explanation.
    pub page_text: &'static str,
    /// HTTP status of the client-side error.
    pub status: u16,
    /// `error.type` of the client-side error.
    pub error_type: ErrorType,
    /// `error.code` of the client-side error (also the SDK event's `errorCode`).
    pub code: Option<&'static str>,
    /// `error.message` of the client-side error.
    pub message: &'static str,
}

/// Every failure, in [`Failure::ALL`] order.
pub const FAILURES: [FailureBehaviour; 7] = [
    FailureBehaviour {
        failure: Failure::InstitutionDownScheduled,
        page_title: "This bank is under scheduled maintenance",
        page_text: "The bank is down for planned maintenance and cannot be connected right now. \
                    Try again later, or connect a different bank.",
        status: 400,
        error_type: ErrorType::InvalidRequestError,
        code: Some("institution_unavailable_planned"),
        message: "The selected institution is undergoing scheduled maintenance and is \
                  unavailable. Please try again later.",
    },
    FailureBehaviour {
        failure: Failure::InstitutionDownUnscheduled,
        page_title: "This bank is unavailable",
        page_text: "The bank is not responding right now. Try again later, or connect a \
                    different bank.",
        status: 400,
        error_type: ErrorType::InvalidRequestError,
        code: Some("institution_unavailable_unplanned"),
        message: "The selected institution is currently unavailable. Please try again later.",
    },
    FailureBehaviour {
        failure: Failure::InstitutionError,
        page_title: "Something went wrong at your bank",
        page_text: "The bank returned an unexpected error while connecting. Try again later, \
                    or connect a different bank.",
        status: 400,
        error_type: ErrorType::InvalidRequestError,
        code: Some("institution_timeout"),
        message: "The selected institution returned an unexpected error. Please try again later.",
    },
    FailureBehaviour {
        failure: Failure::LoginFailed,
        page_title: "We could not log you in",
        page_text: "The bank refused these credentials and ended the login.",
        status: 400,
        error_type: ErrorType::InvalidRequestError,
        code: Some("authorization_failed"),
        message: "The account holder's login at the institution failed.",
    },
    FailureBehaviour {
        failure: Failure::NoAccounts,
        page_title: "No eligible accounts",
        page_text: "The bank returned no accounts that can be connected for this request.",
        status: 400,
        error_type: ErrorType::InvalidRequestError,
        code: Some("accounts_unavailable"),
        message: "No eligible accounts were found at the selected institution.",
    },
    FailureBehaviour {
        failure: Failure::SessionExpired,
        page_title: "This session has expired",
        page_text: "The link to connect your bank has expired. Go back and start again.",
        status: 400,
        error_type: ErrorType::InvalidRequestError,
        code: Some("session_expired"),
        message: "This Financial Connections session has expired.",
    },
    FailureBehaviour {
        failure: Failure::ApiError,
        page_title: "Something went wrong",
        page_text: "An unexpected error occurred. Go back and try again.",
        status: 500,
        error_type: ErrorType::ApiError,
        code: None,
        message: "An unknown error occurred",
    },
];

/// The behaviour of one failure.
pub fn behaviour(failure: Failure) -> &'static FailureBehaviour {
    FAILURES
        .iter()
        .find(|b| b.failure == failure)
        .expect("FAILURES lists every Failure (checked by a unit test)")
}

/// The behaviour of the failure recorded on a session; a failed session without one (a
/// hand-edited state file) behaves as `api_error`.
pub fn behaviour_of(failure: Option<Failure>) -> &'static FailureBehaviour {
    behaviour(failure.unwrap_or(Failure::ApiError))
}

impl FailureBehaviour {
    /// The client-side API error for this failure.
    pub fn api_error(&self) -> ApiError {
        ApiError::new(self.status, self.error_type, self.code, self.message)
    }

    /// The wire name of `error.type`.
    pub fn type_name(&self) -> &'static str {
        match self.error_type {
            ErrorType::ApiError => "api_error",
            ErrorType::CardError => "card_error",
            ErrorType::IdempotencyError => "idempotency_error",
            ErrorType::InvalidRequestError => "invalid_request_error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_exactly_one_behaviour() {
        for failure in Failure::ALL {
            assert_eq!(
                FAILURES.iter().filter(|b| b.failure == failure).count(),
                1,
                "{failure}"
            );
        }
        for (b, f) in FAILURES.iter().zip(Failure::ALL) {
            assert_eq!(b.failure, f, "FAILURES follows Failure::ALL's order");
        }
    }
}
