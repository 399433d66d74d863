//! The `fcmock` binary: parse flags, start logging, bind, serve until SIGINT or SIGTERM.

use clap::Parser;
use fcmock::config::{Command, Config, LogFormat};
use std::process::ExitCode;
use tracing_subscriber::filter::Targets;

/// jemalloc: per-thread caches that keep the two workers of a 2-core runner from waiting on
/// each other's frees, the largest cost glibc's malloc added to a request (issue #19).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    match &config.command {
        Some(Command::Healthcheck { url }) => return fcmock::healthcheck(url).await,
        Some(Command::Trigger {
            event,
            url,
            api_key,
            control_token,
            list,
        }) => {
            let target = fcmock::cli::Target {
                url: url.clone(),
                control_token: control_token.clone(),
            };
            return match (list, event) {
                (true, _) | (false, None) => fcmock::cli::list_events(&target).await,
                (false, Some(event)) => fcmock::cli::trigger(&target, event, api_key).await,
            };
        }
        Some(Command::ApiVersions) => {
            let catalogue = fcmock::stripe::versions::catalogue();
            println!("{catalogue:#}");
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    // Dropped last: writes out the log lines still buffered.
    let _flush = init_logging(config.log_format);
    serve(config).await
}

/// Binds the listeners, builds the application and serves until a signal; saves the state
/// file afterwards.
async fn serve(config: Config) -> ExitCode {
    let addr = format!("{}:{}", config.host, config.effective_port());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fcmock: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(bound) => tracing::info!(target: "fcmock", "listening on http://{bound}"),
        Err(e) => tracing::warn!(target: "fcmock", error = %e, "listening (address unknown)"),
    }
    let public_url = fcmock::public_url(&listener, &config);
    let started = match fcmock::bind_tls(&config, &public_url).await {
        Ok(tls) => tls.map_or((None, None), |(secure, facts)| (Some(secure), Some(facts))),
        Err(e) => {
            eprintln!("fcmock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (secure, tls) = started;
    let app = match prepare(&config, public_url, tls) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("fcmock: {e}");
            return ExitCode::FAILURE;
        }
    };
    fcmock::serve_secure(listener, secure, app.clone(), &config, shutdown_signal()).await;
    if let Some(path) = &config.state_file {
        match fcmock::control::state::save_file(&app, path) {
            Ok(()) => tracing::info!(target: "fcmock", "state saved to {}", path.display()),
            Err(e) => {
                eprintln!("fcmock: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    tracing::info!(target: "fcmock", "stopped");
    ExitCode::SUCCESS
}

/// Builds the application: fixtures, the `--state-file` (if it exists), `--scenario`s.
fn prepare(
    config: &Config,
    public_url: String,
    tls: Option<fcmock::app::PublicTls>,
) -> Result<fcmock::App, String> {
    let app = fcmock::App::with_tls(config, public_url, tls)?;
    if let Some(path) = config.state_file.as_ref().filter(|p| p.exists()) {
        let saved = fcmock::control::state::load_file(path)?;
        fcmock::control::state::import(&app, saved)
            .map_err(|e| format!("state file {}: {e}", path.display()))?;
        tracing::info!(target: "fcmock", "state loaded from {}", path.display());
    }
    for name in &config.scenarios {
        let scenario =
            app.fixtures.scenario(name).cloned().ok_or_else(|| {
                format!("--scenario {name}: no such scenario file in the fixtures")
            })?;
        app.control.scenarios.push(scenario);
    }
    Ok(app)
}

/// Logs to stderr through [`fcmock::log_sink`], so no request waits on a write; the guard
/// writes out what is still buffered.
fn init_logging(format: LogFormat) -> fcmock::log_sink::FlushGuard {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // `FCMOCK_LOG`: a level (`warn`) or `target=level` directives (`info,hyper=debug`);
    // unset or unreadable, `info`. A static filter: nothing to evaluate per span, and no
    // regular-expression engine to build at start-up (issue #19: start-up and idle RSS).
    let filter = std::env::var("FCMOCK_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let (sink, guard) = fcmock::log_sink::LogSink::stderr();
    let ansi = std::io::stderr().is_terminal();
    if matches!(format, LogFormat::Text) && !ansi {
        // The per-request line skips tracing's dispatch; its bytes are the compact format's.
        sink.take_request_lines();
    }
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(ansi)
        .with_writer(sink);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .finish()
            .with(filter)
            .init(),
        LogFormat::Text => builder
            .event_format(fcmock::log_sink::RequestLines::new(
                tracing_subscriber::fmt::format().compact(),
            ))
            .finish()
            .with(filter)
            .init(),
    }
    guard
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what Docker and CI runners send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!(target: "fcmock", "shutting down");
}
