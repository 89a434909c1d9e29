//! The requests of a GP-network week and the week's balancing request.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::scenario::*;
use crate::appointments::domain::Urgency;
use crate::appointments::input::*;
use crate::simulate::random::{self, Purpose, stable_hash};

/// A request on the network's list.
#[derive(Clone, Debug, PartialEq)]
pub struct GpRequest {
    pub id: String,
    pub home: String,
    pub role: String,
    pub urgency: Urgency,
    pub date: NaiveDate,
    pub modes: Vec<ModeInput>,
    pub max_travel_min: u32,
    pub preferred: Option<String>,
}

fn urgency_key(u: Urgency) -> &'static str {
    u.name()
}

/// The clinicians working in `week` under `variant`.
pub fn active_clinicians<'a>(
    scenario: &'a GpScenario,
    variant: Option<&'a GpVariant>,
    week: u32,
) -> Vec<&'a GpClinician> {
    let active = variant.filter(|v| v.active(week));
    scenario
        .clinicians
        .iter()
        .filter(|c| active.is_none_or(|v| !v.remove_clinicians.contains(&c.id)))
        .chain(active.into_iter().flat_map(|v| v.add_clinicians.iter()))
        .collect()
}

/// The requests arriving in `week`: per stream and home practice, a Poisson count at a
/// fixed uniform (so a demand change adds to the baseline's requests, never replaces
/// them), each dated Monday to Friday, some naming a clinician of the role at home.
pub fn gp_arrivals(
    scenario: &GpScenario,
    variant: Option<&GpVariant>,
    clinicians: &[&GpClinician],
    week: u32,
) -> Vec<GpRequest> {
    let change = variant
        .filter(|v| v.active(week))
        .map_or(0.0, |v| v.demand_change_pct);
    let monday = scenario.week_start(week);
    let mut out = Vec::new();
    for (si, s) in scenario.streams.iter().enumerate() {
        for home in &s.practices {
            let tag = format!("gp/{si}/{}/{}/{home}", s.role, urgency_key(s.urgency));
            let key = stable_hash(&tag);
            let lambda = s.per_week * (1.0 + change / 100.0);
            let u = random::uniform(&mut random::stream(
                scenario.seed,
                week,
                Purpose::ArrivalCount,
                key,
                0,
            ));
            let count = random::poisson_quantile(lambda, u);
            let own: Vec<&&GpClinician> = clinicians
                .iter()
                .filter(|c| &c.practice == home && c.role == s.role)
                .collect();
            for k in 0..count {
                let mut rng =
                    random::stream(scenario.seed, week, Purpose::ArrivalPatient, key, k.into());
                let day = ((random::uniform(&mut rng) * 5.0) as i64).min(4);
                let wants = random::uniform(&mut rng) < s.preferred_share;
                let pick = random::uniform(&mut rng);
                let preferred = (wants && !own.is_empty()).then(|| {
                    own[((pick * own.len() as f64) as usize).min(own.len() - 1)]
                        .id
                        .clone()
                });
                out.push(GpRequest {
                    id: format!(
                        "W{week:03}-{home}-{}-{}-{si}-{k:04}",
                        s.role,
                        urgency_key(s.urgency)
                    ),
                    home: home.clone(),
                    role: s.role.clone(),
                    urgency: s.urgency,
                    date: monday + chrono::Duration::days(day),
                    modes: s.modes.clone(),
                    max_travel_min: s.max_travel_min,
                    preferred,
                });
            }
        }
    }
    out
}

fn urgency_input(u: Urgency) -> UrgencyInput {
    match u {
        Urgency::SameDay => UrgencyInput::SameDay,
        Urgency::Urgent => UrgencyInput::Urgent,
        Urgency::Routine => UrgencyInput::Routine,
    }
}

/// The week's balancing request: the week's slots of `clinicians` and every request
/// `waiting` (a preferred clinician not working this week is dropped from the request).
pub fn week_request(
    scenario: &GpScenario,
    clinicians: &[&GpClinician],
    waiting: &[GpRequest],
    week: u32,
) -> BalanceRequest {
    let monday = scenario.week_start(week);
    BalanceRequest {
        planning_start: monday.format("%Y-%m-%d").to_string(),
        horizon_days: 7,
        sites: scenario
            .practices
            .iter()
            .map(|(id, name)| SiteInput {
                id: id.clone(),
                name: name.clone(),
            })
            .collect(),
        travel: scenario
            .travel
            .iter()
            .map(|(from, to, minutes)| TravelInput {
                from_site_id: from.clone(),
                to_site_id: to.clone(),
                minutes: *minutes,
            })
            .collect(),
        clinicians: clinicians
            .iter()
            .map(|c| ClinicianInput {
                id: c.id.clone(),
                site_id: c.practice.clone(),
                role: c.role.clone(),
                name: c.name.clone(),
            })
            .collect(),
        slots: week_slots(clinicians, monday),
        requests: week_requests(clinicians, waiting),
        options: BalanceOptionsInput {
            time_limit_ms: scenario.week_time_limit_ms,
            method: BalanceMethod::Transshipment,
            log_solver: false,
        },
    }
}

/// Each working clinician's slots on the week's dates.
fn week_slots(clinicians: &[&GpClinician], monday: NaiveDate) -> Vec<SlotInput> {
    let mut slots = Vec::new();
    for c in clinicians {
        for (wd, day) in c.week.iter().enumerate() {
            let date = monday + chrono::Duration::days(wd as i64);
            for (k, s) in day.iter().enumerate() {
                slots.push(SlotInput {
                    id: format!("{}-{}-{k:02}", c.id, date.format("%Y%m%d")),
                    clinician_id: c.id.clone(),
                    site_id: c.practice.clone(),
                    role: c.role.clone(),
                    date: date.format("%Y-%m-%d").to_string(),
                    start_time: s.start.format("%H:%M").to_string(),
                    duration_min: s.minutes,
                    mode: s.mode,
                });
            }
        }
    }
    slots
}

/// The waiting requests, a preferred clinician kept only when working this week.
fn week_requests(clinicians: &[&GpClinician], waiting: &[GpRequest]) -> Vec<RequestInput> {
    let working: BTreeSet<&str> = clinicians.iter().map(|c| c.id.as_str()).collect();
    waiting
        .iter()
        .map(|r| RequestInput {
            id: r.id.clone(),
            home_site_id: r.home.clone(),
            role: r.role.clone(),
            urgency: urgency_input(r.urgency),
            request_date: r.date.format("%Y-%m-%d").to_string(),
            modes: r.modes.clone(),
            max_travel_min: r.max_travel_min,
            preferred_clinician_id: r
                .preferred
                .as_deref()
                .filter(|p| working.contains(p))
                .unwrap_or("")
                .to_string(),
        })
        .collect()
}
