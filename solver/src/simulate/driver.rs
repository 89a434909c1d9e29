//! The shape both kinds of scenario share, and the drivers written once over it.
//!
//! A kind ([`ScenarioKind`]: theatre lists, GP network) says how one week of one variant
//! goes and how a run is summed up; [`run_kind_variant`] runs the weeks of one variant,
//! [`run_variants`] runs several variants, each several times (replications, with
//! common random numbers), side by side on scoped threads, [`statistics`] sums the
//! replications up, and [`selected_variants`] turns the names asked for into the names
//! to run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::NaiveDate;

use super::stats::{VariantStats, variant_stats};
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
    /// Which replication (0 for the file's own seed).
    pub replication: u32,
    pub weeks: Vec<W>,
    /// Over the weeks after the warm-up.
    pub summary: S,
    /// The cancel flag stopped the run before its last week.
    pub stopped_early: bool,
}

/// The run settings' part of a [`ScenarioKind`] impl, the same for every kind whose
/// scenario type has the fields `seed`, `horizon_weeks`, `warmup_weeks`, `replications`
/// and `replication` (and is `Clone`).
macro_rules! run_settings {
    () => {
        fn horizon_weeks(&self) -> u32 {
            self.horizon_weeks
        }

        fn warmup_weeks(&self) -> u32 {
            self.warmup_weeks
        }

        fn replications(&self) -> u32 {
            self.replications
        }

        fn replication(&self) -> u32 {
            self.replication
        }

        fn replicate(&self, replication: u32) -> Self {
            debug_assert_eq!(self.replication, 0, "replicate the scenario as loaded");
            Self {
                seed: crate::simulate::random::replication_seed(self.seed, replication),
                replication,
                ..self.clone()
            }
        }
    };
}
pub(crate) use run_settings;

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
    /// First weeks left out of each summary (the warm-up).
    fn warmup_weeks(&self) -> u32;
    /// Replications the scenario asks for (at least 1).
    fn replications(&self) -> u32;
    /// Which replication this copy draws (0 for the scenario as loaded).
    fn replication(&self) -> u32;
    /// A copy of the scenario as loaded that draws replication `replication`: every
    /// random stream seeded from [`super::random::replication_seed`]`(seed,
    /// replication)`, whatever the variant (common random numbers).
    fn replicate(&self, replication: u32) -> Self
    where
        Self: Sized;
    /// A summary's measures by name, in a fixed order: what [`statistics`] gives an
    /// interval for.
    fn measures(summary: &Self::Summary) -> Vec<(&'static str, f64)>;
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
    let warmup = (scenario.warmup_weeks() as usize).min(results.len());
    Ok(VariantRunOf {
        summary: scenario.summarise(&name, &results[warmup..]),
        variant: name,
        replication: scenario.replication(),
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
    /// Runs of each variant, replication 0 to `replications − 1` (0 counts as 1).
    pub replications: u32,
    /// Setting it stops every run before its next week.
    pub cancel: &'a AtomicBool,
    pub solver: &'a dyn WeekSolver,
}

/// Which run a simulated week belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunId {
    /// Position of the variant in [`ParallelRun::variants`].
    pub variant: usize,
    pub replication: u32,
}

/// What `run_variants` calls from its worker threads after every simulated week, with
/// the run it belongs to, the week and the ledger.
pub type OnWeek<'f, K> =
    dyn Fn(RunId, &<K as ScenarioKind>::Week, &<K as ScenarioKind>::Ledger) + Sync + 'f;

/// Runs every variant `run.replications` times, side by side, each week planned by
/// `run.solver`, calling `on_week` from the worker threads after every simulated week.
/// Replication k of every variant runs on the same random streams (common random
/// numbers). The runs come back variant by variant, each variant's replications in
/// order: variant v, replication k at `v · replications + k`. Setting `run.cancel`
/// stops every run before its next week; the runs then hold what was simulated, with
/// `stopped_early` set. Results are the same whatever the number of threads: each run
/// is deterministic on its own.
pub fn run_variants<K: ScenarioKind>(
    scenario: &K,
    run: &ParallelRun,
    on_week: &OnWeek<'_, K>,
) -> Result<Vec<KindRun<K>>, K::Error> {
    for n in run.variants {
        scenario
            .variant(n)
            .ok_or_else(|| K::unknown_variant(n.clone()))?;
    }
    let replications = run.replications.max(1);
    let copies: Vec<K> = (0..replications).map(|k| scenario.replicate(k)).collect();
    let cancel = run.cancel;
    let count = run.variants.len() * replications as usize;
    in_parallel(run, count, &|job, options| {
        let id = RunId {
            variant: job / replications as usize,
            replication: (job % replications as usize) as u32,
        };
        let copy = &copies[id.replication as usize];
        let variant = copy
            .variant(&run.variants[id.variant])
            .expect("checked above");
        run_kind_variant(copy, variant, options, |result, ledger| {
            if let Some(stop) = options.cancel
                && cancel.load(Ordering::Relaxed)
            {
                stop.store(true, Ordering::Relaxed);
            }
            on_week(id, result, ledger);
        })
    })
}

/// The statistics of `runs` (as [`run_variants`] returns them) over their
/// replications, variant by variant in the order of `variants`, with paired
/// differences against the baseline when it ran.
pub fn statistics<K: ScenarioKind>(variants: &[String], runs: &[KindRun<K>]) -> Vec<VariantStats> {
    let measures: Vec<Vec<Vec<(&'static str, f64)>>> = variants
        .iter()
        .map(|name| {
            runs.iter()
                .filter(|r| &r.variant == name)
                .map(|r| K::measures(&r.summary))
                .collect()
        })
        .collect();
    let baseline = variants.iter().position(|v| v == BASELINE);
    variant_stats(variants, &measures, baseline)
}

/// Runs `count` runs for `run.weeks` weeks side by side, each by
/// `run_one(position, options)`, on as many threads as the solver allows (at most one
/// per run), and returns their results in order, or the first failure. The options
/// carry a stop flag, set when the caller's `cancel` is or a run fails, which every
/// run checks before its next week.
fn in_parallel<R: Send, E: Send>(
    run: &ParallelRun,
    count: usize,
    run_one: &(dyn Fn(usize, &RunOptions) -> Result<R, E> + Sync),
) -> Result<Vec<R>, E> {
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
