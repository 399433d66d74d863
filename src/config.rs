//! Command-line flags, each with an `FCMOCK_*` environment twin.
//!
//! Defaults serve Stripe's mock port on loopback only (`127.0.0.1:12111`, the port of
//! Stripe's own stripe-mock, so existing client configs work unchanged); binding other
//! interfaces takes an explicit `--host` (the Docker image passes `0.0.0.0`).

use clap::{Parser, Subcommand, ValueEnum};

/// fcmock: a local, stateful emulator of Stripe's Financial Connections API, for tests.
#[derive(Debug, Clone, Parser)]
#[command(name = "fcmock", version, about)]
pub struct Config {
    /// Interface to bind. Loopback by default; `0.0.0.0` exposes fcmock to the network.
    #[arg(long, env = "FCMOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (0 picks a free one). `PORT` is honoured too, for platforms that set it.
    #[arg(long, env = "FCMOCK_PORT")]
    pub port: Option<u16>,

    /// Seed for ids and generated data, making a run reproducible.
    #[arg(long, env = "FCMOCK_SEED")]
    pub seed: Option<u64>,

    /// Base URL that hosted auth links use (e.g. `http://10.0.2.2:12111` for the Android
    /// emulator). Defaults to the address fcmock listens on.
    #[arg(long, env = "FCMOCK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Also serve HTTPS on this port (0 picks a free one), for devices that refuse cleartext
    /// HTTP; 12112 is stripe-mock's HTTPS port. Off by default.
    #[arg(long, env = "FCMOCK_TLS_PORT")]
    pub tls_port: Option<u16>,

    /// PEM certificate chain for the HTTPS port (with `--tls-key`). Without it fcmock makes a
    /// throw-away CA and a certificate for localhost, 127.0.0.1, 10.0.2.2 and the public
    /// host at every start, and logs where the CA's certificate was written.
    #[arg(long, env = "FCMOCK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// PEM private key of `--tls-cert`.
    #[arg(long, env = "FCMOCK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// Log format.
    #[arg(long, env = "FCMOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Accept only this API key (any `sk_test_…` / `rk_test_…` key otherwise).
    #[arg(long, env = "FCMOCK_API_KEY")]
    pub api_key: Option<String>,

    /// Start with the mock clock frozen at this Unix timestamp (tests use it for stable
    /// `created` values).
    #[arg(long, env = "FCMOCK_FREEZE_CLOCK")]
    pub freeze_clock: Option<i64>,

    /// Directory with `institutions.json` (and optional `scenarios/*.json`) replacing the
    /// built-in fixtures.
    #[arg(long, env = "FCMOCK_FIXTURES")]
    pub fixtures: Option<std::path::PathBuf>,

    /// The API version every account defaults to, for requests without a `Stripe-Version`
    /// header and for events (default: the latest release fcmock knows). Pin an older one to
    /// test a backend against the version its account is on.
    #[arg(long, env = "FCMOCK_API_VERSION")]
    pub api_version: Option<String>,

    /// Milliseconds before a pending refresh settles on its own.
    #[arg(long, env = "FCMOCK_REFRESH_DELAY", default_value_t = 100)]
    pub refresh_delay: u64,

    /// Mock-clock seconds an ACH debit stays `processing` before the bank settles it
    /// (Stripe does not document test mode's delay; live settlement takes up to 4 business
    /// days). `POST /_fcmock/payments/settle` settles at once.
    #[arg(long, env = "FCMOCK_ACH_SETTLEMENT_SECS", default_value_t = 10)]
    pub ach_settlement_secs: i64,

    /// JSON state file: loaded at start (a corrupt file stops start-up and is left
    /// untouched) and written atomically on graceful shutdown.
    #[arg(long, env = "FCMOCK_STATE_FILE")]
    pub state_file: Option<std::path::PathBuf>,

    /// Queue a scenario file (`fixtures/scenarios/NAME.json`) at start-up; repeatable.
    #[arg(long = "scenario", env = "FCMOCK_SCENARIO", value_delimiter = ',')]
    pub scenarios: Vec<String>,

    /// Turn the `/_fcmock/…` control API off (the health check stays).
    #[arg(long, env = "FCMOCK_NO_CONTROL_API")]
    pub no_control_api: bool,

    /// Require this token on the control API (`Authorization: Bearer …` or `X-Fcmock-Token`).
    #[arg(long, env = "FCMOCK_CONTROL_TOKEN")]
    pub control_token: Option<String>,

    /// A webhook URL that receives every namespace's events (a global endpoint, enabled for
    /// `*`), e.g. `http://127.0.0.1:4242/webhook`. Endpoints made with
    /// `POST /v1/webhook_endpoints` receive their own namespace's events only.
    #[arg(long, env = "FCMOCK_WEBHOOK")]
    pub webhook: Option<String>,

    /// The `whsec_…` secret deliveries to `--webhook` are signed with (default: a generated
    /// one, printed at start-up and shown by `GET /_fcmock/webhooks`).
    #[arg(long, env = "FCMOCK_WEBHOOK_SECRET")]
    pub webhook_secret: Option<String>,

    /// Milliseconds before the first webhook retry; each later retry waits twice as long.
    #[arg(long, env = "FCMOCK_WEBHOOK_RETRY_BASE_MS", default_value_t = 1000)]
    pub webhook_retry_base_ms: u64,

    /// Delivery attempts per event and endpoint, the first one included.
    #[arg(long, env = "FCMOCK_WEBHOOK_MAX_ATTEMPTS", default_value_t = 5)]
    pub webhook_max_attempts: u32,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "FCMOCK_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds a client may take to send its request headers.
    #[arg(long, env = "FCMOCK_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Seconds in-flight requests get to finish on shutdown.
    #[arg(long, env = "FCMOCK_SHUTDOWN_GRACE_SECS", default_value_t = 5)]
    pub shutdown_grace_secs: u64,

    /// What to run (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Ask a running fcmock whether it is healthy (exit 0) or not (exit 1). For container
    /// health checks, which have no curl.
    Healthcheck {
        /// URL of the health endpoint.
        #[arg(long, default_value = "http://127.0.0.1:12111/_fcmock/health")]
        url: String,
    },
    /// Print the Stripe API versions fcmock knows, the latest, and the changes between them
    /// (JSON), for scripts that derive per-version schemas from the same registry.
    ApiVersions,
    /// Fire an event in a running fcmock, as `stripe trigger` does: the objects it needs are
    /// made in the key's namespace and the event goes to its webhook endpoints (and
    /// `--webhook`). `fcmock trigger --list` names the event types.
    Trigger {
        /// The event type, e.g. `financial_connections.account.created`.
        #[arg(required_unless_present = "list")]
        event: Option<String>,
        /// The running fcmock.
        #[arg(long, env = "FCMOCK_URL", default_value = "http://127.0.0.1:12111")]
        url: String,
        /// The API key whose namespace gets the objects and the event.
        #[arg(long, env = "STRIPE_API_KEY", default_value = "sk_test_fcmock")]
        api_key: String,
        /// The `--control-token` the running fcmock was started with, if any.
        #[arg(long, env = "FCMOCK_CONTROL_TOKEN")]
        control_token: Option<String>,
        /// List the event types instead.
        #[arg(long)]
        list: bool,
    },
}

/// How request log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl Config {
    /// The port to bind: `--port`, else `PORT`, else 12111.
    pub fn effective_port(&self) -> u16 {
        self.port
            .or_else(|| std::env::var("PORT").ok().and_then(|p| p.parse().ok()))
            .unwrap_or(12111)
    }

    /// Defaults for tests and embedding: loopback, port 0, fixed seed, no key restriction.
    pub fn for_tests() -> Self {
        Config::parse_from(["fcmock", "--port", "0", "--seed", "42"])
    }
}
