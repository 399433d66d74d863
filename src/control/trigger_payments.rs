//! `fcmock trigger` for the ACH events: the PaymentIntent, SetupIntent, Charge and Mandate
//! an event needs, made through the API as a backend would (a linked account for instant
//! verification, Stripe's test account numbers and microdeposit values for the rest) and
//! settled at once.

use crate::app::App;
use crate::engine::payments as ach;
use crate::stripe::error::ApiError;
use hyper::Method;

/// What an ACH event's set-up does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentFlow {
    /// A PaymentIntent, not confirmed.
    IntentCreated,
    /// A PaymentIntent confirmed with a linked account: processing, charge pending.
    Processing,
    /// The same, settled: succeeded.
    Succeeded,
    /// A manually entered `000222222227` account, verified, settled: returned.
    Failed,
    /// A manually entered account: waiting for microdeposits.
    RequiresAction,
    /// A PaymentIntent, cancelled.
    IntentCanceled,
    /// A SetupIntent, not confirmed.
    SetupCreated,
    /// A SetupIntent confirmed with a linked account.
    SetupSucceeded,
    /// A SetupIntent with a manually entered account: waiting for microdeposits.
    SetupRequiresAction,
    /// A SetupIntent, cancelled.
    SetupCanceled,
    /// A SetupIntent whose microdeposits exceed the attempts (Stripe's 10, 11).
    SetupFailed,
    /// A `000333333335` debit returned as not authorised: its mandate revoked.
    MandateRevoked,
    /// A `000555555559` debit, settled, then disputed.
    Disputed,
}

/// The flow for an ACH event type, if it is one.
pub fn flow(event_type: &str) -> Option<PaymentFlow> {
    Some(match event_type {
        "payment_intent.created" => PaymentFlow::IntentCreated,
        "payment_intent.processing" | "charge.pending" => PaymentFlow::Processing,
        "payment_intent.succeeded" | "charge.succeeded" => PaymentFlow::Succeeded,
        "payment_intent.payment_failed" | "charge.failed" => PaymentFlow::Failed,
        "payment_intent.requires_action" => PaymentFlow::RequiresAction,
        "payment_intent.canceled" => PaymentFlow::IntentCanceled,
        "setup_intent.created" => PaymentFlow::SetupCreated,
        "setup_intent.succeeded" => PaymentFlow::SetupSucceeded,
        "setup_intent.requires_action" => PaymentFlow::SetupRequiresAction,
        "setup_intent.canceled" => PaymentFlow::SetupCanceled,
        "setup_intent.setup_failed" => PaymentFlow::SetupFailed,
        "mandate.updated" => PaymentFlow::MandateRevoked,
        "charge.dispute.created" => PaymentFlow::Disputed,
        _ => return None,
    })
}

const ACCEPTANCE: &str = "&mandate_data[customer_acceptance][type]=online\
    &mandate_data[customer_acceptance][online][ip_address]=127.0.0.1\
    &mandate_data[customer_acceptance][online][user_agent]=fcmock+trigger";
const AMOUNT: &str = "amount=2000&currency=usd&payment_method_types[]=us_bank_account";

/// Form fields of a confirm with a PaymentMethod from a newly linked account.
fn instant(linked: &mut Linker<'_>) -> Result<String, ApiError> {
    let (customer, account) = linked()?;
    Ok(format!(
        "customer={customer}&payment_method_data[type]=us_bank_account\
         &payment_method_data[billing_details][name]=Jenny+Rosen\
         &payment_method_data[us_bank_account][financial_connections_account]={account}\
         &confirm=true{ACCEPTANCE}"
    ))
}

/// Form fields of a confirm with a manually entered account (microdeposits).
fn manual(number: &str) -> String {
    format!(
        "payment_method_data[type]=us_bank_account\
         &payment_method_data[billing_details][name]=Jenny+Rosen\
         &payment_method_data[us_bank_account][routing_number]=110000000\
         &payment_method_data[us_bank_account][account_number]={number}\
         &confirm=true{ACCEPTANCE}"
    )
}

/// Links an account for a new customer: (customer, account).
pub type Linker<'a> = dyn FnMut() -> Result<(String, String), ApiError> + 'a;

/// One trigger's calls into the API, in one namespace.
struct Calls<'a> {
    app: &'a App,
    key: &'a str,
}

impl Calls<'_> {
    /// `POST path` with `form`: the answer's id.
    fn post(&self, path: &str, form: &str) -> Result<String, ApiError> {
        let answer = crate::api::call_internal(self.app, self.key, Method::POST, path, form)?;
        Ok(answer["id"].as_str().unwrap_or_default().to_string())
    }
}

/// Runs `flow` in the namespace of `key`. `linked` links an account (with the
/// `payment_method` permission) for a new customer; `remember` records an object made.
pub fn run(
    app: &App,
    key: &str,
    flow: PaymentFlow,
    linked: &mut Linker<'_>,
    remember: &mut dyn FnMut(&str, &str),
) -> Result<(), ApiError> {
    let calls = Calls { app, key };
    match flow {
        PaymentFlow::IntentCreated
        | PaymentFlow::Processing
        | PaymentFlow::Succeeded
        | PaymentFlow::Failed
        | PaymentFlow::MandateRevoked
        | PaymentFlow::Disputed
        | PaymentFlow::RequiresAction
        | PaymentFlow::IntentCanceled => payment(&calls, flow, linked, remember),
        PaymentFlow::SetupCreated
        | PaymentFlow::SetupSucceeded
        | PaymentFlow::SetupRequiresAction
        | PaymentFlow::SetupCanceled
        | PaymentFlow::SetupFailed => setup(&calls, flow, linked, remember),
    }
}

fn payment(
    calls: &Calls<'_>,
    flow: PaymentFlow,
    linked: &mut Linker<'_>,
    remember: &mut dyn FnMut(&str, &str),
) -> Result<(), ApiError> {
    let form = match flow {
        PaymentFlow::Processing | PaymentFlow::Succeeded => {
            format!("{AMOUNT}&{}", instant(linked)?)
        }
        PaymentFlow::MandateRevoked => format!("{AMOUNT}&{}", manual("000333333335")),
        PaymentFlow::Disputed => format!("{AMOUNT}&{}", manual("000555555559")),
        PaymentFlow::Failed | PaymentFlow::RequiresAction => {
            format!("{AMOUNT}&{}", manual("000222222227"))
        }
        _ => AMOUNT.to_string(),
    };
    let pi = calls.post("/v1/payment_intents", &form)?;
    remember("payment_intent", &pi);
    let verified = matches!(
        flow,
        PaymentFlow::Failed | PaymentFlow::MandateRevoked | PaymentFlow::Disputed
    );
    if verified {
        let path = format!("/v1/payment_intents/{pi}/verify_microdeposits");
        calls.post(&path, "amounts[]=32&amounts[]=45")?;
    }
    if verified || flow == PaymentFlow::Succeeded {
        ach::settle_all(calls.app, true);
    }
    if flow == PaymentFlow::IntentCanceled {
        calls.post(&format!("/v1/payment_intents/{pi}/cancel"), "")?;
    }
    Ok(())
}

fn setup(
    calls: &Calls<'_>,
    flow: PaymentFlow,
    linked: &mut Linker<'_>,
    remember: &mut dyn FnMut(&str, &str),
) -> Result<(), ApiError> {
    let form = match flow {
        PaymentFlow::SetupSucceeded => instant(linked)?,
        PaymentFlow::SetupRequiresAction | PaymentFlow::SetupFailed => manual("000123456789"),
        _ => String::new(),
    };
    let si = calls.post("/v1/setup_intents", &form)?;
    remember("setup_intent", &si);
    match flow {
        PaymentFlow::SetupFailed => {
            // Stripe's "exceeds attempts" amounts: refused, and the intent fails.
            let path = format!("/v1/setup_intents/{si}/verify_microdeposits");
            let _ = calls.post(&path, "amounts[]=10&amounts[]=11");
        }
        PaymentFlow::SetupCanceled => {
            calls.post(&format!("/v1/setup_intents/{si}/cancel"), "")?;
        }
        _ => {}
    }
    Ok(())
}
