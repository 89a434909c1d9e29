//! The variants of a theatre-list scenario side by side, each as many times as the
//! replications asked for: the solver's shared driver
//! ([`clinicplan_solver::simulate::run_variants`]), one thread per run, at most as many
//! at once as the week solver allows (`available_parallelism` in process, the
//! `--server` client's own limit remotely).

use std::sync::atomic::AtomicBool;

use clinicplan_solver::simulate::stats::VariantStats;
use clinicplan_solver::simulate::{
    ParallelRun, Scenario, SimulationError, VariantRun, WeekLedger, WeekResult, WeekSolver,
    run_variants, statistics,
};

pub use clinicplan_solver::simulate::selected_variants;

/// One simulated week of one variant, as the progress callback sees it.
pub struct WeekProgress<'a> {
    /// Position of the variant in the run's list.
    pub variant_idx: usize,
    pub replication: u32,
    pub result: &'a WeekResult,
    pub ledger: &'a WeekLedger,
}

/// The results of a run, in the order the variants were asked for.
#[derive(Clone, Debug)]
pub struct ScenarioRun {
    /// Variant by variant, each variant's replications in order.
    pub variants: Vec<VariantRun>,
    /// Each variant's means, 95% intervals and paired differences over replications.
    pub statistics: Vec<VariantStats>,
    /// The cancel flag stopped the run: some variants are short.
    pub stopped_early: bool,
}

/// Runs `variants` (names from [`selected_variants`]) for `weeks` weeks (at most the
/// horizon), `replications` times each (common random numbers across variants), each
/// week planned by `solver`, calling `on_week` from the worker threads
/// after every simulated week. Setting `cancel` stops every variant before its next
/// week; the run then returns what was simulated, with `stopped_early` set. Results are
/// the same whatever the number of threads: each variant's run is deterministic on its
/// own.
pub fn run_scenario(
    scenario: &Scenario,
    variants: &[String],
    (weeks, replications): (u32, u32),
    cancel: &AtomicBool,
    solver: &dyn WeekSolver,
    on_week: &(dyn Fn(WeekProgress) + Sync),
) -> Result<ScenarioRun, SimulationError> {
    let run = ParallelRun {
        variants,
        weeks,
        replications,
        cancel,
        solver,
    };
    let runs = run_variants(scenario, &run, &|id, result, ledger| {
        on_week(WeekProgress {
            variant_idx: id.variant,
            replication: id.replication,
            result,
            ledger,
        })
    })?;
    let stopped_early = runs.iter().any(|r| r.stopped_early);
    Ok(ScenarioRun {
        statistics: statistics::<Scenario>(variants, &runs),
        variants: runs,
        stopped_early,
    })
}
