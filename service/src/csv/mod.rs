//! Appointment-book flat files (CSV) to a [`BalanceRequest`], and back.
//!
//! Five files, each with a header row: `sites.csv`, `travel.csv` (optional),
//! `clinicians.csv` (optional: derived from the slots when absent), `slots.csv` and
//! `requests.csv`. Columns are matched by name (any order, any case; unknown columns
//! are ignored). The columns and the accepted spellings are documented in docs/csv.md.
//!
//! Import is all or nothing: [`read_csv_files`] returns either a complete request or
//! every problem of every file, each naming its file, line and column (lines count
//! from 1, the header being line 1). Problems of meaning (unknown sites, overlapping slots, ...) are left to
//! the solver's validation; [`Origins`] turns its field paths (`slots[3].date`) back
//! into lines (`slots.csv line 5 (slots[3].date)`).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ::csv::StringRecord;
use chrono::{NaiveDate, NaiveTime};
use clinicplan_solver::appointments::input::*;
use serde::{Deserialize, Serialize};

use crate::proto;

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
    /// Default: the earliest slot date.
    pub planning_start: Option<NaiveDate>,
    /// Default: from `planning_start` through the latest slot or request date.
    pub horizon_days: Option<u32>,
}

/// One problem in one file, located as precisely as possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProblem {
    pub file: String,
    /// 1-based; the header is line 1.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in the files; nothing was imported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the CSV files, first: {}", .0.len(), .0[0])]
pub struct CsvErrors(pub Vec<CsvProblem>);

/// Where each entry of an imported request came from.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    collections: HashMap<&'static str, Origin>,
}

#[derive(Clone, Debug)]
struct Origin {
    file: String,
    /// Line of entry i.
    lines: Vec<u64>,
    /// Said after the path, e.g. that clinicians were derived from the slots.
    note: Option<&'static str>,
}

impl Origins {
    /// A validation field path with its file and line in front:
    /// `slots[3].date` → `slots.csv line 5 (slots[3].date)`. Paths that name no row
    /// (`planning_start`) say where the value came from.
    pub fn locate(&self, field: &str) -> String {
        if let Some((collection, index)) = split_path(field)
            && let Some(origin) = self.collections.get(collection)
            && let Some(line) = origin.lines.get(index)
        {
            let note = origin.note.map(|n| format!(", {n}")).unwrap_or_default();
            return format!("{} line {line} ({field}{note})", origin.file);
        }
        match field {
            "planning_start" => {
                "planning_start (--planning-start, or the earliest slot date)".into()
            }
            "horizon_days" => {
                "horizon_days (--horizon-days, or through the latest slot or request date)".into()
            }
            _ => field.to_string(),
        }
    }

    /// A validation message with each `collection[i]` it mentions followed by its line.
    pub fn annotate(&self, message: &str) -> String {
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(open) = rest.find('[') {
            let close = rest[open..].find(']').map(|c| open + c);
            let word_start = rest[..open]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |p| p + 1);
            let Some(close) = close else { break };
            out.push_str(&rest[..=close]);
            let path = &rest[word_start..=close];
            if let Some((collection, index)) = split_path(path)
                && let Some(origin) = self.collections.get(collection)
                && let Some(line) = origin.lines.get(index)
            {
                out.push_str(&format!(" ({} line {line})", origin.file));
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// `slots[3].date` → ("slots", 3).
fn split_path(field: &str) -> Option<(&str, usize)> {
    let open = field.find('[')?;
    let close = open + field[open..].find(']')?;
    let index = field[open + 1..close].parse().ok()?;
    Some((&field[..open], index))
}

/// A complete request and where each entry came from.
#[derive(Clone, Debug)]
pub struct CsvImport {
    pub request: BalanceRequest,
    pub origins: Origins,
}

/// A file read up to its rows: the normalised header and each row with its line.
struct Table {
    file: String,
    headers: StringRecord,
    rows: Vec<(u64, StringRecord)>,
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn normalise_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

/// Reads a file's header and rows. Problems of the file as a whole (unreadable, no
/// header, a required column missing) return `None`; a row that cannot be read is
/// reported and left out.
fn read_table(path: &Path, required: &[&str], problems: &mut Vec<CsvProblem>) -> Option<Table> {
    let file = display_name(path);
    let mut reader = match ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_path(path)
    {
        Ok(r) => r,
        Err(e) => {
            problems.push(CsvProblem {
                file,
                line: None,
                column: None,
                message: format!("cannot be read ({})", io_message(&e)),
            });
            return None;
        }
    };
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(normalise_header).collect::<StringRecord>(),
        Err(e) => {
            problems.push(CsvProblem {
                file,
                line: Some(1),
                column: None,
                message: format!("the header row cannot be read ({})", io_message(&e)),
            });
            return None;
        }
    };
    if headers.iter().all(str::is_empty) {
        problems.push(CsvProblem {
            file,
            line: Some(1),
            column: None,
            message: format!(
                "the file is empty: it needs a header row naming the columns {}",
                required.join(",")
            ),
        });
        return None;
    }
    let mut complete = true;
    for &column in required {
        if !headers.iter().any(|h| h == column) {
            problems.push(CsvProblem {
                file: file.clone(),
                line: Some(1),
                column: Some(column.to_string()),
                message: format!(
                    "the required column '{column}' is missing (the header has: {})",
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            });
            complete = false;
        }
    }
    if !complete {
        return None;
    }
    let mut rows = Vec::new();
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.iter().all(str::is_empty) {
                    continue;
                }
                if record.len() != headers.len() {
                    problems.push(CsvProblem {
                        file: file.clone(),
                        line: Some(line),
                        column: None,
                        message: format!(
                            "{} values, but the header names {} columns",
                            record.len(),
                            headers.len()
                        ),
                    });
                    continue;
                }
                rows.push((line, record.clone()));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let fatal = matches!(e.kind(), ::csv::ErrorKind::Io(_));
                problems.push(CsvProblem {
                    file: file.clone(),
                    line,
                    column: None,
                    message: format!("cannot be read ({})", io_message(&e)),
                });
                if fatal {
                    break;
                }
            }
        }
    }
    Some(Table {
        file,
        headers,
        rows,
    })
}

fn io_message(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Io(io) => io.to_string(),
        ::csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 text: {err}"),
        _ => e.to_string(),
    }
}

/// One row being parsed: its problems are located by file, line and column.
struct Row<'a> {
    file: &'a str,
    line: u64,
    problems: &'a mut Vec<CsvProblem>,
}

impl Row<'_> {
    fn problem(&mut self, column: &str, message: String) {
        self.problems.push(CsvProblem {
            file: self.file.to_string(),
            line: Some(self.line),
            column: Some(column.to_string()),
            message,
        });
    }

    fn minutes(&mut self, column: &str, text: &str, empty_is_zero: bool) -> u32 {
        if text.is_empty() {
            if !empty_is_zero {
                self.problem(column, "is empty: give a whole number of minutes".into());
            }
            return 0;
        }
        match text.parse::<u32>() {
            Ok(v) => v,
            Err(_) => {
                self.problem(column, format!("'{text}' is not a whole number of minutes"));
                0
            }
        }
    }

    fn date(&mut self, column: &str, text: &str) -> (String, Option<NaiveDate>) {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => (d.format("%Y-%m-%d").to_string(), Some(d)),
            Err(_) => {
                self.problem(
                    column,
                    format!("'{text}' is not a date: write it as YYYY-MM-DD"),
                );
                (text.to_string(), None)
            }
        }
    }

    fn time(&mut self, column: &str, text: &str) -> String {
        let parsed = NaiveTime::parse_from_str(text, "%H:%M").or_else(|_| {
            NaiveTime::parse_from_str(text, "%H:%M:%S")
                .map_err(|_| ())
                .and_then(|t| {
                    if chrono::Timelike::second(&t) == 0 {
                        Ok(t)
                    } else {
                        Err(())
                    }
                })
        });
        match parsed {
            Ok(t) => t.format("%H:%M").to_string(),
            Err(_) => {
                self.problem(
                    column,
                    format!("'{text}' is not a time: write it as HH:MM (24-hour clock)"),
                );
                text.to_string()
            }
        }
    }

    fn mode(&mut self, column: &str, text: &str) -> ModeInput {
        match parse_mode(text) {
            Some(m) => m,
            None => {
                self.problem(
                    column,
                    format!("'{text}' is not a mode: give FACE_TO_FACE (or F2F), PHONE or VIDEO"),
                );
                ModeInput::Unspecified
            }
        }
    }
}

fn keyword(text: &str, prefix: &str) -> String {
    let k = text.trim().to_ascii_uppercase().replace([' ', '-'], "_");
    k.strip_prefix(prefix).map(str::to_string).unwrap_or(k)
}

fn parse_mode(text: &str) -> Option<ModeInput> {
    match keyword(text, "MODE_").as_str() {
        "FACE_TO_FACE" | "F2F" | "FACETOFACE" => Some(ModeInput::FaceToFace),
        "PHONE" | "TELEPHONE" => Some(ModeInput::Phone),
        "VIDEO" => Some(ModeInput::Video),
        _ => None,
    }
}

fn parse_urgency(text: &str) -> Option<UrgencyInput> {
    match keyword(text, "URGENCY_").as_str() {
        "SAME_DAY" | "SAMEDAY" => Some(UrgencyInput::SameDay),
        "URGENT" => Some(UrgencyInput::Urgent),
        "ROUTINE" => Some(UrgencyInput::Routine),
        _ => None,
    }
}

fn role(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}

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

/// Reads a file's rows as `T` (every column a string), with each row's line.
fn rows<T: serde::de::DeserializeOwned>(
    path: &Path,
    required: &[&str],
    problems: &mut Vec<CsvProblem>,
) -> Option<(String, Vec<(u64, T)>)> {
    let table = read_table(path, required, problems)?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, record) in &table.rows {
        match record.deserialize::<T>(Some(&table.headers)) {
            Ok(row) => out.push((*line, row)),
            Err(e) => problems.push(CsvProblem {
                file: table.file.clone(),
                line: Some(*line),
                column: None,
                message: format!("cannot be read ({e})"),
            }),
        }
    }
    Some((table.file, out))
}

/// Reads the five files into one request, or returns every problem found in them.
pub fn read_csv_files(files: &CsvFiles, options: &CsvOptions) -> Result<CsvImport, CsvErrors> {
    let mut problems = Vec::new();
    let mut origins = Origins::default();
    let mut origin = |collection: &'static str, file: &str, lines: Vec<u64>| {
        origins.collections.insert(
            collection,
            Origin {
                file: file.to_string(),
                lines,
                note: None,
            },
        );
    };

    let mut sites = Vec::new();
    if let Some((file, rows)) = rows::<SiteRow>(&files.sites, SITE_COLUMNS, &mut problems) {
        origin("sites", &file, rows.iter().map(|r| r.0).collect());
        sites = rows
            .into_iter()
            .map(|(_, r)| SiteInput {
                id: r.id,
                name: r.name,
            })
            .collect();
    }

    let mut travel = Vec::new();
    if let Some(path) = &files.travel
        && let Some((file, rows)) = rows::<TravelRow>(path, TRAVEL_COLUMNS, &mut problems)
    {
        origin("travel", &file, rows.iter().map(|r| r.0).collect());
        for (line, r) in rows {
            let mut row = Row {
                file: &file,
                line,
                problems: &mut problems,
            };
            let minutes = row.minutes("minutes", &r.minutes, false);
            travel.push(TravelInput {
                from_site_id: r.from_site_id,
                to_site_id: r.to_site_id,
                minutes,
            });
        }
    }

    let mut clinicians = Vec::new();
    if let Some(path) = &files.clinicians
        && let Some((file, rows)) = rows::<ClinicianRow>(path, CLINICIAN_COLUMNS, &mut problems)
    {
        origin("clinicians", &file, rows.iter().map(|r| r.0).collect());
        clinicians = rows
            .into_iter()
            .map(|(_, r)| ClinicianInput {
                id: r.id,
                site_id: r.site_id,
                role: role(&r.role),
                name: r.name,
            })
            .collect();
    }

    let mut slots = Vec::new();
    let mut first_slot: Option<NaiveDate> = None;
    let mut last_date: Option<NaiveDate> = None;
    let mut slots_file = display_name(&files.slots);
    if let Some((file, rows)) = rows::<SlotRow>(&files.slots, SLOT_COLUMNS, &mut problems) {
        slots_file = file.clone();
        origin("slots", &file, rows.iter().map(|r| r.0).collect());
        // Without clinicians.csv: one clinician per id, from their first slot.
        let mut derived: HashMap<String, (usize, u64)> = HashMap::new();
        let mut derived_lines = Vec::new();
        for (line, r) in rows {
            let mut row = Row {
                file: &file,
                line,
                problems: &mut problems,
            };
            let (date, day) = row.date("date", &r.date);
            let start_time = row.time("start_time", &r.start_time);
            let duration_min = row.minutes("duration_min", &r.duration_min, false);
            let mode = row.mode("mode", &r.mode);
            let slot_role = role(&r.role);
            if let Some(d) = day {
                first_slot = Some(first_slot.map_or(d, |f| f.min(d)));
                last_date = Some(last_date.map_or(d, |l| l.max(d)));
            }
            if files.clinicians.is_none() && !r.clinician_id.is_empty() {
                match derived.get(&r.clinician_id) {
                    None => {
                        derived.insert(r.clinician_id.clone(), (clinicians.len(), line));
                        derived_lines.push(line);
                        clinicians.push(ClinicianInput {
                            id: r.clinician_id.clone(),
                            site_id: r.site_id.clone(),
                            role: slot_role.clone(),
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
            slots.push(SlotInput {
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
        if files.clinicians.is_none() {
            origins.collections.insert(
                "clinicians",
                Origin {
                    file: file.clone(),
                    lines: derived_lines,
                    note: Some("the clinician's first slot"),
                },
            );
        }
    }

    let mut requests = Vec::new();
    if let Some((file, rows)) = rows::<RequestRow>(&files.requests, REQUEST_COLUMNS, &mut problems)
    {
        origins.collections.insert(
            "requests",
            Origin {
                file: file.clone(),
                lines: rows.iter().map(|r| r.0).collect(),
                note: None,
            },
        );
        for (line, r) in rows {
            let mut row = Row {
                file: &file,
                line,
                problems: &mut problems,
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
                last_date = Some(last_date.map_or(d, |l| l.max(d)));
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
    }

    let planning_start = options.planning_start.or(first_slot);
    let horizon_days = match (options.horizon_days, planning_start, last_date) {
        (Some(h), _, _) => h,
        (None, Some(start), Some(last)) => ((last - start).num_days() + 1).max(1) as u32,
        _ => 0,
    };
    let no_horizon =
        planning_start.is_none() || options.horizon_days.is_none() && horizon_days == 0;
    if no_horizon && problems.is_empty() {
        problems.push(CsvProblem {
            file: slots_file,
            line: None,
            column: None,
            message:
                "no slot dates to take the horizon from: give --planning-start and --horizon-days"
                    .into(),
        });
    }
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
            slots,
            requests,
            options: BalanceOptionsInput::default(),
        },
        origins,
    })
}

fn mode_name(m: ModeInput) -> String {
    match m {
        ModeInput::FaceToFace => "FACE_TO_FACE".into(),
        ModeInput::Phone => "PHONE".into(),
        ModeInput::Video => "VIDEO".into(),
        ModeInput::Unspecified => String::new(),
        ModeInput::Unknown(v) => v.to_string(),
    }
}

fn urgency_name(u: UrgencyInput) -> String {
    match u {
        UrgencyInput::SameDay => "SAME_DAY".into(),
        UrgencyInput::Urgent => "URGENT".into(),
        UrgencyInput::Routine => "ROUTINE".into(),
        UrgencyInput::Unspecified => String::new(),
        UrgencyInput::Unknown(v) => v.to_string(),
    }
}

fn write_rows<T: Serialize>(path: &Path, rows: impl IntoIterator<Item = T>) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_path(path).map_err(std::io::Error::other)?;
    for row in rows {
        writer.serialize(row).map_err(std::io::Error::other)?;
    }
    writer.flush()
}

#[derive(Serialize)]
struct SiteOut<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct TravelOut<'a> {
    from_site_id: &'a str,
    to_site_id: &'a str,
    minutes: u32,
}

#[derive(Serialize)]
struct ClinicianOut<'a> {
    id: &'a str,
    site_id: &'a str,
    role: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct SlotOut<'a> {
    id: &'a str,
    clinician_id: &'a str,
    site_id: &'a str,
    role: &'a str,
    date: &'a str,
    start_time: &'a str,
    duration_min: u32,
    mode: String,
}

#[derive(Serialize)]
struct RequestOut<'a> {
    id: &'a str,
    home_site_id: &'a str,
    role: &'a str,
    urgency: String,
    request_date: &'a str,
    modes: String,
    max_travel_min: u32,
    preferred_clinician_id: &'a str,
}

/// Writes `request` as sites.csv, travel.csv, clinicians.csv, slots.csv and
/// requests.csv in `dir` (created if needed). Reading them back with
/// [`read_csv_files`] gives the same request when its horizon runs from the earliest
/// slot date through the latest slot or request date (otherwise pass both flags).
pub fn write_csv_dir(request: &BalanceRequest, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_rows(
        &dir.join("sites.csv"),
        request.sites.iter().map(|s| SiteOut {
            id: &s.id,
            name: &s.name,
        }),
    )?;
    write_rows(
        &dir.join("travel.csv"),
        request.travel.iter().map(|t| TravelOut {
            from_site_id: &t.from_site_id,
            to_site_id: &t.to_site_id,
            minutes: t.minutes,
        }),
    )?;
    write_rows(
        &dir.join("clinicians.csv"),
        request.clinicians.iter().map(|k| ClinicianOut {
            id: &k.id,
            site_id: &k.site_id,
            role: &k.role,
            name: &k.name,
        }),
    )?;
    write_rows(
        &dir.join("slots.csv"),
        request.slots.iter().map(|s| SlotOut {
            id: &s.id,
            clinician_id: &s.clinician_id,
            site_id: &s.site_id,
            role: &s.role,
            date: &s.date,
            start_time: &s.start_time,
            duration_min: s.duration_min,
            mode: mode_name(s.mode),
        }),
    )?;
    write_rows(
        &dir.join("requests.csv"),
        request.requests.iter().map(|r| RequestOut {
            id: &r.id,
            home_site_id: &r.home_site_id,
            role: &r.role,
            urgency: urgency_name(r.urgency),
            request_date: &r.request_date,
            modes: r
                .modes
                .iter()
                .map(|&m| mode_name(m))
                .collect::<Vec<_>>()
                .join(";"),
            max_travel_min: r.max_travel_min,
            preferred_clinician_id: &r.preferred_clinician_id,
        }),
    )
}

#[derive(Serialize)]
struct BookingOut<'a> {
    request_id: &'a str,
    slot_id: &'a str,
    clinician_id: &'a str,
    site_id: &'a str,
    date: &'a str,
    start_time: &'a str,
    mode: &'static str,
    wait_days: u32,
    travel_min: u32,
    with_preferred_clinician: bool,
    cost: f64,
}

/// Writes one row per booking of `response` (request order) to `path`.
pub fn write_bookings_csv(
    response: &proto::BalanceAppointmentsResponse,
    path: &Path,
) -> std::io::Result<()> {
    write_rows(
        path,
        response.bookings.iter().map(|b| BookingOut {
            request_id: &b.request_id,
            slot_id: &b.slot_id,
            clinician_id: &b.clinician_id,
            site_id: &b.site_id,
            date: &b.date,
            start_time: &b.start_time,
            mode: match proto::Mode::try_from(b.mode) {
                Ok(proto::Mode::FaceToFace) => "FACE_TO_FACE",
                Ok(proto::Mode::Phone) => "PHONE",
                Ok(proto::Mode::Video) => "VIDEO",
                _ => "",
            },
            wait_days: b.wait_days,
            travel_min: b.travel_min,
            with_preferred_clinician: b.with_preferred_clinician,
            cost: b.cost,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("clinicplan-csv-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn small(d: &Path) {
        write(d, "sites.csv", "\u{feff}id,name\nA,Alpha\nB,Beta\n");
        write(d, "travel.csv", "from_site_id,to_site_id,minutes\nA,B,12\n");
        write(
            d,
            "slots.csv",
            "id,clinician_id,site_id,role,date,start_time,duration_min,mode,extra\n\
             s1,k1,A,gp,2026-03-02,8:30,15,F2F,x\n\
             s2,k1,A,GP,2026-03-03,09:00:00,15,face to face,y\n\
             s3,k2,B,NURSE,2026-03-04,09:00,15,phone,z\n",
        );
        write(
            d,
            "requests.csv",
            "Modes,id,home_site_id,role,urgency,request_date,max_travel_min,preferred_clinician_id\n\
             F2F|PHONE,r1,A,GP,urgent,2026-02-27,20,k1\n\
             phone,r2,B,NURSE,Same Day,2026-03-05,,\n",
        );
    }

    #[test]
    fn reads_the_files_and_derives_clinicians() {
        let d = dir("ok");
        small(&d);
        let import = read_csv_files(&CsvFiles::in_dir(&d), &CsvOptions::default()).unwrap();
        let r = &import.request;
        assert_eq!(r.planning_start, "2026-03-02");
        assert_eq!(r.horizon_days, 4, "through the latest request date");
        assert_eq!(r.sites[0].id, "A");
        assert_eq!(r.clinicians.len(), 2);
        assert_eq!(r.clinicians[1].role, "NURSE");
        assert_eq!(r.slots[0].role, "GP");
        assert_eq!(r.slots[0].start_time, "08:30");
        assert_eq!(r.slots[1].start_time, "09:00");
        assert_eq!(r.slots[1].mode, ModeInput::FaceToFace);
        assert_eq!(
            r.requests[0].modes,
            vec![ModeInput::FaceToFace, ModeInput::Phone]
        );
        assert_eq!(r.requests[1].urgency, UrgencyInput::SameDay);
        assert_eq!(r.requests[1].max_travel_min, 0);
        assert_eq!(
            import.origins.locate("slots[2].date"),
            "slots.csv line 4 (slots[2].date)"
        );
        assert_eq!(
            import.origins.locate("clinicians[1].site_id"),
            "slots.csv line 4 (clinicians[1].site_id, the clinician's first slot)"
        );
        assert_eq!(
            import.origins.annotate("also requests[1] and slots[9]"),
            "also requests[1] (requests.csv line 3) and slots[9]"
        );
        // Written back and read again: the same request.
        let out = dir("roundtrip");
        write_csv_dir(r, &out).unwrap();
        let again = read_csv_files(&CsvFiles::in_dir(&out), &CsvOptions::default()).unwrap();
        assert_eq!(again.request, *r);
    }

    #[test]
    fn collects_every_problem_of_every_file() {
        let d = dir("bad");
        small(&d);
        write(
            &d,
            "requests.csv",
            "id,home_site_id,role,urgency,request_date,modes,max_travel_min\n\
             r1,A,GP,SOON,2026-02-27,F2F,ten\n\
             r2,A,GP,URGENT,27/02/2026,POST,10\n\
             r3,A,GP\n",
        );
        write(&d, "travel.csv", "from_site_id,minutes\nA,3\n");
        write(
            &d,
            "slots.csv",
            "id,clinician_id,site_id,role,date,start_time,duration_min,mode\n\
             s1,k1,A,GP,2026-03-02,08:30,15,F2F\n\
             s2,k1,A,NURSE,2026-03-03,09:00,15,F2F\n",
        );
        let err = read_csv_files(&CsvFiles::in_dir(&d), &CsvOptions::default()).unwrap_err();
        let text: Vec<String> = err.0.iter().map(|p| p.to_string()).collect();
        let want = [
            "travel.csv line 1, column to_site_id: the required column 'to_site_id' is missing",
            "slots.csv line 3, column role: 'NURSE', but clinician 'k1' is a GP on line 2",
            "requests.csv line 2, column urgency: 'SOON' is not an urgency",
            "requests.csv line 2, column max_travel_min: 'ten' is not a whole number of minutes",
            "requests.csv line 3, column request_date: '27/02/2026' is not a date",
            "requests.csv line 3, column modes: 'POST' is not a mode",
            "requests.csv line 4: 3 values, but the header names 7 columns",
        ];
        for w in want {
            assert!(
                text.iter().any(|t| t.starts_with(w)),
                "{w} not in {text:#?}"
            );
        }
        assert_eq!(text.len(), want.len(), "{text:#?}");
    }
}
