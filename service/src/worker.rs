//! `clinicplan worker`: the process that runs HiGHS for one solve. It reads a [`Job`]
//! (JSON) on standard input and writes each [`MipEvent`] as one line, prefixed with
//! [`EVENT_PREFIX`], on standard output. The parent may kill it at any moment.

use std::io::{Read, Write};
use std::time::Duration;

use anyhow::Context;
use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::input::TheatreRequest;
use clinicplan_solver::theatre::stages::{MipEvent, lp_bound, solve_stages};
use clinicplan_solver::theatre::validate;
use serde::{Deserialize, Serialize};

/// Marks the worker's own lines on standard output (HiGHS may print there too).
pub const EVENT_PREFIX: &str = "@clinicplan-event ";

/// What a worker computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// The LP relaxation bound, run alongside the local search.
    LpBound,
    /// The policy's MIP stages, from `start`.
    Stages,
}

/// One worker's work.
#[derive(Serialize, Deserialize)]
pub struct Job {
    pub kind: JobKind,
    pub request: TheatreRequest,
    /// Stages: the plan to start from (the best after local improvement). LP bound: the
    /// start plan whose P1 count is the floor (from before the local improvement).
    pub start: Assignment,
    pub budget_ms: u64,
    /// The request the solve serves, put on the worker's log lines.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// Runs one job from `input`, writing events to `output`. Its standard error is the
/// parent's log: a failure is logged here (at ERROR, its message, which may echo the
/// request, at DEBUG only), in the request's span.
pub fn run(input: impl Read, output: impl Write) -> anyhow::Result<()> {
    let job = read_job(input).inspect_err(log_failure)?;
    // The worker's lines carry the request id, as the server's do.
    let span = match &job.request_id {
        Some(id) => tracing::info_span!("request", request_id = %id, worker = ?job.kind),
        None => tracing::info_span!("worker", worker = ?job.kind),
    };
    let _in_request = span.enter();
    tracing::debug!(budget_ms = job.budget_ms, "worker started");
    run_job(job, output).inspect_err(log_failure)
}

fn log_failure(error: &anyhow::Error) {
    tracing::error!("the worker failed");
    tracing::debug!(error = %format!("{error:#}"), "the worker's failure");
}

fn read_job(mut input: impl Read) -> anyhow::Result<Job> {
    let mut text = Vec::new();
    input.read_to_end(&mut text).context("reading the job")?;
    serde_json::from_slice(&text).context("decoding the job")
}

/// Computes `job`, writing its events to `output`.
fn run_job(job: Job, mut output: impl Write) -> anyhow::Result<()> {
    let instance = validate(&job.request).context("the job's request is invalid")?;
    anyhow::ensure!(
        job.start.0.len() == instance.patients.len(),
        "the start plan does not match the request"
    );
    let mut failure = None;
    let mut emit = |event: MipEvent| {
        let line = serde_json::to_string(&event).map(|json| format!("{EVENT_PREFIX}{json}\n"));
        let written = line.map_err(anyhow::Error::from).and_then(|l| {
            Ok(output
                .write_all(l.as_bytes())
                .and_then(|_| output.flush())?)
        });
        if let Err(e) = written {
            failure.get_or_insert(e);
        }
    };
    let budget = Duration::from_millis(job.budget_ms);
    if job.kind == JobKind::Stages {
        yield_cpu_to_the_bound_worker();
    }
    match job.kind {
        JobKind::LpBound => lp_bound(&instance, &job.start, budget, &mut emit),
        JobKind::Stages => solve_stages(&instance, job.start, budget, &mut emit),
    }
    tracing::debug!("worker done");
    match failure {
        Some(e) => Err(e.context("writing an event")),
        None => Ok(()),
    }
}

/// The stages worker runs beside the LP-bound worker, whose pattern relaxation and
/// diving are what usually improve the plan (docs/benchmarks.md); on a machine with
/// fewer free cores than threads, the stages worker gives way (nice 10). It still gets
/// every idle cycle, so nothing changes on an idle machine.
fn yield_cpu_to_the_bound_worker() {
    // SAFETY: setpriority on this process (who = 0) only changes its scheduling
    // priority; a failure (no permission) leaves it as it was, which is harmless.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
}
