//! Where the MIP work of a solve runs: the [`MipRunner`] trait, [`InProcess`] (this
//! thread) and [`NoMip`] (no MIP at all); the service's runner, with worker processes, is
//! in `service/src/engine.rs`.

use std::time::Instant;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::Instance;
use crate::theatre::stages::{MipEvent, solve_staged};

/// How a runner's work ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunnerEnd {
    Finished,
    /// The deadline passed and the work was abandoned.
    DeadlineReached,
    /// The caller went away and the work was abandoned.
    Cancelled,
    /// The runner failed (for instance, a worker process died).
    Failed(String),
}

/// Runs the MIP work ([`crate::theatre::stages::lp_bound`] and [`crate::theatre::stages::solve_stages`], or
/// [`solve_staged`] for both) somewhere and relays its events, giving up at `deadline`.
pub trait MipRunner {
    /// Called as soon as the start plan exists, before the local search: a runner that
    /// can compute the LP bound (and its rounding) alongside may start it now, with the
    /// start plan's P1 count as the floor, and relay its events from [`MipRunner::run`].
    fn start_bound(&mut self, _instance: &Instance, _floor_plan: &Assignment, _deadline: Instant) {}

    fn run(
        &mut self,
        instance: &Instance,
        start: &Assignment,
        deadline: Instant,
        on_event: &mut dyn FnMut(MipEvent),
    ) -> RunnerEnd;
}

/// Runs the MIP in this thread. HiGHS's own time limit is the only guard, so use it
/// where an overrun does no harm (tests, examples); the service uses worker processes.
pub struct InProcess;

impl MipRunner for InProcess {
    fn run(
        &mut self,
        instance: &Instance,
        start: &Assignment,
        deadline: Instant,
        on_event: &mut dyn FnMut(MipEvent),
    ) -> RunnerEnd {
        let budget = deadline.saturating_duration_since(instance.clock.now());
        solve_staged(instance, start.clone(), budget, on_event);
        RunnerEnd::Finished
    }
}

/// A [`MipRunner`] that runs no MIP: the plan is the constructive plan improved by exact
/// session re-packing, whose work is bounded by a pass count, so the plan depends on the
/// instance alone, never on the clock (unless the safety net strikes). [`solve`] uses it
/// whatever runner it is given when the request asks for `local_search_only`.
pub struct NoMip;

impl MipRunner for NoMip {
    fn run(
        &mut self,
        _instance: &Instance,
        _start: &Assignment,
        _deadline: Instant,
        _on_event: &mut dyn FnMut(MipEvent),
    ) -> RunnerEnd {
        RunnerEnd::Finished
    }
}
