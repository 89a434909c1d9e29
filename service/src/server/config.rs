//! The server's settings: limits, TLS material, tokens and where metrics go.

use std::net::SocketAddr;
use std::time::Duration;

use crate::engine::WorkerCommand;

/// Default largest message (a 60-theatre, 40,000-patient week is about 10 MiB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub worker: WorkerCommand,
    /// Used when a request gives no time limit.
    pub default_time_limit_ms: u32,
    /// Solves running at once.
    pub max_concurrent_solves: usize,
    /// Requests waiting for a solve; one more gets RESOURCE_EXHAUSTED at once.
    pub max_queued: usize,
    /// Largest message accepted or sent, bytes.
    pub max_message_bytes: usize,
    /// Most entities (theatres, surgeons, sessions, patients, ...; sites, clinicians,
    /// slots, requests, ...) in one request.
    pub max_entities: usize,
    /// Largest time limit a request may ask for, ms.
    pub max_time_limit_ms: u32,
    /// Kept back from the client's gRPC deadline to encode and send the answer.
    pub deadline_margin: Duration,
    /// After a shutdown signal, how long running solves may go on.
    pub shutdown_grace: Duration,
    /// Serve over TLS (with client certificates required when a client CA is given).
    pub tls: Option<TlsSettings>,
    /// Bearer tokens accepted on the solver RPCs; empty = no token needed. Health and
    /// reflection stay open (load balancers probe them).
    pub tokens: Vec<String>,
    /// Where to serve `GET /metrics`; `None` = no metrics endpoint.
    pub metrics_addr: Option<SocketAddr>,
}

/// PEM-encoded TLS material.
#[derive(Clone)]
pub struct TlsSettings {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// When set, clients must present a certificate signed by this CA (mutual TLS).
    pub client_ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never goes to a log.
        f.debug_struct("TlsSettings")
            .field("mutual", &self.client_ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A 10 s default time limit, one solve per core, 64 queued, 64 MiB messages,
    /// 500,000 entities, 10-minute maximum time limit, 30 s grace.
    pub fn new(worker: WorkerCommand) -> Self {
        ServerConfig {
            worker,
            default_time_limit_ms: 10_000,
            max_concurrent_solves: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            max_queued: 64,
            max_message_bytes: MAX_MESSAGE_BYTES,
            max_entities: 500_000,
            max_time_limit_ms: 600_000,
            deadline_margin: Duration::from_millis(250),
            shutdown_grace: Duration::from_secs(30),
            tls: None,
            tokens: Vec::new(),
            metrics_addr: None,
        }
    }
}
