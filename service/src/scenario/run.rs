//! The variants of a theatre-list scenario side by side: the solver's shared driver
//! ([`clinicplan_solver::simulate::run_variants`]), one thread per variant, at most as
//! many at once as the week solver allows (`available_parallelism` in process).

use std::sync::atomic::AtomicBool;

use clinicplan_solver::simulate::{
    ParallelRun, Scenario, SimulationError, VariantRun, WeekLedger, WeekResult, WeekSolver,
    run_variants,
};

pub use clinicplan_solver::simulate::selected_variants;

/// One simulated week of one variant, as the progress callback sees it.
pub struct WeekProgress<'a> {
    /// Position of the variant in the run's list.
    pub variant_idx: usize,
    pub result: &'a WeekResult,
    pub ledger: &'a WeekLedger,
}

/// The results of a run, in the order the variants were asked for.
#[derive(Clone, Debug)]
pub struct ScenarioRun {
    pub variants: Vec<VariantRun>,
    /// The cancel flag stopped the run: some variants are short.
    pub stopped_early: bool,
}

/// Runs `variants` (names from [`selected_variants`]) for `weeks` weeks (at most the
/// horizon), each week planned by `solver`, calling `on_week` from the worker threads
/// after every simulated week. Setting `cancel` stops every variant before its next
/// week; the run then returns what was simulated, with `stopped_early` set. Results are
/// the same whatever the number of threads: each variant's run is deterministic on its
/// own.
pub fn run_scenario(
    scenario: &Scenario,
    variants: &[String],
    weeks: u32,
    cancel: &AtomicBool,
    solver: &dyn WeekSolver,
    on_week: &(dyn Fn(WeekProgress) + Sync),
) -> Result<ScenarioRun, SimulationError> {
    let run = ParallelRun {
        variants,
        weeks,
        cancel,
        solver,
    };
    let runs = run_variants(scenario, &run, &|variant_idx, result, ledger| {
        on_week(WeekProgress {
            variant_idx,
            result,
            ledger,
        })
    })?;
    let stopped_early = runs.iter().any(|r| r.stopped_early);
    Ok(ScenarioRun {
        variants: runs,
        stopped_early,
    })
}
