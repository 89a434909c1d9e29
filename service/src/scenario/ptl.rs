//! The starting waiting list from a CSV file shaped like a patient tracking list (PTL)
//! export: one row per pathway, columns found by their header name.
//!
//! | column | required | meaning |
//! | --- | --- | --- |
//! | `pathway_id` | yes | the patient's id on the list (unique) |
//! | `specialty` | yes | specialty code, one of the scenario's |
//! | `procedure` | no | the planned procedure |
//! | `expected_duration_min` | yes | expected case length, minutes |
//! | `priority` | yes | P1 to P4 |
//! | `clock_start` | yes | RTT clock start (decision to admit), YYYY-MM-DD |
//! | `consultant` | no | a named consultant's surgeon id; empty: any surgeon |
//! | `equipment` | no | equipment the case needs, separated by `;` |
//! | `length_of_stay_days` | no | expected nights in a ward bed; empty: 0 (day case) |
//!
//! Other columns (NHS number, weeks waiting, TCI date, ...) are ignored: exports carry
//! many. Every bad field is reported with its file, line and column, and a file with any
//! problem loads nothing.

use std::collections::BTreeMap;
use std::path::Path;

use clinicplan_solver::simulate::config::PatientConfig;
use clinicplan_solver::simulate::{ListedPatient, parse_priority};

/// One problem in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}{}: {message}", column_text(.column))]
pub struct CsvProblem {
    pub file: String,
    pub line: u64,
    /// 1-based column number and header name.
    pub column: Option<(usize, String)>,
    pub message: String,
}

fn column_text(column: &Option<(usize, String)>) -> String {
    match column {
        Some((n, name)) => format!(", column {n} ({name})"),
        None => String::new(),
    }
}

const REQUIRED: [&str; 5] = [
    "pathway_id",
    "specialty",
    "expected_duration_min",
    "priority",
    "clock_start",
];
const OPTIONAL: [&str; 4] = [
    "procedure",
    "consultant",
    "equipment",
    "length_of_stay_days",
];

/// Which [`PatientConfig`] field each column fills, for the validator's locations.
fn field_of(column: &str) -> &'static str {
    match column {
        "pathway_id" => "id",
        "specialty" => "specialty",
        "procedure" => "procedure",
        "expected_duration_min" => "duration_min",
        "priority" => "priority",
        "clock_start" => "listed_date",
        "consultant" => "surgeon",
        "equipment" => "equipment",
        _ => "length_of_stay_days",
    }
}

/// Reads the file at `path`; `shown` is the name problems give it.
pub fn load_ptl(path: &Path, shown: &str) -> Result<Vec<ListedPatient>, Vec<CsvProblem>> {
    let text = std::fs::read(path).map_err(|e| {
        vec![CsvProblem {
            file: shown.to_string(),
            line: 0,
            column: None,
            message: format!("cannot read {}: {e}", path.display()),
        }]
    })?;
    parse_ptl(&text, shown)
}

/// Parses a PTL export held in memory.
pub fn parse_ptl(bytes: &[u8], shown: &str) -> Result<Vec<ListedPatient>, Vec<CsvProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            let message = format!("unreadable header: {e}");
            return Err(vec![problem_at(shown, 1, None, message)]);
        }
    };
    let sheet = Sheet::new(shown, &headers)?;
    let mut problems = Vec::new();
    let mut patients = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => patients.extend(sheet.row(&record, &mut problems)),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let message = format!("unreadable row: {e}");
                problems.push(problem_at(shown, line, None, message));
            }
        }
    }
    if problems.is_empty() {
        Ok(patients)
    } else {
        Err(problems)
    }
}

fn problem_at(
    shown: &str,
    line: u64,
    column: Option<(usize, String)>,
    message: String,
) -> CsvProblem {
    CsvProblem {
        file: shown.to_string(),
        line,
        column,
        message,
    }
}

/// A PTL file's name and where its known columns are.
struct Sheet<'h> {
    shown: &'h str,
    position: BTreeMap<&'h str, usize>,
}

/// One row being read: its line, its cells, and whether it is still whole.
struct Row<'r> {
    line: u64,
    record: &'r csv::StringRecord,
    ok: bool,
}

impl<'h> Sheet<'h> {
    /// The known columns of `headers`, or a problem for each required one missing.
    fn new(shown: &'h str, headers: &'h csv::StringRecord) -> Result<Self, Vec<CsvProblem>> {
        let position: BTreeMap<&str, usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| REQUIRED.contains(h) || OPTIONAL.contains(h))
            .map(|(i, h)| (h, i))
            .collect();
        let problems: Vec<CsvProblem> = REQUIRED
            .iter()
            .filter(|name| !position.contains_key(*name))
            .map(|name| {
                let message = format!(
                    "no '{name}' column: the header needs {}",
                    REQUIRED.join(", ")
                );
                problem_at(shown, 1, None, message)
            })
            .collect();
        if problems.is_empty() {
            Ok(Sheet { shown, position })
        } else {
            Err(problems)
        }
    }

    /// The 1-based number and name of a known column.
    fn column(&self, name: &str) -> (usize, String) {
        (self.position[name] + 1, name.to_string())
    }

    fn get<'r>(&self, row: &Row<'r>, name: &str) -> &'r str {
        self.position
            .get(name)
            .and_then(|&i| row.record.get(i))
            .unwrap_or("")
    }

    /// Notes a problem with the cell of `name` in `row`, which is then dropped.
    fn fault(&self, row: &mut Row, name: &str, message: String, problems: &mut Vec<CsvProblem>) {
        let column = Some(self.column(name));
        problems.push(problem_at(self.shown, row.line, column, message));
        row.ok = false;
    }

    /// A whole number, `default` when the cell is empty (0 with none).
    fn number(
        &self,
        row: &mut Row,
        name: &str,
        default: Option<u32>,
        problems: &mut Vec<CsvProblem>,
    ) -> u32 {
        let text = self.get(row, name);
        if text.is_empty() {
            return default.unwrap_or(0);
        }
        text.parse::<u32>().unwrap_or_else(|_| {
            let message = format!("'{text}' is not a whole number");
            self.fault(row, name, message, problems);
            0
        })
    }

    /// One row as a listed patient, or `None` after noting its problems.
    fn row(
        &self,
        record: &csv::StringRecord,
        problems: &mut Vec<CsvProblem>,
    ) -> Option<ListedPatient> {
        let line = record.position().map_or(0, |p| p.line());
        let mut row = Row {
            line,
            record,
            ok: true,
        };
        for name in REQUIRED {
            if self.get(&row, name).is_empty() {
                self.fault(&mut row, name, "is empty".into(), problems);
            }
        }
        let duration_min = self.number(&mut row, "expected_duration_min", None, problems);
        let length_of_stay_days = if self.position.contains_key("length_of_stay_days") {
            self.number(&mut row, "length_of_stay_days", Some(0), problems)
        } else {
            0
        };
        let priority = self.get(&row, "priority");
        if !priority.is_empty() && parse_priority(priority).is_none() {
            let message = format!("'{priority}' is not a priority: give P1 to P4");
            self.fault(&mut row, "priority", message, problems);
        }
        let clock_start = self.get(&row, "clock_start");
        if !clock_start.is_empty()
            && chrono::NaiveDate::parse_from_str(clock_start, "%Y-%m-%d").is_err()
        {
            let message = format!("'{clock_start}' is not a date: give YYYY-MM-DD");
            self.fault(&mut row, "clock_start", message, problems);
        }
        if !row.ok {
            return None;
        }
        let consultant = self.get(&row, "consultant");
        Some(ListedPatient {
            location: format!("{} line {line}", self.shown),
            columns: self
                .position
                .keys()
                .map(|&name| {
                    let (n, name) = self.column(name);
                    (field_of(&name).to_string(), format!("column {n} ({name})"))
                })
                .collect(),
            patient: PatientConfig {
                id: self.get(&row, "pathway_id").to_string(),
                specialty: self.get(&row, "specialty").to_string(),
                procedure: self.get(&row, "procedure").to_string(),
                duration_min,
                priority: priority.to_string(),
                listed_date: clock_start.to_string(),
                surgeon: (!consultant.is_empty()).then(|| consultant.to_string()),
                equipment: self
                    .get(&row, "equipment")
                    .split(';')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect(),
                length_of_stay_days,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "pathway_id,nhs_number,specialty,procedure,expected_duration_min,priority,clock_start,consultant,equipment,length_of_stay_days\n";

    #[test]
    fn a_good_file_loads_every_row() {
        let text = format!(
            "{HEADER}A1,999,ORTHO,Knee,120,P3,2025-01-06,S01,laser; robot,2\nA2,998,ENT,Grommets,15,p4,2025-02-03,,,\n"
        );
        let rows = parse_ptl(text.as_bytes(), "ptl.csv").expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].patient.equipment, vec!["laser", "robot"]);
        assert_eq!(rows[0].location, "ptl.csv line 2");
        assert_eq!(rows[1].patient.surgeon, None);
        assert_eq!(rows[1].columns["surgeon"], "column 8 (consultant)");
    }

    #[test]
    fn bad_rows_name_line_and_column_and_nothing_loads() {
        let text = format!(
            "{HEADER}A1,999,ORTHO,Knee,120,P3,2025-01-06,S01,,2\nA2,998,ENT,Grommets,fifteen,P4,2025-02-03,,,\nA3,997,ENT,Grommets,15,P9,06/01/2025,,,x\n"
        );
        let problems = parse_ptl(text.as_bytes(), "ptl.csv").expect_err("invalid");
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "ptl.csv line 3, column 5 (expected_duration_min): 'fifteen' is not a whole number",
                "ptl.csv line 4, column 10 (length_of_stay_days): 'x' is not a whole number",
                "ptl.csv line 4, column 6 (priority): 'P9' is not a priority: give P1 to P4",
                "ptl.csv line 4, column 7 (clock_start): '06/01/2025' is not a date: give YYYY-MM-DD",
            ]
        );
    }

    #[test]
    fn a_missing_column_is_named() {
        let problems = parse_ptl(b"pathway_id,specialty\nA1,ENT\n", "p.csv").expect_err("invalid");
        assert!(
            problems[0]
                .to_string()
                .contains("no 'expected_duration_min' column")
        );
    }
}
