//! `replan --changes-csv`: a re-plan's changes, one row per patient of the previous
//! plan or the new one (docs/csv.md, "Changes file").

use std::path::Path;

use crate::proto;

/// The columns of the changes file.
pub const CHANGES_HEADER: [&str; 11] = [
    "patient_id",
    "change",
    "state",
    "from_session_id",
    "from_date",
    "to_session_id",
    "to_date",
    "reason",
    "stability_cost",
    "wait_delta",
    "priority",
];

fn kind_text(k: i32) -> &'static str {
    match proto::ChangeKind::try_from(k) {
        Ok(proto::ChangeKind::Kept) => "kept",
        Ok(proto::ChangeKind::Moved) => "moved",
        Ok(proto::ChangeKind::NewlyBooked) => "newly_booked",
        Ok(proto::ChangeKind::Unbooked) => "unbooked",
        Ok(proto::ChangeKind::Displaced) => "displaced",
        Ok(proto::ChangeKind::Unspecified) | Err(_) => "",
    }
}

/// The state's name in files and tables ("" when not given).
pub fn state_text(s: i32) -> &'static str {
    match proto::BookingState::try_from(s) {
        Ok(proto::BookingState::Locked) => "locked",
        Ok(proto::BookingState::Notified) => "notified",
        Ok(proto::BookingState::Draft) => "draft",
        Ok(proto::BookingState::Unspecified) | Err(_) => "",
    }
}

/// Writes the response's changes as CSV at `path` (the header even when there are none).
pub fn write_changes_csv(
    response: &proto::PlanTheatreListsResponse,
    path: &Path,
) -> std::io::Result<()> {
    let priorities: std::collections::HashMap<&str, i32> = response
        .sessions
        .iter()
        .flat_map(|s| s.cases.iter().map(|c| (c.patient_id.as_str(), c.priority)))
        .chain(
            response
                .unscheduled
                .iter()
                .map(|u| (u.patient_id.as_str(), u.priority)),
        )
        .collect();
    let mut writer = ::csv::Writer::from_path(path).map_err(std::io::Error::other)?;
    writer
        .write_record(CHANGES_HEADER)
        .map_err(std::io::Error::other)?;
    for c in &response.changes {
        let priority = match priorities.get(c.patient_id.as_str()).copied() {
            Some(p) if p > 0 => format!("P{p}"),
            _ => String::new(),
        };
        writer
            .write_record([
                c.patient_id.as_str(),
                kind_text(c.kind),
                state_text(c.state),
                &c.from_session_id,
                &c.from_date,
                &c.to_session_id,
                &c.to_date,
                &c.reason,
                &format!("{:.3}", c.stability_cost),
                &c.wait_delta.map(|d| format!("{d:.3}")).unwrap_or_default(),
                &priority,
            ])
            .map_err(std::io::Error::other)?;
    }
    writer.flush()
}
