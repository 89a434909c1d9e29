//! A theatre request back to the six CSV files, and a plan's cases as CSV.

use std::path::Path;

use clinicplan_solver::theatre::input::*;

use crate::proto;

fn priority_name(p: PriorityInput) -> String {
    match p {
        PriorityInput::P1 => "P1".into(),
        PriorityInput::P2 => "P2".into(),
        PriorityInput::P3 => "P3".into(),
        PriorityInput::P4 => "P4".into(),
        PriorityInput::Unspecified => String::new(),
        PriorityInput::Unknown(v) => v.to_string(),
    }
}

fn flag_name(f: FlagInput) -> String {
    match f {
        FlagInput::LatexAllergy => "LATEX_ALLERGY".into(),
        FlagInput::Paediatric => "PAEDIATRIC".into(),
        FlagInput::Diabetic => "DIABETIC".into(),
        FlagInput::Infected => "INFECTED".into(),
        FlagInput::Unknown(v) => v.to_string(),
    }
}

/// Writes a header and rows; the header is written even when there are no rows, so
/// that the file reads back as an empty table.
fn write_table(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_path(path).map_err(std::io::Error::other)?;
    writer.write_record(header).map_err(std::io::Error::other)?;
    for row in rows {
        writer.write_record(&row).map_err(std::io::Error::other)?;
    }
    writer.flush()
}

fn joined(values: &[String]) -> String {
    values.join(";")
}

/// Writes `request` as theatres.csv, surgeons.csv, sessions.csv, ward_beds.csv,
/// specialties.csv and ptl.csv in `dir` (created if needed). Reading them back with
/// [`super::read_theatre_csv`] gives the same request, but for its options (not in the
/// files), when its pins follow the patients' order, and when its horizon runs from the
/// earliest through the latest session date (otherwise pass both flags).
pub fn write_theatre_csv_dir(request: &TheatreRequest, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_table(
        &dir.join("theatres.csv"),
        &["id", "name", "equipment"],
        request
            .theatres
            .iter()
            .map(|t| vec![t.id.clone(), t.name.clone(), joined(&t.equipment)]),
    )?;
    write_table(
        &dir.join("surgeons.csv"),
        &[
            "id",
            "name",
            "specialty",
            "max_minutes_per_day",
            "unavailable_dates",
        ],
        request.surgeons.iter().map(|s| {
            vec![
                s.id.clone(),
                s.name.clone(),
                s.specialty.clone(),
                s.max_minutes_per_day.to_string(),
                joined(&s.unavailable_dates),
            ]
        }),
    )?;
    write_table(
        &dir.join("sessions.csv"),
        &[
            "id",
            "theatre_id",
            "date",
            "start_time",
            "end_time",
            "specialty",
            "surgeon_id",
        ],
        request.sessions.iter().map(|s| {
            vec![
                s.id.clone(),
                s.theatre_id.clone(),
                s.date.clone(),
                s.start_time.clone(),
                s.end_time.clone(),
                s.specialty.clone(),
                s.surgeon_id.clone(),
            ]
        }),
    )?;
    write_table(
        &dir.join("ward_beds.csv"),
        &["date", "free_beds"],
        request
            .ward_beds
            .iter()
            .map(|w| vec![w.date.clone(), w.free_beds.to_string()]),
    )?;
    write_table(
        &dir.join("specialties.csv"),
        &["code", "turnaround_min"],
        request
            .specialties
            .iter()
            .map(|s| vec![s.code.clone(), s.turnaround_min.to_string()]),
    )?;
    write_ptl(request, &dir.join("ptl.csv"))
}

const PTL_HEADER: &[&str] = &[
    "pathway_id",
    "specialty",
    "procedure",
    "expected_duration_min",
    "priority",
    "clock_start",
    "consultant",
    "equipment",
    "length_of_stay_days",
    "unavailable_dates",
    "flags",
    "pinned_session_id",
];

/// ptl.csv: one row per patient, its pin (if any) in `pinned_session_id`.
fn write_ptl(request: &TheatreRequest, path: &Path) -> std::io::Result<()> {
    let pin_of = |id: &str| {
        request
            .pinned
            .iter()
            .find(|b| b.patient_id == id)
            .map(|b| b.session_id.clone())
            .unwrap_or_default()
    };
    write_table(
        path,
        PTL_HEADER,
        request.patients.iter().map(|p| {
            vec![
                p.id.clone(),
                p.specialty.clone(),
                p.procedure.clone(),
                p.expected_duration_min.to_string(),
                priority_name(p.priority),
                p.listed_date.clone(),
                p.surgeon_id.clone(),
                joined(&p.equipment),
                p.length_of_stay_days.to_string(),
                joined(&p.unavailable_dates),
                p.flags
                    .iter()
                    .map(|&f| flag_name(f))
                    .collect::<Vec<_>>()
                    .join(";"),
                pin_of(&p.id),
            ]
        }),
    )
}

/// The columns of the bookings file.
pub const BOOKINGS_HEADER: &[&str] = &[
    "patient_id",
    "session_id",
    "theatre_id",
    "date",
    "start_time",
    "end_time",
    "procedure",
    "priority",
    "list_order",
];

/// Writes one row per case of `response` (sessions in the plan's order, cases in list
/// order, `list_order` counting from 1) to `path`.
pub fn write_theatre_bookings_csv(
    response: &proto::PlanTheatreListsResponse,
    path: &Path,
) -> std::io::Result<()> {
    let rows = response.sessions.iter().flat_map(|s| {
        s.cases.iter().enumerate().map(move |(i, c)| {
            let priority = match proto::Priority::try_from(c.priority) {
                Ok(proto::Priority::P1) => "P1",
                Ok(proto::Priority::P2) => "P2",
                Ok(proto::Priority::P3) => "P3",
                Ok(proto::Priority::P4) => "P4",
                _ => "",
            };
            vec![
                c.patient_id.clone(),
                s.session_id.clone(),
                s.theatre_id.clone(),
                s.date.clone(),
                c.start_time.clone(),
                c.end_time.clone(),
                c.procedure.clone(),
                priority.to_string(),
                (i + 1).to_string(),
            ]
        })
    });
    write_table(path, BOOKINGS_HEADER, rows)
}
