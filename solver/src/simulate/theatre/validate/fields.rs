//! The theatre kind's own field parsers: priorities and objective policies.

use crate::simulate::problems::Problems;
use crate::theatre::domain::{ObjectivePolicy, Priority};

impl Problems {
    pub(super) fn priority(&mut self, location: String, text: &str) -> Option<Priority> {
        let p = parse_priority(text);
        if p.is_none() {
            self.push(
                location,
                format!("'{text}' is not a priority: give P1 to P4"),
            );
        }
        p
    }

    pub(super) fn policy(&mut self, location: String, text: &str) -> Option<ObjectivePolicy> {
        let p = match text {
            "weighted-wait" => Some(ObjectivePolicy::WeightedWait),
            "priority-order" => Some(ObjectivePolicy::PriorityOrder),
            _ => None,
        };
        if p.is_none() {
            self.push(
                location,
                format!("'{text}' is not an objective: give weighted-wait or priority-order"),
            );
        }
        p
    }
}

/// "P1" … "P4" (any case).
pub fn parse_priority(text: &str) -> Option<Priority> {
    match text.trim().to_ascii_uppercase().as_str() {
        "P1" => Some(Priority::P1),
        "P2" => Some(Priority::P2),
        "P3" => Some(Priority::P3),
        "P4" => Some(Priority::P4),
        _ => None,
    }
}
