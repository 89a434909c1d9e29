//! Reading one CSV file: its header checked against the required columns, then its
//! rows with their lines.

use std::path::Path;

use ::csv::StringRecord;

use super::problem::CsvProblem;

/// A file read up to its rows: the normalised header and each row with its line.
pub(super) struct Table {
    file: String,
    headers: StringRecord,
    rows: Vec<(u64, StringRecord)>,
}

pub(super) fn display_name(path: &Path) -> String {
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
    if !header_is_complete(&file, &headers, required, problems) {
        return None;
    }
    let rows = read_records(&mut reader, &file, &headers, problems);
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

/// Reads a file's rows as `T` (every column a string), with each row's line.
pub(super) fn rows<T: serde::de::DeserializeOwned>(
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

/// Whether the header names every required column; each one missing (or an empty
/// file) is reported.
fn header_is_complete(
    file: &str,
    headers: &StringRecord,
    required: &[&str],
    problems: &mut Vec<CsvProblem>,
) -> bool {
    if headers.iter().all(str::is_empty) {
        problems.push(CsvProblem {
            file: file.to_string(),
            line: Some(1),
            column: None,
            message: format!(
                "the file is empty: it needs a header row naming the columns {}",
                required.join(",")
            ),
        });
        return false;
    }
    let mut complete = true;
    for &column in required {
        if !headers.iter().any(|h| h == column) {
            problems.push(CsvProblem {
                file: file.to_string(),
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
    complete
}

/// The rows after the header, each with its line: blank rows are skipped, and a row
/// with the wrong number of values or that cannot be read is reported and left out.
fn read_records(
    reader: &mut ::csv::Reader<std::fs::File>,
    file: &str,
    headers: &StringRecord,
    problems: &mut Vec<CsvProblem>,
) -> Vec<(u64, StringRecord)> {
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
                        file: file.to_string(),
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
                    file: file.to_string(),
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
    rows
}
