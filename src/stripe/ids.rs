//! Object ids with Stripe's prefixes and lengths, from a seedable random source.
//!
//! Lengths follow ids seen in Stripe's fixtures and docs: customers and requests carry 14
//! characters after the prefix (`cus_QXg1o8vcGmoR32`), Connect accounts 16, everything else
//! 24 (`fca_1Pgc76B7WZ01zgkWqlYVCIub`). With `--seed` the sequence is reproducible, so a test
//! that makes the same calls in the same order sees the same ids.

use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The kinds of ids fcmock mints: prefix and random length.
#[derive(Debug, Clone, Copy)]
pub enum IdKind {
    /// `cus_`
    Customer,
    /// `acct_`
    Account,
    /// `fcsess_`
    Session,
    /// `fcsess_client_secret_`
    SessionClientSecret,
    /// `fca_`
    FcAccount,
    /// `fcaowns_`
    Ownership,
    /// `fcaown_`
    Owner,
    /// `fctxn_`
    Transaction,
    /// `fctxnref_`
    TransactionRefresh,
    /// `btok_`
    BankToken,
    /// `ba_`
    BankAccount,
    /// `pm_`
    PaymentMethod,
    /// `evt_`
    Event,
    /// `we_`
    WebhookEndpoint,
    /// `whsec_`
    WebhookSecret,
    /// `req_`
    Request,
    /// `pi_`
    PaymentIntent,
    /// `seti_`
    SetupIntent,
    /// `mandate_`
    Mandate,
    /// `py_` (a bank debit's Charge)
    Charge,
    /// `du_` (a Dispute)
    Dispute,
    /// the random part after an intent's `_secret_`
    IntentSecret,
}

impl IdKind {
    /// The prefix and the number of random characters after it.
    pub fn shape(self) -> (&'static str, usize) {
        match self {
            IdKind::Customer => ("cus_", 14),
            IdKind::Account => ("acct_", 16),
            IdKind::Session => ("fcsess_", 24),
            IdKind::SessionClientSecret => ("fcsess_client_secret_", 24),
            IdKind::FcAccount => ("fca_", 24),
            IdKind::Ownership => ("fcaowns_", 24),
            IdKind::Owner => ("fcaown_", 24),
            IdKind::Transaction => ("fctxn_", 24),
            IdKind::TransactionRefresh => ("fctxnref_", 24),
            IdKind::BankToken => ("btok_", 24),
            IdKind::BankAccount => ("ba_", 24),
            IdKind::PaymentMethod => ("pm_", 24),
            IdKind::Event => ("evt_", 24),
            IdKind::WebhookEndpoint => ("we_", 24),
            IdKind::WebhookSecret => ("whsec_", 32),
            IdKind::Request => ("req_", 14),
            IdKind::PaymentIntent => ("pi_", 24),
            IdKind::SetupIntent => ("seti_", 24),
            IdKind::Mandate => ("mandate_", 24),
            IdKind::Charge => ("py_", 24),
            IdKind::Dispute => ("du_", 24),
            IdKind::IntentSecret => ("", 25),
        }
    }
}

/// A source of ids. Object ids and request ids come from separate generators, so that a
/// test adding a `GET` does not shift the ids of the objects it creates later.
pub struct IdGenerator {
    objects: Mutex<StdRng>,
    requests: Mutex<StdRng>,
}

impl IdGenerator {
    /// A generator seeded with `seed`, or from the OS when `None`.
    pub fn new(seed: Option<u64>) -> Self {
        let (objects, requests) = match seed {
            Some(s) => (
                StdRng::seed_from_u64(s),
                StdRng::seed_from_u64(s ^ 0x0005_eed0_f4e9),
            ),
            None => (StdRng::from_os_rng(), StdRng::from_os_rng()),
        };
        IdGenerator {
            objects: Mutex::new(objects),
            requests: Mutex::new(requests),
        }
    }

    /// Re-seeds the object generator from the OS (after a state import).
    pub fn reseed_from_os(&self) {
        *self.objects.lock() = StdRng::from_os_rng();
    }

    /// A new object id of the given kind.
    pub fn next(&self, kind: IdKind) -> String {
        let mut rng = match kind {
            IdKind::Request => self.requests.lock(),
            _ => self.objects.lock(),
        };
        let (prefix, len) = kind.shape();
        let mut id = String::with_capacity(prefix.len() + len);
        id.push_str(prefix);
        for _ in 0..len {
            id.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
        }
        id
    }

    /// A random number from the object generator (for fixture data such as fingerprints).
    pub fn next_u64(&self) -> u64 {
        self.objects.lock().random()
    }
}

/// A stable 16-character fingerprint of an account, like Stripe's: the same account
/// number always has the same fingerprint.
pub fn fingerprint(routing: &str, number: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(16);
    for i in 0..16u8 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&(routing, number, i), &mut h);
        use std::hash::Hasher;
        out.push(ALPHABET[(h.finish() % ALPHABET.len() as u64) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_stripe_prefixes_and_lengths() {
        let ids = IdGenerator::new(Some(1));
        let cus = ids.next(IdKind::Customer);
        assert!(cus.starts_with("cus_") && cus.len() == 18, "{cus}");
        let fca = ids.next(IdKind::FcAccount);
        assert!(fca.starts_with("fca_") && fca.len() == 28, "{fca}");
    }

    #[test]
    fn a_seed_makes_ids_reproducible() {
        let a = IdGenerator::new(Some(7));
        let b = IdGenerator::new(Some(7));
        assert_eq!(a.next(IdKind::Customer), b.next(IdKind::Customer));
        assert_ne!(
            a.next(IdKind::Customer),
            IdGenerator::new(Some(8)).next(IdKind::Customer)
        );
    }
}
