//! Snapshot redactions: what the seeded id stream and the clock decide is replaced before a
//! snapshot is compared, so a snapshot shows the shape of an answer and the links inside it,
//! not the position of its objects in the id stream.
//!
//! Every test has its own server and so its own id stream (seed 42, `Config::for_tests`), so
//! another test's objects never shift this test's ids. But one stream serves every object
//! kind, event ids included: one more object or event earlier in the same test, or in the
//! engine, gives every later object a different id. Redacted, such a change leaves the
//! snapshots alone.
//!
//! - An id (`cus_8WFXrdzPy2cPLj`, also inside a URL such as `/v1/accounts/acct_…/external_accounts`)
//!   becomes `[cus_1]`: its prefix and its place among that prefix's ids in this snapshot, in
//!   order of first appearance. The same id is the same placeholder throughout the
//!   snapshot, so `account_holder.customer` still visibly names the customer.
//! - A timestamp (an integer within ten years of [`CREATED`]) becomes `[CREATED]`,
//!   `[CREATED+1]`, `[CREATED-181326]`: its distance from the frozen clock, which is all of
//!   its meaning in a test.

use crate::support::CREATED;
use insta::internals::Content;
use std::collections::HashMap;

/// How far from [`CREATED`] an integer may be and still be read as a timestamp. Amounts and
/// counts in fcmock's answers are far smaller.
const TIMESTAMP_WINDOW: i128 = 10 * 366 * 86_400;

/// The placeholders handed out in one snapshot.
#[derive(Debug, Default)]
pub struct IdNames {
    by_id: HashMap<String, String>,
    per_prefix: HashMap<String, usize>,
}

impl IdNames {
    /// The placeholder of `id` (`prefix` is `id`'s prefix, underscore included).
    fn name(&mut self, prefix: &str, id: &str) -> String {
        if let Some(name) = self.by_id.get(id) {
            return name.clone();
        }
        let count = self.per_prefix.entry(prefix.to_string()).or_insert(0);
        *count += 1;
        let name = format!("[{prefix}{count}]");
        self.by_id.insert(id.to_string(), name.clone());
        name
    }
}

/// Adds the id and timestamp redactions to `settings`. Each snapshot gets fresh
/// placeholders: `settings` is made per assertion by `support::snapshot_settings`.
pub fn add_to(settings: &mut insta::Settings) {
    let names = std::sync::Mutex::new(IdNames::default());
    // `.**` hands over each top-level value (and key) in document order; `redact` walks
    // what lies below.
    settings.add_dynamic_redaction(".**", move |value, _path| {
        let mut names = names.lock().unwrap_or_else(|e| e.into_inner());
        redact(value, &mut names)
    });
}

/// `value` with its ids and timestamps replaced, depth first, in document order.
pub fn redact(value: Content, names: &mut IdNames) -> Content {
    match value {
        Content::String(s) => Content::String(redact_ids(&s, names)),
        Content::Map(entries) => Content::Map(
            entries
                .into_iter()
                .map(|(k, v)| (redact(k, names), redact(v, names)))
                .collect(),
        ),
        Content::Seq(items) => {
            Content::Seq(items.into_iter().map(|item| redact(item, names)).collect())
        }
        Content::Some(inner) => Content::Some(Box::new(redact(*inner, names))),
        other => match integer(&other) {
            Some(n) if (n - i128::from(CREATED)).abs() <= TIMESTAMP_WINDOW => {
                Content::String(timestamp(n))
            }
            _ => other,
        },
    }
}

fn integer(value: &Content) -> Option<i128> {
    match *value {
        Content::U32(n) => Some(n.into()),
        Content::U64(n) => Some(n.into()),
        Content::I32(n) => Some(n.into()),
        Content::I64(n) => Some(n.into()),
        _ => None,
    }
}

/// `[CREATED]`, `[CREATED+n]` or `[CREATED-n]`.
pub fn timestamp(n: i128) -> String {
    let offset = n - i128::from(CREATED);
    match offset {
        0 => "[CREATED]".to_string(),
        o if o > 0 => format!("[CREATED+{o}]"),
        o => format!("[CREATED{o}]"),
    }
}

/// `text` with every id in it replaced by its placeholder. An id is a word (letters, digits
/// and underscores) made of a lowercase prefix ending in `_` (`cus_`, `fcsess_client_secret_`)
/// and 14 to 32 letters and digits with at least one digit or capital: the shapes
/// `fcmock::stripe::ids` mints. `cus_doesnotexist` (a name a test made up) is left alone.
pub fn redact_ids(text: &str, names: &mut IdNames) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            push_word(&mut out, &word, names);
            word.clear();
            out.push(c);
        }
    }
    push_word(&mut out, &word, names);
    out
}

fn push_word(out: &mut String, word: &str, names: &mut IdNames) {
    match id_prefix(word) {
        Some(prefix) => out.push_str(&names.name(prefix, word)),
        None => out.push_str(word),
    }
}

/// The prefix of `word` (underscore included) if `word` has the shape of a minted id.
fn id_prefix(word: &str) -> Option<&str> {
    let split = word.rfind('_')? + 1;
    let (prefix, body) = word.split_at(split);
    let prefix_ok = prefix
        .split('_')
        .filter(|part| !part.is_empty())
        .all(|part| part.chars().all(|c| c.is_ascii_lowercase()))
        && !prefix.starts_with('_')
        && !prefix.contains("__");
    let body_ok = (14..=32).contains(&body.len())
        && body.chars().all(|c| c.is_ascii_alphanumeric())
        && body
            .chars()
            .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    (prefix_ok && body_ok).then_some(prefix)
}

#[test]
fn ids_become_numbered_placeholders_per_prefix_in_order_of_first_appearance() {
    let mut names = IdNames::default();

    let first = redact_ids("fca_s9GN0UoyUqwXxlmozZqEzNyO", &mut names);
    let url = redact_ids(
        "/v1/financial_connections/accounts/fca_rgH3iTxcmrFZCUjR6vn2FUpk/owners?ownership=fcaowns_DZfmolAJUAFntsoJj8wHtvuj",
        &mut names,
    );
    let again = redact_ids("fca_s9GN0UoyUqwXxlmozZqEzNyO", &mut names);
    let secret = redact_ids("fcsess_client_secret_vvQreeoDLZNOb46Q2znbsSF1", &mut names);

    assert_eq!(first, "[fca_1]");
    assert_eq!(
        url,
        "/v1/financial_connections/accounts/[fca_2]/owners?ownership=[fcaowns_1]"
    );
    assert_eq!(again, "[fca_1]", "the same id keeps its placeholder");
    assert_eq!(secret, "[fcsess_client_secret_1]");
}

#[test]
fn words_that_are_not_minted_ids_are_left_alone() {
    let mut names = IdNames::default();
    for text in [
        "cus_doesnotexist",
        "us_bank_account",
        "financial_connections.account",
        "sk_test_integration",
        "pm_card_visa",
        "tos_acceptance.date",
        "No such customer: 'cus_doesnotexist'",
        "supported_payment_method_types",
    ] {
        assert_eq!(redact_ids(text, &mut names), text);
    }
}

#[test]
fn integers_near_the_frozen_clock_become_offsets_and_others_stay() {
    let mut names = IdNames::default();
    let at = |n: i64| redact(Content::I64(n), &mut IdNames::default());

    assert_eq!(at(CREATED), Content::String("[CREATED]".into()));
    assert_eq!(at(CREATED + 1), Content::String("[CREATED+1]".into()));
    assert_eq!(
        at(1_699_818_674),
        Content::String("[CREATED-181326]".into())
    );
    assert_eq!(redact(Content::U64(6000), &mut names), Content::U64(6000));
    assert_eq!(redact(Content::I64(-449), &mut names), Content::I64(-449));
}
