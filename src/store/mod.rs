//! In-memory state: one [`Namespace`] per API key, behind a cheap `Clone` handle.
//!
//! The store knows nothing of HTTP: it holds Stripe's objects in [`table::Table`]s (events
//! in a bounded [`event_log::EventLog`]) and hands out namespaces. Each namespace has its
//! own `parking_lot` lock, so requests with different keys never wait for each other, and
//! critical sections stay short (look up or change, then release before rendering). The
//! locks are never held across an `.await`.

pub mod event_log;
pub mod hash;
pub mod return_targets;
pub mod table;

use crate::model::account::Account;
use crate::model::customer::{Customer, DeletedCustomer};
use crate::model::financial_connections::{LinkedAccount, Owner, Ownership, Session, Transaction};
use crate::model::payment_method::PaymentMethod;
use crate::model::payments::{Bookkeeping, Charge, Dispute, Mandate, PaymentIntent, SetupIntent};
use crate::model::token::Token;
use crate::model::webhook_endpoint::WebhookEndpoint;
use event_log::EventLog;
use hash::HashMap;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use table::{KeySet, Table};

/// How many events one namespace keeps; older ones are dropped, as Stripe keeps 30 days.
pub const EVENT_HISTORY: usize = 10_000;

/// Everything one API key has created.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Namespace {
    /// Customers, newest first.
    pub customers: Table<Arc<Customer>>,
    /// Deleted customers (Stripe still answers a retrieve of them with the deleted stub).
    pub deleted_customers: Table<DeletedCustomer>,
    /// Connect accounts.
    pub accounts: Table<Account>,
    /// Financial Connections sessions.
    pub sessions: Table<Session>,
    /// Linked Financial Connections accounts.
    pub fc_accounts: Table<LinkedAccount>,
    /// Ownership snapshots.
    pub ownerships: Table<Ownership>,
    /// Account owners.
    pub owners: Table<Owner>,
    /// Transactions, ordered by `transacted_at`.
    pub transactions: Table<Transaction>,
    /// PaymentMethods.
    pub payment_methods: Table<PaymentMethod>,
    /// PaymentMethods detached from a customer: Stripe refuses to attach them again.
    pub detached_payment_methods: std::collections::BTreeSet<String>,
    /// Bank-account tokens (`btok_…`) minted by token-collecting sessions.
    pub tokens: Table<Token>,
    /// Events, newest first, bounded by [`EVENT_HISTORY`].
    pub events: EventLog,
    /// Webhook endpoints (`we_…`) that receive this namespace's events.
    pub webhook_endpoints: Table<WebhookEndpoint>,
    /// PaymentIntents (`pi_…`).
    pub payment_intents: Table<PaymentIntent>,
    /// SetupIntents (`seti_…`).
    pub setup_intents: Table<SetupIntent>,
    /// Mandates (`mandate_…`).
    pub mandates: Table<Mandate>,
    /// Charges of bank debits (`py_…`).
    pub charges: Table<Charge>,
    /// Disputes of settled debits (`du_…`).
    pub disputes: Table<Dispute>,
    /// What fcmock keeps about each intent beyond Stripe's fields (pending settlement,
    /// scripted outcome, microdeposit attempts), by intent id.
    pub payment_state: BTreeMap<String, Bookkeeping>,
    /// The namespace's own key (API key, or `key#acct_…`), so code holding only the locked
    /// namespace (the engine's `emit`) can say where an event lives.
    #[serde(skip)]
    pub key: String,
    /// Secondary indexes, rebuilt from the tables after an import.
    #[serde(skip)]
    pub index: Indexes,
}

/// Secondary indexes that keep filtered lists O(page).
#[derive(Debug, Default, Clone)]
pub struct Indexes {
    /// FC accounts by holder (`cus_…` or `acct_…`).
    pub fc_accounts_by_holder: HashMap<String, KeySet>,
    /// FC accounts by session.
    pub fc_accounts_by_session: HashMap<String, KeySet>,
    /// Owners by ownership.
    pub owners_by_ownership: HashMap<String, KeySet>,
    /// Transactions by account.
    pub transactions_by_account: HashMap<String, KeySet>,
    /// PaymentMethods by customer.
    pub payment_methods_by_customer: HashMap<String, KeySet>,
}

impl Namespace {
    /// Stores a linked account and indexes it by holder and session.
    pub fn insert_fc_account(&mut self, linked: LinkedAccount) {
        let id = linked.account.id.clone();
        let holder = linked
            .account
            .account_holder
            .as_ref()
            .and_then(|h| h.customer.clone().or(h.account.clone()));
        let session = linked.link.session.clone();
        let key = self.fc_accounts.insert(id, linked.account.created, linked);
        if let Some(holder) = holder {
            self.index
                .fc_accounts_by_holder
                .entry(holder)
                .or_default()
                .insert(key);
        }
        self.index
            .fc_accounts_by_session
            .entry(session)
            .or_default()
            .insert(key);
    }

    /// Stores an owner and indexes it by ownership.
    pub fn insert_owner(&mut self, owner: Owner) {
        let ownership = owner.ownership.clone();
        let key = self.owners.insert(
            owner.id.clone(),
            owner.refreshed_at.unwrap_or_default(),
            owner,
        );
        self.index
            .owners_by_ownership
            .entry(ownership)
            .or_default()
            .insert(key);
    }

    /// Stores a transaction and indexes it by account.
    pub fn insert_transaction(&mut self, txn: Transaction) {
        let account = txn.account.clone();
        let key = self
            .transactions
            .insert(txn.id.clone(), txn.transacted_at, txn);
        self.index
            .transactions_by_account
            .entry(account)
            .or_default()
            .insert(key);
    }

    /// Replaces a stored PaymentMethod in place (same list position), moving it between
    /// customers' indexes if its customer changed.
    pub fn replace_payment_method(&mut self, pm: PaymentMethod) {
        let Some(key) = self.payment_methods.key_of(&pm.id) else {
            return self.upsert_payment_method(pm);
        };
        if let Some(old) = self
            .payment_methods
            .get(&pm.id)
            .and_then(|old| old.customer.clone())
        {
            if let Some(set) = self.index.payment_methods_by_customer.get_mut(&old) {
                set.remove(&key);
            }
        }
        if let Some(customer) = pm.customer.clone() {
            self.index
                .payment_methods_by_customer
                .entry(customer)
                .or_default()
                .insert(key);
        }
        if let Some(stored) = self.payment_methods.get_mut(&pm.id) {
            *stored = pm;
        }
    }

    /// Stores (or re-stores after a change of customer) a PaymentMethod.
    pub fn upsert_payment_method(&mut self, pm: PaymentMethod) {
        if let Some(old_key) = self.payment_methods.key_of(&pm.id) {
            for set in self.index.payment_methods_by_customer.values_mut() {
                set.remove(&old_key);
            }
        }
        let customer = pm.customer.clone();
        let key = self.payment_methods.insert(pm.id.clone(), pm.created, pm);
        if let Some(customer) = customer {
            self.index
                .payment_methods_by_customer
                .entry(customer)
                .or_default()
                .insert(key);
        }
    }

    /// Rebuilds the secondary indexes from the tables (after loading a saved state).
    pub fn rebuild_indexes(&mut self) {
        let mut index = Indexes::default();
        for linked in self.fc_accounts.iter() {
            let Some(key) = self.fc_accounts.key_of(&linked.account.id) else {
                continue;
            };
            if let Some(h) = linked
                .account
                .account_holder
                .as_ref()
                .and_then(|h| h.customer.clone().or(h.account.clone()))
            {
                index
                    .fc_accounts_by_holder
                    .entry(h)
                    .or_default()
                    .insert(key);
            }
            index
                .fc_accounts_by_session
                .entry(linked.link.session.clone())
                .or_default()
                .insert(key);
        }
        for owner in self.owners.iter() {
            if let Some(key) = self.owners.key_of(&owner.id) {
                index
                    .owners_by_ownership
                    .entry(owner.ownership.clone())
                    .or_default()
                    .insert(key);
            }
        }
        for txn in self.transactions.iter() {
            if let Some(key) = self.transactions.key_of(&txn.id) {
                index
                    .transactions_by_account
                    .entry(txn.account.clone())
                    .or_default()
                    .insert(key);
            }
        }
        for pm in self.payment_methods.iter() {
            if let (Some(key), Some(c)) = (self.payment_methods.key_of(&pm.id), pm.customer.clone())
            {
                index
                    .payment_methods_by_customer
                    .entry(c)
                    .or_default()
                    .insert(key);
            }
        }
        self.index = index;
    }
}

/// Where a session lives, shared by its two entries in the store-wide index (by client
/// secret and by id).
#[derive(Debug)]
struct SessionHome {
    namespace: String,
    session: String,
}

/// A namespace shared between requests.
pub type SharedNamespace = Arc<RwLock<Namespace>>;

/// The handle to all state. Cloning it is cheap.
#[derive(Clone, Default)]
pub struct Store {
    namespaces: Arc<RwLock<HashMap<String, SharedNamespace>>>,
    /// Client secret → (namespace, session id): the client-side endpoints know a session
    /// only by its secret, not by the API key that created it.
    client_secrets: Arc<RwLock<HashMap<Box<str>, Arc<SessionHome>>>>,
    /// Intent id (`pi_…`, `seti_…`) → namespace: the SDKs retrieve and confirm an intent
    /// with a publishable key and its client secret, which name no namespace.
    intents: Arc<RwLock<HashMap<String, String>>>,
}

impl Store {
    /// The namespace of `key`, created on first use.
    pub fn namespace(&self, key: &str) -> SharedNamespace {
        if let Some(ns) = self.namespaces.read().get(key) {
            return Arc::clone(ns);
        }
        let mut all = self.namespaces.write();
        Arc::clone(all.entry(key.to_string()).or_insert_with(|| {
            Arc::new(RwLock::new(Namespace {
                key: key.to_string(),
                ..Namespace::default()
            }))
        }))
    }

    /// The namespace of `key`, if it has been used.
    pub fn existing(&self, key: &str) -> Option<SharedNamespace> {
        self.namespaces.read().get(key).cloned()
    }

    /// Remembers which namespace a session (by id and by client secret) belongs to.
    pub fn index_session(&self, secret: &str, namespace: &str, session: &str) {
        // Every string is copied before the store-wide lock is taken. Both keys share one
        // home, so a bucket is a key and a pointer: growing the index (it holds two entries
        // per session ever created) moves a third of what a pair of strings would.
        let home = Arc::new(SessionHome {
            namespace: namespace.to_string(),
            session: session.to_string(),
        });
        let by_secret = (Box::from(secret), Arc::clone(&home));
        let by_id = (Box::from(session), home);
        let mut index = self.client_secrets.write();
        index.extend([by_secret, by_id]);
    }

    /// Forgets a session's index entries (its create was refused).
    pub fn unindex_session(&self, secret: &str, session: &str) {
        let mut index = self.client_secrets.write();
        index.remove(secret);
        index.remove(session);
    }

    /// The namespace of a session id.
    pub fn namespace_of_session(&self, session: &str) -> Option<String> {
        self.client_secrets
            .read()
            .get(session)
            .map(|home| home.namespace.clone())
    }

    /// The namespace and session id of a client secret.
    pub fn session_by_client_secret(&self, secret: &str) -> Option<(String, String)> {
        let index = self.client_secrets.read();
        let home = index.get(secret)?;
        Some((home.namespace.clone(), home.session.clone()))
    }

    /// Remembers which namespace an intent belongs to.
    pub fn index_intent(&self, intent: &str, namespace: &str) {
        self.intents
            .write()
            .insert(intent.to_string(), namespace.to_string());
    }

    /// The namespace of an intent id.
    pub fn namespace_of_intent(&self, intent: &str) -> Option<String> {
        self.intents.read().get(intent).cloned()
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
                // A key's connected accounts live in `key#acct_…` namespaces.
                let prefix = format!("{key}#");
                self.namespaces
                    .write()
                    .retain(|k, _| k != key && !k.starts_with(&prefix));
                self.client_secrets.write().retain(|_, home| {
                    home.namespace != key && !home.namespace.starts_with(&prefix)
                });
                self.intents
                    .write()
                    .retain(|_, ns| ns != key && !ns.starts_with(&prefix));
            }
            None => {
                self.namespaces.write().clear();
                self.client_secrets.write().clear();
                self.intents.write().clear();
            }
        }
    }

    /// A copy of every namespace, keyed and sorted by API key.
    pub fn export(&self) -> BTreeMap<String, Namespace> {
        let all: Vec<(String, SharedNamespace)> = self
            .namespaces
            .read()
            .iter()
            .map(|(k, v)| (k.clone(), Arc::clone(v)))
            .collect();
        all.into_iter()
            .map(|(k, ns)| (k, ns.read().clone()))
            .collect()
    }

    /// Replaces all state with `namespaces`.
    pub fn import(&self, namespaces: BTreeMap<String, Namespace>) {
        let mut secrets = HashMap::default();
        let mut intents = HashMap::default();
        let map = namespaces
            .into_iter()
            .map(|(k, mut ns)| {
                ns.rebuild_indexes();
                ns.key.clone_from(&k);
                for session in ns.sessions.iter() {
                    let home = Arc::new(SessionHome {
                        namespace: k.clone(),
                        session: session.id.clone(),
                    });
                    secrets.insert(session.client_secret.as_str().into(), Arc::clone(&home));
                    secrets.insert(session.id.as_str().into(), home);
                }
                let pis = ns.payment_intents.iter().map(|pi| pi.id.clone());
                let setis = ns.setup_intents.iter().map(|si| si.id.clone());
                for id in pis.chain(setis) {
                    intents.insert(id, k.clone());
                }
                (k, Arc::new(RwLock::new(ns)))
            })
            .collect();
        *self.namespaces.write() = map;
        *self.client_secrets.write() = secrets;
        *self.intents.write() = intents;
    }
}
