//! Runs a solve with its deadline guaranteed: validation, the start plans and the
//! local improvement in this process; HiGHS in worker processes (`clinicplan worker`):
//! one computes the LP bound from the start, beside the local search, the other runs
//! the MIP stages from the improved plan; then both search on the incumbent (a
//! portfolio of two seeds), and each better plan one finds is forwarded to the other.
//! Both are killed when the deadline passes or the caller goes away, since HiGHS does
//! not always stop at its own time limit.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clinicplan_solver::appointments::{self, BalancePlan, BalanceRequest, Network};
use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::domain::Instance;
use clinicplan_solver::theatre::effort::unset_time_limit_ms;
use clinicplan_solver::theatre::input::TheatreRequest;
use clinicplan_solver::theatre::policy::policy_worse;
use clinicplan_solver::theatre::solve::{MipRunner, Outcome, RunnerEnd, solve};
use clinicplan_solver::theatre::stages::MipEvent;
use clinicplan_solver::theatre::validate;

use crate::error::ServiceError;
use crate::logging;
use crate::worker::{EVENT_PREFIX, Job, JobKind};

/// The program run as the MIP worker process (normally `clinicplan worker`).
#[derive(Clone, Debug)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl WorkerCommand {
    /// `EXE worker`.
    pub fn clinicplan(exe: PathBuf) -> Self {
        WorkerCommand {
            program: exe,
            args: vec!["worker".into()],
        }
    }

    /// This very executable, as `clinicplan worker`.
    pub fn current_exe() -> std::io::Result<Self> {
        Ok(Self::clinicplan(std::env::current_exe()?))
    }
}

/// How solves run.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub worker: WorkerCommand,
    /// Used when a request gives no time limit.
    pub default_time_limit_ms: u32,
    /// The request this solve serves, if any: the worker processes put it on their
    /// log lines.
    pub request_id: Option<String>,
}

/// Set when the caller no longer wants the answer.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The flag itself, for solvers that look at it as they go.
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }

    /// A guard that cancels the token when dropped (when a request's future is dropped).
    pub fn drop_guard(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

pub struct CancelOnDrop(CancelToken);

impl CancelOnDrop {
    /// The request finished normally: dropping the guard no longer cancels.
    pub fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Validates and solves a request; the plan comes back by the request's time limit.
pub fn plan_theatres(
    request: TheatreRequest,
    config: &EngineConfig,
    cancel: &CancelToken,
) -> Result<(Instance, Outcome), ServiceError> {
    // The time limit counts from the request's arrival: validation is part of it.
    let arrived = Instant::now();
    let mut instance = validate(&request)?;
    let limit = instance.options.time_limit_ms.unwrap_or_else(|| {
        unset_time_limit_ms(
            instance.options.reproducible,
            config.default_time_limit_ms,
            u32::MAX,
        )
    });
    let left = u128::from(limit).saturating_sub(arrived.elapsed().as_millis());
    instance.options.time_limit_ms = Some(left.max(1) as u32);
    plan_validated(&request, instance, config, cancel)
}

/// Solves a request already validated into `instance` (the server validates before it
/// admits a request); the plan comes back by the instance's time limit, counted from
/// now. `request` is what the worker processes are given (they validate it again).
pub fn plan_validated(
    request: &TheatreRequest,
    instance: Instance,
    config: &EngineConfig,
    cancel: &CancelToken,
) -> Result<(Instance, Outcome), ServiceError> {
    let time_limit = Duration::from_millis(u64::from(
        instance.options.time_limit_ms.unwrap_or_else(|| {
            unset_time_limit_ms(
                instance.options.reproducible,
                config.default_time_limit_ms,
                u32::MAX,
            )
        }),
    ));
    let (tx, rx) = mpsc::channel();
    let mut runner = WorkerRunner {
        request,
        config,
        cancel,
        events: rx,
        tx,
        lp_worker: None,
    };
    let outcome = solve(&instance, time_limit, &mut runner)?;
    if cancel.is_cancelled() {
        return Err(ServiceError::Cancelled);
    }
    Ok((instance, outcome))
}

/// Validates and balances an appointment request in this process (a network flow: no
/// HiGHS MIP to stall in set-up), within the request's time limit counted from its
/// arrival; a cancelled request stops its solve (the flow solver looks at the token as
/// it goes) and gets `Cancelled`.
pub fn balance_appointments(
    request: &BalanceRequest,
    config: &EngineConfig,
    cancel: &CancelToken,
) -> Result<(Network, BalancePlan), ServiceError> {
    let arrived = Instant::now();
    let mut network = appointments::validate(request)?;
    let limit = network
        .options
        .time_limit_ms
        .unwrap_or(config.default_time_limit_ms);
    let left = (u128::from(limit)).saturating_sub(arrived.elapsed().as_millis());
    network.options.time_limit_ms = Some(left.max(1) as u32);
    balance_validated(network, config, cancel)
}

/// Balances a network already validated (the server validates before it admits a
/// request), within the network's time limit counted from now.
pub fn balance_validated(
    network: Network,
    config: &EngineConfig,
    cancel: &CancelToken,
) -> Result<(Network, BalancePlan), ServiceError> {
    let limit = network
        .options
        .time_limit_ms
        .unwrap_or(config.default_time_limit_ms);
    let plan = appointments::solve::balance_cancellable(&network, limit, cancel.flag())?;
    if cancel.is_cancelled() {
        return Err(ServiceError::Cancelled);
    }
    Ok((network, plan))
}

/// HiGHS overruns its time limit a little even when it does stop: a worker's budget
/// stops short of the deadline so that its last result usually arrives in time. The
/// LP-bound worker's last step (rounding the pattern relaxation) is this crate's own
/// code, which keeps to its deadline, so it needs less of a margin than the stages
/// worker, whose last step is a HiGHS MIP.
fn worker_budget(kind: JobKind, deadline: Instant) -> Duration {
    let remaining = deadline.saturating_duration_since(Instant::now());
    let share = match kind {
        JobKind::LpBound | JobKind::Reproducible => 0.95,
        JobKind::Stages => 0.85,
    };
    remaining
        .mul_f64(share)
        .saturating_sub(Duration::from_millis(100))
}

/// What the reader threads relay from the workers.
enum Message {
    Event(JobKind, MipEvent),
    Unreadable(String),
    /// The worker's output ended (it exited or was killed).
    Ended(JobKind),
}

/// Kills and reaps the child however the run ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running worker: the process, and the line to its standard input.
///
/// Why forward plans rather than restart the stages worker from a better plan: a
/// restarted worker would redo its count stages (MIPs that can take seconds on large
/// weeks) and lose the HiGHS run in progress; a forwarded plan is adopted between two
/// small MIPs of the search, which warm-starts every one from its incumbent.
struct Worker {
    child: KillOnDrop,
    /// Plans to forward; the writer thread ends (closing the input) when this drops.
    plans: mpsc::Sender<Assignment>,
}

/// Starts a worker on `job`; its events arrive on `tx`, then `Ended(kind)`.
fn spawn_worker(
    config: &EngineConfig,
    job: &Job,
    kind: JobKind,
    tx: mpsc::Sender<Message>,
) -> Result<Worker, String> {
    let worker = &config.worker;
    let mut payload =
        serde_json::to_vec(job).map_err(|e| format!("could not encode the job: {e}"))?;
    payload.push(b'\n');
    let mut child = Command::new(&worker.program)
        .args(&worker.args)
        .env(logging::FORMAT_ENV, logging::format().as_str())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map(KillOnDrop)
        .map_err(|e| {
            format!(
                "could not start the worker {}: {e}",
                worker.program.display()
            )
        })?;
    // Write and read on their own threads: a worker that stops reading or writing must
    // never hold the solve past its deadline.
    let mut stdin = child.0.stdin.take().expect("stdin is piped");
    let (plans, to_send) = mpsc::channel::<Assignment>();
    std::thread::spawn(move || {
        if stdin
            .write_all(&payload)
            .and_then(|_| stdin.flush())
            .is_err()
        {
            return;
        }
        for plan in to_send {
            let Ok(mut line) = serde_json::to_vec(&plan) else {
                continue;
            };
            line.push(b'\n');
            if stdin.write_all(&line).and_then(|_| stdin.flush()).is_err() {
                return;
            }
        }
    });
    let stdout = child.0.stdout.take().expect("stdout is piped");
    let span = tracing::Span::current();
    std::thread::spawn(move || {
        let _in_request = span.entered();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match line.strip_prefix(EVENT_PREFIX) {
                Some(json) => {
                    let message = match serde_json::from_str(json) {
                        Ok(event) => Message::Event(kind, event),
                        Err(e) => Message::Unreadable(e.to_string()),
                    };
                    if tx.send(message).is_err() {
                        return;
                    }
                }
                // HiGHS's own log (when the request asks for it), as log lines in
                // the request's span: numbers only, no identifiers.
                None => tracing::info!(target: "clinicplan::highs", "{line}"),
            }
        }
        let _ = tx.send(Message::Ended(kind));
    });
    Ok(Worker { child, plans })
}

/// Runs the MIP stages in a child process and relays its events (and the LP worker's)
/// until both are done or the deadline passes.
struct WorkerRunner<'a> {
    request: &'a TheatreRequest,
    config: &'a EngineConfig,
    cancel: &'a CancelToken,
    events: mpsc::Receiver<Message>,
    tx: mpsc::Sender<Message>,
    lp_worker: Option<Worker>,
}

impl MipRunner for WorkerRunner<'_> {
    fn start_bound(&mut self, _instance: &Instance, floor_plan: &Assignment, deadline: Instant) {
        // The LP bound runs in a worker of its own, beside the local search.
        let job = Job {
            kind: JobKind::LpBound,
            request: self.request.clone(),
            start: floor_plan.clone(),
            budget_ms: worker_budget(JobKind::LpBound, deadline).as_millis() as u64,
            request_id: self.config.request_id.clone(),
            effort_limit: None,
        };
        self.lp_worker = spawn_worker(self.config, &job, JobKind::LpBound, self.tx.clone()).ok();
    }

    fn run(
        &mut self,
        instance: &Instance,
        start: &Assignment,
        deadline: Instant,
        on_event: &mut dyn FnMut(MipEvent),
    ) -> RunnerEnd {
        let end = if instance.clock.is_virtual() {
            self.run_reproducible(instance, start, on_event)
        } else {
            self.run_stages(instance, start, deadline, on_event)
        };
        if let RunnerEnd::Failed(why) = &end {
            // A server fault: the plan still comes back (from the local search), and the
            // operator hears of it. The reason names no request value.
            tracing::warn!(reason = %why, "the MIP worker failed");
        }
        end
    }
}

impl WorkerRunner<'_> {
    /// Reproducible mode: one worker runs the whole pipeline on its virtual clock, as an
    /// in-process solve does, with no plans exchanged (an exchange would depend on
    /// timing); its events are relayed in order until it ends or the safety net (the
    /// time limit) passes.
    fn run_reproducible(
        &mut self,
        instance: &Instance,
        start: &Assignment,
        on_event: &mut dyn FnMut(MipEvent),
    ) -> RunnerEnd {
        let clock = &instance.clock;
        let deadline = clock.safety().unwrap_or_else(Instant::now);
        let job = Job {
            kind: JobKind::Reproducible,
            request: self.request.clone(),
            start: start.clone(),
            budget_ms: worker_budget(JobKind::Reproducible, deadline).as_millis() as u64,
            request_id: self.config.request_id.clone(),
            effort_limit: clock.limit().map(|l| l.saturating_sub(clock.used())),
        };
        let worker = match spawn_worker(self.config, &job, JobKind::Reproducible, self.tx.clone()) {
            Ok(worker) => worker,
            Err(e) => return RunnerEnd::Failed(e),
        };
        loop {
            if self.cancel.is_cancelled() {
                return RunnerEnd::Cancelled;
            }
            let now = Instant::now();
            if now >= deadline {
                clock.mark_struck();
                return RunnerEnd::DeadlineReached;
            }
            let wait = (deadline - now).min(Duration::from_millis(50));
            match self.events.recv_timeout(wait) {
                Ok(Message::Event(_, event)) => on_event(event),
                Ok(Message::Unreadable(e)) => {
                    return RunnerEnd::Failed(format!("unreadable worker event: {e}"));
                }
                Ok(Message::Ended(_)) => {
                    let mut child = worker.child;
                    return match child.0.wait() {
                        Ok(status) if status.success() => RunnerEnd::Finished,
                        Ok(status) => RunnerEnd::Failed(format!("the worker exited with {status}")),
                        Err(e) => RunnerEnd::Failed(e.to_string()),
                    };
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return RunnerEnd::Failed("the worker's events stopped".into());
                }
            }
        }
    }

    /// Runs the stages worker and relays both workers' events until they end.
    fn run_stages(
        &mut self,
        instance: &Instance,
        start: &Assignment,
        deadline: Instant,
        on_event: &mut dyn FnMut(MipEvent),
    ) -> RunnerEnd {
        let job = self.stages_job(start, deadline);
        // Ending before this (a tenth of its budget early, or 100 ms) means the stages
        // worker stopped of its own accord, not at its budget.
        let budget = Duration::from_millis(job.budget_ms);
        let stages_early = Instant::now() + budget - (budget / 10).max(Duration::from_millis(100));
        let mut stages_worker =
            match spawn_worker(self.config, &job, JobKind::Stages, self.tx.clone()) {
                Ok(child) => child,
                Err(e) => return RunnerEnd::Failed(e),
            };
        // The best plan either worker has, forwarded to the other when it improves.
        let mut best = start.clone();
        if let Some(lp) = &self.lp_worker {
            let _ = lp.plans.send(start.clone());
        }
        // Until both workers end (or the deadline): the LP-bound worker's pattern
        // rounding may bring a better plan than the stages, after them.
        let mut stages_running = true;
        let mut lp_running = self.lp_worker.is_some();
        // The work units each worker reported last; the solve's is their sum.
        let mut effort = [0u64; 2];
        while stages_running || lp_running {
            if self.cancel.is_cancelled() {
                return RunnerEnd::Cancelled;
            }
            let now = Instant::now();
            if now >= deadline {
                return RunnerEnd::DeadlineReached;
            }
            let wait = (deadline - now).min(Duration::from_millis(50));
            match self.events.recv_timeout(wait) {
                Ok(Message::Event(kind, MipEvent::Effort { used, struck })) => {
                    effort[usize::from(kind == JobKind::Stages)] = used;
                    on_event(MipEvent::Effort {
                        used: effort.iter().sum(),
                        struck,
                    });
                }
                Ok(Message::Event(kind, event)) => {
                    if let MipEvent::StageDone {
                        plan: Some(plan), ..
                    } = &event
                        && policy_worse(instance, &best, plan)
                    {
                        best = plan.clone();
                        let other = match kind {
                            JobKind::LpBound => Some(&stages_worker),
                            JobKind::Stages => self.lp_worker.as_ref(),
                            JobKind::Reproducible => None,
                        };
                        if let Some(other) = other {
                            let _ = other.plans.send(plan.clone());
                        }
                    }
                    on_event(event)
                }
                Ok(Message::Unreadable(e)) => {
                    return RunnerEnd::Failed(format!("unreadable worker event: {e}"));
                }
                Ok(Message::Ended(JobKind::LpBound | JobKind::Reproducible)) => lp_running = false,
                Ok(Message::Ended(JobKind::Stages)) => {
                    stages_running = false;
                    if let Some(end) = self.stages_ended(&mut stages_worker, stages_early, on_event)
                    {
                        return end;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        RunnerEnd::Finished
    }

    /// The stages worker's job.
    fn stages_job(&self, start: &Assignment, deadline: Instant) -> Job {
        Job {
            kind: JobKind::Stages,
            request: self.request.clone(),
            start: start.clone(),
            budget_ms: worker_budget(JobKind::Stages, deadline).as_millis() as u64,
            request_id: self.config.request_id.clone(),
            effort_limit: None,
        }
    }

    /// The stages worker ended: how the run ends, or `None` to keep relaying the
    /// LP-bound worker's events.
    fn stages_ended(
        &self,
        stages_worker: &mut Worker,
        stages_early: Instant,
        on_event: &mut dyn FnMut(MipEvent),
    ) -> Option<RunnerEnd> {
        match stages_worker.child.0.wait() {
            // Ended before its budget: the search found nothing more to
            // look for (the plan is optimal for its floors), so the other
            // worker's search is stopped too.
            Ok(status) if status.success() && Instant::now() < stages_early => {
                while let Ok(Message::Event(_, event)) = self.events.try_recv() {
                    on_event(event);
                }
                Some(RunnerEnd::Finished)
            }
            Ok(status) if status.success() => None,
            Ok(status) => Some(RunnerEnd::Failed(format!(
                "the worker exited with {status}"
            ))),
            Err(e) => Some(RunnerEnd::Failed(e.to_string())),
        }
    }
}
