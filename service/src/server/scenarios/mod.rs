//! `clinicplan.v1.ScenarioRunner`: scenarios sent as TOML text (with their waiting-list
//! CSV as text: a server cannot read the client's files), run on the server and
//! streamed back week by week. Both kinds run: theatre-list scenarios (`WeekProgress`,
//! `ScenarioSummary`) and GP-network scenarios (`GpWeekProgress`, `GpScenarioSummary`).
//!
//! A run takes one place in the server's shared solve pool ([`Shared`]'s admission, so
//! it counts against `max_concurrent_solves` and queues or gets RESOURCE_EXHAUSTED like
//! any solve) and runs on one blocking thread: its variants and their replications one
//! run after the other ([`OnePlace`]), so one place is one core. Each simulated week goes through a bounded tokio channel to the
//! response stream. When the client cancels or disconnects, tonic drops the stream,
//! whose drop sets the run's cancel flag; the simulation stops before its next week
//! (a send that fails sets it too) and the place is released.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use clinicplan_solver::appointments::Network;
use clinicplan_solver::appointments::input::BalanceRequest;
use clinicplan_solver::simulate::gp::{GpScenario, GpVariantRun};
use clinicplan_solver::simulate::{
    GpWeekPlan, InProcess, Scenario, TheatreWeekPlan, WeekSolveError, WeekSolver, statistics,
};
use clinicplan_solver::theatre::domain::Instance;
use clinicplan_solver::theatre::input::TheatreRequest;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request, Response, Status};
use tracing::{Instrument, debug, info, info_span, warn};

use super::state::{Shared, log_failure, with_request_id};
use crate::convert::scenarios as convert;
use crate::error::{ServiceError, to_status};
use crate::proto;
use crate::proto::scenario_runner_server::ScenarioRunner;
use crate::scenario::gp::run_gp;
use crate::scenario::run_scenario;
use crate::telemetry::Metrics;
use parse::{Choice, Parsed, parse_blocking};

mod parse;

/// Events waiting to be sent before the simulation waits for the client.
const CHANNEL_DEPTH: usize = 64;

/// The ScenarioRunner service, sharing the server's solve pool.
pub(super) struct ScenarioRunnerService(pub(super) Arc<Shared>);

type EventResult = Result<proto::RunScenarioEvent, Status>;

/// The response stream: the channel's receiving end, which stops the run when dropped.
struct Events {
    rx: ReceiverStream<EventResult>,
    cancel: Arc<AtomicBool>,
}

impl Stream for Events {
    type Item = EventResult;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EventResult>> {
        Pin::new(&mut self.rx).poll_next(cx)
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Ends a run with INTERNAL and `message`; returns the code.
fn send_failure(tx: &mpsc::Sender<EventResult>, message: String) -> Code {
    let status = to_status(ServiceError::Internal(message));
    let code = status.code();
    let _ = tx.blocking_send(Err(status));
    code
}

/// Sends the run's summary; CANCELLED if the client has gone.
fn send_summary(tx: &mpsc::Sender<EventResult>, summary: proto::RunScenarioEvent) -> Code {
    match tx.blocking_send(Ok(summary)) {
        Ok(()) => Code::Ok,
        Err(_) => Code::Cancelled,
    }
}

/// Solves every week in this process, one run after another: a scenario run holds
/// one place in the solve pool, so it keeps to one core.
struct OnePlace;

impl WeekSolver for OnePlace {
    fn plan_theatres(
        &self,
        week: u32,
        request: &TheatreRequest,
        instance: &Instance,
        time_limit: Duration,
    ) -> Result<TheatreWeekPlan, WeekSolveError> {
        InProcess.plan_theatres(week, request, instance, time_limit)
    }

    fn balance(
        &self,
        week: u32,
        request: &BalanceRequest,
        network: &Network,
    ) -> Result<GpWeekPlan, WeekSolveError> {
        InProcess.balance(week, request, network)
    }

    fn parallel_variants(&self) -> usize {
        1
    }
}

/// The runs of a simulation that finished, or the code the call ended with: CANCELLED
/// when it was stopped, or a failure (named as a `kind` run), which is sent to the
/// client.
fn finished<R, E: std::fmt::Display>(
    outcome: Result<R, E>,
    stopped_early: impl FnOnce(&R) -> bool,
    tx: &mpsc::Sender<EventResult>,
    kind: &str,
) -> Result<R, Code> {
    match outcome {
        Ok(runs) if stopped_early(&runs) => Err(Code::Cancelled),
        Ok(runs) => Ok(runs),
        Err(e) => {
            // The message comes from the scenario: DEBUG only.
            warn!("{kind} run failed");
            debug!(error = %e, "{kind} run failed");
            Err(send_failure(tx, e.to_string()))
        }
    }
}

/// Sends `event` unless the client has gone; once it has, sets `cancel`.
fn send_week(tx: &mpsc::Sender<EventResult>, cancel: &AtomicBool, event: proto::RunScenarioEvent) {
    if tx.blocking_send(Ok(event)).is_err() {
        cancel.store(true, Ordering::Relaxed);
    }
}

/// Runs the variants, each `choice.replications` times, one run after the other
/// (variant by variant, each variant's replications in order), sending each week and
/// then the summary. Returns the code the call ended with.
fn simulate(
    scenario: &Scenario,
    choice: &Choice,
    cancel: &AtomicBool,
    tx: &mpsc::Sender<EventResult>,
) -> Code {
    let outcome = run_scenario(
        scenario,
        &choice.names,
        (choice.weeks, choice.replications),
        cancel,
        &OnePlace,
        &|progress| send_week(tx, cancel, convert::week_event(progress.result)),
    );
    match finished(outcome, |run| run.stopped_early, tx, "scenario") {
        Ok(run) => {
            let summary = convert::summary_to_proto(scenario, &run.variants, &run.statistics);
            send_summary(tx, convert::summary_event(summary))
        }
        Err(code) => code,
    }
}

/// [`simulate`] for a GP-network scenario.
fn simulate_gp(
    scenario: &GpScenario,
    choice: &Choice,
    cancel: &AtomicBool,
    tx: &mpsc::Sender<EventResult>,
) -> Code {
    let outcome = run_gp(
        scenario,
        &choice.names,
        (choice.weeks, choice.replications),
        cancel,
        &OnePlace,
        &|_, week, _| send_week(tx, cancel, convert::gp_week_event(week)),
    );
    let stopped_early = |runs: &Vec<GpVariantRun>| runs.iter().any(|r| r.stopped_early);
    match finished(outcome, stopped_early, tx, "GP-network scenario") {
        Ok(runs) => {
            let statistics = statistics::<GpScenario>(&choice.names, &runs);
            let summary = convert::gp_summary_to_proto(scenario, &runs, &statistics);
            send_summary(tx, convert::gp_summary_event(summary))
        }
        Err(code) => code,
    }
}

/// A run the server has admitted: the scenario, what to run, and when the call came
/// in.
struct Run {
    scenario: Parsed,
    choice: Choice,
    started: Instant,
}

/// Runs `run` on a blocking thread (holding `permit`, within the current span) and
/// returns the stream of its events.
fn spawn_run(run: Run, permit: OwnedSemaphorePermit, metrics: Metrics) -> Events {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let Run {
            scenario,
            choice,
            started,
        } = run;
        metrics.running.inc();
        let code = span.in_scope(|| {
            let code = match &scenario {
                Parsed::Theatre(s) => simulate(s, &choice, &flag, &tx),
                Parsed::Gp(s) => simulate_gp(s, &choice, &flag, &tx),
            };
            info!(
                ?code,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "RunScenario ended"
            );
            code
        });
        metrics.running.dec();
        if code == Code::Ok {
            metrics.solved("RunScenario", started.elapsed(), 0.0);
        }
        metrics.answered("RunScenario", code);
    });
    Events {
        rx: ReceiverStream::new(rx),
        cancel,
    }
}

#[tonic::async_trait]
impl ScenarioRunner for ScenarioRunnerService {
    type RunScenarioStream = Pin<Box<dyn Stream<Item = EventResult> + Send + 'static>>;

    async fn run_scenario(
        &self,
        request: Request<proto::RunScenarioRequest>,
    ) -> Result<Response<Self::RunScenarioStream>, Status> {
        let shared = self.0.clone();
        let id = shared.request_id(request.metadata());
        let span = info_span!("request", request_id = %id, rpc = "RunScenario");
        let started = Instant::now();
        let answer: Result<Response<Self::RunScenarioStream>, Status> = async {
            let mut request = request.into_inner();
            let toml_text = std::mem::take(&mut request.scenario_toml);
            let csv_text = std::mem::take(&mut request.waiting_list_csv);
            let scenario = parse_blocking(toml_text, csv_text).await?;
            let choice = scenario.run_choice(&request).map_err(to_status)?;
            if let Parsed::Theatre(s) = &scenario {
                shared.check_limits(&[("waiting_list", s.starting_list.len())], 0)?;
            }
            let (name, kind) = scenario.name_and_kind();
            info!(
                kind,
                n_variants = choice.names.len(),
                weeks = choice.weeks,
                replications = choice.replications,
                "RunScenario received"
            );
            debug!(scenario = %name, variants = %choice.names.join(","), "RunScenario's scenario");
            let permit = shared.admission.admit().await?;
            let run = Run {
                scenario,
                choice,
                started,
            };
            let stream: Self::RunScenarioStream =
                Box::pin(spawn_run(run, permit, shared.metrics.clone()));
            Ok(Response::new(stream))
        }
        .instrument(span.clone())
        .await;
        if let Err(status) = &answer {
            span.in_scope(|| log_failure("RunScenario", status));
        }
        let answer = with_request_id(answer, &id);
        if let Err(status) = &answer {
            shared.metrics.answered("RunScenario", status.code());
        }
        answer
    }

    async fn validate_scenario(
        &self,
        request: Request<proto::ValidateScenarioRequest>,
    ) -> Result<Response<proto::ValidateScenarioResponse>, Status> {
        let shared = &self.0;
        let id = shared.request_id(request.metadata());
        let span = info_span!("request", request_id = %id, rpc = "ValidateScenario");
        let answer: Result<Response<proto::ValidateScenarioResponse>, Status> = async {
            let request = request.into_inner();
            let scenario = parse_blocking(request.scenario_toml, request.waiting_list_csv).await?;
            Ok(Response::new(match &scenario {
                Parsed::Theatre(s) => convert::validated_to_proto(s),
                Parsed::Gp(s) => convert::gp_validated_to_proto(s),
            }))
        }
        .instrument(span.clone())
        .await;
        if let Err(status) = &answer {
            span.in_scope(|| log_failure("ValidateScenario", status));
        }
        let answer = with_request_id(answer, &id);
        shared.metrics.answered(
            "ValidateScenario",
            answer.as_ref().map_or_else(Status::code, |_| Code::Ok),
        );
        answer
    }
}
