//! Empty: this crate exists for its test (`tests/fc_flow.rs`), which uses fcmock as a
//! dependency, as a user's project would.
