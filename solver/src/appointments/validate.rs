//! The only way to build a [`Network`]: every rule of docs/errors.md ("Appointment
//! validation") checked, every problem collected, each naming its field by path
//! (`requests[17].preferred_clinician_id`). Generic problems (empty or duplicate ids,
//! unknown references, malformed dates and times, the horizon) share their codes with
//! the theatre request; the rest are CP3xxx.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveTime};

use super::domain::*;
use super::input::*;
use crate::validation::{
    Collector, MAX_HORIZON_DAYS, ValidationErrors, check_horizon_days, unknown,
};

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
    let horizon = check_horizon(&mut c, req);
    check_time_limit(&mut c, req);
    let site_ids = c.ids("sites", req.sites.iter().map(|s| s.id.as_str()), "id");
    let travel = travel_times(&mut c, req, &site_ids);
    let mut roles = Roles {
        names: Vec::new(),
        index: HashMap::new(),
    };
    let clinician_ids = c.ids(
        "clinicians",
        req.clinicians.iter().map(|k| k.id.as_str()),
        "id",
    );
    let clinicians = clinician_sites_and_roles(&mut c, req, &site_ids, &mut roles);
    let known = Known {
        req,
        site_ids: &site_ids,
        clinician_ids: &clinician_ids,
        clinicians: &clinicians,
        start,
        horizon,
    };
    let slots = valid_slots(&mut c, &known, &mut roles);
    c.ids("requests", req.requests.iter().map(|r| r.id.as_str()), "id");
    let requests: Vec<Request> = (0..req.requests.len())
        .filter_map(|i| valid_request(&mut c, &known, &mut roles, i))
        .collect();
    if !c.errors.is_empty() {
        return Err(ValidationErrors(c.errors));
    }
    Ok(Network {
        planning_start: start.expect("validated"),
        horizon_days: req.horizon_days,
        sites: sites(req),
        travel,
        roles: roles.names,
        clinicians: validated_clinicians(req, clinicians),
        slots,
        requests,
        options: options(req),
    })
}

fn sites(req: &BalanceRequest) -> Vec<Site> {
    req.sites
        .iter()
        .map(|s| Site {
            id: s.id.clone(),
            name: s.name.clone(),
        })
        .collect()
}

/// The clinicians, once every site and role is known to be valid.
fn validated_clinicians(
    req: &BalanceRequest,
    clinicians: Vec<(Option<u32>, Option<RoleIdx>)>,
) -> Vec<Clinician> {
    req.clinicians
        .iter()
        .zip(clinicians)
        .map(|(k, (site, role))| Clinician {
            id: k.id.clone(),
            name: k.name.clone(),
            site: SiteIdx(site.expect("validated")),
            role: role.expect("validated"),
        })
        .collect()
}

/// The options; a time limit of 0 means the caller's default.
fn options(req: &BalanceRequest) -> BalanceOptions {
    BalanceOptions {
        time_limit_ms: (req.options.time_limit_ms > 0).then_some(req.options.time_limit_ms),
        method: req.options.method,
        log_solver: req.options.log_solver,
    }
}

/// What slots and requests are checked against: the request, the ids seen, each
/// clinician's site and role (when valid), the planning start and the horizon in days.
struct Known<'a> {
    req: &'a BalanceRequest,
    site_ids: &'a HashMap<&'a str, u32>,
    clinician_ids: &'a HashMap<&'a str, u32>,
    clinicians: &'a [(Option<u32>, Option<RoleIdx>)],
    start: Option<NaiveDate>,
    horizon: i64,
}

/// CP1002: the horizon is 1 to MAX_HORIZON_DAYS days. Returns the horizon clamped to
/// that range, so that later checks still run.
fn check_horizon(c: &mut Collector, req: &BalanceRequest) -> i64 {
    check_horizon_days(c, req.horizon_days);
    i64::from(req.horizon_days.clamp(1, MAX_HORIZON_DAYS))
}

/// CP3080: the time limit is at most an hour.
fn check_time_limit(c: &mut Collector, req: &BalanceRequest) {
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
}

/// The site-to-site travel matrix (row-major, `None` where unknown): 0 from a site to
/// itself, each given pair, and a pair given one way only the same both ways.
fn travel_times(
    c: &mut Collector,
    req: &BalanceRequest,
    site_ids: &HashMap<&str, u32>,
) -> Vec<Option<u32>> {
    let n_sites = req.sites.len();
    let mut travel: Vec<Option<u32>> = vec![None; n_sites * n_sites];
    for s in 0..n_sites {
        travel[s * n_sites + s] = Some(0);
    }
    let given = given_travel(c, req, site_ids);
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
    travel
}

/// The travel entries that name known sites, by (from, to), with the first entry's
/// index and minutes: CP1020 for an unknown site, CP3020 for a time over a day, CP3021
/// for a site to itself that is not 0, CP3022 for a pair given twice with two figures.
fn given_travel(
    c: &mut Collector,
    req: &BalanceRequest,
    site_ids: &HashMap<&str, u32>,
) -> BTreeMap<(u32, u32), (usize, u32)> {
    let mut given: BTreeMap<(u32, u32), (usize, u32)> = BTreeMap::new();
    for (i, t) in req.travel.iter().enumerate() {
        let from = site_ids.get(t.from_site_id.as_str()).copied();
        let to = site_ids.get(t.to_site_id.as_str()).copied();
        if from.is_none() {
            unknown(
                c,
                format!("travel[{i}].from_site_id"),
                "site",
                &t.from_site_id,
            );
        }
        if to.is_none() {
            unknown(c, format!("travel[{i}].to_site_id"), "site", &t.to_site_id);
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
    given
}

/// Each clinician's site and role, where valid: CP1020 for an unknown site, CP3012 for
/// an empty role.
fn clinician_sites_and_roles(
    c: &mut Collector,
    req: &BalanceRequest,
    site_ids: &HashMap<&str, u32>,
    roles: &mut Roles,
) -> Vec<(Option<u32>, Option<RoleIdx>)> {
    let mut clinicians = Vec::with_capacity(req.clinicians.len());
    for (i, k) in req.clinicians.iter().enumerate() {
        let site = site_ids.get(k.site_id.as_str()).copied();
        if site.is_none() {
            unknown(c, format!("clinicians[{i}].site_id"), "site", &k.site_id);
        }
        let role = roles.get(c, format!("clinicians[{i}].role"), &k.role);
        clinicians.push((site, role));
    }
    clinicians
}

/// The valid slots (ids checked first), then CP3033 for overlapping slots when every
/// slot is valid.
fn valid_slots(c: &mut Collector, known: &Known, roles: &mut Roles) -> Vec<Slot> {
    let req = known.req;
    let slot_ids = c.ids("slots", req.slots.iter().map(|s| s.id.as_str()), "id");
    let mut slots = Vec::with_capacity(req.slots.len());
    let mut slot_ok = true;
    for i in 0..req.slots.len() {
        match valid_slot(c, known, roles, i) {
            Some(slot) => slots.push(slot),
            None => slot_ok = false,
        }
    }
    if slot_ok && !slot_ids.is_empty() {
        overlapping_slots(c, &slots);
    }
    slots
}

/// Slot `i`, or `None` after collecting its problems: CP1020 for an unknown clinician
/// or site, CP3012 for an empty role, CP3030 for a role not its clinician's, the date
/// and its horizon (`slot_day`), the start time, CP3032 for its duration, its mode.
fn valid_slot(c: &mut Collector, known: &Known, roles: &mut Roles, i: usize) -> Option<Slot> {
    let req = known.req;
    let s = &req.slots[i];
    let clinician = known.clinician_ids.get(s.clinician_id.as_str()).copied();
    if clinician.is_none() {
        unknown(
            c,
            format!("slots[{i}].clinician_id"),
            "clinician",
            &s.clinician_id,
        );
    }
    let site = known.site_ids.get(s.site_id.as_str()).copied();
    if site.is_none() {
        unknown(c, format!("slots[{i}].site_id"), "site", &s.site_id);
    }
    let role = roles.get(c, format!("slots[{i}].role"), &s.role);
    if let (Some(k), Some(role)) = (clinician, role)
        && let Some(own) = known.clinicians[k as usize].1
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
    let day = slot_day(c, known, i, date);
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
    let mode = mode(c, format!("slots[{i}].mode"), s.mode);
    let (k, site, role, date, day, start, mode) =
        (clinician?, site?, role?, date?, day?, start_time?, mode?);
    Some(Slot {
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

/// Slot `i`'s day number, with CP3031 when it falls outside the horizon.
fn slot_day(c: &mut Collector, known: &Known, i: usize, date: Option<NaiveDate>) -> Option<i64> {
    let (d, st) = (date?, known.start?);
    let horizon = known.horizon;
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

/// Request `i`, or `None` after collecting its problems: CP1020 for an unknown home,
/// CP3012 for an empty role, its urgency, its date (`request_day`), its modes
/// (`request_modes`), CP3043 for its travel limit, its preferred clinician
/// (`preferred_clinician`).
fn valid_request(c: &mut Collector, known: &Known, roles: &mut Roles, i: usize) -> Option<Request> {
    let r = &known.req.requests[i];
    let home = known.site_ids.get(r.home_site_id.as_str()).copied();
    if home.is_none() {
        unknown(
            c,
            format!("requests[{i}].home_site_id"),
            "site",
            &r.home_site_id,
        );
    }
    let role = roles.get(c, format!("requests[{i}].role"), &r.role);
    let urgency = urgency(c, format!("requests[{i}].urgency"), r.urgency);
    let date = c.date(format!("requests[{i}].request_date"), &r.request_date);
    let day = request_day(c, known, i, date);
    let modes = request_modes(c, r, i);
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
    let preferred = preferred_clinician(c, known, i, role);
    let (home, role, urgency, date, day, modes, preferred) =
        (home?, role?, urgency?, date?, day?, modes?, preferred?);
    Some(Request {
        id: r.id.clone(),
        home: SiteIdx(home),
        role,
        urgency,
        date,
        day,
        modes,
        max_travel_min: r.max_travel_min,
        preferred,
    })
}

/// Request `i`'s day number: CP3040 after the horizon, CP3041 more than ten years
/// before the planning start.
fn request_day(c: &mut Collector, known: &Known, i: usize, date: Option<NaiveDate>) -> Option<i64> {
    let (d, st) = (date?, known.start?);
    let day = (d - st).num_days();
    if day >= known.horizon {
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

/// Request `i`'s acceptable modes: CP3042 when there is none, CP3010 for each that is
/// missing or unknown.
fn request_modes(c: &mut Collector, r: &RequestInput, i: usize) -> Option<ModeSet> {
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
        match mode(c, format!("requests[{i}].modes[{j}]"), *m) {
            Some(m) => modes.insert(m),
            None => modes_ok = false,
        }
    }
    modes_ok.then_some(modes)
}

/// Request `i`'s preferred clinician: `Some(None)` when none is named, `None` when the
/// id is unknown (CP1020); CP3044 when the clinician's role is not the one needed.
fn preferred_clinician(
    c: &mut Collector,
    known: &Known,
    i: usize,
    role: Option<RoleIdx>,
) -> Option<Option<ClinicianIdx>> {
    let req = known.req;
    let r = &req.requests[i];
    let preferred_id = r.preferred_clinician_id.trim();
    if preferred_id.is_empty() {
        return Some(None);
    }
    let Some(k) = known.clinician_ids.get(preferred_id).copied() else {
        unknown(
            c,
            format!("requests[{i}].preferred_clinician_id"),
            "clinician",
            preferred_id,
        );
        return None;
    };
    if let (Some(own), Some(role)) = (known.clinicians[k as usize].1, role)
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
    Some(Some(ClinicianIdx(k)))
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
