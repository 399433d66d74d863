//! Fuzzes `expand[]`: arbitrary paths applied to a nested object and a list must expand or
//! be refused with a Stripe error, never panic or recurse without bound.
#![no_main]

use fcmock::stripe::expand::{self, Resolver};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

struct Fixed;

impl Resolver for Fixed {
    fn resolve(&self, id: &str) -> Option<Value> {
        match id {
            "cus_1" => Some(json!({"id": "cus_1", "object": "customer", "default_source": null, "nested": {"c": "cus_1"}})),
            "fcaowns_1" => Some(json!({"id": "fcaowns_1", "owners": {"object": "list", "data": [{"ownership": "fcaowns_1"}]}})),
            _ => None,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let paths: Vec<String> = text.split('\n').map(str::to_string).collect();
    let mut object = json!({
        "id": "fca_1",
        "account_holder": {"type": "customer", "customer": "cus_1"},
        "ownership": "fcaowns_1",
        "balance": null,
        "list": {"object": "list", "data": [{"c": "cus_1"}, {"c": null}]}
    });
    let _ = expand::apply(&mut object, &paths, &Fixed);
    let mut list = json!({"object": "list", "data": [{"ownership": "fcaowns_1", "c": "cus_1"}]});
    let _ = expand::apply(&mut list, &paths, &Fixed);
});
