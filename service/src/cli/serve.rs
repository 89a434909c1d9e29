//! `serve`: the gRPC server's settings from flags and environment variables, and its
//! start-up and shutdown.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clinicplan_service::engine::WorkerCommand;
use clinicplan_service::server::{
    Exposure, ServerConfig, TlsSettings, check_exposure, serve as serve_on,
};

/// The settings of `clinicplan serve`.
#[derive(clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLINICPLAN_LISTEN", default_value = "127.0.0.1:50051")]
    listen: String,
    /// Time limit for requests that set none, in milliseconds.
    #[arg(
        long,
        env = "CLINICPLAN_DEFAULT_TIME_LIMIT_MS",
        default_value_t = 10_000
    )]
    default_time_limit_ms: u32,
    /// Largest time limit a request may ask for, in milliseconds.
    #[arg(long, env = "CLINICPLAN_MAX_TIME_LIMIT_MS", default_value_t = 600_000)]
    max_time_limit_ms: u32,
    /// Solves running at once (default: one per core).
    #[arg(long, env = "CLINICPLAN_MAX_CONCURRENT_SOLVES")]
    max_concurrent_solves: Option<usize>,
    /// Requests allowed to wait for a solver; beyond that, RESOURCE_EXHAUSTED at once.
    #[arg(long, env = "CLINICPLAN_MAX_QUEUED", default_value_t = 64)]
    max_queued: usize,
    /// Largest request or response, in MiB.
    #[arg(long, env = "CLINICPLAN_MAX_MESSAGE_MIB", default_value_t = 64)]
    max_message_mib: usize,
    /// Most entities (patients, sessions, slots, requests, ...) in one request.
    #[arg(long, env = "CLINICPLAN_MAX_ENTITIES", default_value_t = 500_000)]
    max_entities: usize,
    /// After SIGTERM/SIGINT, how long running solves may go on, in seconds.
    #[arg(long, env = "CLINICPLAN_SHUTDOWN_GRACE_S", default_value_t = 30)]
    shutdown_grace_s: u64,
    /// Serve TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "CLINICPLAN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    #[arg(long, env = "CLINICPLAN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM): mutual TLS.
    #[arg(long, env = "CLINICPLAN_TLS_CLIENT_CA", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// A file of bearer tokens, one per line (blank lines and lines starting with # are
    /// skipped); when given, the solver RPCs need `authorization: Bearer <token>`.
    #[arg(long, env = "CLINICPLAN_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, env = "CLINICPLAN_METRICS_LISTEN")]
    metrics_listen: Option<std::net::SocketAddr>,
    /// Allow serving without TLS on a non-loopback address (a proxy or service mesh
    /// encrypts the traffic). On a loopback address plaintext is always allowed.
    #[arg(long, env = "CLINICPLAN_PLAINTEXT")]
    plaintext: bool,
    /// Allow serving without bearer tokens on a non-loopback address (something in front
    /// of the server controls access). On a loopback address tokens are optional.
    #[arg(long, env = "CLINICPLAN_NO_AUTH")]
    no_auth: bool,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<ServerConfig> {
        let mut config = ServerConfig::new(WorkerCommand::current_exe()?);
        config.default_time_limit_ms = self.default_time_limit_ms;
        config.max_time_limit_ms = self.max_time_limit_ms;
        if let Some(n) = self.max_concurrent_solves {
            config.max_concurrent_solves = n.max(1);
        }
        config.max_queued = self.max_queued;
        config.max_message_bytes = self.max_message_mib.max(1) * 1024 * 1024;
        config.max_entities = self.max_entities;
        config.shutdown_grace = std::time::Duration::from_secs(self.shutdown_grace_s);
        let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            config.tls = Some(TlsSettings {
                cert_pem: read(cert)?,
                key_pem: read(key)?,
                client_ca_pem: self.tls_client_ca.as_deref().map(read).transpose()?,
            });
        }
        if let Some(path) = &self.token_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            config.tokens = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect();
            anyhow::ensure!(
                !config.tokens.is_empty(),
                "{} holds no token",
                path.display()
            );
        }
        config.metrics_addr = self.metrics_listen;
        Ok(config)
    }
}

/// `serve`: listens until SIGTERM or SIGINT, then exits 0.
pub(super) fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    let listen = args.listen.clone();
    let allowed = Exposure {
        plaintext: args.plaintext,
        no_auth: args.no_auth,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let shutdown = shutdown_signal()?;
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        check_exposure(addr, &config, allowed).map_err(anyhow::Error::msg)?;
        tracing::info!(%addr, "clinicplan listening");
        println!("clinicplan listening on {addr}");
        serve_on(listener, config, shutdown).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM or SIGINT (Ctrl-C). The handlers are installed when this is called (before
/// the server says it is listening), so a signal at any moment after that is a clean
/// shutdown, never the default action.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutting down");
    })
}
