//! The dashboard at `GET /_fcmock/ui`: one server-rendered page (its forms, choices and
//! labels) and a small script of fcmock's own (`/_fcmock/ui/app.js`, no framework, nothing
//! from another origin) that fills the tables from the live feed `GET /_fcmock/changes` and
//! acts through the documented control routes only, so everything it shows or does can be
//! scripted too.
//!
//! It is part of the control API: off with `--no-control-api`, and with `--control-token`
//! it answers 401 with a token form until the browser shows the token (the form, or
//! `?token=` once: both set the cookie of [`access`] and redirect to the bare URL, so the
//! token stays out of the address bar, the history and the request log). The page allows
//! scripts and styles from itself only (no inline script), and its script writes every
//! value as text, never as markup.

use super::access;
use crate::app::App;
use crate::auth_page::html::{escape, with_policy};
use crate::fixtures::{Failure, Institution};
use crate::http::{Request, Response};
use crate::resources::REGISTRY;
use crate::stripe::auth::mask;
use crate::stripe::form;
use hyper::header::LOCATION;
use hyper::Method;

const SCRIPT: &str = include_str!("ui/app.js");
const STYLE: &str = include_str!("ui/app.css");

/// Where the dashboard lives.
pub const PATH: &str = "/_fcmock/ui";

/// Scripts, styles and fetches from fcmock itself only; no inline script, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Answers the dashboard's paths (`/_fcmock/ui…`); `None` for every other control route.
pub fn handle(app: &App, request: &Request, segments: &[&str]) -> Option<Response> {
    let page = match (&request.method, segments) {
        (&Method::GET, ["_fcmock", "ui"]) => dashboard(app, request),
        (&Method::GET, ["_fcmock", "ui", "app.css"]) => asset(STYLE, "text/css; charset=utf-8"),
        (&Method::GET, ["_fcmock", "ui", "app.js"]) => match access::check_token(app, request) {
            Ok(()) => asset(SCRIPT, "text/javascript; charset=utf-8"),
            Err(_) => login_page(app, 401, None),
        },
        (&Method::POST, ["_fcmock", "ui", "login"]) => login(app, request),
        (_, ["_fcmock", "ui", ..]) => {
            message_page(404, "Not found", "The dashboard is at /_fcmock/ui.")
        }
        _ => return None,
    };
    Some(page)
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    with_policy(Response::new(200, content_type, body), CSP)
}

fn html(status: u16, body: String) -> Response {
    with_policy(Response::new(status, "text/html; charset=utf-8", body), CSP)
}

/// `GET /_fcmock/ui`: the page, or (with `--control-token`) the token form; `?token=` lets
/// the browser in once and redirects to the bare URL.
fn dashboard(app: &App, request: &Request) -> Response {
    let query = form::decode(request.query.as_bytes()).unwrap_or_default();
    if let Some(token) = query.str("token") {
        return admit(app, token);
    }
    match access::check_token(app, request) {
        Ok(()) => html(200, page(app)),
        Err(_) => login_page(app, 401, None),
    }
}

/// `POST /_fcmock/ui/login` with `token=…` (the token form).
fn login(app: &App, request: &Request) -> Response {
    let fields = form::decode(&request.body).unwrap_or_default();
    match fields.str("token") {
        Some(token) => admit(app, token),
        None => login_page(app, 400, Some("Enter the control token.")),
    }
}

/// The right token sets the dashboard's cookie and goes to the page; a wrong one shows the
/// form again.
fn admit(app: &App, token: &str) -> Response {
    if !access::token_is(app, token) {
        return login_page(app, 401, Some("That is not the control token."));
    }
    let mut response = html(303, String::new()).with_header(LOCATION, PATH);
    if let Some(cookie) = access::session_cookie(app) {
        response = response.with_header(hyper::header::SET_COOKIE, &cookie);
    }
    response
}

/// The page frame: the same head and header on every dashboard page.
fn frame(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\">\
         <title>{title} · fcmock</title><link rel=\"stylesheet\" href=\"/_fcmock/ui/app.css\">\
         </head><body><header class=\"top\"><div class=\"brand\"><strong>fcmock</strong>\
         <span class=\"badge\">TEST MODE</span><span class=\"muted\">Financial Connections</span>\
         </div><div id=\"live\" class=\"live\" role=\"status\" aria-live=\"polite\"></div></header>\
         {body}</body></html>",
        title = escape(title)
    )
}

fn login_page(app: &App, status: u16, error: Option<&str>) -> Response {
    if app.settings.control_token.is_none() && status == 401 {
        return message_page(401, "Not allowed", "The control API refused this request.");
    }
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<main class=\"narrow\"><section class=\"card\"><h1>Dashboard token</h1>\
         <p>This fcmock was started with <code>--control-token</code>. Enter that token to open \
         the dashboard; the browser keeps a cookie derived from it for this site.</p>{error}\
         <form method=\"post\" action=\"/_fcmock/ui/login\" class=\"form\">\
         <label for=\"token\">Control token</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Open dashboard</button></form></section></main>"
    );
    html(status, frame("Dashboard token", &body))
}

fn message_page(status: u16, title: &str, text: &str) -> Response {
    let body = format!(
        "<main class=\"narrow\"><section class=\"card\"><h1>{}</h1><p>{}</p></section></main>",
        escape(title),
        escape(text)
    );
    html(status, frame(title, &body))
}

/// The dashboard: every section, server-rendered with its choices; the script fills the
/// tables.
fn page(app: &App) -> String {
    let (queue_form, queue_table) = queue_section(app);
    let (fault_form, fault_table) = faults_section(app);
    let body = format!(
        "<noscript><p class=\"error\">The live tables need JavaScript. The same data is at \
         GET /_fcmock/changes.</p></noscript>{toolbar}<div class=\"layout\">\
         <main class=\"column\">{sessions}{queue_table}{accounts}{refreshes}{requests}{deliveries}\
         {fault_table}</main><aside class=\"column side\" aria-label=\"Actions\">{queue_form}\
         {trigger}{fault_form}{clock}{reset}</aside></div>\
         <div id=\"flash\" class=\"flash\" role=\"status\" aria-live=\"polite\" hidden></div>\
         <script src=\"/_fcmock/ui/app.js\"></script>",
        toolbar = toolbar(app),
        sessions = sessions_section(),
        accounts = table_section(
            "accounts",
            "Accounts",
            &["Account", "Namespace", "Account holder", "Institution", "Name", "Status", "Balance", "Ownership", "Transactions", "Subscriptions"],
            "No linked accounts yet.",
            "",
        ),
        refreshes = refreshes_section(),
        requests = table_section(
            "requests",
            "Request log",
            &["Time (UTC)", "Method", "Path", "Status", "Duration", "Idempotency key", "Namespace"],
            "No Stripe API requests yet.",
            "<p class=\"muted\">Newest first. Open a row to see its parameters and response.</p>",
        ),
        deliveries = table_section(
            "deliveries",
            "Webhook deliveries",
            &["Event type", "Event", "Endpoint", "Attempts", "Last status", "State", "Resend"],
            "No webhook deliveries yet. Add an endpoint with POST /v1/webhook_endpoints or start fcmock with --webhook.",
            "",
        ),
        trigger = trigger_section(app),
        clock = clock_section(),
        reset = reset_section(app),
    );
    frame("Dashboard", &body)
}

fn toolbar(app: &App) -> String {
    format!(
        "<section class=\"toolbar card\" aria-label=\"View\"><h1>Dashboard</h1>\
         <div class=\"field\"><label for=\"view-ns\">Show namespace</label>\
         <select id=\"view-ns\" class=\"ns-choice\">{}</select></div>\
         <div class=\"field\"><span class=\"label\">Mock clock</span>\
         <output id=\"clock-now\" class=\"clock\">…</output></div></section>",
        namespace_options(app, "All namespaces")
    )
}

/// The known namespaces as `<option>`s: the masked key shown, the key as the value (the
/// control routes' `api_key` filter).
fn namespace_options(app: &App, none: &str) -> String {
    let mut options = format!("<option value=\"\">{}</option>", escape(none));
    let mut roots: Vec<String> = app
        .store
        .keys()
        .into_iter()
        .map(|k| k.split('#').next().unwrap_or_default().to_string())
        .collect();
    roots.dedup();
    for root in roots {
        options.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            escape(&root),
            escape(&mask(&root))
        ));
    }
    options
}

/// Success, cancel and every failure kind: the values the Outcome selects offer.
fn outcome_options() -> String {
    let mut options = String::from(
        "<option value=\"success\">success</option><option value=\"cancel\">cancel</option>",
    );
    for name in Failure::NAMES {
        options.push_str(&format!(
            "<option value=\"{0}\">failure: {0}</option>",
            escape(name)
        ));
    }
    options
}

fn table_section(id: &str, title: &str, columns: &[&str], empty: &str, intro: &str) -> String {
    let head: String = columns
        .iter()
        .map(|c| format!("<th scope=\"col\">{}</th>", escape(c)))
        .collect();
    format!(
        "<section class=\"card\" id=\"{id}\" aria-labelledby=\"h-{id}\">\
         <h2 id=\"h-{id}\">{title} <span class=\"count\" id=\"{id}-count\"></span></h2>{intro}<div class=\"table-wrap\"><table>\
         <thead><tr>{head}</tr></thead><tbody id=\"{id}-body\"></tbody></table></div>\
         <p class=\"empty\" id=\"{id}-empty\">{empty}</p></section>",
        title = escape(title),
        empty = escape(empty),
    )
}

fn sessions_section() -> String {
    let table = table_section(
        "sessions",
        "Sessions",
        &["Session", "Status", "Outcome", "Complete", "Account holder", "Institution", "Linked accounts", "Namespace"],
        "No sessions yet. Create one with POST /v1/financial_connections/sessions.",
        "<p class=\"muted\">Newest first. A pending session can be completed here with any outcome.</p>",
    );
    // The script clones this for each pending row: the choices are the server's.
    format!(
        "{table}<template id=\"complete-template\"><span class=\"complete\">\
         <label>Outcome <select name=\"outcome\">{}</select></label>\
         <button type=\"button\">Complete</button></span></template>",
        outcome_options()
    )
}

fn institution_options(app: &App) -> String {
    app.fixtures
        .institutions()
        .iter()
        .map(|i| {
            let note = i
                .failure
                .map(|f| format!(" (fails: {f})"))
                .unwrap_or_default();
            format!(
                "<option value=\"{}\">{}{}</option>",
                escape(&i.key),
                escape(&i.name),
                escape(&note)
            )
        })
        .collect()
}

/// One institution's accounts as checkboxes (the pre-selected ones ticked), shown while
/// that institution is chosen.
fn account_choices(institution: &Institution, shown: bool) -> String {
    let boxes: String = institution
        .accounts
        .iter()
        .map(|a| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"accounts\" value=\"{}\"{}> {} ••••{}</label>",
                escape(&a.key),
                if a.preselected { " checked" } else { "" },
                escape(&a.display_name),
                escape(&a.last4)
            )
        })
        .collect();
    let boxes = if boxes.is_empty() {
        "<p class=\"muted\">This bank links no accounts.</p>".to_string()
    } else {
        boxes
    };
    format!(
        "<div class=\"choices\" data-institution=\"{}\"{}>{boxes}</div>",
        escape(&institution.key),
        if shown { "" } else { " hidden" }
    )
}

/// The Queue outcome form, and the table of what is queued.
fn queue_section(app: &App) -> (String, String) {
    let default = app
        .fixtures
        .institution(crate::fixtures::DEFAULT_INSTITUTION)
        .or(app.fixtures.institutions().first())
        .map(|i| i.key.clone())
        .unwrap_or_default();
    let choices: String = app
        .fixtures
        .institutions()
        .iter()
        .map(|i| account_choices(i, i.key == default))
        .collect();
    let queued = table_section(
        "scenarios",
        "Outcome queue",
        &[
            "Outcome",
            "Institution",
            "Accounts",
            "Remaining",
            "Namespace",
            "At creation",
        ],
        "Nothing queued: sessions wait for the hosted page or a Complete.",
        "",
    );
    let queued = with_button(&queued, "clear-scenarios", "Clear queue");
    let form = format!(
        "<section class=\"card\" aria-labelledby=\"h-queue\"><h2 id=\"h-queue\">Queue outcome</h2>\
         <p class=\"muted\">Scripts the next session(s) created.</p>\
         <form id=\"queue-form\" class=\"form\">\
         <label for=\"q-outcome\">Outcome</label><select id=\"q-outcome\" name=\"outcome\">{outcomes}</select>\
         <div id=\"q-success\" class=\"form\"><label for=\"q-institution\">Institution</label>\
         <select id=\"q-institution\" name=\"institution\">{institutions}</select>\
         <fieldset><legend>Accounts</legend>{choices}</fieldset></div>\
         <label for=\"q-count\">Count</label>\
         <input id=\"q-count\" name=\"count\" type=\"number\" min=\"1\" max=\"1000\" value=\"1\" required>\
         <label for=\"q-namespace\">Namespace</label>\
         <select id=\"q-namespace\" name=\"api_key\" class=\"ns-choice\">{namespaces}</select>\
         <label class=\"check\"><input type=\"checkbox\" name=\"auto_complete\"> Complete at creation</label>\
         <button type=\"submit\">Queue outcome</button></form></section>",
        outcomes = outcome_options(),
        institutions = institution_options(app).replacen(
            &format!("value=\"{}\"", escape(&default)),
            &format!("value=\"{}\" selected", escape(&default)),
            1
        ),
        namespaces = namespace_options(app, "Any namespace"),
    );
    (form, queued)
}

fn refreshes_section() -> String {
    let table = table_section(
        "refreshes",
        "Pending refreshes",
        &["Account", "Namespace", "Feature", "Settles in"],
        "No refresh is pending.",
        "",
    );
    with_button(&table, "settle", "Settle refreshes")
}

/// A section with a button at its end.
fn with_button(section: &str, id: &str, label: &str) -> String {
    section.replacen(
        "</section>",
        &format!(
            "<button type=\"button\" id=\"{id}\" class=\"secondary\">{}</button></section>",
            escape(label)
        ),
        1,
    )
}

fn trigger_section(app: &App) -> String {
    let events: String = REGISTRY
        .event_types()
        .map(|t| format!("<option value=\"{0}\">{0}</option>", escape(t)))
        .collect();
    format!(
        "<section class=\"card\" aria-labelledby=\"h-trigger\"><h2 id=\"h-trigger\">Trigger event</h2>\
         <p class=\"muted\">Makes the objects the event needs and fires it through the normal \
         event and webhook path, like <code>stripe trigger</code>.</p>\
         <form id=\"trigger-form\" class=\"form\">\
         <label for=\"t-event\">Event type</label><select id=\"t-event\" name=\"event\">{events}</select>\
         <label for=\"t-namespace\">Namespace</label>\
         <select id=\"t-namespace\" class=\"ns-choice\" data-other=\"true\">{namespaces}</select>\
         <label for=\"t-key\">API key of the namespace</label>\
         <input id=\"t-key\" name=\"api_key\" type=\"text\" value=\"{default}\" autocomplete=\"off\" spellcheck=\"false\">\
         <button type=\"submit\">Trigger event</button></form>\
         <output id=\"trigger-result\" class=\"result\"></output></section>",
        namespaces = namespace_options(app, "Another key (type it below)"),
        default = escape(super::trigger::DEFAULT_KEY),
    )
}

/// The Inject fault form, and the table of queued faults.
fn faults_section(app: &App) -> (String, String) {
    let statuses: String = [
        (429, "429 rate limit"),
        (500, "500 api_error"),
        (503, "503 unavailable"),
        (402, "402 card declined"),
        (401, "401 invalid key"),
        (404, "404 no such object"),
        (409, "409 lock timeout"),
        (400, "400 invalid request"),
    ]
    .iter()
    .map(|(code, label)| format!("<option value=\"{code}\">{label}</option>"))
    .collect();
    let queued = table_section(
        "faults",
        "Queued faults",
        &["Status", "Method", "Path prefix", "Remaining", "Namespace"],
        "No fault is queued.",
        "",
    );
    let queued = with_button(&queued, "clear-faults", "Clear faults");
    let form = format!(
        "<section class=\"card\" aria-labelledby=\"h-fault\"><h2 id=\"h-fault\">Inject fault</h2>\
         <p class=\"muted\">The next matching Stripe API requests answer this error.</p>\
         <form id=\"fault-form\" class=\"form\">\
         <label for=\"f-status\">Status</label><select id=\"f-status\" name=\"status\">{statuses}</select>\
         <label for=\"f-path\">Path prefix</label>\
         <input id=\"f-path\" name=\"path_prefix\" type=\"text\" value=\"/v1/financial_connections\" required spellcheck=\"false\">\
         <label for=\"f-method\">Method</label><select id=\"f-method\" name=\"method\">\
         <option value=\"\">Any method</option><option>GET</option><option>POST</option><option>DELETE</option></select>\
         <label for=\"f-count\">Count</label>\
         <input id=\"f-count\" name=\"count\" type=\"number\" min=\"1\" max=\"1000\" value=\"1\" required>\
         <label for=\"f-namespace\">Namespace</label>\
         <select id=\"f-namespace\" name=\"api_key\" class=\"ns-choice\">{namespaces}</select>\
         <button type=\"submit\">Inject fault</button></form></section>",
        namespaces = namespace_options(app, "Any namespace"),
    );
    (form, queued)
}

fn clock_section() -> String {
    "<section class=\"card\" aria-labelledby=\"h-clock\"><h2 id=\"h-clock\">Mock clock</h2>\
     <p>Now: <output id=\"clock-detail\">…</output></p>\
     <form id=\"clock-form\" class=\"form inline\">\
     <label for=\"c-amount\">Amount</label>\
     <input id=\"c-amount\" name=\"amount\" type=\"number\" min=\"1\" value=\"1\" required>\
     <label for=\"c-unit\">Unit</label><select id=\"c-unit\" name=\"unit\">\
     <option value=\"60\">minutes</option><option value=\"3600\">hours</option>\
     <option value=\"86400\" selected>days</option><option value=\"1\">seconds</option></select>\
     <button type=\"submit\">Advance clock</button></form></section>"
        .to_string()
}

fn reset_section(app: &App) -> String {
    format!(
        "<section class=\"card\" aria-labelledby=\"h-reset\"><h2 id=\"h-reset\">Reset</h2>\
         <p class=\"muted\">Deletes objects, queued outcomes, faults and logged requests.</p>\
         <form id=\"reset-form\" class=\"form\">\
         <label for=\"r-namespace\">What to reset</label>\
         <select id=\"r-namespace\" name=\"api_key\" class=\"ns-choice\">{}</select>\
         <button type=\"submit\" class=\"danger\">Reset</button>\
         <div id=\"reset-confirm\" class=\"confirm\" role=\"alertdialog\" aria-labelledby=\"reset-question\" hidden>\
         <p id=\"reset-question\"></p>\
         <button type=\"button\" id=\"reset-yes\" class=\"danger\">Confirm reset</button>\
         <button type=\"button\" id=\"reset-no\" class=\"secondary\">Keep everything</button></div>\
         </form></section>",
        namespace_options(app, "Everything (all namespaces)")
    )
}
