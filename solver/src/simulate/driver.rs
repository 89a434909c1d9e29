//! The shape both kinds of scenario share, and the drivers written once over it.
//!
//! A kind ([`ScenarioKind`]: theatre lists, GP network) says how one week of one variant
//! goes and how a run is summed up; [`run_kind_variant`] runs the weeks of one variant,
//! [`run_variants`] runs several side by side on scoped threads, and
//! [`selected_variants`] turns the names asked for into the names to run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::NaiveDate;

use super::weeks::WeekSolver;

/// The name of the scenario without changes.
pub const BASELINE: &str = "baseline";

/// How to run a variant (of either kind).
pub struct RunOptions<'a> {
    /// Weeks to simulate (at most the scenario's horizon).
    pub weeks: u32,
    /// Checked before each week: once set, the run stops and returns what it has.
    pub cancel: Option<&'a AtomicBool>,
    /// Makes each week's plan: [`super::InProcess`], or a remote server.
    pub solver: &'a dyn WeekSolver,
}

/// One variant's run: its weeks `W` and their summary `S`.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantRunOf<W, S> {
    pub variant: String,
    pub weeks: Vec<W>,
    pub summary: S,
    /// The cancel flag stopped the run before its last week.
    pub stopped_early: bool,
}

/// A kind of scenario, checked and ready to simulate: what differs between kinds.
pub trait ScenarioKind: Sync {
    /// A named set of changes to the baseline.
    type Variant: Sync;
    /// The variant's running state between weeks (the list, beds taken, ...).
    type State;
    /// What one week records (a row of `weeks.csv`).
    type Week: Send;
    /// Who moved in one week, for tests and audits.
    type Ledger;
    /// The figures of one variant over its run.
    type Summary: Send;
    type Error: Send;

    fn name(&self) -> &str;
    fn horizon_weeks(&self) -> u32;
    /// "baseline", then every variant's name, in file order.
    fn variant_names(&self) -> Vec<String>;
    /// The variant of that name; `Some(None)` for the baseline, `None` if unknown.
    fn variant(&self, name: &str) -> Option<Option<&Self::Variant>>;
    fn variant_name(variant: &Self::Variant) -> &str;
    fn unknown_variant(name: String) -> Self::Error;
    /// The state before week 0.
    fn start_state(&self) -> Self::State;
    /// Simulates `week` of `variant` (named `name`), moving `state` on to the next week.
    fn simulate_week(
        &self,
        variant: Option<&Self::Variant>,
        name: &str,
        week: u32,
        state: &mut Self::State,
        solver: &dyn WeekSolver,
    ) -> Result<(Self::Week, Self::Ledger), Self::Error>;
    /// A variant's summary from its weeks.
    fn summarise(&self, variant: &str, weeks: &[Self::Week]) -> Self::Summary;
}

/// The run of a variant of kind `K`.
pub type KindRun<K> = VariantRunOf<<K as ScenarioKind>::Week, <K as ScenarioKind>::Summary>;

/// The Monday of week `week`, given the Monday of week 0.
pub fn week_start(start: NaiveDate, week: u32) -> NaiveDate {
    start + chrono::Duration::days(7 * i64::from(week))
}

/// Whether changes in force from `from_week` to `to_week` (included; `None`: to the
/// end) hold in week `week`.
pub fn in_force(from_week: u32, to_week: Option<u32>, week: u32) -> bool {
    week >= from_week && to_week.is_none_or(|to| week <= to)
}

/// "baseline", then `names`, in order.
pub fn baseline_then<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    std::iter::once(BASELINE.to_string())
        .chain(names.map(str::to_string))
        .collect()
}

/// The variant named `name` among `variants`: `Some(None)` for the baseline, `None` if
/// unknown.
pub fn find_variant<'a, V>(
    variants: &'a [V],
    name: &str,
    name_of: impl Fn(&V) -> &str,
) -> Option<Option<&'a V>> {
    if name == BASELINE {
        return Some(None);
    }
    variants.iter().find(|v| name_of(v) == name).map(Some)
}

/// Runs one variant (`None`: the baseline) week by week, calling `on_week` after each
/// week with its result and ledger, and stopping before a week once `options.cancel`
/// is set.
pub fn run_kind_variant<K: ScenarioKind>(
    scenario: &K,
    variant: Option<&K::Variant>,
    options: &RunOptions,
    mut on_week: impl FnMut(&K::Week, &K::Ledger),
) -> Result<KindRun<K>, K::Error> {
    let name = variant.map_or(BASELINE.to_string(), |v| K::variant_name(v).to_string());
    let weeks = options.weeks.min(scenario.horizon_weeks());
    let mut state = scenario.start_state();
    let mut results = Vec::with_capacity(weeks as usize);
    let mut stopped_early = false;
    for week in 0..weeks {
        if options.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            stopped_early = true;
            break;
        }
        let (result, ledger) =
            scenario.simulate_week(variant, &name, week, &mut state, options.solver)?;
        on_week(&result, &ledger);
        results.push(result);
    }
    Ok(VariantRunOf {
        summary: scenario.summarise(&name, &results),
        variant: name,
        weeks: results,
        stopped_early,
    })
}

/// The variants to run: every one (baseline first) when `wanted` is `None`, else the
/// ones named, in that order ("baseline" names the baseline). An unknown name is an
/// error naming the known ones.
pub fn selected_variants<K: ScenarioKind>(
    scenario: &K,
    wanted: Option<&[String]>,
) -> Result<Vec<String>, String> {
    let known = scenario.variant_names();
    let Some(names) = wanted else {
        return Ok(known);
    };
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !known.contains(n) {
            return Err(format!(
                "no variant '{n}' in scenario '{}': it has {}",
                scenario.name(),
                known.join(", ")
            ));
        }
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    Ok(out)
}

/// What [`run_variants`] runs and how.
pub struct ParallelRun<'a> {
    /// Names from [`selected_variants`].
    pub variants: &'a [String],
    /// Weeks to simulate (at most the horizon).
    pub weeks: u32,
    /// Setting it stops every variant before its next week.
    pub cancel: &'a AtomicBool,
    pub solver: &'a dyn WeekSolver,
}

/// What `run_variants` calls from its worker threads after every simulated week, with
/// the variant's position, the week and the ledger.
pub type OnWeek<'f, K> =
    dyn Fn(usize, &<K as ScenarioKind>::Week, &<K as ScenarioKind>::Ledger) + Sync + 'f;

/// Runs the variants side by side, each week planned by `run.solver`, calling
/// `on_week(variant position, week, ledger)` from the worker threads after every
/// simulated week. Setting `run.cancel` stops every variant before its next week; the
/// runs then hold what was simulated, with `stopped_early` set. Results are the same
/// whatever the number of threads: each variant's run is deterministic on its own.
pub fn run_variants<K: ScenarioKind>(
    scenario: &K,
    run: &ParallelRun,
    on_week: &OnWeek<'_, K>,
) -> Result<Vec<KindRun<K>>, K::Error> {
    let chosen = run
        .variants
        .iter()
        .map(|n| {
            scenario
                .variant(n)
                .ok_or_else(|| K::unknown_variant(n.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cancel = run.cancel;
    in_parallel(run, &|idx, options| {
        run_kind_variant(scenario, chosen[idx], options, |result, ledger| {
            if let Some(stop) = options.cancel
                && cancel.load(Ordering::Relaxed)
            {
                stop.store(true, Ordering::Relaxed);
            }
            on_week(idx, result, ledger);
        })
    })
}

/// Runs `run.variants.len()` variants for `run.weeks` weeks side by side, each by
/// `run_one(position, options)`, on as many threads as the solver allows (at most one
/// per variant), and returns their results in order, or the first failure. The options
/// carry a stop flag, set when the caller's `cancel` is or a variant fails, which every
/// run checks before its next week.
fn in_parallel<R: Send, E: Send>(
    run: &ParallelRun,
    run_one: &(dyn Fn(usize, &RunOptions) -> Result<R, E> + Sync),
) -> Result<Vec<R>, E> {
    let count = run.variants.len();
    let threads = run.solver.parallel_variants().min(count).max(1);
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
                    if run.cancel.load(Ordering::Relaxed) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let options = RunOptions {
                        weeks: run.weeks,
                        cancel: Some(&stop),
                        solver: run.solver,
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
