//! The five files read into one request, all or nothing.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clinicplan_solver::appointments::input::*;

use super::files::{read_clinicians, read_requests, read_sites, read_slots, read_travel};
use super::origins::Origins;
use super::problem::{CsvErrors, CsvProblem};

/// The files to read. `travel` and `clinicians` are optional.
#[derive(Clone, Debug, Default)]
pub struct CsvFiles {
    pub sites: PathBuf,
    pub travel: Option<PathBuf>,
    pub clinicians: Option<PathBuf>,
    pub slots: PathBuf,
    pub requests: PathBuf,
}

impl CsvFiles {
    /// The standard names in one folder; `travel.csv` and `clinicians.csv` are used when
    /// they exist.
    pub fn in_dir(dir: &Path) -> Self {
        let optional = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        CsvFiles {
            sites: dir.join("sites.csv"),
            travel: optional("travel.csv"),
            clinicians: optional("clinicians.csv"),
            slots: dir.join("slots.csv"),
            requests: dir.join("requests.csv"),
        }
    }
}

/// What the files do not say.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// Default: the earliest slot date (theatre files: the earliest session date).
    pub planning_start: Option<NaiveDate>,
    /// Default: from `planning_start` through the latest slot or request date
    /// (theatre files: through the latest session date).
    pub horizon_days: Option<u32>,
}

/// A complete request (appointments by default, or a theatre request) and where each
/// entry came from.
#[derive(Clone, Debug)]
pub struct CsvImport<R = BalanceRequest> {
    pub request: R,
    pub origins: Origins,
}

/// Reads the five files into one request, or returns every problem found in them.
pub fn read_csv_files(files: &CsvFiles, options: &CsvOptions) -> Result<CsvImport, CsvErrors> {
    let mut problems = Vec::new();
    let mut origins = Origins::default();
    let sites = read_sites(&files.sites, &mut origins, &mut problems);
    let travel = match &files.travel {
        Some(path) => read_travel(path, &mut origins, &mut problems),
        None => Vec::new(),
    };
    let mut clinicians = match &files.clinicians {
        Some(path) => read_clinicians(path, &mut origins, &mut problems),
        None => Vec::new(),
    };
    let slots = read_slots(
        &files.slots,
        files.clinicians.is_none(),
        &mut clinicians,
        &mut origins,
        &mut problems,
    );
    let mut last_date = slots.last_date;
    let requests = read_requests(&files.requests, &mut last_date, &mut origins, &mut problems);

    let dates = DatesRead {
        first: slots.first_slot,
        last: last_date,
        file: slots.file,
        what: "slot",
    };
    let (planning_start, horizon_days) = planning_start_and_horizon(options, dates, &mut problems);
    if !problems.is_empty() {
        return Err(CsvErrors(problems));
    }
    Ok(CsvImport {
        request: BalanceRequest {
            planning_start: planning_start
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            horizon_days,
            sites,
            travel,
            clinicians,
            slots: slots.slots,
            requests,
            options: BalanceOptionsInput::default(),
        },
        origins,
    })
}

/// The dates a dated file (slots, sessions) held: what the planning start and horizon
/// default to.
pub(super) struct DatesRead {
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    /// The file the dates came from, named in the problem when there are none.
    pub file: String,
    /// What the dates are of, for the problem's message: "slot", "session".
    pub what: &'static str,
}

/// The planning start and horizon: from the options, else from the dates read. When
/// neither gives a horizon and nothing else is wrong, a problem naming the dated file.
pub(super) fn planning_start_and_horizon(
    options: &CsvOptions,
    dates: DatesRead,
    problems: &mut Vec<CsvProblem>,
) -> (Option<NaiveDate>, u32) {
    let planning_start = options.planning_start.or(dates.first);
    let horizon_days = match (options.horizon_days, planning_start, dates.last) {
        (Some(h), _, _) => h,
        (None, Some(start), Some(last)) => ((last - start).num_days() + 1).max(1) as u32,
        _ => 0,
    };
    let no_horizon =
        planning_start.is_none() || options.horizon_days.is_none() && horizon_days == 0;
    if no_horizon && problems.is_empty() {
        problems.push(CsvProblem {
            file: dates.file,
            line: None,
            column: None,
            message: format!(
                "no {} dates to take the horizon from: give --planning-start and --horizon-days",
                dates.what
            ),
        });
    }
    (planning_start, horizon_days)
}
