//! A FHIR R4 (UK Core) Bundle to a [`TheatreRequest`]: the same request the JSON and
//! CSV paths build, so that validation, planning and the check are shared.
//!
//! `Location` → theatres (or, with physical type `wa`, ward beds); `PractitionerRole`
//! → surgeons; `Schedule` + `Slot` → sessions; `ServiceRequest` → the waiting list
//! (this file); `Appointment` → pins (read_list.rs). The mapping, element by element,
//! is docs/fhir.md. Reading is all or nothing: every unusable resource is a
//! [`FhirProblem`](super::FhirProblem) naming its entry, `fullUrl` and element.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use clinicplan_solver::theatre::input::*;

use super::bundle::{BundleIndex, Entry, Problems};
use super::codes::*;
use super::element::{Quantity, Reference, extensions};
use super::error::FhirError;
use super::london;
use super::origins::FhirOrigins;
use super::read_list;
use super::reader::{Reader, duration, ext_path, ext_value};
use super::resources::{Location, PractitionerRole, Schedule, Slot};

/// The plan's first day and length, when not taken from the bundle.
#[derive(Clone, Copy, Debug, Default)]
pub struct FhirReadOptions {
    /// Default: every Schedule's `planningHorizon.start` when they agree, else the
    /// earliest session date.
    pub planning_start: Option<NaiveDate>,
    /// Default: through every Schedule's `planningHorizon.end` when they agree, else
    /// through the latest session date.
    pub horizon_days: Option<u32>,
}

/// A request read from a bundle, with what the plan's Appointments need to refer back.
#[derive(Clone, Debug, Default)]
pub struct FhirTheatreImport {
    pub request: TheatreRequest,
    pub origins: FhirOrigins,
    /// The patient (`ServiceRequest.subject`) of each waiting-list entry, by its id.
    pub subjects: BTreeMap<String, Reference>,
    /// The id of the booked Appointment each pinned patient already has.
    pub appointment_ids: BTreeMap<String, String>,
}

/// A schedule's part of its slots' sessions.
#[derive(Clone, Debug, Default)]
struct ScheduleRead {
    theatre_id: String,
    surgeon_id: String,
    specialty: Option<String>,
    turnaround: Option<u32>,
    horizon: Option<(NaiveDate, NaiveDate)>,
}

/// Reads a Bundle (JSON text) into a theatre request (default options), or returns
/// every problem found in it.
pub fn read_theatre_bundle(
    text: &str,
    options: &FhirReadOptions,
) -> Result<FhirTheatreImport, FhirError> {
    let mut problems = Problems::default();
    let index = BundleIndex::parse(text, &mut problems)?;
    let mut r = Reader {
        index: &index,
        problems,
        origins: FhirOrigins::default(),
    };
    let (theatres, ward_beds) = r.locations();
    let surgeons = r.roles();
    let schedules = r.schedules(&surgeons);
    let sessions = r.slots(&schedules);
    let waiting = read_list::service_requests(&mut r, &surgeons);
    let pins = read_list::appointments(&mut r);
    let specialties = specialties(&schedules, &surgeons, &sessions, &waiting.patients);
    let (planning_start, horizon_days) = horizon(options, &schedules, &sessions, &mut r);
    let request = TheatreRequest {
        planning_start,
        horizon_days,
        theatres,
        surgeons,
        sessions,
        patients: waiting.patients,
        specialties,
        ward_beds,
        pinned: pins.pinned,
        options: OptionsInput::default(),
        previous_plan: Vec::new(),
        replan: None,
    };
    let import = FhirTheatreImport {
        request,
        origins: r.origins,
        subjects: waiting.subjects,
        appointment_ids: pins.appointment_ids,
    };
    r.problems.finish(import)
}

impl Reader<'_> {
    /// Theatres (rooms) and ward beds (wards, physical type `wa`).
    fn locations(&mut self) -> (Vec<TheatreInput>, Vec<WardBedsInput>) {
        let mut theatres = Vec::new();
        let mut beds: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        let mut bed_origin: BTreeMap<NaiveDate, Entry> = BTreeMap::new();
        for entry in self.index.of_type("Location") {
            let Some(l) = BundleIndex::typed::<Location>(entry, &mut self.problems) else {
                continue;
            };
            let ward = l
                .physical_type
                .as_ref()
                .and_then(|p| p.code(Some(PHYSICAL_TYPE_SYSTEM)))
                == Some("wa");
            if ward {
                for (date, free) in self.free_beds(entry, &l) {
                    *beds.entry(date).or_default() += free;
                    bed_origin.entry(date).or_insert_with(|| entry.clone());
                }
                continue;
            }
            let Some(id) = self.id(entry, "theatre") else {
                continue;
            };
            let mut equipment: Vec<String> = extensions(&l.extension, EQUIPMENT_NEEDED)
                .filter_map(|(_, e)| e.text().map(str::to_string))
                .collect();
            equipment.extend(l.kind.iter().flat_map(|t| {
                t.coding
                    .iter()
                    .filter(|c| c.system.as_deref() == Some(EQUIPMENT_SYSTEM))
                    .filter_map(|c| c.code.clone())
            }));
            self.origins.push("theatres", entry);
            theatres.push(TheatreInput {
                id,
                name: l.name.unwrap_or_default(),
                equipment,
            });
        }
        let ward_beds = beds
            .into_iter()
            .map(|(date, free_beds)| {
                self.origins.push("ward_beds", &bed_origin[&date]);
                WardBedsInput {
                    date: date.format("%Y-%m-%d").to_string(),
                    free_beds,
                }
            })
            .collect();
        (theatres, ward_beds)
    }

    /// A ward's `free-beds` extensions: (`date`, `beds`) pairs.
    fn free_beds(&mut self, entry: &Entry, l: &Location) -> Vec<(NaiveDate, u32)> {
        let mut out = Vec::new();
        for (i, e) in extensions(&l.extension, FREE_BEDS) {
            let date = e
                .extension
                .iter()
                .find(|x| x.url == "date")
                .and_then(|x| ext_value::<String>(x, "Date"))
                .and_then(|d| london::parse_date(&d));
            let free = e
                .extension
                .iter()
                .find(|x| x.url == "beds")
                .and_then(|x| ext_value::<u32>(x, "UnsignedInt"));
            match (date, free) {
                (Some(d), Some(f)) => out.push((d, f)),
                _ => self.problems.at(
                    entry,
                    &ext_path(i, FREE_BEDS, "extension"),
                    "give a 'date' (valueDate) and 'beds' (valueUnsignedInt)",
                ),
            }
        }
        out
    }

    /// Surgeons, one per PractitionerRole.
    fn roles(&mut self) -> Vec<SurgeonInput> {
        let mut surgeons = Vec::new();
        for entry in self.index.of_type("PractitionerRole") {
            let Some(role) = BundleIndex::typed::<PractitionerRole>(entry, &mut self.problems)
            else {
                continue;
            };
            let Some(id) = self.id(entry, "surgeon") else {
                continue;
            };
            let specialty = role.specialty.first().and_then(|s| s.code(None));
            if specialty.is_none() {
                self.problems.at(
                    entry,
                    "specialty",
                    "missing: give the surgeon's specialty code",
                );
            }
            let max = match extensions(&role.extension, MAX_MINUTES_PER_DAY).next() {
                Some((i, e)) => ext_value::<u32>(e, "UnsignedInt").or_else(|| {
                    let path = ext_path(i, MAX_MINUTES_PER_DAY, "valueUnsignedInt");
                    self.problems
                        .at(entry, &path, "not a whole number of minutes");
                    None
                }),
                None => {
                    let path = format!("extension('{MAX_MINUTES_PER_DAY}')");
                    self.problems.at(
                        entry,
                        &path,
                        "missing: give the surgeon's operating minutes a day",
                    );
                    None
                }
            };
            let unavailable_dates = self.not_available(entry, &role);
            let name = self.practitioner_name(role.practitioner.as_ref());
            self.origins.push("surgeons", entry);
            surgeons.push(SurgeonInput {
                id,
                name,
                specialty: specialty.unwrap_or_default().to_string(),
                max_minutes_per_day: max.unwrap_or_default(),
                unavailable_dates,
            });
        }
        surgeons
    }

    /// The practitioner's display, or the name of the Practitioner in the bundle.
    fn practitioner_name(&self, practitioner: Option<&Reference>) -> String {
        let Some(p) = practitioner else {
            return String::new();
        };
        if let Some(d) = &p.display {
            return d.clone();
        }
        p.reference
            .as_deref()
            .and_then(|r| self.index.resolve(r))
            .and_then(|e| {
                serde_json::from_value::<super::resources::Practitioner>(e.resource.clone()).ok()
            })
            .map(|p| p.display_name())
            .unwrap_or_default()
    }

    /// Every date of each `notAvailable.during`.
    fn not_available(&mut self, entry: &Entry, role: &PractitionerRole) -> Vec<String> {
        let mut dates = BTreeSet::new();
        for (i, n) in role.not_available.iter().enumerate() {
            let during = n.during.as_ref();
            let start = during
                .and_then(|d| d.start.as_deref())
                .and_then(london::parse_date);
            let end = during
                .and_then(|d| d.end.as_deref().or(d.start.as_deref()))
                .and_then(london::parse_date);
            match (start, end) {
                (Some(s), Some(e)) if s <= e && (e - s).num_days() <= 366 => {
                    dates.extend(s.iter_days().take_while(|d| *d <= e));
                }
                _ => self.problems.at(
                    entry,
                    &format!("notAvailable[{i}].during"),
                    "give a start and an end date (at most a year apart)",
                ),
            }
        }
        dates
            .iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect()
    }

    /// Each Schedule's theatre, surgeon, specialty, turnaround and horizon, by entry.
    fn schedules(&mut self, surgeons: &[SurgeonInput]) -> BTreeMap<usize, ScheduleRead> {
        let mut out = BTreeMap::new();
        for entry in self.index.of_type("Schedule") {
            let Some(s) = BundleIndex::typed::<Schedule>(entry, &mut self.problems) else {
                continue;
            };
            let mut read = ScheduleRead::default();
            for (i, actor) in s.actor.iter().enumerate() {
                let element = format!("actor[{i}]");
                let kinds = ["Location", "PractitionerRole"];
                let Some(target) = self.target(entry, &element, actor, &kinds) else {
                    continue;
                };
                let id = target.id.clone().unwrap_or_default();
                let slot = if target.resource_type == "Location" {
                    &mut read.theatre_id
                } else {
                    &mut read.surgeon_id
                };
                if !slot.is_empty() {
                    self.problems
                        .at(entry, &element, "a second actor of this type: give one");
                }
                *slot = id;
            }
            if read.theatre_id.is_empty() && !s.actor.is_empty() {
                self.problems
                    .at(entry, "actor", "no Location: name the theatre (a Location)");
            }
            read.specialty = s
                .specialty
                .first()
                .and_then(|c| c.code(None))
                .map(str::to_string)
                .or_else(|| {
                    let surgeon = surgeons.iter().find(|x| x.id == read.surgeon_id)?;
                    Some(surgeon.specialty.clone()).filter(|c| !c.is_empty())
                });
            read.turnaround = self.turnaround(entry, &s);
            read.horizon = s.planning_horizon.as_ref().and_then(|p| {
                let start = london::parse_date(p.start.as_deref()?)?;
                Some((start, london::parse_date(p.end.as_deref()?)?))
            });
            out.insert(entry.index, read);
        }
        out
    }

    fn turnaround(&mut self, entry: &Entry, s: &Schedule) -> Option<u32> {
        let (i, e) = extensions(&s.extension, TURNAROUND).next()?;
        let q = ext_value::<Quantity>(e, "Duration");
        match q.as_ref().map(|q| duration(q, false)) {
            Some(Ok(m)) => Some(m),
            Some(Err(why)) => {
                let path = ext_path(i, TURNAROUND, "valueDuration");
                self.problems.at(entry, &path, why);
                None
            }
            None => {
                let path = ext_path(i, TURNAROUND, "valueDuration");
                self.problems.at(entry, &path, "missing: give a Duration");
                None
            }
        }
    }

    /// Sessions, one per Slot of status `free` or `busy`.
    fn slots(&mut self, schedules: &BTreeMap<usize, ScheduleRead>) -> Vec<SessionInput> {
        let mut sessions = Vec::new();
        for entry in self.index.of_type("Slot") {
            let Some(slot) = BundleIndex::typed::<Slot>(entry, &mut self.problems) else {
                continue;
            };
            match slot.status.as_deref() {
                Some("free" | "busy") => {}
                Some("busy-unavailable" | "busy-tentative" | "entered-in-error") => continue,
                other => {
                    let why = format!(
                        "{other:?}: give free or busy (busy-unavailable, busy-tentative and entered-in-error slots are skipped)"
                    );
                    self.problems.at(entry, "status", why);
                    continue;
                }
            }
            let id = self.id(entry, "session");
            let schedule = match &slot.schedule {
                Some(r) => self
                    .target(entry, "schedule", r, &["Schedule"])
                    .and_then(|t| schedules.get(&t.index))
                    .cloned(),
                None => {
                    self.problems
                        .at(entry, "schedule", "missing: name the session's Schedule");
                    None
                }
            };
            let times = self.slot_times(entry, &slot);
            let specialty = slot
                .specialty
                .first()
                .and_then(|c| c.code(None))
                .map(str::to_string)
                .or_else(|| schedule.as_ref().and_then(|s| s.specialty.clone()));
            let (Some(id), Some(schedule), Some((date, start, end))) = (id, schedule, times) else {
                continue;
            };
            let Some(specialty) = specialty else {
                self.problems.at(
                    entry,
                    "specialty",
                    "missing: give the session's specialty on the Slot, its Schedule or the Schedule's PractitionerRole",
                );
                continue;
            };
            self.origins.push("sessions", entry);
            sessions.push(SessionInput {
                id,
                theatre_id: schedule.theatre_id,
                date,
                start_time: start,
                end_time: end,
                specialty,
                surgeon_id: schedule.surgeon_id,
            });
        }
        sessions
    }

    /// The slot's local date and "HH:MM" start and end (to the nearest minute).
    fn slot_times(&mut self, entry: &Entry, slot: &Slot) -> Option<(String, String, String)> {
        let mut at = |element: &str, text: Option<&str>| {
            let parsed = text.and_then(london::parse_instant);
            if parsed.is_none() {
                let why = format!(
                    "{text:?}: give an instant with its offset (2026-03-02T08:00:00+00:00)"
                );
                self.problems.at(entry, element, why);
            }
            parsed.map(|t| {
                let rounded = t + chrono::Duration::seconds(30);
                rounded - chrono::Duration::seconds(i64::from(chrono::Timelike::second(&rounded)))
            })
        };
        let start = at("start", slot.start.as_deref());
        let end = at("end", slot.end.as_deref());
        let (start, end) = (start?, end?);
        if start.date() != end.date() || end <= start {
            self.problems.at(
                entry,
                "end",
                "the slot must end after it starts, on the same day",
            );
            return None;
        }
        Some((
            start.date().format("%Y-%m-%d").to_string(),
            start.format("%H:%M").to_string(),
            end.format("%H:%M").to_string(),
        ))
    }
}

/// Every specialty code named, in order of first mention (Schedules, then surgeons,
/// sessions and patients), with the largest turnaround its Schedules state (0 when
/// none does).
fn specialties(
    schedules: &BTreeMap<usize, ScheduleRead>,
    surgeons: &[SurgeonInput],
    sessions: &[SessionInput],
    patients: &[PatientInput],
) -> Vec<SpecialtyInput> {
    let mut out: Vec<SpecialtyInput> = Vec::new();
    let mut add = |code: &str, turnaround: u32| {
        if code.is_empty() {
            return;
        }
        match out.iter_mut().find(|s| s.code == code) {
            Some(s) => s.turnaround_min = s.turnaround_min.max(turnaround),
            None => out.push(SpecialtyInput {
                code: code.to_string(),
                turnaround_min: turnaround,
            }),
        }
    };
    for s in schedules.values() {
        if let Some(code) = &s.specialty {
            add(code, s.turnaround.unwrap_or_default());
        }
    }
    let named = surgeons
        .iter()
        .map(|s| &s.specialty)
        .chain(sessions.iter().map(|s| &s.specialty))
        .chain(patients.iter().map(|p| &p.specialty));
    for code in named {
        add(code, 0);
    }
    out
}

/// The planning start and horizon: the options, else the Schedules' common
/// `planningHorizon`, else the sessions' first and last dates.
fn horizon(
    options: &FhirReadOptions,
    schedules: &BTreeMap<usize, ScheduleRead>,
    sessions: &[SessionInput],
    r: &mut Reader<'_>,
) -> (String, u32) {
    let stated: BTreeSet<_> = schedules.values().map(|s| s.horizon).collect();
    let common = match stated.iter().collect::<Vec<_>>().as_slice() {
        [Some(h)] => Some(*h),
        _ => None,
    };
    let dates: Vec<NaiveDate> = sessions
        .iter()
        .filter_map(|s| NaiveDate::parse_from_str(&s.date, "%Y-%m-%d").ok())
        .collect();
    let first = common.map(|h| h.0).or(dates.iter().min().copied());
    let last = common.map(|h| h.1).or(dates.iter().max().copied());
    let start = options.planning_start.or(first);
    let days = match (options.horizon_days, start, last) {
        (Some(h), _, _) => h,
        (None, Some(s), Some(l)) => ((l - s).num_days() + 1).max(1) as u32,
        _ => 0,
    };
    if start.is_none() {
        r.problems.bundle(
            "Bundle.entry",
            "no sessions: give Slots (or --planning-start and --horizon-days)",
        );
    }
    (
        start
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        days,
    )
}
