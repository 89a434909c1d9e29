//! Prometheus-style metrics of one server, and the optional HTTP endpoint that serves
//! them (`GET /metrics`, text exposition format).

use std::net::SocketAddr;
use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The server's metrics, in a registry of its own (several servers may share a process,
/// as in the tests).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Answers by RPC and gRPC code.
    pub requests: IntCounterVec,
    /// Requests waiting for a solver.
    pub queued: IntGauge,
    /// Solves running now.
    pub running: IntGauge,
    /// Solve time by RPC, seconds.
    pub solve_seconds: HistogramVec,
    /// Relative gap of the answers by RPC.
    pub gap: HistogramVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("clinicplan_requests_total", "Answers by RPC and gRPC code."),
            &["rpc", "code"],
        )
        .expect("a valid metric");
        let queued = IntGauge::new("clinicplan_queue_depth", "Requests waiting for a solver.")
            .expect("a valid metric");
        let running = IntGauge::new("clinicplan_solves_running", "Solves running now.")
            .expect("a valid metric");
        let solve_seconds = HistogramVec::new(
            HistogramOpts::new("clinicplan_solve_seconds", "Solve time by RPC.").buckets(vec![
                0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
            ]),
            &["rpc"],
        )
        .expect("a valid metric");
        let gap = HistogramVec::new(
            HistogramOpts::new("clinicplan_gap", "Relative gap of the answers by RPC.").buckets(
                vec![
                    0.0, 1e-6, 1e-4, 1e-3, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 1.0,
                ],
            ),
            &["rpc"],
        )
        .expect("a valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(queued.clone()),
            Box::new(running.clone()),
            Box::new(solve_seconds.clone()),
            Box::new(gap.clone()),
        ] {
            registry.register(c).expect("metric names are unique");
        }
        Metrics {
            registry,
            requests,
            queued,
            running,
            solve_seconds,
            gap,
        }
    }

    /// Counts one answer.
    pub fn answered(&self, rpc: &str, code: tonic::Code) {
        self.requests
            .with_label_values(&[rpc, &format!("{code:?}")])
            .inc();
    }

    /// Records a solve's time and gap.
    pub fn solved(&self, rpc: &str, elapsed: Duration, gap: f64) {
        self.solve_seconds
            .with_label_values(&[rpc])
            .observe(elapsed.as_secs_f64());
        if gap.is_finite() {
            self.gap.with_label_values(&[rpc]).observe(gap);
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("metrics encode");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` completes.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    metrics: Metrics,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    metrics.render(),
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds the metrics address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
