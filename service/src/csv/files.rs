//! Each file's rows: the columns it must have, its row type, and its rows turned into
//! the request's entries (sites, travel times, clinicians, slots, requests).

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use clinicplan_solver::appointments::input::*;
use serde::Deserialize;

use super::cells::{Row, parse_urgency, role};
use super::origins::Origins;
use super::problem::CsvProblem;
use super::table::rows;

#[derive(Deserialize)]
struct SiteRow {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct TravelRow {
    from_site_id: String,
    to_site_id: String,
    minutes: String,
}

#[derive(Deserialize)]
struct ClinicianRow {
    id: String,
    site_id: String,
    role: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct SlotRow {
    id: String,
    clinician_id: String,
    site_id: String,
    role: String,
    date: String,
    start_time: String,
    duration_min: String,
    mode: String,
}

#[derive(Deserialize)]
struct RequestRow {
    id: String,
    home_site_id: String,
    role: String,
    urgency: String,
    request_date: String,
    modes: String,
    #[serde(default)]
    max_travel_min: String,
    #[serde(default)]
    preferred_clinician_id: String,
}

const SITE_COLUMNS: &[&str] = &["id"];
const TRAVEL_COLUMNS: &[&str] = &["from_site_id", "to_site_id", "minutes"];
const CLINICIAN_COLUMNS: &[&str] = &["id", "site_id", "role"];
const SLOT_COLUMNS: &[&str] = &[
    "id",
    "clinician_id",
    "site_id",
    "role",
    "date",
    "start_time",
    "duration_min",
    "mode",
];
const REQUEST_COLUMNS: &[&str] = &[
    "id",
    "home_site_id",
    "role",
    "urgency",
    "request_date",
    "modes",
    "max_travel_min",
];

/// The rows of sites.csv.
pub(super) fn read_sites(
    path: &Path,
    origins: &mut Origins,
    problems: &mut Vec<CsvProblem>,
) -> Vec<SiteInput> {
    let Some((file, rows)) = rows::<SiteRow>(path, SITE_COLUMNS, problems) else {
        return Vec::new();
    };
    origins.insert("sites", &file, rows.iter().map(|r| r.0).collect(), None);
    rows.into_iter()
        .map(|(_, r)| SiteInput {
            id: r.id,
            name: r.name,
        })
        .collect()
}

/// The rows of travel.csv.
pub(super) fn read_travel(
    path: &Path,
    origins: &mut Origins,
    problems: &mut Vec<CsvProblem>,
) -> Vec<TravelInput> {
    let mut travel = Vec::new();
    let Some((file, rows)) = rows::<TravelRow>(path, TRAVEL_COLUMNS, problems) else {
        return travel;
    };
    origins.insert("travel", &file, rows.iter().map(|r| r.0).collect(), None);
    for (line, r) in rows {
        let mut row = Row {
            file: &file,
            line,
            problems,
        };
        let minutes = row.minutes("minutes", &r.minutes, false);
        travel.push(TravelInput {
            from_site_id: r.from_site_id,
            to_site_id: r.to_site_id,
            minutes,
        });
    }
    travel
}

/// The rows of clinicians.csv.
pub(super) fn read_clinicians(
    path: &Path,
    origins: &mut Origins,
    problems: &mut Vec<CsvProblem>,
) -> Vec<ClinicianInput> {
    let Some((file, rows)) = rows::<ClinicianRow>(path, CLINICIAN_COLUMNS, problems) else {
        return Vec::new();
    };
    origins.insert(
        "clinicians",
        &file,
        rows.iter().map(|r| r.0).collect(),
        None,
    );
    rows.into_iter()
        .map(|(_, r)| ClinicianInput {
            id: r.id,
            site_id: r.site_id,
            role: role(&r.role),
            name: r.name,
        })
        .collect()
}

/// The slots read from slots.csv, with the dates the horizon is taken from.
pub(super) struct SlotsRead {
    pub(super) slots: Vec<SlotInput>,
    pub(super) first_slot: Option<NaiveDate>,
    pub(super) last_date: Option<NaiveDate>,
    /// The name problems of the horizon are reported against.
    pub(super) file: String,
}

/// Without clinicians.csv: one clinician per id, from their first slot. Their slots
/// must agree on the role.
struct DerivedClinicians {
    /// Clinician id → its index in the clinicians and the line of its first slot.
    first_slot: HashMap<String, (usize, u64)>,
    /// The line each derived clinician came from.
    lines: Vec<u64>,
}

impl DerivedClinicians {
    fn add(
        &mut self,
        r: &SlotRow,
        slot_role: &str,
        row: &mut Row<'_>,
        clinicians: &mut Vec<ClinicianInput>,
    ) {
        match self.first_slot.get(&r.clinician_id) {
            None => {
                self.first_slot
                    .insert(r.clinician_id.clone(), (clinicians.len(), row.line));
                self.lines.push(row.line);
                clinicians.push(ClinicianInput {
                    id: r.clinician_id.clone(),
                    site_id: r.site_id.clone(),
                    role: slot_role.to_string(),
                    name: String::new(),
                });
            }
            Some(&(k, first_line)) => {
                if clinicians[k].role != slot_role {
                    let message = format!(
                        "'{slot_role}', but clinician '{}' is a {} on line {first_line}: without clinicians.csv, a clinician's role is taken from their slots, which must agree",
                        r.clinician_id, clinicians[k].role
                    );
                    row.problem("role", message);
                }
            }
        }
    }
}

/// The rows of slots.csv; without clinicians.csv (`derive_clinicians`), the
/// clinicians are derived from the slots and added to `clinicians`.
pub(super) fn read_slots(
    path: &Path,
    derive_clinicians: bool,
    clinicians: &mut Vec<ClinicianInput>,
    origins: &mut Origins,
    problems: &mut Vec<CsvProblem>,
) -> SlotsRead {
    let mut read = SlotsRead {
        slots: Vec::new(),
        first_slot: None,
        last_date: None,
        file: super::table::display_name(path),
    };
    let Some((file, rows)) = rows::<SlotRow>(path, SLOT_COLUMNS, problems) else {
        return read;
    };
    read.file = file.clone();
    origins.insert("slots", &file, rows.iter().map(|r| r.0).collect(), None);
    let mut derived = DerivedClinicians {
        first_slot: HashMap::new(),
        lines: Vec::new(),
    };
    for (line, r) in rows {
        let mut row = Row {
            file: &file,
            line,
            problems,
        };
        let (date, day) = row.date("date", &r.date);
        let start_time = row.time("start_time", &r.start_time);
        let duration_min = row.minutes("duration_min", &r.duration_min, false);
        let mode = row.mode("mode", &r.mode);
        let slot_role = role(&r.role);
        if let Some(d) = day {
            read.first_slot = Some(read.first_slot.map_or(d, |f| f.min(d)));
            read.last_date = Some(read.last_date.map_or(d, |l| l.max(d)));
        }
        if derive_clinicians && !r.clinician_id.is_empty() {
            derived.add(&r, &slot_role, &mut row, clinicians);
        }
        read.slots.push(SlotInput {
            id: r.id,
            clinician_id: r.clinician_id,
            site_id: r.site_id,
            role: slot_role,
            date,
            start_time,
            duration_min,
            mode,
        });
    }
    if derive_clinicians {
        origins.insert(
            "clinicians",
            &file,
            derived.lines,
            Some("the clinician's first slot"),
        );
    }
    read
}

/// The rows of requests.csv; `last_date` moves to the latest request date.
pub(super) fn read_requests(
    path: &Path,
    last_date: &mut Option<NaiveDate>,
    origins: &mut Origins,
    problems: &mut Vec<CsvProblem>,
) -> Vec<RequestInput> {
    let mut requests = Vec::new();
    let Some((file, rows)) = rows::<RequestRow>(path, REQUEST_COLUMNS, problems) else {
        return requests;
    };
    origins.insert("requests", &file, rows.iter().map(|r| r.0).collect(), None);
    for (line, r) in rows {
        let mut row = Row {
            file: &file,
            line,
            problems,
        };
        let urgency = match parse_urgency(&r.urgency) {
            Some(u) => u,
            None => {
                row.problem(
                    "urgency",
                    format!(
                        "'{}' is not an urgency: give SAME_DAY, URGENT or ROUTINE",
                        r.urgency
                    ),
                );
                UrgencyInput::Unspecified
            }
        };
        let (request_date, day) = row.date("request_date", &r.request_date);
        if let Some(d) = day {
            *last_date = Some(last_date.map_or(d, |l| l.max(d)));
        }
        let modes = r
            .modes
            .split([';', '|', ','])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|m| row.mode("modes", m))
            .collect();
        let max_travel_min = row.minutes("max_travel_min", &r.max_travel_min, true);
        requests.push(RequestInput {
            id: r.id,
            home_site_id: r.home_site_id,
            role: role(&r.role),
            urgency,
            request_date,
            modes,
            max_travel_min,
            preferred_clinician_id: r.preferred_clinician_id,
        });
    }
    requests
}
