//! Fuzzes the bracket-form decoder and parameter validation: any bytes must decode to a
//! tree or a Stripe error, never panic, and a decoded tree must validate without panicking.
#![no_main]

use fcmock::stripe::form;
use fcmock::stripe::params::{Field, Kind};
use libfuzzer_sys::fuzz_target;

const NESTED: &[Field] = &[Field::new("city", Kind::String), Field::new("n", Kind::Integer)];
const SPEC: &[Field] = &[
    Field::new("a", Kind::Object(NESTED)),
    Field::new("b", Kind::Array(&Kind::Enum(&["x", "y"]))),
    Field::new("c", Kind::Range),
    Field::new("d", Kind::Boolean),
    Field::new("metadata", Kind::Metadata).emptiable(),
    Field::new("expand", Kind::Array(&Kind::String)),
];

fuzz_target!(|data: &[u8]| {
    if let Ok(mut params) = form::decode(data) {
        let _ = params.to_json();
        let _ = params.validate(SPEC);
    }
});
