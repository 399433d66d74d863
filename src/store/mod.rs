//! In-memory state: one [`Namespace`] per API key, behind a cheap `Clone` handle.
//!
//! The store knows nothing of HTTP: it holds Stripe's objects in [`table::Table`]s and hands
//! out namespaces. Each namespace has its own `parking_lot` lock, so requests with different
//! keys never wait for each other, and critical sections stay short (look up or change, then
//! release before rendering). The locks are never held across an `.await`.

pub mod table;

use crate::model::account::Account;
use crate::model::customer::{Customer, DeletedCustomer};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use table::Table;

/// Everything one API key has created.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Namespace {
    /// Customers, newest first.
    pub customers: Table<Customer>,
    /// Deleted customers (Stripe still answers a retrieve of them with the deleted stub).
    pub deleted_customers: Table<DeletedCustomer>,
    /// Connect accounts.
    pub accounts: Table<Account>,
}

/// A namespace shared between requests.
pub type SharedNamespace = Arc<RwLock<Namespace>>;

/// The handle to all state. Cloning it is cheap.
#[derive(Clone, Default)]
pub struct Store {
    namespaces: Arc<RwLock<HashMap<String, SharedNamespace>>>,
}

impl Store {
    /// The namespace of `key`, created on first use.
    pub fn namespace(&self, key: &str) -> SharedNamespace {
        if let Some(ns) = self.namespaces.read().get(key) {
            return Arc::clone(ns);
        }
        let mut all = self.namespaces.write();
        Arc::clone(all.entry(key.to_string()).or_default())
    }

    /// The namespace of `key`, if it has been used.
    pub fn existing(&self, key: &str) -> Option<SharedNamespace> {
        self.namespaces.read().get(key).cloned()
    }

    /// The keys of every namespace.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.namespaces.read().keys().cloned().collect();
        keys.sort();
        keys
    }

    /// Empties one namespace, or all of them.
    pub fn reset(&self, key: Option<&str>) {
        match key {
            Some(key) => {
                self.namespaces.write().remove(key);
            }
            None => self.namespaces.write().clear(),
        }
    }

    /// A copy of every namespace, keyed and sorted by API key.
    pub fn export(&self) -> BTreeMap<String, Namespace> {
        let all: Vec<(String, SharedNamespace)> =
            self.namespaces.read().iter().map(|(k, v)| (k.clone(), Arc::clone(v))).collect();
        all.into_iter().map(|(k, ns)| (k, ns.read().clone())).collect()
    }

    /// Replaces all state with `namespaces`.
    pub fn import(&self, namespaces: BTreeMap<String, Namespace>) {
        let map = namespaces.into_iter().map(|(k, ns)| (k, Arc::new(RwLock::new(ns)))).collect();
        *self.namespaces.write() = map;
    }
}
