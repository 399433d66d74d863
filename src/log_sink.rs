//! Where the binary's log lines go: stderr, through a buffer that one background thread
//! writes out. A request appends its formatted line under a short lock and goes on; it
//! never takes stderr's lock or waits on a `write` system call, and under load many lines
//! leave in one write. Lines keep their order. The buffer is bounded: when stderr stops
//! draining (a full pipe), writers wait, as they did writing to stderr themselves.
//! [`FlushGuard`] writes out what is left when the binary stops.

mod format;

pub use format::{RequestLine, RequestLines};

use parking_lot::{Condvar, Mutex};
use std::io::Write;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The sink the per-request line goes to without passing through `tracing`, once the
/// binary has chosen plain text logging ([`LogSink::take_request_lines`]).
static REQUEST_LINES: OnceLock<LogSink> = OnceLock::new();

/// Above this many pending bytes, writers wait for the background thread.
const LIMIT: usize = 4 * 1024 * 1024;

/// How long the background thread lets lines gather after the first one arrives.
const GATHER: Duration = Duration::from_millis(1);

#[derive(Default)]
struct State {
    pending: Vec<u8>,
    closed: bool,
    /// The background thread waits on `filled` (nothing arrived during its last gather), so
    /// the next line must wake it. While lines keep coming it does not park and nobody
    /// signals it: a wake-up costs a system call on the writer's side and, on a VM, an
    /// inter-processor interrupt (issue #19).
    parked: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when the buffer stops being empty, or on close.
    filled: Condvar,
    /// Signalled when the buffer was taken.
    drained: Condvar,
}

/// A `tracing_subscriber` writer target: clone it freely, every clone feeds one buffer.
#[derive(Clone)]
pub struct LogSink {
    shared: Arc<Shared>,
}

/// Stops the background thread once everything written so far reached stderr.
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LogSink {
    /// A sink writing to stderr, and the guard that flushes it.
    pub fn stderr() -> (LogSink, FlushGuard) {
        let shared = Arc::new(Shared::default());
        let background = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("fcmock-log".into())
            .spawn(move || drain(&background, &mut std::io::stderr()))
            .ok();
        let sink = LogSink {
            shared: Arc::clone(&shared),
        };
        (sink, FlushGuard { shared, thread })
    }

    /// Makes this sink the one [`write_request_line`] writes to. The binary calls it when it
    /// logs plain text (no colours), the format whose request line
    /// [`RequestLine::format`] reproduces byte for byte; the first call wins.
    pub fn take_request_lines(&self) {
        let _ = REQUEST_LINES.set(self.clone());
    }

    fn append(&self, bytes: &[u8]) {
        let mut state = self.shared.state.lock();
        while state.pending.len() >= LIMIT && !state.closed {
            self.shared.drained.wait(&mut state);
        }
        state.pending.extend_from_slice(bytes);
        let wake = std::mem::take(&mut state.parked);
        drop(state);
        if wake {
            self.shared.filled.notify_one();
        }
    }
}

/// Writes the per-request line straight into the sink: the bytes tracing-subscriber's
/// compact format would write for it, without `tracing`'s dispatch, field visitors and
/// `core::fmt` (a tenth of a `POST`'s instructions went there; issue #19). `false` when no
/// sink took the request lines, or when a value is one the line does not copy as it is:
/// the caller then logs it through `tracing` as before. The caller has checked that
/// `fcmock::request` is enabled at `INFO`.
pub fn write_request_line(request: &RequestLine<'_>) -> bool {
    let Some(sink) = REQUEST_LINES.get() else {
        return false;
    };
    format::with_line(|line| {
        let written = request.format(line);
        if written {
            sink.append(line.as_bytes());
        }
        written
    })
}

/// The background thread: writes what gathered over the last [`GATHER`], again and again
/// while lines keep arriving; parks when a gather brought nothing, until the next line.
fn drain(shared: &Shared, out: &mut impl Write) {
    let mut batch = Vec::new();
    loop {
        let mut state = shared.state.lock();
        if state.pending.is_empty() && !state.closed {
            state.parked = true;
            while state.pending.is_empty() && !state.closed {
                shared.filled.wait(&mut state);
            }
            state.parked = false;
            if !state.closed {
                // The first line after a quiet spell: let others join it.
                drop(state);
                std::thread::sleep(GATHER);
                state = shared.state.lock();
            }
        }
        if state.pending.is_empty() {
            // Closed, and everything is written.
            return;
        }
        let closed = state.closed;
        std::mem::swap(&mut batch, &mut state.pending);
        drop(state);
        shared.drained.notify_all();
        // Nothing sensible is left to do when stderr fails: the lines are dropped.
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
        if !closed {
            // Gather the next batch before looking again, without being woken for it.
            std::thread::sleep(GATHER);
        }
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.shared.state.lock().closed = true;
        self.shared.filled.notify_all();
        self.shared.drained.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer one log event gets: a borrow of the sink, no reference count touched.
pub struct SinkWriter<'a>(&'a LogSink);

impl Write for SinkWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.append(buf);
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.append(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogSink {
    type Writer = SinkWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        SinkWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_arrive_in_order_and_the_guard_flushes_them() {
        let shared = Arc::new(Shared::default());
        let sink = LogSink {
            shared: Arc::clone(&shared),
        };
        let out = Arc::new(Mutex::new(Vec::new()));
        let background = Arc::clone(&shared);
        let written = Arc::clone(&out);
        let thread = std::thread::spawn(move || {
            let mut collected = Vec::new();
            drain(&background, &mut collected);
            *written.lock() = collected;
        });
        let guard = FlushGuard {
            shared,
            thread: Some(thread),
        };
        for i in 0..1000 {
            SinkWriter(&sink)
                .write_all(format!("line {i}\n").as_bytes())
                .expect("the sink accepts");
        }
        drop(guard);
        let expected: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(String::from_utf8_lossy(&out.lock()), expected);
    }

    /// A `Write` whose bytes the test can read while the drain thread still runs.
    #[derive(Clone, Default)]
    struct Shown(Arc<Mutex<Vec<u8>>>);

    impl Write for Shown {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Waits (up to 5 s) until `out` holds `expected`.
    fn shows(out: &Shown, expected: &str) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if String::from_utf8_lossy(&out.0.lock()) == expected {
                return true;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        false
    }

    #[test]
    fn a_line_after_a_quiet_spell_wakes_the_parked_thread() {
        let shared = Arc::new(Shared::default());
        let sink = LogSink {
            shared: Arc::clone(&shared),
        };
        let out = Shown::default();
        let background = Arc::clone(&shared);
        let mut writer = out.clone();
        let thread = std::thread::spawn(move || drain(&background, &mut writer));
        let guard = FlushGuard {
            shared: Arc::clone(&shared),
            thread: Some(thread),
        };
        sink.append(b"first\n");
        assert!(shows(&out, "first\n"), "the first line is written");
        // Quiet for many gathers: the thread parks, and only the next line can wake it.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !shared.state.lock().parked && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(shared.state.lock().parked, "the idle thread parks");
        sink.append(b"second\n");
        assert!(
            shows(&out, "first\nsecond\n"),
            "the line that woke it is written without a flush"
        );
        drop(guard);
    }
}
