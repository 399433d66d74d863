//! HTML building blocks for the hosted page: escaping, the page frame (inline CSS, no
//! script), and the response headers every page carries.

use crate::http::Response;
use hyper::header::{HeaderName, CACHE_CONTROL, LOCATION};

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A hidden form field (name and value escaped).
pub fn hidden(name: &str, value: &str) -> String {
    format!(
        r#"<input type="hidden" name="{}" value="{}">"#,
        escape(name),
        escape(value)
    )
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;background:#f6f8fa;font:16px/1.45 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1a1f36}\
main{max-width:420px;margin:0 auto;min-height:100vh;background:#fff;padding:20px 20px 28px;display:flex;flex-direction:column;gap:14px}\
@media(min-width:480px){main{margin:24px auto;min-height:0;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08)}}\
.bar{display:flex;justify-content:space-between;align-items:center;font-size:13px;color:#697386}\
.badge{background:#ffde92;color:#5c3b00;border-radius:4px;padding:1px 6px;font-weight:600}\
h1{font-size:22px;margin:4px 0 0}\
p{margin:0}.muted{color:#697386;font-size:14px}\
.note{background:#eef4ff;border-radius:8px;padding:10px 12px;font-size:14px}\
.error{background:#fdecea;color:#8a1c12;border-radius:8px;padding:10px 12px;font-size:14px}\
form{margin:0;display:flex;flex-direction:column;gap:10px}\
label{font-size:14px;font-weight:600}\
input[type=text],input[type=password],input[type=search]{width:100%;padding:11px 12px;font-size:16px;border:1px solid #c1c9d2;border-radius:8px}\
button,.button{display:block;width:100%;padding:12px;font-size:16px;font-weight:600;border-radius:8px;border:0;background:#635bff;color:#fff;text-align:center;text-decoration:none;cursor:pointer}\
button.secondary{background:#fff;color:#635bff;border:1px solid #c1c9d2}\
ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}\
.inst button{background:#fff;color:#1a1f36;border:1px solid #e3e8ee;text-align:left;font-weight:500}\
.acct{display:flex;gap:10px;align-items:center;border:1px solid #e3e8ee;border-radius:8px;padding:10px 12px;font-weight:400}\
.acct input{width:20px;height:20px}\
.acct small{display:block;color:#697386}\
.search{flex-direction:row}.search button{width:auto}";

/// A complete page: the frame, the test-mode bar, `body`, and the Cancel form when given.
pub fn page(title: &str, body: &str, cancel_form: Option<&str>) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title} · fcmock</title><style>{STYLE}</style></head><body><main>\
         <div class=\"bar\"><span>fcmock · Financial Connections</span><span class=\"badge\">TEST MODE</span></div>\
         <h1>{title}</h1>{body}{cancel}</main></body></html>",
        title = escape(title),
        cancel = cancel_form.unwrap_or_default(),
    )
}

/// The `form-action` sources a page needs: itself, plus the declared return URLs (Chrome
/// applies `form-action` to the redirect after a form post, so the Cancel post's 303 to
/// `cancel_url` must be allowed). Custom schemes become scheme sources (`stripe-auth:`).
pub fn form_action_sources(urls: &[&str]) -> String {
    let mut sources = vec!["'self'".to_string()];
    for url in urls {
        let Some((scheme, _)) = url.split_once(':') else {
            continue;
        };
        let source = if scheme == "http" || scheme == "https" {
            // Path-less origin: CSP matches a redirect target by origin and path, and the
            // done pages sit under it.
            origin(url).to_string()
        } else {
            format!("{scheme}:")
        };
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    sources.join(" ")
}

fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// Adds the headers every hosted page carries: a Content-Security-Policy that allows no
/// script, no framing and no foreign resources; no caching; no referrer (the URL carries the
/// client secret).
pub fn secure(response: Response, form_action: &str) -> Response {
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
         form-action {form_action}; base-uri 'none'; frame-ancestors 'none'"
    );
    with_policy(response, &csp)
}

/// Adds the headers every fcmock page carries (the dashboard's too): this
/// Content-Security-Policy, no caching, no referrer, no sniffing, no framing.
pub fn with_policy(response: Response, csp: &str) -> Response {
    response
        .with_header(HeaderName::from_static("content-security-policy"), csp)
        .with_header(CACHE_CONTROL, "no-store")
        .with_header(HeaderName::from_static("referrer-policy"), "no-referrer")
        .with_header(HeaderName::from_static("x-content-type-options"), "nosniff")
        .with_header(HeaderName::from_static("x-frame-options"), "DENY")
}

/// A 200 HTML page.
pub fn ok(html: String, form_action: &str) -> Response {
    secure(
        Response::new(200, "text/html; charset=utf-8", html),
        form_action,
    )
}

/// A 303 to `location` (after a form post), with a tiny body for clients that show it.
pub fn see_other(location: &str, form_action: &str) -> Response {
    let body = format!(
        "<!doctype html><title>Redirecting</title><a href=\"{0}\">{0}</a>",
        escape(location)
    );
    secure(
        Response::new(303, "text/html; charset=utf-8", body),
        form_action,
    )
    .with_header(LOCATION, location)
}

/// A plain error page (unknown session, bad request) with a status.
pub fn problem(status: u16, title: &str, text: &str) -> Response {
    let html = page(title, &format!("<p>{}</p>", escape(text)), None);
    secure(
        Response::new(status, "text/html; charset=utf-8", html),
        "'self'",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert('x')</script>&"#),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert_eq!(escape(r#"a"b"#), "a&quot;b");
    }

    #[test]
    fn form_action_allows_declared_schemes_and_origins() {
        assert_eq!(
            form_action_sources(&[
                "stripe-auth://link-accounts/com.example/success",
                "http://127.0.0.1:1/hosted/done/cancel"
            ]),
            "'self' stripe-auth: http://127.0.0.1:1"
        );
    }
}
