//! The appointment-balancing side of the end-to-end tests, written apart from
//! `clinicplan_solver::appointments`: the tests' own reading of a
//! `BalanceAppointmentsRequest` (`Net`), an independent checker of the response
//! (`check`), a reference optimum with one good_lp column per eligible (request, slot)
//! pair (`reference_optimum30`, no grouping), a brute force over every assignment of
//! tiny networks (`brute_optimum30`), request builders and the call-and-check helper.
//!
//! Costs are integers in thirtieths (travel_min / 30 is then exact): a booking costs
//! 30 w (wait + 1) + travel (face to face only) + 30 if it misses the preferred
//! clinician; an unbooked request 30 (w (D + 1) + 1), D = days from its request date
//! to planning_start + horizon_days + 7; w = 10, 4, 1 for same-day, urgent, routine.

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};
use clinicplan_service::proto;
use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};

use super::{close, failure_dir};

/// Costs are kept in thirtieths.
pub const SCALE: i64 = 30;

pub use proto::Mode::{FaceToFace as F2F, Phone as PHONE, Video as VIDEO};
pub use proto::Urgency::{Routine as ROUTINE, SameDay as SAME_DAY, Urgent as URGENT};

/// The planning start of every hand-made network: Monday 2 March 2026 (day 0).
pub const START: &str = "2026-03-02";

fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("a valid date")
}

/// The date `n` days after (or, negative, before) the planning start.
pub fn day(n: i64) -> String {
    let d = if n >= 0 {
        start_date() + Days::new(n as u64)
    } else {
        start_date() - Days::new(n.unsigned_abs())
    };
    d.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------
// Builders.

/// An empty network over `horizon_days` from `START`, with the given method.
pub fn network(horizon_days: u32) -> proto::BalanceAppointmentsRequest {
    proto::BalanceAppointmentsRequest {
        planning_start: START.into(),
        horizon_days,
        options: Some(proto::BalanceOptions {
            time_limit_ms: 10_000,
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn site(id: &str) -> proto::Site {
    proto::Site {
        id: id.into(),
        name: format!("{id} Surgery"),
    }
}

pub fn travel(from: &str, to: &str, minutes: u32) -> proto::TravelTime {
    proto::TravelTime {
        from_site_id: from.into(),
        to_site_id: to.into(),
        minutes,
    }
}

pub fn clinician(id: &str, site_id: &str, role: &str) -> proto::Clinician {
    proto::Clinician {
        id: id.into(),
        site_id: site_id.into(),
        role: role.into(),
        name: format!("Dr {id}"),
    }
}

/// A 15-minute slot on day index `day_idx` at `start` ("HH:MM").
pub fn slot(
    id: &str,
    clinician_id: &str,
    site_id: &str,
    role: &str,
    day_idx: i64,
    start: &str,
    mode: proto::Mode,
) -> proto::Slot {
    proto::Slot {
        id: id.into(),
        clinician_id: clinician_id.into(),
        site_id: site_id.into(),
        role: role.into(),
        date: day(day_idx),
        start_time: start.into(),
        duration_min: 15,
        mode: mode as i32,
    }
}

/// A request made on day index `day_idx` (negative: before the planning start), with
/// no preferred clinician.
pub fn appt(
    id: &str,
    home: &str,
    role: &str,
    urgency: proto::Urgency,
    day_idx: i64,
    modes: &[proto::Mode],
    max_travel_min: u32,
) -> proto::AppointmentRequest {
    proto::AppointmentRequest {
        id: id.into(),
        home_site_id: home.into(),
        role: role.into(),
        urgency: urgency as i32,
        request_date: day(day_idx),
        modes: modes.iter().map(|&m| m as i32).collect(),
        max_travel_min,
        preferred_clinician_id: String::new(),
    }
}

/// The same request naming `clinician_id` as the patient's own clinician.
pub fn preferring(
    mut request: proto::AppointmentRequest,
    clinician_id: &str,
) -> proto::AppointmentRequest {
    request.preferred_clinician_id = clinician_id.into();
    request
}

/// Sets the request's method.
pub fn with_method(
    mut request: proto::BalanceAppointmentsRequest,
    method: proto::BalanceMethod,
) -> proto::BalanceAppointmentsRequest {
    request.options.get_or_insert_with(Default::default).method = method as i32;
    request
}

// ---------------------------------------------------------------------------------
// Reading a response.

pub fn booking_of<'r>(
    response: &'r proto::BalanceAppointmentsResponse,
    request_id: &str,
) -> Option<&'r proto::AppointmentBooking> {
    response
        .bookings
        .iter()
        .find(|b| b.request_id == request_id)
}

/// The slot booked for `request_id`, if any.
pub fn slot_of(response: &proto::BalanceAppointmentsResponse, request_id: &str) -> Option<String> {
    booking_of(response, request_id).map(|b| b.slot_id.clone())
}

/// Why `request_id` is unbooked, if it is.
pub fn reason_of(
    response: &proto::BalanceAppointmentsResponse,
    request_id: &str,
) -> Option<proto::UnassignedReason> {
    response
        .unassigned
        .iter()
        .find(|u| u.request_id == request_id)
        .map(|u| proto::UnassignedReason::try_from(u.reason).expect("a known reason"))
}

pub fn summary(response: &proto::BalanceAppointmentsResponse) -> &proto::BalanceSolveSummary {
    response.solve.as_ref().expect("a solve summary")
}

pub fn metrics(response: &proto::BalanceAppointmentsResponse) -> &proto::BalanceMetrics {
    response.metrics.as_ref().expect("metrics")
}

/// Asserts the objective (and weighted cost) and that the status is optimal.
#[track_caller]
pub fn assert_optimum(response: &proto::BalanceAppointmentsResponse, expected: f64) {
    let s = summary(response);
    assert_eq!(
        s.status,
        proto::SolveStatus::Optimal as i32,
        "status {:?}",
        s.status
    );
    assert!(
        close(s.objective, expected),
        "objective {}, expected {expected}",
        s.objective
    );
    let weighted = metrics(response).weighted_cost;
    assert!(
        close(weighted, expected),
        "weighted cost {weighted}, expected {expected}"
    );
}

/// A response with its timing removed, for determinism comparisons.
pub fn without_timing(
    mut response: proto::BalanceAppointmentsResponse,
) -> proto::BalanceAppointmentsResponse {
    if let Some(s) = response.solve.as_mut() {
        s.solve_ms = 0;
    }
    response
}

// ---------------------------------------------------------------------------------
// The tests' own reading of a request.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urg {
    SameDay,
    Urgent,
    Routine,
}

impl Urg {
    pub const ALL: [Urg; 3] = [Urg::SameDay, Urg::Urgent, Urg::Routine];

    fn from_wire(v: i32) -> Option<Urg> {
        match proto::Urgency::try_from(v).ok()? {
            proto::Urgency::SameDay => Some(Urg::SameDay),
            proto::Urgency::Urgent => Some(Urg::Urgent),
            proto::Urgency::Routine => Some(Urg::Routine),
            proto::Urgency::Unspecified => None,
        }
    }

    fn wire(self) -> i32 {
        match self {
            Urg::SameDay => proto::Urgency::SameDay as i32,
            Urg::Urgent => proto::Urgency::Urgent as i32,
            Urg::Routine => proto::Urgency::Routine as i32,
        }
    }

    pub fn weight(self) -> i64 {
        match self {
            Urg::SameDay => 10,
            Urg::Urgent => 4,
            Urg::Routine => 1,
        }
    }

    pub fn target_days(self) -> i64 {
        match self {
            Urg::SameDay => 0,
            Urg::Urgent => 2,
            Urg::Routine => 14,
        }
    }
}

#[derive(Clone, Debug)]
pub struct NetSlot {
    pub id: String,
    pub clinician: String,
    pub site: usize,
    pub role: String,
    pub day: i64,
    pub face_to_face: bool,
    pub mode: i32,
}

#[derive(Clone, Debug)]
pub struct NetRequest {
    pub id: String,
    pub home: usize,
    pub role: String,
    pub urgency: Urg,
    pub day: i64,
    pub modes: BTreeSet<i32>,
    pub max_travel_min: u32,
    /// `None` when the request names no clinician.
    pub preferred: Option<String>,
}

/// A valid request, read by the tests.
#[derive(Clone, Debug)]
pub struct Net {
    pub horizon_days: i64,
    /// (from, to) → minutes, as given.
    given: HashMap<(usize, usize), u32>,
    pub slots: Vec<NetSlot>,
    pub requests: Vec<NetRequest>,
    pub slot_index: HashMap<String, usize>,
    pub request_index: HashMap<String, usize>,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| format!("'{text}': {e}"))
}

impl Net {
    /// Reads a request that the service accepts; `Err` for anything the tests cannot
    /// read (the tests only check responses to valid requests).
    pub fn new(request: &proto::BalanceAppointmentsRequest) -> Result<Net, String> {
        let start = parse_date(&request.planning_start)?;
        let site_ids: Vec<String> = request.sites.iter().map(|s| s.id.clone()).collect();
        let site = |id: &str| -> Result<usize, String> {
            site_ids
                .iter()
                .position(|s| s == id)
                .ok_or_else(|| format!("unknown site '{id}'"))
        };
        let mut given = HashMap::new();
        for t in &request.travel {
            given.insert((site(&t.from_site_id)?, site(&t.to_site_id)?), t.minutes);
        }
        let mut slots = Vec::new();
        let mut slot_index = HashMap::new();
        for s in &request.slots {
            let mode = proto::Mode::try_from(s.mode).map_err(|e| e.to_string())?;
            if mode == proto::Mode::Unspecified {
                return Err(format!("slot '{}' has no mode", s.id));
            }
            slot_index.insert(s.id.clone(), slots.len());
            slots.push(NetSlot {
                id: s.id.clone(),
                clinician: s.clinician_id.clone(),
                site: site(&s.site_id)?,
                role: s.role.clone(),
                day: (parse_date(&s.date)? - start).num_days(),
                face_to_face: mode == proto::Mode::FaceToFace,
                mode: s.mode,
            });
        }
        let mut requests = Vec::new();
        let mut request_index = HashMap::new();
        for r in &request.requests {
            let urgency = Urg::from_wire(r.urgency)
                .ok_or_else(|| format!("request '{}' has no urgency", r.id))?;
            let preferred = r.preferred_clinician_id.trim();
            request_index.insert(r.id.clone(), requests.len());
            requests.push(NetRequest {
                id: r.id.clone(),
                home: site(&r.home_site_id)?,
                role: r.role.clone(),
                urgency,
                day: (parse_date(&r.request_date)? - start).num_days(),
                modes: r.modes.iter().copied().collect(),
                max_travel_min: r.max_travel_min,
                preferred: (!preferred.is_empty()).then(|| preferred.to_string()),
            });
        }
        Ok(Net {
            horizon_days: i64::from(request.horizon_days),
            given,
            slots,
            requests,
            slot_index,
            request_index,
        })
    }

    /// Travel minutes between two sites: as given, else as given the other way round,
    /// else 0 from a site to itself; `None` when out of reach.
    pub fn travel(&self, from: usize, to: usize) -> Option<u32> {
        self.given
            .get(&(from, to))
            .or_else(|| self.given.get(&(to, from)))
            .copied()
            .or((from == to).then_some(0))
    }

    /// Whether request `r` may take slot `s` (docs/model.md).
    pub fn eligible(&self, r: usize, s: usize) -> bool {
        let request = &self.requests[r];
        let slot = &self.slots[s];
        if request.role != slot.role || !request.modes.contains(&slot.mode) {
            return false;
        }
        let date_ok = match request.urgency {
            Urg::SameDay => slot.day == request.day,
            _ => slot.day >= request.day,
        };
        if !date_ok {
            return false;
        }
        !slot.face_to_face
            || self
                .travel(request.home, slot.site)
                .is_some_and(|t| t <= request.max_travel_min)
    }

    /// Travel minutes of a booking: home to the slot's site face to face, else 0.
    pub fn booking_travel(&self, r: usize, s: usize) -> u32 {
        let slot = &self.slots[s];
        if slot.face_to_face {
            self.travel(self.requests[r].home, slot.site).unwrap_or(0)
        } else {
            0
        }
    }

    pub fn with_preferred(&self, r: usize, s: usize) -> bool {
        self.requests[r].preferred.as_deref() == Some(self.slots[s].clinician.as_str())
    }

    /// The booking's cost in thirtieths.
    pub fn cost30(&self, r: usize, s: usize) -> i64 {
        let request = &self.requests[r];
        let wait = self.slots[s].day - request.day;
        let missed = request.preferred.is_some() && !self.with_preferred(r, s);
        SCALE * request.urgency.weight() * (wait + 1)
            + i64::from(self.booking_travel(r, s))
            + if missed { SCALE } else { 0 }
    }

    /// The cost of leaving request `r` unbooked, in thirtieths.
    pub fn unbooked30(&self, r: usize) -> i64 {
        let request = &self.requests[r];
        let d = self.horizon_days + 7 - request.day;
        SCALE * (request.urgency.weight() * (d + 1) + 1)
    }

    /// Every eligible (request, slot) pair.
    pub fn eligible_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for r in 0..self.requests.len() {
            for s in 0..self.slots.len() {
                if self.eligible(r, s) {
                    pairs.push((r, s));
                }
            }
        }
        pairs
    }

    /// Every request left unbooked.
    pub fn nothing_booked30(&self) -> i64 {
        (0..self.requests.len()).map(|r| self.unbooked30(r)).sum()
    }
}

// ---------------------------------------------------------------------------------
// The checker.

/// The response's figures as the tests compute them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recomputed {
    /// The total cost, in thirtieths.
    pub cost30: i64,
    pub assigned: u32,
    pub unassigned: u32,
    pub away_from_home: u32,
    pub with_preferred: u32,
}

impl Recomputed {
    pub fn cost(&self) -> f64 {
        self.cost30 as f64 / SCALE as f64
    }
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub violations: Vec<String>,
    pub recomputed: Recomputed,
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Checks `response` against `request`: every rule, every field, every figure.
pub fn check(
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
) -> Report {
    let net = match Net::new(request) {
        Ok(n) => n,
        Err(e) => {
            return Report {
                violations: vec![format!("the tests cannot read the request: {e}")],
                recomputed: Recomputed::default(),
            };
        }
    };
    let mut v: Vec<String> = Vec::new();
    let n_requests = net.requests.len();
    let wire_slots = &request.slots;

    // Bookings: known ids, request order, each request once, each slot once, the rules,
    // and every field recomputed.
    let mut booked: Vec<Option<usize>> = vec![None; n_requests];
    let mut holder: HashMap<usize, usize> = HashMap::new();
    let mut last_request: Option<usize> = None;
    let mut cost30 = 0i64;
    for (i, b) in response.bookings.iter().enumerate() {
        let (Some(&r), Some(&s)) = (
            net.request_index.get(&b.request_id),
            net.slot_index.get(&b.slot_id),
        ) else {
            v.push(format!(
                "bookings[{i}] names request '{}' / slot '{}', not both in the request",
                b.request_id, b.slot_id
            ));
            continue;
        };
        if last_request.is_some_and(|l| l >= r) {
            v.push(format!(
                "bookings[{i}] ('{}') is out of request order",
                b.request_id
            ));
        }
        last_request = Some(r);
        if booked[r].replace(s).is_some() {
            v.push(format!("request '{}' is booked twice", b.request_id));
        }
        if let Some(other) = holder.insert(s, r) {
            v.push(format!(
                "slot '{}' holds both '{}' and '{}'",
                b.slot_id, net.requests[other].id, b.request_id
            ));
        }
        let request = &net.requests[r];
        let slot = &net.slots[s];
        if !net.eligible(r, s) {
            v.push(format!(
                "request '{}' may not take slot '{}' (role {} / {}, modes {:?} / {}, day {} / {}, travel {:?} ≤ {})",
                request.id,
                slot.id,
                request.role,
                slot.role,
                request.modes,
                slot.mode,
                request.day,
                slot.day,
                slot.face_to_face
                    .then(|| net.travel(request.home, slot.site))
                    .flatten(),
                request.max_travel_min
            ));
        }
        let wait = slot.day - request.day;
        if i64::from(b.wait_days) != wait {
            v.push(format!(
                "booking '{}': wait_days {}, recomputed {wait}",
                b.request_id, b.wait_days
            ));
        }
        let travel = net.booking_travel(r, s);
        if b.travel_min != travel {
            v.push(format!(
                "booking '{}': travel_min {}, recomputed {travel}",
                b.request_id, b.travel_min
            ));
        }
        let preferred = net.with_preferred(r, s);
        if b.with_preferred_clinician != preferred {
            v.push(format!(
                "booking '{}': with_preferred_clinician {}, recomputed {preferred}",
                b.request_id, b.with_preferred_clinician
            ));
        }
        let c30 = net.cost30(r, s);
        cost30 += c30;
        if !close(b.cost, c30 as f64 / SCALE as f64) {
            v.push(format!(
                "booking '{}': cost {}, recomputed {}",
                b.request_id,
                b.cost,
                c30 as f64 / SCALE as f64
            ));
        }
        let wire = &wire_slots[s];
        let copies_agree = b.clinician_id == wire.clinician_id
            && b.site_id == wire.site_id
            && b.date == wire.date
            && b.start_time == wire.start_time
            && b.mode == wire.mode;
        if !copies_agree {
            v.push(format!(
                "booking '{}': the slot's copied fields ({}, {}, {}, {}, {}) differ from slot '{}' ({}, {}, {}, {}, {})",
                b.request_id,
                b.clinician_id,
                b.site_id,
                b.date,
                b.start_time,
                b.mode,
                wire.id,
                wire.clinician_id,
                wire.site_id,
                wire.date,
                wire.start_time,
                wire.mode
            ));
        }
    }

    // Unassigned: known ids, request order, not booked, each once, with its cost and a
    // reason that matches the plan.
    let mut listed = vec![false; n_requests];
    let mut last_request: Option<usize> = None;
    for (i, u) in response.unassigned.iter().enumerate() {
        let Some(&r) = net.request_index.get(&u.request_id) else {
            v.push(format!(
                "unassigned[{i}] names request '{}', not in the request",
                u.request_id
            ));
            continue;
        };
        if last_request.is_some_and(|l| l >= r) {
            v.push(format!(
                "unassigned[{i}] ('{}') is out of request order",
                u.request_id
            ));
        }
        last_request = Some(r);
        if std::mem::replace(&mut listed[r], true) {
            v.push(format!(
                "request '{}' is listed unassigned twice",
                u.request_id
            ));
        }
        if booked[r].is_some() {
            v.push(format!(
                "request '{}' is both booked and unassigned",
                u.request_id
            ));
        }
        let u30 = net.unbooked30(r);
        cost30 += u30;
        if !close(u.cost, u30 as f64 / SCALE as f64) {
            v.push(format!(
                "unassigned '{}': cost {}, recomputed {}",
                u.request_id,
                u.cost,
                u30 as f64 / SCALE as f64
            ));
        }
        if u.detail.trim().is_empty() {
            v.push(format!("unassigned '{}' has no detail", u.request_id));
        }
        let eligible: Vec<usize> = (0..net.slots.len())
            .filter(|&s| net.eligible(r, s))
            .collect();
        let free: Vec<usize> = eligible
            .iter()
            .copied()
            .filter(|s| !holder.contains_key(s))
            .collect();
        let expected = if eligible.is_empty() {
            proto::UnassignedReason::NoEligibleSlot
        } else if free.is_empty() {
            proto::UnassignedReason::EligibleSlotsTaken
        } else {
            proto::UnassignedReason::CostsMoreThanWaiting
        };
        if u.reason != expected as i32 {
            v.push(format!(
                "unassigned '{}': reason {:?}, expected {expected:?} ({} eligible slot(s), {} free)",
                u.request_id,
                proto::UnassignedReason::try_from(u.reason),
                eligible.len(),
                free.len()
            ));
        }
        for &s in &free {
            if net.cost30(r, s) < u30 {
                v.push(format!(
                    "unassigned '{}': free eligible slot '{}' costs {}, less than waiting ({}): booking it lowers the cost",
                    u.request_id,
                    net.slots[s].id,
                    net.cost30(r, s) as f64 / SCALE as f64,
                    u30 as f64 / SCALE as f64
                ));
            }
        }
    }
    for (r, request) in net.requests.iter().enumerate() {
        if booked[r].is_none() && !listed[r] {
            v.push(format!(
                "request '{}' is neither booked nor unassigned",
                request.id
            ));
        }
    }

    // Metrics.
    let bookings: Vec<(usize, usize)> = booked
        .iter()
        .enumerate()
        .filter_map(|(r, s)| s.map(|s| (r, s)))
        .collect();
    let away = bookings
        .iter()
        .filter(|&&(r, s)| net.slots[s].site != net.requests[r].home)
        .count();
    let naming: Vec<&(usize, usize)> = bookings
        .iter()
        .filter(|(r, _)| net.requests[*r].preferred.is_some())
        .collect();
    let kept = naming
        .iter()
        .filter(|&&&(r, s)| net.with_preferred(r, s))
        .count();
    let travels: Vec<u32> = bookings
        .iter()
        .filter(|(_, s)| net.slots[*s].face_to_face)
        .map(|&(r, s)| net.booking_travel(r, s))
        .collect();
    let recomputed = Recomputed {
        cost30,
        assigned: bookings.len() as u32,
        unassigned: (n_requests - bookings.len()) as u32,
        away_from_home: away as u32,
        with_preferred: kept as u32,
    };
    let cost = recomputed.cost();
    let mut figure = |name: &str, got: f64, want: f64| {
        if !close(got, want) {
            v.push(format!("{name}: reported {got}, recomputed {want}"));
        }
    };
    match &response.metrics {
        None => v.push("the response has no metrics".into()),
        Some(m) => {
            figure("metrics.weighted_cost", m.weighted_cost, cost);
            figure(
                "metrics.assigned",
                f64::from(m.assigned),
                f64::from(recomputed.assigned),
            );
            figure(
                "metrics.unassigned",
                f64::from(m.unassigned),
                f64::from(recomputed.unassigned),
            );
            figure(
                "metrics.share_away_from_home",
                m.share_away_from_home,
                share(away, bookings.len()),
            );
            figure(
                "metrics.continuity_rate",
                m.continuity_rate,
                share(kept, naming.len()),
            );
            figure(
                "metrics.mean_travel_min",
                m.mean_travel_min,
                if travels.is_empty() {
                    0.0
                } else {
                    travels.iter().map(|&t| f64::from(t)).sum::<f64>() / travels.len() as f64
                },
            );
            figure(
                "metrics.slot_utilisation",
                m.slot_utilisation,
                share(bookings.len(), net.slots.len()),
            );
            for urgency in Urg::ALL {
                let of: Vec<&proto::UrgencyMetrics> = m
                    .by_urgency
                    .iter()
                    .filter(|u| u.urgency == urgency.wire())
                    .collect();
                let requests = net.requests.iter().filter(|r| r.urgency == urgency).count();
                let waits: Vec<i64> = bookings
                    .iter()
                    .filter(|(r, _)| net.requests[*r].urgency == urgency)
                    .map(|&(r, s)| net.slots[s].day - net.requests[r].day)
                    .collect();
                let within = waits
                    .iter()
                    .filter(|&&w| w <= urgency.target_days())
                    .count();
                let u = match of.as_slice() {
                    [] if requests == 0 => continue,
                    [] => {
                        figure(
                            &format!("metrics.by_urgency {urgency:?} (missing)"),
                            0.0,
                            1.0,
                        );
                        continue;
                    }
                    [u] => u,
                    _ => {
                        figure(
                            &format!("metrics.by_urgency {urgency:?} entries"),
                            of.len() as f64,
                            1.0,
                        );
                        continue;
                    }
                };
                let name = |f: &str| format!("metrics.by_urgency {urgency:?}.{f}");
                figure(&name("requests"), f64::from(u.requests), requests as f64);
                figure(&name("assigned"), f64::from(u.assigned), waits.len() as f64);
                figure(
                    &name("mean_wait_days"),
                    u.mean_wait_days,
                    if waits.is_empty() {
                        0.0
                    } else {
                        waits.iter().sum::<i64>() as f64 / waits.len() as f64
                    },
                );
                figure(
                    &name("share_within_target"),
                    u.share_within_target,
                    share(within, requests),
                );
                figure(
                    &name("target_days"),
                    f64::from(u.target_days),
                    urgency.target_days() as f64,
                );
            }
            if m.by_urgency
                .iter()
                .any(|u| Urg::from_wire(u.urgency).is_none())
            {
                v.push("metrics.by_urgency has an entry of no known urgency".into());
            }
        }
    }

    // The solve summary.
    match &response.solve {
        None => v.push("the response has no solve summary".into()),
        Some(s) => {
            if !close(s.objective, cost) {
                v.push(format!(
                    "solve.objective {} differs from the recomputed cost {cost}",
                    s.objective
                ));
            }
            if s.bound > s.objective + 1e-6 {
                v.push(format!(
                    "solve.bound {} is above the objective {}",
                    s.bound, s.objective
                ));
            }
            let gap = (s.objective - s.bound) / s.objective.abs().max(1.0);
            if (s.gap - gap).abs() > 1e-9 {
                v.push(format!("solve.gap {}, recomputed {gap}", s.gap));
            }
            match proto::SolveStatus::try_from(s.status) {
                Ok(proto::SolveStatus::Optimal) => {
                    if !close(s.bound, s.objective) || s.gap.abs() > 1e-9 {
                        v.push(format!(
                            "optimal, yet bound {} ≠ objective {} (gap {})",
                            s.bound, s.objective, s.gap
                        ));
                    }
                }
                Ok(proto::SolveStatus::Feasible) => {
                    if close(s.bound, s.objective) {
                        v.push(format!(
                            "feasible only, yet the bound {} proves the objective {} optimal",
                            s.bound, s.objective
                        ));
                    }
                }
                other => v.push(format!("solve.status {other:?}")),
            }
            let asked = request.options.as_ref().map_or(0, |o| o.method);
            let method = if asked == proto::BalanceMethod::FullLp as i32 {
                proto::BalanceMethod::FullLp
            } else {
                proto::BalanceMethod::Transshipment
            };
            if s.method != method as i32 {
                v.push(format!("solve.method {}, asked {method:?}", s.method));
            }
        }
    }

    Report {
        violations: v,
        recomputed,
    }
}

/// The grouped network's figures in the solve summary: the request and slot groups and
/// eligible arcs as issue 4 defines them, and the LP's columns (all the grouped arcs
/// for the full LP; the default method's transshipment network has arcs of its own, so
/// its count is not compared). Kept apart from `check`, so that a
/// wrong figure here fails one test, not every test.
pub fn summary_violations(
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
) -> Vec<String> {
    let net = Net::new(request).expect("the tests read the request");
    let s = summary(response);
    let method = s.method;
    let mut v = Vec::new();
    if method == proto::BalanceMethod::FullLp as i32 && s.arcs_in_lp != s.arcs {
        v.push(format!(
            "the full LP took {} of {} arcs",
            s.arcs_in_lp, s.arcs
        ));
    }
    let (request_groups, slot_groups, arcs) = grouped_size(&net);
    if (s.request_groups, s.slot_groups, s.arcs) != (request_groups, slot_groups, arcs) {
        v.push(format!(
            "grouped network: {} request groups, {} slot groups, {} arcs reported; recomputed {request_groups}, {slot_groups}, {arcs}",
            s.request_groups, s.slot_groups, s.arcs
        ));
    }
    v
}

/// The size of the grouped network as issue 4 defines it: requests grouped by home
/// site, role, urgency, mode set, travel limit, date and preferred clinician; slots by
/// site, clinician, role, mode and date; an arc per eligible pair of groups.
pub fn grouped_size(net: &Net) -> (u32, u32, u64) {
    let mut request_groups: Vec<usize> = Vec::new();
    let mut seen = HashMap::new();
    for (i, r) in net.requests.iter().enumerate() {
        let key = (
            r.home,
            r.role.clone(),
            r.urgency,
            r.modes.clone(),
            r.max_travel_min,
            r.day,
            r.preferred.clone(),
        );
        seen.entry(key).or_insert_with(|| {
            request_groups.push(i);
        });
    }
    let mut slot_groups: Vec<usize> = Vec::new();
    let mut seen = HashMap::new();
    for (i, s) in net.slots.iter().enumerate() {
        let key = (s.site, s.clinician.clone(), s.role.clone(), s.mode, s.day);
        seen.entry(key).or_insert_with(|| {
            slot_groups.push(i);
        });
    }
    let mut arcs = 0u64;
    for &r in &request_groups {
        for &s in &slot_groups {
            if net.eligible(r, s) {
                arcs += 1;
            }
        }
    }
    (request_groups.len() as u32, slot_groups.len() as u32, arcs)
}

// ---------------------------------------------------------------------------------
// Optima computed in the test.

/// The optimum in thirtieths from an LP with one column per eligible (request, slot)
/// pair, built with good_lp and solved by HiGHS: x ∈ [0, 1], each request and each
/// slot at most once, minimise Σ (booking − unbooked cost) x + Σ unbooked costs. The
/// assignment polytope is integral, so the LP optimum is the assignment optimum.
pub fn reference_optimum30(request: &proto::BalanceAppointmentsRequest) -> i64 {
    let net = Net::new(request).expect("the tests read the request");
    let pairs = net.eligible_pairs();
    let base = net.nothing_booked30();
    if pairs.is_empty() {
        return base;
    }
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = pairs
        .iter()
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let mut objective = Expression::with_capacity(pairs.len());
    let mut by_request: Vec<Vec<Variable>> = vec![Vec::new(); net.requests.len()];
    let mut by_slot: Vec<Vec<Variable>> = vec![Vec::new(); net.slots.len()];
    for (&(r, s), &var) in pairs.iter().zip(&x) {
        let reduced = net.cost30(r, s) - net.unbooked30(r);
        objective.add_mul(reduced as f64, var);
        by_request[r].push(var);
        by_slot[s].push(var);
    }
    let mut model = vars.minimise(objective.clone()).using(highs).set_threads(1);
    model.set_verbose(false);
    for list in by_request.iter().chain(by_slot.iter()) {
        if list.len() > 1 {
            let sum: Expression = list.iter().copied().sum();
            model.add_constraint(sum.leq(1.0));
        }
    }
    let solution = model.solve().expect("the reference LP solves");
    let value = solution.eval(&objective);
    let rounded = value.round();
    assert!(
        (value - rounded).abs() < 1e-6,
        "the reference LP's optimum {value} is not integral"
    );
    base + rounded as i64
}

/// The optimum in thirtieths by trying every assignment (each request unbooked or in
/// one of its free eligible slots). For tiny networks only.
pub fn brute_optimum30(request: &proto::BalanceAppointmentsRequest) -> i64 {
    let net = Net::new(request).expect("the tests read the request");
    assert!(
        net.requests.len() <= 8 && net.slots.len() <= 8,
        "brute force is for tiny networks"
    );
    let options: Vec<Vec<(usize, i64)>> = (0..net.requests.len())
        .map(|r| {
            (0..net.slots.len())
                .filter(|&s| net.eligible(r, s))
                .map(|s| (s, net.cost30(r, s)))
                .collect()
        })
        .collect();
    fn go(
        net: &Net,
        options: &[Vec<(usize, i64)>],
        r: usize,
        taken: &mut [bool],
        so_far: i64,
        best: &mut i64,
    ) {
        if r == options.len() {
            *best = (*best).min(so_far);
            return;
        }
        go(net, options, r + 1, taken, so_far + net.unbooked30(r), best);
        for &(s, c) in &options[r] {
            if !taken[s] {
                taken[s] = true;
                go(net, options, r + 1, taken, so_far + c, best);
                taken[s] = false;
            }
        }
    }
    let mut best = i64::MAX;
    let mut taken = vec![false; net.slots.len()];
    go(&net, &options, 0, &mut taken, 0, &mut best);
    best
}

// ---------------------------------------------------------------------------------
// Calling the service.

/// Writes the request (and the response, when there is one) as proto3 JSON under
/// `failure_dir()`, and returns the request's path.
pub fn save_case(
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
    response: Option<&proto::BalanceAppointmentsResponse>,
) -> std::path::PathBuf {
    let dir = failure_dir();
    let path = dir.join(format!("{name}.balance-request.json"));
    let json = serde_json::to_string_pretty(request).expect("a request serialises");
    std::fs::write(&path, json).expect("write the request");
    if let Some(response) = response {
        let json = serde_json::to_string_pretty(response).expect("a response serialises");
        std::fs::write(dir.join(format!("{name}.balance-response.json")), json)
            .expect("write the response");
    }
    path
}

/// Balances `request` and checks the response; on an error status or a violation,
/// saves the case and returns the failure as text.
pub fn balance_checked(
    harness: &super::Harness,
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
) -> Result<(proto::BalanceAppointmentsResponse, Recomputed), String> {
    let response = harness.balance(request).map_err(|status| {
        let path = save_case(name, request, None);
        format!(
            "{name}: BalanceAppointments failed (request saved as {}): {status:?}",
            path.display()
        )
    })?;
    let report = check(request, &response);
    if !report.violations.is_empty() {
        let path = save_case(name, request, Some(&response));
        let shown: Vec<&str> = report
            .violations
            .iter()
            .take(40)
            .map(String::as_str)
            .collect();
        return Err(format!(
            "{name}: {} violation(s) (case saved as {}):\n  {}",
            report.violations.len(),
            path.display(),
            shown.join("\n  ")
        ));
    }
    Ok((response, report.recomputed))
}

/// `balance_checked`, panicking on a failure.
pub fn balance_valid(
    harness: &super::Harness,
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
) -> (proto::BalanceAppointmentsResponse, Recomputed) {
    balance_checked(harness, name, request).unwrap_or_else(|e| panic!("{e}"))
}
