//! Parameter shapes and merge rules that several resources share: Stripe's `address` hash,
//! `metadata` updates and `created` range filters. They are part of the wire format, not of
//! any one resource.

use crate::model::{Address, Metadata};
use crate::stripe::error::ApiError;
use crate::stripe::params::{Field, Kind, Param, ParamMap};

/// Stripe's `address` hash parameter (customers, billing details); every field may be
/// unset with `""`.
pub const ADDRESS: &[Field] = &[
    Field::new("city", Kind::String).emptiable(),
    Field::new("country", Kind::String).emptiable(),
    Field::new("line1", Kind::String).emptiable(),
    Field::new("line2", Kind::String).emptiable(),
    Field::new("postal_code", Kind::String).emptiable(),
    Field::new("state", Kind::String).emptiable(),
];

/// An `address` hash parameter as an [`Address`]; empty values are unset.
pub fn address(p: &ParamMap) -> Address {
    let get = |k: &str| p.str(k).filter(|v| !v.is_empty()).map(str::to_string);
    Address {
        city: get("city"),
        country: get("country"),
        line1: get("line1"),
        line2: get("line2"),
        postal_code: get("postal_code"),
        state: get("state"),
    }
}

/// Stripe's limit on an object's metadata keys (docs.stripe.com/api/metadata: "up to 50
/// keys").
pub const MAX_METADATA_KEYS: usize = 50;

/// Merges metadata the way Stripe does: keys are added or replaced, an empty value deletes
/// its key, and `metadata=""` clears everything. The 50-key limit holds for the merged
/// result, so an update that adds keys to an object that already has some can be refused;
/// `metadata` is then left as it was.
pub fn merge_metadata(metadata: &mut Metadata, param: Option<&Param>) -> Result<(), ApiError> {
    let mut merged = metadata.clone();
    match param {
        Some(Param::Str(s)) if s.is_empty() => merged.clear(),
        Some(Param::Map(m)) => {
            for (k, v) in m.iter() {
                match v.as_str() {
                    Some("") | None => {
                        merged.remove(k);
                    }
                    Some(value) => {
                        merged.insert(k.to_string(), serde_json::Value::String(value.to_string()));
                    }
                }
            }
        }
        _ => return Ok(()),
    }
    if merged.len() > MAX_METADATA_KEYS {
        return Err(too_many_metadata_keys());
    }
    *metadata = merged;
    Ok(())
}

/// Stripe's refusal of more than 50 metadata keys.
pub fn too_many_metadata_keys() -> ApiError {
    ApiError::invalid_request(format!(
        "Invalid metadata: metadata cannot have more than {MAX_METADATA_KEYS} keys"
    ))
    .with_param("metadata")
}

/// Whether `value` satisfies a `created` filter: an exact integer or `{gt,gte,lt,lte}`.
pub fn in_range(range: &Param, value: i64) -> bool {
    match range {
        Param::Str(s) => s.parse::<i64>().is_ok_and(|v| v == value),
        Param::Map(m) => {
            let bound = |k: &str| m.int(k);
            bound("gt").is_none_or(|b| value > b)
                && bound("gte").is_none_or(|b| value >= b)
                && bound("lt").is_none_or(|b| value < b)
                && bound("lte").is_none_or(|b| value <= b)
        }
        Param::List(_) => false,
    }
}
