//! What a resource module declares (its routes, the objects it owns, its event types) and
//! what its handlers work with during one request ([`Ctx`]). The registry in
//! [`crate::resources`] is built from these declarations; the API front door routes through it.

use crate::app::App;
use crate::model::Rendered;
use crate::store::{Namespace, SharedNamespace};
use crate::stripe::error::{ApiError, ApiResult};
use crate::stripe::expand::{self, Resolver};
use crate::stripe::params::{Field, Kind, ParamMap};
use crate::stripe::versions::{self, ApiVersion};
use serde::Serialize;
use serde_json::Value;

/// Which keys may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Secret and restricted keys (`sk_test_…`, `rk_test_…`).
    Secret,
    /// Publishable keys (`pk_test_…`) with a client secret: the SDKs' client-side calls.
    Client,
    /// Secret keys, or a publishable key with the intent's `client_secret`: the routes of a
    /// PaymentIntent or SetupIntent that Stripe.js and the mobile SDKs call too (retrieve,
    /// confirm, `verify_microdeposits`, the Financial Connections session they open). The
    /// path's first id is the intent, which names the namespace for a publishable key.
    Intent,
}

/// A handler, by the ids it takes from the path (`{id}` segments, in order).
#[derive(Clone, Copy)]
pub enum Handler {
    /// A collection or action route without an id: `POST /v1/customers`.
    Collection(fn(&mut Ctx<'_>) -> HandlerResult),
    /// A route on one object: `GET /v1/customers/{id}`.
    Member(fn(&mut Ctx<'_>, &str) -> HandlerResult),
    /// A route on an object inside another: `GET /v1/customers/{id}/payment_methods/{id}`.
    Nested(fn(&mut Ctx<'_>, &str, &str) -> HandlerResult),
}

/// One route: method, path pattern (`{id}` marks an id segment), handler and who may call it.
#[derive(Clone, Copy)]
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern, e.g. `/v1/customers/{id}`.
    pub path: &'static str,
    /// The handler.
    pub handler: Handler,
    /// Who may call it.
    pub access: Access,
}

impl Route {
    /// A route for secret keys (nearly all of Stripe's API).
    pub const fn secret(method: &'static str, path: &'static str, handler: Handler) -> Route {
        Route {
            method,
            path,
            handler,
            access: Access::Secret,
        }
    }

    /// A route of an intent that both a backend and the SDKs call ([`Access::Intent`]).
    pub const fn intent(method: &'static str, path: &'static str, handler: Handler) -> Route {
        Route {
            method,
            path,
            handler,
            access: Access::Intent,
        }
    }

    /// A route the SDKs call with a publishable key and a client secret.
    pub const fn client(method: &'static str, path: &'static str, handler: Handler) -> Route {
        Route {
            method,
            path,
            handler,
            access: Access::Client,
        }
    }
}

/// Renders the object with this id as `expand[]` embeds it.
pub type Lookup = fn(&Namespace, &str) -> Option<Value>;

/// A kind of Stripe object: its `object` value, id prefix, expandable fields and lookup.
#[derive(Clone, Copy)]
pub struct ObjectKind {
    /// The wire `object` value (`customer`, `financial_connections.account`).
    pub object: &'static str,
    /// The id prefix (`cus`), for objects `expand[]` can fetch by id.
    pub prefix: Option<&'static str>,
    /// Stripe's `x-expandableFields` for this object (OpenAPI spec).
    pub expandable: &'static [&'static str],
    /// Renders an object of this kind by id, for `expand[]`.
    pub lookup: Option<Lookup>,
}

/// Renders an includable field of the object with this id (`sources` of a customer).
pub type IncludeFn = fn(&Namespace, &str, &str) -> Option<Value>;

/// Fields of one object type that Stripe leaves out unless `expand[]` names them
/// ("includable" fields: a customer's `sources`, `subscriptions`, `tax`, …), and how to
/// render them.
#[derive(Clone, Copy)]
pub struct Include {
    /// The wire `object` value (`customer`).
    pub object: &'static str,
    /// The includable fields (each also in the type's `expandable`).
    pub fields: &'static [&'static str],
    /// Renders one of them for an object id.
    pub render: IncludeFn,
}

/// Everything one resource module declares. The router, `expand[]` and the event catalogue
/// are built from these, so a new resource is one entry in [`crate::resources::REGISTRY`].
pub struct Resource {
    /// Its routes.
    pub routes: &'static [Route],
    /// The objects it owns.
    pub objects: &'static [ObjectKind],
    /// The event types it emits.
    pub events: &'static [&'static str],
}

/// Every resource, in one list.
pub struct Registry {
    /// The resources.
    pub resources: &'static [&'static Resource],
    /// The includable fields of the object types that have any.
    pub includes: &'static [Include],
}

impl Registry {
    /// Every route of every resource.
    pub fn routes(&self) -> impl Iterator<Item = &'static Route> + '_ {
        self.resources.iter().flat_map(|r| r.routes.iter())
    }

    /// Every object kind.
    pub fn objects(&self) -> impl Iterator<Item = &'static ObjectKind> + '_ {
        self.resources.iter().flat_map(|r| r.objects.iter())
    }

    /// Every event type fcmock emits.
    pub fn event_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.resources.iter().flat_map(|r| r.events.iter().copied())
    }

    /// Renders the object with this id, found by its prefix, for `expand[]`.
    pub fn lookup(&self, ns: &Namespace, id: &str) -> Option<Value> {
        // Ids are `<prefix>_<alphanumerics>`; split at the last `_` so that
        // `fcsess_client_secret_…` is not mistaken for a session id.
        let prefix = id.rsplit_once('_').map(|(p, _)| p)?;
        let kind = self.objects().find(|k| k.prefix == Some(prefix))?;
        kind.lookup.and_then(|lookup| lookup(ns, id))
    }

    /// Renders the includable `field` of the object `id` of type `object`, if it is one.
    pub fn include(&self, ns: &Namespace, object: &str, id: &str, field: &str) -> Option<Value> {
        self.includes
            .iter()
            .find(|i| i.object == object && i.fields.contains(&field))
            .and_then(|i| (i.render)(ns, id, field))
    }

    /// Whether Stripe allows expanding `field` on objects of type `object`; types not
    /// declared allow any field that holds an id.
    pub fn expandable(&self, object: &str, field: &str) -> bool {
        match self.objects().find(|k| k.object == object) {
            Some(kind) => kind.expandable.contains(&field),
            None => true,
        }
    }
}

/// A successful API answer: status and JSON body.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status (200 for everything Stripe returns successfully).
    pub status: u16,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// What a handler returns.
pub type HandlerResult = ApiResult<Reply>;

/// Everything a resource handler works with during one request.
pub struct Ctx<'a> {
    /// The application.
    pub app: &'a App,
    /// The resources, for `expand[]` to find an object by its id.
    pub registry: &'static Registry,
    /// The API version the request speaks (its `Stripe-Version`, else the account default).
    pub version: ApiVersion,
    /// The namespace of the request's API key (and `Stripe-Account`).
    pub ns: SharedNamespace,
    /// The namespace's name.
    pub namespace: String,
    /// Mock time when the request arrived.
    pub now: i64,
    /// This request's id.
    pub request_id: &'a str,
    /// The idempotency key, if the request carried one.
    pub idempotency_key: Option<String>,
    /// The decoded parameters, handed over (validated) by [`Ctx::params`].
    pub(crate) params: ParamMap,
    pub(crate) expand: Vec<String>,
    /// Set once the parameters validated: the endpoint has started executing, and its
    /// result (error or not) is saved for an `Idempotency-Key`.
    pub(crate) executing: bool,
    /// Whether a session this request creates takes a queued scripted outcome. Off for the
    /// calls fcmock makes itself (`POST /_fcmock/trigger`), so a trigger never uses up what
    /// QA queued.
    pub plays_scenarios: bool,
    /// Whether the request came in over the TLS listener: links it gets back are `https`.
    pub tls: bool,
    /// Whether a publishable key made the request (an SDK, on an [`Access::Intent`] route):
    /// it must show the intent's client secret and sees only the publishable fields.
    pub client: bool,
    /// The request's `User-Agent`, for a mandate accepted `infer_from_client`.
    pub user_agent: Option<String>,
}

const EXPAND_KIND: Kind = Kind::Array(&Kind::String);

impl<'a> Ctx<'a> {
    /// The context of one request in `namespace`, before its parameters are validated.
    pub fn new(
        app: &'a App,
        registry: &'static Registry,
        namespace: String,
        request_id: &'a str,
        version: ApiVersion,
        params: ParamMap,
        idempotency_key: Option<String>,
    ) -> Self {
        Ctx {
            app,
            registry,
            version,
            ns: app.store.namespace(&namespace),
            namespace,
            now: app.clock.now(),
            request_id,
            idempotency_key,
            params,
            expand: Vec::new(),
            executing: false,
            plays_scenarios: true,
            tls: false,
            client: false,
            user_agent: None,
        }
    }

    /// Validates the request's parameters against the endpoint's fields and hands them
    /// over. `expand[]` is accepted everywhere and kept aside for [`Ctx::render`].
    pub fn params(&mut self, spec: &[Field]) -> ApiResult<ParamMap> {
        let mut params = std::mem::take(&mut self.params);
        if params.contains("expand") {
            let mut expand_only = ParamMap::default();
            if let Some(value) = params.get("expand").cloned() {
                expand_only.insert("expand".to_string(), value);
            }
            expand_only.validate(&[Field::new("expand", EXPAND_KIND)], self.version)?;
            self.expand = expand_only.strings("expand");
            expand::parse(&self.expand)?;
            let mut rest = ParamMap::default();
            for (k, v) in params.iter() {
                if k != "expand" {
                    rest.insert(k.to_string(), v.clone());
                }
            }
            params = rest;
        }
        params.validate(spec, self.version)?;
        self.executing = true;
        Ok(params)
    }

    /// Renders an object (or list) as the response, applying `expand[]`, in the shape the
    /// request's API version sees.
    ///
    /// The namespace lock must not be held by the caller when the request expands something:
    /// expansion reads the store. Without `expand[]` nothing else is read.
    pub fn render<T: Serialize>(&self, object: &T) -> HandlerResult {
        self.render_at(object, false)
    }

    /// Renders a stored object as [`Ctx::render`] does, reusing the body `kept` holds when
    /// the request asks for the stored shape (newest version, nothing expanded) — the only
    /// rendering that depends on nothing but the object.
    pub fn render_kept<T: Serialize>(&self, object: &T, kept: &Rendered) -> HandlerResult {
        if !self.as_stored(false) {
            return self.render(object);
        }
        Ok(Reply {
            status: 200,
            body: kept.get_or_render(|| pretty(object)).map_err(internal)?,
        })
    }

    /// Whether the request sees objects exactly as they serialise.
    fn as_stored(&self, holds_events: bool) -> bool {
        self.expand.is_empty() && !holds_events && self.version.is_newest_shape()
    }

    /// Renders events (or a list of them): each in the shape of the version it was created
    /// at, whatever the request's version.
    pub fn render_events<T: Serialize>(&self, object: &T) -> HandlerResult {
        self.render_at(object, true)
    }

    fn render_at<T: Serialize>(&self, object: &T, holds_events: bool) -> HandlerResult {
        let body = if self.as_stored(holds_events) {
            pretty(object)
        } else {
            let mut value = serde_json::to_value(object).map_err(internal)?;
            expand::apply(&mut value, &self.expand, self)?;
            versions::downgrade(&mut value, self.version);
            pretty(&value)
        };
        Ok(Reply {
            status: 200,
            body: body.map_err(internal)?,
        })
    }

    /// Renders an object as [`Ctx::render`] does, keeping only the top-level fields in
    /// `visible` when a publishable key asked: Stripe shows an SDK only the fields its API
    /// reference marks "retrievable with publishable key".
    pub fn render_visible<T: Serialize>(&self, object: &T, visible: &[&str]) -> HandlerResult {
        let reply = self.render(object)?;
        if !self.client {
            return Ok(reply);
        }
        let mut value: Value = serde_json::from_slice(&reply.body).map_err(internal)?;
        if let Value::Object(map) = &mut value {
            map.retain(|k, _| visible.contains(&k.as_str()));
        }
        Ok(Reply {
            status: reply.status,
            body: pretty(&value).map_err(internal)?,
        })
    }

    /// Checks `expand[]` against an object before anything is stored, so a bad path refuses
    /// the request without side effects. Free when the request expands nothing.
    pub fn check_expand<T: Serialize>(&self, object: &T) -> ApiResult<()> {
        if self.expand.is_empty() {
            return Ok(());
        }
        self.render(object).map(|_| ())
    }

    /// Takes `path` out of the request's `expand[]`, saying whether it was there: for
    /// expansions a handler answers itself (`total_count` of a search result).
    pub fn take_expand(&mut self, path: &str) -> bool {
        let before = self.expand.len();
        self.expand.retain(|p| p != path);
        self.expand.len() != before
    }

    /// A new object id.
    pub fn new_id(&self, kind: crate::stripe::ids::IdKind) -> String {
        self.app.ids.next(kind)
    }
}

impl Resolver for Ctx<'_> {
    fn resolve(&self, id: &str) -> Option<serde_json::Value> {
        // A recursive read never waits behind a queued writer, so expansion cannot deadlock
        // even if a caller still holds a read guard of this namespace.
        self.registry.lookup(&self.ns.read_recursive(), id)
    }

    fn expandable(&self, object: &str, field: &str) -> bool {
        self.registry.expandable(object, field)
    }

    fn include(&self, object: &str, id: &str, field: &str) -> Option<serde_json::Value> {
        self.registry
            .include(&self.ns.read_recursive(), object, id, field)
    }
}

fn internal(e: serde_json::Error) -> ApiError {
    ApiError::internal(format!("fcmock could not render the response: {e}"))
}

/// Pretty JSON (Stripe's layout), into a buffer sized for one ordinary object, so that
/// rendering one seldom reallocates.
fn pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(2048);
    serde_json::to_writer_pretty(&mut body, value)?;
    Ok(body)
}
