//! Completing a session: success links accounts, cancel and failure link nothing.

use super::{emit, refresh, wall_ms, Cause};
use crate::app::App;
use crate::fixtures::{
    AccountFixture, AccountStatus, Failure, Institution, Outcome, ScenarioFixture,
};
use crate::model::financial_connections::{
    AccountTag, FcAccount, LinkInfo, LinkedAccount, SessionStatus,
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
        .ok_or_else(|| ApiError::no_such_in_path("financialconnections.session", session_id))?;
    if session.status != SessionStatus::Pending {
        return Err(ApiError::invalid_request(format!(
            "The Financial Connections session {session_id} has already been completed (status: {}).",
            status_name(session.status)
        ))
        .with_code("session_already_completed"));
    }
    let (institution, accounts) = match completion {
        Completion::Cancel => {
            finish(ns, session_id, SessionStatus::Cancelled, None, None);
            return Ok(Vec::new());
        }
        Completion::Failure(failure) => {
            finish(ns, session_id, SessionStatus::Failed, Some(failure), None);
            return Ok(Vec::new());
        }
        Completion::Success {
            institution,
            accounts,
        } => (institution, accounts),
    };
    let (inst, picked) = app
        .fixtures
        .resolve_selection(institution.as_deref(), accounts.as_deref())
        .ok_or_else(|| unknown_selection(institution.as_deref(), accounts.as_deref()))?;
    // A down or broken bank fails every login, whatever the script asked for.
    if let Some(failure) = inst.failure {
        finish(
            ns,
            session_id,
            SessionStatus::Failed,
            Some(failure),
            Some(inst.key.clone()),
        );
        return Ok(Vec::new());
    }
    let session = ns
        .sessions
        .get(session_id)
        .cloned()
        .expect("looked up above under the same lock");
    let explicit = accounts.is_some();
    let mut chosen: Vec<&AccountFixture> = Vec::new();
    for fixture in picked {
        if allowed_by_filters(&session.filters, fixture) {
            chosen.push(fixture);
        } else if explicit {
            return Err(ApiError::invalid_request(format!(
                "Account '{}' ({}) does not match the session's filters.",
                fixture.key,
                fixture.subcategory.as_str()
            ))
            .with_param("accounts"));
        }
    }
    if chosen.is_empty() && !explicit {
        // The pre-selected accounts were all filtered out: the user would pick the first
        // account the filters allow.
        chosen.extend(
            inst.accounts
                .iter()
                .filter(|a| allowed_by_filters(&session.filters, a))
                .take(1),
        );
    }
    if chosen.is_empty() {
        finish(
            ns,
            session_id,
            SessionStatus::Failed,
            Some(Failure::NoAccounts),
            Some(inst.key.clone()),
        );
        return Ok(Vec::new());
    }
    let token_source = chosen
        .iter()
        .copied()
        .find(|f| f.supports_us_bank_account());
    let mut linked_ids = Vec::with_capacity(chosen.len());
    for fixture in chosen {
        let id = link_account(app, ns, &session, inst, fixture, cause);
        linked_ids.push(id);
    }
    if let Some(s) = ns.sessions.get_mut(session_id) {
        s.accounts.extend(linked_ids.iter().cloned());
    }
    if let Some(fixture) = token_source.filter(|_| collects_token(&session)) {
        mint_token(app, ns, session_id, fixture);
    }
    finish(
        ns,
        session_id,
        SessionStatus::Succeeded,
        None,
        Some(inst.key.clone()),
    );
    Ok(linked_ids)
}

fn link_account(
    app: &App,
    ns: &mut Namespace,
    session: &crate::model::financial_connections::Session,
    inst: &Institution,
    fixture: &AccountFixture,
    cause: &Cause,
) -> String {
    if let Some(id) = reactivate(app, ns, session, inst, fixture, cause) {
        return id;
    }
    let now = app.clock.now();
    let account = FcAccount {
        id: app.ids.next(IdKind::FcAccount),
        object: AccountTag,
        account_holder: Some(session.account_holder.clone()),
        account_numbers: None,
        balance: None,
        balance_refresh: None,
        category: fixture.category.as_str().to_string(),
        created: now,
        display_name: Some(fixture.display_name.clone()),
        institution_name: inst.institution_name.clone(),
        last4: Some(fixture.last4.clone()),
        livemode: false,
        ownership: None,
        ownership_refresh: None,
        permissions: Some(session.permissions.clone()),
        status: "active".to_string(),
        subcategory: fixture.subcategory.as_str().to_string(),
        subscriptions: Some(Vec::new()),
        supported_payment_method_types: fixture
            .supported_payment_method_types
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        transaction_refresh: None,
    };
    let id = account.id.clone();
    let deactivates_at_ms = (fixture.status_after_link == AccountStatus::Inactive)
        .then(|| wall_ms() + app.settings.refresh_delay_ms);
    let linked = LinkedAccount {
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
        },
    };
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
    // `prefetch` starts refreshes as soon as the account is linked (Stripe docs, "Prefetch").
    let features: Vec<&str> = session
        .prefetch
        .iter()
        .map(|p| {
            if p == "balances" {
                "balance"
            } else {
                p.as_str()
            }
        })
        .filter(|f| {
            refresh::permission_for(f)
                .is_some_and(|perm| session.permissions.iter().any(|p| p == perm))
        })
        .collect();
    if !features.is_empty() {
        // The account was just stored and is active, so starting a refresh cannot fail.
        let _ = refresh::start_refresh(app, ns, &id, &features, cause);
    }
    if deactivates_at_ms.is_some() {
        refresh::schedule_settle(app, app.settings.refresh_delay_ms);
    }
    id
}

/// A session is "collected for a token" when its holder is a Connect account and it asks
/// for `payment_method` (DESIGN §4; flutter_stripe's example server, research §1.4).
fn collects_token(session: &crate::model::financial_connections::Session) -> bool {
    session.account_holder.holder_type == "account"
        && session.permissions.iter().any(|p| p == "payment_method")
}

/// Mints the session's `btok_…` for its first payment-capable account.
fn mint_token(app: &App, ns: &mut Namespace, session_id: &str, fixture: &AccountFixture) {
    let token = crate::model::token::Token::for_account(
        app.ids.next(IdKind::BankToken),
        app.ids.next(IdKind::BankAccount),
        app.clock.now(),
        fixture,
        crate::stripe::ids::fingerprint(&fixture.routing_number, &fixture.account_number),
    );
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
    session: &crate::model::financial_connections::Session,
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
            l.account.status == "inactive"
                && l.link.institution == inst.key
                && l.link.fixture_account == fixture.key
        })
        .map(|l| l.account.id.clone())?;
    let key = ns.fc_accounts.key_of(&id)?;
    let linked = ns.fc_accounts.get_mut(&id)?;
    linked.account.status = "active".into();
    linked.account.permissions = Some(session.permissions.clone());
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
        Some(serde_json::json!({"status": "inactive"})),
        cause,
    );
    Some(id)
}

fn allowed_by_filters(
    filters: &crate::model::financial_connections::Filters,
    fixture: &AccountFixture,
) -> bool {
    let subcategory_ok = filters
        .account_subcategories
        .as_ref()
        .is_none_or(|allowed| allowed.iter().any(|s| s == fixture.subcategory.as_str()));
    // Every test institution is a US bank.
    let country_ok = filters
        .countries
        .as_ref()
        .is_none_or(|c| c.iter().any(|c| c.eq_ignore_ascii_case("US")));
    subcategory_ok && country_ok
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
        s.failure = failure.map(|f| f.as_str().to_string());
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

/// The wire name of a session status.
pub fn status_name(status: SessionStatus) -> &'static str {
    match status {
        SessionStatus::Pending => "pending",
        SessionStatus::Succeeded => "succeeded",
        SessionStatus::Failed => "failed",
        SessionStatus::Cancelled => "cancelled",
    }
}
