//! A problem in a CSV file, located by file, line and column.

use std::fmt;

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
