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

use clinicplan_solver::simulate::gp::{GP_KIND, GpScenario, run_gp_variant};
use clinicplan_solver::simulate::{InProcess, RunOptions, Scenario};
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request, Response, Status};
use tracing::{Instrument, debug, info, info_span, warn};

use super::state::{Shared, log_failure, with_request_id};
use crate::convert::scenarios as convert;
use crate::error::{FieldProblem, ServiceError, to_status};
use crate::proto;
use crate::proto::scenario_runner_server::ScenarioRunner;
use crate::scenario::gp::{parse_gp, selected_gp_variants};
use crate::scenario::{
    CsvProblem, LoadError, THEATRE_KIND, parse_scenario_with, ptl, run_scenario, scenario_kind,
    selected_variants,
};

/// The name problems give the TOML text.
const SHOWN: &str = "scenario_toml";

/// Events waiting to be sent before the simulation waits for the client.
const CHANNEL_DEPTH: usize = 64;

/// The ScenarioRunner service, sharing the server's solve pool.
pub(super) struct ScenarioRunnerService(pub(super) Arc<Shared>);

/// A scenario's problems as field violations: TOML syntax at `scenario_toml`, CSV rows
/// at `waiting_list_csv` (the description gives line and column), and the rest at
/// their location in the scenario (`hospital.sessions[3].weekday`).
fn load_problems(error: LoadError, csv_name: Option<&str>) -> Vec<FieldProblem> {
    let csv_field = |message: String| FieldProblem {
        field: "waiting_list_csv".into(),
        message,
    };
    match error {
        LoadError::Toml { message, .. } => vec![FieldProblem {
            field: "scenario_toml".into(),
            message,
        }],
        LoadError::Csv(problems) => problems.iter().map(|p| csv_field(p.to_string())).collect(),
        LoadError::Invalid(problems) => problems
            .into_iter()
            .map(|p| match csv_name {
                Some(name) if p.location.starts_with(&format!("{name} line")) => {
                    csv_field(p.to_string())
                }
                _ => FieldProblem {
                    field: p.location,
                    message: p.message,
                },
            })
            .collect(),
        LoadError::Io { .. } => vec![FieldProblem {
            field: "scenario_toml".into(),
            message: error.to_string(),
        }],
    }
}

/// A scenario of either kind.
enum Parsed {
    Theatre(Scenario),
    Gp(GpScenario),
}

/// Parses and validates the TOML text of either kind with the CSV text sent beside it
/// (none for a GP-network scenario).
fn parse_any(toml_text: &str, csv_text: &str) -> Result<Parsed, ServiceError> {
    if scenario_kind(toml_text) != GP_KIND {
        return parse(toml_text, csv_text).map(Parsed::Theatre);
    }
    if !csv_text.is_empty() {
        return Err(ServiceError::Scenario(vec![FieldProblem {
            field: "waiting_list_csv".into(),
            message: "a CSV was sent with a GP-network scenario, which reads none: send no CSV"
                .into(),
        }]));
    }
    parse_gp(toml_text, SHOWN)
        .map(Parsed::Gp)
        .map_err(|e| ServiceError::Scenario(load_problems(e, None)))
}

/// Parses and validates theatre-list TOML text with the CSV text sent beside it.
fn parse(toml_text: &str, csv_text: &str) -> Result<Scenario, ServiceError> {
    let mut named_csv: Option<String> = None;
    let parsed = parse_scenario_with(toml_text, SHOWN, |file| {
        named_csv = Some(file.to_string());
        if csv_text.is_empty() {
            return Err(LoadError::Csv(vec![CsvProblem {
                file: file.to_string(),
                line: 0,
                column: None,
                message: format!(
                    "the scenario's [waiting_list] names the CSV file '{file}', which this \
                     server cannot read: send its text in waiting_list_csv"
                ),
            }]));
        }
        ptl::parse_ptl(csv_text.as_bytes(), file).map_err(LoadError::Csv)
    });
    let scenario =
        parsed.map_err(|e| ServiceError::Scenario(load_problems(e, named_csv.as_deref())))?;
    if named_csv.is_none() && !csv_text.is_empty() {
        return Err(ServiceError::Scenario(vec![FieldProblem {
            field: "waiting_list_csv".into(),
            message: "a CSV was sent but the scenario's [waiting_list] names no csv file: \
                      add `csv = \"<name>\"` to it, or send no CSV"
                .into(),
        }]));
    }
    Ok(scenario)
}

/// The variants and weeks asked for, checked against the scenario (`select` picks the
/// variants, `horizon_weeks` is its horizon).
fn run_choice(
    select: impl FnOnce(Option<&[String]>) -> Result<Vec<String>, String>,
    horizon_weeks: u32,
    variants: &[String],
    weeks: u32,
) -> Result<(Vec<String>, u32), ServiceError> {
    let mut problems = Vec::new();
    let wanted = (!variants.is_empty()).then_some(variants);
    let names = select(wanted).unwrap_or_else(|message| {
        problems.push(FieldProblem {
            field: "variants".into(),
            message,
        });
        Vec::new()
    });
    if weeks > horizon_weeks {
        problems.push(FieldProblem {
            field: "weeks".into(),
            message: format!(
                "{weeks} weeks: the scenario's horizon is {horizon_weeks} weeks; give at most that, or 0 for all",
            ),
        });
    }
    if !problems.is_empty() {
        return Err(ServiceError::Scenario(problems));
    }
    let weeks = if weeks == 0 { horizon_weeks } else { weeks };
    Ok((names, weeks))
}

/// Parsing a large CSV is work: off the async threads.
async fn parse_blocking(toml_text: String, csv_text: String) -> Result<Parsed, Status> {
    tokio::task::spawn_blocking(move || parse_any(&toml_text, &csv_text))
        .await
        .map_err(|e| to_status(ServiceError::Internal(e.to_string())))?
        .map_err(to_status)
}

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

/// Runs the variants one after the other, sending each week and then the summary.
/// Returns the code the call ended with.
fn simulate(
    scenario: &Scenario,
    names: &[String],
    weeks: u32,
    cancel: &AtomicBool,
    tx: &mpsc::Sender<EventResult>,
) -> Code {
    let mut summaries = Vec::with_capacity(names.len());
    for name in names {
        if cancel.load(Ordering::Relaxed) {
            return Code::Cancelled;
        }
        let run = run_scenario(
            scenario,
            std::slice::from_ref(name),
            weeks,
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
        );
        match run {
            Ok(run) if run.stopped_early => return Code::Cancelled,
            Ok(run) => summaries.extend(run.variants.into_iter().map(|v| v.summary)),
            Err(e) => {
                // The message and the variant's name come from the scenario: DEBUG only.
                warn!("scenario run failed");
                debug!(error = %e, variant = %name, "scenario run failed");
                return send_failure(tx, e.to_string());
            }
        }
    }
    let summary = convert::summary_to_proto(scenario, &summaries);
    send_summary(tx, convert::summary_event(summary))
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
    let mut summaries = Vec::with_capacity(names.len());
    for name in names {
        if cancel.load(Ordering::Relaxed) {
            return Code::Cancelled;
        }
        let Some(variant) = scenario.variant(name) else {
            return send_failure(tx, format!("no variant '{name}'"));
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
        });
        match run {
            Ok(run) if run.stopped_early => return Code::Cancelled,
            Ok(run) => summaries.push(run.summary),
            Err(e) => {
                // The message and the variant's name come from the scenario: DEBUG only.
                warn!("GP-network scenario run failed");
                debug!(error = %e, variant = %name, "GP-network scenario run failed");
                return send_failure(tx, e.to_string());
            }
        }
    }
    let summary = convert::gp_summary_to_proto(scenario, &summaries);
    send_summary(tx, convert::gp_summary_event(summary))
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
            let (names, weeks) = match &scenario {
                Parsed::Theatre(s) => run_choice(
                    |w| selected_variants(s, w),
                    s.horizon_weeks,
                    &request.variants,
                    request.weeks,
                ),
                Parsed::Gp(s) => run_choice(
                    |w| selected_gp_variants(s, w),
                    s.horizon_weeks,
                    &request.variants,
                    request.weeks,
                ),
            }
            .map_err(to_status)?;
            let (name, kind) = match &scenario {
                Parsed::Theatre(s) => {
                    shared.check_limits(&[("waiting_list", s.starting_list.len())], 0)?;
                    (s.name.clone(), THEATRE_KIND)
                }
                Parsed::Gp(s) => (s.name.clone(), GP_KIND),
            };
            info!(
                kind,
                n_variants = names.len(),
                weeks,
                "RunScenario received"
            );
            debug!(scenario = %name, variants = %names.join(","), "RunScenario's scenario");
            let permit = shared.admission.admit().await?;
            let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
            let cancel = Arc::new(AtomicBool::new(false));
            let flag = cancel.clone();
            let metrics = shared.metrics.clone();
            let span = tracing::Span::current();
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
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
            let stream: Self::RunScenarioStream = Box::pin(Events {
                rx: ReceiverStream::new(rx),
                cancel,
            });
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
