//! Load benchmark: server CPU time per request, fcmock against a bare hyper server.
//!
//! Run with `scripts/bench.sh` (or `cargo build --release && cargo bench --bench load`).
//! This is a `harness = false` bench with two roles, picked by `FCMOCK_BENCH_ROLE`:
//!
//! * unset: the orchestrator. It spawns itself as the bare hyper baseline, spawns
//!   `target/release/fcmock --port <free> --seed 1` (override the path with
//!   `FCMOCK_BENCH_BIN`), drives both with `wrk -t1 -c8 -d5s --latency` on 127.0.0.1, reads
//!   each server's utime + stime from `/proc/<pid>/stat` before and after every run, and
//!   prints one table row per scenario: requests, req/s, p50, p99, server CPU µs per
//!   request, and the ratio of that CPU cost to the bare hyper server's. It also prints
//!   fcmock's start-up time to its first health answer and its RSS, idle and after the run.
//! * `bare`: a minimal hyper 1.x http1 server on `127.0.0.1:$FCMOCK_BENCH_PORT`, on the same
//!   runtime flavour (tokio multi-thread, default worker count) and with the same
//!   connection settings as fcmock, answering every request `200` with a small fixed JSON
//!   body.
//!
//! Targets (CPU ratio vs bare hyper) are reported PASS/MISS but never fail the process:
//! benchmarks are measured, not asserted.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "sk_test_bench";
const ROLE_VAR: &str = "FCMOCK_BENCH_ROLE";
const PORT_VAR: &str = "FCMOCK_BENCH_PORT";
const BARE_BODY: &[u8] = br#"{"id":"cus_bench","object":"customer","livemode":false}"#;
const THREADS: &str = "1";
const CONNECTIONS: &str = "8";
const DURATION: &str = "5s";
const WARMUP: &str = "1s";

fn main() {
    if std::env::var(ROLE_VAR).as_deref() == Ok("bare") {
        let port: u16 = std::env::var(PORT_VAR)
            .expect("FCMOCK_BENCH_PORT is set for the bare role")
            .parse()
            .expect("FCMOCK_BENCH_PORT is a port number");
        bare::run(port);
        return;
    }
    orchestrate();
}

/// The baseline: hyper's http1 server, nothing else.
mod bare {
    use super::BARE_BODY;
    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use std::convert::Infallible;
    use std::time::Duration;

    /// Serves forever on `127.0.0.1:port`.
    pub fn run(port: u16) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts");
        runtime.block_on(serve(port));
    }

    async fn serve(port: u16) {
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
                    service_fn(|_req| async {
                        let response = hyper::Response::builder()
                            .status(200)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(BARE_BODY)))
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
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {KEY}\r\n\
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
fn call(port: u16, method: &str, path: &str, form: &str) -> serde_json::Value {
    let reply = http(
        port,
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
    let reply = http(port, "POST", path, "application/json", json).expect("control request");
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
        if let Ok(reply) = http(port, "GET", path, "text/plain", "") {
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
    /// Target CPU ratio vs bare hyper, if the issue sets one.
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
    let script = format!(
        "wrk.method = {:?}\nwrk.body = {:?}\nwrk.headers[\"Authorization\"] = \"Bearer {KEY}\"\n\
         wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n",
        scenario.method, scenario.body
    );
    std::fs::write(&path, script).expect("the wrk script is written");
    path
}

fn wrk(port: u16, scenario: &Scenario, script: &std::path::Path, duration: &str) -> String {
    let output = Command::new("wrk")
        .args([
            "-t",
            THREADS,
            "-c",
            CONNECTIONS,
            "-d",
            duration,
            "--latency",
            "-s",
        ])
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

fn measure(server: &Server, scenario: &Scenario, ticks_per_second: f64) -> Measured {
    let dir = std::env::temp_dir();
    let script = lua_script(&dir, scenario);
    // Warm-up (connections, allocator, caches), not measured.
    let _ = wrk(server.port, scenario, &script, WARMUP);
    let before = cpu_ticks(server.pid());
    let output = wrk(server.port, scenario, &script, DURATION);
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

fn spawn_bare(port: u16) -> Server {
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let child = Command::new(exe)
        .env(ROLE_VAR, "bare")
        .env(PORT_VAR, port.to_string())
        .stdin(Stdio::null())
        .spawn()
        .expect("the bare server starts");
    Server { child, port }
}

fn spawn_fcmock(port: u16) -> Server {
    let binary = fcmock_binary();
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --release` first (scripts/bench.sh does)",
        binary.display()
    );
    let child = Command::new(&binary)
        .args(["--port", &port.to_string(), "--seed", "1"])
        .env("FCMOCK_LOG", "warn")
        .env_remove("FCMOCK_API_KEY")
        .env_remove("FCMOCK_FREEZE_CLOCK")
        .env_remove("FCMOCK_FIXTURES")
        .stdin(Stdio::null())
        .spawn()
        .expect("fcmock starts");
    Server { child, port }
}

fn form_scenario(
    name: &'static str,
    method: &'static str,
    path: String,
    body: &str,
    target: Option<f64>,
) -> Scenario {
    Scenario {
        name,
        method,
        path,
        body: body.to_string(),
        target,
    }
}

fn orchestrate() {
    let ticks_per_second = clock_ticks_per_second();
    println!(
        "fcmock load bench: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} --latency on 127.0.0.1 \
         (+{WARMUP} unmeasured warm-up per scenario); CLK_TCK = {ticks_per_second}"
    );

    // (a) bare hyper.
    let mut bare = spawn_bare(free_port());
    wait_ready(bare.port, "/", Instant::now(), &mut bare.child);
    let bare_scenario = form_scenario("(a) bare hyper GET /", "GET", "/".into(), "", None);
    // The bare server stays up: every round measures it again, right before fcmock, so
    // each ratio compares runs made seconds apart (this machine's speed drifts).

    // fcmock: start-up time to first answer, idle RSS.
    let port = free_port();
    let started = Instant::now();
    let mut fcmock = spawn_fcmock(port);
    let startup = wait_ready(port, "/_fcmock/health", started, &mut fcmock.child);
    let rss_idle = rss_kib(fcmock.pid());

    // Setup: one customer, one completed session with its accounts refreshed and settled.
    let customer = str_field(
        &call(port, "POST", "/v1/customers", "email=a%40b.co&name=Jenny"),
        "/id",
    );
    let session_body = format!(
        "account_holder[type]=customer&account_holder[customer]={customer}\
         &permissions[0]=balances&permissions[1]=transactions"
    );
    let session = str_field(
        &call(
            port,
            "POST",
            "/v1/financial_connections/sessions",
            &session_body,
        ),
        "/id",
    );
    control(
        port,
        &format!("/_fcmock/sessions/{session}/complete"),
        r#"{"outcome":"success"}"#,
    );
    let accounts = call(
        port,
        "GET",
        &format!("/v1/financial_connections/accounts?session={session}"),
        "",
    );
    let account = str_field(&accounts, "/data/0/id");
    call(
        port,
        "POST",
        &format!("/v1/financial_connections/accounts/{account}/refresh"),
        "features[]=transactions",
    );
    control(port, "/_fcmock/refreshes/settle", "{}");
    let transactions = call(
        port,
        "GET",
        &format!("/v1/financial_connections/transactions?account={account}&limit=100"),
        "",
    );
    let transaction_count = transactions
        .get("data")
        .and_then(|d| d.as_array())
        .map_or(0, Vec::len);

    let scenarios = [
        form_scenario(
            "(b) GET /v1/customers/{id}",
            "GET",
            format!("/v1/customers/{customer}"),
            "",
            Some(2.5),
        ),
        form_scenario(
            "(c) POST /v1/customers",
            "POST",
            "/v1/customers".into(),
            "email=a%40b.co&name=Jenny",
            Some(4.0),
        ),
        form_scenario(
            "(d) POST /v1/fc/sessions",
            "POST",
            "/v1/financial_connections/sessions".into(),
            &session_body,
            Some(5.0),
        ),
        form_scenario(
            "(e) GET /v1/fc/accounts/{id}",
            "GET",
            format!("/v1/financial_connections/accounts/{account}"),
            "",
            None,
        ),
        form_scenario(
            "(f) GET /v1/fc/transactions?limit=100",
            "GET",
            format!("/v1/financial_connections/transactions?account={account}&limit=100"),
            "",
            None,
        ),
    ];
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    // rounds[r] = (bare, [scenario results]) measured back to back.
    let mut measured_rounds: Vec<(Measured, Vec<Measured>)> = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let bare_run = measure(&bare, &bare_scenario, ticks_per_second);
        let runs = scenarios
            .iter()
            .map(|s| measure(&fcmock, s, ticks_per_second))
            .collect();
        measured_rounds.push((bare_run, runs));
    }
    drop(bare);
    let cycle = refresh_cycles(&fcmock, &account, ticks_per_second);
    let rss_after = rss_kib(fcmock.pid());
    drop(fcmock);
    // Per scenario, the round with the median ratio (all its columns come from that round).
    let median_round = |i: usize| -> (&Measured, &Measured, Vec<f64>) {
        let mut by_ratio: Vec<(f64, usize)> = measured_rounds
            .iter()
            .enumerate()
            .map(|(r, (b, runs))| (runs[i].cpu_us_per_request / b.cpu_us_per_request, r))
            .collect();
        let ratios: Vec<f64> = by_ratio.iter().map(|(x, _)| *x).collect();
        by_ratio.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (_, r) = by_ratio[by_ratio.len() / 2];
        (&measured_rounds[r].0, &measured_rounds[r].1[i], ratios)
    };
    let mut bare_runs: Vec<&Measured> = measured_rounds.iter().map(|(b, _)| b).collect();
    bare_runs.sort_by(|a, b| a.cpu_us_per_request.total_cmp(&b.cpu_us_per_request));
    let baseline = bare_runs[bare_runs.len() / 2];

    println!();
    println!(
        "{:<38} {:>9} {:>6} {:>9} {:>9} {:>9} {:>9} {:>7}  target",
        "scenario", "requests", "errors", "req/s", "p50 ms", "p99 ms", "CPU µs/r", "ratio"
    );
    print_row(&bare_scenario, baseline, baseline);
    let mut spreads = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        let (bare_run, run, ratios) = median_round(i);
        print_row(scenario, run, bare_run);
        let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}×")).collect();
        spreads.push(format!("{}: {}", scenario.name, shown.join(" ")));
    }
    println!();
    println!("{rounds} rounds, each a bare run then every scenario; a row is the round with the median ratio. Ratios per round:");
    for line in spreads {
        println!("  {line}");
    }
    println!(
        "(g) refresh + settle: {} cycles of clock +2 s, POST …/refresh (balance), POST \
         /_fcmock/refreshes/settle; {:.1} µs server CPU per cycle ({:.1} µs/request, {:.2}× \
         bare); cycle p50 {:.3} ms, p99 {:.3} ms (sequential, a fresh connection per request)",
        cycle.cycles,
        cycle.cpu_us_per_cycle,
        cycle.cpu_us_per_cycle / 3.0,
        cycle.cpu_us_per_cycle / 3.0 / baseline.cpu_us_per_request,
        cycle.p50_ms,
        cycle.p99_ms
    );
    println!();
    println!("(f) lists {transaction_count} transactions per response");
    println!(
        "fcmock start-up to first /_fcmock/health answer: {:.1} ms",
        startup.as_secs_f64() * 1000.0
    );
    println!(
        "fcmock RSS: idle {:.1} MiB, after the run {:.1} MiB",
        rss_idle as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    println!(
        "CPU = server utime+stime from /proc/<pid>/stat over the measured run / requests; \
         ratio = CPU µs/request vs bare hyper. Targets are reported, not enforced."
    );
}

/// What the refresh + settle loop measured.
struct Cycles {
    cycles: u64,
    cpu_us_per_cycle: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Refresh and settle one account in a loop. The mock clock is moved past the refresh
/// cooldown before each refresh, so every cycle really starts and settles a refresh.
fn refresh_cycles(server: &Server, account: &str, ticks_per_second: f64) -> Cycles {
    const CYCLES: u64 = 1_000;
    let refresh = format!("/v1/financial_connections/accounts/{account}/refresh");
    let mut latencies: Vec<f64> = Vec::with_capacity(CYCLES as usize);
    let before = cpu_ticks(server.pid());
    for _ in 0..CYCLES {
        let started = Instant::now();
        control(server.port, "/_fcmock/clock", r#"{"advance_seconds":2}"#);
        let account = call(server.port, "POST", &refresh, "features[]=balance");
        assert_eq!(
            str_field(&account, "/balance_refresh/status"),
            "pending",
            "every cycle starts a refresh"
        );
        control(server.port, "/_fcmock/refreshes/settle", "{}");
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let ticks = cpu_ticks(server.pid()).saturating_sub(before);
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    Cycles {
        cycles: CYCLES,
        cpu_us_per_cycle: ticks as f64 / ticks_per_second * 1e6 / CYCLES as f64,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
    }
}

fn print_row(scenario: &Scenario, measured: &Measured, baseline: &Measured) {
    let ratio = measured.cpu_us_per_request / baseline.cpu_us_per_request;
    let verdict = match scenario.target {
        Some(target) if ratio <= target => format!("≤ {target}× PASS"),
        Some(target) => format!("≤ {target}× MISS"),
        None => "-".to_string(),
    };
    println!(
        "{:<38} {:>9} {:>6} {:>9.0} {:>9.3} {:>9.3} {:>9.1} {:>6.2}×  {verdict}",
        scenario.name,
        measured.requests,
        measured.errors,
        measured.rps,
        measured.p50_ms,
        measured.p99_ms,
        measured.cpu_us_per_request,
        ratio
    );
}
