//! The validated appointment network: every reference resolved to an index, every
//! date a day number counted from `planning_start`. Built only by
//! [`super::validate::validate`].

use chrono::{NaiveDate, NaiveTime};

use super::input::BalanceMethod;

/// An appointment mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    FaceToFace,
    Phone,
    Video,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::FaceToFace, Mode::Phone, Mode::Video];

    pub fn bit(self) -> u8 {
        match self {
            Mode::FaceToFace => 1,
            Mode::Phone => 2,
            Mode::Video => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::FaceToFace => "face to face",
            Mode::Phone => "phone",
            Mode::Video => "video",
        }
    }
}

/// A set of modes, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModeSet(pub u8);

impl ModeSet {
    pub fn contains(self, mode: Mode) -> bool {
        self.0 & mode.bit() != 0
    }

    pub fn insert(&mut self, mode: Mode) {
        self.0 |= mode.bit();
    }

    pub fn iter(self) -> impl Iterator<Item = Mode> {
        Mode::ALL.into_iter().filter(move |m| self.contains(*m))
    }
}

/// How soon a request should be seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    SameDay,
    Urgent,
    Routine,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::SameDay, Urgency::Urgent, Urgency::Routine];

    /// w in the model: the cost of a day's wait.
    pub fn weight(self) -> i64 {
        match self {
            Urgency::SameDay => 10,
            Urgency::Urgent => 4,
            Urgency::Routine => 1,
        }
    }

    /// The target for "seen within target", in days after the request.
    pub fn target_days(self) -> u32 {
        match self {
            Urgency::SameDay => 0,
            Urgency::Urgent => 2,
            Urgency::Routine => 14,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Urgency::SameDay => "same-day",
            Urgency::Urgent => "urgent",
            Urgency::Routine => "routine",
        }
    }
}

macro_rules! index_type {
    ($name:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}
index_type!(SiteIdx);
index_type!(ClinicianIdx);
index_type!(RoleIdx);
index_type!(SlotIdx);
index_type!(RequestIdx);

#[derive(Clone, Debug)]
pub struct Site {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Clinician {
    pub id: String,
    pub name: String,
    pub site: SiteIdx,
    pub role: RoleIdx,
}

#[derive(Clone, Debug)]
pub struct Slot {
    pub id: String,
    pub clinician: ClinicianIdx,
    pub site: SiteIdx,
    pub role: RoleIdx,
    pub date: NaiveDate,
    /// Days from `planning_start`, in `0..horizon_days`.
    pub day: i64,
    pub start: NaiveTime,
    pub duration_min: u32,
    pub mode: Mode,
}

#[derive(Clone, Debug)]
pub struct Request {
    pub id: String,
    pub home: SiteIdx,
    pub role: RoleIdx,
    pub urgency: Urgency,
    pub date: NaiveDate,
    /// Days from `planning_start`; negative for a request made before it.
    pub day: i64,
    pub modes: ModeSet,
    pub max_travel_min: u32,
    pub preferred: Option<ClinicianIdx>,
}

#[derive(Clone, Debug)]
pub struct BalanceOptions {
    /// `None`: the caller's default.
    pub time_limit_ms: Option<u32>,
    pub method: BalanceMethod,
    pub log_solver: bool,
}

/// A validated network.
#[derive(Clone, Debug)]
pub struct Network {
    pub planning_start: NaiveDate,
    pub horizon_days: u32,
    pub sites: Vec<Site>,
    /// `travel[from * n_sites + to]`; `None` when not given (out of reach).
    pub travel: Vec<Option<u32>>,
    pub roles: Vec<String>,
    pub clinicians: Vec<Clinician>,
    pub slots: Vec<Slot>,
    pub requests: Vec<Request>,
    pub options: BalanceOptions,
}

/// Costs are kept in thirtieths so that travel_min / 30 stays an exact integer.
pub const COST_SCALE: i64 = 30;

impl Network {
    pub fn site(&self, s: SiteIdx) -> &Site {
        &self.sites[s.idx()]
    }
    pub fn clinician(&self, c: ClinicianIdx) -> &Clinician {
        &self.clinicians[c.idx()]
    }
    pub fn slot(&self, s: SlotIdx) -> &Slot {
        &self.slots[s.idx()]
    }
    pub fn request(&self, r: RequestIdx) -> &Request {
        &self.requests[r.idx()]
    }
    pub fn role(&self, r: RoleIdx) -> &str {
        &self.roles[r.idx()]
    }

    /// Travel minutes between two sites, `None` when out of reach.
    pub fn travel_min(&self, from: SiteIdx, to: SiteIdx) -> Option<u32> {
        self.travel[from.idx() * self.sites.len() + to.idx()]
    }

    /// The day that bounds an unbooked request's wait: planning_start + horizon + 7.
    pub fn unbooked_day(&self) -> i64 {
        i64::from(self.horizon_days) + 7
    }

    /// Cost of leaving request `r` unbooked, in thirtieths: 30 (w (D + 1) + 1).
    pub fn unbooked_cost30(&self, r: RequestIdx) -> i64 {
        let request = self.request(r);
        let d = self.unbooked_day() - request.day;
        COST_SCALE * (request.urgency.weight() * (d + 1) + 1)
    }

    /// Cost of booking `r` into `s`, in thirtieths (eligibility not checked):
    /// 30 w (wait + 1) + travel (face to face only) + 30 if the preferred clinician is missed.
    pub fn booking_cost30(&self, r: RequestIdx, s: SlotIdx) -> i64 {
        let request = self.request(r);
        let slot = self.slot(s);
        let wait = slot.day - request.day;
        let travel = if slot.mode == Mode::FaceToFace {
            i64::from(self.travel_min(request.home, slot.site).unwrap_or(0))
        } else {
            0
        };
        let missed = match request.preferred {
            Some(c) if c != slot.clinician => COST_SCALE,
            _ => 0,
        };
        COST_SCALE * request.urgency.weight() * (wait + 1) + travel + missed
    }

    /// Travel minutes of a booking: home to slot site for face to face, else 0.
    pub fn booking_travel(&self, r: RequestIdx, s: SlotIdx) -> u32 {
        let slot = self.slot(s);
        if slot.mode == Mode::FaceToFace {
            self.travel_min(self.request(r).home, slot.site)
                .unwrap_or(0)
        } else {
            0
        }
    }
}

/// Why a request may not take a slot: the first rule it breaks, in the model's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ineligible {
    Role,
    Mode,
    Date,
    Travel,
}

/// The eligibility rules of docs/model.md ("Appointment balancing", eligible pairs).
pub fn check_pair(network: &Network, r: RequestIdx, s: SlotIdx) -> Result<(), Ineligible> {
    let request = network.request(r);
    let slot = network.slot(s);
    if request.role != slot.role {
        return Err(Ineligible::Role);
    }
    if !request.modes.contains(slot.mode) {
        return Err(Ineligible::Mode);
    }
    let date_ok = match request.urgency {
        Urgency::SameDay => slot.day == request.day,
        _ => slot.day >= request.day,
    };
    if !date_ok {
        return Err(Ineligible::Date);
    }
    if slot.mode == Mode::FaceToFace {
        match network.travel_min(request.home, slot.site) {
            Some(t) if t <= request.max_travel_min => {}
            _ => return Err(Ineligible::Travel),
        }
    }
    Ok(())
}
