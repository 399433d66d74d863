//! The fake hosted auth page (`hosted_auth_url`): consent → institution (featured list and
//! search) → login for credential banks (Stripe's Sandbox Bank passwords) → accounts →
//! success → `success_url`, and Cancel on every step → `cancel_url`.
//!
//! Server-rendered HTML and plain form posts, so it works with JavaScript off and in any
//! web view. State between steps travels in hidden fields; the session itself only changes
//! through [`engine::complete_session`]. Redirects go only to the targets the session's
//! client declared ([`ReturnTarget`]s) or to fcmock's done pages.

use super::html::{self, escape, hidden};
use crate::app::App;
use crate::engine::outcomes;
use crate::engine::{self, Cause, Completion};
use crate::fixtures::{
    Failure, Institution, LoginKind, Outcome, PasswordChallenge, ScenarioFixture,
};
use crate::http::{Request, Response};
use crate::model::fc_enums::Permission;
use crate::model::financial_connections::{Session, SessionStatus};
use crate::store::return_targets::ReturnTarget;
use crate::store::SharedNamespace;
use hyper::Method;

/// The form every step posts to.
const POST_PATH: &str = "/hosted/auth";

/// Answers every `/hosted/…` request.
pub fn handle(app: &App, request: &Request) -> Response {
    let path = request.path.as_str();
    match (&request.method, path) {
        (&Method::GET, "/hosted/done/success") => done(true),
        (&Method::GET, "/hosted/done/cancel") => done(false),
        (&Method::GET, "/hosted/auth") | (&Method::GET, "/hosted/institutions") => {
            let form = Form::parse(request.query.as_bytes());
            let Some(flow) = Flow::open(app, &form, request.tls) else {
                return unknown_session();
            };
            let Some(session) = flow.session() else {
                return unknown_session();
            };
            if session.status != SessionStatus::Pending {
                return flow.finished(&session);
            }
            if path == "/hosted/institutions" {
                flow.picker(&session, form.get("q").unwrap_or_default())
            } else {
                flow.consent(&session)
            }
        }
        (&Method::POST, POST_PATH) => {
            let form = Form::parse(&request.body);
            let Some(flow) = Flow::open(app, &form, request.tls) else {
                return unknown_session();
            };
            flow.post(&form)
        }
        _ => html::problem(
            404,
            "Page not found",
            "This address is not part of fcmock's hosted auth page.",
        ),
    }
}

fn unknown_session() -> Response {
    html::problem(
        404,
        "Unknown session",
        "No Financial Connections session has this client secret. Open the hosted_auth_url \
         that synchronize returned.",
    )
}

fn done(success: bool) -> Response {
    let (title, text) = if success {
        (
            "Accounts connected",
            "You can close this window and return to the app.",
        )
    } else {
        (
            "Flow closed",
            "No accounts were connected. You can close this window.",
        )
    };
    html::ok(
        html::page(title, &format!("<p>{}</p>", escape(text)), None),
        "'self'",
    )
}

/// Decoded form fields, in order (a key may repeat: `accounts`).
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(bytes: &[u8]) -> Form {
        Form(
            form_urlencoded::parse(bytes)
                .into_owned()
                .take(200)
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// One request's view of a session's flow.
struct Flow<'a> {
    app: &'a App,
    secret: String,
    return_index: Option<String>,
    target: ReturnTarget,
    ns: SharedNamespace,
    session_id: String,
}

impl<'a> Flow<'a> {
    fn open(app: &'a App, form: &Form, tls: bool) -> Option<Flow<'a>> {
        let secret = form.get("client_secret")?.to_string();
        let (ns, session_id) =
            crate::resources::financial_connections::client_side::find_session(app, &secret)
                .ok()?;
        let return_index = form
            .get("return")
            .filter(|r| r.parse::<usize>().is_ok())
            .map(str::to_string);
        let target = app.return_target(&secret, return_index.as_deref(), tls);
        Some(Flow {
            app,
            secret,
            return_index,
            target,
            ns,
            session_id,
        })
    }

    fn session(&self) -> Option<Session> {
        self.ns.read().sessions.get(&self.session_id).cloned()
    }

    fn form_action(&self) -> String {
        html::form_action_sources(&[&self.target.success_url, &self.target.cancel_url])
    }

    fn hidden(&self) -> String {
        let mut out = hidden("client_secret", &self.secret);
        if let Some(r) = &self.return_index {
            out.push_str(&hidden("return", r));
        }
        out
    }

    fn cancel_form(&self) -> String {
        format!(
            r#"<form method="post" action="{POST_PATH}">{}<button class="secondary" name="action" value="cancel">Cancel</button></form>"#,
            self.hidden()
        )
    }

    fn render(&self, session: &Session, title: &str, body: &str) -> Response {
        let banner = match &session.scripted {
            Some(s) => format!(
                r#"<p class="note">QA: this session's outcome is scripted ({}). What you click here does not change it.</p>"#,
                escape(&scripted_label(s))
            ),
            None => String::new(),
        };
        html::ok(
            html::page(title, &format!("{banner}{body}"), Some(&self.cancel_form())),
            &self.form_action(),
        )
    }

    fn redirect(&self, url: &str) -> Response {
        html::see_other(url, &self.form_action())
    }

    fn complete(&self, completion: Completion) -> Result<(), String> {
        let mut ns = self.ns.write();
        engine::complete_session(
            self.app,
            &mut ns,
            &self.session_id,
            completion,
            &Cause::default(),
        )
        .map(|_| ())
        .map_err(|e| e.message)
    }

    /// The page after the session ended: success screen, failure screen, or the cancel URL.
    fn result(&self) -> Response {
        match self.session() {
            Some(session) => match session.status {
                SessionStatus::Succeeded => self.success(&session),
                SessionStatus::Failed => self.failure(&session),
                SessionStatus::Cancelled => self.redirect(&self.target.cancel_url),
                SessionStatus::Pending => self.consent(&session),
            },
            None => unknown_session(),
        }
    }

    fn post(&self, form: &Form) -> Response {
        let Some(session) = self.session() else {
            return unknown_session();
        };
        let step = form.get("step").unwrap_or_default();
        if form.get("action") == Some("cancel") || step == "close" {
            return self.cancel(&session);
        }
        if session.status != SessionStatus::Pending {
            return self.finished(&session);
        }
        if let Some(scripted) = &session.scripted {
            // QA's script wins over whatever was clicked.
            if let Err(message) = self.complete(Completion::scripted(scripted)) {
                return html::problem(400, "The scripted outcome could not be applied", &message);
            }
            return self.result();
        }
        let institution = form
            .get("institution")
            .and_then(|k| self.app.fixtures.institution(k));
        match (step, institution) {
            ("consent", _) => self.picker(&session, ""),
            ("institution", Some(inst)) => self.picked(&session, inst),
            ("login", Some(inst)) => self.logged_in(&session, inst, form),
            ("challenge", Some(inst)) => self.answered(&session, inst, form),
            ("accounts", Some(inst)) => self.selected(&session, inst, form),
            _ => html::problem(
                400,
                "Unexpected form",
                "This form post does not belong to any step of the flow. Start again from the hosted_auth_url.",
            ),
        }
    }

    /// Cancel (or Close on an ended flow's screen): a pending session ends as scripted, or
    /// cancelled; an ended one returns to the app.
    fn cancel(&self, session: &Session) -> Response {
        if session.status != SessionStatus::Pending {
            return self.redirect(&self.target.cancel_url);
        }
        let completion = session
            .scripted
            .as_ref()
            .map(Completion::scripted)
            .unwrap_or(Completion::Cancel);
        if let Err(message) = self.complete(completion) {
            return html::problem(400, "Could not cancel", &message);
        }
        self.result()
    }

    /// An institution was picked: a down or broken bank fails at once (the engine records
    /// its failure); otherwise its login, or straight to accounts for OAuth.
    fn picked(&self, session: &Session, inst: &Institution) -> Response {
        if inst.failure.is_some() {
            return self.complete_and_show(Completion::Success {
                institution: Some(inst.key.clone()),
                accounts: None,
            });
        }
        match inst.auth {
            LoginKind::Credentials => self.login(session, inst, None),
            LoginKind::Oauth => self.accounts(session, inst, None),
        }
    }

    /// The login form was sent: the password picks the institution's challenge.
    fn logged_in(&self, session: &Session, inst: &Institution, form: &Form) -> Response {
        let username = form.get("username").unwrap_or_default().trim();
        let password = form.get("password").unwrap_or_default();
        if username.is_empty() || password.is_empty() {
            return self.login(session, inst, Some("Enter a username and a password."));
        }
        match inst.password_challenge(password) {
            PasswordChallenge::Accept => self.accounts(session, inst, None),
            PasswordChallenge::Incorrect => self.login(
                session,
                inst,
                Some("The username or password is incorrect. Try again."),
            ),
            PasswordChallenge::Error => {
                self.complete_and_show(Completion::Failure(Failure::LoginFailed))
            }
            challenge => self.challenge(session, inst, challenge, None),
        }
    }

    /// A challenge (MFA, security question, …) was answered: any answer passes.
    fn answered(&self, session: &Session, inst: &Institution, form: &Form) -> Response {
        if form.get("answer").unwrap_or_default().trim().is_empty() {
            let kind = match form.get("kind") {
                Some("security_question") => PasswordChallenge::SecurityQuestion,
                Some("options") => PasswordChallenge::Options,
                Some("confirm_mfa") => PasswordChallenge::ConfirmMfa,
                _ => PasswordChallenge::Mfa,
            };
            return self.challenge(session, inst, kind, Some("Enter an answer to continue."));
        }
        self.accounts(session, inst, None)
    }

    /// Accounts were selected: the session links them.
    fn selected(&self, session: &Session, inst: &Institution, form: &Form) -> Response {
        let keys = form.all("accounts");
        if keys.is_empty() {
            return self.accounts(session, inst, Some("Select at least one account."));
        }
        match self.complete(Completion::Success {
            institution: Some(inst.key.clone()),
            accounts: Some(keys),
        }) {
            Ok(()) => self.result(),
            Err(message) => self.accounts(session, inst, Some(&message)),
        }
    }

    fn complete_and_show(&self, completion: Completion) -> Response {
        match self.complete(completion) {
            Ok(()) => self.result(),
            Err(message) => html::problem(400, "Could not complete the session", &message),
        }
    }

    fn consent(&self, session: &Session) -> Response {
        let permissions: String = session
            .permissions
            .iter()
            .map(|p| format!("<li>• {}</li>", escape(permission_label(*p))))
            .collect();
        let body = format!(
            r#"<p>This app uses Stripe to link your financial accounts. You are connecting test accounts: no real bank is contacted.</p>
<p class="muted">The app will be able to access:</p><ul>{permissions}</ul>
<form method="post" action="{POST_PATH}">{}<input type="hidden" name="step" value="consent"><button name="action" value="agree">Agree and continue</button></form>"#,
            self.hidden()
        );
        self.render(session, "Connect your bank", &body)
    }

    fn picker(&self, session: &Session, query: &str) -> Response {
        let fixtures = &self.app.fixtures;
        let list: Vec<&Institution> = if query.trim().is_empty() {
            fixtures.featured().collect()
        } else {
            fixtures.search(query)
        };
        let items: String = list
            .iter()
            .map(|i| {
                format!(
                    r#"<li><button name="institution" value="{}">{}</button></li>"#,
                    escape(&i.key),
                    escape(&i.name)
                )
            })
            .collect();
        let results = if list.is_empty() {
            format!(
                r#"<p class="muted">No test institution matches “{}”.</p>"#,
                escape(query)
            )
        } else {
            format!(
                r#"<form method="post" action="{POST_PATH}" class="inst">{}<input type="hidden" name="step" value="institution"><ul>{items}</ul></form>"#,
                self.hidden()
            )
        };
        let heading = if query.trim().is_empty() {
            "Featured test institutions".to_string()
        } else {
            format!("Results for “{}”", escape(query.trim()))
        };
        let body = format!(
            r#"<form method="get" action="/hosted/institutions" class="search">{}<input type="search" name="q" value="{}" placeholder="Search (e.g. Down Bank)" aria-label="Search institutions"><button>Search</button></form>
<p class="muted">{heading}</p>{results}"#,
            self.hidden(),
            escape(query)
        );
        self.render(session, "Select your bank", &body)
    }

    fn login(&self, session: &Session, inst: &Institution, error: Option<&str>) -> Response {
        let hint = if inst.special_passwords {
            "<p class=\"note\">Test credentials: any username. Password <b>error</b> fails the login, <b>incorrect</b> asks again, <b>mfa</b> asks for a one-time code; anything else logs in.</p>"
        } else {
            "<p class=\"note\">Test credentials: any username and password log in.</p>"
        };
        let body = format!(
            r#"{error}{hint}<form method="post" action="{POST_PATH}">{}<input type="hidden" name="step" value="login">{}
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="off" required>
<label for="password">Password</label><input type="password" id="password" name="password" required>
<button>Log in</button></form>"#,
            self.hidden(),
            hidden("institution", &inst.key),
            error = error_box(error),
        );
        self.render(session, &format!("Log in to {}", inst.name), &body)
    }

    fn challenge(
        &self,
        session: &Session,
        inst: &Institution,
        kind: PasswordChallenge,
        error: Option<&str>,
    ) -> Response {
        let (kind_name, prompt) = match kind {
            PasswordChallenge::SecurityQuestion => (
                "security_question",
                "What city were you born in? (any answer works)",
            ),
            PasswordChallenge::Options => ("options", "Where should we send your code?"),
            PasswordChallenge::ConfirmMfa => (
                "confirm_mfa",
                "Confirm the one-time code we sent you (any code works)",
            ),
            _ => (
                "mfa",
                "Enter the one-time code we sent you (any code works)",
            ),
        };
        let input = if kind == PasswordChallenge::Options {
            r#"<label class="acct"><input type="radio" name="answer" value="sms" checked>Text message</label><label class="acct"><input type="radio" name="answer" value="email">Email</label>"#.to_string()
        } else {
            r#"<input type="text" id="answer" name="answer" autocomplete="one-time-code" required>"#
                .to_string()
        };
        let body = format!(
            r#"{error}<form method="post" action="{POST_PATH}">{}<input type="hidden" name="step" value="challenge">{}{}
<label for="answer">{}</label>{input}<button>Continue</button></form>"#,
            self.hidden(),
            hidden("institution", &inst.key),
            hidden("kind", kind_name),
            escape(prompt),
            error = error_box(error),
        );
        self.render(session, "Verify it's you", &body)
    }

    fn accounts(&self, session: &Session, inst: &Institution, error: Option<&str>) -> Response {
        let allowed: Vec<_> = inst
            .accounts
            .iter()
            .filter(|a| engine::session::allowed_by_filters(&session.filters, a))
            .collect();
        if allowed.is_empty() {
            // Nothing here fits the session: the engine ends it as `no_accounts`.
            return self.complete_and_show(Completion::Success {
                institution: Some(inst.key.clone()),
                accounts: None,
            });
        }
        let items: String = allowed
            .iter()
            .map(|a| {
                format!(
                    r#"<li><label class="acct"><input type="checkbox" name="accounts" value="{}"{}><span>{}<small>••••{} · {}</small></span></label></li>"#,
                    escape(&a.key),
                    if a.preselected { " checked" } else { "" },
                    escape(&a.display_name),
                    escape(&a.last4),
                    escape(a.subcategory.as_str()),
                )
            })
            .collect();
        let limit = session
            .limits
            .map(|l| {
                format!(
                    r#"<p class="muted" id="limit">Link up to {} account(s).</p>"#,
                    l.accounts
                )
            })
            .unwrap_or_default();
        let body = format!(
            r#"{error}<p class="muted">{} accounts</p>{limit}<form method="post" action="{POST_PATH}">{}<input type="hidden" name="step" value="accounts">{}<ul>{items}</ul><button>Link accounts</button></form>"#,
            escape(&inst.name),
            self.hidden(),
            hidden("institution", &inst.key),
            error = error_box(error),
        );
        self.render(session, "Select accounts", &body)
    }

    fn success(&self, session: &Session) -> Response {
        let names: String = {
            let ns = self.ns.read();
            session
                .accounts
                .iter()
                .filter_map(|id| ns.fc_accounts.get(id))
                .map(|l| {
                    format!(
                        "<li class=\"acct\"><span>{}<small>••••{}</small></span></li>",
                        escape(l.account.display_name.as_deref().unwrap_or("Account")),
                        escape(l.account.last4.as_deref().unwrap_or(""))
                    )
                })
                .collect()
        };
        let url = escape(&self.target.success_url);
        let body = format!(
            r#"<p>Your accounts were connected.</p><ul>{names}</ul><a class="button" id="continue" href="{url}">Continue</a>"#
        );
        // A short automatic redirect, as Stripe's page does, with the link as a fallback for
        // web views that do not follow it.
        let html = html::page("Success", &body, None).replacen(
            "<meta name=\"referrer\"",
            &format!(
                "<meta http-equiv=\"refresh\" content=\"2;url={url}\"><meta name=\"referrer\""
            ),
            1,
        );
        html::ok(html, &self.form_action())
    }

    fn failure(&self, session: &Session) -> Response {
        let b = outcomes::behaviour_of(session.failure);
        let body = format!(
            r#"<p class="error">{}</p><form method="post" action="{POST_PATH}">{}<input type="hidden" name="step" value="close"><button>Close</button></form>"#,
            escape(b.page_text),
            self.hidden()
        );
        html::ok(html::page(b.page_title, &body, None), &self.form_action())
    }

    /// A session that already ended, opened again.
    fn finished(&self, session: &Session) -> Response {
        match session.status {
            SessionStatus::Failed => self.failure(session),
            SessionStatus::Succeeded => self.success(session),
            // Callers show a pending session its next step; this arm is for a cancelled one.
            SessionStatus::Cancelled | SessionStatus::Pending => {
                let body = format!(
                    r#"<p>This session was cancelled.</p><a class="button" href="{}">Return</a>"#,
                    escape(&self.target.cancel_url)
                );
                html::ok(html::page("Flow closed", &body, None), &self.form_action())
            }
        }
    }
}

fn error_box(error: Option<&str>) -> String {
    error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default()
}

fn permission_label(permission: Permission) -> &'static str {
    match permission {
        Permission::Balances => "Account balances",
        Permission::Ownership => "Account ownership details",
        Permission::PaymentMethod => "Account and routing numbers (for payments)",
        Permission::Transactions => "Transactions",
    }
}

fn scripted_label(s: &ScenarioFixture) -> String {
    match (s.outcome, s.failure) {
        (Outcome::Failure, Some(f)) => format!("failure: {f}"),
        (Outcome::Success, _) => "success".to_string(),
        (Outcome::Cancel, _) => "cancel".to_string(),
        (Outcome::Failure, None) => "failure".to_string(),
    }
}
