//! Running one measured child process: its result line, wall and CPU time, peak memory,
//! and a kill when it overruns.
//!
//! Peak memory comes from `wait4`'s rusage, not from polling /proc/<pid>/status VmHWM:
//! - it is exact (the kernel's high-water mark), where polling misses a peak between
//!   two samples and costs CPU on a machine that is already shared;
//! - Linux fills `wait4`'s rusage as getrusage(RUSAGE_BOTH) of the reaped child, so
//!   `ru_maxrss` is the maximum of the child itself and of every descendant it reaped.
//!   The clinicplan path spawns a `clinicplan worker` process for HiGHS and the engine
//!   always reaps it (it kills and waits on it however the run ends), so the figure is
//!   max(engine process, worker process), which is what a deployment has to provision
//!   for one solve;
//! - it still holds for a child killed at its time-out (the kernel records the peak up
//!   to the kill). A worker killed together with its engine process (both in one process
//!   group) is not reaped by the engine and is then not counted: only a killed clinicplan
//!   path, which the deadline guard should make impossible, would be affected.
//!
//! `ru_maxrss` is a per-process maximum, not the footprint of processes alive at the same
//! time, and the engine runs its LP-bound worker beside the local search and the stages
//! worker. So the sum of the RSS of the child and all its descendants is also sampled
//! every 50 ms from /proc (`/proc/<pid>/task/<tid>/children`, `/proc/<pid>/statm`): cheap
//! (a handful of small reads per sample), but a peak shorter than a sample can be missed.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::child::{ChildReport, RESULT_PREFIX};

/// The bench was interrupted (SIGINT / SIGTERM) while a child ran.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Set by SIGINT / SIGTERM: the running child's process group is killed, then the bench stops.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Children run in their own process group (so that a time-out kills a worker too), which
/// keeps Ctrl-C from reaching them: catch it here and kill the group ourselves.
pub fn install_interrupt_handler() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// One child process, measured.
#[derive(Clone, Debug, Default)]
pub struct ChildRun {
    pub report: Option<ChildReport>,
    /// Spawn to reap.
    pub process_s: f64,
    /// User + system CPU of the child and its reaped descendants.
    pub cpu_s: f64,
    /// Peak resident set size (KiB) of the child and its reaped descendants, each
    /// process on its own (wait4's ru_maxrss).
    pub peak_kib: Option<u64>,
    /// Peak of the summed RSS (KiB) of the child and its live descendants, sampled.
    pub tree_peak_kib: Option<u64>,
    /// Set when the child was killed for overrunning: seconds after its start.
    pub killed_at_s: Option<f64>,
    /// Why there is no usable report (crash, kill, error inside the child).
    pub failure: Option<String>,
    /// Everything the child printed on standard output.
    pub stdout: String,
}

impl ChildRun {
    pub fn objective(&self) -> Option<f64> {
        self.report.as_ref().and_then(|r| r.objective)
    }

    /// Solve time as the child measured it; the kill time when it was killed.
    pub fn solve_s(&self) -> f64 {
        match (self.killed_at_s, &self.report) {
            (Some(k), _) => k,
            (None, Some(r)) => r.solve_ms as f64 / 1000.0,
            (None, None) => self.process_s,
        }
    }
}

const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// RSS (KiB) of `pid` and every live descendant, from /proc.
fn tree_rss_kib(pid: libc::pid_t) -> u64 {
    // SAFETY: sysconf has no memory effects.
    let page_kib = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).max(4096) as u64 / 1024;
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(statm) = std::fs::read_to_string(format!("/proc/{p}/statm")) {
            let resident: u64 = statm
                .split_whitespace()
                .nth(1)
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            total += resident * page_kib;
        }
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                stack.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<libc::pid_t>().ok()),
                );
            }
        }
    }
    total
}

fn seconds(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// Why a child gave no plan, if it did not: killed, died of a signal, a non-zero exit, no
/// result line, or the error its result names.
fn failure_of(
    killed_at: Option<f64>,
    status: libc::c_int,
    report: Option<&ChildReport>,
) -> Option<String> {
    if let Some(k) = killed_at {
        Some(format!("killed at {k:.0} s"))
    } else if libc::WIFSIGNALED(status) {
        Some(format!("died of signal {}", libc::WTERMSIG(status)))
    } else if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) != 0 {
        Some(format!("exited with {}", libc::WEXITSTATUS(status)))
    } else if report.is_none() {
        Some("no result line".into())
    } else {
        report.and_then(|r| r.error.clone())
    }
}

/// Runs `exe args…`, killing its process group after `kill_after`.
pub fn run_child(exe: &Path, args: &[String], kill_after: Duration) -> anyhow::Result<ChildRun> {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let started = Instant::now();
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let mut killed_at = None;
    let mut interrupted = false;
    let mut tree_peak = 0u64;
    let mut last_sample: Option<Instant> = None;
    let (status, usage) = loop {
        let mut status: libc::c_int = 0;
        // SAFETY: a zeroed rusage is a valid value; wait4 writes into both out-parameters.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage);
        }
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e).context("wait4");
        }
        if last_sample.is_none_or(|t| t.elapsed() >= SAMPLE_EVERY) {
            tree_peak = tree_peak.max(tree_rss_kib(pid));
            last_sample = Some(Instant::now());
        }
        let overrun = started.elapsed() >= kill_after;
        if killed_at.is_none() && (overrun || INTERRUPTED.load(Ordering::SeqCst)) {
            interrupted = !overrun;
            // Not yet reaped, so the pid (and group id) is still ours.
            // SAFETY: kill has no memory effects.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            killed_at = Some(started.elapsed().as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let process_s = started.elapsed().as_secs_f64();
    // The child is reaped: std's handle must not wait on it again (dropping it does not).
    drop(child);
    if interrupted {
        return Err(Interrupted.into());
    }
    let text = reader.join().unwrap_or_default();
    let report = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .map(serde_json::from_str::<ChildReport>)
        .transpose()
        .context("decoding the child's result")?;
    let failure = failure_of(killed_at, status, report.as_ref());
    Ok(ChildRun {
        report: if killed_at.is_some() { None } else { report },
        process_s,
        cpu_s: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        peak_kib: Some(usage.ru_maxrss.max(0) as u64),
        tree_peak_kib: (tree_peak > 0).then_some(tree_peak),
        killed_at_s: killed_at,
        failure,
        stdout: text,
    })
}
