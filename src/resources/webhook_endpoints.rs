//! Webhook endpoints: `POST/GET /v1/webhook_endpoints`, `GET/POST/DELETE
//! /v1/webhook_endpoints/{id}`.
//!
//! An endpoint receives the events of the namespace (API key) that created it; the
//! `whsec_…` secret its deliveries are signed with is returned only by create, as in Stripe
//! ("only returned at creation", API reference, The Webhook Endpoint object).

use crate::model::webhook_endpoint::{DeletedWebhookEndpoint, WebhookEndpoint, WebhookEndpointTag};
use crate::model::Metadata;
use crate::resources::handler::{Ctx, Handler, HandlerResult, Resource, Route};
use crate::stripe::error::{ApiError, ApiResult};
use crate::stripe::event_types::STRIPE_EVENT_TYPES;
use crate::stripe::ids::IdKind;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind, ParamMap, METADATA};
use crate::stripe::shapes::merge_metadata;
use crate::stripe::versions::ApiVersion;
use serde_json::Value;

const EVENTS: Kind = Kind::Array(&Kind::String);

const CREATE: &[Field] = &[
    Field::new("api_version", Kind::String),
    Field::new("connect", Kind::Boolean),
    Field::new("description", Kind::String).emptiable(),
    Field::new("enabled_events", EVENTS).required(),
    METADATA,
    Field::new("url", Kind::String).required(),
];

const UPDATE: &[Field] = &[
    Field::new("description", Kind::String).emptiable(),
    Field::new("disabled", Kind::Boolean),
    Field::new("enabled_events", EVENTS),
    METADATA,
    Field::new("url", Kind::String),
];

const LIST: &[Field] = &[PAGINATION[0], PAGINATION[1], PAGINATION[2]];

/// Webhook endpoints: where this key's events are delivered.
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("POST", "/v1/webhook_endpoints", Handler::Collection(create)),
        Route::secret("GET", "/v1/webhook_endpoints", Handler::Collection(list)),
        Route::secret(
            "GET",
            "/v1/webhook_endpoints/{webhook_endpoint}",
            Handler::Member(retrieve),
        ),
        Route::secret(
            "POST",
            "/v1/webhook_endpoints/{webhook_endpoint}",
            Handler::Member(update),
        ),
        Route::secret(
            "DELETE",
            "/v1/webhook_endpoints/{webhook_endpoint}",
            Handler::Member(delete),
        ),
    ],
    objects: &[],
    events: &[],
};

/// `POST /v1/webhook_endpoints`
pub fn create(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(CREATE)?;
    if p.bool("connect") == Some(true) {
        return Err(ApiError::invalid_request(
            "fcmock does not emulate Connect webhook endpoints (`connect=true`): events of a \
             connected account go to endpoints created with `Stripe-Account`.",
        )
        .with_param("connect"));
    }
    let url = checked_url(p.str("url").unwrap_or_default())?;
    let enabled_events = checked_events(ctx, &p)?;
    let api_version = checked_version(p.non_empty("api_version"))?;
    let mut endpoint = WebhookEndpoint {
        id: ctx.new_id(IdKind::WebhookEndpoint),
        object: WebhookEndpointTag,
        api_version,
        application: None,
        created: ctx.now,
        description: p.non_empty("description").map(str::to_string),
        enabled_events,
        livemode: false,
        metadata: Metadata::new(),
        secret: ctx.new_id(IdKind::WebhookSecret),
        status: "enabled".into(),
        url,
    };
    merge_metadata(&mut endpoint.metadata, p.get("metadata"))?;
    // Render first: a bad `expand[]` must refuse the request before anything is stored.
    let reply = ctx.render(&endpoint.to_wire(true))?;
    ctx.ns
        .write()
        .webhook_endpoints
        .insert(endpoint.id.clone(), endpoint.created, endpoint);
    Ok(reply)
}

/// An endpoint's `api_version`, in Stripe's spelling. Events "sent to this endpoint will be
/// generated with this Stripe Version instead of your account's default" (API reference,
/// Create a webhook endpoint), so only a version fcmock can render is taken. Stripe's
/// exact message for an unknown one is not documented; this is its header's.
fn checked_version(name: Option<&str>) -> ApiResult<Option<String>> {
    let Some(name) = name else { return Ok(None) };
    match ApiVersion::parse(name) {
        Some(version) if !name.contains(';') => Ok(Some(version.to_string())),
        _ => Err(
            ApiError::invalid_request(format!("Invalid Stripe API version: {name}"))
                .with_param("api_version"),
        ),
    }
}

/// `GET /v1/webhook_endpoints/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let wire = found(ctx, id)?.to_wire(false);
    ctx.render(&wire)
}

/// `POST /v1/webhook_endpoints/{id}`
pub fn update(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    let p = ctx.params(UPDATE)?;
    // Check the new values and `expand[]` first; then change the stored endpoint under one
    // write guard, so concurrent updates are not lost and a deleted endpoint stays deleted.
    let url = p.str("url").map(checked_url).transpose()?;
    let events = if p.contains("enabled_events") {
        Some(checked_events(ctx, &p)?)
    } else {
        None
    };
    ctx.check_expand(&found(ctx, id)?.to_wire(false))?;
    let endpoint = {
        let mut ns = ctx.ns.write();
        let endpoint = ns
            .webhook_endpoints
            .get_mut(id)
            .ok_or_else(|| no_such(id))?;
        // First: a refused merge (over 50 keys) must leave the endpoint unchanged.
        merge_metadata(&mut endpoint.metadata, p.get("metadata"))?;
        if let Some(url) = url {
            endpoint.url = url;
        }
        if let Some(events) = events {
            endpoint.enabled_events = events;
        }
        if let Some(description) = p.str("description") {
            endpoint.description = (!description.is_empty()).then(|| description.to_string());
        }
        if let Some(disabled) = p.bool("disabled") {
            endpoint.status = if disabled { "disabled" } else { "enabled" }.into();
        }
        endpoint.clone()
    };
    ctx.render(&endpoint.to_wire(false))
}

/// `DELETE /v1/webhook_endpoints/{id}`
pub fn delete(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let removed = ctx.ns.write().webhook_endpoints.remove(id);
    let endpoint = removed.ok_or_else(|| no_such(id))?;
    // Deliveries already queued still run; nothing new is sent to a deleted endpoint.
    ctx.app.webhooks.close_lane(&endpoint.id);
    ctx.render(&DeletedWebhookEndpoint {
        id: endpoint.id,
        object: WebhookEndpointTag,
        deleted: true,
    })
}

/// `GET /v1/webhook_endpoints`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let list = {
        let ns = ctx.ns.read();
        let found = ns
            .webhook_endpoints
            .page(page.cursor(), page.limit, |_| true)
            .map_err(page.cursor_error("webhook endpoint"))?;
        let data: Vec<Value> = found.items.iter().map(|e| e.to_wire(false)).collect();
        List::new(data, found.has_more, "/v1/webhook_endpoints")
    };
    ctx.render(&list)
}

fn no_such(id: &str) -> ApiError {
    ApiError::no_such_in_path("webhook endpoint", id)
}

fn found(ctx: &Ctx<'_>, id: &str) -> Result<WebhookEndpoint, ApiError> {
    ctx.ns
        .read()
        .webhook_endpoints
        .get(id)
        .cloned()
        .ok_or_else(|| no_such(id))
}

/// An absolute `http(s)://host…` URL. Stripe refuses anything else with `url_invalid`;
/// unlike live mode, test mode accepts plain `http`, which is all fcmock delivers over.
fn checked_url(url: &str) -> Result<String, ApiError> {
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    let valid = host.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        && url.parse::<hyper::Uri>().is_ok();
    if !valid {
        return Err(ApiError::invalid_request(format!(
            "Invalid URL: {url}. A webhook endpoint URL must be an absolute http:// or https:// \
             URL, e.g. http://127.0.0.1:4242/webhook."
        ))
        .with_code("url_invalid")
        .with_param("url"));
    }
    Ok(url.to_string())
}

/// `enabled_events[]`: at least one, each `*` or an event type Stripe documents (or one
/// fcmock's registry emits). Stripe refuses any other name with the enum error of its
/// parameter validation, "Invalid enabled_events[0]: must be one of
/// account.application.authorized, …" (a recorded response), `param` naming the item.
fn checked_events(ctx: &Ctx<'_>, p: &ParamMap) -> Result<Vec<String>, ApiError> {
    let events = p.strings("enabled_events");
    if events.is_empty() {
        return Err(ApiError::missing_parameter("enabled_events"));
    }
    let known = |event: &str| {
        event == "*"
            || STRIPE_EVENT_TYPES.binary_search(&event).is_ok()
            || ctx.registry.event_types().any(|t| t == event)
    };
    if let Some(i) = events.iter().position(|event| !known(event)) {
        return Err(ApiError::invalid_enum(
            &format!("enabled_events[{i}]"),
            &known_event_types(ctx),
        ));
    }
    Ok(events)
}

/// Every event type an endpoint may name besides `*`, sorted: Stripe's catalogue, and any
/// type fcmock emits that it lacks.
fn known_event_types(ctx: &Ctx<'_>) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = STRIPE_EVENT_TYPES.to_vec();
    all.extend(ctx.registry.event_types());
    all.sort_unstable();
    all.dedup();
    all
}
