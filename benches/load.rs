//! Load benchmark: server CPU time per request, fcmock against a bare hyper server.
//!
//! Run with `scripts/bench.sh` (or `cargo build --release && cargo bench --bench load`;
//! `FCMOCK_BENCH_BIN=path/to/fcmock` measures another build). It takes about two minutes.
//! This is a `harness = false` bench with two roles, picked by `FCMOCK_BENCH_ROLE`:
//!
//! * unset: the orchestrator. It spawns itself as the bare hyper baseline and two fcmocks
//!   (`--port <free> --seed 1`): one with default logging (`FCMOCK_LOG` unset, so `info`:
//!   one text line per request) and one with `FCMOCK_LOG=warn`. Each fcmock's stderr is a
//!   file in the temp directory, so log lines are formatted and written as a user's would
//!   be. It drives every scenario with `wrk -t1 -c8` and `-c32` (default logging) and `-c32`
//!   (`warn`), `-d2s --latency` on 127.0.0.1 (after one unmeasured 1 s warm-up of each), reads each
//!   server's utime + stime from `/proc/<pid>/stat` before and after every run, and prints
//!   one row per scenario and variant: requests, req/s, p50, p99, server CPU µs per request
//!   and the ratio of that to the bare server's at the same connection count in the same
//!   round. Three rounds (`BENCH_ROUNDS`; 0 skips the table); a row is the round with the
//!   median ratio.
//!   Scenarios: `GET /v1/customers/{id}`, `POST /v1/customers`,
//!   `POST /v1/financial_connections/sessions`,
//!   `GET /v1/financial_connections/accounts?limit=10` (a namespace of ten accounts) and
//!   `POST /v1/customers` with one `Idempotency-Key` (replays).
//!   It also prints fcmock's start-up time to its first health answer (median of five
//!   starts), its RSS idle, after the load runs, and after a `PUT /_fcmock/state` of one
//!   million customers, and the latency of a list page at that size.
//! * `bare`: a minimal hyper 1.x http1 server on `127.0.0.1:$FCMOCK_BENCH_PORT`, on the same
//!   runtime flavour (tokio multi-thread, default worker count) and with the same
//!   connection settings as fcmock, answering every request `200` with a fixed customer
//!   JSON (issue #19's baseline): the exact body fcmock answers the GET customer scenario
//!   with (pretty JSON, ~0.9 kB), fetched once from the fcmock under test before the
//!   rounds and handed over in `FCMOCK_BENCH_BODY`. Only `content-type` and hyper's own
//!   headers, none of Stripe's. `FCMOCK_BENCH_BARE_BODY=small` brings back the 55-byte
//!   body used before (tables in docs/performance.md up to 1ad6d4b), for comparison.
//!
//! Targets (CPU ratio vs bare hyper at 32 connections with default logging, start-up, idle
//! RSS) are reported PASS/MISS but never fail the process: benchmarks are measured, not
//! asserted.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "sk_test_bench";
const ROLE_VAR: &str = "FCMOCK_BENCH_ROLE";
const PORT_VAR: &str = "FCMOCK_BENCH_PORT";
/// The bare server's body: the JSON text of fcmock's answer to the GET customer scenario,
/// fetched from the fcmock under test before the rounds start.
const BODY_VAR: &str = "FCMOCK_BENCH_BODY";
/// `FCMOCK_BENCH_BARE_BODY=small` makes the bare server answer the 55-byte body the bench
/// used before (tables in docs/performance.md up to 1ad6d4b), for comparison.
const BARE_BODY_VAR: &str = "FCMOCK_BENCH_BARE_BODY";
/// `FCMOCK_BENCH_BARE_SPIN_US=n` (running the bare role by hand) makes the bare server
/// busy-wait `n` µs per request before answering: pure user-space work, no system call and
/// no allocation, to show how the kernel's share of a request grows with the server's own
/// time (docs/performance.md, fifth round).
const BARE_SPIN_VAR: &str = "FCMOCK_BENCH_BARE_SPIN_US";
const SMALL_BODY: &str = r#"{"id":"cus_bench","object":"customer","livemode":false}"#;
/// The namespace of the accounts list: exactly ten linked accounts.
const ACCOUNTS_KEY: &str = "sk_test_bench_accounts";
/// The namespace the million customers are imported into.
const MILLION_KEY: &str = "sk_test_bench_million";
const THREADS: &str = "1";
/// The connection count the targets apply to.
const TARGET_CONNECTIONS: u32 = 32;
/// wrk takes whole seconds.
const DURATION: &str = "2s";
const WARMUP: &str = "1s";
/// How many objects the RSS-at-scale measurement stores.
const MILLION: usize = 1_000_000;
/// Sequential list requests timed at a million stored objects.
const LIST_SAMPLES: usize = 500;
/// How many start-ups are timed.
const STARTS: usize = 5;

fn main() {
    if std::env::var(ROLE_VAR).as_deref() == Ok("bare") {
        let port: u16 = std::env::var(PORT_VAR)
            .expect("FCMOCK_BENCH_PORT is set for the bare role")
            .parse()
            .expect("FCMOCK_BENCH_PORT is a port number");
        let body = std::env::var(BODY_VAR).expect("FCMOCK_BENCH_BODY is set for the bare role");
        let spin = std::env::var(BARE_SPIN_VAR)
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_micros)
            .unwrap_or_default();
        bare::run(port, body, spin);
        return;
    }
    orchestrate();
}

/// The baseline: hyper's http1 server, nothing else.
mod bare {
    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use std::convert::Infallible;
    use std::time::Duration;

    /// Serves `body` forever on `127.0.0.1:port`.
    pub fn run(port: u16, body: String, spin: Duration) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts");
        // Static for the process's life: a response shares it without a reference count.
        let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
        runtime.block_on(serve(port, body, spin));
    }

    async fn serve(port: u16, body: &'static [u8], spin: Duration) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the bare server binds its port");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            // Same connection settings as fcmock's server, so the ratio measures fcmock.
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .keep_alive(true)
                .serve_connection(
                    TokioIo::new(stream),
                    service_fn(move |_req| async move {
                        if !spin.is_zero() {
                            // Off by default: the baseline reads no clock.
                            let started = std::time::Instant::now();
                            while started.elapsed() < spin {
                                std::hint::spin_loop();
                            }
                        }
                        let response = hyper::Response::builder()
                            .status(200)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(body)))
                            .expect("a static response is valid");
                        Ok::<_, Infallible>(response)
                    }),
                );
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    }
}

/// A child server process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    /// The file its stderr goes to, removed with it.
    log: Option<PathBuf>,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(log) = &self.log {
            let _ = std::fs::remove_file(log);
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("an ephemeral port binds");
    listener
        .local_addr()
        .expect("a bound listener has an address")
        .port()
}

fn fcmock_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FCMOCK_BENCH_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("release").join("fcmock")
}

/// A response from [`http`]: status and body.
struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("fcmock answers JSON")
    }
}

/// One blocking HTTP/1.1 request on a fresh connection (`Connection: close`).
fn http(
    port: u16,
    key: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    // Long enough for a state import of a million objects on a busy machine.
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("response without a header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("response without a status"))?;
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Ok(Reply { status, body })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

/// A request that must succeed; returns its JSON body.
fn call(port: u16, key: &str, method: &str, path: &str, form: &str) -> serde_json::Value {
    let reply = http(
        port,
        key,
        method,
        path,
        "application/x-www-form-urlencoded",
        form,
    )
    .expect("setup request reaches fcmock");
    assert!(
        reply.status == 200,
        "setup {method} {path} answered {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn control(port: u16, path: &str, json: &str) -> serde_json::Value {
    let reply = http(port, KEY, "POST", path, "application/json", json).expect("control request");
    assert!(
        reply.status == 200,
        "control {path} answered {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn str_field(value: &serde_json::Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("field {pointer} missing in {value}"))
        .to_string()
}

/// Polls `path` until it answers 200; returns the time that took.
fn wait_ready(port: u16, path: &str, started: Instant, child: &mut Child) -> Duration {
    loop {
        if let Ok(reply) = http(port, KEY, "GET", path, "text/plain", "") {
            if reply.status == 200 {
                return started.elapsed();
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited before answering: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not answer {path} within 20 s"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    let after_name = stat.rsplit_once(')').expect("stat has a (comm) field").1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    let utime: u64 = fields[11].parse().expect("utime is a number");
    let stime: u64 = fields[12].parse().expect("stime is a number");
    utime + stime
}

/// VmRSS of `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/<pid>/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// One load scenario.
struct Scenario {
    name: &'static str,
    method: &'static str,
    path: String,
    body: String,
    /// The API key the requests carry (the accounts list works in its own namespace).
    key: &'static str,
    /// An `Idempotency-Key` header, the same on every request (replays after the first).
    idempotency_key: Option<&'static str>,
    /// Target CPU ratio vs bare hyper at [`TARGET_CONNECTIONS`] with default logging.
    target: Option<f64>,
}

/// What one wrk run measured.
struct Measured {
    requests: u64,
    errors: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_us_per_request: f64,
}

fn lua_script(dir: &std::path::Path, scenario: &Scenario) -> PathBuf {
    let path = dir.join(format!(
        "fcmock-bench-{}-{}.lua",
        std::process::id(),
        scenario
            .name
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    let mut script = format!(
        "wrk.method = {:?}\nwrk.body = {:?}\nwrk.headers[\"Authorization\"] = \"Bearer {}\"\n\
         wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n",
        scenario.method, scenario.body, scenario.key
    );
    if let Some(key) = scenario.idempotency_key {
        script.push_str(&format!("wrk.headers[\"Idempotency-Key\"] = {key:?}\n"));
    }
    std::fs::write(&path, script).expect("the wrk script is written");
    path
}

fn wrk(
    port: u16,
    scenario: &Scenario,
    script: &std::path::Path,
    connections: u32,
    duration: &str,
) -> String {
    let output = Command::new("wrk")
        .args(["-t", THREADS, "-c", &connections.to_string()])
        .args(["-d", duration, "--latency", "-s"])
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}{}", scenario.path))
        .stdin(Stdio::null())
        .output()
        .expect("wrk runs (scripts/bench.sh installs it)");
    assert!(
        output.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `1.23ms` / `456.00us` / `1.2s` → milliseconds.
fn parse_latency(text: &str) -> f64 {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, 1.0)
    };
    number.parse::<f64>().map(|n| n * scale).unwrap_or(f64::NAN)
}

fn parse_wrk(output: &str) -> (u64, u64, f64, f64, f64) {
    let mut requests = 0;
    let mut errors = 0;
    let mut rps = f64::NAN;
    let mut p50 = f64::NAN;
    let mut p99 = f64::NAN;
    for line in output.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [n, "requests", "in", ..] => requests = n.parse().unwrap_or(0),
            ["Requests/sec:", n] => rps = n.parse().unwrap_or(f64::NAN),
            ["50%", v] => p50 = parse_latency(v),
            ["99%", v] => p99 = parse_latency(v),
            ["Non-2xx", "or", "3xx", "responses:", n] => errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    (requests, errors, rps, p50, p99)
}

fn measure(
    server: &Server,
    scenario: &Scenario,
    connections: u32,
    ticks_per_second: f64,
) -> Measured {
    let dir = std::env::temp_dir();
    let script = lua_script(&dir, scenario);
    let before = cpu_ticks(server.pid());
    let output = wrk(server.port, scenario, &script, connections, DURATION);
    let after = cpu_ticks(server.pid());
    let _ = std::fs::remove_file(&script);
    let (requests, errors, rps, p50_ms, p99_ms) = parse_wrk(&output);
    let cpu_seconds = after.saturating_sub(before) as f64 / ticks_per_second;
    let cpu_us_per_request = if requests == 0 {
        f64::NAN
    } else {
        cpu_seconds * 1e6 / requests as f64
    };
    Measured {
        requests,
        errors,
        rps,
        p50_ms,
        p99_ms,
        cpu_us_per_request,
    }
}

/// Runs a scenario once, unmeasured (connections, allocator, caches, lazy statics).
fn warm_up(server: &Server, scenario: &Scenario) {
    let script = lua_script(&std::env::temp_dir(), scenario);
    let _ = wrk(server.port, scenario, &script, TARGET_CONNECTIONS, WARMUP);
    let _ = std::fs::remove_file(&script);
}

fn spawn_bare(port: u16, body: &str) -> Server {
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let child = Command::new(exe)
        .env(ROLE_VAR, "bare")
        .env(PORT_VAR, port.to_string())
        .env(BODY_VAR, body)
        .stdin(Stdio::null())
        .spawn()
        .expect("the bare server starts");
    Server {
        child,
        port,
        log: None,
    }
}

/// Starts fcmock with `FCMOCK_LOG` set to `log` (unset for `None`: the default, `info`).
/// Its stderr, where the log lines go, is a file in the temp directory, so every line is
/// formatted and written as a user's terminal or CI log would get it.
fn spawn_fcmock(port: u16, log: Option<&str>) -> Server {
    let binary = fcmock_binary();
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --release` first (scripts/bench.sh does)",
        binary.display()
    );
    let log_path =
        std::env::temp_dir().join(format!("fcmock-bench-{}-{port}.log", std::process::id()));
    let sink = std::fs::File::create(&log_path).expect("the log file is created");
    let mut command = Command::new(&binary);
    command
        .args(["--port", &port.to_string(), "--seed", "1"])
        .env_remove("FCMOCK_LOG")
        .env_remove("FCMOCK_API_KEY")
        .env_remove("FCMOCK_FREEZE_CLOCK")
        .env_remove("FCMOCK_FIXTURES")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(sink);
    if let Some(log) = log {
        command.env("FCMOCK_LOG", log);
    }
    let child = command.spawn().expect("fcmock starts");
    Server {
        child,
        port,
        log: Some(log_path),
    }
}

#[allow(clippy::too_many_arguments)]
fn scenario(
    name: &'static str,
    method: &'static str,
    path: String,
    body: &str,
    key: &'static str,
    idempotency_key: Option<&'static str>,
    target: Option<f64>,
) -> Scenario {
    Scenario {
        name,
        method,
        path,
        body: body.to_string(),
        key,
        idempotency_key,
        target,
    }
}

/// The objects the scenarios read: a customer, and a namespace ([`ACCOUNTS_KEY`]) holding
/// exactly ten linked accounts (two sessions, five accounts picked in each).
struct Setup {
    customer: String,
    session_body: String,
    accounts: usize,
}

fn setup(port: u16) -> Setup {
    let customer = str_field(
        &call(
            port,
            KEY,
            "POST",
            "/v1/customers",
            "email=a%40b.co&name=Jenny",
        ),
        "/id",
    );
    let session_body = format!(
        "account_holder[type]=customer&account_holder[customer]={customer}\
         &permissions[0]=balances&permissions[1]=transactions"
    );
    let holder = str_field(
        &call(port, ACCOUNTS_KEY, "POST", "/v1/customers", "name=Ten"),
        "/id",
    );
    let holder_body = session_body.replace(&customer, &holder);
    for _ in 0..2 {
        let session = str_field(
            &call(
                port,
                ACCOUNTS_KEY,
                "POST",
                "/v1/financial_connections/sessions",
                &holder_body,
            ),
            "/id",
        );
        control(
            port,
            &format!("/_fcmock/sessions/{session}/complete"),
            r#"{"outcome":"success","accounts":["success","insufficient_funds","account_closed","debit_not_authorized","savings"]}"#,
        );
    }
    let listed = call(
        port,
        ACCOUNTS_KEY,
        "GET",
        "/v1/financial_connections/accounts?limit=100",
        "",
    );
    let accounts = listed
        .get("data")
        .and_then(|d| d.as_array())
        .map_or(0, Vec::len);
    Setup {
        customer,
        session_body,
        accounts,
    }
}

fn scenarios(setup: &Setup) -> Vec<Scenario> {
    vec![
        scenario(
            "GET /v1/customers/{id}",
            "GET",
            format!("/v1/customers/{}", setup.customer),
            "",
            KEY,
            None,
            Some(2.0),
        ),
        scenario(
            "POST /v1/customers",
            "POST",
            "/v1/customers".into(),
            "email=a%40b.co&name=Jenny",
            KEY,
            None,
            Some(3.0),
        ),
        scenario(
            "POST /v1/fc/sessions",
            "POST",
            "/v1/financial_connections/sessions".into(),
            &setup.session_body,
            KEY,
            None,
            Some(4.0),
        ),
        scenario(
            "GET /v1/fc/accounts?limit=10",
            "GET",
            "/v1/financial_connections/accounts?limit=10".into(),
            "",
            ACCOUNTS_KEY,
            None,
            None,
        ),
        scenario(
            "POST /v1/customers replay",
            "POST",
            "/v1/customers".into(),
            "email=a%40b.co&name=Jenny",
            KEY,
            Some("bench-replay"),
            None,
        ),
    ]
}

/// One configuration a scenario runs in: which server, how many connections.
#[derive(Clone, Copy)]
struct Variant {
    label: &'static str,
    connections: u32,
    /// Index into the fcmock servers: 0 = default logging (`info`), 1 = `FCMOCK_LOG=warn`.
    server: usize,
}

const VARIANTS: [Variant; 3] = [
    Variant {
        label: "info",
        connections: 8,
        server: 0,
    },
    Variant {
        label: "info",
        connections: 32,
        server: 0,
    },
    Variant {
        label: "warn",
        connections: 32,
        server: 1,
    },
];

/// One round: a bare run per connection count, then every scenario in every variant.
struct Round {
    bare: Vec<(u32, Measured)>,
    runs: Vec<Vec<Measured>>,
}

impl Round {
    fn bare_at(&self, connections: u32) -> &Measured {
        &self
            .bare
            .iter()
            .find(|(c, _)| *c == connections)
            .expect("every connection count has a bare run")
            .1
    }
}

fn orchestrate() {
    let ticks_per_second = clock_ticks_per_second();
    println!(
        "fcmock load bench: wrk -t{THREADS} -c8 and -c32 -d{DURATION} --latency on 127.0.0.1 \
         (one unmeasured {WARMUP} warm-up of each scenario first); CLK_TCK = {ticks_per_second}; fcmock {}",
        fcmock_binary().display()
    );
    let startup = startup_times();
    // fcmock with default logging (FCMOCK_LOG unset) and with FCMOCK_LOG=warn.
    let mut servers: Vec<Server> = [None, Some("warn")]
        .into_iter()
        .map(|log| {
            let mut server = spawn_fcmock(free_port(), log);
            wait_ready(
                server.port,
                "/_fcmock/health",
                Instant::now(),
                &mut server.child,
            );
            server
        })
        .collect();
    let setups: Vec<Setup> = servers.iter().map(|s| setup(s.port)).collect();
    let all: Vec<Vec<Scenario>> = setups.iter().map(scenarios).collect();
    let body = bare_body(servers[0].port, &setups[0].customer);
    println!(
        "bare hyper answers a fixed {}-byte JSON body ({})",
        body.len(),
        if body == SMALL_BODY {
            "FCMOCK_BENCH_BARE_BODY=small: the old 55-byte body"
        } else {
            "fcmock's answer to the GET customer scenario, fetched once"
        }
    );
    let mut bare = spawn_bare(free_port(), &body);
    wait_ready(bare.port, "/", Instant::now(), &mut bare.child);
    let bare_scenario = scenario("bare hyper GET /", "GET", "/".into(), "", KEY, None, None);
    warm_up(&bare, &bare_scenario);
    for (server, scenarios) in servers.iter().zip(&all) {
        scenarios.iter().for_each(|s| warm_up(server, s));
    }
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    // The bare server stays up: every round measures it again, right before fcmock, so
    // each ratio compares runs made seconds apart (this machine's speed drifts).
    let measured: Vec<Round> = (0..rounds)
        .map(|_| Round {
            bare: [8, 32]
                .into_iter()
                .map(|c| (c, measure(&bare, &bare_scenario, c, ticks_per_second)))
                .collect(),
            runs: VARIANTS
                .iter()
                .map(|v| {
                    all[v.server]
                        .iter()
                        .map(|s| measure(&servers[v.server], s, v.connections, ticks_per_second))
                        .collect()
                })
                .collect(),
        })
        .collect();
    drop(bare);
    let rss_after = rss_kib(servers[0].pid());
    let log_bytes = servers[0]
        .log
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map_or(0, |m| m.len());
    servers.clear();
    report(&measured, &all[0], &bare_scenario);
    let million = million_objects();
    println!(
        "GET /v1/fc/accounts?limit=10 lists a namespace of {} accounts",
        setups[0].accounts
    );
    println!(
        "fcmock start-up to first /_fcmock/health answer (spawn included): median {:.1} ms \
         of {} starts ({})  target ≤ 10 ms {}",
        startup.median_ms,
        startup.all_ms.len(),
        startup
            .all_ms
            .iter()
            .map(|t| format!("{t:.1}"))
            .collect::<Vec<_>>()
            .join(" "),
        verdict(startup.median_ms <= 10.0)
    );
    println!(
        "fcmock RSS: idle {:.1} MiB (target ≤ 10 MiB {}); after the load runs {:.1} MiB; \
         after importing {} customers {:.1} MiB (import {:.1} s); default-logging log file \
         {:.1} MiB",
        million.idle_kib as f64 / 1024.0,
        verdict(million.idle_kib as f64 / 1024.0 <= 10.0),
        rss_after as f64 / 1024.0,
        MILLION,
        million.loaded_kib as f64 / 1024.0,
        million.import_seconds,
        log_bytes as f64 / (1024.0 * 1024.0)
    );
    println!(
        "GET /v1/customers?limit=10 with {} customers stored: p50 {:.3} ms, p99 {:.3} ms \
         (sequential, fresh connections; benches/scale.rs measures 1 k vs 1 M list p99)",
        MILLION, million.list_p50_ms, million.list_p99_ms
    );
    println!(
        "CPU = server utime+stime from /proc/<pid>/stat over the measured run / requests; \
         ratio = CPU µs/request vs bare hyper at the same connection count, same round. \
         Targets (at 32 connections, default logging) are reported, not enforced."
    );
}

/// What the bare server answers: the exact JSON text fcmock renders for the customer the
/// GET scenario reads (issue #19's baseline, "a bare hyper server answering a fixed customer
/// JSON"), or the old 55-byte body with `FCMOCK_BENCH_BARE_BODY=small`.
fn bare_body(port: u16, customer: &str) -> String {
    if std::env::var(BARE_BODY_VAR).as_deref() == Ok("small") {
        return SMALL_BODY.to_string();
    }
    let reply = http(
        port,
        KEY,
        "GET",
        &format!("/v1/customers/{customer}"),
        "text/plain",
        "",
    )
    .expect("the customer is read");
    assert!(
        reply.status == 200,
        "GET customer answered {}",
        reply.status
    );
    String::from_utf8(reply.body).expect("fcmock answers UTF-8 JSON")
}

fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "MISS"
    }
}

/// Prints the table: per scenario and variant, the round with the median ratio.
fn report(measured: &[Round], scenarios: &[Scenario], bare_scenario: &Scenario) {
    println!();
    if measured.is_empty() {
        println!("BENCH_ROUNDS=0: no load rounds measured");
        return;
    }
    println!(
        "{:<30} {:>4} {:>4} {:>8} {:>5} {:>7} {:>7} {:>7} {:>8} {:>6}  target",
        "scenario",
        "log",
        "conn",
        "requests",
        "err",
        "req/s",
        "p50 ms",
        "p99 ms",
        "CPU µs/r",
        "ratio"
    );
    for connections in [8, 32] {
        let mut bare: Vec<&Measured> = measured.iter().map(|r| r.bare_at(connections)).collect();
        bare.sort_by(|a, b| a.cpu_us_per_request.total_cmp(&b.cpu_us_per_request));
        let median = bare[bare.len() / 2];
        print_row(bare_scenario, "-", connections, median, median, false);
    }
    let mut spreads = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        for (v, variant) in VARIANTS.iter().enumerate() {
            let mut by_ratio: Vec<(f64, usize)> = measured
                .iter()
                .enumerate()
                .map(|(r, round)| {
                    let bare = round.bare_at(variant.connections);
                    (
                        round.runs[v][i].cpu_us_per_request / bare.cpu_us_per_request,
                        r,
                    )
                })
                .collect();
            let ratios: Vec<String> = by_ratio.iter().map(|(x, _)| format!("{x:.2}×")).collect();
            by_ratio.sort_by(|a, b| a.0.total_cmp(&b.0));
            let round = &measured[by_ratio[by_ratio.len() / 2].1];
            let targeted = variant.label == "info" && variant.connections == TARGET_CONNECTIONS;
            print_row(
                scenario,
                variant.label,
                variant.connections,
                &round.runs[v][i],
                round.bare_at(variant.connections),
                targeted,
            );
            spreads.push(format!(
                "{} [{} c{}]: {}",
                scenario.name,
                variant.label,
                variant.connections,
                ratios.join(" ")
            ));
        }
    }
    println!();
    println!(
        "{} rounds, each bare runs then every scenario and variant; a row is the round with \
         the median ratio. Ratios per round:",
        measured.len()
    );
    for line in spreads {
        println!("  {line}");
    }
    println!();
}

fn print_row(
    scenario: &Scenario,
    log: &str,
    connections: u32,
    measured: &Measured,
    baseline: &Measured,
    targeted: bool,
) {
    let ratio = measured.cpu_us_per_request / baseline.cpu_us_per_request;
    let verdict = match scenario.target {
        Some(target) if targeted => format!("≤ {target}× {}", verdict(ratio <= target)),
        _ => "-".to_string(),
    };
    println!(
        "{:<30} {:>4} {:>4} {:>8} {:>5} {:>7.0} {:>7.3} {:>7.3} {:>8.1} {:>5.2}×  {verdict}",
        scenario.name,
        log,
        connections,
        measured.requests,
        measured.errors,
        measured.rps,
        measured.p50_ms,
        measured.p99_ms,
        measured.cpu_us_per_request,
        ratio
    );
}

/// Start-up times to the first health answer, spawn included.
struct Startup {
    median_ms: f64,
    all_ms: Vec<f64>,
}

fn startup_times() -> Startup {
    let mut all_ms: Vec<f64> = (0..STARTS)
        .map(|_| {
            let port = free_port();
            let started = Instant::now();
            let mut server = spawn_fcmock(port, None);
            let took = wait_ready(port, "/_fcmock/health", started, &mut server.child);
            took.as_secs_f64() * 1000.0
        })
        .collect();
    let shown = all_ms.clone();
    all_ms.sort_by(f64::total_cmp);
    Startup {
        median_ms: all_ms[all_ms.len() / 2],
        all_ms: shown,
    }
}

/// What storing [`MILLION`] objects measured.
struct Million {
    idle_kib: u64,
    loaded_kib: u64,
    import_seconds: f64,
    list_p50_ms: f64,
    list_p99_ms: f64,
}

/// A fresh fcmock (default logging): idle RSS, then [`MILLION`] customers loaded through
/// `PUT /_fcmock/state` (the smallest valid customer: absent optional fields are `null`),
/// RSS again, and the latency of a list page.
fn million_objects() -> Million {
    let port = free_port();
    let mut server = spawn_fcmock(port, None);
    wait_ready(port, "/_fcmock/health", Instant::now(), &mut server.child);
    std::thread::sleep(Duration::from_millis(200));
    let idle_kib = rss_kib(server.pid());
    let state = million_state(port);
    let started = Instant::now();
    let reply = http(
        port,
        KEY,
        "PUT",
        "/_fcmock/state",
        "application/json",
        &state,
    )
    .expect("the state import answers");
    let import_seconds = started.elapsed().as_secs_f64();
    assert!(
        reply.status == 200,
        "state import answered {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    drop(state);
    let loaded_kib = rss_kib(server.pid());
    let mut latencies: Vec<f64> = (0..LIST_SAMPLES)
        .map(|_| {
            let started = Instant::now();
            call(port, MILLION_KEY, "GET", "/v1/customers?limit=10", "");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    Million {
        idle_kib,
        loaded_kib,
        import_seconds,
        list_p50_ms: at(0.5),
        list_p99_ms: at(0.99),
    }
}

/// A saved state with [`MILLION`] customers under [`MILLION_KEY`], at the server's clock.
fn million_state(port: u16) -> String {
    let clock = http(port, KEY, "GET", "/_fcmock/state", "text/plain", "")
        .expect("the state export answers")
        .json()
        .get("clock")
        .cloned()
        .expect("a state export has a clock");
    let mut state = String::with_capacity(MILLION * 250 + 1024);
    state.push_str(&format!(
        r#"{{"fcmock_state_version":1,"clock":{clock},"namespaces":{{"{MILLION_KEY}":{{"customers":["#
    ));
    for i in 0..MILLION {
        if i > 0 {
            state.push(',');
        }
        // Rows are saved oldest first, each with its sort time.
        let created = 1_600_000_000 + i as i64;
        state.push_str(&format!(
            r#"{{"sort_time":{created},"object":{{"id":"cus_bench{i:014}","object":"customer","balance":0,"created":{created},"delinquent":false,"invoice_prefix":"B{i:07X}","invoice_settings":{{}},"livemode":false,"metadata":{{}},"next_invoice_sequence":1,"preferred_locales":[],"tax_exempt":"none"}}}}"#
        ));
    }
    state.push_str("]}}}");
    state
}
