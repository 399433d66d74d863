//! fcmock's integration tests: one binary (`cargo test --test integration`), one module per
//! feature. Every test starts its own server on port 0 with seed 42 and a frozen clock, so
//! ids and timestamps are the same on every run; the snapshots (`tests/snapshots/`) redact
//! them all the same (`redactions`), so one more object minted earlier in a test, or by the
//! engine, rewrites no snapshot.
//!
//! Tests marked `#[ignore]` pin behaviour fcmock gets wrong today; run
//! them with `cargo test --test integration -- --ignored`.

/// Snapshot redactions: ids become `[cus_1]`, timestamps `[CREATED+n]`.
mod redactions;
/// The server harness, HTTP client helpers and snapshot settings.
mod support;

/// Connect accounts: create, retrieve, and their parameter errors.
mod accounts;
/// ACH Direct Debit: SetupIntents, PaymentIntents, mandates, charges, settlement on the mock
/// clock, Stripe's test account numbers and microdeposits.
mod ach;
/// ACH from Stripe.js and the mobile SDKs: a publishable key with the intent's client
/// secret retrieves, collects a bank account through Financial Connections, attaches,
/// confirms with an inferred mandate and verifies microdeposits.
mod ach_client;
/// API versions: the header, the default, `--api-version`, unknown versions, per-version
/// parameters and shapes, events at their creation version.
mod api_versions;
/// API keys: Bearer and Basic, refused keys, per-key namespaces, `--api-key`, `Stripe-Account`.
mod auth;
/// The hosted auth page: steps, Sandbox Bank passwords, down banks, Cancel, redirects,
/// escaping and CSP, scripted outcomes.
mod auth_page;
/// Malformed and hostile input: 4xx Stripe errors, and stored objects left intact.
mod bad_input;
/// `POST /v1/tokens` with `bank_account[…]`: the server-side token, Stripe's validation of
/// routing and test account numbers, and spending it on an external account.
mod bank_account_tokens;
/// The SDKs' client-side endpoints (publishable key + client secret) and shared helpers.
mod client_side;
/// Races on one session or account, and clients that stall mid-request.
mod concurrency;
/// The control API: scenarios, faults, request log, clock, state export/import, reset,
/// sessions listing, OpenAPI, access flags, key isolation; the binary's `--state-file`
/// across SIGTERM, a corrupt state file, and `--scenario`.
mod control_api;
/// `GET /v1/customers/search`: the query language, `search_result`, pages, expansion, errors.
mod customer_search;
/// Customers: create, retrieve, update with metadata merging and its limits, delete, list
/// filters; PaymentMethods attached on create and the default payment method; email
/// validation; the fields Stripe includes only when expanded.
mod customers;
/// The QA dashboard (`/_fcmock/ui`): its HTML, escaping and CSP, `--control-token` and the
/// token form, the Origin check, the live feed, the listings it reads, resending a delivery,
/// and `fcmock trigger` firing every event type, signed, at a webhook endpoint.
mod dashboard;
/// Events: what linking, refreshes, disconnects and customers record; the envelope;
/// `GET /v1/events` filters (`type` wildcards, `types[]`, `created`) and pagination.
mod events;
/// `expand[]`: null ids, unknown properties, the depth limit.
mod expand;
/// A Connect account's external accounts: list, `object` filter, cursors, retrieve.
mod external_accounts;
/// Financial Connections accounts: list filters, refresh and settle, cooldowns, owners,
/// subscriptions, disconnect, inactive accounts.
mod fc_accounts;
/// Financial Connections edge cases: list filters naming missing holders, one wording for a
/// missing account, Accounts v2 holders, repeated permissions and prefetch features.
mod fc_fidelity;
/// Financial Connections sessions: create, headless completion (success, cancel, failure),
/// filters, prefetch, and the errors of a bad create.
mod fc_sessions;
/// Financial Connections transactions: `transacted_at` and `transaction_refresh[after]`
/// filters, walking both ways, pending transactions settling on a later refresh.
mod fc_transactions;
/// Headers Stripe sends on every response: `request-id`, `stripe-version`, content type, caching.
mod headers;
/// `Idempotency-Key`: replays, conflicts, unburnt keys, concurrency, per-key scope.
mod idempotency;
/// `fcmock::MockServer`, the in-process test API: start, uri, keys, each control helper,
/// and the port closing on drop.
mod mock_server;
/// List pagination: `limit`, `starting_after`, `ending_before`.
mod pagination;
/// A PaymentMethod and its customer: the customer-scoped retrieve, no moving between
/// customers, list filters naming a missing customer, attached/detached/updated events.
mod payment_method_customers;
/// `us_bank_account` PaymentMethods from Financial Connections accounts: create, attach,
/// detach, the customer's list, and the accounts that cannot make one.
mod payment_methods;
/// Regressions found in review, one test each.
mod regressions;
/// The fake SDK's `collectBankAccount` and `verifyMicrodeposits`: the SDK's publishable-key
/// calls, and answers that decode as flutter_stripe's Dart models and the native parsers.
mod sdk_intents;
/// Every client-side answer decoded against the Android and iOS models' required fields
/// (docs/sdk-models/models.json), per holder and outcome.
mod sdk_models;
/// SDK-shaped results: flutter_stripe (Android, iOS) and Stripe.js payloads per outcome.
mod sdk_results;
/// Misbehaving clients: oversized and short bodies, stalled headers; the health check.
mod server_limits;
/// The newer test banks: tokenized account numbers (expired, expiring in 30 days, expiring
/// at once) and banks that ask the user to authenticate again.
mod test_institutions;
/// The HTTPS listener: the flow with only fcmock's certificate trusted, `https` links,
/// refused strangers, a given certificate and key.
mod tls;
/// Bank-account tokens: minting, retrieving, attaching to a Connect account once.
mod tokens;
/// Webhook endpoints and deliveries: secrets, `Stripe-Signature`, routing by type and
/// namespace, retries with fresh signatures, `--webhook`, flush and the delivery log.
mod webhooks;
/// Stripe's form encoding and its error messages; unknown routes and methods.
mod wire_format;
