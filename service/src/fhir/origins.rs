//! Where each entry of a request read from a bundle came from, to name the resource
//! behind a validation problem (`patients[3].surgeon_id` → the ServiceRequest's entry
//! and `fullUrl`).

use std::collections::BTreeMap;

use super::bundle::Entry;

/// A validation problem's field path and message, located in the files or resources
/// the request was read from.
pub trait Locate {
    /// `patients[3].surgeon_id` with its origin.
    fn locate(&self, field: &str) -> String;
    /// A message with each `collection[i]` it mentions followed by its origin.
    fn annotate(&self, message: &str) -> String;
}

impl Locate for crate::csv::Origins {
    fn locate(&self, field: &str) -> String {
        crate::csv::Origins::locate(self, field)
    }
    fn annotate(&self, message: &str) -> String {
        crate::csv::Origins::annotate(self, message)
    }
}

/// The resource one request entry was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub entry: usize,
    pub full_url: String,
    pub resource_type: String,
}

impl Located {
    pub fn of(entry: &Entry) -> Self {
        Located {
            entry: entry.index,
            full_url: entry.full_url.clone(),
            resource_type: entry.resource_type.clone(),
        }
    }
}

/// For each collection of the request (`patients`, `sessions`, ...), the resource of
/// each of its entries.
#[derive(Clone, Debug, Default)]
pub struct FhirOrigins {
    pub collections: BTreeMap<&'static str, Vec<Located>>,
}

/// `slots[3].date` → ("slots", 3).
fn split_path(field: &str) -> Option<(&str, usize)> {
    let open = field.find('[')?;
    let close = open + field[open..].find(']')?;
    let index = field[open + 1..close].parse().ok()?;
    Some((&field[..open], index))
}

impl FhirOrigins {
    pub fn push(&mut self, collection: &'static str, entry: &Entry) {
        self.collections
            .entry(collection)
            .or_default()
            .push(Located::of(entry));
    }

    fn get(&self, path: &str) -> Option<&Located> {
        let (collection, index) = split_path(path)?;
        self.collections.get(collection)?.get(index)
    }
}

fn describe(l: &Located) -> String {
    if l.full_url.is_empty() {
        format!("entry[{}] {}", l.entry, l.resource_type)
    } else {
        format!("entry[{}] {} {}", l.entry, l.resource_type, l.full_url)
    }
}

impl Locate for FhirOrigins {
    fn locate(&self, field: &str) -> String {
        if let Some(l) = self.get(field) {
            return format!("{} ({field})", describe(l));
        }
        match field {
            "planning_start" => "planning_start (--planning-start, Schedule.planningHorizon.start, or the earliest Slot.start)".into(),
            "horizon_days" => "horizon_days (--horizon-days, Schedule.planningHorizon, or through the latest Slot.start)".into(),
            _ => field.to_string(),
        }
    }

    fn annotate(&self, message: &str) -> String {
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(open) = rest.find('[') {
            let Some(close) = rest[open..].find(']').map(|c| open + c) else {
                break;
            };
            let word_start = rest[..open]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |p| p + 1);
            out.push_str(&rest[..=close]);
            if let Some(l) = self.get(&rest[word_start..=close]) {
                out.push_str(&format!(" ({})", describe(l)));
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}
