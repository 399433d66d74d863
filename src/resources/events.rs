//! Events: `GET /v1/events` and `GET /v1/events/{id}`.
//!
//! The engine records an `evt_…` for every state change (`engine::emit`); this module lists
//! and retrieves them, newest first, with Stripe's filters: `type` (an exact name, or a
//! group with a `*` wildcard such as `financial_connections.account.*`), `types[]` (up to 20
//! exact names), `created` (an integer or a range) and `delivery_success`. It also holds the
//! helpers resources use to emit their own events.

use crate::engine::Cause;
use crate::resources::handler::{Ctx, Handler, HandlerResult, Resource, Route};
use crate::stripe::error::ApiError;
use crate::stripe::list::{List, ListParams, PAGINATION};
use crate::stripe::params::{Field, Kind};
use crate::stripe::shapes::in_range;
use serde_json::{Map, Value};

/// Stripe's limit on `types[]` ("up to 20", API reference, List all events).
const MAX_TYPES: usize = 20;

const LIST: &[Field] = &[
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
    Field::new("created", Kind::Range),
    Field::new("delivery_success", Kind::Boolean),
    Field::new("type", Kind::String),
    Field::new("types", Kind::Array(&Kind::String)),
];

/// The `request` hash of the events a request causes: its id and idempotency key.
pub fn cause(ctx: &Ctx<'_>) -> Cause {
    Cause {
        request_id: Some(ctx.request_id.to_string()),
        idempotency_key: ctx.idempotency_key.clone(),
    }
}

/// `data.previous_attributes` of an `*.updated` event: the previous value of every
/// top-level field that changed (`null` for one that was absent). `metadata` is diffed key
/// by key, as Stripe sends only the changed keys (`{"metadata": {"order": null}}` when
/// `order` was added). `None` when nothing changed: Stripe sends no event then.
pub fn previous_attributes(before: &Value, after: &Value) -> Option<Value> {
    let (Value::Object(before), Value::Object(after)) = (before, after) else {
        return None;
    };
    let mut previous = Map::new();
    for (key, new) in after {
        let old = before.get(key).unwrap_or(&Value::Null);
        if old == new {
            continue;
        }
        let value = match (key.as_str(), old, new) {
            ("metadata", Value::Object(old_m), Value::Object(new_m)) => {
                let mut changed = Map::new();
                for k in old_m.keys().chain(new_m.keys()) {
                    if old_m.get(k) != new_m.get(k) && !changed.contains_key(k) {
                        changed.insert(k.clone(), old_m.get(k).cloned().unwrap_or(Value::Null));
                    }
                }
                Value::Object(changed)
            }
            _ => old.clone(),
        };
        previous.insert(key.clone(), value);
    }
    (!previous.is_empty()).then_some(Value::Object(previous))
}

/// Whether an event type matches a `type` filter: an exact name, or a prefix ending in `*`.
pub fn type_matches(filter: &str, event_type: &str) -> bool {
    match filter.strip_suffix('*') {
        Some(prefix) => event_type.starts_with(prefix),
        None => filter == event_type,
    }
}

/// Events: what changed, as Stripe records it (the engine emits them).
pub const RESOURCE: Resource = Resource {
    routes: &[
        Route::secret("GET", "/v1/events", Handler::Collection(list)),
        Route::secret("GET", "/v1/events/{id}", Handler::Member(retrieve)),
    ],
    objects: &[],
    events: &[],
};

/// `GET /v1/events`
pub fn list(ctx: &mut Ctx<'_>) -> HandlerResult {
    let p = ctx.params(LIST)?;
    let page = ListParams::from_params(&p)?;
    let single = p.non_empty("type").map(str::to_string);
    let types = p.strings("types");
    if single.is_some() && !types.is_empty() {
        return Err(ApiError::exclusive(&["type", "types"]));
    }
    if types.len() > MAX_TYPES {
        return Err(ApiError::invalid_request(format!(
            "You may pass up to {MAX_TYPES} event types in `types`, but {} were given.",
            types.len()
        ))
        .with_param("types"));
    }
    let filters: Vec<String> = single.into_iter().chain(types).collect();
    let created = p.get("created").cloned();
    let delivery_success = p.bool("delivery_success");
    let list = {
        let ns = ctx.ns.read();
        let found = ns
            .events
            .page(page.cursor(), page.limit, |e| {
                (filters.is_empty() || filters.iter().any(|f| type_matches(f, &e.event_type)))
                    && created.as_ref().is_none_or(|c| in_range(c, e.created))
                    // Stripe: `false` returns events still pending or failed on an endpoint.
                    && delivery_success.is_none_or(|ok| ok == (e.pending_webhooks == 0))
            })
            .map_err(page.cursor_error("event"))?;
        List::from_page(found, "/v1/events")
    };
    ctx.render_events(&list)
}

/// `GET /v1/events/{id}`
pub fn retrieve(ctx: &mut Ctx<'_>, id: &str) -> HandlerResult {
    ctx.params(&[])?;
    let event = ctx.ns.read().events.get(id).cloned();
    match event {
        Some(event) => ctx.render_events(&event),
        None => Err(ApiError::no_such_in_path("event", id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_trailing_star_matches_a_group_of_types() {
        let t = "financial_connections.account.refreshed_balance";
        assert!(type_matches("financial_connections.account.*", t));
        assert!(type_matches("financial_connections.*", t));
        assert!(type_matches(t, t));
        assert!(!type_matches("customer.*", t));
        assert!(!type_matches("financial_connections.account.refreshed", t));
    }

    #[test]
    fn previous_attributes_hold_old_values_of_changed_fields_only() {
        let before = json!({"id": "cus_1", "email": "a@x.com", "name": null,
                            "metadata": {"keep": "1", "drop": "2", "change": "3"}});
        let after = json!({"id": "cus_1", "email": "b@x.com", "name": null,
                           "metadata": {"keep": "1", "change": "4", "add": "5"}});
        let previous = previous_attributes(&before, &after).expect("something changed");
        assert_eq!(
            previous,
            json!({"email": "a@x.com",
                   "metadata": {"drop": "2", "change": "3", "add": null}})
        );
        assert_eq!(previous_attributes(&after, &after), None);
    }
}
