//! The weekly loop of one variant, and what each week records.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::random::{self, Purpose, stable_hash};
use super::scenario::*;
use super::weeks::{WeekSolveError, WeekSolver};
use crate::theatre::domain::{ObjectivePolicy, ObjectiveWeights, Priority};
use crate::theatre::input::*;

/// What one simulated week recorded: the row of `weeks.csv` and `weeks.json`. Waits
/// are measured at the end of the week (the next Monday), in weeks of 7 days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeekResult {
    pub variant: String,
    /// 0 for the first week.
    pub week: u32,
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Patients added to the list this week.
    pub arrivals: u32,
    /// Sessions held (template sessions, less those whose surgeon is on leave).
    pub sessions: u32,
    /// Template sessions not held because the surgeon was on leave.
    pub sessions_lost_to_leave: u32,
    pub session_minutes: u32,
    /// Cases booked by the plan.
    pub booked: u32,
    pub booked_minutes: u32,
    /// booked_minutes / session_minutes (0 without sessions).
    pub utilisation: f64,
    /// Booked cases cancelled on the day (back to the list, clock start kept).
    pub cancelled: u32,
    /// Booked cases operated on: off the list.
    pub treated: u32,
    pub treated_p1: u32,
    pub treated_p2: u32,
    pub treated_p3: u32,
    pub treated_p4: u32,
    /// Removed by list validation.
    pub removed: u32,
    /// Patients waiting at the end of the week.
    pub list_size: u32,
    pub median_wait_weeks: f64,
    pub p92_wait_weeks: f64,
    /// Share of the list waiting 18 weeks (126 days) or less: the RTT standard's measure.
    pub within_18_weeks_share: f64,
    /// Waiting more than 52 weeks (364 days).
    pub over_52_weeks: u32,
    /// Waiting more than 65 weeks (455 days).
    pub over_65_weeks: u32,
    /// Waiting longer than their priority's target (3, 28, 90, 126 days for P1..P4).
    pub breaches: u32,
    pub breaches_p1: u32,
    pub breaches_p2: u32,
    pub breaches_p3: u32,
    pub breaches_p4: u32,
    /// The wall-clock safety net stopped the week's solve: the week's plan may differ
    /// on another machine.
    pub safety_net_struck: bool,
}

/// Who moved in one week, by patient id, and how long the solve took: for tests,
/// progress displays and audits. Not part of the deterministic results (`solve_ms`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeekLedger {
    pub arrived: Vec<String>,
    pub booked: Vec<String>,
    pub cancelled: Vec<String>,
    pub treated: Vec<String>,
    pub removed: Vec<String>,
    /// The list at the end of the week, in list order.
    pub waiting: Vec<String>,
    pub solve_ms: u64,
}

/// The figures of one variant over its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantSummary {
    pub variant: String,
    pub weeks: u32,
    pub starting_list_size: u32,
    pub final_list_size: u32,
    pub arrivals: u32,
    pub treated: u32,
    pub cancelled: u32,
    pub removed: u32,
    pub mean_utilisation: f64,
    pub final_median_wait_weeks: f64,
    pub final_p92_wait_weeks: f64,
    pub final_within_18_weeks_share: f64,
    pub final_over_52_weeks: u32,
    pub final_over_65_weeks: u32,
    pub final_breaches: u32,
    pub peak_over_52_weeks: u32,
    /// The first week that ended with no 52-week waiters (and none in any later week).
    pub clear_of_52_week_waiters_from_week: Option<u32>,
    pub weeks_safety_net_struck: u32,
}

/// One variant's run.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantRun {
    pub variant: String,
    pub weeks: Vec<WeekResult>,
    pub summary: VariantSummary,
    /// The cancel flag stopped the run before its last week.
    pub stopped_early: bool,
}

/// How to run a variant (of either kind).
pub struct RunOptions<'a> {
    /// Weeks to simulate (at most the scenario's horizon).
    pub weeks: u32,
    /// Checked before each week: once set, the run stops and returns what it has.
    pub cancel: Option<&'a AtomicBool>,
    /// Makes each week's plan: [`super::InProcess`], or a remote server.
    pub solver: &'a dyn WeekSolver,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error("variant '{0}' is not in the scenario")]
    UnknownVariant(String),
    /// A week's request failed validation: a bug in the simulation, reported.
    #[error("week {week}: internal error, the week's request is invalid: {errors}")]
    InvalidWeek {
        week: u32,
        errors: crate::validation::ValidationErrors,
    },
    /// `error` is not a `#[source]`: the message already carries it, once.
    #[error("week {week}: {error}")]
    Solve { week: u32, error: WeekSolveError },
}

/// The variant's running state between weeks.
struct State {
    waiting: Vec<WaitingPatient>,
    /// Elective beds taken by operated patients, by date.
    occupied: BTreeMap<NaiveDate, u32>,
}

/// Most days after the week that its ward-bed figures cover.
const BED_LOOKAHEAD_DAYS: u32 = 28;

/// Runs one variant (`None`: the baseline) week by week, calling `on_week` after each
/// week with its result and ledger.
pub fn run_variant(
    scenario: &Scenario,
    variant: Option<&Variant>,
    options: &RunOptions,
    mut on_week: impl FnMut(&WeekResult, &WeekLedger),
) -> Result<VariantRun, SimulationError> {
    let name = variant.map_or(BASELINE.to_string(), |v| v.name.clone());
    let weeks = options.weeks.min(scenario.horizon_weeks);
    let mut state = State {
        waiting: scenario.starting_list.clone(),
        occupied: BTreeMap::new(),
    };
    let mut results = Vec::with_capacity(weeks as usize);
    let mut stopped_early = false;
    for week in 0..weeks {
        if options.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            stopped_early = true;
            break;
        }
        let (result, ledger) =
            simulate_week(scenario, variant, &name, week, &mut state, options.solver)?;
        on_week(&result, &ledger);
        results.push(result);
    }
    Ok(VariantRun {
        summary: summarise(&name, scenario.starting_list.len() as u32, &results),
        variant: name,
        weeks: results,
        stopped_early,
    })
}

/// The patients added in `week`: decisions to admit made in the seven days before the
/// week's Monday, so that the week can plan them.
pub fn arrivals(scenario: &Scenario, setting: &WeekSetting, week: u32) -> Vec<WaitingPatient> {
    let monday = scenario.week_start(week);
    let season = scenario.demand.seasonal(monday);
    let mut out = Vec::new();
    for stream in &scenario.demand.streams {
        let factor = setting
            .demand_factor
            .get(&stream.specialty)
            .copied()
            .unwrap_or(1.0);
        let lambda = stream.per_week * season * factor;
        let key = stable_hash(&format!("{}/{}", stream.specialty, stream.priority));
        let u = random::uniform(&mut random::stream(
            scenario.seed,
            week,
            Purpose::ArrivalCount,
            key,
            0,
        ));
        let n = random::poisson_quantile(lambda, u);
        let surgeons: Vec<&SurgeonSpec> = setting
            .surgeons
            .iter()
            .copied()
            .filter(|k| k.specialty == stream.specialty)
            .collect();
        for k in 0..n {
            let mut rng = random::stream(
                scenario.seed,
                week,
                Purpose::ArrivalPatient,
                key,
                u64::from(k),
            );
            let day = (random::uniform(&mut rng) * 7.0) as i64;
            let listed_date = monday - chrono::Duration::days(7 - day.min(6));
            let pick = random::uniform(&mut rng);
            let named = random::uniform(&mut rng) < stream.named_surgeon_share;
            let which = random::uniform(&mut rng);
            let mut procedure = stream.procedures.last().expect("validated: one at least");
            let mut cumulative = 0.0;
            for q in &stream.procedures {
                cumulative += q.share;
                if pick < cumulative {
                    procedure = q;
                    break;
                }
            }
            let duration_min = case_minutes(&mut rng, procedure);
            let surgeon = (named && !surgeons.is_empty()).then(|| {
                let i = ((which * surgeons.len() as f64) as usize).min(surgeons.len() - 1);
                surgeons[i].id.clone()
            });
            out.push(WaitingPatient {
                id: format!(
                    "W{week:03}-{}-{}-{:04}",
                    stream.specialty,
                    stream.priority,
                    k + 1
                ),
                specialty: stream.specialty.clone(),
                procedure: procedure.name.clone(),
                duration_min,
                priority: stream.priority,
                listed_date,
                surgeon,
                equipment: procedure.equipment.clone(),
                length_of_stay_days: procedure.length_of_stay_days,
            });
        }
    }
    out
}

/// A case length: normal, redrawn up to ten times to fall in [min, max], then clamped.
fn case_minutes(rng: &mut rand_chacha::ChaCha8Rng, q: &ProcedureSpec) -> u32 {
    let (lo, hi) = (f64::from(q.min_min), f64::from(q.max_min));
    let mut x = q.mean_min;
    for _ in 0..10 {
        x = q.mean_min + q.sd_min * random::standard_normal(rng);
        if (lo..=hi).contains(&x) {
            break;
        }
    }
    (x.round().clamp(lo, hi) as u32).max(1)
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The week's theatre request: the template's sessions on their dates (less those whose
/// surgeon is on leave), the surgeons with their leave, the whole list, and the ward
/// beds left after the inpatients of earlier weeks. Returns the sessions lost to leave.
fn week_request(
    scenario: &Scenario,
    setting: &WeekSetting,
    monday: NaiveDate,
    waiting: &[WaitingPatient],
    occupied: &BTreeMap<NaiveDate, u32>,
) -> (TheatreRequest, u32) {
    let roster: BTreeMap<&str, &SurgeonSpec> = setting
        .surgeons
        .iter()
        .map(|k| (k.id.as_str(), *k))
        .collect();
    let mut sessions = Vec::new();
    let mut lost = 0;
    for s in &setting.sessions {
        let date = monday + chrono::Duration::days(i64::from(s.weekday));
        let Some(surgeon) = roster.get(s.surgeon.as_str()) else {
            continue;
        };
        if surgeon.on_leave(date) {
            lost += 1;
            continue;
        }
        sessions.push(SessionInput {
            id: format!(
                "{}-{}-{}",
                s.theatre,
                date_text(date),
                s.start.format("%H%M")
            ),
            theatre_id: s.theatre.clone(),
            date: date_text(date),
            start_time: s.start.format("%H:%M").to_string(),
            end_time: s.end.format("%H:%M").to_string(),
            specialty: s.specialty.clone(),
            surgeon_id: s.surgeon.clone(),
        });
    }
    let week_dates: Vec<NaiveDate> = (0..7).map(|d| monday + chrono::Duration::days(d)).collect();
    let surgeons = setting
        .surgeons
        .iter()
        .map(|k| SurgeonInput {
            id: k.id.clone(),
            name: k.name.clone(),
            specialty: k.specialty.clone(),
            max_minutes_per_day: k.max_minutes_per_day,
            unavailable_dates: week_dates
                .iter()
                .filter(|d| k.on_leave(**d))
                .map(|d| date_text(*d))
                .collect(),
        })
        .collect();
    let patients = waiting
        .iter()
        .map(|w| PatientInput {
            id: w.id.clone(),
            specialty: w.specialty.clone(),
            procedure: w.procedure.clone(),
            expected_duration_min: w.duration_min,
            priority: match w.priority {
                Priority::P1 => PriorityInput::P1,
                Priority::P2 => PriorityInput::P2,
                Priority::P3 => PriorityInput::P3,
                Priority::P4 => PriorityInput::P4,
            },
            listed_date: date_text(w.listed_date),
            surgeon_id: w
                .surgeon
                .clone()
                .filter(|k| roster.contains_key(k.as_str()))
                .unwrap_or_default(),
            equipment: w.equipment.clone(),
            length_of_stay_days: w.length_of_stay_days,
            unavailable_dates: Vec::new(),
            flags: Vec::new(),
        })
        .collect();
    let lookahead = waiting
        .iter()
        .map(|w| w.length_of_stay_days)
        .max()
        .unwrap_or(0)
        .min(BED_LOOKAHEAD_DAYS);
    let ward_beds = (0..7 + i64::from(lookahead))
        .map(|d| {
            let date = monday + chrono::Duration::days(d);
            let free = setting.beds_by_weekday[date.weekday().num_days_from_monday() as usize];
            WardBedsInput {
                date: date_text(date),
                free_beds: free.saturating_sub(occupied.get(&date).copied().unwrap_or(0)),
            }
        })
        .collect();
    let request = TheatreRequest {
        planning_start: date_text(monday),
        horizon_days: 7,
        theatres: setting
            .theatres
            .iter()
            .map(|t| TheatreInput {
                id: t.id.clone(),
                name: t.name.clone(),
                equipment: t.equipment.clone(),
            })
            .collect(),
        surgeons,
        sessions,
        patients,
        specialties: setting
            .specialties
            .iter()
            .map(|(code, t)| SpecialtyInput {
                code: code.clone(),
                turnaround_min: *t,
            })
            .collect(),
        ward_beds,
        pinned: Vec::new(),
        options: OptionsInput {
            time_limit_ms: scenario
                .week_time_limit
                .as_millis()
                .min(u128::from(u32::MAX)) as u32,
            threads: 1,
            local_search_only: true,
            objective: match setting.policy {
                ObjectivePolicy::WeightedWait => ObjectiveInput::WeightedWait,
                ObjectivePolicy::PriorityOrder => ObjectiveInput::PriorityOrder,
            },
            ..OptionsInput::default()
        },
    };
    (request, lost)
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
    let plan = solver
        .plan_theatres(week, &request, &instance, scenario.week_time_limit)
        .map_err(|error| SimulationError::Solve { week, error })?;
    ledger.solve_ms = plan.solve_ms;
    let session_minutes: u32 = instance.sessions.iter().map(|s| s.length_min).sum();

    // 3. On the day: cancellations; the rest are operated on and leave the list.
    // Positions in the instance are positions in the request, hence in the list.
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

    // 4. List validation removes some of those still waiting.
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

    // 5. The clock moves on to next Monday.
    let next_monday = monday + chrono::Duration::days(7);
    state.occupied = state.occupied.split_off(&next_monday);
    ledger.waiting = state.waiting.iter().map(|w| w.id.clone()).collect();

    let mut waited: Vec<i64> = state
        .waiting
        .iter()
        .map(|w| (next_monday - w.listed_date).num_days())
        .collect();
    waited.sort_unstable();
    let targets = ObjectiveWeights::STANDARD.target_days;
    let mut breaches = [0u32; 4];
    for w in &state.waiting {
        let r = w.priority.rank();
        if (next_monday - w.listed_date).num_days() > i64::from(targets[r]) {
            breaches[r] += 1;
        }
    }
    let n = waited.len();
    let result = WeekResult {
        variant: name.to_string(),
        week,
        week_start: monday,
        arrivals: n_arrivals,
        sessions: instance.sessions.len() as u32,
        sessions_lost_to_leave,
        session_minutes,
        booked: ledger.booked.len() as u32,
        booked_minutes,
        utilisation: if session_minutes == 0 {
            0.0
        } else {
            f64::from(booked_minutes) / f64::from(session_minutes)
        },
        cancelled: ledger.cancelled.len() as u32,
        treated: ledger.treated.len() as u32,
        treated_p1: treated_by_priority[0],
        treated_p2: treated_by_priority[1],
        treated_p3: treated_by_priority[2],
        treated_p4: treated_by_priority[3],
        removed: ledger.removed.len() as u32,
        list_size: n as u32,
        median_wait_weeks: percentile_weeks(&waited, 0.5),
        p92_wait_weeks: percentile_weeks(&waited, 0.92),
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
        safety_net_struck: plan.safety_net_struck,
    };
    Ok((result, ledger))
}

/// The q-quantile of sorted waits in days, by nearest rank, in weeks (0 for an empty list).
pub fn percentile_weeks(sorted_days: &[i64], q: f64) -> f64 {
    if sorted_days.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted_days.len() as f64).ceil() as usize).clamp(1, sorted_days.len());
    sorted_days[rank - 1] as f64 / 7.0
}

/// A variant's summary from its weeks.
pub fn summarise(variant: &str, starting_list_size: u32, weeks: &[WeekResult]) -> VariantSummary {
    let last = weeks.last();
    let clear_from = {
        let mut from = None;
        for w in weeks {
            if w.over_52_weeks == 0 {
                from.get_or_insert(w.week);
            } else {
                from = None;
            }
        }
        from
    };
    VariantSummary {
        variant: variant.to_string(),
        weeks: weeks.len() as u32,
        starting_list_size,
        final_list_size: last.map_or(starting_list_size, |w| w.list_size),
        arrivals: weeks.iter().map(|w| w.arrivals).sum(),
        treated: weeks.iter().map(|w| w.treated).sum(),
        cancelled: weeks.iter().map(|w| w.cancelled).sum(),
        removed: weeks.iter().map(|w| w.removed).sum(),
        mean_utilisation: if weeks.is_empty() {
            0.0
        } else {
            weeks.iter().map(|w| w.utilisation).sum::<f64>() / weeks.len() as f64
        },
        final_median_wait_weeks: last.map_or(0.0, |w| w.median_wait_weeks),
        final_p92_wait_weeks: last.map_or(0.0, |w| w.p92_wait_weeks),
        final_within_18_weeks_share: last.map_or(0.0, |w| w.within_18_weeks_share),
        final_over_52_weeks: last.map_or(0, |w| w.over_52_weeks),
        final_over_65_weeks: last.map_or(0, |w| w.over_65_weeks),
        final_breaches: last.map_or(0, |w| w.breaches),
        peak_over_52_weeks: weeks.iter().map(|w| w.over_52_weeks).max().unwrap_or(0),
        clear_of_52_week_waiters_from_week: clear_from,
        weeks_safety_net_struck: weeks.iter().filter(|w| w.safety_net_struck).count() as u32,
    }
}
