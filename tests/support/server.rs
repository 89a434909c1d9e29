//! A real clinicplan server on 127.0.0.1, port 0, owned by one test.
//!
//! The listener is bound before the server is spawned, so the client can connect at
//! once without waiting. The server stops when the harness is dropped.

use std::future::Future;
use std::time::Duration;

use clinicplan_service::engine::WorkerCommand;
use clinicplan_service::proto;
use clinicplan_service::proto::appointment_balancer_client::AppointmentBalancerClient;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_service::server::{ServerConfig, serve};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

/// Largest message the test clients send or accept.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The real MIP worker: this build's `clinicplan worker`.
pub fn worker() -> WorkerCommand {
    WorkerCommand::clinicplan(env!("CARGO_BIN_EXE_clinicplan").into())
}

/// A server and a connected channel, on their own runtime.
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    channel: Option<Channel>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Harness {
    /// A server with the real worker and the default settings.
    pub fn start() -> Harness {
        Harness::start_with(ServerConfig::new(worker()))
    }

    pub fn start_with(config: ServerConfig) -> Harness {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let (server, channel) = runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let addr = listener.local_addr().expect("the listener's address");
            let server = tokio::spawn(serve(listener, config, async move {
                let _ = shutdown_rx.await;
            }));
            let channel = Endpoint::from_shared(format!("http://{addr}"))
                .expect("a valid URI")
                .connect()
                .await
                .expect("connect to the test server");
            (server, channel)
        });
        Harness {
            runtime,
            channel: Some(channel),
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    pub fn channel(&self) -> Channel {
        self.channel.clone().expect("the harness is running")
    }

    pub fn client(&self) -> TheatreSchedulerClient<Channel> {
        TheatreSchedulerClient::new(self.channel())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Calls PlanTheatreLists.
    pub fn plan(
        &self,
        request: &proto::PlanTheatreListsRequest,
    ) -> Result<proto::PlanTheatreListsResponse, tonic::Status> {
        let mut client = self.client();
        let request = request.clone();
        self.block_on(async move { client.plan_theatre_lists(request).await })
            .map(tonic::Response::into_inner)
    }

    /// Calls BalanceAppointments.
    pub fn balance(
        &self,
        request: &proto::BalanceAppointmentsRequest,
    ) -> Result<proto::BalanceAppointmentsResponse, tonic::Status> {
        let mut client = AppointmentBalancerClient::new(self.channel())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let request = request.clone();
        self.block_on(async move { client.balance_appointments(request).await })
            .map(tonic::Response::into_inner)
    }

    /// Asks the server to shut down and returns what `serve` returned. The wait is
    /// bounded so that a server that never stops fails the test instead of hanging it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.channel = None;
        drop(self.shutdown.take());
        let server = self.server.take().expect("the harness is running");
        self.runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(60), server).await })
            .map_err(|_| anyhow::anyhow!("the server did not stop within 60 s of shutdown"))?
            .map_err(|e| anyhow::anyhow!("the server task failed: {e}"))?
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.channel = None;
        drop(self.shutdown.take());
        if let Some(server) = self.server.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(10), server).await });
        }
    }
}
