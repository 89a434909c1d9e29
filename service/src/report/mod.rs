//! The HTML report of a scenario run: `report.html`, one self-contained page, for
//! theatre-list scenarios ([`render`]) and GP-network scenarios ([`render_gp`]).
//!
//! Charts of the weekly figures, one line per variant (waiting-list size, share within
//! 18 weeks, 52-week waiters, theatre utilisation, median wait), each an inline `<svg>`
//! drawn by `plotters` ([`charts`]) inside a `<figure id="chart-…">`; under them the
//! side-by-side summary table ([`summary_table`]), and the run: name, start date, seed,
//! weeks, variants and the command that runs it again.
//!
//! The page needs no network: no scripts, no external styles, images or fonts, and a
//! Content-Security-Policy that forbids fetching anything. Every text from the scenario
//! file is escaped. The page depends only on the scenario and the results: the same run
//! gives the same bytes (no dates or timings are written).
//!
//! Its input is the solver's scenarios and runs; it uses nothing of
//! [`crate::scenario`], which writes it.
//!
//! The theatre lists of one plan as a picture (`plan-theatres --html`) are
//! [`render_lists`]; [`review_releases`] finds what releasing each under-booked session
//! would cost.

mod charts;
mod gp;
mod lists;
mod page;
mod release;
mod replications;
mod tables;
mod theatre;

pub use gp::{GpChart, gp_chart_specs, render_gp, write_gp_report};
pub use lists::{
    ListsError, ListsReport, RELEASE_BELOW_UTILISATION, RELEASE_WINDOW_DAYS, ReleaseCost,
    ReleaseReview, WriteListsError, release_candidates, render_lists, write_lists_report,
};
pub use page::{REPORT_FILE, escape};
pub use release::{RELEASE_METHOD, review_releases};
pub use replications::{first_replications, replications_of, variant_order};
pub use tables::{differences_table, gp_summary_table, statistics_table, summary_table};
pub use theatre::{ChartSpec, chart_specs, render, rerun_command, write_report};
