//! Each theatre file's rows: the columns it must have, its row type, and its rows
//! turned into the request's entries.

use std::path::Path;

use chrono::NaiveDate;
use clinicplan_solver::theatre::input::*;
use serde::Deserialize;

use super::super::cells::{Row, keyword, list};
use super::super::origins::Origins;
use super::super::problem::CsvProblem;
use super::super::table::{display_name, rows};

/// Where the rows' origins and problems go.
pub(super) struct Found<'a> {
    pub(super) origins: &'a mut Origins,
    pub(super) problems: &'a mut Vec<CsvProblem>,
}

impl Found<'_> {
    /// The rows of `path` as `T`, recorded as the origins of `collection`.
    fn rows<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &Path,
        required: &[&str],
        collection: &'static str,
    ) -> Option<(String, Vec<(u64, T)>)> {
        let (file, rows) = rows::<T>(path, required, self.problems)?;
        let lines = rows.iter().map(|r| r.0).collect();
        self.origins.insert(collection, &file, lines, None);
        Some((file, rows))
    }

    fn row<'r>(&'r mut self, file: &'r str, line: u64) -> Row<'r> {
        Row {
            file,
            line,
            problems: self.problems,
        }
    }
}

pub(super) const THEATRE_COLUMNS: &[&str] = &["id"];
pub(super) const SURGEON_COLUMNS: &[&str] = &["id", "specialty", "max_minutes_per_day"];
pub(super) const SESSION_COLUMNS: &[&str] = &[
    "id",
    "theatre_id",
    "date",
    "start_time",
    "end_time",
    "specialty",
];
pub(super) const WARD_BED_COLUMNS: &[&str] = &["date", "free_beds"];
pub(super) const SPECIALTY_COLUMNS: &[&str] = &["code", "turnaround_min"];
/// The scenario loader's required PTL columns (service/src/scenario/ptl.rs).
pub(super) const PTL_COLUMNS: &[&str] = &[
    "pathway_id",
    "specialty",
    "expected_duration_min",
    "priority",
    "clock_start",
];

#[derive(Deserialize)]
struct TheatreRow {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    equipment: String,
}

#[derive(Deserialize)]
struct SurgeonRow {
    id: String,
    #[serde(default)]
    name: String,
    specialty: String,
    max_minutes_per_day: String,
    #[serde(default)]
    unavailable_dates: String,
}

#[derive(Deserialize)]
struct SessionRow {
    id: String,
    theatre_id: String,
    date: String,
    start_time: String,
    end_time: String,
    specialty: String,
    #[serde(default)]
    surgeon_id: String,
}

#[derive(Deserialize)]
struct WardBedRow {
    date: String,
    free_beds: String,
}

#[derive(Deserialize)]
struct SpecialtyRow {
    code: String,
    turnaround_min: String,
}

#[derive(Deserialize)]
struct PtlRow {
    pathway_id: String,
    specialty: String,
    #[serde(default)]
    procedure: String,
    expected_duration_min: String,
    priority: String,
    clock_start: String,
    #[serde(default)]
    consultant: String,
    #[serde(default)]
    equipment: String,
    #[serde(default)]
    length_of_stay_days: String,
    #[serde(default)]
    unavailable_dates: String,
    #[serde(default)]
    flags: String,
    #[serde(default)]
    pinned_session_id: String,
}

/// The rows of theatres.csv.
pub(super) fn read_theatres(path: &Path, found: &mut Found<'_>) -> Vec<TheatreInput> {
    let Some((_, rows)) = found.rows::<TheatreRow>(path, THEATRE_COLUMNS, "theatres") else {
        return Vec::new();
    };
    rows.into_iter()
        .map(|(_, r)| TheatreInput {
            id: r.id,
            name: r.name,
            equipment: list(&r.equipment),
        })
        .collect()
}

/// The rows of surgeons.csv.
pub(super) fn read_surgeons(path: &Path, found: &mut Found<'_>) -> Vec<SurgeonInput> {
    let Some((file, rows)) = found.rows::<SurgeonRow>(path, SURGEON_COLUMNS, "surgeons") else {
        return Vec::new();
    };
    let mut surgeons = Vec::with_capacity(rows.len());
    for (line, r) in rows {
        let mut row = found.row(&file, line);
        surgeons.push(SurgeonInput {
            max_minutes_per_day: row.minutes("max_minutes_per_day", &r.max_minutes_per_day, false),
            unavailable_dates: row.dates("unavailable_dates", &r.unavailable_dates),
            id: r.id,
            name: r.name,
            specialty: r.specialty,
        });
    }
    surgeons
}

/// The sessions of sessions.csv, with the dates the horizon is taken from.
pub(super) struct SessionsRead {
    pub(super) sessions: Vec<SessionInput>,
    pub(super) first: Option<NaiveDate>,
    pub(super) last: Option<NaiveDate>,
    /// The name problems of the horizon are reported against.
    pub(super) file: String,
}

/// The rows of sessions.csv.
pub(super) fn read_sessions(path: &Path, found: &mut Found<'_>) -> SessionsRead {
    let mut read = SessionsRead {
        sessions: Vec::new(),
        first: None,
        last: None,
        file: display_name(path),
    };
    let Some((file, rows)) = found.rows::<SessionRow>(path, SESSION_COLUMNS, "sessions") else {
        return read;
    };
    for (line, r) in rows {
        let mut row = found.row(&file, line);
        let (date, day) = row.date("date", &r.date);
        if let Some(d) = day {
            read.first = Some(read.first.map_or(d, |f| f.min(d)));
            read.last = Some(read.last.map_or(d, |l| l.max(d)));
        }
        read.sessions.push(SessionInput {
            start_time: row.time("start_time", &r.start_time),
            end_time: row.time("end_time", &r.end_time),
            id: r.id,
            theatre_id: r.theatre_id,
            date,
            specialty: r.specialty,
            surgeon_id: r.surgeon_id,
        });
    }
    read
}

/// The rows of ward_beds.csv.
pub(super) fn read_ward_beds(path: &Path, found: &mut Found<'_>) -> Vec<WardBedsInput> {
    let Some((file, rows)) = found.rows::<WardBedRow>(path, WARD_BED_COLUMNS, "ward_beds") else {
        return Vec::new();
    };
    let mut beds = Vec::with_capacity(rows.len());
    for (line, r) in rows {
        let mut row = found.row(&file, line);
        beds.push(WardBedsInput {
            date: row.date("date", &r.date).0,
            free_beds: row.whole("free_beds", &r.free_beds, "beds", false),
        });
    }
    beds
}

/// The rows of specialties.csv.
pub(super) fn read_specialties(path: &Path, found: &mut Found<'_>) -> Vec<SpecialtyInput> {
    let Some((file, rows)) = found.rows::<SpecialtyRow>(path, SPECIALTY_COLUMNS, "specialties")
    else {
        return Vec::new();
    };
    let mut specialties = Vec::with_capacity(rows.len());
    for (line, r) in rows {
        let mut row = found.row(&file, line);
        specialties.push(SpecialtyInput {
            turnaround_min: row.minutes("turnaround_min", &r.turnaround_min, false),
            code: r.code,
        });
    }
    specialties
}

/// The rows of ptl.csv: the patients, and the pins (a `pinned_session_id`) in the
/// patients' order, each located at its patient's line.
pub(super) fn read_ptl(
    path: &Path,
    found: &mut Found<'_>,
) -> (Vec<PatientInput>, Vec<BookingInput>) {
    let (mut patients, mut pinned, mut pin_lines) = (Vec::new(), Vec::new(), Vec::new());
    let Some((file, rows)) = found.rows::<PtlRow>(path, PTL_COLUMNS, "patients") else {
        return (patients, pinned);
    };
    for (line, r) in rows {
        let mut row = found.row(&file, line);
        let priority = priority(&mut row, &r.priority);
        let flags = list(&r.flags).iter().map(|f| flag(&mut row, f)).collect();
        if !r.pinned_session_id.is_empty() {
            pinned.push(BookingInput {
                patient_id: r.pathway_id.clone(),
                session_id: r.pinned_session_id.clone(),
            });
            pin_lines.push(line);
        }
        patients.push(PatientInput {
            expected_duration_min: row.minutes(
                "expected_duration_min",
                &r.expected_duration_min,
                false,
            ),
            priority,
            listed_date: row.date("clock_start", &r.clock_start).0,
            length_of_stay_days: row.whole(
                "length_of_stay_days",
                &r.length_of_stay_days,
                "days",
                true,
            ),
            unavailable_dates: row.dates("unavailable_dates", &r.unavailable_dates),
            flags,
            id: r.pathway_id,
            specialty: r.specialty,
            procedure: r.procedure,
            surgeon_id: r.consultant,
            equipment: list(&r.equipment),
        });
    }
    found.origins.insert(
        "pinned",
        &file,
        pin_lines,
        Some("the patient's pinned_session_id"),
    );
    (patients, pinned)
}

fn priority(row: &mut Row<'_>, text: &str) -> PriorityInput {
    match keyword(text, "PRIORITY_").as_str() {
        "P1" | "1" => PriorityInput::P1,
        "P2" | "2" => PriorityInput::P2,
        "P3" | "3" => PriorityInput::P3,
        "P4" | "4" => PriorityInput::P4,
        _ => {
            row.problem(
                "priority",
                format!("'{text}' is not a priority: give P1, P2, P3 or P4"),
            );
            PriorityInput::Unspecified
        }
    }
}

fn flag(row: &mut Row<'_>, text: &str) -> FlagInput {
    match keyword(text, "CASE_FLAG_").as_str() {
        "LATEX_ALLERGY" => FlagInput::LatexAllergy,
        "PAEDIATRIC" => FlagInput::Paediatric,
        "DIABETIC" => FlagInput::Diabetic,
        "INFECTED" => FlagInput::Infected,
        _ => {
            row.problem(
                "flags",
                format!(
                    "'{text}' is not a case flag: give LATEX_ALLERGY, PAEDIATRIC, DIABETIC or INFECTED"
                ),
            );
            FlagInput::Unknown(0)
        }
    }
}
