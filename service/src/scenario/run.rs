//! The variants of a scenario side by side, one thread each, at most as many at once as
//! the week solver allows (`available_parallelism` in process).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use clinicplan_solver::simulate::{
    RunOptions, Scenario, SimulationError, VariantRun, WeekLedger, WeekResult, WeekSolver,
    run_variant,
};

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

/// The variants to run: every one (baseline first) when `wanted` is `None`, else the
/// ones named, in that order ("baseline" names the baseline). An unknown name is an
/// error naming the known ones.
pub fn selected_variants(
    scenario: &Scenario,
    wanted: Option<&[String]>,
) -> Result<Vec<String>, String> {
    let known = scenario.variant_names();
    match wanted {
        None => Ok(known),
        Some(names) => {
            let mut out: Vec<String> = Vec::new();
            for n in names {
                if !known.contains(n) {
                    return Err(format!(
                        "no variant '{n}' in scenario '{}': it has {}",
                        scenario.name,
                        known.join(", ")
                    ));
                }
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
            Ok(out)
        }
    }
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
    let chosen = variants
        .iter()
        .map(|n| {
            scenario
                .variant(n)
                .ok_or_else(|| SimulationError::UnknownVariant(n.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let runs = in_parallel(variants.len(), weeks, cancel, solver, &|idx, options| {
        run_variant(scenario, chosen[idx], options, |result, ledger| {
            if let Some(stop) = options.cancel
                && cancel.load(Ordering::Relaxed)
            {
                stop.store(true, Ordering::Relaxed);
            }
            on_week(WeekProgress {
                variant_idx: idx,
                result,
                ledger,
            });
        })
    })?;
    let stopped_early = runs.iter().any(|r| r.stopped_early);
    Ok(ScenarioRun {
        variants: runs,
        stopped_early,
    })
}

/// Runs `count` variants (of either kind) for `weeks` weeks side by side, each by
/// `run_one(position, options)`, on as many threads as `solver` allows (at most one per variant), and
/// returns their results in order, or the first failure. The options carry a stop flag,
/// set when the caller's `cancel` is or a variant fails, which every run checks before
/// its next week.
pub(crate) fn in_parallel<R: Send, E: Send>(
    count: usize,
    weeks: u32,
    cancel: &AtomicBool,
    solver: &dyn WeekSolver,
    run_one: &(dyn Fn(usize, &RunOptions) -> Result<R, E> + Sync),
) -> Result<Vec<R>, E> {
    let threads = solver.parallel_variants().min(count).max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<R, E>>>> = Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let idx = next.fetch_add(1, Ordering::Relaxed);
                    if idx >= count {
                        break;
                    }
                    if cancel.load(Ordering::Relaxed) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let options = RunOptions {
                        weeks,
                        cancel: Some(&stop),
                        solver,
                    };
                    let outcome = run_one(idx, &options);
                    if outcome.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    results.lock().expect("no panics hold the lock")[idx] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no panics hold the lock")
        .into_iter()
        .map(|r| r.expect("every variant ran"))
        .collect()
}
