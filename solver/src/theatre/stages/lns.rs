//! The anytime search on the incumbent (docs/model.md, "Anytime search (LNS)"): while
//! time remains, a neighbourhood of the incumbent (a few days', specialties', surgeons'
//! or random sessions, or those where it disagrees with the LP) is re-optimised as an exact small MIP warm-started from it, every
//! other booking fixed; a better plan becomes the incumbent. The kinds are chosen by
//! roulette on what each has paid off lately, from a seeded RNG, so that a run with the
//! same timings repeats; a kind grows when its MIPs are solved fast without gain and
//! shrinks when they time out.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::Instance;
use crate::theatre::effort::NEIGHBOURHOOD_UNITS;
use crate::theatre::policy::policy_worse;
use crate::theatre::stages::events::{MipEvent, StageName};
use crate::theatre::stages::neighbourhoods::{DrawFrom, KINDS, Kind, LpGuide, free_patients};
use crate::theatre::stages::run::{RunStatus, run_options};
use crate::theatre::stages::sub_models::reoptimise_scope;

/// Better plans found elsewhere (the other worker), handed to a running search: the
/// latest one offered waits here until the search takes it.
#[derive(Debug, Default)]
pub struct Inbox(Mutex<Option<Assignment>>);

impl Inbox {
    pub fn offer(&self, plan: Assignment) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(plan);
    }

    pub fn take(&self) -> Option<Assignment> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Takes the inbox's plan as the incumbent when the policy ranks it higher.
pub(crate) fn adopt(instance: &Instance, incumbent: &mut Assignment, inbox: Option<&Inbox>) {
    if let Some(plan) = inbox.and_then(Inbox::take)
        && plan.0.len() == incumbent.0.len()
        && policy_worse(instance, incumbent, &plan)
    {
        tracing::debug!("the search adopts a better plan found elsewhere");
        *incumbent = plan;
    }
}

/// One LNS step's result.
#[derive(Clone, Debug)]
pub struct Step {
    /// The incumbent with the neighbourhood re-optimised, when the policy ranks it higher.
    pub plan: Option<Assignment>,
    pub status: RunStatus,
    /// Every patient who could use the neighbourhood's sessions was free.
    pub complete: bool,
    pub elapsed: Duration,
}

/// Re-optimises the patients of the neighbourhood `sessions` (see [`free_patients`])
/// with every other booking fixed, warm-started from the incumbent, within `limit`.
/// The freed patients' protected counts may not fall, so the plan returned, if any,
/// ranks higher than the incumbent under the policy.
pub fn lns_step(from: DrawFrom, sessions: &[bool], limit: Duration) -> Step {
    let DrawFrom {
        instance,
        incumbent,
        ..
    } = from;
    let started = instance.clock.now();
    instance.clock.charge(NEIGHBOURHOOD_UNITS);
    let (in_scope, complete) = free_patients(from, sessions);
    let (merged, result) = reoptimise_scope(
        instance,
        incumbent,
        &in_scope,
        &run_options(instance, limit),
    );
    let plan = merged.filter(|merged| {
        merged.weighted_wait(instance) < incumbent.weighted_wait(instance) - 1e-6
            && !policy_worse(instance, merged, incumbent)
    });
    Step {
        plan,
        status: result.status,
        complete,
        elapsed: instance.clock.since(started),
    }
}

/// How the search runs.
pub struct Search<'a> {
    /// Seeds the choice of neighbourhoods.
    pub seed: u64,
    pub until: Instant,
    /// Plans found elsewhere, adopted between steps when better.
    pub inbox: Option<&'a Inbox>,
    /// A proven lower bound on the weighted wait (−∞ when none): the search stops there.
    pub bound: f64,
    /// Passed on in the events.
    pub counts_proven: bool,
    /// The LP relaxation's solution, when this search has it: the relaxation-induced
    /// neighbourhoods draw on it.
    pub lp: Option<&'a LpGuide>,
}

/// A neighbourhood kind's record: its size and what it paid off lately.
struct Arm {
    kind: Kind,
    size: usize,
    max_size: usize,
    /// Exponential average of the weighted wait removed per second of its MIPs.
    score: f64,
    tries: u32,
}

/// The shortest and longest time given to one neighbourhood's MIP.
const STEP_MIN: Duration = Duration::from_millis(50);
const STEP_MAX: Duration = Duration::from_secs(3);

/// Improves `incumbent` neighbourhood by neighbourhood until `search.until`, the bound,
/// or a neighbourhood of every session and every patient solved to optimality without
/// gain; each better plan is reported as a [`StageName::Neighbourhood`] stage.
pub fn search(
    instance: &Instance,
    incumbent: &mut Assignment,
    search: &Search,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let mut rng = ChaCha8Rng::seed_from_u64(search.seed);
    let mut arms: Vec<Arm> = KINDS
        .iter()
        .filter(|&&kind| kind != Kind::Relaxation || search.lp.is_some())
        .map(|&kind| Arm {
            kind,
            size: kind.start_size(instance),
            max_size: kind.max_size(instance),
            score: 0.0,
            tries: 0,
        })
        .collect();
    let all_sessions = instance.sessions.len();
    let tolerance = 1e-9 * instance.nothing_scheduled_cost().max(1.0);
    loop {
        adopt(instance, incumbent, search.inbox);
        let remaining = search.until.saturating_duration_since(instance.clock.now());
        if remaining < STEP_MIN || incumbent.weighted_wait(instance) <= search.bound + tolerance {
            return;
        }
        let limit = (remaining / 4).clamp(STEP_MIN, STEP_MAX).min(remaining);
        let chosen = pick(&weights(&arms), &mut rng);
        let arm = &mut arms[chosen];
        let from = DrawFrom {
            instance,
            incumbent,
            lp: search.lp,
        };
        let sessions = arm.kind.draw(from, arm.size, &mut rng);
        let before = incumbent.weighted_wait(instance);
        let step = lns_step(from, &sessions, limit);
        let gain = step
            .plan
            .as_ref()
            .map_or(0.0, |p| before - p.weighted_wait(instance));
        tracing::debug!(
            kind = ?arm.kind,
            size = arm.size,
            status = ?step.status,
            gain,
            elapsed_ms = step.elapsed.as_millis() as u64,
            "LNS step"
        );
        learn(arm, &step, gain, limit);
        let whole = step.complete && sessions.iter().filter(|&&s| s).count() == all_sessions;
        if let Some(plan) = step.plan {
            *incumbent = plan.clone();
            on_event(MipEvent::StageDone {
                stage: StageName::Neighbourhood,
                status: step.status,
                plan: Some(plan),
                weighted_wait_bound: None,
                counts_proven: search.counts_proven,
                elapsed_ms: step.elapsed.as_millis() as u64,
            });
        } else if whole && step.status == RunStatus::Optimal {
            // The whole week, every patient free, solved without gain: nothing is left.
            return;
        }
    }
}

/// The roulette's weights: an arm never tried comes first; then each arm's score plus a
/// tenth of the best score (so that no kind is starved), or equal weights while no
/// kind has paid off.
fn weights(arms: &[Arm]) -> Vec<f64> {
    if let Some(untried) = arms.iter().position(|a| a.tries == 0) {
        let mut weights = vec![0.0; arms.len()];
        weights[untried] = 1.0;
        return weights;
    }
    let best = arms.iter().map(|a| a.score).fold(0.0, f64::max);
    if best <= 0.0 {
        return vec![1.0; arms.len()];
    }
    arms.iter().map(|a| a.score + 0.1 * best).collect()
}

/// Roulette-wheel choice by `weights` (not all zero).
fn pick(weights: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}

/// Updates an arm after a step: its score, and its size (grown after a fast optimal
/// solve without gain, shrunk after a solve the limit stopped).
fn learn(arm: &mut Arm, step: &Step, gain: f64, limit: Duration) {
    const SMOOTHING: f64 = 0.3;
    let rate = gain / step.elapsed.as_secs_f64().max(1e-3);
    arm.score = if arm.tries == 0 {
        rate
    } else {
        (1.0 - SMOOTHING) * arm.score + SMOOTHING * rate
    };
    arm.tries += 1;
    let grow = |size: usize| {
        if arm.kind.doubles() {
            size * 2
        } else {
            size + 1
        }
    };
    if step.status == RunStatus::Optimal && gain <= 0.0 && step.elapsed < limit / 2 {
        arm.size = grow(arm.size).min(arm.max_size);
    } else if step.status != RunStatus::Optimal {
        arm.size = if arm.kind.doubles() {
            arm.size / 2
        } else {
            arm.size - 1
        }
        .max(1);
    }
}
