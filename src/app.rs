//! The shared application handle: store, clock, ids, idempotency cache, QA queues, webhook
//! deliveries and settings. It sits low and knows no handler, so every layer above (engine,
//! resources, the three front doors) can take it; which front door answers is `dispatch`'s.

use crate::clock::Clock;
use crate::config::Config;
use crate::fixtures::Fixtures;
use crate::store::return_targets::ReturnTarget;
use crate::store::Store;
use crate::stripe::idempotency::IdempotencyCache;
use crate::stripe::ids::{IdGenerator, IdKind};
use crate::stripe::versions::ApiVersion;
use std::sync::Arc;

/// How many idempotency keys are remembered across all namespaces.
const IDEMPOTENCY_CAPACITY: usize = 100_000;

/// Settings fixed at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--api-key`: accept only this key.
    pub only_api_key: Option<String>,
    /// Base URL for links fcmock hands out (hosted auth pages).
    pub public_url: String,
    /// The accounts' default API version: what a request without `Stripe-Version` speaks,
    /// and what events are rendered at.
    pub default_version: ApiVersion,
    /// Milliseconds before a pending refresh settles on its own.
    pub refresh_delay_ms: u64,
    /// Mock-clock seconds before an ACH debit settles on its own.
    pub ach_settlement_secs: i64,
    /// Whether `/_fcmock/…` is served (`--no-control-api` turns it off).
    pub control_api: bool,
    /// `--control-token`: the token the control API asks for.
    pub control_token: Option<String>,
    /// The HTTPS listener's facts, when `--tls-port` is on.
    pub tls: Option<PublicTls>,
}

/// What the rest of fcmock knows of the TLS listener (the handshake itself is the server's).
#[derive(Debug, Clone)]
pub struct PublicTls {
    /// Base URL for links handed to a client that came in over TLS.
    pub public_url: String,
    /// The certificate clients should trust, PEM (`GET /_fcmock/tls/cert.pem`).
    pub trust_pem: String,
    /// Its SHA-256 fingerprint.
    pub fingerprint: String,
}

/// The application: everything a request handler may need. Cloning is cheap.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

/// The parts of the application.
pub struct Inner {
    /// All objects, per API key.
    pub store: Store,
    /// Mock time.
    pub clock: Clock,
    /// Id source.
    pub ids: IdGenerator,
    /// Saved responses for `Idempotency-Key`.
    pub idempotency: IdempotencyCache,
    /// Start-up settings.
    pub settings: Settings,
    /// Test institutions and scenario files.
    pub fixtures: Fixtures,
    /// Seed for generated data (transactions): `--seed`, or random.
    pub seed: u64,
    /// Scenario and fault queues and the request log of the control API.
    pub control: crate::qa::ControlState,
    /// The webhook delivery queue and log.
    pub webhooks: crate::webhooks::Webhooks,
    /// The return URLs sessions declared for the hosted auth page.
    pub return_targets: crate::store::return_targets::ReturnTargets,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl App {
    /// An application configured by `config`, whose links point at `public_url`. Fails
    /// when the fixtures do not load, naming the file and field at fault.
    pub fn new(config: &Config, public_url: String) -> Result<Self, String> {
        Self::with_tls(config, public_url, None)
    }

    /// [`App::new`] for a server that also listens with TLS.
    pub fn with_tls(
        config: &Config,
        public_url: String,
        tls: Option<PublicTls>,
    ) -> Result<Self, String> {
        let fixtures = match &config.fixtures {
            Some(dir) => Fixtures::load_dir(dir),
            None => Fixtures::builtin(),
        }
        .map_err(|e| e.to_string())?;
        let ids = IdGenerator::new(config.seed);
        let seed = config.seed.unwrap_or_else(|| ids.next_u64());
        let control = crate::qa::ControlState::default();
        let webhooks = crate::webhooks::from_config(config, Arc::clone(&control.changes));
        let default_version = match &config.api_version {
            Some(name) => name.parse::<ApiVersion>()?,
            None => ApiVersion::LATEST,
        };
        Ok(App {
            inner: Arc::new(Inner {
                fixtures,
                seed,
                webhooks,
                return_targets: Default::default(),
                control,
                store: Store::default(),
                clock: Clock::new(config.freeze_clock),
                ids,
                idempotency: IdempotencyCache::new(IDEMPOTENCY_CAPACITY),
                settings: Settings {
                    only_api_key: config.api_key.clone(),
                    public_url,
                    default_version,
                    refresh_delay_ms: config.refresh_delay,
                    ach_settlement_secs: config.ach_settlement_secs.max(0),
                    control_api: !config.no_control_api,
                    control_token: config.control_token.clone(),
                    tls,
                },
            }),
        })
    }

    /// The base URL for links in an answer to a request that came over TLS (`tls`) or not:
    /// a page opened over HTTPS must not send the browser on to cleartext.
    pub fn public_url(&self, tls: bool) -> &str {
        match (&self.settings.tls, tls) {
            (Some(secure), true) => &secure.public_url,
            _ => &self.settings.public_url,
        }
    }

    /// fcmock's own done pages: where a plain browser (no SDK) lands.
    pub fn browser_target(&self, tls: bool) -> ReturnTarget {
        let base = self.public_url(tls);
        ReturnTarget {
            success_url: format!("{base}/hosted/done/success"),
            cancel_url: format!("{base}/hosted/done/cancel"),
        }
    }

    /// The target named by a hosted URL's `return` parameter, or the done pages.
    pub fn return_target(
        &self,
        client_secret: &str,
        index: Option<&str>,
        tls: bool,
    ) -> ReturnTarget {
        index
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| self.return_targets.target(client_secret, i))
            .unwrap_or_else(|| self.browser_target(tls))
    }

    /// A new request id.
    pub fn new_request_id(&self) -> String {
        self.ids.next(IdKind::Request)
    }
}
