//! Scale benchmark: does a page of transactions cost O(page) however many are stored?
//!
//! Run with `cargo bench --bench scale` (also run by `scripts/bench.sh`). A
//! `harness = false` bench that takes well under two minutes:
//!
//! 1. builds two [`fcmock::App`]s (seed 42, frozen clock), serves each on 127.0.0.1:0 with
//!    [`fcmock::serve_with`], and links one Financial Connections account on each over HTTP
//!    (a customer, a session, `POST /_fcmock/sessions/{id}/complete`);
//! 2. stores, straight through the store API (`Namespace::insert_transaction`, then marks
//!    the account's transactions as fetched, as a successful refresh would), 1,000
//!    transactions for the first account and 1,000,000 for the second, reading the
//!    process's VmRSS from `/proc/self/status` just before and after the million;
//! 3. measures, with keep-alive loopback connections and sequential requests, the latency of
//!    * `GET /v1/financial_connections/transactions?account=…&limit=100` (the first page),
//!    * the same with `starting_after` deep in the list (the page before the oldest 100),
//!    * `GET /v1/financial_connections/transactions/{id}`,
//!    * `GET /v1/financial_connections/accounts/{id}`;
//!
//!    [`REQUESTS`] measured requests per request kind and size, in [`ROUNDS`] rounds that
//!    alternate between the 1k and the 1M server (each round after a few unmeasured warm-up
//!    requests), so that load from other processes on the machine falls on both sizes alike;
//! 4. prints p50 and p99 for both sizes, the ratio 1M / 1k with PASS/MISS against the
//!    target (within 1.5×), and the RSS growth per stored transaction.
//!
//! Benchmarks are measured, not asserted: a MISS is printed, never a failure. p99 on a
//! shared machine is noisy; the load average is printed beside the numbers.

use bytes::Bytes;
use fcmock::model::fc_enums::TransactionStatus;
use fcmock::model::financial_connections::{StatusTransitions, Transaction, TransactionTag};
use fcmock::stripe::ids::IdKind;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

const KEY: &str = "sk_test_scale";
/// Measured requests per request kind and size.
const REQUESTS: usize = 2_000;
/// Rounds the measured requests are split into, alternating between the two sizes.
const ROUNDS: usize = 10;
/// Unmeasured requests at the start of each round.
const WARMUP: usize = 20;
const SMALL: usize = 1_000;
const LARGE: usize = 1_000_000;
/// Rows are inserted under one write lock at a time, in chunks of this many.
const CHUNK: usize = 10_000;
/// The mock clock, frozen: the newest transaction is one second before it.
const NOW: i64 = 1_700_000_000;
/// Target: a call at 1M stored objects costs at most this much more than at 1k.
const TARGET_RATIO: f64 = 1.5;

const DESCRIPTIONS: &[&str] = &[
    "Rocket Rides",
    "Coffee Shop",
    "Grocery Mart",
    "Online Bookstore",
    "Streaming Service",
    "Hardware Depot",
];

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime can be built");
    runtime.block_on(run());
}

/// Latency percentiles of one row, in microseconds.
struct Row {
    p50: f64,
    p99: f64,
}

/// The requests measured at each size, with their row labels.
struct Targets {
    first_page: String,
    deep_page: String,
    transaction: String,
    account: String,
}

impl Targets {
    fn rows(&self) -> [(&'static str, &str); 4] {
        [
            (
                "list transactions, first page (limit=100)",
                &self.first_page,
            ),
            (
                "list transactions, deep page (starting_after)",
                &self.deep_page,
            ),
            ("retrieve transaction", &self.transaction),
            ("retrieve account", &self.account),
        ]
    }
}

/// One fcmock serving on loopback, and the handle to stop it.
struct Server {
    app: fcmock::App,
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start_server() -> Server {
    let mut config = fcmock::Config::for_tests();
    config.freeze_clock = Some(NOW);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback port 0 is always bindable");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let app = fcmock::App::new(&config, fcmock::public_url(&listener, &config))
        .expect("the built-in fixtures load");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = app.clone();
    let task = tokio::spawn(async move {
        fcmock::serve_with(listener, served, &config, async {
            let _ = stopped.await;
        })
        .await;
    });
    Server {
        app,
        base: format!("http://{addr}"),
        stop,
        task,
    }
}

async fn run() {
    let started = Instant::now();
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let small_server = start_server().await;
    let large_server = start_server().await;
    let small_account = link_account(&client, &small_server.base).await;
    let large_account = link_account(&client, &large_server.base).await;

    let mut small_store = Stored::new(SMALL);
    let insert_started = Instant::now();
    small_store.insert(&small_server.app, &small_account, SMALL);
    let small_insert = insert_started.elapsed();

    let rss_before = vm_rss_kib();
    let mut large_store = Stored::new(LARGE);
    let insert_started = Instant::now();
    large_store.insert(&large_server.app, &large_account, LARGE);
    let large_insert = insert_started.elapsed();
    let rss_after = vm_rss_kib();

    let small_targets = small_store.targets(&small_server.base, &small_account);
    let large_targets = large_store.targets(&large_server.base, &large_account);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let (small, large) = measure(&client, &small_targets, &large_targets).await;

    println!();
    println!(
        "fcmock scale benchmark: one account's transactions; {REQUESTS} sequential requests \
         per row and size on keep-alive loopback connections, in {ROUNDS} rounds alternating \
         between the 1k and the 1M server"
    );
    println!(
        "stored {SMALL} transactions in {:.1} ms and {LARGE} in {:.2} s; load average at \
         the start of the measurements: {}",
        small_insert.as_secs_f64() * 1e3,
        large_insert.as_secs_f64(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!();
    println!(
        "{:<48} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  target ≤ {TARGET_RATIO}×",
        "request", "1k p50 µs", "1k p99 µs", "1M p50 µs", "1M p99 µs", "p50 1M/1k", "p99 1M/1k"
    );
    for ((label, _), (s, l)) in small_targets.rows().iter().zip(small.iter().zip(&large)) {
        let (r50, r99) = (l.p50 / s.p50, l.p99 / s.p99);
        let verdict = if r50 <= TARGET_RATIO && r99 <= TARGET_RATIO {
            "PASS"
        } else {
            "MISS"
        };
        println!(
            "{label:<48} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>9.2}× {:>9.2}×  {verdict}",
            s.p50, s.p99, l.p50, l.p99, r50, r99
        );
    }
    println!();
    match (rss_before, rss_after) {
        (Some(before), Some(after)) => {
            let per = (after.saturating_sub(before) as f64 * 1024.0) / LARGE as f64;
            println!(
                "RSS per stored FC transaction: {per:.0} bytes (VmRSS {:.1} MiB -> {:.1} MiB \
                 across the insert of {LARGE} transactions)",
                before as f64 / 1024.0,
                after as f64 / 1024.0,
            );
        }
        _ => println!("RSS per stored FC transaction: n/a (no /proc/self/status)"),
    }
    println!("total bench time: {:.1} s", started.elapsed().as_secs_f64());

    for server in [small_server, large_server] {
        let _ = server.stop.send(());
        let _ = server.task.await;
    }
}

/// What the bench has stored, and the few ids it keeps to aim requests at (keeping all
/// million ids would itself grow the RSS being measured).
struct Stored {
    /// How many transactions this store will hold in the end (the newest is then one
    /// second before [`NOW`]).
    planned: usize,
    count: usize,
    /// The 101st-oldest transaction: `starting_after` it is the deepest full page.
    deep_cursor: Option<String>,
    /// The newest transaction stored so far.
    newest: Option<String>,
}

impl Stored {
    fn new(planned: usize) -> Self {
        Stored {
            planned,
            count: 0,
            deep_cursor: None,
            newest: None,
        }
    }

    /// Stores `n` more transactions for `account`, each newer than the last.
    fn insert(&mut self, app: &fcmock::App, account: &str, n: usize) {
        let ns = app.store.namespace(KEY);
        let refresh = app.ids.next(IdKind::TransactionRefresh);
        let mut left = n;
        while left > 0 {
            let chunk = left.min(CHUNK);
            let mut ns = ns.write();
            for _ in 0..chunk {
                let i = self.count;
                // One transaction a second, the newest a second before NOW.
                let transacted_at = NOW - (self.planned - i) as i64;
                let id = app.ids.next(IdKind::Transaction);
                if i == 100 {
                    self.deep_cursor = Some(id.clone());
                }
                self.newest = Some(id.clone());
                ns.insert_transaction(Transaction {
                    id,
                    object: TransactionTag,
                    account: account.to_string(),
                    amount: -((i % 9_000) as i64 + 100),
                    currency: "usd".into(),
                    description: DESCRIPTIONS[i % DESCRIPTIONS.len()].into(),
                    livemode: false,
                    status: TransactionStatus::Posted,
                    status_transitions: StatusTransitions {
                        posted_at: Some(transacted_at),
                        void_at: None,
                    },
                    transacted_at,
                    transaction_refresh: refresh.clone(),
                    updated: NOW,
                });
                self.count += 1;
            }
            if let Some(linked) = ns.fc_accounts.get_mut(account) {
                // As a successful transaction refresh would leave it.
                linked.link.transactions_fetched = true;
                if !linked.link.transaction_refreshes.contains(&refresh) {
                    linked.link.transaction_refreshes.push(refresh.clone());
                }
            }
            left -= chunk;
        }
    }

    fn targets(&self, base: &str, account: &str) -> Targets {
        let list =
            format!("{base}/v1/financial_connections/transactions?account={account}&limit=100");
        Targets {
            deep_page: format!(
                "{list}&starting_after={}",
                self.deep_cursor.as_deref().unwrap_or_default()
            ),
            first_page: list,
            transaction: format!(
                "{base}/v1/financial_connections/transactions/{}",
                self.newest.as_deref().unwrap_or_default()
            ),
            account: format!("{base}/v1/financial_connections/accounts/{account}"),
        }
    }
}

/// Links one `success` account over HTTP, as a client would; returns its id.
async fn link_account(client: &HttpClient, base: &str) -> String {
    let customer = send(
        client,
        Method::POST,
        &format!("{base}/v1/customers"),
        "email=scale%40example.com",
    )
    .await;
    let customer = customer["id"].as_str().expect("customers have ids");
    let session = send(
        client,
        Method::POST,
        &format!("{base}/v1/financial_connections/sessions"),
        &format!(
            "account_holder[type]=customer&account_holder[customer]={customer}\
             &permissions[]=transactions&permissions[]=balances"
        ),
    )
    .await;
    let session = session["id"].as_str().expect("sessions have ids");
    let completed = send(
        client,
        Method::POST,
        &format!("{base}/_fcmock/sessions/{session}/complete"),
        r#"{"outcome":"success","accounts":["success"]}"#,
    )
    .await;
    completed["accounts"]["data"][0]["id"]
        .as_str()
        .expect("the session linked an account")
        .to_string()
}

/// One request; panics unless it answers 200 with JSON.
async fn send(client: &HttpClient, method: Method, url: &str, body: &str) -> Value {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("bench requests are well-formed");
    let response = client.request(request).await.expect("fcmock answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body arrives")
        .to_bytes();
    assert!(
        status.is_success(),
        "{url}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).expect("fcmock answers JSON")
}

/// Times every request kind at both sizes, in rounds that alternate between the sizes.
async fn measure(client: &HttpClient, small: &Targets, large: &Targets) -> (Vec<Row>, Vec<Row>) {
    let (mut small_rows, mut large_rows) = (Vec::new(), Vec::new());
    for ((label, small_url), (_, large_url)) in small.rows().into_iter().zip(large.rows()) {
        let mut small_samples = Vec::with_capacity(REQUESTS);
        let mut large_samples = Vec::with_capacity(REQUESTS);
        for _ in 0..ROUNDS {
            time(client, label, small_url, &mut small_samples).await;
            time(client, label, large_url, &mut large_samples).await;
        }
        small_rows.push(Row::from(small_samples));
        large_rows.push(Row::from(large_samples));
    }
    (small_rows, large_rows)
}

/// One round: [`WARMUP`] unmeasured GETs of `url`, then `REQUESTS / ROUNDS` timed ones.
async fn time(client: &HttpClient, label: &str, url: &str, samples: &mut Vec<Duration>) {
    let uri: hyper::Uri = url.parse().expect("bench URLs are valid");
    // Sanity: the request works, and a list page is full.
    let first = send(client, Method::GET, url, "").await;
    if first["object"] == "list" {
        assert_eq!(first["data"].as_array().map(Vec::len), Some(100), "{label}");
    }
    for n in 0..WARMUP + REQUESTS / ROUNDS {
        let request = Request::builder()
            .uri(uri.clone())
            .header("authorization", format!("Bearer {KEY}"))
            .body(Full::new(Bytes::new()))
            .expect("bench requests are well-formed");
        let t = Instant::now();
        let response = client.request(request).await.expect("fcmock answers");
        let ok = response.status().is_success();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the body arrives");
        let elapsed = t.elapsed();
        assert!(ok, "{label}: {}", String::from_utf8_lossy(&body.to_bytes()));
        if n >= WARMUP {
            samples.push(elapsed);
        }
    }
}

impl From<Vec<Duration>> for Row {
    fn from(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Row {
            p50: percentile(&samples, 0.50),
            p99: percentile(&samples, 0.99),
        }
    }
}

/// The `q` quantile of sorted samples, in microseconds.
fn percentile(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted
        .get(index)
        .map(|d| d.as_secs_f64() * 1e6)
        .unwrap_or(f64::NAN)
}

/// This process's resident set size in KiB (`VmRSS` in `/proc/self/status`).
fn vm_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
