//! The lists of a plan: each session at most once and as the request has it, each case
//! allowed, timed back to back, in flag order, and within the session's capacity.

use std::collections::HashMap;

use clinicplan_service::proto;

use super::super::model::{Model, PatientView, SessionView, parse_clock_min};
use super::figures::close;

/// What the walk over the lists found: where each patient is, and the minutes used.
pub(super) struct Lists {
    /// Session index by patient index, for the patients in a list.
    pub placed: HashMap<usize, usize>,
    pub used_minutes: i64,
}

/// Rank of a case in its list by the flag rule (latex allergy first, then children,
/// then diabetics, then unflagged cases, infected cases last). `None` for a case that
/// is both latex-allergic and infected, which the rule cannot place on its own.
fn flag_rank(patient: &proto::Patient) -> Option<u8> {
    let has = |f: proto::CaseFlag| patient.flags.contains(&(f as i32));
    let latex = has(proto::CaseFlag::LatexAllergy);
    let infected = has(proto::CaseFlag::Infected);
    match (latex, infected) {
        (true, true) => None,
        (true, false) => Some(0),
        (false, true) => Some(4),
        (false, false) if has(proto::CaseFlag::Paediatric) => Some(1),
        (false, false) if has(proto::CaseFlag::Diabetic) => Some(2),
        (false, false) => Some(3),
    }
}

fn clock(min: i64) -> String {
    format!("{:02}:{:02}", min.div_euclid(60), min.rem_euclid(60))
}

/// One list's running sums while its cases are walked.
struct ListTally<'r> {
    load_min: i64,
    previous_end: Option<i64>,
    ranks: Vec<(Option<u8>, &'r str)>,
}

/// The walk over the lists, with what it has found so far.
struct Walk<'m, 'a> {
    model: &'m Model<'a>,
    pinned_session: HashMap<usize, usize>,
    placed: HashMap<usize, usize>,
    v: &'m mut Vec<String>,
}

/// Checks every list of `response` and says where each patient is.
pub(super) fn check_lists(
    model: &Model,
    response: &proto::PlanTheatreListsResponse,
    v: &mut Vec<String>,
) -> Lists {
    let mut walk = Walk {
        model,
        pinned_session: model.pins.iter().copied().collect(),
        placed: HashMap::new(),
        v,
    };
    let mut listed_sessions: HashMap<usize, usize> = HashMap::new();
    let mut used_minutes: i64 = 0;
    for (k, plan) in response.sessions.iter().enumerate() {
        let Some(&s) = model.session_idx.get(plan.session_id.as_str()) else {
            walk.v.push(format!(
                "sessions[{k}]: unknown session '{}'",
                plan.session_id
            ));
            continue;
        };
        if let Some(first) = listed_sessions.insert(s, k) {
            walk.v.push(format!(
                "sessions[{k}]: session '{}' is listed twice (also sessions[{first}])",
                plan.session_id
            ));
            continue;
        }
        used_minutes += walk.session(s, plan);
    }
    Lists {
        placed: walk.placed,
        used_minutes,
    }
}

impl Walk<'_, '_> {
    /// Checks one list, in session `s`; returns its used minutes.
    fn session(&mut self, s: usize, plan: &proto::SessionPlan) -> i64 {
        let session = &self.model.sessions[s];
        self.session_echoes(session, plan);
        let mut tally = ListTally {
            load_min: 0,
            previous_end: None,
            ranks: Vec::new(),
        };
        for (j, case) in plan.cases.iter().enumerate() {
            self.case(s, j, case, &mut tally);
        }
        self.session_totals(session, plan, &tally)
    }

    /// The session's own fields must be the request's.
    fn session_echoes(&mut self, session: &SessionView, plan: &proto::SessionPlan) {
        let sid = &session.session.id;
        let echoes = [
            ("theatre_id", &plan.theatre_id, &session.session.theatre_id),
            ("date", &plan.date, &session.session.date),
            ("surgeon_id", &plan.surgeon_id, &session.session.surgeon_id),
            ("specialty", &plan.specialty, &session.session.specialty),
        ];
        for (name, got, want) in echoes {
            if got != want {
                self.v.push(format!(
                    "session {sid}: {name} is '{got}', the request says '{want}'"
                ));
            }
        }
        let plan_start = parse_clock_min(&plan.start_time);
        let plan_end = parse_clock_min(&plan.end_time);
        if plan_start != Some(session.start_min) || plan_end != Some(session.end_min) {
            self.v.push(format!(
                "session {sid}: times {}–{} differ from the request's {}–{}",
                plan.start_time,
                plan.end_time,
                session.session.start_time,
                session.session.end_time
            ));
        }
    }

    /// Checks case `j` of the list in session `s` and adds it to the tally.
    fn case<'r>(&mut self, s: usize, j: usize, case: &'r proto::Case, tally: &mut ListTally<'r>) {
        let model = self.model;
        let session = &model.sessions[s];
        let sid = &session.session.id;
        let pid = &case.patient_id;
        let Some(&p) = model.patient_idx.get(pid.as_str()) else {
            self.v.push(format!(
                "session {sid}: case {j} names unknown patient '{pid}'"
            ));
            return;
        };
        if let Some(&other) = self.placed.get(&p) {
            self.v.push(format!(
                "patient {pid} is in session {sid} and also in session {}",
                model.sessions[other].session.id
            ));
        } else {
            self.placed.insert(p, s);
        }
        let patient = &model.patients[p];
        if let Err(rule) = model.pair_rule(p, s) {
            self.v.push(format!(
                "patient {pid} in session {sid} breaks the {rule:?} rule"
            ));
        }
        self.case_fields(p, patient, case);
        tally.previous_end = Some(self.case_times(session, patient, case, tally.previous_end));
        tally.load_min += patient.duration_min + session.turnaround_min;
        tally.ranks.push((flag_rank(patient.patient), pid.as_str()));
    }

    /// What the case says about its patient must be the request's.
    fn case_fields(&mut self, p: usize, patient: &PatientView, case: &proto::Case) {
        let pid = &case.patient_id;
        if i64::from(case.duration_min) != patient.duration_min {
            self.v.push(format!(
                "patient {pid}: case duration {} ≠ expected duration {}",
                case.duration_min, patient.duration_min
            ));
        }
        if case.priority != patient.patient.priority {
            self.v.push(format!(
                "patient {pid}: case priority {} ≠ {}",
                case.priority, patient.patient.priority
            ));
        }
        if case.procedure != patient.patient.procedure {
            self.v.push(format!(
                "patient {pid}: case procedure '{}' ≠ '{}'",
                case.procedure, patient.patient.procedure
            ));
        }
        if case.pinned != self.pinned_session.contains_key(&p) {
            self.v.push(format!(
                "patient {pid}: case says pinned = {}, the request disagrees",
                case.pinned
            ));
        }
    }

    /// Back to back from the session's start, one turnaround between cases; returns the
    /// case's end (or where it would end, for unreadable times).
    fn case_times(
        &mut self,
        session: &SessionView,
        patient: &PatientView,
        case: &proto::Case,
        previous_end: Option<i64>,
    ) -> i64 {
        let (pid, sid) = (&case.patient_id, &session.session.id);
        let ta = session.turnaround_min;
        let expected_start = match previous_end {
            None => session.start_min,
            Some(end) => end + ta,
        };
        let start = parse_clock_min(&case.start_time);
        let end = parse_clock_min(&case.end_time);
        let (Some(start), Some(end)) = (start, end) else {
            self.v.push(format!(
                "patient {pid} in session {sid}: unreadable times '{}'–'{}'",
                case.start_time, case.end_time
            ));
            return expected_start + patient.duration_min;
        };
        if start != expected_start {
            self.v.push(format!(
                "patient {pid} in session {sid}: starts {}, expected {} (back to back from the start with {ta} min turnaround)",
                case.start_time,
                clock(expected_start)
            ));
        }
        if end - start != patient.duration_min {
            self.v.push(format!(
                "patient {pid} in session {sid}: {}–{} is not its {} minutes",
                case.start_time, case.end_time, patient.duration_min
            ));
        }
        if start < session.start_min || end > session.end_min {
            self.v.push(format!(
                "patient {pid} in session {sid}: {}–{} is outside {}–{}",
                case.start_time,
                case.end_time,
                session.session.start_time,
                session.session.end_time
            ));
        }
        end
    }

    /// Capacity, used minutes, utilisation and the flag order of one list; returns its
    /// used minutes.
    fn session_totals(
        &mut self,
        session: &SessionView,
        plan: &proto::SessionPlan,
        tally: &ListTally,
    ) -> i64 {
        let sid = &session.session.id;
        let ta = session.turnaround_min;
        // Session capacity: Σ (duration + turnaround) ≤ length + turnaround.
        if tally.load_min > session.length_min + ta {
            self.v.push(format!(
                "session {sid}: Σ(duration + turnaround) = {} > length {} + turnaround {ta}",
                tally.load_min, session.length_min
            ));
        }
        let used = tally.previous_end.map_or(0, |end| end - session.start_min);
        if i64::from(plan.used_minutes) != used {
            self.v.push(format!(
                "session {sid}: used_minutes {} ≠ {used}",
                plan.used_minutes
            ));
        }
        let utilisation = used as f64 / session.length_min as f64;
        if !close(plan.utilisation, utilisation) {
            self.v.push(format!(
                "session {sid}: utilisation {} ≠ {utilisation}",
                plan.utilisation
            ));
        }
        // The flag rule: no case may come after one with a higher rank.
        let ranks = &tally.ranks;
        for a in 0..ranks.len() {
            for b in a + 1..ranks.len() {
                if let ((Some(ra), pa), (Some(rb), pb)) = (ranks[a], ranks[b])
                    && ra > rb
                {
                    self.v.push(format!(
                        "session {sid}: {pa} (flag rank {ra}) comes before {pb} (flag rank {rb})"
                    ));
                }
            }
        }
        used
    }
}
