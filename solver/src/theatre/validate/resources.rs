//! What the plan draws on: specialties, theatres, surgeons and their leave, ward beds.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Ids;
use crate::theatre::domain::*;
use crate::theatre::input::*;
use crate::validation::{Collector, MAX_DURATION_MIN, unknown};

/// Specialty codes (CP1010, CP1011) and turnarounds (CP1041).
pub(super) fn check_specialties<'r>(
    c: &mut Collector,
    req: &'r TheatreRequest,
) -> (Ids<'r>, Vec<Specialty>) {
    let specialty_ids = c.ids(
        "specialties",
        req.specialties.iter().map(|s| s.code.as_str()),
        "code",
    );
    let specialties: Vec<Specialty> = req
        .specialties
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if s.turnaround_min > MAX_DURATION_MIN {
                c.push(
                    "CP1041",
                    format!("specialties[{i}].turnaround_min"),
                    format!("{} minutes: at most {MAX_DURATION_MIN}", s.turnaround_min),
                );
            }
            Specialty {
                code: s.code.clone(),
                turnaround_min: s.turnaround_min.min(MAX_DURATION_MIN),
            }
        })
        .collect();
    (specialty_ids, specialties)
}

/// Theatre ids (CP1010, CP1011); a theatre has nothing else to get wrong.
pub(super) fn check_theatres<'r>(
    c: &mut Collector,
    req: &'r TheatreRequest,
) -> (Ids<'r>, Vec<Theatre>) {
    let theatre_ids = c.ids("theatres", req.theatres.iter().map(|t| t.id.as_str()), "id");
    let theatres: Vec<Theatre> = req
        .theatres
        .iter()
        .map(|t| Theatre {
            id: t.id.clone(),
            name: t.name.clone(),
            equipment: t.equipment.iter().cloned().collect(),
        })
        .collect();
    (theatre_ids, theatres)
}

/// Surgeon ids (CP1010, CP1011), their specialty (CP1020), daily maximum (CP1040) and
/// leave dates (CP1030).
pub(super) fn check_surgeons_and_leave<'r>(
    c: &mut Collector,
    req: &'r TheatreRequest,
    specialty_ids: &Ids<'_>,
) -> (Ids<'r>, Vec<Surgeon>) {
    let surgeon_ids = c.ids("surgeons", req.surgeons.iter().map(|s| s.id.as_str()), "id");
    let surgeons: Vec<Surgeon> = req
        .surgeons
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if !s.specialty.is_empty() && !specialty_ids.contains_key(s.specialty.as_str()) {
                unknown(
                    c,
                    format!("surgeons[{i}].specialty"),
                    "specialty",
                    &s.specialty,
                );
            }
            if s.max_minutes_per_day == 0 {
                c.push(
                    "CP1040",
                    format!("surgeons[{i}].max_minutes_per_day"),
                    "is 0: give the operating minutes the surgeon may do in a day",
                );
            }
            Surgeon {
                id: s.id.clone(),
                name: s.name.clone(),
                specialty: s.specialty.clone(),
                max_minutes_per_day: s.max_minutes_per_day,
                unavailable: c.dates(
                    &format!("surgeons[{i}].unavailable_dates"),
                    &s.unavailable_dates,
                ),
            }
        })
        .collect();
    (surgeon_ids, surgeons)
}

/// Free ward beds by day offset from the planning start: dates (CP1030), one figure per
/// day (CP1011).
pub(super) fn check_ward_beds(
    c: &mut Collector,
    req: &TheatreRequest,
    planning_start: Option<NaiveDate>,
) -> BTreeMap<i64, u32> {
    let mut free_beds = BTreeMap::new();
    for (i, w) in req.ward_beds.iter().enumerate() {
        if let (Some(d), Some(ps)) = (
            c.date(format!("ward_beds[{i}].date"), &w.date),
            planning_start,
        ) && free_beds.insert((d - ps).num_days(), w.free_beds).is_some()
        {
            c.push(
                "CP1011",
                format!("ward_beds[{i}].date"),
                format!("{d} is given twice: give one figure per day"),
            );
        }
    }
    free_beds
}
