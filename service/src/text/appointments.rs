//! Readable text for people: a balanced network's bookings per practice and per
//! urgency, the requests left unbooked with their reasons, and the proof of quality.

use std::collections::HashMap;

use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::summary::{push_more, push_reason_counts, solve_status_name};
use crate::proto;

fn urgency_name(v: i32) -> &'static str {
    match proto::Urgency::try_from(v) {
        Ok(proto::Urgency::SameDay) => "same day",
        Ok(proto::Urgency::Urgent) => "urgent",
        Ok(proto::Urgency::Routine) => "routine",
        _ => "?",
    }
}

fn reason_name(v: i32) -> &'static str {
    match proto::UnassignedReason::try_from(v) {
        Ok(proto::UnassignedReason::NoEligibleSlot) => "no eligible slot",
        Ok(proto::UnassignedReason::EligibleSlotsTaken) => "eligible slots taken",
        Ok(proto::UnassignedReason::CostsMoreThanWaiting) => "costs more than waiting",
        _ => "unknown",
    }
}

fn method_name(v: i32) -> &'static str {
    match proto::BalanceMethod::try_from(v) {
        Ok(proto::BalanceMethod::FullLp) => "full LP",
        _ => "transshipment LP",
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

fn right_align(table: &mut Table, from: usize) {
    let n = table.column_iter().count();
    for i in from..n {
        if let Some(c) = table.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

#[derive(Default)]
struct PracticeRow {
    requests: usize,
    booked: usize,
    away: usize,
    slots: usize,
    used: usize,
}

/// The per-practice and per-urgency tables, the network's shares, the unbooked
/// requests (at most `max_unassigned` by name, most urgent first) and the proof of
/// quality.
pub fn balance_text(
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
    max_unassigned: usize,
) -> String {
    let site_index: HashMap<&str, usize> = request
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let request_index: HashMap<&str, usize> = request
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let rows = practice_rows(request, response, &site_index, &request_index);
    let mut out = practice_table(&request.sites, &rows).to_string();
    out.push('\n');

    if let Some(m) = &response.metrics {
        urgency_text(&mut out, m);
    }

    if !response.unassigned.is_empty() {
        unbooked_text(&mut out, request, response, &request_index, max_unassigned);
    }

    if let Some(s) = &response.solve {
        quality_text(&mut out, s);
    }
    out
}

/// Each practice's requests, bookings (and those away from home), slots and slots used.
fn practice_rows(
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
    site_index: &HashMap<&str, usize>,
    request_index: &HashMap<&str, usize>,
) -> Vec<PracticeRow> {
    let mut rows: Vec<PracticeRow> = request.sites.iter().map(|_| Default::default()).collect();
    for r in &request.requests {
        if let Some(&s) = site_index.get(r.home_site_id.as_str()) {
            rows[s].requests += 1;
        }
    }
    for s in &request.slots {
        if let Some(&i) = site_index.get(s.site_id.as_str()) {
            rows[i].slots += 1;
        }
    }
    for b in &response.bookings {
        if let Some(&i) = site_index.get(b.site_id.as_str()) {
            rows[i].used += 1;
        }
        let home = request_index
            .get(b.request_id.as_str())
            .map(|&r| request.requests[r].home_site_id.as_str());
        if let Some(home) = home
            && let Some(&h) = site_index.get(home)
        {
            rows[h].booked += 1;
            if home != b.site_id {
                rows[h].away += 1;
            }
        }
    }

    rows
}

/// One row per practice, then the network's totals.
fn practice_table(sites: &[proto::Site], rows: &[PracticeRow]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "Practice",
        "Requests",
        "Booked",
        "Booked away",
        "Slots",
        "Slots used",
    ]);
    let mut total = PracticeRow::default();
    for (site, row) in sites.iter().zip(rows) {
        let name = if site.name.is_empty() {
            site.id.clone()
        } else {
            format!("{} {}", site.id, site.name)
        };
        table.add_row(vec![
            name,
            row.requests.to_string(),
            format!("{} ({})", row.booked, percent(row.booked, row.requests)),
            row.away.to_string(),
            row.slots.to_string(),
            format!("{} ({})", row.used, percent(row.used, row.slots)),
        ]);
        total.requests += row.requests;
        total.booked += row.booked;
        total.away += row.away;
        total.slots += row.slots;
        total.used += row.used;
    }
    table.add_row(vec![
        "Network".to_string(),
        total.requests.to_string(),
        format!(
            "{} ({})",
            total.booked,
            percent(total.booked, total.requests)
        ),
        total.away.to_string(),
        total.slots.to_string(),
        format!("{} ({})", total.used, percent(total.used, total.slots)),
    ]);
    right_align(&mut table, 1);
    table
}

/// Bookings and waits per urgency, then the network's shares.
fn urgency_text(out: &mut String, m: &proto::BalanceMetrics) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "Urgency",
        "Requests",
        "Booked",
        "Mean wait",
        "Within target",
    ]);
    for u in &m.by_urgency {
        table.add_row(vec![
            urgency_name(u.urgency).to_string(),
            u.requests.to_string(),
            u.assigned.to_string(),
            format!("{:.2} days", u.mean_wait_days),
            format!(
                "{:.1}% (≤ {} day{})",
                100.0 * u.share_within_target,
                u.target_days,
                if u.target_days == 1 { "" } else { "s" }
            ),
        ]);
    }
    right_align(&mut table, 1);
    out.push('\n');
    out.push_str(&table.to_string());
    out.push('\n');
    out.push_str(&format!(
        "\nBooked {} of {} requests; {:.1}% booked away from their home practice (mean face-to-face travel {:.1} min); continuity with the named clinician {:.1}%; slot utilisation {:.1}%; weighted cost {:.2}\n",
        m.assigned,
        m.assigned + m.unassigned,
        100.0 * m.share_away_from_home,
        m.mean_travel_min,
        100.0 * m.continuity_rate,
        100.0 * m.slot_utilisation,
        m.weighted_cost
    ));
}

/// The unbooked requests: the count per reason, then the most urgent by name.
fn unbooked_text(
    out: &mut String,
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
    request_index: &HashMap<&str, usize>,
    max_unassigned: usize,
) {
    out.push_str(&format!(
        "\nUnbooked ({} requests):\n",
        response.unassigned.len()
    ));
    push_reason_counts(
        out,
        response.unassigned.iter().map(|u| reason_name(u.reason)),
    );
    let mut shown: Vec<(&proto::Unassigned, Option<&proto::AppointmentRequest>)> = response
        .unassigned
        .iter()
        .map(|u| {
            let r = request_index
                .get(u.request_id.as_str())
                .map(|&i| &request.requests[i]);
            (u, r)
        })
        .collect();
    // Most urgent first (same day, urgent, routine), then in request order.
    shown.sort_by_key(|(_, r)| r.map_or(i32::MAX, |r| r.urgency));
    if max_unassigned > 0 {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "Request", "Home", "Role", "Urgency", "Asked", "Reason", "Detail",
        ]);
        for (u, r) in shown.iter().take(max_unassigned) {
            let field = |f: fn(&proto::AppointmentRequest) -> String| r.map(f).unwrap_or_default();
            table.add_row(vec![
                u.request_id.clone(),
                field(|r| r.home_site_id.clone()),
                field(|r| r.role.clone()),
                r.map(|r| urgency_name(r.urgency))
                    .unwrap_or("?")
                    .to_string(),
                field(|r| r.request_date.clone()),
                reason_name(u.reason).to_string(),
                u.detail.clone(),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    push_more(out, shown.len(), max_unassigned);
}

/// The proof of quality and the size of the grouped network.
fn quality_text(out: &mut String, s: &proto::BalanceSolveSummary) {
    let status = solve_status_name(s.status);
    out.push_str(&format!(
        "\nProof of quality: {status}; weighted cost {:.2}, bound {:.2}, gap {:.3}%, {} ms{}\n",
        s.objective,
        s.bound,
        100.0 * s.gap,
        s.solve_ms,
        if s.deadline_reached {
            "; the deadline stopped the solve"
        } else {
            ""
        }
    ));
    out.push_str(&format!(
        "Grouped network: {} request groups, {} slot groups, {} eligible arcs; solved as the {} with {} columns\n",
        s.request_groups,
        s.slot_groups,
        s.arcs,
        method_name(s.method),
        s.arcs_in_lp,
    ));
}
