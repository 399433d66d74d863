//! `expand[]`: replacing id strings in a response with the objects they name.
//!
//! Expansion works on the rendered JSON, so every resource gets it without writing any code:
//! a path such as `account_holder.customer` or (on a list) `data.ownership` is walked through
//! the response, and the id string at its end is swapped for the object, looked up by its
//! prefix through a [`Resolver`]. Stripe allows at most four levels per path.

use super::error::ApiError;
use serde_json::Value;

/// Stripe's maximum expansion depth.
pub const MAX_DEPTH: usize = 4;

/// Looks up an object by id for expansion.
pub trait Resolver {
    /// The object with this id, rendered, or `None` when it does not exist.
    fn resolve(&self, id: &str) -> Option<Value>;

    /// Whether Stripe lets `field` of an object of type `object` be expanded (its
    /// OpenAPI `x-expandableFields`). Unknown types allow any field that holds an id.
    fn expandable(&self, _object: &str, _field: &str) -> bool {
        true
    }

    /// A field Stripe leaves out of an object unless `expand[]` names it (an "includable"
    /// field such as a customer's `sources` or `tax`), rendered for the object `id` of type
    /// `object`; `None` when the type has no such field.
    fn include(&self, _object: &str, _id: &str, _field: &str) -> Option<Value> {
        None
    }
}

/// Parses and bounds the `expand[]` paths of a request.
pub fn parse(paths: &[String]) -> Result<Vec<Vec<&str>>, ApiError> {
    let mut parsed: Vec<Vec<&str>> = Vec::with_capacity(paths.len());
    for path in paths {
        let segs: Vec<&str> = path.split('.').collect();
        if segs.iter().any(|s| s.is_empty()) {
            return Err(cannot_expand(path));
        }
        if segs.len() > MAX_DEPTH {
            return Err(ApiError::invalid_request(format!(
                "You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}"
            ))
            .with_code("property_expansion_max_depth")
            .with_param("expand"));
        }
        parsed.push(segs);
    }
    // Shorter paths first, so `a` is expanded before `a.b` walks into it.
    parsed.sort_by_key(Vec::len);
    Ok(parsed)
}

fn cannot_expand(path: &str) -> ApiError {
    ApiError::invalid_request(format!("This property cannot be expanded ({path})."))
        .with_param("expand")
}

/// Expands every path in `value`.
pub fn apply(value: &mut Value, paths: &[String], resolver: &dyn Resolver) -> Result<(), ApiError> {
    for segs in parse(paths)? {
        let full = segs.join(".");
        walk(value, &segs, &full, resolver)?;
    }
    Ok(())
}

fn walk(
    value: &mut Value,
    segs: &[&str],
    full: &str,
    resolver: &dyn Resolver,
) -> Result<(), ApiError> {
    let Some((field, rest)) = segs.split_first() else {
        return Ok(());
    };
    let Value::Object(object) = value else {
        return Err(cannot_expand(full));
    };
    // Lists and search results are walked through `data`, one element at a time
    // (`data.ownership`).
    let is_list = matches!(
        object.get("object").and_then(Value::as_str),
        Some("list" | "search_result")
    );
    if is_list && *field == "data" {
        if let Some(Value::Array(items)) = object.get_mut("data") {
            for item in items {
                walk(item, rest, full, resolver)?;
            }
        }
        return Ok(());
    }
    // `id` holds an id but names the object itself; it is never expandable. Objects with a
    // type only expand the fields Stripe lists for that type.
    let object_type = object.get("object").and_then(Value::as_str);
    if *field == "id"
        || *field == "object"
        || object_type.is_some_and(|t| !resolver.expandable(t, field))
    {
        return Err(cannot_expand(full));
    }
    if !object.contains_key(*field) {
        let included = object_type.zip(object.get("id").and_then(Value::as_str));
        let value = included
            .and_then(|(t, id)| resolver.include(t, id, field))
            .ok_or_else(|| cannot_expand(full))?;
        object.insert(field.to_string(), value);
    }
    let Some(slot) = object.get_mut(*field) else {
        return Err(cannot_expand(full));
    };
    match slot {
        Value::Null => Ok(()),
        Value::String(id) => {
            let expanded = resolver.resolve(id).ok_or_else(|| cannot_expand(full))?;
            *slot = expanded;
            walk(slot, rest, full, resolver)
        }
        Value::Object(_) => walk(slot, rest, full, resolver),
        _ => Err(cannot_expand(full)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Fake;
    impl Resolver for Fake {
        fn resolve(&self, id: &str) -> Option<Value> {
            (id == "cus_1")
                .then(|| json!({"id": "cus_1", "object": "customer", "default_source": null}))
        }
    }

    #[test]
    fn nested_paths_replace_ids_with_objects() {
        let mut v = json!({"account_holder": {"type": "customer", "customer": "cus_1"}});
        apply(&mut v, &["account_holder.customer".into()], &Fake).expect("expands");
        assert_eq!(v["account_holder"]["customer"]["object"], "customer");
    }

    #[test]
    fn list_paths_expand_each_item() {
        let mut v = json!({"object": "list", "data": [{"c": "cus_1"}, {"c": null}]});
        apply(&mut v, &["data.c".into()], &Fake).expect("expands");
        assert_eq!(v["data"][0]["c"]["id"], "cus_1");
        assert!(v["data"][1]["c"].is_null());
    }

    #[test]
    fn only_the_fields_a_type_lists_are_expandable() {
        struct Strict;
        impl Resolver for Strict {
            fn resolve(&self, id: &str) -> Option<Value> {
                Fake.resolve(id)
            }
            fn expandable(&self, object: &str, field: &str) -> bool {
                object != "financial_connections.transaction" || field == "status_transitions"
            }
        }
        let mut v = json!({"object": "financial_connections.transaction", "account": "cus_1"});
        assert!(apply(&mut v, &["account".into()], &Strict).is_err());
        let mut v = json!({"object": "financial_connections.account", "account_holder": {"customer": "cus_1"}});
        assert!(apply(&mut v, &["account_holder.customer".into()], &Strict).is_ok());
    }

    #[test]
    fn includable_fields_are_added_and_search_results_walk_their_data() {
        struct Including;
        impl Resolver for Including {
            fn resolve(&self, id: &str) -> Option<Value> {
                Fake.resolve(id)
            }
            fn include(&self, object: &str, id: &str, field: &str) -> Option<Value> {
                (object == "customer" && field == "tax").then(|| json!({"for": id}))
            }
        }
        let mut v =
            json!({"object": "search_result", "data": [{"id": "cus_1", "object": "customer"}]});
        apply(&mut v, &["data.tax".into()], &Including).expect("includes");
        assert_eq!(v["data"][0]["tax"], json!({"for": "cus_1"}));
        let mut v = json!({"id": "cus_1", "object": "customer"});
        assert!(apply(&mut v, &["sources".into()], &Including).is_err());
    }

    #[test]
    fn unknown_deep_and_non_id_paths_are_refused() {
        let mut v = json!({"name": "x", "c": "cus_1"});
        for bad in ["nope", "name", "a.b.c.d.e", "c..x", ""] {
            assert!(apply(&mut v, &[bad.into()], &Fake).is_err(), "{bad}");
        }
    }
}
