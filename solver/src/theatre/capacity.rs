//! Running totals of the shared capacities (session minutes, surgeon minutes per day,
//! ward beds per day), for algorithms that build a plan one booking at a time:
//! pin validation and the constructive plan.

use std::collections::{BTreeMap, HashMap};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, SessionIdx, SurgeonIdx};

/// Which shared capacity a booking would overrun.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overrun {
    /// Σ (duration + turnaround) would exceed the session's length + one turnaround.
    SessionMinutes,
    /// The surgeon's operating minutes that day would exceed max_minutes_per_day.
    SurgeonMinutes,
    /// Some day of the stay would have more inpatients than free beds (that day's index).
    WardBeds(i64),
}

/// Capacity used so far.
#[derive(Clone, Debug)]
pub struct Loads {
    /// Σ (duration + turnaround) of the cases in each session.
    session_load: Vec<u32>,
    surgeon_day: HashMap<(SurgeonIdx, u32), u32>,
    beds_used: BTreeMap<i64, u32>,
}

impl Loads {
    pub fn new(instance: &Instance) -> Self {
        Loads {
            session_load: vec![0; instance.sessions.len()],
            surgeon_day: HashMap::new(),
            beds_used: BTreeMap::new(),
        }
    }

    /// The loads of every booking in `assignment`.
    pub fn from_assignment(instance: &Instance, assignment: &Assignment) -> Self {
        let mut loads = Loads::new(instance);
        for (p, s) in assignment.scheduled() {
            loads.add(instance, p, s);
        }
        loads
    }

    /// Σ (duration + turnaround) booked in session s.
    pub fn session_load(&self, s: SessionIdx) -> u32 {
        self.session_load[s.idx()]
    }

    /// Operating minutes booked for surgeon k on day `day`.
    pub fn surgeon_day(&self, k: SurgeonIdx, day: u32) -> u32 {
        self.surgeon_day.get(&(k, day)).copied().unwrap_or(0)
    }

    /// Inpatients in a bed on day `day` (days with a bed figure only).
    pub fn beds(&self, day: i64) -> u32 {
        self.beds_used.get(&day).copied().unwrap_or(0)
    }

    /// Whether booking p into s keeps every shared capacity.
    pub fn check(&self, instance: &Instance, p: PatientIdx, s: SessionIdx) -> Result<(), Overrun> {
        let patient = instance.patient(p);
        let session = instance.session(s);
        let turnaround = instance.turnaround(s);
        if self.session_load[s.idx()] + patient.duration_min + turnaround
            > session.length_min + turnaround
        {
            return Err(Overrun::SessionMinutes);
        }
        let surgeon = &instance.surgeons[session.surgeon.idx()];
        let used = self
            .surgeon_day
            .get(&(session.surgeon, session.day))
            .copied()
            .unwrap_or(0);
        if used + patient.duration_min > surgeon.max_minutes_per_day {
            return Err(Overrun::SurgeonMinutes);
        }
        for day in instance.bed_days(p, session.day) {
            if let Some(&free) = instance.free_beds.get(&day)
                && self.beds_used.get(&day).copied().unwrap_or(0) + 1 > free
            {
                return Err(Overrun::WardBeds(day));
            }
        }
        Ok(())
    }

    /// Removes booking p from s.
    pub fn remove(&mut self, instance: &Instance, p: PatientIdx, s: SessionIdx) {
        let patient = instance.patient(p);
        let session = instance.session(s);
        self.session_load[s.idx()] -= patient.duration_min + instance.turnaround(s);
        if let Some(m) = self.surgeon_day.get_mut(&(session.surgeon, session.day)) {
            *m -= patient.duration_min;
        }
        for day in instance.bed_days(p, session.day) {
            if let Some(b) = self.beds_used.get_mut(&day) {
                *b -= 1;
            }
        }
    }

    /// Records booking p into s (whether or not it fits).
    pub fn add(&mut self, instance: &Instance, p: PatientIdx, s: SessionIdx) {
        let patient = instance.patient(p);
        let session = instance.session(s);
        self.session_load[s.idx()] += patient.duration_min + instance.turnaround(s);
        *self
            .surgeon_day
            .entry((session.surgeon, session.day))
            .or_insert(0) += patient.duration_min;
        for day in instance.bed_days(p, session.day) {
            if instance.free_beds.contains_key(&day) {
                *self.beds_used.entry(day).or_insert(0) += 1;
            }
        }
    }
}
