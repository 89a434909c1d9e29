//! Runs a solve with its deadline guaranteed: validation and the constructive plan in
//! this process, the HiGHS stages in a worker process (`clinicplan worker`) that is
//! killed when the deadline passes or the caller goes away, since HiGHS does not
//! always stop at its own time limit.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clinicplan_solver::domain::Instance;
use clinicplan_solver::input::TheatreRequest;
use clinicplan_solver::mip::MipEvent;
use clinicplan_solver::plan::Assignment;
use clinicplan_solver::solve::{MipRunner, Outcome, RunnerEnd, solve};
use clinicplan_solver::validate;

use crate::error::ServiceError;
use crate::worker::{EVENT_PREFIX, Job};

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
    let instance = validate(&request)?;
    let time_limit = Duration::from_millis(u64::from(
        instance
            .options
            .time_limit_ms
            .unwrap_or(config.default_time_limit_ms),
    ));
    let mut runner = WorkerRunner {
        request: &request,
        worker: &config.worker,
        cancel,
    };
    let outcome = solve(&instance, time_limit, &mut runner)?;
    if cancel.is_cancelled() {
        return Err(ServiceError::Cancelled);
    }
    Ok((instance, outcome))
}

/// Runs the staged MIP in a child process and relays its events until the deadline.
struct WorkerRunner<'a> {
    request: &'a TheatreRequest,
    worker: &'a WorkerCommand,
    cancel: &'a CancelToken,
}

/// Kills and reaps the child however the run ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl MipRunner for WorkerRunner<'_> {
    fn run(
        &mut self,
        _instance: &Instance,
        start: &Assignment,
        deadline: Instant,
        on_event: &mut dyn FnMut(MipEvent),
    ) -> RunnerEnd {
        // HiGHS overruns its time limit a little even when it does stop: give the worker
        // a budget short of the deadline so that its last result usually arrives in time.
        let remaining = deadline.saturating_duration_since(Instant::now());
        let budget = (remaining.mul_f64(0.85)).saturating_sub(Duration::from_millis(100));
        let job = Job {
            request: self.request.clone(),
            start: start.clone(),
            budget_ms: budget.as_millis() as u64,
        };
        let payload = match serde_json::to_vec(&job) {
            Ok(p) => p,
            Err(e) => return RunnerEnd::Failed(format!("could not encode the job: {e}")),
        };
        let child = Command::new(&self.worker.program)
            .args(&self.worker.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match child {
            Ok(c) => KillOnDrop(c),
            Err(e) => {
                return RunnerEnd::Failed(format!(
                    "could not start the worker {}: {e}",
                    self.worker.program.display()
                ));
            }
        };
        // Write and read on their own threads: a worker that stops reading or writing
        // must never hold this thread past the deadline.
        let mut stdin = child.0.stdin.take().expect("stdin is piped");
        std::thread::spawn(move || {
            let _ = stdin.write_all(&payload);
        });
        let stdout = child.0.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel::<Result<MipEvent, String>>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match line.strip_prefix(EVENT_PREFIX) {
                    Some(json) => {
                        let event = serde_json::from_str(json).map_err(|e| e.to_string());
                        if tx.send(event).is_err() {
                            break;
                        }
                    }
                    // HiGHS's own log, when asked for, goes to standard error.
                    None => eprintln!("{line}"),
                }
            }
        });
        loop {
            if self.cancel.is_cancelled() {
                return RunnerEnd::Cancelled;
            }
            let now = Instant::now();
            if now >= deadline {
                return RunnerEnd::DeadlineReached;
            }
            let wait = (deadline - now).min(Duration::from_millis(50));
            match rx.recv_timeout(wait) {
                Ok(Ok(event)) => on_event(event),
                Ok(Err(e)) => return RunnerEnd::Failed(format!("unreadable worker event: {e}")),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return match child.0.wait() {
                        Ok(status) if status.success() => RunnerEnd::Finished,
                        Ok(status) => RunnerEnd::Failed(format!("the worker exited with {status}")),
                        Err(e) => RunnerEnd::Failed(e.to_string()),
                    };
                }
            }
        }
    }
}
