//! Theatre-planning flat files (CSV) to a [`TheatreRequest`], and back.
//!
//! Six files, each with a header row: `ptl.csv` (the waiting list, shaped like the
//! scenario loader's PTL export plus what a request needs), `sessions.csv`,
//! `surgeons.csv`, `theatres.csv`, `ward_beds.csv` and `specialties.csv`. They are read
//! with the appointment files' table reader: columns matched by name (any order, any
//! case; unknown columns ignored), multi-valued cells (equipment, leave dates, flags)
//! separated by `;`. The columns are documented in docs/csv.md, "Theatre planning files".
//!
//! Import is all or nothing: [`read_theatre_csv`] returns either a complete request or
//! every problem of every file with its file, line and column. Problems of meaning
//! (an unknown theatre, overlapping sessions, ...) are left to the solver's validation;
//! the [`Origins`] it returns turn its field paths (`sessions[3].theatre_id`) back into
//! lines (`sessions.csv line 5 (sessions[3].theatre_id)`).
//!
//! The solve options are not in the files: the caller sets them (the CLI from its
//! flags).

mod files;
mod write;

use std::path::{Path, PathBuf};

use clinicplan_solver::theatre::input::{OptionsInput, TheatreRequest};

use super::origins::{HorizonFrom, Origins};
use super::problem::CsvErrors;
use super::read::{CsvImport, CsvOptions, DatesRead, planning_start_and_horizon};

pub use write::{BOOKINGS_HEADER, write_theatre_bookings_csv, write_theatre_csv_dir};

/// The six files to read.
#[derive(Clone, Debug, Default)]
pub struct TheatreCsvFiles {
    pub ptl: PathBuf,
    pub sessions: PathBuf,
    pub surgeons: PathBuf,
    pub theatres: PathBuf,
    pub ward_beds: PathBuf,
    pub specialties: PathBuf,
}

impl TheatreCsvFiles {
    /// The standard names in one folder.
    pub fn in_dir(dir: &Path) -> Self {
        TheatreCsvFiles {
            ptl: dir.join("ptl.csv"),
            sessions: dir.join("sessions.csv"),
            surgeons: dir.join("surgeons.csv"),
            theatres: dir.join("theatres.csv"),
            ward_beds: dir.join("ward_beds.csv"),
            specialties: dir.join("specialties.csv"),
        }
    }
}

/// Reads the six files into one request (default options), or returns every problem
/// found in them. Without `options.planning_start`, the plan starts on the earliest
/// session date; without `options.horizon_days`, it runs through the latest one.
pub fn read_theatre_csv(
    files: &TheatreCsvFiles,
    options: &CsvOptions,
) -> Result<CsvImport<TheatreRequest>, CsvErrors> {
    let mut problems = Vec::new();
    let mut origins = Origins {
        horizon_from: Some(HorizonFrom {
            start: "--planning-start, or the earliest session date",
            horizon: "--horizon-days, or through the latest session date",
        }),
        ..Origins::default()
    };
    let mut o = files::Found {
        origins: &mut origins,
        problems: &mut problems,
    };
    let theatres = files::read_theatres(&files.theatres, &mut o);
    let surgeons = files::read_surgeons(&files.surgeons, &mut o);
    let sessions = files::read_sessions(&files.sessions, &mut o);
    let specialties = files::read_specialties(&files.specialties, &mut o);
    let ward_beds = files::read_ward_beds(&files.ward_beds, &mut o);
    let (patients, pinned) = files::read_ptl(&files.ptl, &mut o);

    let dates = DatesRead {
        first: sessions.first,
        last: sessions.last,
        file: sessions.file,
        what: "session",
    };
    let (planning_start, horizon_days) = planning_start_and_horizon(options, dates, &mut problems);
    if !problems.is_empty() {
        return Err(CsvErrors(problems));
    }
    Ok(CsvImport {
        request: TheatreRequest {
            planning_start: planning_start
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            horizon_days,
            theatres,
            surgeons,
            sessions: sessions.sessions,
            patients,
            specialties,
            ward_beds,
            pinned,
            options: OptionsInput::default(),
            previous_plan: Vec::new(),
            replan: None,
        },
        origins,
    })
}

#[cfg(test)]
mod tests;
