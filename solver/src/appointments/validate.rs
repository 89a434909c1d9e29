//! The only way to build a [`Network`]: every rule of docs/errors.md ("Appointment
//! validation") checked, every problem collected, each naming its field by path
//! (`requests[17].preferred_clinician_id`). Generic problems (empty or duplicate ids,
//! unknown references, malformed dates and times, the horizon) share their codes with
//! the theatre request; the rest are CP3xxx.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveTime;

use super::domain::*;
use super::input::*;
use crate::validation::{Collector, MAX_HORIZON_DAYS, ValidationErrors, unknown};

/// Longest travel time or travel limit accepted, in minutes (a day).
pub const MAX_TRAVEL_MIN: u32 = 24 * 60;
/// Longest slot accepted, in minutes.
pub const MAX_SLOT_MIN: u32 = 24 * 60;
/// Largest time limit accepted, in milliseconds (an hour).
pub const MAX_TIME_LIMIT_MS: u32 = 3_600_000;

fn mode(c: &mut Collector, field: String, m: ModeInput) -> Option<Mode> {
    match m {
        ModeInput::FaceToFace => Some(Mode::FaceToFace),
        ModeInput::Phone => Some(Mode::Phone),
        ModeInput::Video => Some(Mode::Video),
        ModeInput::Unspecified => {
            c.push(
                "CP3010",
                field,
                "the mode is missing: give FACE_TO_FACE, PHONE or VIDEO",
            );
            None
        }
        ModeInput::Unknown(v) => {
            c.push(
                "CP3010",
                field,
                format!("{v} is not a known mode: give FACE_TO_FACE, PHONE or VIDEO"),
            );
            None
        }
    }
}

fn urgency(c: &mut Collector, field: String, u: UrgencyInput) -> Option<Urgency> {
    match u {
        UrgencyInput::SameDay => Some(Urgency::SameDay),
        UrgencyInput::Urgent => Some(Urgency::Urgent),
        UrgencyInput::Routine => Some(Urgency::Routine),
        UrgencyInput::Unspecified => {
            c.push(
                "CP3011",
                field,
                "the urgency is missing: give SAME_DAY, URGENT or ROUTINE",
            );
            None
        }
        UrgencyInput::Unknown(v) => {
            c.push(
                "CP3011",
                field,
                format!("{v} is not a known urgency: give SAME_DAY, URGENT or ROUTINE"),
            );
            None
        }
    }
}

/// Interns role names; an empty role is an error.
struct Roles {
    names: Vec<String>,
    index: HashMap<String, RoleIdx>,
}

impl Roles {
    /// Roles are compared exactly, as given.
    fn get(&mut self, c: &mut Collector, field: String, role: &str) -> Option<RoleIdx> {
        if role.trim().is_empty() {
            c.push(
                "CP3012",
                field,
                "the role is empty: give the kind of clinician (GP, NURSE, ...)",
            );
            return None;
        }
        if let Some(&r) = self.index.get(role) {
            return Some(r);
        }
        let r = RoleIdx(self.names.len() as u32);
        self.names.push(role.to_string());
        self.index.insert(role.to_string(), r);
        Some(r)
    }
}

/// Validates a balancing request and builds the [`Network`], or lists every problem.
pub fn validate(req: &BalanceRequest) -> Result<Network, ValidationErrors> {
    let mut c = Collector { errors: Vec::new() };
    let start = c.date("planning_start".into(), &req.planning_start);
    if req.horizon_days == 0 || req.horizon_days > MAX_HORIZON_DAYS {
        c.push(
            "CP1002",
            "horizon_days",
            format!(
                "{} days: the horizon must be 1 to {MAX_HORIZON_DAYS} days",
                req.horizon_days
            ),
        );
    }
    let horizon = i64::from(req.horizon_days.clamp(1, MAX_HORIZON_DAYS));
    if req.options.time_limit_ms > MAX_TIME_LIMIT_MS {
        c.push(
            "CP3080",
            "options.time_limit_ms",
            format!(
                "{} ms: the time limit is at most {MAX_TIME_LIMIT_MS} ms (an hour)",
                req.options.time_limit_ms
            ),
        );
    }

    // Sites and travel.
    let site_ids = c.ids("sites", req.sites.iter().map(|s| s.id.as_str()), "id");
    let n_sites = req.sites.len();
    let mut travel: Vec<Option<u32>> = vec![None; n_sites * n_sites];
    for s in 0..n_sites {
        travel[s * n_sites + s] = Some(0);
    }
    let mut given: BTreeMap<(u32, u32), (usize, u32)> = BTreeMap::new();
    for (i, t) in req.travel.iter().enumerate() {
        let from = site_ids.get(t.from_site_id.as_str()).copied();
        let to = site_ids.get(t.to_site_id.as_str()).copied();
        if from.is_none() {
            unknown(
                &mut c,
                format!("travel[{i}].from_site_id"),
                "site",
                &t.from_site_id,
            );
        }
        if to.is_none() {
            unknown(
                &mut c,
                format!("travel[{i}].to_site_id"),
                "site",
                &t.to_site_id,
            );
        }
        if t.minutes > MAX_TRAVEL_MIN {
            c.push(
                "CP3020",
                format!("travel[{i}].minutes"),
                format!(
                    "{} minutes: a travel time is at most {MAX_TRAVEL_MIN} minutes",
                    t.minutes
                ),
            );
            continue;
        }
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        if from == to && t.minutes != 0 {
            c.push(
                "CP3021",
                format!("travel[{i}].minutes"),
                format!(
                    "{} minutes from site '{}' to itself: a site to itself is 0",
                    t.minutes, t.from_site_id
                ),
            );
            continue;
        }
        if let Some(&(first, minutes)) = given.get(&(from, to)) {
            if minutes != t.minutes {
                c.push(
                    "CP3022",
                    format!("travel[{i}].minutes"),
                    format!(
                        "{} minutes from '{}' to '{}', but travel[{first}] says {minutes}: give one figure per pair",
                        t.minutes, t.from_site_id, t.to_site_id
                    ),
                );
            }
            continue;
        }
        given.insert((from, to), (i, t.minutes));
    }
    for (&(from, to), &(_, minutes)) in &given {
        travel[from as usize * n_sites + to as usize] = Some(minutes);
    }
    // A pair given one way only is the same both ways.
    for (&(from, to), &(_, minutes)) in &given {
        let back = &mut travel[to as usize * n_sites + from as usize];
        if back.is_none() {
            *back = Some(minutes);
        }
    }

    // Clinicians.
    let mut roles = Roles {
        names: Vec::new(),
        index: HashMap::new(),
    };
    let clinician_ids = c.ids(
        "clinicians",
        req.clinicians.iter().map(|k| k.id.as_str()),
        "id",
    );
    let mut clinicians = Vec::with_capacity(req.clinicians.len());
    for (i, k) in req.clinicians.iter().enumerate() {
        let site = site_ids.get(k.site_id.as_str()).copied();
        if site.is_none() {
            unknown(
                &mut c,
                format!("clinicians[{i}].site_id"),
                "site",
                &k.site_id,
            );
        }
        let role = roles.get(&mut c, format!("clinicians[{i}].role"), &k.role);
        clinicians.push((site, role));
    }

    // Slots.
    let slot_ids = c.ids("slots", req.slots.iter().map(|s| s.id.as_str()), "id");
    let mut slots = Vec::with_capacity(req.slots.len());
    let mut slot_ok = true;
    for (i, s) in req.slots.iter().enumerate() {
        let clinician = clinician_ids.get(s.clinician_id.as_str()).copied();
        if clinician.is_none() {
            unknown(
                &mut c,
                format!("slots[{i}].clinician_id"),
                "clinician",
                &s.clinician_id,
            );
        }
        let site = site_ids.get(s.site_id.as_str()).copied();
        if site.is_none() {
            unknown(&mut c, format!("slots[{i}].site_id"), "site", &s.site_id);
        }
        let role = roles.get(&mut c, format!("slots[{i}].role"), &s.role);
        if let (Some(k), Some(role)) = (clinician, role)
            && let Some(own) = clinicians[k as usize].1
            && own != role
        {
            c.push(
                "CP3030",
                format!("slots[{i}].role"),
                format!(
                    "'{}', but clinician '{}' is a {}: a slot has its clinician's role",
                    s.role.trim(),
                    s.clinician_id,
                    req.clinicians[k as usize].role.trim()
                ),
            );
        }
        let date = c.date(format!("slots[{i}].date"), &s.date);
        let day = match (date, start) {
            (Some(d), Some(st)) => {
                let day = (d - st).num_days();
                if !(0..horizon).contains(&day) {
                    c.push(
                        "CP3031",
                        format!("slots[{i}].date"),
                        format!(
                            "{d} is outside the horizon ({st} and the {horizon} days after it): leave the slot out or widen the horizon"
                        ),
                    );
                }
                Some(day)
            }
            _ => None,
        };
        let start_time = c.time(format!("slots[{i}].start_time"), &s.start_time);
        if s.duration_min == 0 || s.duration_min > MAX_SLOT_MIN {
            c.push(
                "CP3032",
                format!("slots[{i}].duration_min"),
                format!(
                    "{} minutes: a slot lasts 1 to {MAX_SLOT_MIN} minutes",
                    s.duration_min
                ),
            );
        }
        let mode = mode(&mut c, format!("slots[{i}].mode"), s.mode);
        match (clinician, site, role, date, day, start_time, mode) {
            (Some(k), Some(site), Some(role), Some(date), Some(day), Some(start), Some(mode)) => {
                slots.push(Slot {
                    id: s.id.clone(),
                    clinician: ClinicianIdx(k),
                    site: SiteIdx(site),
                    role,
                    date,
                    day,
                    start,
                    duration_min: s.duration_min,
                    mode,
                })
            }
            _ => slot_ok = false,
        }
    }
    if slot_ok && !slot_ids.is_empty() {
        overlapping_slots(&mut c, &slots);
    }

    // Requests.
    c.ids("requests", req.requests.iter().map(|r| r.id.as_str()), "id");
    let mut requests = Vec::with_capacity(req.requests.len());
    for (i, r) in req.requests.iter().enumerate() {
        let home = site_ids.get(r.home_site_id.as_str()).copied();
        if home.is_none() {
            unknown(
                &mut c,
                format!("requests[{i}].home_site_id"),
                "site",
                &r.home_site_id,
            );
        }
        let role = roles.get(&mut c, format!("requests[{i}].role"), &r.role);
        let urgency = urgency(&mut c, format!("requests[{i}].urgency"), r.urgency);
        let date = c.date(format!("requests[{i}].request_date"), &r.request_date);
        let day = match (date, start) {
            (Some(d), Some(st)) => {
                let day = (d - st).num_days();
                if day >= horizon {
                    c.push(
                        "CP3040",
                        format!("requests[{i}].request_date"),
                        format!("{d} is after the horizon: leave the request for a later run"),
                    );
                } else if day < -3650 {
                    c.push(
                        "CP3041",
                        format!("requests[{i}].request_date"),
                        format!("{d} is more than ten years before planning_start"),
                    );
                }
                Some(day)
            }
            _ => None,
        };
        let mut modes = ModeSet::default();
        if r.modes.is_empty() {
            c.push(
                "CP3042",
                format!("requests[{i}].modes"),
                "no acceptable mode: give at least one of FACE_TO_FACE, PHONE, VIDEO",
            );
        }
        let mut modes_ok = !r.modes.is_empty();
        for (j, m) in r.modes.iter().enumerate() {
            match mode(&mut c, format!("requests[{i}].modes[{j}]"), *m) {
                Some(m) => modes.insert(m),
                None => modes_ok = false,
            }
        }
        if r.max_travel_min > MAX_TRAVEL_MIN {
            c.push(
                "CP3043",
                format!("requests[{i}].max_travel_min"),
                format!(
                    "{} minutes: a travel limit is at most {MAX_TRAVEL_MIN} minutes",
                    r.max_travel_min
                ),
            );
        }
        let preferred_id = r.preferred_clinician_id.trim();
        let mut preferred = None;
        let mut preferred_ok = true;
        if !preferred_id.is_empty() {
            match clinician_ids.get(preferred_id).copied() {
                None => {
                    unknown(
                        &mut c,
                        format!("requests[{i}].preferred_clinician_id"),
                        "clinician",
                        preferred_id,
                    );
                    preferred_ok = false;
                }
                Some(k) => {
                    if let (Some(own), Some(role)) = (clinicians[k as usize].1, role)
                        && own != role
                    {
                        c.push(
                            "CP3044",
                            format!("requests[{i}].preferred_clinician_id"),
                            format!(
                                "clinician '{preferred_id}' is a {}, but the request needs a {}: name a clinician of the role needed, or none",
                                req.clinicians[k as usize].role.trim(),
                                r.role.trim()
                            ),
                        );
                    }
                    preferred = Some(ClinicianIdx(k));
                }
            }
        }
        if let (Some(home), Some(role), Some(urgency), Some(date), Some(day), true, true) =
            (home, role, urgency, date, day, modes_ok, preferred_ok)
        {
            requests.push(Request {
                id: r.id.clone(),
                home: SiteIdx(home),
                role,
                urgency,
                date,
                day,
                modes,
                max_travel_min: r.max_travel_min,
                preferred,
            });
        }
    }

    if !c.errors.is_empty() {
        return Err(ValidationErrors(c.errors));
    }
    let clinicians = req
        .clinicians
        .iter()
        .zip(clinicians)
        .map(|(k, (site, role))| Clinician {
            id: k.id.clone(),
            name: k.name.clone(),
            site: SiteIdx(site.expect("validated")),
            role: role.expect("validated"),
        })
        .collect();
    Ok(Network {
        planning_start: start.expect("validated"),
        horizon_days: req.horizon_days,
        sites: req
            .sites
            .iter()
            .map(|s| Site {
                id: s.id.clone(),
                name: s.name.clone(),
            })
            .collect(),
        travel,
        roles: roles.names,
        clinicians,
        slots,
        requests,
        options: BalanceOptions {
            time_limit_ms: (req.options.time_limit_ms > 0).then_some(req.options.time_limit_ms),
            method: req.options.method,
            log_solver: req.options.log_solver,
        },
    })
}

/// CP3033: a slot starts before an earlier-starting slot of the same clinician on the
/// same day has ended. Each slot is compared with the one that ends last among those
/// that start before it, so a long slot that covers several others names all of them.
fn overlapping_slots(c: &mut Collector, slots: &[Slot]) {
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by_key(|&i| (slots[i].clinician, slots[i].day, slots[i].start, i));
    let minutes = |t: NaiveTime| t.signed_duration_since(NaiveTime::MIN).num_minutes();
    let end = |s: &Slot| minutes(s.start) + i64::from(s.duration_min);
    let mut latest: Option<usize> = None;
    for &i in &order {
        let b = &slots[i];
        if let Some(j) = latest {
            let a = &slots[j];
            if a.clinician == b.clinician && a.day == b.day {
                if minutes(b.start) < end(a) {
                    c.push(
                        "CP3033",
                        format!("slots[{i}].start_time"),
                        format!(
                            "slot '{}' overlaps slot '{}' of the same clinician on {}: a clinician holds one appointment at a time",
                            b.id, a.id, b.date
                        ),
                    );
                }
                if end(b) > end(a) {
                    latest = Some(i);
                }
                continue;
            }
        }
        latest = Some(i);
    }
}
