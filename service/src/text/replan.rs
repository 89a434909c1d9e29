//! A re-plan's changes for people: the counts by kind and by state, the cost of
//! stability, and the moved, unbooked and displaced patients by name.

use std::fmt::Write as _;

use crate::csv::changes::state_text;
use crate::proto;

/// The changes' summary, printed under the plan by `clinicplan replan`; `max_listed`
/// caps the patients listed by name per kind (all are in --changes-csv and --output).
pub fn changes_text(response: &proto::PlanTheatreListsResponse, max_listed: usize) -> String {
    let mut out = String::new();
    let Some(n) = &response.change_counts else {
        return out;
    };
    let _ = writeln!(
        out,
        "changes: {} kept, {} moved, {} newly booked, {} unbooked, {} displaced ({} re-booked)",
        n.kept, n.moved, n.newly_booked, n.unbooked, n.displaced, n.displaced_rebooked
    );
    for b in &n.by_state {
        let _ = writeln!(
            out,
            "  {:<8} {} booking(s): {} kept, {} moved, {} unbooked, {} displaced",
            state_text(b.state),
            b.bookings,
            b.kept,
            b.moved,
            b.unbooked,
            b.displaced
        );
    }
    if let Some(s) = &response.stability {
        let _ = writeln!(
            out,
            "stability cost {:.1}; weighted wait {:.1} (keeping the previous plan as it stands: {:.1})",
            s.stability_cost, s.weighted_wait, s.previous_plan_wait
        );
        if let (Some(w), Some(d)) = (s.scratch_weighted_wait, s.wait_cost_of_stability) {
            let _ = writeln!(
                out,
                "planned from scratch: weighted wait {w:.1}; stability cost {d:.1} of weighted wait"
            );
        }
    }
    for (kind, title) in [
        (proto::ChangeKind::Moved, "moved"),
        (proto::ChangeKind::Unbooked, "unbooked"),
        (proto::ChangeKind::Displaced, "displaced"),
    ] {
        let listed: Vec<&proto::Change> = response
            .changes
            .iter()
            .filter(|c| c.kind == kind as i32)
            .collect();
        if listed.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for c in listed.iter().take(max_listed) {
            let to = if c.to_session_id.is_empty() {
                "not re-booked".to_string()
            } else {
                format!("→ {} {}", c.to_session_id, c.to_date)
            };
            let why = if c.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.reason)
            };
            let _ = writeln!(
                out,
                "  {} [{}] {} {} {to}{why}",
                c.patient_id,
                state_text(c.state),
                c.from_session_id,
                c.from_date
            );
        }
        if listed.len() > max_listed {
            let _ = writeln!(out, "  and {} more", listed.len() - max_listed);
        }
    }
    out
}
