//! The text log's per-request line, written without `core::fmt` doing most of the work.
//!
//! [`RequestLines`] wraps tracing-subscriber's compact format. For the one event every
//! request logs (target `fcmock::request`, outside any span, no ANSI colours) it writes the
//! very bytes the compact format writes — timestamp, level, target, then the fields, string
//! values `Debug`-quoted — but copies plain strings in one go and keeps the timestamp's
//! date and time of day per second instead of formatting them per line. Any other event,
//! and any value it does not know how to copy (a string that needs escaping, a field of
//! another type), goes to the compact format itself, so what it cannot reproduce it leaves
//! to the crate.

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The target of the per-request line (`dispatch::log_request`).
const REQUEST_TARGET: &str = "fcmock::request";

/// A compact-format wrapper with a fast path for the per-request line.
pub struct RequestLines<F> {
    inner: F,
}

impl<F> RequestLines<F> {
    /// Wraps `inner` (tracing-subscriber's `format().compact()`).
    pub fn new(inner: F) -> Self {
        RequestLines { inner }
    }
}

thread_local! {
    /// The line being built (kept between lines, so it is allocated once per thread).
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
    /// The second the cached `YYYY-MM-DDTHH:MM:SS` belongs to, and that text.
    static SECOND: Cell<(u64, [u8; 19])> = const { Cell::new((u64::MAX, [0; 19])) };
}

impl<S, N, F> FormatEvent<S, N> for RequestLines<F>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        let plain = !writer.has_ansi_escapes()
            && event.metadata().target() == REQUEST_TARGET
            && ctx.event_scope().is_none();
        if plain {
            let written = with_line(|line| fast_line(line, event).then(|| writer.write_str(line)));
            if let Some(result) = written {
                return result;
            }
        }
        self.inner.format_event(ctx, writer, event)
    }
}

/// Runs `f` with this thread's line buffer, emptied.
pub(super) fn with_line<R>(f: impl FnOnce(&mut String) -> R) -> R {
    LINE.with(|line| {
        let mut line = line.borrow_mut();
        line.clear();
        f(&mut line)
    })
}

/// The fields of the per-request line (`dispatch::log_request`), in its order.
#[derive(Debug, Clone, Copy)]
pub struct RequestLine<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The request's path.
    pub path: &'a str,
    /// The answer's status code.
    pub status: u16,
    /// Microseconds from the request's arrival to its answer.
    pub duration_us: u64,
    /// The request id the answer carries.
    pub request_id: &'a str,
    /// The masked API key, or `-`.
    pub api_key: &'a str,
}

impl RequestLine<'_> {
    /// The compact format's text for this line, as `tracing::info!(target: "fcmock::request",
    /// method = %…, path, status, duration_us, request_id, api_key, "request")` gives it
    /// outside any span without colours; `false` (the line half written) when a string
    /// value holds a character `Debug` would escape.
    pub fn format(&self, line: &mut String) -> bool {
        let plain = [self.path, self.request_id, self.api_key]
            .iter()
            .all(|value| is_plain(value));
        // `%method` is written by `Display`: any token is written as it is.
        if !plain || !timestamp(line) {
            return false;
        }
        line.push_str("  INFO ");
        line.push_str(REQUEST_TARGET);
        line.push_str(": request method=");
        line.push_str(self.method);
        line.push_str(" path=\"");
        line.push_str(self.path);
        line.push_str("\" status=");
        push_decimal(line, self.status.into());
        line.push_str(" duration_us=");
        push_decimal(line, self.duration_us);
        line.push_str(" request_id=\"");
        line.push_str(self.request_id);
        line.push_str("\" api_key=\"");
        line.push_str(self.api_key);
        line.push_str("\"\n");
        true
    }
}

/// Text `Debug` leaves as it is: printable ASCII other than `"` and `\`.
fn is_plain(value: &str) -> bool {
    value
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// `value` in decimal, as `Display` writes it.
fn push_decimal(line: &mut String, value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // ASCII digits only.
    line.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// The compact format's line for `event`, or `false` if it holds something this does not
/// copy exactly (then the caller formats it the ordinary way).
fn fast_line(line: &mut String, event: &tracing::Event<'_>) -> bool {
    if !timestamp(line) {
        return false;
    }
    let level = match *event.metadata().level() {
        tracing::Level::TRACE => "TRACE",
        tracing::Level::DEBUG => "DEBUG",
        tracing::Level::INFO => " INFO",
        tracing::Level::WARN => " WARN",
        tracing::Level::ERROR => "ERROR",
    };
    line.push(' ');
    line.push_str(level);
    line.push(' ');
    line.push_str(event.metadata().target());
    line.push_str(": ");
    let mut fields = Fields {
        line,
        first: true,
        exact: true,
    };
    event.record(&mut fields);
    let exact = fields.exact;
    line.push('\n');
    exact
}

/// `2026-12-03T14:37:07.792291Z`, as tracing-subscriber's `SystemTime` timer writes it.
fn timestamp(line: &mut String) -> bool {
    let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) else {
        return false;
    };
    let secs = since.as_secs();
    let (cached, mut text) = SECOND.get();
    if cached != secs {
        let Some(fresh) = date_time(secs) else {
            return false;
        };
        text = fresh;
        SECOND.set((secs, text));
    }
    // The 19 bytes are ASCII digits and separators.
    line.push_str(std::str::from_utf8(&text).unwrap_or_default());
    let micros = since.subsec_micros();
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    line.push('.');
    line.push_str(std::str::from_utf8(&digits).unwrap_or_default());
    line.push('Z');
    true
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC) of a Unix second, for years 0–9999.
fn date_time(secs: u64) -> Option<[u8; 19]> {
    let at = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let mut text = [0u8; 19];
    let mut put = |at: usize, value: u32, width: usize| {
        let mut rest = value;
        for i in (0..width).rev() {
            text[at + i] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
    };
    put(0, year, 4);
    put(5, u8::from(at.month()).into(), 2);
    put(8, at.day().into(), 2);
    put(11, at.hour().into(), 2);
    put(14, at.minute().into(), 2);
    put(17, at.second().into(), 2);
    text[4] = b'-';
    text[7] = b'-';
    text[10] = b'T';
    text[13] = b':';
    text[16] = b':';
    Some(text)
}

/// Writes fields as the compact format's `DefaultVisitor` does: the message bare, the rest
/// `name=value` separated by spaces, strings `Debug`-quoted.
struct Fields<'a> {
    line: &'a mut String,
    first: bool,
    /// Cleared by a value this cannot reproduce byte for byte.
    exact: bool,
}

impl Fields<'_> {
    /// The separator and `name=`; `false` for a field the compact format treats specially.
    fn start(&mut self, field: &Field) -> bool {
        let name = field.name();
        if name.starts_with("log.") || name.starts_with("r#") {
            self.exact = false;
            return false;
        }
        if !self.first {
            self.line.push(' ');
        }
        self.first = false;
        if name != "message" {
            self.line.push_str(name);
            self.line.push('=');
        }
        true
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        // `Debug` leaves printable ASCII other than `"` and `\` as it is.
        if !is_plain(value) || field.name() == "message" {
            self.exact = false;
            return;
        }
        if self.start(field) {
            self.line.push('"');
            self.line.push_str(value);
            self.line.push('"');
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.start(field) {
            let _ = write!(self.line, "{value}");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // The message of `info!(…, "request")` is its format string: text without control
        // characters, written as the compact format writes it. Other values (`%method`)
        // are written by their own `Debug`, as there.
        if self.start(field) {
            let from = self.line.len();
            let _ = write!(self.line, "{value:?}");
            // The compact format escapes control characters in a message.
            if field.name() == "message" && self.line[from..].bytes().any(|b| b.is_ascii_control())
            {
                self.exact = false;
            }
        }
    }

    fn record_error(&mut self, _field: &Field, _value: &(dyn std::error::Error + 'static)) {
        self.exact = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The request line and a few others, through the given subscriber.
    fn lines(subscriber: impl tracing::Subscriber + Send + Sync) {
        tracing::subscriber::with_default(subscriber, || {
            let method = hyper::Method::POST;
            for (path, key) in [
                ("/v1/customers/cus_123", "sk_test_*ench"),
                ("/v1/say \"hi\"\\", "-"),
                ("/v1/caf\u{e9}\n", "-"),
            ] {
                tracing::info!(
                    target: "fcmock::request",
                    method = %method,
                    path,
                    status = 200u16,
                    duration_us = 321u64,
                    request_id = "req_abc",
                    api_key = key,
                    "request"
                );
            }
            tracing::warn!(target: "fcmock", request_id = "req_x", "server error");
            let span = tracing::info_span!("outer", n = 1);
            let _inside = span.enter();
            tracing::info!(target: "fcmock::request", path = "/v1/x", "request");
        });
    }

    fn captured(fast: bool) -> Vec<String> {
        let out = Capture::default();
        let writer = out.clone();
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone());
        if fast {
            let format = tracing_subscriber::fmt::format().compact();
            lines(builder.event_format(RequestLines::new(format)).finish());
        } else {
            lines(builder.compact().finish());
        }
        let text = String::from_utf8(out.0.lock().clone()).expect("log lines are UTF-8");
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_request_line_written_directly_is_the_compact_formats_bytes() {
        let slow = captured(false);
        let mut direct = Vec::new();
        for (path, key) in [
            ("/v1/customers/cus_123", "sk_test_*ench"),
            ("/v1/say \"hi\"\\", "-"),
            ("/v1/caf\u{e9}\n", "-"),
        ] {
            let request = RequestLine {
                method: hyper::Method::POST.as_str(),
                path,
                status: 200,
                duration_us: 321,
                request_id: "req_abc",
                api_key: key,
            };
            let mut line = String::new();
            direct.push(request.format(&mut line).then_some(line));
        }
        // Only the plain line is written directly; the others go through tracing.
        assert!(direct[1].is_none() && direct[2].is_none(), "{direct:?}");
        let line = direct[0]
            .take()
            .expect("a plain request line is written directly");
        let (time, rest) = line.split_once(' ').expect("a timestamp");
        let (slow_time, slow_rest) = slow[0].split_once(' ').expect("a timestamp");
        assert_eq!(rest, format!("{slow_rest}\n"));
        assert_eq!(time.len(), slow_time.len(), "{time} vs {slow_time}");
        let mut big = String::new();
        push_decimal(&mut big, u64::MAX);
        assert_eq!(big, u64::MAX.to_string());
        let mut zero = String::new();
        push_decimal(&mut zero, 0);
        assert_eq!(zero, "0");
    }

    #[test]
    fn request_lines_are_the_compact_formats_bytes() {
        let fast = captured(true);
        let slow = captured(false);
        assert_eq!(fast.len(), 5, "{fast:?}");
        for (f, s) in fast.iter().zip(&slow) {
            // The timestamps differ (taken moments apart) but have one shape.
            let (f_time, f_rest) = f.split_once(' ').expect("a timestamp");
            let (s_time, s_rest) = s.split_once(' ').expect("a timestamp");
            assert_eq!(f_rest, s_rest);
            assert_eq!(f_time.len(), s_time.len(), "{f_time} vs {s_time}");
            assert_eq!(&f_time[..13], &s_time[..13]);
            assert!(f_time.ends_with('Z') && f_time.as_bytes()[19] == b'.');
        }
    }
}
