//! The HTML report of a scenario run: the hook where it plugs in.
//!
//! [`write_report`] receives every variant's weekly results (and the scenario, for
//! names, dates and the horizon) once the run is over. It writes nothing yet: the report
//! with its charts (waiting-list size, 18-week share, 52-week waiters, utilisation; one
//! line per variant) is issue 5's next step, and `clinicplan scenario run` already calls
//! this function after writing `weeks.csv`, `weeks.json` and `summary.json`.

use std::path::{Path, PathBuf};

use clinicplan_solver::simulate::{Scenario, VariantRun};

/// Writes the report into `dir` and returns its path, or `None` while there is none.
pub fn write_report(
    dir: &Path,
    scenario: &Scenario,
    runs: &[VariantRun],
) -> std::io::Result<Option<PathBuf>> {
    let _ = (dir, scenario, runs);
    Ok(None)
}
