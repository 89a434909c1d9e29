//! A server on loopback with its metrics endpoint, and the bounded waits that observe it.

use std::net::SocketAddr;

use clinicplan_service::proto::appointment_balancer_client::AppointmentBalancerClient;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_service::server::{ServerConfig, serve_with_metrics};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

use super::{ANSWER_WAIT, POLL_EVERY, POLL_TRIES};

/// A server on 127.0.0.1:0 with its metrics on another 127.0.0.1:0 port.
pub(super) struct TestServer {
    pub(super) addr: SocketAddr,
    pub(super) metrics: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub(super) async fn start(config: ServerConfig) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the metrics port");
        let addr = listener.local_addr().expect("the server's address");
        let metrics = metrics_listener.local_addr().expect("the metrics address");
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with_metrics(
            listener,
            Some(metrics_listener),
            config,
            async move {
                let _ = shutdown_rx.await;
            },
        ));
        TestServer {
            addr,
            metrics,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    pub(super) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(super) async fn channel(&self) -> Channel {
        bounded(
            "connect",
            Endpoint::from_shared(self.url()).unwrap().connect(),
        )
        .await
        .expect("connect to the test server")
    }

    pub(super) async fn scheduler(&self) -> TheatreSchedulerClient<Channel> {
        TheatreSchedulerClient::new(self.channel().await)
    }

    pub(super) async fn balancer(&self) -> AppointmentBalancerClient<Channel> {
        AppointmentBalancerClient::new(self.channel().await)
    }

    /// Starts the shutdown (health NOT_SERVING, stop accepting, grace).
    pub(super) fn begin_shutdown(&mut self) {
        drop(self.shutdown.take());
    }

    /// Shuts down and returns what `serve` returned, within `ANSWER_WAIT`.
    pub(super) async fn stop(mut self) -> anyhow::Result<()> {
        self.begin_shutdown();
        self.join().await
    }

    pub(super) async fn join(&mut self) -> anyhow::Result<()> {
        let task = self.task.take().expect("the server is running");
        bounded("the server to stop", task)
            .await
            .expect("the server task panicked")
    }

    /// The value of an unlabelled metric (or the sum over the lines whose labels
    /// contain every one of `labels`).
    pub(super) async fn metric(&self, name: &str, labels: &[&str]) -> f64 {
        let text = scrape(self.metrics).await;
        metric_value(&text, name, labels)
    }

    /// Polls the metrics until `name` equals `value`; panics with the last value after
    /// `POLL_TRIES` polls.
    pub(super) async fn wait_metric(&self, name: &str, value: f64) {
        let mut last = f64::NAN;
        for _ in 0..POLL_TRIES {
            last = self.metric(name, &[]).await;
            if last == value {
                return;
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        panic!("{name} stayed at {last}, never {value}, over {POLL_TRIES} polls");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// `GET /metrics` over plain HTTP/1.1.
async fn scrape(addr: SocketAddr) -> String {
    let fetch = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut body = String::new();
        stream.read_to_string(&mut body).await?;
        Ok::<_, std::io::Error>(body)
    };
    let response = bounded("the metrics endpoint", fetch)
        .await
        .expect("GET /metrics");
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "GET /metrics: {response}"
    );
    response
}

fn metric_value(text: &str, name: &str, labels: &[&str]) -> f64 {
    let mut total = 0.0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (metric, label_text) = match series.split_once('{') {
            Some((m, l)) => (m, l),
            None => (series, ""),
        };
        if metric == name && labels.iter().all(|l| label_text.contains(l)) {
            total += value.parse::<f64>().unwrap_or(f64::NAN);
        }
    }
    total
}

/// Awaits `future` for at most `ANSWER_WAIT`; panics naming `what` if it takes longer.
pub(super) async fn bounded<F: std::future::Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(ANSWER_WAIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("waited {ANSWER_WAIT:?} for {what}"),
    }
}
