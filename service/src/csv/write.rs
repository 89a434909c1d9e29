//! A request back to the five CSV files, and a response's bookings as CSV.

use std::path::Path;

use clinicplan_solver::appointments::input::*;
use serde::Serialize;

use crate::proto;

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
/// [`super::read_csv_files`] gives the same request when its horizon runs from the earliest
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
