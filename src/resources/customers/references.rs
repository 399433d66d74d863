//! What a customer refers to or carries besides its own fields: the PaymentMethods that
//! `payment_method` and `invoice_settings[default_payment_method]` name, the email check,
//! and the fields Stripe includes only when expanded.

use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::params::ParamMap;
use serde_json::{json, Value};

const DEFAULT_PM: &str = "invoice_settings[default_payment_method]";

/// The PaymentMethods a create or update names.
pub struct PaymentMethods {
    /// `payment_method` (create only): attach it to the new customer.
    attach: Option<String>,
    /// `invoice_settings[default_payment_method]`, when given and not `""`.
    default: Option<String>,
}

impl PaymentMethods {
    /// The references in a request's parameters.
    pub fn of(p: &ParamMap) -> Self {
        PaymentMethods {
            attach: p.non_empty("payment_method").map(str::to_string),
            default: p
                .map("invoice_settings")
                .and_then(|m| m.non_empty("default_payment_method"))
                .map(str::to_string),
        }
    }

    /// Whether the request names no PaymentMethod (then nothing needs checking, nor a lock).
    pub fn is_empty(&self) -> bool {
        self.attach.is_none() && self.default.is_none()
    }

    /// Refuses references Stripe refuses, for the customer `customer`:
    /// - `payment_method`: an unknown id is `resource_missing`; one attached to a customer
    ///   gets Stripe's attach error ("The payment method you provided has already been
    ///   attached to a customer.", seen in many public logs), and one detached before gets
    ///   the message `POST /v1/payment_methods/{id}/attach` gives.
    /// - the default payment method: an unknown id is `resource_missing`; one not attached to
    ///   this customer (nor attached by this request) gets Stripe's "The customer does not
    ///   have a payment method with the ID pm_…. The payment method must be attached to the
    ///   customer." (quoted from live answers to `Customer.modify` in public bug reports,
    ///   e.g. laravel/cashier's `updateDefaultPaymentMethod`).
    pub fn check(&self, ns: &Namespace, customer: &str) -> Result<(), ApiError> {
        if let Some(id) = &self.attach {
            let pm = ns
                .payment_methods
                .get(id)
                .ok_or_else(|| ApiError::no_such_in_param("PaymentMethod", id, "payment_method"))?;
            if pm.customer.is_some() {
                return Err(ApiError::invalid_request(
                    "The payment method you provided has already been attached to a customer.",
                )
                .with_param("payment_method"));
            }
            if ns.detached_payment_methods.contains(id) {
                return Err(ApiError::invalid_request(
                    "This PaymentMethod was previously used without being attached to a Customer \
                     or was detached from a Customer, and may not be used again.",
                )
                .with_param("payment_method"));
            }
        }
        let Some(id) = &self.default else {
            return Ok(());
        };
        let pm = ns
            .payment_methods
            .get(id)
            .ok_or_else(|| ApiError::no_such_in_param("PaymentMethod", id, DEFAULT_PM))?;
        if pm.customer.as_deref() != Some(customer) && self.attach.as_ref() != Some(id) {
            return Err(ApiError::invalid_request(format!(
                "The customer does not have a payment method with the ID {id}. The payment \
                 method must be attached to the customer."
            ))
            .with_param(DEFAULT_PM));
        }
        Ok(())
    }

    /// Attaches `payment_method` (already checked) to `customer`.
    pub fn attach(&self, ns: &mut Namespace, customer: &str) {
        let Some(mut pm) = self
            .attach
            .as_deref()
            .and_then(|id| ns.payment_methods.get(id).cloned())
        else {
            return;
        };
        pm.customer = Some(customer.to_string());
        ns.replace_payment_method(pm);
    }
}

/// Refuses a malformed `email` the way Stripe does: 400 `email_invalid`, "Invalid email
/// address: …", `param: "email"` (live answers quoted in fjordllc/bootcamp#4134
/// `otameshi@com`, #3927 a leading space, #7638 a full-width `＠`, exercism/website#7721
/// `…@gmail`; the code and param are Stripe's `email_invalid` / `email`).
pub fn check_email(p: &ParamMap) -> Result<(), ApiError> {
    match p.non_empty("email") {
        Some(email) if !valid_email(email) => Err(ApiError::invalid_request(format!(
            "Invalid email address: {email}"
        ))
        .with_code("email_invalid")
        .with_param("email")),
        _ => Ok(()),
    }
}

/// `local@domain.tld`: no spaces, one `@`, a local part of printable ASCII, a domain of at
/// least two dot-separated labels (letters, digits, inner hyphens) ending in a TLD of two
/// or more letters. Stripe's exact rule is not public; these are the cases it is seen to
/// refuse, and addresses it takes pass.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"(),:;<>@[\\]".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let tld = labels.last().copied().unwrap_or_default();
    local_ok && labels_ok && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Renders an includable field of the customer `id` for `expand[]`. Shapes are the current
/// OpenAPI schemas (`customer.sources` and friends are lists at
/// `/v1/customers/{id}/<field>`, `cash_balance`, `customer_tax`); fcmock has no cards,
/// subscriptions, tax ids, cash balances, credit balances or tax registrations, so they
/// come out empty.
pub fn include(ns: &Namespace, id: &str, field: &str) -> Option<Value> {
    let customer = ns.customers.get(id)?;
    Some(match field {
        "sources" | "subscriptions" | "tax_ids" => json!({
            "object": "list",
            "data": [],
            "has_more": false,
            "url": format!("/v1/customers/{id}/{field}"),
        }),
        "invoice_credit_balance" => json!({}),
        "cash_balance" => json!({
            "object": "cash_balance",
            "available": null,
            "customer": id,
            "livemode": false,
            "settings": {"reconciliation_mode": "automatic", "using_merchant_default": true},
        }),
        "tax" => tax(customer.address.as_deref()),
        _ => return None,
    })
}

/// `customer.tax`: with no billing country Stripe cannot place the customer
/// (`unrecognized_location`); with one, the location comes from the billing address, and
/// fcmock, which has no tax registrations, is `not_collecting` there.
fn tax(address: Option<&crate::model::Address>) -> Value {
    let country = address.and_then(|a| a.country.clone());
    let location = country.as_ref().map(|country| {
        json!({
            "country": country,
            "source": "billing_address",
            "state": address.and_then(|a| a.state.clone()),
        })
    });
    json!({
        "automatic_tax": if country.is_some() { "not_collecting" } else { "unrecognized_location" },
        "ip_address": null,
        "location": location,
        "provider": "stripe",
    })
}

#[cfg(test)]
mod tests {
    use super::valid_email;

    #[test]
    fn emails_stripe_refuses_are_refused() {
        for ok in [
            "jenny.rosen@example.com",
            "a+b@sub.example.co.uk",
            "x_y-z@ex-ample.io",
        ] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "otameshi@com",
            " k.shimizu139@gmail.com",
            "paasonauyuya＠iCloud.com",
            "mehmetakdemir9212@gmail",
            "odatakeryu",
            "a@@b.com",
            "a@b..com",
            "@example.com",
            "a b@example.com",
            "a@example.c0m",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
