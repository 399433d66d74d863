//! Stripe's objects as plain data: what the store holds and what the API renders.
//!
//! Field names and order follow Stripe's JSON (`id`, `object`, then alphabetical), so most
//! objects serialise straight to the wire. Nothing here knows about HTTP or parameters.

pub mod account;
pub mod customer;
pub mod event;
pub mod fc_enums;
pub mod financial_connections;
pub mod payment_method;
pub mod payments;
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

/// A closed set of string values on the wire (a status, a category, a permission), as an
/// enum. Implemented by the crate's `wire_enum!` macro, so every such enum parses and prints
/// the same way.
pub trait WireEnum: Copy + Sized + 'static {
    /// The wire values, in declaration order (the order Stripe-style errors list them in).
    const NAMES: &'static [&'static str];

    /// The wire value.
    fn as_str(self) -> &'static str;

    /// The value with this wire name, if any.
    fn from_name(name: &str) -> Option<Self>;
}

/// Declares an enum of wire values: serde with `rename_all = "snake_case"` (so JSON, fixture
/// files and state exports carry the plain strings), plus `ALL`, `NAMES`, `as_str`,
/// `from_name`, `Display` and [`WireEnum`]. Each variant names its wire value, and a unit
/// test checks that serde spells it the same way.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $value:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($value),+].len()] = [$($name::$variant),+];

            /// The wire values, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($value),+];

            /// The wire value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            /// The value with this wire name, if any.
            pub fn from_name(name: &str) -> Option<$name> {
                match name {
                    $($value => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::model::WireEnum for $name {
            const NAMES: &'static [&'static str] = $name::NAMES;

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }

            fn from_name(name: &str) -> Option<Self> {
                $name::from_name(name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

/// An object that knows its own id, so a table can rebuild its index from saved rows.
pub trait HasId {
    /// The object's id.
    fn id(&self) -> &str;
}

/// A shared object (a table row an event also holds) has its object's id.
impl<T: HasId> HasId for std::sync::Arc<T> {
    fn id(&self) -> &str {
        (**self).id()
    }
}

/// An object's rendered response body (Stripe's pretty JSON in the newest shape, nothing
/// expanded), kept with the object so reading it again copies bytes instead of serialising
/// it again (issue #19: rendering is the largest part of a read).
///
/// Sound only for an object nobody changes in place: a table row behind an `Arc` that an
/// update replaces. A copy starts empty (an update clones the object, then changes it),
/// and so does a loaded one; it is never compared and never serialised.
#[derive(Default)]
pub struct Rendered(std::sync::OnceLock<Box<[u8]>>);

impl Rendered {
    /// The body, rendering and keeping it on first use.
    pub fn get_or_render<E>(
        &self,
        render: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, E> {
        if let Some(body) = self.0.get() {
            return Ok(body.to_vec());
        }
        let body = render()?;
        let _ = self.0.set(body.clone().into_boxed_slice());
        Ok(body)
    }
}

impl Clone for Rendered {
    fn clone(&self) -> Self {
        Rendered::default()
    }
}

impl PartialEq for Rendered {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Rendered(kept)"
        } else {
            "Rendered(none)"
        })
    }
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
