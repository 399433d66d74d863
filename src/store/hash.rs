//! The store's hash maps: foldhash instead of the standard library's SipHash.
//!
//! Every request hashes ids several times (its namespace, the row it reads or writes, the
//! event it records and the one that event evicts, a session's client secret), and a map
//! that grows rehashes every key it holds. SipHash's resistance to chosen-key floods buys
//! nothing in a local test double whose ids it mostly draws itself, and cost about a tenth
//! of a `POST /v1/financial_connections/sessions` (issue #19, docs/performance.md).
//! foldhash is hashbrown's own default hasher; its `fast` variant still seeds each map
//! randomly.

/// A `HashMap` keyed with foldhash.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
