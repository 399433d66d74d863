//! Stripe's wire format, shared by every resource and specific to none.

pub mod auth;
pub mod error;
pub mod event_types;
pub mod expand;
pub mod form;
pub mod idempotency;
pub mod ids;
pub mod list;
pub mod params;
pub mod search;
pub mod shapes;
pub mod versions;
