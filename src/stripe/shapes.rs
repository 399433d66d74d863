//! Parameter shapes and merge rules that several resources share: Stripe's `address` hash,
//! `metadata` updates and `created` range filters. They are part of the wire format, not of
//! any one resource.

use crate::model::{Address, Metadata};
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

/// Merges metadata the way Stripe does: keys are added or replaced, an empty value deletes
/// its key, and `metadata=""` clears everything.
pub fn merge_metadata(metadata: &mut Metadata, param: Option<&Param>) {
    match param {
        Some(Param::Str(s)) if s.is_empty() => metadata.clear(),
        Some(Param::Map(m)) => {
            for (k, v) in m.iter() {
                match v.as_str() {
                    Some("") | None => {
                        metadata.remove(k);
                    }
                    Some(value) => {
                        metadata
                            .insert(k.to_string(), serde_json::Value::String(value.to_string()));
                    }
                }
            }
        }
        _ => {}
    }
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
