//! `clinicplan worker`: the process that runs HiGHS for one solve. It reads a [`Job`]
//! (JSON, one line) on standard input and writes each [`MipEvent`] as one line,
//! prefixed with [`EVENT_PREFIX`], on standard output. Every further input line is a
//! better plan (an [`Assignment`], JSON) found by the other worker: the anytime search
//! adopts it when the policy ranks it higher than its own. The parent may kill it at
//! any moment.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::domain::Instance;
use clinicplan_solver::theatre::effort::{Clock, DEFAULT_EFFORT};
use clinicplan_solver::theatre::input::TheatreRequest;
use clinicplan_solver::theatre::policy::policy_worse;
use clinicplan_solver::theatre::stages::{
    Anytime, Inbox, MipEvent, Search, lp_bound, search, solve_staged, solve_stages,
};
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
    /// Reproducible mode: the whole pipeline in order (LP bound, roundings, patterns,
    /// stages, anytime search) on the virtual clock, from `start`, alone: the same code
    /// path as an in-process solve, with no plans exchanged.
    Reproducible,
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
    /// Reproducible: the work units the worker may charge (its virtual clock's limit).
    #[serde(default)]
    pub effort_limit: Option<u64>,
}

/// Seeds of the two workers' anytime searches: a portfolio of two different runs.
const STAGES_SEED: u64 = 0;
const LP_BOUND_SEED: u64 = 1;

/// Runs one job from `input`, writing events to `output`. Its standard error is the
/// parent's log: a failure is logged here (at ERROR, its message, which may echo the
/// request, at DEBUG only), in the request's span.
pub fn run(input: impl Read + Send + 'static, output: impl Write) -> anyhow::Result<()> {
    let mut input = BufReader::new(input);
    let job = read_job(&mut input).inspect_err(log_failure)?;
    // The worker's lines carry the request id, as the server's do.
    let span = match &job.request_id {
        Some(id) => tracing::info_span!("request", request_id = %id, worker = ?job.kind),
        None => tracing::info_span!("worker", worker = ?job.kind),
    };
    let _in_request = span.enter();
    tracing::debug!(budget_ms = job.budget_ms, "worker started");
    run_job(job, input, output).inspect_err(log_failure)
}

fn log_failure(error: &anyhow::Error) {
    tracing::error!("the worker failed");
    tracing::debug!(error = %format!("{error:#}"), "the worker's failure");
}

/// The job: the first line of the input.
fn read_job(input: &mut impl BufRead) -> anyhow::Result<Job> {
    let mut text = String::new();
    input.read_line(&mut text).context("reading the job")?;
    serde_json::from_str(&text).context("decoding the job")
}

/// Computes `job`, reading forwarded plans from the rest of `input` and writing its
/// events to `output`.
fn run_job(
    job: Job,
    input: impl BufRead + Send + 'static,
    mut output: impl Write,
) -> anyhow::Result<()> {
    let mut instance = validate(&job.request).context("the job's request is invalid")?;
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
    let until = Instant::now() + Duration::from_millis(job.budget_ms);
    if job.kind == JobKind::Reproducible {
        let limit = job.effort_limit.unwrap_or(DEFAULT_EFFORT);
        instance.clock = Clock::reproducible(limit, until);
    }
    let clock = instance.clock.clone();
    // Every event is followed by the effort charged so far, so that the parent knows it
    // even if it kills this worker at its deadline.
    let mut emit = |event: MipEvent| {
        emit(event);
        emit(MipEvent::Effort {
            used: clock.used(),
            struck: clock.struck(),
        });
    };
    let inbox = listen(input, instance.patients.len());
    match job.kind {
        JobKind::Reproducible => {
            let budget = instance.clock.nominal().unwrap_or_default();
            solve_staged(&instance, job.start, budget, &mut emit);
            emit(MipEvent::Effort {
                used: clock.used(),
                struck: clock.struck(),
            });
        }
        JobKind::LpBound => bound_then_search(&instance, job.start, until, &inbox, &mut emit),
        JobKind::Stages => {
            yield_cpu_to_the_bound_worker();
            let anytime = Anytime {
                seed: STAGES_SEED,
                inbox: Some(&inbox),
                lp: None,
            };
            let budget = until.saturating_duration_since(Instant::now());
            solve_stages(&instance, job.start, budget, anytime, &mut emit);
        }
    }
    tracing::debug!("worker done");
    match failure {
        Some(e) => Err(e.context("writing an event")),
        None => Ok(()),
    }
}

/// Reads the plans the engine forwards, one JSON line each, into the inbox, until the
/// input ends. A line that is not a plan of this request is ignored.
fn listen(input: impl BufRead + Send + 'static, patients: usize) -> Arc<Inbox> {
    let inbox = Arc::new(Inbox::default());
    let to_fill = Arc::clone(&inbox);
    std::thread::spawn(move || {
        for line in input.lines() {
            let Ok(line) = line else { return };
            match serde_json::from_str::<Assignment>(&line) {
                Ok(plan) if plan.0.len() == patients => to_fill.offer(plan),
                _ => tracing::debug!("the worker ignored an input line that is not a plan"),
            }
        }
    });
    inbox
}

/// The LP worker's job: the LP bound and its roundings, then, with the time left, the
/// anytime search from the best plan in hand (the second half of the portfolio, with a
/// seed of its own; the stages worker runs the first).
fn bound_then_search(
    instance: &Instance,
    floor_plan: Assignment,
    until: Instant,
    inbox: &Inbox,
    emit: &mut dyn FnMut(MipEvent),
) {
    let mut best = floor_plan.clone();
    let mut bound = f64::NEG_INFINITY;
    let budget = until.saturating_duration_since(Instant::now());
    let lp = lp_bound(instance, &floor_plan, budget, &mut |event| {
        match &event {
            MipEvent::StageDone {
                plan: Some(plan), ..
            } if policy_worse(instance, &best, plan) => best = plan.clone(),
            MipEvent::LpBound { weighted_wait, .. }
            | MipEvent::PatternBound { weighted_wait, .. } => bound = bound.max(*weighted_wait),
            _ => {}
        }
        emit(event)
    });
    let settings = Search {
        seed: LP_BOUND_SEED,
        until,
        inbox: Some(inbox),
        bound,
        counts_proven: false,
        lp: lp.as_ref(),
    };
    search(instance, &mut best, &settings, emit);
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
