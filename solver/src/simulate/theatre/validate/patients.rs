//! The starting list: the patients of the scenario file and those of its CSV export.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::hospital::Names;
use crate::simulate::problems::Problems;
use crate::simulate::theatre::config::*;
use crate::simulate::theatre::scenario::*;
use crate::validation::{MAX_DURATION_MIN, MAX_LENGTH_OF_STAY_DAYS};

/// A starting-list patient read from elsewhere than the scenario file (a CSV export),
/// with the location its problems are reported at (`dgh-ptl.csv line 17`) and, by
/// [`PatientConfig`] field name, where each field came from (`column 3 (specialty)`).
#[derive(Clone, Debug, PartialEq)]
pub struct ListedPatient {
    pub location: String,
    pub columns: BTreeMap<String, String>,
    pub patient: PatientConfig,
}

fn patient(
    p: &mut Problems,
    field: &dyn Fn(&str) -> String,
    c: &PatientConfig,
    names: &Names,
    start: Option<NaiveDate>,
) -> Option<WaitingPatient> {
    let mut ok = plain_fields(p, field, c, names);
    let priority = p.priority(field("priority"), &c.priority);
    let listed = p.date(field("listed_date"), &c.listed_date);
    if let (Some(l), Some(s)) = (listed, start)
        && l > s
    {
        p.push(
            field("listed_date"),
            format!(
                "{l} is after the start date {s}: the starting list holds patients listed by then"
            ),
        );
        ok = false;
    }
    let surgeon = c.surgeon.clone().filter(|s| !s.trim().is_empty());
    if let Some(k) = &surgeon {
        ok &= surgeon_known(p, field, k, &c.specialty, names);
    }
    match (ok, priority, listed) {
        (true, Some(priority), Some(listed_date)) => Some(WaitingPatient {
            id: c.id.clone(),
            specialty: c.specialty.clone(),
            procedure: c.procedure.clone(),
            duration_min: c.duration_min,
            priority,
            listed_date,
            surgeon,
            equipment: c.equipment.clone(),
            length_of_stay_days: c.length_of_stay_days,
        }),
        _ => None,
    }
}

/// A patient's id, specialty, duration and length of stay; whether all are allowed.
fn plain_fields(
    p: &mut Problems,
    field: &dyn Fn(&str) -> String,
    c: &PatientConfig,
    names: &Names,
) -> bool {
    let mut ok = true;
    if c.id.trim().is_empty() {
        p.push(field("id"), "is empty");
        ok = false;
    }
    if !names.specialties.contains(c.specialty.as_str()) {
        p.push(
            field("specialty"),
            format!("'{}' is not a specialty of the hospital", c.specialty),
        );
        ok = false;
    }
    if c.duration_min == 0 || c.duration_min > MAX_DURATION_MIN {
        p.push(
            field("duration_min"),
            format!("{}: give 1 to {MAX_DURATION_MIN} minutes", c.duration_min),
        );
        ok = false;
    }
    if c.length_of_stay_days > MAX_LENGTH_OF_STAY_DAYS {
        p.push(
            field("length_of_stay_days"),
            format!(
                "{}: at most {MAX_LENGTH_OF_STAY_DAYS}",
                c.length_of_stay_days
            ),
        );
        ok = false;
    }
    ok
}

/// A patient's named surgeon `k`, who must be a surgeon of the hospital in the
/// patient's `specialty`; whether they are.
fn surgeon_known(
    p: &mut Problems,
    field: &dyn Fn(&str) -> String,
    k: &str,
    specialty: &str,
    names: &Names,
) -> bool {
    match names.surgeons.get(k) {
        None => {
            p.push(
                field("surgeon"),
                format!("'{k}' is not a surgeon of the hospital"),
            );
            false
        }
        Some(&sp) if sp != specialty => {
            p.push(
                field("surgeon"),
                format!("'{k}' is a {sp} surgeon, not {specialty}"),
            );
            false
        }
        Some(_) => true,
    }
}

/// The starting list: the file's patients, then the CSV export's, each id once.
pub(super) fn check_starting_list(
    p: &mut Problems,
    waiting_list: &WaitingListConfig,
    csv_patients: &[ListedPatient],
    names: &Names,
    start: Option<NaiveDate>,
) -> Vec<WaitingPatient> {
    let mut starting_list = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    let no_columns = BTreeMap::new();
    let inline = waiting_list
        .patients
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("waiting_list.patients[{i}]"), None, c));
    let from_csv = csv_patients
        .iter()
        .map(|l| (l.location.clone(), Some(&l.columns), &l.patient));
    for (at, columns, c) in inline.chain(from_csv) {
        let field = |f: &str| match columns.unwrap_or(&no_columns).get(f) {
            Some(column) => format!("{at}, {column}"),
            None if columns.is_some() => format!("{at} ({f})"),
            None => format!("{at}.{f}"),
        };
        if let Some(first) = ids.get(&c.id) {
            p.push(
                field("id"),
                format!("'{}' is already used at {first}", c.id),
            );
            continue;
        }
        ids.insert(c.id.clone(), at.clone());
        if let Some(w) = patient(p, &field, c, names, start) {
            starting_list.push(w);
        }
    }
    starting_list
}
