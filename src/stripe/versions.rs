//! Stripe API versions: which ones exist, which one a request speaks, and what each change
//! between them does to fcmock's parameters and rendered objects.
//!
//! This is the only place that compares version dates. Everything else asks a question
//! ("does this request see `filters.country`?") with [`ApiVersion::sees`] and a [`Change`].
//!
//! Objects are stored and rendered in the newest shape; [`downgrade`] rewrites a rendered
//! JSON tree for an older version by undoing, newest first, every change that version does
//! not see. Parameters are checked against the spec of the request's version by the resource
//! (`filters[countries]` before endive, `filters[country]` from endive on), so a parameter
//! of another version gets Stripe's `parameter_unknown`.
//!
//! Sources (docs/research/api-versions.md has the quotes): the releases and their order come
//! from the pins in stripe-node's and stripe-python's changelogs and Stripe's changelog pages
//! (docs.stripe.com/changelog); each [`Change`] names the changelog entry it follows.

use serde_json::{Map, Value};
use std::fmt;

/// Every monthly release fcmock knows, oldest first. Stripe names releases since
/// `2024-09-30.acacia`; older versions are bare dates (see [`ApiVersion::parse`]).
const RELEASES: &[&str] = &[
    "2024-09-30.acacia",
    "2024-10-28.acacia",
    "2024-11-20.acacia",
    "2024-12-18.acacia",
    "2025-01-27.acacia",
    "2025-02-24.acacia",
    "2025-03-31.basil",
    "2025-04-30.basil",
    "2025-05-28.basil",
    "2025-06-30.basil",
    "2025-07-30.basil",
    "2025-08-27.basil",
    "2025-09-30.clover",
    "2025-10-29.clover",
    "2025-11-17.clover",
    "2025-12-15.clover",
    "2026-01-28.clover",
    "2026-02-25.clover",
    "2026-03-25.dahlia",
    "2026-04-22.dahlia",
    "2026-05-27.dahlia",
    "2026-06-24.dahlia",
    "2026-07-29.dahlia",
    "2026-08-26.dahlia",
    "2026-09-30.endive",
    "2026-10-28.endive",
    "2026-11-18.endive",
];

/// The dates of [`RELEASES`], as `YYYYMMDD`, for comparisons that need no parsing.
const RELEASE_DATES: [u32; 27] = [
    20240930, 20241028, 20241120, 20241218, 20250127, 20250224, 20250331, 20250430, 20250528,
    20250630, 20250730, 20250827, 20250930, 20251029, 20251117, 20251215, 20260128, 20260225,
    20260325, 20260422, 20260527, 20260624, 20260729, 20260826, 20260930, 20261028, 20261118,
];

/// The first named release; every version before it is a bare date.
const FIRST_NAMED: u32 = 20240930;

/// A Stripe API version: a known release, or a pre-2024-09-30 bare date. Cheap to copy and
/// ordered by date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// `YYYYMMDD`.
    date: u32,
    /// Index into [`RELEASES`], `None` for a bare-date version.
    release: Option<u8>,
}

impl ApiVersion {
    /// The newest release: what an account speaks unless pinned with `--api-version`.
    pub const LATEST: ApiVersion = ApiVersion {
        date: 20261118,
        release: Some(RELEASES.len() as u8 - 1),
    };

    /// The version a `Stripe-Version` header (or `--api-version`, or a webhook endpoint's
    /// `api_version`) names, or `None` when Stripe would refuse it.
    ///
    /// Known: every release in `RELEASES`, exactly as Stripe spells it (a release date
    /// without its name, such as `2025-07-30`, is refused, like any unknown or preview name);
    /// and bare dates before `2024-09-30`, the versions the mobile SDKs and older libraries
    /// still send (Stripe has dozens; fcmock does not list them and treats every valid
    /// calendar date before the first named release as one, behaving as the oldest shape it
    /// models). Beta flags after a `;` (`; financial_connections_transactions_beta=v1`) are
    /// accepted and ignored.
    pub fn parse(header: &str) -> Option<ApiVersion> {
        let mut parts = header.split(';');
        let head = parts.next().unwrap_or_default().trim();
        if !parts.all(beta_flag) {
            return None;
        }
        if let Some(i) = RELEASES.iter().position(|r| *r == head) {
            return Some(ApiVersion {
                date: RELEASE_DATES[i],
                release: Some(i as u8),
            });
        }
        let date = parse_date(head)?;
        (date < FIRST_NAMED).then_some(ApiVersion {
            date,
            release: None,
        })
    }

    /// The version's name, as [`fmt::Display`] writes it: borrowed for a named release, so
    /// the per-request `Stripe-Version` header needs no formatting.
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        match self.release {
            Some(i) => std::borrow::Cow::Borrowed(RELEASES[i as usize]),
            None => std::borrow::Cow::Owned(self.to_string()),
        }
    }

    /// Whether a request at this version sees `change`.
    pub fn sees(self, change: Change) -> bool {
        self.date >= change.since().date
    }

    /// Whether this version sees every change fcmock models (no rewriting needed).
    pub fn is_newest_shape(self) -> bool {
        Change::ALL.iter().all(|c| self.sees(*c))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.release {
            Some(i) => f.write_str(RELEASES[i as usize]),
            None => write!(
                f,
                "{:04}-{:02}-{:02}",
                self.date / 10_000,
                self.date / 100 % 100,
                self.date % 100
            ),
        }
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = String;

    /// For `--api-version`: the same rule as a `Stripe-Version` header.
    fn from_str(s: &str) -> Result<Self, String> {
        ApiVersion::parse(s).ok_or_else(|| {
            format!(
                "unknown Stripe API version {s:?}: use one of {} (or a date before 2024-09-30)",
                RELEASES.join(", ")
            )
        })
    }
}

/// `YYYY-MM-DD` with a plausible month and day, as `YYYYMMDD`.
fn parse_date(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = &text[range];
        digits
            .bytes()
            .all(|d| d.is_ascii_digit())
            .then(|| digits.parse().ok())
            .flatten()
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    ((1..=12).contains(&month) && (1..=31).contains(&day))
        .then_some(year * 10_000 + month * 100 + day)
}

/// `name=value`, both alphanumeric or `_`.
fn beta_flag(flag: &str) -> bool {
    flag.trim().split_once('=').is_some_and(|(k, v)| {
        !k.is_empty()
            && !v.is_empty()
            && k.bytes()
                .chain(v.bytes())
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// Every API change between the versions fcmock knows that touches what it serves. Objects
/// are stored in the shape the newest version sees; `Change::undo` turns a rendered object
/// back into the shape of the versions before the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `2025-03-31.basil`: customers no longer take `coupon` and `promotion_code`
    /// (discounts moved to subscriptions and invoices). stripe-node 18.0.0 changelog.
    CustomerDiscountParams,
    /// `2025-09-30.clover`: customers gain `business_name` and `individual_name` (parameters
    /// and fields). stripe-node 19.0.0 changelog.
    CustomerNames,
    /// `2025-11-17.clover`: Financial Connections accounts gain `account_numbers`.
    /// stripe-node 20.0.0 changelog.
    AccountNumbers,
    /// `2025-12-15.clover`: `customer_account` on customers, payment methods and FC account
    /// holders. stripe-node 20.1.0 changelog.
    CustomerAccount,
    /// `2026-06-24.dahlia`: Financial Connections accounts gain `status_details`.
    /// stripe-node 22.3.0 changelog.
    AccountStatusDetails,
    /// `2026-07-29.dahlia`: sessions take and show `limits`, `manual_entry` and
    /// `filters[require_payment_method_support]`, and show `bank_account_token`.
    /// docs.stripe.com/changelog/dahlia/2026-07-29/financial-connections-advanced-session-config
    SessionConfiguration,
    /// `2026-08-26.dahlia`: a session's `filters` shows `country` beside `countries`.
    /// stripe-node 22.6.0 changelog.
    SessionCountryShown,
    /// `2026-09-30.endive`: the session parameter `filters[countries]` (an array of which
    /// Stripe used only the first element) is replaced by `filters[country]` (a string); the
    /// old name "results in an error", and `filters.countries` leaves the object.
    /// docs.stripe.com/changelog/endive/2026-09-30/rename-financial-connections-countries-filter-to-country
    SessionCountry,
    /// `2026-09-30.endive`: session defaults no longer depend on the account holder type:
    /// no account limit, manual entry disabled, `require_payment_method_support: none`, every
    /// account subcategory.
    /// docs.stripe.com/changelog/endive/2026-09-30/financial-connections-session-defaults
    SessionDefaults,
}

impl Change {
    /// Every change, oldest first.
    pub const ALL: &'static [Change] = &[
        Change::CustomerDiscountParams,
        Change::CustomerNames,
        Change::AccountNumbers,
        Change::CustomerAccount,
        Change::AccountStatusDetails,
        Change::SessionConfiguration,
        Change::SessionCountryShown,
        Change::SessionCountry,
        Change::SessionDefaults,
    ];

    /// The change's name in `fcmock api-versions` (snake case).
    pub fn name(self) -> &'static str {
        match self {
            Change::CustomerDiscountParams => "customer_discount_params",
            Change::CustomerNames => "customer_names",
            Change::AccountNumbers => "account_numbers",
            Change::CustomerAccount => "customer_account",
            Change::AccountStatusDetails => "account_status_details",
            Change::SessionConfiguration => "session_configuration",
            Change::SessionCountryShown => "session_country_shown",
            Change::SessionCountry => "session_country",
            Change::SessionDefaults => "session_defaults",
        }
    }

    /// The release that introduced the change.
    pub fn since(self) -> ApiVersion {
        let index = match self {
            Change::CustomerDiscountParams => 6,
            Change::CustomerNames => 12,
            Change::AccountNumbers => 14,
            Change::CustomerAccount => 15,
            Change::AccountStatusDetails => 21,
            Change::SessionConfiguration => 22,
            Change::SessionCountryShown => 23,
            Change::SessionCountry | Change::SessionDefaults => 24,
        };
        // An index into RELEASES rather than a name to parse: `sees` runs for every rendered
        // object and every version-gated parameter (a unit test checks each index).
        ApiVersion {
            date: RELEASE_DATES[index],
            release: Some(index as u8),
        }
    }

    /// Turns one rendered object (a JSON map with this `object` value) into its shape before
    /// the change.
    fn undo(self, object: &str, map: &mut Map<String, Value>) {
        match (self, object) {
            (Change::CustomerNames, "customer") => {
                map.shift_remove("business_name");
                map.shift_remove("individual_name");
            }
            (Change::AccountNumbers, "financial_connections.account") => {
                map.shift_remove("account_numbers");
            }
            (Change::CustomerAccount, "customer" | "payment_method") => {
                map.shift_remove("customer_account");
            }
            (
                Change::CustomerAccount,
                "financial_connections.account" | "financial_connections.session",
            ) => {
                if let Some(Value::Object(holder)) = map.get_mut("account_holder") {
                    holder.shift_remove("customer_account");
                }
            }
            (Change::AccountStatusDetails, "financial_connections.account") => {
                map.shift_remove("status_details");
            }
            (Change::SessionConfiguration, "financial_connections.session") => {
                map.shift_remove("limits");
                map.shift_remove("manual_entry");
                map.shift_remove("bank_account_token");
                if let Some(Value::Object(filters)) = map.get_mut("filters") {
                    filters.shift_remove("require_payment_method_support");
                }
            }
            (Change::SessionCountryShown, "financial_connections.session") => {
                if let Some(Value::Object(filters)) = map.get_mut("filters") {
                    filters.shift_remove("country");
                }
            }
            (Change::SessionCountry, "financial_connections.session") => {
                if let Some(Value::Object(filters)) = map.get_mut("filters") {
                    let Some(Value::String(country)) = filters.get("country") else {
                        return;
                    };
                    let countries = Value::Array(vec![Value::String(country.clone())]);
                    // Where `country` stands, so the older shape keeps Stripe's field order.
                    let at = filters.keys().position(|k| k == "country");
                    let at = at.unwrap_or(filters.len());
                    filters.shift_insert(at, "countries".into(), countries);
                }
            }
            // Parameters only, and defaults: what is stored, not how an object renders.
            (Change::CustomerDiscountParams | Change::SessionDefaults, _) => {}
            _ => {}
        }
    }
}

/// The registry as JSON, printed by `fcmock api-versions`: the latest release, every change
/// with the release that introduced it, and every release with the changes it sees (so a
/// script asks the registry instead of comparing dates; a bare pre-2024 date sees none).
pub fn catalogue() -> Value {
    let releases: Vec<Value> = RELEASES
        .iter()
        .map(|name| {
            let version = ApiVersion::parse(name).expect("RELEASES are known");
            let sees: Vec<&str> = Change::ALL
                .iter()
                .filter(|c| version.sees(**c))
                .map(|c| c.name())
                .collect();
            serde_json::json!({"version": name, "sees": sees})
        })
        .collect();
    serde_json::json!({
        "latest": ApiVersion::LATEST.to_string(),
        "changes": Change::ALL
            .iter()
            .map(|c| serde_json::json!({"name": c.name(), "since": c.since().to_string()}))
            .collect::<Vec<_>>(),
        "releases": releases,
    })
}

/// Rewrites a rendered JSON tree (an object, a list, expanded children) into the shape
/// `version` sees.
///
/// An event inside the tree keeps the version it was created at, whoever reads it: "each
/// event data is rendered according to Stripe API version at its creation time, specified in
/// event object api_version attribute (not according to your current Stripe API version or
/// Stripe-Version header)" (Stripe API reference, List all events). Events are stored in the
/// newest shape with that version's name, and rendered down to it here.
pub fn downgrade(value: &mut Value, version: ApiVersion) {
    match value {
        Value::Object(map) => {
            let object = match map.get("object") {
                Some(Value::String(object)) => Some(object.clone()),
                _ => None,
            };
            let version = match (object.as_deref(), map.get("api_version")) {
                (Some("event"), Some(Value::String(at))) => {
                    ApiVersion::parse(at).unwrap_or(version)
                }
                _ => version,
            };
            // In the newest shape only an event (or a list or wrapper that may hold one) can
            // still need rewriting below.
            if version.is_newest_shape()
                && !matches!(object.as_deref(), None | Some("list" | "event"))
            {
                return;
            }
            for child in map.values_mut() {
                downgrade(child, version);
            }
            if let Some(object) = object {
                for change in Change::ALL.iter().rev().filter(|c| !version.sees(**c)) {
                    change.undo(&object, map);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| downgrade(v, version)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(name: &str) -> ApiVersion {
        ApiVersion::parse(name).unwrap_or_else(|| panic!("{name} is known"))
    }

    #[test]
    fn a_versions_name_is_what_display_writes() {
        for name in RELEASES.iter().copied().chain(["2020-08-27"]) {
            let version = v(name);
            assert_eq!(version.name(), version.to_string());
            assert_eq!(version.name(), name);
        }
    }

    #[test]
    fn each_change_names_the_release_the_changelog_gives() {
        let named: Vec<(Change, &str)> = Change::ALL
            .iter()
            .map(|c| (*c, RELEASES[c.since().release.expect("a release") as usize]))
            .collect();
        assert_eq!(
            named,
            [
                (Change::CustomerDiscountParams, "2025-03-31.basil"),
                (Change::CustomerNames, "2025-09-30.clover"),
                (Change::AccountNumbers, "2025-11-17.clover"),
                (Change::CustomerAccount, "2025-12-15.clover"),
                (Change::AccountStatusDetails, "2026-06-24.dahlia"),
                (Change::SessionConfiguration, "2026-07-29.dahlia"),
                (Change::SessionCountryShown, "2026-08-26.dahlia"),
                (Change::SessionCountry, "2026-09-30.endive"),
                (Change::SessionDefaults, "2026-09-30.endive"),
            ]
        );
        for change in Change::ALL {
            assert_eq!(
                Some(change.since()),
                ApiVersion::parse(&change.since().to_string())
            );
        }
    }

    #[test]
    fn releases_are_in_date_order_and_the_last_is_latest() {
        let parsed: Vec<ApiVersion> = RELEASES.iter().map(|r| v(r)).collect();
        let dates: Vec<u32> = parsed.iter().map(|p| p.date).collect();
        assert_eq!(dates, RELEASE_DATES);
        assert!(parsed.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(parsed.last(), Some(&ApiVersion::LATEST));
        assert_eq!(ApiVersion::LATEST.to_string(), "2026-11-18.endive");
    }

    #[test]
    fn only_released_versions_and_old_bare_dates_are_known() {
        for good in [
            "2026-10-28.endive",
            "2025-03-31.basil",
            "2023-08-16",
            "2020-03-02",
            "2023-10-16; financial_connections_transactions_beta=v1",
        ] {
            assert!(ApiVersion::parse(good).is_some(), "{good}");
        }
        for bad in [
            "2099-01-01.bogus",
            "2025-07-30",
            "2026-10-28.dahlia",
            "2026-10-14.preview",
            "bogus",
            "2023-8-16",
            "2023-13-01",
            "2023-08-16; beta",
            "",
            "2023-08-16x",
        ] {
            assert!(ApiVersion::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(v("2020-03-02").to_string(), "2020-03-02");
    }

    #[test]
    fn a_version_sees_the_changes_released_up_to_it() {
        assert!(v("2026-09-30.endive").sees(Change::SessionCountry));
        assert!(!v("2026-08-26.dahlia").sees(Change::SessionCountry));
        assert!(v("2026-08-26.dahlia").sees(Change::SessionCountryShown));
        assert!(!v("2023-08-16").sees(Change::CustomerNames));
        assert!(ApiVersion::LATEST.is_newest_shape());
    }

    #[test]
    fn a_session_downgrades_to_the_dahlia_and_basil_shapes() {
        let newest = serde_json::json!({
            "object": "financial_connections.session",
            "filters": {"country": "US", "require_payment_method_support": "none"},
            "limits": {"accounts": 100},
            "manual_entry": {"mode": "disabled"},
            "bank_account_token": null,
        });
        let mut dahlia = newest.clone();
        downgrade(&mut dahlia, v("2026-07-29.dahlia"));
        assert_eq!(
            dahlia,
            serde_json::json!({
                "object": "financial_connections.session",
                "filters": {"countries": ["US"], "require_payment_method_support": "none"},
                "limits": {"accounts": 100},
                "manual_entry": {"mode": "disabled"},
                "bank_account_token": null,
            })
        );
        let mut basil = newest;
        downgrade(&mut basil, v("2025-08-27.basil"));
        assert_eq!(
            basil,
            serde_json::json!({
                "object": "financial_connections.session",
                "filters": {"countries": ["US"]},
            })
        );
    }
}
