//! Stripe's objects as plain data: what the store holds and what the API renders.
//!
//! Field names and order follow Stripe's JSON (`id`, `object`, then alphabetical), so most
//! objects serialise straight to the wire. Nothing here knows about HTTP or parameters.

pub mod account;
pub mod customer;
pub mod event;
pub mod financial_connections;
pub mod payment_method;
pub mod token;
pub mod webhook_endpoint;

/// Declares a zero-sized type that serialises as a fixed `object` string (`"customer"`), so
/// objects carry their `object` field without storing a string per row.
macro_rules! object_tag {
    ($(#[$doc:meta])* $name:ident = $value:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;

        impl $name {
            /// The tag's wire value.
            pub const VALUE: &'static str = $value;
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                if s == $value {
                    Ok($name)
                } else {
                    Err(serde::de::Error::custom(format!("expected object {:?}, got {:?}", $value, s)))
                }
            }
        }
    };
}
pub(crate) use object_tag;

/// An object that knows its own id, so a table can rebuild its index from saved rows.
pub trait HasId {
    /// The object's id.
    fn id(&self) -> &str;
}

/// `metadata`: string keys to string values, in the order they were set.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// Stripe's `address` hash.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    /// City, district, suburb, town, or village.
    pub city: Option<String>,
    /// Two-letter country code.
    pub country: Option<String>,
    /// Address line 1.
    pub line1: Option<String>,
    /// Address line 2.
    pub line2: Option<String>,
    /// ZIP or postal code.
    pub postal_code: Option<String>,
    /// State, county, province, or region.
    pub state: Option<String>,
}
