//! The theatre request of one simulated week.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::scenario::*;
use crate::simulate::weeks::{DEFAULT_WEEK_EFFORT, WeekPlanner};
use crate::theatre::domain::{ObjectivePolicy, Priority};
use crate::theatre::input::*;

/// Most days after the week that its ward-bed figures cover.
const BED_LOOKAHEAD_DAYS: u32 = 28;

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The week's theatre request: the template's sessions on their dates (less those whose
/// surgeon is on leave), the surgeons with their leave, the whole list, and the ward
/// beds left after the inpatients of earlier weeks. Returns the sessions lost to leave.
pub(super) fn week_request(
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
    let (sessions, lost) = week_sessions(setting, &roster, monday);
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
        surgeons: week_surgeons(setting, monday),
        sessions,
        patients: week_patients(waiting, &roster),
        specialties: setting
            .specialties
            .iter()
            .map(|(code, t)| SpecialtyInput {
                code: code.clone(),
                turnaround_min: *t,
            })
            .collect(),
        ward_beds: week_ward_beds(setting, monday, waiting, occupied),
        pinned: Vec::new(),
        options: week_options(scenario, setting),
        previous_plan: Vec::new(),
        replan: None,
    };
    (request, lost)
}

/// The week's solve options: the week planner's mode, one thread, the safety net, the
/// week's objective. A by-hand week is planned without the solver, but its request is
/// still validated into the instance it is planned on.
fn week_options(scenario: &Scenario, setting: &WeekSetting) -> OptionsInput {
    OptionsInput {
        time_limit_ms: scenario
            .week_time_limit
            .as_millis()
            .min(u128::from(u32::MAX)) as u32,
        threads: 1,
        // An optimiser week runs the whole solver in reproducible mode at the scenario's
        // effort (`DEFAULT_WEEK_EFFORT` when none is given), so the same scenario gives
        // the same weeks in process and through any server.
        local_search_only: setting.planner != WeekPlanner::Optimiser,
        reproducible: setting.planner == WeekPlanner::Optimiser,
        effort_limit: (setting.planner == WeekPlanner::Optimiser)
            .then(|| scenario.week_effort.unwrap_or(DEFAULT_WEEK_EFFORT)),
        objective: match setting.policy {
            ObjectivePolicy::WeightedWait => ObjectiveInput::WeightedWait,
            ObjectivePolicy::PriorityOrder => ObjectiveInput::PriorityOrder,
        },
        ..OptionsInput::default()
    }
}

/// The template's sessions on the week's dates, less those whose surgeon is on leave
/// (or not on the roster); and how many were lost to leave.
fn week_sessions(
    setting: &WeekSetting,
    roster: &BTreeMap<&str, &SurgeonSpec>,
    monday: NaiveDate,
) -> (Vec<SessionInput>, u32) {
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
    (sessions, lost)
}

/// The week's surgeons, each with their leave in the week.
fn week_surgeons(setting: &WeekSetting, monday: NaiveDate) -> Vec<SurgeonInput> {
    let week_dates: Vec<NaiveDate> = (0..7).map(|d| monday + chrono::Duration::days(d)).collect();
    setting
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
        .collect()
}

/// The whole waiting list, a named surgeon kept only when on the roster.
fn week_patients(
    waiting: &[WaitingPatient],
    roster: &BTreeMap<&str, &SurgeonSpec>,
) -> Vec<PatientInput> {
    waiting
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
        .collect()
}

/// The ward beds free each day of the week and of the longest stay after it (at most
/// `BED_LOOKAHEAD_DAYS`), less those the inpatients of earlier weeks hold.
fn week_ward_beds(
    setting: &WeekSetting,
    monday: NaiveDate,
    waiting: &[WaitingPatient],
    occupied: &BTreeMap<NaiveDate, u32>,
) -> Vec<WardBedsInput> {
    let lookahead = waiting
        .iter()
        .map(|w| w.length_of_stay_days)
        .max()
        .unwrap_or(0)
        .min(BED_LOOKAHEAD_DAYS);
    (0..7 + i64::from(lookahead))
        .map(|d| {
            let date = monday + chrono::Duration::days(d);
            let free = setting.beds_by_weekday[date.weekday().num_days_from_monday() as usize];
            WardBedsInput {
                date: date_text(date),
                free_beds: free.saturating_sub(occupied.get(&date).copied().unwrap_or(0)),
            }
        })
        .collect()
}
