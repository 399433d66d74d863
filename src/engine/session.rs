//! Completing a session: success links accounts, cancel and failure link nothing.

use super::{emit, refresh, wall_ms, Cause};
use crate::app::App;
use crate::fixtures::{AccountFixture, Failure, Institution, Outcome, ScenarioFixture};
use crate::model::fc_enums::{AccountStatus, HolderType, PaymentMethodSupport, Permission};
use crate::model::financial_connections::{
    AccountTag, FcAccount, LinkInfo, LinkedAccount, Session, SessionStatus,
};
use crate::store::Namespace;
use crate::stripe::error::ApiError;
use crate::stripe::ids::IdKind;

/// How a session ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// Link accounts: at this institution (default `test_institution`), these accounts
    /// (default: its pre-selected ones, narrowed by the session's filters).
    Success {
        /// Institution key.
        institution: Option<String>,
        /// Account keys.
        accounts: Option<Vec<String>>,
    },
    /// The user cancelled.
    Cancel,
    /// The flow failed.
    Failure(Failure),
}

impl Completion {
    /// The completion a scripted outcome (a scenario file, a queued or per-session
    /// scenario) stands for: every path that plays a script ends the session the same way.
    pub fn scripted(scripted: &ScenarioFixture) -> Completion {
        match scripted.outcome {
            Outcome::Success => Completion::Success {
                institution: scripted.institution.clone(),
                accounts: scripted.accounts.clone(),
            },
            Outcome::Cancel => Completion::Cancel,
            Outcome::Failure => Completion::Failure(scripted.failure.unwrap_or(Failure::ApiError)),
        }
    }
}

/// Completes a pending session. Returns the ids of the accounts it linked.
pub fn complete_session(
    app: &App,
    ns: &mut Namespace,
    session_id: &str,
    completion: Completion,
    cause: &Cause,
) -> Result<Vec<String>, ApiError> {
    let session = ns
        .sessions
        .get(session_id)
        .ok_or_else(|| ApiError::no_such_in_path("financial connections session", session_id))?;
    if session.status != SessionStatus::Pending {
        return Err(ApiError::invalid_request(format!(
            "The Financial Connections session {session_id} has already been completed (status: {}).",
            session.status
        ))
        .with_code("session_already_completed"));
    }
    match completion {
        Completion::Cancel => {
            finish(ns, session_id, SessionStatus::Cancelled, None, None);
            Ok(Vec::new())
        }
        Completion::Failure(failure) => {
            finish(ns, session_id, SessionStatus::Failed, Some(failure), None);
            Ok(Vec::new())
        }
        Completion::Success {
            institution,
            accounts,
        } => succeed(
            app,
            ns,
            session_id,
            institution.as_deref(),
            accounts.as_deref(),
            cause,
        ),
    }
}

/// A successful completion links what the bank and the session's filters allow. A bank
/// that is down, or nothing left to link, still ends the session: as `failed`, the way the
/// real flow would end for the user.
fn succeed(
    app: &App,
    ns: &mut Namespace,
    session_id: &str,
    institution: Option<&str>,
    accounts: Option<&[String]>,
    cause: &Cause,
) -> Result<Vec<String>, ApiError> {
    let (inst, picked) = app
        .fixtures
        .resolve_selection(institution, accounts)
        .ok_or_else(|| unknown_selection(institution, accounts))?;
    let inst_key = Some(inst.key.clone());
    // A down or broken bank fails every login, whatever the script asked for.
    if let Some(failure) = inst.failure {
        finish(
            ns,
            session_id,
            SessionStatus::Failed,
            Some(failure),
            inst_key,
        );
        return Ok(Vec::new());
    }
    let session = ns
        .sessions
        .get(session_id)
        .cloned()
        .expect("looked up by the caller under the same lock");
    let chosen = choose_accounts(&session, inst, picked, accounts.is_some())?;
    if chosen.is_empty() {
        let failure = Some(Failure::NoAccounts);
        finish(ns, session_id, SessionStatus::Failed, failure, inst_key);
        return Ok(Vec::new());
    }
    let linked_ids = link_all(app, ns, &session, inst, &chosen, cause);
    finish(ns, session_id, SessionStatus::Succeeded, None, inst_key);
    Ok(linked_ids)
}

/// The accounts a success links: the picked ones the session's filters allow. An account
/// named explicitly that the filters refuse is the caller's mistake, so it is an error;
/// when the pre-selected defaults were all filtered out, the user would pick the first
/// account the filters allow.
fn choose_accounts<'a>(
    session: &Session,
    inst: &'a Institution,
    picked: Vec<&'a AccountFixture>,
    explicit: bool,
) -> Result<Vec<&'a AccountFixture>, ApiError> {
    let mut chosen: Vec<&AccountFixture> = Vec::new();
    for fixture in picked {
        if allowed_by_filters(&session.filters, fixture) {
            chosen.push(fixture);
        } else if explicit {
            return Err(ApiError::invalid_request(format!(
                "Account '{}' ({}) does not match the session's filters.",
                fixture.key, fixture.subcategory
            ))
            .with_param("accounts"));
        }
    }
    if chosen.is_empty() && !explicit {
        chosen.extend(
            inst.accounts
                .iter()
                .filter(|a| allowed_by_filters(&session.filters, a))
                .take(1),
        );
    }
    within_limits(session, &mut chosen, explicit)?;
    Ok(chosen)
}

/// `limits[accounts]` and `filters[require_payment_method_support]`: the page lets a person
/// pick at most that many accounts, and with `at_least_one` a selection where no account
/// supports a payment method cannot finish (with `all`, such accounts are filtered out
/// like any other). Naming too many accounts explicitly is the caller's mistake.
fn within_limits(
    session: &Session,
    chosen: &mut Vec<&AccountFixture>,
    explicit: bool,
) -> Result<(), ApiError> {
    if let Some(limits) = session.limits {
        let most = limits.accounts as usize;
        if chosen.len() > most && explicit {
            return Err(ApiError::invalid_request(format!(
                "This session links at most {most} account(s) (its `limits[accounts]`); {} were selected.",
                chosen.len()
            ))
            .with_param("accounts"));
        }
        chosen.truncate(most);
    }
    let at_least_one =
        session.filters.require_payment_method_support == Some(PaymentMethodSupport::AtLeastOne);
    if at_least_one && !chosen.is_empty() && !chosen.iter().any(|a| supports_payments(a)) {
        return Err(ApiError::invalid_request(
            "This session requires at least one account that supports payments \
             (`filters[require_payment_method_support]=at_least_one`), and none was selected.",
        )
        .with_param("accounts"));
    }
    Ok(())
}

fn supports_payments(fixture: &AccountFixture) -> bool {
    !fixture.supported_payment_method_types.is_empty()
}

/// Links every chosen account and records them on the session, then mints the session's
/// bank-account token where it collects one, from the first account that can back it.
fn link_all(
    app: &App,
    ns: &mut Namespace,
    session: &Session,
    inst: &Institution,
    chosen: &[&AccountFixture],
    cause: &Cause,
) -> Vec<String> {
    let linked_ids: Vec<String> = chosen
        .iter()
        .map(|fixture| link_account(app, ns, session, inst, fixture, cause))
        .collect();
    if let Some(s) = ns.sessions.get_mut(&session.id) {
        s.accounts.extend(linked_ids.iter().cloned());
    }
    let token_source = chosen
        .iter()
        .copied()
        .find(|f| f.supports_us_bank_account());
    if let Some(fixture) = token_source.filter(|_| collects_token(session)) {
        mint_token(app, ns, &session.id, fixture);
    }
    linked_ids
}

/// Links one account (or brings an `inactive` one back), fires `account.created`, and
/// starts what the session prefetches. Returns the account's id.
fn link_account(
    app: &App,
    ns: &mut Namespace,
    session: &Session,
    inst: &Institution,
    fixture: &AccountFixture,
    cause: &Cause,
) -> String {
    if let Some(id) = reactivate(app, ns, session, inst, fixture, cause) {
        return id;
    }
    let linked = new_account(app, session, inst, fixture);
    let id = linked.account.id.clone();
    let deactivates = linked.link.deactivates_at_ms.is_some() || !linked.link.scheduled.is_empty();
    let wire = crate::engine::snapshot(&linked.account);
    ns.insert_fc_account(linked);
    emit(
        app,
        ns,
        "financial_connections.account.created",
        wire,
        None,
        cause,
    );
    prefetch(app, ns, session, &id, cause);
    if deactivates {
        refresh::schedule_settle(app, app.settings.refresh_delay_ms);
    }
    id
}

/// A newly linked `active` account built from the fixture the user picked, with the
/// bookkeeping that ties it to its session and fixture.
fn new_account(
    app: &App,
    session: &Session,
    inst: &Institution,
    fixture: &AccountFixture,
) -> LinkedAccount {
    let account = FcAccount {
        id: app.ids.next(IdKind::FcAccount),
        object: AccountTag,
        account_holder: Some(session.account_holder.clone()),
        account_numbers: None,
        balance: None,
        balance_refresh: None,
        category: fixture.category,
        created: app.clock.now(),
        display_name: Some(fixture.display_name.clone()),
        institution_name: inst.institution_name.clone(),
        last4: Some(fixture.last4.clone()),
        livemode: false,
        ownership: None,
        ownership_refresh: None,
        permissions: Some(session.permissions.clone()),
        status: AccountStatus::Active,
        status_details: None,
        subcategory: fixture.subcategory,
        subscriptions: Some(Vec::new()),
        supported_payment_method_types: fixture.supported_payment_method_types.clone(),
        transaction_refresh: None,
    };
    // An "Inactive Accounts" fixture turns `inactive` one refresh delay after linking.
    let deactivates_at_ms = match fixture.status_after_link {
        AccountStatus::Inactive => Some(wall_ms() + app.settings.refresh_delay_ms),
        // Fixtures never settle into `disconnected`: loading refuses it.
        AccountStatus::Active | AccountStatus::Disconnected => None,
    };
    let mut linked = LinkedAccount {
        account,
        link: LinkInfo {
            session: session.id.clone(),
            institution: inst.key.clone(),
            fixture_account: fixture.key.clone(),
            pending: Vec::new(),
            deactivates_at_ms,
            transactions_until: None,
            transaction_refreshes: Vec::new(),
            transactions_fetched: false,
            pending_transactions: Vec::new(),
            scheduled: Vec::new(),
        },
    };
    super::lifecycle::on_link(app, fixture, &mut linked.account, &mut linked.link);
    linked
}

/// `prefetch` starts refreshes as soon as the account is linked (Stripe docs, "Prefetch"),
/// for the prefetched features the session also has the permission for.
fn prefetch(app: &App, ns: &mut Namespace, session: &Session, id: &str, cause: &Cause) {
    let features: Vec<_> = session
        .prefetch
        .iter()
        .map(|p| p.feature())
        .filter(|f| session.permissions.contains(&f.permission()))
        .collect();
    if !features.is_empty() {
        // The account was just stored and is active, so starting a refresh cannot fail.
        let _ = refresh::start_refresh(app, ns, id, &features, cause);
    }
}

/// A session is "collected for a token" when its holder is a Connect account and it asks
/// for `payment_method` (DESIGN §4; flutter_stripe's example server, research §1.4).
pub fn collects_token(session: &Session) -> bool {
    session.account_holder.holder_type == HolderType::Account
        && session.permissions.contains(&Permission::PaymentMethod)
}

/// Mints the session's `btok_…` for its first payment-capable account.
fn mint_token(app: &App, ns: &mut Namespace, session_id: &str, fixture: &AccountFixture) {
    let mut token = crate::model::token::Token::for_account(
        app.ids.next(IdKind::BankToken),
        app.ids.next(IdKind::BankAccount),
        app.clock.now(),
        fixture,
        crate::stripe::ids::fingerprint(&fixture.routing_number, &fixture.account_number),
    );
    if fixture.tokenized_account_number == Some(crate::fixtures::TanBehaviour::Expired) {
        // A bank account whose tokenized number is deactivated (2025-11-17 changelog,
        // "tokenized account numbers": `bank_account.status` gains this value).
        token.bank_account.status = "tokenized_account_number_deactivated".to_string();
    }
    let id = token.id.clone();
    ns.tokens.insert(id.clone(), token.created, token);
    if let Some(s) = ns.sessions.get_mut(session_id) {
        s.bank_account_token = Some(id);
    }
}

/// Relinking an account that went `inactive` brings the same account back to `active` and
/// fires `financial_connections.account.reactivated` (Stripe docs, "Financial Connections
/// webhooks": inactive → active after the user relinks). Returns its id when it did.
fn reactivate(
    app: &App,
    ns: &mut Namespace,
    session: &Session,
    inst: &Institution,
    fixture: &AccountFixture,
    cause: &Cause,
) -> Option<String> {
    let holder = session
        .account_holder
        .customer
        .as_deref()
        .or(session.account_holder.account.as_deref())?;
    let key_set = ns.index.fc_accounts_by_holder.get(holder)?;
    let id = key_set
        .iter()
        .filter_map(|key| ns.fc_accounts.get_by_key(key))
        .find(|l| {
            l.account.status == AccountStatus::Inactive
                && l.link.institution == inst.key
                && l.link.fixture_account == fixture.key
        })
        .map(|l| l.account.id.clone())?;
    let key = ns.fc_accounts.key_of(&id)?;
    let linked = ns.fc_accounts.get_mut(&id)?;
    linked.account.status = AccountStatus::Active;
    linked.account.permissions = Some(session.permissions.clone());
    super::lifecycle::on_reactivate(fixture, &mut linked.account, app.clock.now());
    linked.link.session = session.id.clone();
    let wire = crate::engine::snapshot(&linked.account);
    ns.index
        .fc_accounts_by_session
        .entry(session.id.clone())
        .or_default()
        .insert(key);
    emit(
        app,
        ns,
        "financial_connections.account.reactivated",
        wire,
        Some(serde_json::json!({"status": AccountStatus::Inactive})),
        cause,
    );
    Some(id)
}

/// Whether a session's filters let a person link this account (the hosted page lists only
/// these).
pub fn allowed_by_filters(
    filters: &crate::model::financial_connections::Filters,
    fixture: &AccountFixture,
) -> bool {
    let subcategory_ok = filters
        .account_subcategories
        .as_ref()
        .is_none_or(|allowed| allowed.contains(&fixture.subcategory));
    // Every test institution is a US bank.
    let country_ok = filters
        .country
        .as_ref()
        .is_none_or(|c| c.eq_ignore_ascii_case("US"));
    let payments_ok = match filters.require_payment_method_support {
        Some(PaymentMethodSupport::All) => supports_payments(fixture),
        Some(PaymentMethodSupport::AtLeastOne | PaymentMethodSupport::None) | None => true,
    };
    subcategory_ok && country_ok && payments_ok
}

fn finish(
    ns: &mut Namespace,
    session_id: &str,
    status: SessionStatus,
    failure: Option<Failure>,
    institution: Option<String>,
) {
    if let Some(s) = ns.sessions.get_mut(session_id) {
        s.status = status;
        s.failure = failure;
        if institution.is_some() {
            s.institution = institution;
        }
    }
}

fn unknown_selection(institution: Option<&str>, accounts: Option<&[String]>) -> ApiError {
    ApiError::invalid_request(format!(
        "Unknown institution or account: institution {:?}, accounts {:?}. See fixtures/institutions.json for the keys.",
        institution.unwrap_or(crate::fixtures::DEFAULT_INSTITUTION),
        accounts.unwrap_or_default()
    ))
    .with_param(if accounts.is_some() { "accounts" } else { "institution" })
}
