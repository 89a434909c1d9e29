//! `clinicplan.v1.ScenarioRunner`: scenarios sent as TOML text (with their waiting-list
//! CSV as text: a server cannot read the client's files), run on the server and
//! streamed back week by week. Both kinds run: theatre-list scenarios (`WeekProgress`,
//! `ScenarioSummary`) and GP-network scenarios (`GpWeekProgress`, `GpScenarioSummary`).
//!
//! A run takes one place in the server's shared solve pool ([`Shared`]'s admission, so
//! it counts against `max_concurrent_solves` and queues or gets RESOURCE_EXHAUSTED like
//! any solve) and runs on one blocking thread: its variants one after the other, so one
//! place is one core. Each simulated week goes through a bounded tokio channel to the
//! response stream. When the client cancels or disconnects, tonic drops the stream,
//! whose drop sets the run's cancel flag; the simulation stops before its next week
//! (a send that fails sets it too) and the place is released.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use clinicplan_solver::simulate::gp::{GpScenario, run_gp_variant};
use clinicplan_solver::simulate::{InProcess, RunOptions, Scenario, SimulationError};
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
use crate::scenario::run_scenario;
use crate::telemetry::Metrics;
use parse::{Parsed, parse_blocking};

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

/// How one variant's run ended: its summaries, or the code the call ended with.
enum Ran<S> {
    Done(Vec<S>),
    Ended(Code),
}

/// Runs each of `names` in turn with `run_one` unless the call is cancelled first, and
/// gathers their summaries; `Err` holds the code the call ended with (a failure, named
/// as a `kind` run, is sent to the client).
fn each_variant<S, E: std::fmt::Display>(
    names: &[String],
    cancel: &AtomicBool,
    tx: &mpsc::Sender<EventResult>,
    kind: &str,
    mut run_one: impl FnMut(&String) -> Result<Ran<S>, E>,
) -> Result<Vec<S>, Code> {
    let mut summaries = Vec::with_capacity(names.len());
    for name in names {
        if cancel.load(Ordering::Relaxed) {
            return Err(Code::Cancelled);
        }
        match run_one(name) {
            Ok(Ran::Ended(code)) => return Err(code),
            Ok(Ran::Done(s)) => summaries.extend(s),
            Err(e) => {
                // The message and the variant's name come from the scenario: DEBUG only.
                warn!("{kind} run failed");
                debug!(error = %e, variant = %name, "{kind} run failed");
                return Err(send_failure(tx, e.to_string()));
            }
        }
    }
    Ok(summaries)
}

/// Runs the variants one after the other, sending each week and then the summary.
/// Returns the code the call ended with.
fn simulate(
    scenario: &Scenario,
    names: &[String],
    weeks: u32,
    cancel: &AtomicBool,
    tx: &mpsc::Sender<EventResult>,
) -> Code {
    let summaries = each_variant(names, cancel, tx, "scenario", |name| {
        // One replication: the stream's messages carry no replication number.
        let run = run_scenario(
            scenario,
            std::slice::from_ref(name),
            (weeks, 1),
            cancel,
            &InProcess,
            &|progress| {
                if tx
                    .blocking_send(Ok(convert::week_event(progress.result)))
                    .is_err()
                {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
        )?;
        Ok::<_, SimulationError>(if run.stopped_early {
            Ran::Ended(Code::Cancelled)
        } else {
            Ran::Done(run.variants.into_iter().map(|v| v.summary).collect())
        })
    });
    match summaries {
        Ok(summaries) => {
            let summary = convert::summary_to_proto(scenario, &summaries);
            send_summary(tx, convert::summary_event(summary))
        }
        Err(code) => code,
    }
}

/// [`simulate`] for a GP-network scenario: each variant's weeks, one after the other,
/// then the summary.
fn simulate_gp(
    scenario: &GpScenario,
    names: &[String],
    weeks: u32,
    cancel: &AtomicBool,
    tx: &mpsc::Sender<EventResult>,
) -> Code {
    let summaries = each_variant(names, cancel, tx, "GP-network scenario", |name| {
        let Some(variant) = scenario.variant(name) else {
            return Ok(Ran::Ended(send_failure(tx, format!("no variant '{name}'"))));
        };
        let options = RunOptions {
            weeks,
            cancel: Some(cancel),
            solver: &InProcess,
        };
        let run = run_gp_variant(scenario, variant, &options, |week, _| {
            if tx.blocking_send(Ok(convert::gp_week_event(week))).is_err() {
                cancel.store(true, Ordering::Relaxed);
            }
        })?;
        Ok::<_, SimulationError>(if run.stopped_early {
            Ran::Ended(Code::Cancelled)
        } else {
            Ran::Done(vec![run.summary])
        })
    });
    match summaries {
        Ok(summaries) => {
            let summary = convert::gp_summary_to_proto(scenario, &summaries);
            send_summary(tx, convert::gp_summary_event(summary))
        }
        Err(code) => code,
    }
}

/// A run the server has admitted: the scenario, its variants and weeks, and when the
/// call came in.
struct Run {
    scenario: Parsed,
    names: Vec<String>,
    weeks: u32,
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
            names,
            weeks,
            started,
        } = run;
        metrics.running.inc();
        let code = span.in_scope(|| {
            let code = match &scenario {
                Parsed::Theatre(s) => simulate(s, &names, weeks, &flag, &tx),
                Parsed::Gp(s) => simulate_gp(s, &names, weeks, &flag, &tx),
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
            let request = request.into_inner();
            let scenario = parse_blocking(request.scenario_toml, request.waiting_list_csv).await?;
            let (names, weeks) = scenario
                .run_choice(&request.variants, request.weeks)
                .map_err(to_status)?;
            if let Parsed::Theatre(s) = &scenario {
                shared.check_limits(&[("waiting_list", s.starting_list.len())], 0)?;
            }
            let (name, kind) = scenario.name_and_kind();
            info!(
                kind,
                n_variants = names.len(),
                weeks,
                "RunScenario received"
            );
            debug!(scenario = %name, variants = %names.join(","), "RunScenario's scenario");
            let permit = shared.admission.admit().await?;
            let run = Run {
                scenario,
                names,
                weeks,
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
