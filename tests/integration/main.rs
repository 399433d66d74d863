//! fcmock's integration tests: one binary (`cargo test --test integration`), one module per
//! feature. Every test starts its own server on port 0 with seed 42 and a frozen clock, so
//! ids and timestamps in the snapshots (`tests/snapshots/`) are the same on every run.
//!
//! Tests marked `` pin behaviour fcmock gets wrong today; run
//! them with `cargo test --test integration -- --ignored`.

/// The server harness, HTTP client helpers and snapshot settings.
mod support;

/// Connect accounts: create, retrieve, and their parameter errors.
mod accounts;
/// API keys: Bearer and Basic, refused keys, per-key namespaces, `--api-key`, `Stripe-Account`.
mod auth;
/// Customers: create, retrieve, update with metadata merging, delete, list filters.
mod customers;
/// `expand[]`: null ids, unknown properties, the depth limit.
mod expand;
/// Headers Stripe sends on every response: `request-id`, `stripe-version`, content type, caching.
mod headers;
/// `Idempotency-Key`: replays, conflicts, unburnt keys, concurrency, per-key scope.
mod idempotency;
/// List pagination: `limit`, `starting_after`, `ending_before`.
mod pagination;
/// Misbehaving clients: oversized and short bodies, stalled headers; the health check.
mod server_limits;
/// Stripe's form encoding and its error messages; unknown routes and methods.
mod wire_format;
