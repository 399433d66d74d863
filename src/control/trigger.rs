//! `POST /_fcmock/trigger`: fire any event type fcmock emits, as `stripe trigger` does. The
//! objects the event needs are made in the namespace of the given key through Stripe's own
//! API ([`crate::api::call_internal`], so they land in the request log) and the engine, and
//! the event goes out through the normal event and webhook path. `fcmock trigger EVENT` and
//! the dashboard's Trigger event control call this route.
//!
//! Each trigger starts from a new customer, so it never touches objects a test made; its
//! sessions take no queued scripted outcome.

use super::{parse_body, ControlResult};
use crate::app::App;
use crate::engine::{self, Cause, Completion};
use crate::fixtures::{AccountStatus, Institution, Subcategory, DEFAULT_INSTITUTION};
use crate::model::fc_enums::RefreshFeature;
use crate::resources::REGISTRY;
use crate::stripe::auth::mask;
use crate::stripe::error::ApiError;
use hyper::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// The key a trigger uses when the body names none (and `--api-key` is not set).
pub const DEFAULT_KEY: &str = "sk_test_fcmock";

/// The body of `POST /_fcmock/trigger`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerBody {
    /// The event type, one of [`crate::resources::Registry::event_types`].
    event: String,
    /// The namespace: an `sk_test_…` key.
    #[serde(default)]
    api_key: Option<String>,
}

/// How the objects an event needs come about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// `POST /v1/customers`.
    CustomerCreated,
    /// A new customer, then `POST /v1/customers/{id}`.
    CustomerUpdated,
    /// A new customer, then `DELETE /v1/customers/{id}`.
    CustomerDeleted,
    /// A session for a new customer, completed with one account.
    AccountCreated,
    /// A linked account, then `POST …/accounts/{id}/disconnect`.
    Disconnected,
    /// A linked account, then a refresh of the feature, settled at once.
    Refreshed(RefreshFeature),
    /// An account of a bank whose accounts turn inactive, settled at once.
    Deactivated,
    /// A deactivated account, linked again in a second session.
    Reactivated,
    /// An account of a test bank whose link schedules a change (institution, account
    /// keys), settled at once.
    Scheduled(&'static str, &'static str),
    /// A PaymentMethod from a linked account, attached to its customer.
    PaymentMethodAttached,
    /// The same, then detached.
    PaymentMethodDetached,
    /// The same, then its metadata updated.
    PaymentMethodUpdated,
    /// An ACH payment or setup ([`super::trigger_payments`]).
    Payment(super::trigger_payments::PaymentFlow),
}

/// The flow for each event type of the catalogue.
fn flow(event_type: &str) -> Option<Flow> {
    Some(match event_type {
        "customer.created" => Flow::CustomerCreated,
        "customer.updated" => Flow::CustomerUpdated,
        "customer.deleted" => Flow::CustomerDeleted,
        "financial_connections.account.created" => Flow::AccountCreated,
        "financial_connections.account.disconnected" => Flow::Disconnected,
        "financial_connections.account.refreshed_balance" => {
            Flow::Refreshed(RefreshFeature::Balance)
        }
        "financial_connections.account.refreshed_ownership" => {
            Flow::Refreshed(RefreshFeature::Ownership)
        }
        "financial_connections.account.refreshed_transactions" => {
            Flow::Refreshed(RefreshFeature::Transactions)
        }
        "financial_connections.account.deactivated" => Flow::Deactivated,
        "financial_connections.account.reactivated" => Flow::Reactivated,
        "financial_connections.account.account_numbers_updated" => {
            Flow::Scheduled("tokenized_account_number", "immediately_expiring")
        }
        "financial_connections.account.upcoming_account_number_expiry" => {
            Flow::Scheduled("tokenized_account_number", "eventually_expiring")
        }
        "financial_connections.account.upcoming_deactivation" => {
            Flow::Scheduled("eventually_requires_reauthentication", "checking")
        }
        "payment_method.attached" => Flow::PaymentMethodAttached,
        "payment_method.detached" => Flow::PaymentMethodDetached,
        "payment_method.updated" => Flow::PaymentMethodUpdated,
        other => Flow::Payment(super::trigger_payments::flow(other)?),
    })
}

/// `GET /_fcmock/trigger`: the event types a trigger can fire.
pub fn types() -> Value {
    json!({"data": REGISTRY.event_types().collect::<Vec<_>>()})
}

/// `POST /_fcmock/trigger` → the event fired, every event the set-up fired on the way, and
/// the objects it made.
pub fn trigger(app: &App, body: &[u8]) -> ControlResult {
    let body: TriggerBody = parse_body(body)?;
    let known: Vec<&str> = REGISTRY.event_types().collect();
    let flow = known
        .contains(&body.event.as_str())
        .then(|| flow(&body.event))
        .flatten()
        .ok_or_else(|| ApiError::invalid_enum("event", &known))?;
    let key = body
        .api_key
        .or_else(|| app.settings.only_api_key.clone())
        .unwrap_or_else(|| DEFAULT_KEY.to_string());
    let before = event_ids(app, &key);
    let mut setup = Setup {
        app,
        key: &key,
        objects: Map::new(),
    };
    setup.run(flow)?;
    let fired = new_events(app, &key, &before);
    let event = fired
        .iter()
        .rev()
        .find(|e| e["type"] == body.event.as_str())
        .cloned()
        .ok_or_else(|| ApiError::internal(format!("the set-up fired no {}", body.event)))?;
    Ok(json!({
        "event": event,
        "events": fired,
        "api_key_namespace": mask(&key),
        "objects": setup.objects,
    }))
}

fn event_ids(app: &App, key: &str) -> HashSet<String> {
    app.store
        .existing(key)
        .map(|ns| ns.read().events.iter().map(|e| e.id.clone()).collect())
        .unwrap_or_default()
}

/// The namespace's events that were not there `before`, oldest first.
fn new_events(app: &App, key: &str, before: &HashSet<String>) -> Vec<Value> {
    let Some(ns) = app.store.existing(key) else {
        return Vec::new();
    };
    let ns = ns.read();
    ns.events
        .iter()
        .filter(|e| !before.contains(&e.id))
        .map(|e| json!({"id": e.id, "type": e.event_type}))
        .collect()
}

/// One trigger's set-up: the namespace it works in and the objects it made.
struct Setup<'a> {
    app: &'a App,
    key: &'a str,
    objects: Map<String, Value>,
}

impl Setup<'_> {
    fn run(&mut self, flow: Flow) -> Result<(), ApiError> {
        match flow {
            Flow::CustomerCreated => self.customer().map(drop),
            Flow::CustomerUpdated => {
                let id = self.customer()?;
                let form = "description=Updated+by+fcmock+trigger";
                self.call(Method::POST, &format!("/v1/customers/{id}"), form)
                    .map(drop)
            }
            Flow::CustomerDeleted => {
                let id = self.customer()?;
                self.call(Method::DELETE, &format!("/v1/customers/{id}"), "")
                    .map(drop)
            }
            Flow::AccountCreated => self.linked(AccountStatus::Active).map(drop),
            Flow::Disconnected => {
                let (_, account) = self.linked(AccountStatus::Active)?;
                let path = format!("/v1/financial_connections/accounts/{account}/disconnect");
                self.call(Method::POST, &path, "").map(drop)
            }
            Flow::Refreshed(feature) => {
                let (_, account) = self.linked(AccountStatus::Active)?;
                let path = format!("/v1/financial_connections/accounts/{account}/refresh");
                self.call(Method::POST, &path, &format!("features[]={feature}"))?;
                self.settle(&account);
                Ok(())
            }
            Flow::Deactivated => {
                let (_, account) = self.linked(AccountStatus::Inactive)?;
                self.settle(&account);
                Ok(())
            }
            Flow::Reactivated => self.reactivated(),
            Flow::Scheduled(institution, fixture) => self.scheduled(institution, fixture),
            Flow::PaymentMethodAttached => self.attached_payment_method().map(drop),
            Flow::PaymentMethodDetached => {
                let pm = self.attached_payment_method()?;
                self.call(
                    Method::POST,
                    &format!("/v1/payment_methods/{pm}/detach"),
                    "",
                )
                .map(drop)
            }
            Flow::PaymentMethodUpdated => {
                let pm = self.attached_payment_method()?;
                let form = "metadata[updated_by]=fcmock+trigger";
                self.call(Method::POST, &format!("/v1/payment_methods/{pm}"), form)
                    .map(drop)
            }
            Flow::Payment(flow) => self.payment(flow),
        }
    }

    /// An ACH event's set-up; the objects it makes are remembered like the others.
    fn payment(&mut self, flow: super::trigger_payments::PaymentFlow) -> Result<(), ApiError> {
        let (app, key) = (self.app, self.key);
        let mut noted = Vec::new();
        let mut remember = |name: &str, id: &str| noted.push((name.to_string(), id.to_string()));
        // `linked` remembers the customer and account it makes itself.
        let mut linked = || self.linked(AccountStatus::Active);
        super::trigger_payments::run(app, key, flow, &mut linked, &mut remember)?;
        for (name, id) in noted {
            self.remember(&name, &id);
        }
        Ok(())
    }

    /// An account that went inactive, linked again by a second session of its customer.
    fn reactivated(&mut self) -> Result<(), ApiError> {
        let (customer, account) = self.linked(AccountStatus::Inactive)?;
        self.settle(&account);
        let (institution, fixture) = pick(self.app, AccountStatus::Inactive)?;
        let session = self.session(&customer)?;
        self.complete(&session, institution, fixture).map(drop)
    }

    /// A test bank account whose link schedules a change, settled at once so it happens.
    fn scheduled(&mut self, institution: &str, fixture: &str) -> Result<(), ApiError> {
        let customer = self.customer()?;
        let session = self.session(&customer)?;
        let account = self.complete(&session, institution, fixture)?;
        self.settle(&account);
        Ok(())
    }

    /// A `us_bank_account` PaymentMethod from a newly linked account, attached to the
    /// account's customer. Returns its id.
    fn attached_payment_method(&mut self) -> Result<String, ApiError> {
        let (customer, account) = self.linked(AccountStatus::Active)?;
        let form = format!(
            "type=us_bank_account&billing_details[name]=Jenny+Rosen\
             &us_bank_account[financial_connections_account]={account}"
        );
        let pm = id_of(&self.call(Method::POST, "/v1/payment_methods", &form)?)?;
        self.remember("payment_method", &pm);
        let attach = format!("customer={customer}");
        self.call(
            Method::POST,
            &format!("/v1/payment_methods/{pm}/attach"),
            &attach,
        )?;
        Ok(pm)
    }

    fn call(&mut self, method: Method, path: &str, form: &str) -> Result<Value, ApiError> {
        crate::api::call_internal(self.app, self.key, method, path, form)
    }

    fn remember(&mut self, name: &str, id: &str) {
        self.objects.insert(name.to_string(), json!(id));
    }

    fn customer(&mut self) -> Result<String, ApiError> {
        let form = "name=Jenny+Rosen&email=jenny.rosen%40example.com\
                    &description=Created+by+fcmock+trigger";
        let customer = self.call(Method::POST, "/v1/customers", form)?;
        let id = id_of(&customer)?;
        self.remember("customer", &id);
        Ok(id)
    }

    fn session(&mut self, customer: &str) -> Result<String, ApiError> {
        let form = format!(
            "account_holder[type]=customer&account_holder[customer]={customer}\
             &permissions[]=balances&permissions[]=ownership&permissions[]=transactions\
             &permissions[]=payment_method"
        );
        let session = self.call(Method::POST, "/v1/financial_connections/sessions", &form)?;
        let id = id_of(&session)?;
        self.remember("session", &id);
        Ok(id)
    }

    /// A new customer with one account linked from a bank whose accounts settle into
    /// `status`. Returns the customer and the account.
    fn linked(&mut self, status: AccountStatus) -> Result<(String, String), ApiError> {
        let (institution, fixture) = pick(self.app, status)?;
        let customer = self.customer()?;
        let session = self.session(&customer)?;
        let account = self.complete(&session, institution, fixture)?;
        Ok((customer, account))
    }

    /// Completes a session with one account, as the hosted page would.
    fn complete(
        &mut self,
        session: &str,
        institution: &str,
        fixture: &str,
    ) -> Result<String, ApiError> {
        let completion = Completion::Success {
            institution: Some(institution.to_string()),
            accounts: Some(vec![fixture.to_string()]),
        };
        let ns = self.app.store.namespace(self.key);
        let linked = engine::complete_session(
            self.app,
            &mut ns.write(),
            session,
            completion,
            &Cause::default(),
        )?;
        let account = linked
            .first()
            .cloned()
            .ok_or_else(|| ApiError::internal("the completion linked no account"))?;
        self.remember("account", &account);
        Ok(account)
    }

    fn settle(&self, account: &str) {
        let ns = self.app.store.namespace(self.key);
        engine::settle_account(self.app, &mut ns.write(), account);
    }
}

fn id_of(object: &Value) -> Result<String, ApiError> {
    object["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| ApiError::internal("an answer without an id"))
}

/// The institution and account (keys) a trigger links: an account of a working bank that
/// settles into `status`, which a session's default filters allow; the default institution
/// first, its pre-selected accounts first.
fn pick(app: &App, status: AccountStatus) -> Result<(&str, &str), ApiError> {
    let institutions = app.fixtures.institutions();
    let default = institutions.iter().filter(|i| i.key == DEFAULT_INSTITUTION);
    let others = institutions.iter().filter(|i| i.key != DEFAULT_INSTITUTION);
    default
        .chain(others)
        .filter(|i| i.failure.is_none())
        .find_map(|i| account_in(i, status).map(|a| (i.key.as_str(), a)))
        .ok_or_else(|| {
            ApiError::invalid_request(format!(
                "The fixtures have no account that settles into `{status}` after linking, \
                 which this event needs."
            ))
        })
}

fn account_in(institution: &Institution, status: AccountStatus) -> Option<&str> {
    let fits = |a: &&crate::fixtures::AccountFixture| {
        a.status_after_link == status && Subcategory::FILTERABLE.contains(&a.subcategory)
    };
    let preselected = institution.accounts.iter().filter(|a| a.preselected);
    let rest = institution.accounts.iter().filter(|a| !a.preselected);
    preselected.chain(rest).find(fits).map(|a| a.key.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_of_the_catalogue_has_a_flow() {
        let missing: Vec<&str> = REGISTRY
            .event_types()
            .filter(|t| flow(t).is_none())
            .collect();
        assert!(missing.is_empty(), "no trigger flow for {missing:?}");
    }
}
