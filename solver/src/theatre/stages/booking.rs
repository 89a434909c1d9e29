//! A plan built case by case under the shared capacities: what every rounding and the
//! P1 count by specialty book with.

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};

/// A plan built case by case: a booking is made only if the patient still waits and
/// `Loads::check` passes (session minutes, the surgeon's day, a bed on every day of the
/// stay), so the plan keeps every hard rule.
pub(crate) struct Booking<'a> {
    pub(crate) instance: &'a Instance,
    pub(crate) assignment: Assignment,
    pub(crate) loads: Loads,
}

impl<'a> Booking<'a> {
    /// An empty plan with the pins booked, in `Instance::pinned` order.
    pub(crate) fn with_pins(instance: &'a Instance) -> Self {
        let mut booking = Booking {
            instance,
            assignment: Assignment::empty(instance),
            loads: Loads::new(instance),
        };
        for &(p, s) in &instance.pinned {
            booking.book(p, s);
        }
        booking
    }

    pub(crate) fn book(&mut self, p: PatientIdx, s: SessionIdx) {
        if self.assignment.get(p).is_none() && self.loads.check(self.instance, p, s).is_ok() {
            self.assignment.set(p, Some(s));
            self.loads.add(self.instance, p, s);
        }
    }

    /// Any P1 patient still waiting: the earliest eligible session with room.
    pub(crate) fn seat_waiting_p1(&mut self) {
        let instance = self.instance;
        for p in instance.patient_indices() {
            if instance.patient(p).priority == Priority::P1 {
                for &s in &instance.eligible[p.idx()] {
                    self.book(p, s);
                }
            }
        }
    }
}
