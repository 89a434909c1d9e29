//! One row's cells parsed into the request's values (whole numbers, dates, times,
//! `;`-separated lists, modes, urgencies, roles), each problem located by file, line and column.

use chrono::{NaiveDate, NaiveTime};
use clinicplan_solver::appointments::input::{ModeInput, UrgencyInput};

use super::problem::CsvProblem;

/// One row being parsed: its problems are located by file, line and column.
pub(super) struct Row<'a> {
    pub(super) file: &'a str,
    pub(super) line: u64,
    pub(super) problems: &'a mut Vec<CsvProblem>,
}

impl Row<'_> {
    pub(super) fn problem(&mut self, column: &str, message: String) {
        self.problems.push(CsvProblem {
            file: self.file.to_string(),
            line: Some(self.line),
            column: Some(column.to_string()),
            message,
        });
    }

    pub(super) fn minutes(&mut self, column: &str, text: &str, empty_is_zero: bool) -> u32 {
        self.whole(column, text, "minutes", empty_is_zero)
    }

    /// A whole number of `unit` (minutes, days, beds); empty is 0 when `empty_is_zero`.
    pub(super) fn whole(
        &mut self,
        column: &str,
        text: &str,
        unit: &str,
        empty_is_zero: bool,
    ) -> u32 {
        if text.is_empty() {
            if !empty_is_zero {
                self.problem(column, format!("is empty: give a whole number of {unit}"));
            }
            return 0;
        }
        match text.parse::<u32>() {
            Ok(v) => v,
            Err(_) => {
                self.problem(column, format!("'{text}' is not a whole number of {unit}"));
                0
            }
        }
    }

    /// A `;`-separated list of dates, each checked.
    pub(super) fn dates(&mut self, column: &str, text: &str) -> Vec<String> {
        list(text)
            .into_iter()
            .map(|d| self.date(column, &d).0)
            .collect()
    }

    pub(super) fn date(&mut self, column: &str, text: &str) -> (String, Option<NaiveDate>) {
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

    pub(super) fn time(&mut self, column: &str, text: &str) -> String {
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

    pub(super) fn mode(&mut self, column: &str, text: &str) -> ModeInput {
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

/// A multi-valued cell: values separated by `;`, trimmed, empty ones dropped.
pub(super) fn list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn keyword(text: &str, prefix: &str) -> String {
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

pub(super) fn parse_urgency(text: &str) -> Option<UrgencyInput> {
    match keyword(text, "URGENCY_").as_str() {
        "SAME_DAY" | "SAMEDAY" => Some(UrgencyInput::SameDay),
        "URGENT" => Some(UrgencyInput::Urgent),
        "ROUTINE" => Some(UrgencyInput::Routine),
        _ => None,
    }
}

pub(super) fn role(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}
