//! The tests' own reading of a request: ids resolved, dates and times parsed, each
//! patient's urgency, the per-pair rules and the shared capacities of the model
//! (issue 2, "The model").
//!
//! Architecture invariant: nothing here comes from clinicplan-solver or from the
//! service's code other than the generated protobuf types. The rules are written again
//! from the text, so that a misreading of a rule in the solver cannot hide
//! behind the same misreading here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Days, NaiveDate, NaiveTime, Timelike};
use clinicplan_service::proto;

use super::previous::{Entry, PreviousPlan, Settings, State};

/// Weights w for P1..P4 when the request does not override them.
pub const STANDARD_WEIGHTS: [f64; 4] = [10.0, 4.0, 2.0, 1.0];
/// Target days T for P1..P4 when the request does not override them.
pub const STANDARD_TARGET_DAYS: [u32; 4] = [3, 28, 90, 126];

/// Parses an ISO calendar date ("2026-03-02").
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Parses a 24-hour clock time ("08:30") into minutes after midnight.
pub fn parse_clock_min(text: &str) -> Option<i64> {
    let t = NaiveTime::parse_from_str(text, "%H:%M").ok()?;
    Some(i64::from(t.hour()) * 60 + i64::from(t.minute()))
}

/// The position of a wire priority (P1 → 0 … P4 → 3); `None` when it is not P1..P4.
pub fn priority_rank(priority: i32) -> Option<usize> {
    match priority {
        1..=4 => Some((priority - 1) as usize),
        _ => None,
    }
}

/// One session of the request, parsed.
#[derive(Clone, Debug)]
pub struct SessionView<'a> {
    pub session: &'a proto::Session,
    pub date: NaiveDate,
    /// Days from planning_start (0 = planning_start).
    pub day_idx: i64,
    pub start_min: i64,
    pub end_min: i64,
    pub length_min: i64,
    pub turnaround_min: i64,
}

/// One patient of the request, parsed.
#[derive(Clone, Debug)]
pub struct PatientView<'a> {
    pub patient: &'a proto::Patient,
    /// 0 for P1 … 3 for P4.
    pub priority_idx: usize,
    pub urgency: f64,
    pub duration_min: i64,
    pub stay_days: u64,
    pub unavailable: BTreeSet<NaiveDate>,
}

/// A surgeon of the request, parsed.
#[derive(Clone, Debug)]
pub struct SurgeonView {
    pub max_minutes_per_day: i64,
    pub unavailable: BTreeSet<NaiveDate>,
}

/// The first per-pair rule that keeps a patient out of a session, in the order the
/// issue lists the rules (and the explanations follow).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PairRule {
    Specialty,
    Surgeon,
    Equipment,
    TooLong,
    Unavailable,
}

impl PairRule {
    /// The unscheduled reason a patient gets when this rule is the furthest any session
    /// of their specialty got to.
    pub fn reason(self) -> proto::UnscheduledReason {
        match self {
            PairRule::Specialty => proto::UnscheduledReason::NoSessionForSpecialty,
            PairRule::Surgeon => proto::UnscheduledReason::NoSessionWithSurgeon,
            PairRule::Equipment => proto::UnscheduledReason::NoTheatreWithEquipment,
            PairRule::TooLong => proto::UnscheduledReason::TooLong,
            PairRule::Unavailable => proto::UnscheduledReason::Unavailable,
        }
    }
}

/// A valid request, read by the tests.
pub struct Model<'a> {
    pub horizon_days: i64,
    pub sessions: Vec<SessionView<'a>>,
    pub patients: Vec<PatientView<'a>>,
    pub surgeons: HashMap<&'a str, SurgeonView>,
    pub theatre_equipment: HashMap<&'a str, BTreeSet<&'a str>>,
    pub session_idx: HashMap<&'a str, usize>,
    pub patient_idx: HashMap<&'a str, usize>,
    /// Free ward beds by date; dates without a figure have no limit.
    pub free_beds: BTreeMap<NaiveDate, u32>,
    /// Pinned bookings as (patient_idx, session_idx), standing LOCKED bookings included.
    pub pins: Vec<(usize, usize)>,
    /// Re-planning: the previous plan resolved.
    pub previous: Option<PreviousPlan>,
}

impl<'a> Model<'a> {
    /// Reads a request that the service is expected to accept; any part the tests cannot
    /// read is an error (the tests only give this valid requests).
    pub fn new(request: &'a proto::PlanTheatreListsRequest) -> Result<Self, String> {
        let planning_start = parse_date(&request.planning_start)
            .ok_or_else(|| format!("planning_start '{}' is not a date", request.planning_start))?;

        let turnaround: HashMap<&str, i64> = request
            .specialties
            .iter()
            .map(|s| (s.code.as_str(), i64::from(s.turnaround_min)))
            .collect();
        let theatre_equipment = request
            .theatres
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    t.equipment.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        let surgeons = read_surgeons(request)?;
        let (sessions, session_idx) = read_sessions(request, planning_start, &turnaround)?;
        let (patients, patient_idx) = read_patients(request, planning_start)?;
        let free_beds = read_free_beds(request)?;
        let pins = read_pins(request, &patient_idx, &session_idx)?;

        let mut model = Model {
            horizon_days: i64::from(request.horizon_days),
            sessions,
            patients,
            surgeons,
            theatre_equipment,
            session_idx,
            patient_idx,
            free_beds,
            pins,
            previous: None,
        };
        if let Some(settings) = Settings::read(request, planning_start) {
            model.previous = Some(model.resolve_previous(request, settings));
        }
        Ok(model)
    }

    /// Each previous booking standing or displaced; standing LOCKED bookings become pins
    /// in the previous plan's order while they fit beside the pins before them.
    fn resolve_previous(
        &mut self,
        request: &proto::PlanTheatreListsRequest,
        settings: Settings,
    ) -> PreviousPlan {
        let mut loads = Loads::new(self);
        for &(p, s) in &self.pins {
            loads.add(self, p, s);
        }
        let explicit: HashMap<usize, usize> = self.pins.iter().copied().collect();
        let mut plan = PreviousPlan {
            settings,
            entries: Vec::new(),
            of_patient: HashMap::new(),
            exempt: explicit.clone(),
        };
        for b in &request.previous_plan {
            let patient = self.patient_idx.get(b.patient_id.as_str()).copied();
            let session = self.session_idx.get(b.session_id.as_str()).copied();
            let date = session
                .map(|s| self.sessions[s].date)
                .or_else(|| parse_date(&b.session_date));
            let state = match proto::BookingState::try_from(b.state) {
                Ok(proto::BookingState::Locked) => State::Locked,
                Ok(proto::BookingState::Notified) => State::Notified,
                Ok(proto::BookingState::Draft) => State::Draft,
                _ => plan.settings.state_on(date),
            };
            let mut displaced = match (patient, session) {
                (None, _) => Some("removed from the list"),
                (_, None) => Some("session cancelled"),
                (Some(p), Some(s)) => self.displacement(p, s),
            };
            if let (None, Some(p), Some(s), State::Locked) = (displaced, patient, session, state)
                && !explicit.contains_key(&p)
            {
                if loads.fits(self, p, s) {
                    loads.add(self, p, s);
                    self.pins.push((p, s));
                } else {
                    displaced = Some("no longer fits");
                }
            }
            let standing = if displaced.is_none() { session } else { None };
            if let Some(p) = patient {
                plan.of_patient.insert(p, plan.entries.len());
                if let Some(s) = standing {
                    plan.exempt.entry(p).or_insert(s);
                }
            }
            plan.entries.push(Entry {
                patient_id: b.patient_id.clone(),
                session_id: b.session_id.clone(),
                date,
                state,
                patient,
                standing,
                displaced,
            });
        }
        plan
    }

    /// Why patient p's booking in session s cannot stand, if it cannot.
    fn displacement(&self, p: usize, s: usize) -> Option<&'static str> {
        let session = &self.sessions[s];
        match self.pair_rule_without_notice(p, s) {
            Ok(()) => None,
            Err(_)
                if self.surgeons[session.session.surgeon_id.as_str()]
                    .unavailable
                    .contains(&session.date)
                    && !self.patients[p].unavailable.contains(&session.date) =>
            {
                Some("surgeon unavailable")
            }
            Err(PairRule::Unavailable) if self.patients[p].unavailable.contains(&session.date) => {
                Some("patient unavailable")
            }
            Err(_) => Some("no longer eligible"),
        }
    }

    /// The stability cost of patient p placed in `s` (or waiting): a previous booking
    /// moved costs its state's move cost, taken away its cancel cost.
    pub fn stability(&self, p: usize, s: Option<usize>) -> f64 {
        let Some(plan) = &self.previous else {
            return 0.0;
        };
        let Some(&e) = plan.of_patient.get(&p) else {
            return 0.0;
        };
        let entry = &plan.entries[e];
        match s {
            Some(s) if entry.standing == Some(s) => 0.0,
            Some(_) => plan.settings.move_cost(entry.state),
            None => plan.settings.cancel_cost(entry.state),
        }
    }

    /// The first per-pair rule that keeps patient `p` out of session `s`, if any; when
    /// re-planning, a date sooner than the minimum notice is unavailable, unless it is
    /// the patient's standing previous booking or pin.
    pub fn pair_rule(&self, p: usize, s: usize) -> Result<(), PairRule> {
        self.pair_rule_without_notice(p, s)?;
        if let Some(plan) = &self.previous {
            let earliest = plan.settings.replan_date
                + Days::new(plan.settings.notice_days[self.patients[p].priority_idx] as u64);
            if self.sessions[s].date < earliest && plan.exempt.get(&p) != Some(&s) {
                return Err(PairRule::Unavailable);
            }
        }
        Ok(())
    }

    fn pair_rule_without_notice(&self, p: usize, s: usize) -> Result<(), PairRule> {
        let patient = &self.patients[p];
        let session = &self.sessions[s];
        if patient.patient.specialty != session.session.specialty {
            return Err(PairRule::Specialty);
        }
        if !patient.patient.surgeon_id.is_empty()
            && patient.patient.surgeon_id != session.session.surgeon_id
        {
            return Err(PairRule::Surgeon);
        }
        let equipment = &self.theatre_equipment[session.session.theatre_id.as_str()];
        if !patient
            .patient
            .equipment
            .iter()
            .all(|e| equipment.contains(e.as_str()))
        {
            return Err(PairRule::Equipment);
        }
        let surgeon = &self.surgeons[session.session.surgeon_id.as_str()];
        if patient.duration_min > session.length_min
            || patient.duration_min > surgeon.max_minutes_per_day
        {
            return Err(PairRule::TooLong);
        }
        if patient.unavailable.contains(&session.date)
            || surgeon.unavailable.contains(&session.date)
        {
            return Err(PairRule::Unavailable);
        }
        Ok(())
    }

    /// Every session patient `p` may go to by the per-pair rules.
    pub fn eligible(&self, p: usize) -> Vec<usize> {
        (0..self.sessions.len())
            .filter(|&s| self.pair_rule(p, s).is_ok())
            .collect()
    }

    /// The reason patient `p` is expected to get when left waiting, by the list:
    /// the first rule that rules out every session of their specialty, else outranked.
    pub fn expected_reason(&self, p: usize) -> proto::UnscheduledReason {
        let mut furthest: Option<PairRule> = None;
        let mut any_of_specialty = false;
        for s in 0..self.sessions.len() {
            match self.pair_rule(p, s) {
                Ok(()) => return proto::UnscheduledReason::Outranked,
                Err(PairRule::Specialty) => {}
                Err(rule) => {
                    any_of_specialty = true;
                    furthest = furthest.max(Some(rule));
                }
            }
        }
        match furthest {
            Some(rule) if any_of_specialty => rule.reason(),
            _ => proto::UnscheduledReason::NoSessionForSpecialty,
        }
    }

    /// Weighted-wait cost of patient `p` in session `s`, or left waiting (`None`).
    pub fn cost(&self, p: usize, s: Option<usize>) -> f64 {
        let u = self.patients[p].urgency;
        match s {
            Some(s) => u * (self.sessions[s].day_idx as f64 + 1.0),
            None => u * (self.horizon_days as f64 + 7.0),
        }
    }

    /// The objective if nobody were scheduled (the cancel costs of a re-plan included).
    pub fn nothing_scheduled_cost(&self) -> f64 {
        (0..self.patients.len())
            .map(|p| self.cost(p, None) + self.stability(p, None))
            .sum()
    }

    /// The dates an inpatient operated in session `s` occupies a bed: d … d + L − 1.
    pub fn bed_dates(&self, p: usize, s: usize) -> impl Iterator<Item = NaiveDate> + use<> {
        let date = self.sessions[s].date;
        (0..self.patients[p].stay_days).map(move |k| date + Days::new(k))
    }
}

/// The surgeons by id, with their limits and leave.
fn read_surgeons(
    request: &proto::PlanTheatreListsRequest,
) -> Result<HashMap<&str, SurgeonView>, String> {
    let mut surgeons = HashMap::new();
    for s in &request.surgeons {
        let unavailable = parse_dates(&s.unavailable_dates)
            .map_err(|d| format!("surgeon {}: '{d}' is not a date", s.id))?;
        surgeons.insert(
            s.id.as_str(),
            SurgeonView {
                max_minutes_per_day: i64::from(s.max_minutes_per_day),
                unavailable,
            },
        );
    }
    Ok(surgeons)
}

/// Views of a request's items, and their index by id.
type Indexed<'a, T> = (Vec<T>, HashMap<&'a str, usize>);

/// The sessions with their times and turnaround, and their index by id.
fn read_sessions<'a>(
    request: &'a proto::PlanTheatreListsRequest,
    planning_start: NaiveDate,
    turnaround: &HashMap<&str, i64>,
) -> Result<Indexed<'a, SessionView<'a>>, String> {
    let mut sessions = Vec::new();
    let mut session_idx = HashMap::new();
    for s in &request.sessions {
        let date = parse_date(&s.date).ok_or_else(|| format!("session {}: bad date", s.id))?;
        let start_min =
            parse_clock_min(&s.start_time).ok_or_else(|| format!("session {}: bad start", s.id))?;
        let end_min =
            parse_clock_min(&s.end_time).ok_or_else(|| format!("session {}: bad end", s.id))?;
        let turnaround_min = *turnaround
            .get(s.specialty.as_str())
            .ok_or_else(|| format!("session {}: unknown specialty", s.id))?;
        session_idx.insert(s.id.as_str(), sessions.len());
        sessions.push(SessionView {
            session: s,
            date,
            day_idx: (date - planning_start).num_days(),
            start_min,
            end_min,
            length_min: end_min - start_min,
            turnaround_min,
        });
    }
    Ok((sessions, session_idx))
}

/// The patients with their priority, urgency and leave, and their index by id.
fn read_patients(
    request: &proto::PlanTheatreListsRequest,
    planning_start: NaiveDate,
) -> Result<Indexed<'_, PatientView<'_>>, String> {
    let (weights, target_days) = weights_of(request);
    let mut patients = Vec::new();
    let mut patient_idx = HashMap::new();
    for p in &request.patients {
        let priority_idx =
            priority_rank(p.priority).ok_or_else(|| format!("patient {}: no priority", p.id))?;
        let listed = parse_date(&p.listed_date)
            .ok_or_else(|| format!("patient {}: bad listed_date", p.id))?;
        let waited_days = (planning_start - listed).num_days();
        let urgency = weights[priority_idx]
            * (1.0 + waited_days as f64 / f64::from(target_days[priority_idx]));
        let unavailable = parse_dates(&p.unavailable_dates)
            .map_err(|d| format!("patient {}: '{d}' is not a date", p.id))?;
        patient_idx.insert(p.id.as_str(), patients.len());
        patients.push(PatientView {
            patient: p,
            priority_idx,
            urgency,
            duration_min: i64::from(p.expected_duration_min),
            stay_days: u64::from(p.length_of_stay_days),
            unavailable,
        });
    }
    Ok((patients, patient_idx))
}

/// Free ward beds by date.
fn read_free_beds(
    request: &proto::PlanTheatreListsRequest,
) -> Result<BTreeMap<NaiveDate, u32>, String> {
    let mut free_beds = BTreeMap::new();
    for w in &request.ward_beds {
        let date =
            parse_date(&w.date).ok_or_else(|| format!("ward_beds: bad date '{}'", w.date))?;
        free_beds.insert(date, w.free_beds);
    }
    Ok(free_beds)
}

/// The pins as (patient index, session index).
fn read_pins(
    request: &proto::PlanTheatreListsRequest,
    patient_idx: &HashMap<&str, usize>,
    session_idx: &HashMap<&str, usize>,
) -> Result<Vec<(usize, usize)>, String> {
    let mut pins = Vec::new();
    for b in &request.pinned {
        let p = *patient_idx
            .get(b.patient_id.as_str())
            .ok_or_else(|| format!("pin of unknown patient {}", b.patient_id))?;
        let s = *session_idx
            .get(b.session_id.as_str())
            .ok_or_else(|| format!("pin to unknown session {}", b.session_id))?;
        pins.push((p, s));
    }
    Ok(pins)
}

/// The request's weights and target days, defaults filled in.
pub fn weights_of(request: &proto::PlanTheatreListsRequest) -> ([f64; 4], [u32; 4]) {
    let mut weights = STANDARD_WEIGHTS;
    let mut target_days = STANDARD_TARGET_DAYS;
    if let Some(w) = request.options.as_ref().and_then(|o| o.weights.as_ref()) {
        let given_weights = [w.weight_p1, w.weight_p2, w.weight_p3, w.weight_p4];
        let given_targets = [
            w.target_days_p1,
            w.target_days_p2,
            w.target_days_p3,
            w.target_days_p4,
        ];
        for r in 0..4 {
            if let Some(x) = given_weights[r] {
                weights[r] = x;
            }
            if let Some(t) = given_targets[r] {
                target_days[r] = t;
            }
        }
    }
    (weights, target_days)
}

fn parse_dates(texts: &[String]) -> Result<BTreeSet<NaiveDate>, String> {
    texts
        .iter()
        .map(|t| parse_date(t).ok_or_else(|| t.clone()))
        .collect()
}

/// Capacity used by a set of bookings: session minutes, surgeon minutes per date and
/// ward beds per date (only dates with a figure are counted).
#[derive(Clone, Debug)]
pub struct Loads {
    /// Σ (duration + turnaround) per session.
    session_load_min: Vec<i64>,
    surgeon_day_min: HashMap<(String, NaiveDate), i64>,
    beds_used: BTreeMap<NaiveDate, u32>,
}

impl Loads {
    pub fn new(model: &Model) -> Self {
        Loads {
            session_load_min: vec![0; model.sessions.len()],
            surgeon_day_min: HashMap::new(),
            beds_used: BTreeMap::new(),
        }
    }

    /// Whether booking patient `p` into session `s` keeps every shared capacity.
    pub fn fits(&self, model: &Model, p: usize, s: usize) -> bool {
        let patient = &model.patients[p];
        let session = &model.sessions[s];
        if self.session_load_min[s] + patient.duration_min + session.turnaround_min
            > session.length_min + session.turnaround_min
        {
            return false;
        }
        let key = (session.session.surgeon_id.clone(), session.date);
        let used = self.surgeon_day_min.get(&key).copied().unwrap_or(0);
        if used + patient.duration_min
            > model.surgeons[session.session.surgeon_id.as_str()].max_minutes_per_day
        {
            return false;
        }
        model
            .bed_dates(p, s)
            .all(|date| match model.free_beds.get(&date) {
                Some(&free) => self.beds_used.get(&date).copied().unwrap_or(0) < free,
                None => true,
            })
    }

    pub fn add(&mut self, model: &Model, p: usize, s: usize) {
        let patient = &model.patients[p];
        let session = &model.sessions[s];
        self.session_load_min[s] += patient.duration_min + session.turnaround_min;
        *self
            .surgeon_day_min
            .entry((session.session.surgeon_id.clone(), session.date))
            .or_insert(0) += patient.duration_min;
        for date in model.bed_dates(p, s) {
            if model.free_beds.contains_key(&date) {
                *self.beds_used.entry(date).or_insert(0) += 1;
            }
        }
    }

    pub fn remove(&mut self, model: &Model, p: usize, s: usize) {
        let patient = &model.patients[p];
        let session = &model.sessions[s];
        self.session_load_min[s] -= patient.duration_min + session.turnaround_min;
        if let Some(m) = self
            .surgeon_day_min
            .get_mut(&(session.session.surgeon_id.clone(), session.date))
        {
            *m -= patient.duration_min;
        }
        for date in model.bed_dates(p, s) {
            if let Some(b) = self.beds_used.get_mut(&date) {
                *b -= 1;
            }
        }
    }
}
