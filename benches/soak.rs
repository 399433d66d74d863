//! A bounded soak: mixed Financial Connections traffic against a release fcmock on
//! loopback for a fixed number of rounds (and at most `SOAK_SECONDS`), sampling the
//! server's RSS. Each worker works in its own API key and resets that namespace every few
//! rounds, as CI jobs reusing one fcmock do, so steady-state memory should stay flat:
//! logs, caches and event history are bounded.
//!
//! `scripts/soak.sh` runs it (`cargo bench --bench soak`); not part of the test command.
//! Environment: `SOAK_ROUNDS` (default 40,000 per worker), `SOAK_WORKERS` (8),
//! `SOAK_SECONDS` (600), `FCMOCK_BENCH_BIN` (default target/release/fcmock).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Worker {
    client: HttpClient,
    base: String,
    key: String,
    requests: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
}

impl Worker {
    async fn call(&self, method: Method, path: &str, body: &str, json: bool) -> (u16, Value) {
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        builder = if json {
            builder.header("content-type", "application/json")
        } else {
            builder
                .header("authorization", format!("Bearer {}", self.key))
                .header("content-type", "application/x-www-form-urlencoded")
        };
        let request = builder
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("a valid request");
        self.requests.fetch_add(1, Ordering::Relaxed);
        match self.client.request(request).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                (
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                )
            }
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                (0, Value::Null)
            }
        }
    }

    /// One round of the flow a CI suite runs; unexpected statuses count as errors.
    async fn round(&self, n: u64) {
        let expect = |status: u16, want: u16| {
            if status != want {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
        };
        let (s, customer) = self
            .call(
                Method::POST,
                "/v1/customers",
                &format!("email=soak{n}%40example.com&metadata[n]={n}"),
                false,
            )
            .await;
        expect(s, 200);
        let cus = customer["id"].as_str().unwrap_or_default().to_string();
        let (s, _) = self
            .call(Method::GET, &format!("/v1/customers/{cus}"), "", false)
            .await;
        expect(s, 200);
        let (s, _) = self
            .call(Method::GET, "/v1/customers?limit=5", "", false)
            .await;
        expect(s, 200);
        let body = format!("account_holder[type]=customer&account_holder[customer]={cus}&permissions[0]=balances&permissions[1]=transactions&permissions[2]=payment_method&permissions[3]=ownership");
        let (s, session) = self
            .call(
                Method::POST,
                "/v1/financial_connections/sessions",
                &body,
                false,
            )
            .await;
        expect(s, 200);
        let sess = session["id"].as_str().unwrap_or_default().to_string();
        let (s, done) = self
            .call(
                Method::POST,
                &format!("/_fcmock/sessions/{sess}/complete"),
                r#"{"outcome":"success"}"#,
                true,
            )
            .await;
        expect(s, 200);
        let fca = done["accounts"]["data"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (s, _) = self
            .call(
                Method::POST,
                &format!("/v1/financial_connections/accounts/{fca}/refresh"),
                "features[0]=balance&features[1]=transactions",
                false,
            )
            .await;
        expect(s, 200);
        let (s, _) = self
            .call(Method::POST, "/_fcmock/refreshes/settle", "{}", true)
            .await;
        expect(s, 200);
        let (s, _) = self
            .call(
                Method::GET,
                &format!("/v1/financial_connections/transactions?account={fca}&limit=20"),
                "",
                false,
            )
            .await;
        expect(s, 200);
        let pm = format!("type=us_bank_account&us_bank_account[financial_connections_account]={fca}&billing_details[name]=Soak");
        let (s, _) = self
            .call(Method::POST, "/v1/payment_methods", &pm, false)
            .await;
        expect(s, 200);
        let (s, _) = self
            .call(
                Method::POST,
                &format!("/v1/financial_connections/accounts/{fca}/disconnect"),
                "",
                false,
            )
            .await;
        expect(s, 200);
        // Bad input on purpose: answered with a 400, never stored.
        let (s, _) = self
            .call(Method::POST, "/v1/customers", "bogus=1", false)
            .await;
        expect(s, 400);
        if n % 25 == 24 {
            let (s, _) = self
                .call(
                    Method::POST,
                    "/_fcmock/reset",
                    &format!(r#"{{"api_key":"{}"}}"#, self.key),
                    true,
                )
                .await;
            expect(s, 200);
        }
    }
}

#[tokio::main]
async fn main() {
    let rounds = env_u64("SOAK_ROUNDS", 40_000);
    let workers = env_u64("SOAK_WORKERS", 8);
    let budget = Duration::from_secs(env_u64("SOAK_SECONDS", 600));
    let bin = std::env::var("FCMOCK_BENCH_BIN").unwrap_or_else(|_| "target/release/fcmock".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(&bin)
        .args([
            "--port",
            &port.to_string(),
            "--seed",
            "7",
            "--refresh-delay",
            "50",
        ])
        .env("FCMOCK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("target/release/fcmock runs (cargo build --release first)");
    let pid = child.id();
    let _server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    for _ in 0..200 {
        let up = client
            .get(
                format!("{base}/_fcmock/health")
                    .parse()
                    .expect("a valid URI"),
            )
            .await
            .is_ok();
        if up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let idle_rss = rss_kib(pid);
    println!(
        "soak: {workers} workers x {rounds} rounds (at most {}s) against {bin}",
        budget.as_secs()
    );
    println!(
        "{:>8} {:>10} {:>8} {:>10}",
        "seconds", "requests", "errors", "RSS KiB"
    );
    let mut handles = Vec::new();
    for w in 0..workers {
        let worker = Worker {
            client: client.clone(),
            base: base.clone(),
            key: format!("sk_test_soak_{w}"),
            requests: Arc::clone(&requests),
            errors: Arc::clone(&errors),
        };
        handles.push(tokio::spawn(async move {
            for n in 0..rounds {
                if started.elapsed() > budget {
                    break;
                }
                worker.round(n).await;
            }
        }));
    }
    let mut samples: Vec<(u64, u64)> = Vec::new();
    while handles.iter().any(|h| !h.is_finished()) {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let sample = (started.elapsed().as_secs(), rss_kib(pid));
        println!(
            "{:>8} {:>10} {:>8} {:>10}",
            sample.0,
            requests.load(Ordering::Relaxed),
            errors.load(Ordering::Relaxed),
            sample.1
        );
        samples.push(sample);
    }
    for h in handles {
        let _ = h.await;
    }
    let total = requests.load(Ordering::Relaxed);
    let failed = errors.load(Ordering::Relaxed);
    // "After warm-up": the first sample past 10% of the run.
    let warm = samples
        .iter()
        .find(|(s, _)| *s * 10 >= started.elapsed().as_secs())
        .copied()
        .unwrap_or((0, idle_rss));
    let end = samples.last().copied().unwrap_or((0, idle_rss));
    println!();
    println!(
        "requests: {total}, errors: {failed}, duration: {:.0}s",
        started.elapsed().as_secs_f64()
    );
    println!("RSS: idle {idle_rss} KiB, after warm-up ({}s) {} KiB, end {} KiB, growth after warm-up {:+.1}%", warm.0, warm.1, end.1, (end.1 as f64 / warm.1.max(1) as f64 - 1.0) * 100.0);
}
