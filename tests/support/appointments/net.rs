//! The tests' own reading of a request (`Net`): eligibility and costs in thirtieths.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use clinicplan_service::proto;

use super::units::SCALE;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urg {
    SameDay,
    Urgent,
    Routine,
}

impl Urg {
    pub const ALL: [Urg; 3] = [Urg::SameDay, Urg::Urgent, Urg::Routine];

    pub fn from_wire(v: i32) -> Option<Urg> {
        match proto::Urgency::try_from(v).ok()? {
            proto::Urgency::SameDay => Some(Urg::SameDay),
            proto::Urgency::Urgent => Some(Urg::Urgent),
            proto::Urgency::Routine => Some(Urg::Routine),
            proto::Urgency::Unspecified => None,
        }
    }

    pub fn wire(self) -> i32 {
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
