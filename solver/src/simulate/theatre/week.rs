//! One simulated week of a theatre-list variant: additions, the week's plan,
//! cancellations on the day, treated off the list, validation removals, the clock.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::arrivals::arrivals;
use super::by_hand::checked_by_hand_plan;
use super::request::week_request;
use super::results::*;
use super::scenario::*;
use crate::simulate::driver::{RunOptions, ScenarioKind, run_kind_variant, run_settings};
use crate::simulate::random::{self, Purpose, stable_hash};
use crate::simulate::weeks::{TheatreWeekPlan, WeekPlanner, WeekSolver};
use crate::theatre::domain::{Instance, ObjectiveWeights};

/// The variant's running state between weeks.
pub struct State {
    waiting: Vec<WaitingPatient>,
    /// Elective beds taken by operated patients, by date.
    occupied: BTreeMap<NaiveDate, u32>,
}

/// Runs one variant (`None`: the baseline) week by week, calling `on_week` after each
/// week with its result and ledger.
pub fn run_variant(
    scenario: &Scenario,
    variant: Option<&Variant>,
    options: &RunOptions,
    on_week: impl FnMut(&WeekResult, &WeekLedger),
) -> Result<VariantRun, SimulationError> {
    run_kind_variant(scenario, variant, options, on_week)
}

impl ScenarioKind for Scenario {
    type Variant = Variant;
    type State = State;
    type Week = WeekResult;
    type Ledger = WeekLedger;
    type Summary = VariantSummary;
    type Error = SimulationError;

    fn name(&self) -> &str {
        &self.name
    }

    run_settings!();

    fn measures(summary: &VariantSummary) -> Vec<(&'static str, f64)> {
        summary.measures()
    }

    fn variant_names(&self) -> Vec<String> {
        Scenario::variant_names(self)
    }

    fn variant(&self, name: &str) -> Option<Option<&Variant>> {
        Scenario::variant(self, name)
    }

    fn variant_name(variant: &Variant) -> &str {
        &variant.name
    }

    fn unknown_variant(name: String) -> SimulationError {
        SimulationError::UnknownVariant(name)
    }

    fn start_state(&self) -> State {
        State {
            waiting: self.starting_list.clone(),
            occupied: BTreeMap::new(),
        }
    }

    fn simulate_week(
        &self,
        variant: Option<&Variant>,
        name: &str,
        week: u32,
        state: &mut State,
        solver: &dyn WeekSolver,
    ) -> Result<(WeekResult, WeekLedger), SimulationError> {
        simulate_week(self, variant, name, week, state, solver)
    }

    fn summarise(&self, variant: &str, weeks: &[WeekResult]) -> VariantSummary {
        summarise(variant, self.starting_list.len() as u32, weeks)
    }
}

/// A fate drawn for patient `id` in `week`: true with probability `rate`.
fn happens(scenario: &Scenario, week: u32, purpose: Purpose, id: &str, rate: f64) -> bool {
    rate > 0.0
        && random::uniform(&mut random::stream(
            scenario.seed,
            week,
            purpose,
            stable_hash(id),
            0,
        )) < rate
}

/// What the week's bookings came to on the day.
struct OnTheDay {
    /// By position in the list: leaves it this week.
    leaves: Vec<bool>,
    booked_minutes: u32,
    treated_by_priority: [u32; 4],
}

fn simulate_week(
    scenario: &Scenario,
    variant: Option<&Variant>,
    name: &str,
    week: u32,
    state: &mut State,
    solver: &dyn WeekSolver,
) -> Result<(WeekResult, WeekLedger), SimulationError> {
    let setting = week_setting(scenario, variant, week);
    let monday = scenario.week_start(week);
    let mut ledger = WeekLedger::default();

    // 1. Additions.
    let arrived = arrivals(scenario, &setting, week);
    ledger.arrived = arrived.iter().map(|w| w.id.clone()).collect();
    let n_arrivals = arrived.len() as u32;
    state.waiting.extend(arrived);

    // 2. The week's plan.
    let (request, sessions_lost_to_leave) =
        week_request(scenario, &setting, monday, &state.waiting, &state.occupied);
    let instance = crate::theatre::validate::validate(&request)
        .map_err(|errors| SimulationError::InvalidWeek { week, errors })?;
    let plan = plan_week(scenario, &setting, week, (&request, &instance), solver)?;
    ledger.solve_ms = plan.solve_ms;

    // 3. On the day: cancellations; the rest are operated on and leave the list.
    let mut day = on_the_day(scenario, week, &instance, &plan, state, &mut ledger);

    // 4. List validation removes some of those still waiting.
    remove_by_validation(scenario, week, state, &mut day.leaves, &mut ledger);

    // 5. The clock moves on to next Monday.
    let next_monday = monday + chrono::Duration::days(7);
    state.occupied = state.occupied.split_off(&next_monday);
    ledger.waiting = state.waiting.iter().map(|w| w.id.clone()).collect();

    let result = week_result(&WeekFacts {
        name,
        replication: scenario.replication,
        week,
        monday,
        n_arrivals,
        instance: &instance,
        sessions_lost_to_leave,
        day: &day,
        ledger: &ledger,
        safety_net_struck: plan.safety_net_struck,
        list: list_figures(&state.waiting, next_monday),
    });
    Ok((result, ledger))
}

/// The week's plan, by the week's planner: by hand here, else by `solver`.
fn plan_week(
    scenario: &Scenario,
    setting: &WeekSetting,
    week: u32,
    (request, instance): (&crate::theatre::input::TheatreRequest, &Instance),
    solver: &dyn WeekSolver,
) -> Result<TheatreWeekPlan, SimulationError> {
    if setting.planner == WeekPlanner::ByHand {
        let assignment =
            checked_by_hand_plan(instance).map_err(|message| SimulationError::Solve {
                week,
                error: message.into(),
            })?;
        return Ok(TheatreWeekPlan {
            assignment,
            solve_ms: 0,
            safety_net_struck: false,
        });
    }
    solver
        .plan_theatres(week, request, instance, scenario.week_time_limit)
        .map_err(|error| SimulationError::Solve { week, error })
}

/// The booked cases on the day: each is cancelled (back to the list) or operated on
/// (off the list, its ward beds taken). Positions in the instance are positions in the
/// request, hence in the list.
fn on_the_day(
    scenario: &Scenario,
    week: u32,
    instance: &Instance,
    plan: &TheatreWeekPlan,
    state: &mut State,
    ledger: &mut WeekLedger,
) -> OnTheDay {
    let mut leaves = vec![false; state.waiting.len()];
    let mut booked_minutes = 0;
    let mut treated_by_priority = [0u32; 4];
    for (p, s) in plan.assignment.scheduled() {
        let patient = &state.waiting[p.idx()];
        booked_minutes += patient.duration_min;
        ledger.booked.push(patient.id.clone());
        if happens(
            scenario,
            week,
            Purpose::Cancellation,
            &patient.id,
            scenario.demand.cancellation_rate,
        ) {
            ledger.cancelled.push(patient.id.clone());
            continue;
        }
        leaves[p.idx()] = true;
        treated_by_priority[patient.priority.rank()] += 1;
        ledger.treated.push(patient.id.clone());
        let date = instance.session(s).date;
        for d in 0..patient.length_of_stay_days {
            *state
                .occupied
                .entry(date + chrono::Duration::days(i64::from(d)))
                .or_insert(0) += 1;
        }
    }
    OnTheDay {
        leaves,
        booked_minutes,
        treated_by_priority,
    }
}

/// List validation: removes some of those still waiting, then everyone who leaves.
fn remove_by_validation(
    scenario: &Scenario,
    week: u32,
    state: &mut State,
    leaves: &mut [bool],
    ledger: &mut WeekLedger,
) {
    for (i, w) in state.waiting.iter().enumerate() {
        if !leaves[i]
            && happens(
                scenario,
                week,
                Purpose::ValidationRemoval,
                &w.id,
                scenario.demand.validation_removal_rate,
            )
        {
            leaves[i] = true;
            ledger.removed.push(w.id.clone());
        }
    }
    let mut i = 0;
    state.waiting.retain(|_| {
        i += 1;
        !leaves[i - 1]
    });
}

/// The list at the end of a week, measured at the next Monday.
struct ListFigures {
    /// Days waited, sorted.
    waited: Vec<i64>,
    /// Waiting longer than their priority's target, by priority.
    breaches: [u32; 4],
}

fn list_figures(waiting: &[WaitingPatient], next_monday: NaiveDate) -> ListFigures {
    let mut waited: Vec<i64> = waiting
        .iter()
        .map(|w| (next_monday - w.listed_date).num_days())
        .collect();
    waited.sort_unstable();
    let targets = ObjectiveWeights::STANDARD.target_days;
    let mut breaches = [0u32; 4];
    for w in waiting {
        let r = w.priority.rank();
        if (next_monday - w.listed_date).num_days() > i64::from(targets[r]) {
            breaches[r] += 1;
        }
    }
    ListFigures { waited, breaches }
}

/// Everything a week's [`WeekResult`] is made from.
struct WeekFacts<'a> {
    name: &'a str,
    replication: u32,
    week: u32,
    monday: NaiveDate,
    n_arrivals: u32,
    instance: &'a Instance,
    sessions_lost_to_leave: u32,
    day: &'a OnTheDay,
    ledger: &'a WeekLedger,
    safety_net_struck: bool,
    list: ListFigures,
}

fn week_result(f: &WeekFacts) -> WeekResult {
    let session_minutes: u32 = f.instance.sessions.iter().map(|s| s.length_min).sum();
    let booked_minutes = f.day.booked_minutes;
    let treated_by_priority = f.day.treated_by_priority;
    let (waited, breaches) = (&f.list.waited, f.list.breaches);
    let n = waited.len();
    WeekResult {
        variant: f.name.to_string(),
        replication: f.replication,
        week: f.week,
        week_start: f.monday,
        arrivals: f.n_arrivals,
        sessions: f.instance.sessions.len() as u32,
        sessions_lost_to_leave: f.sessions_lost_to_leave,
        session_minutes,
        booked: f.ledger.booked.len() as u32,
        booked_minutes,
        utilisation: if session_minutes == 0 {
            0.0
        } else {
            f64::from(booked_minutes) / f64::from(session_minutes)
        },
        cancelled: f.ledger.cancelled.len() as u32,
        treated: f.ledger.treated.len() as u32,
        treated_p1: treated_by_priority[0],
        treated_p2: treated_by_priority[1],
        treated_p3: treated_by_priority[2],
        treated_p4: treated_by_priority[3],
        removed: f.ledger.removed.len() as u32,
        list_size: n as u32,
        median_wait_weeks: percentile_weeks(waited, 0.5),
        p92_wait_weeks: percentile_weeks(waited, 0.92),
        within_18_weeks_share: if n == 0 {
            1.0
        } else {
            waited.iter().filter(|&&d| d <= 126).count() as f64 / n as f64
        },
        over_52_weeks: waited.iter().filter(|&&d| d > 364).count() as u32,
        over_65_weeks: waited.iter().filter(|&&d| d > 455).count() as u32,
        breaches: breaches.iter().sum(),
        breaches_p1: breaches[0],
        breaches_p2: breaches[1],
        breaches_p3: breaches[2],
        breaches_p4: breaches[3],
        safety_net_struck: f.safety_net_struck,
    }
}
