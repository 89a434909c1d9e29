//! The only way to build an [`Instance`]: every rule of docs/errors.md checked, every
//! violation collected (never only the first), each naming the offending field by its
//! path in the request (`patients[17].surgeon_id`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::theatre::capacity::{Loads, Overrun};
use crate::theatre::domain::*;
use crate::theatre::eligibility::{check_pair, eligible_sessions};
use crate::theatre::input::*;
use crate::validation::{
    Collector, MAX_DURATION_MIN, MAX_HORIZON_DAYS, MAX_LENGTH_OF_STAY_DAYS, MAX_THREADS,
    ValidationErrors, unknown,
};

fn priority(p: PriorityInput) -> Option<Priority> {
    match p {
        PriorityInput::P1 => Some(Priority::P1),
        PriorityInput::P2 => Some(Priority::P2),
        PriorityInput::P3 => Some(Priority::P3),
        PriorityInput::P4 => Some(Priority::P4),
        PriorityInput::Unspecified | PriorityInput::Unknown(_) => None,
    }
}

fn options(c: &mut Collector, o: &OptionsInput) -> SolveOptions {
    let mip_rel_gap = match o.mip_rel_gap {
        None => 1e-4,
        Some(g) if g.is_finite() && (0.0..=1.0).contains(&g) => g,
        Some(g) => {
            c.push(
                "CP1050",
                "options.mip_rel_gap",
                format!("{g} is not a relative gap: give a number from 0 to 1"),
            );
            1e-4
        }
    };
    if o.threads > MAX_THREADS {
        c.push(
            "CP1051",
            "options.threads",
            format!("{} threads: at most {MAX_THREADS}", o.threads),
        );
    }
    let policy = match o.objective {
        ObjectiveInput::Unspecified | ObjectiveInput::WeightedWait => ObjectivePolicy::WeightedWait,
        ObjectiveInput::PriorityOrder => ObjectivePolicy::PriorityOrder,
        ObjectiveInput::Unknown(v) => {
            c.push(
                "CP1052",
                "options.objective",
                format!("{v} is not a known objective policy"),
            );
            ObjectivePolicy::WeightedWait
        }
    };
    let mut weights = ObjectiveWeights::STANDARD;
    for r in 0..4 {
        if let Some(w) = o.weights[r] {
            if w.is_finite() && w > 0.0 && w <= 1e6 {
                weights.weight[r] = w;
            } else {
                c.push(
                    "CP1053",
                    format!("options.weights.weight_p{}", r + 1),
                    format!("{w} is not a weight: give a positive number up to 1e6"),
                );
            }
        }
        if let Some(t) = o.target_days[r] {
            if (1..=3650).contains(&t) {
                weights.target_days[r] = t;
            } else {
                c.push(
                    "CP1053",
                    format!("options.weights.target_days_p{}", r + 1),
                    format!("{t} is not a target: give 1 to 3650 days"),
                );
            }
        }
    }
    SolveOptions {
        time_limit_ms: (o.time_limit_ms > 0).then_some(o.time_limit_ms),
        mip_rel_gap,
        threads: o.threads.max(1),
        policy,
        weights,
        solver_log: o.solver_log,
        local_search_only: o.local_search_only,
    }
}

/// Validates a request and builds the [`Instance`], or lists every problem found.
pub fn validate(req: &TheatreRequest) -> Result<Instance, ValidationErrors> {
    let mut c = Collector { errors: Vec::new() };

    let planning_start = c.date("planning_start".into(), &req.planning_start);
    if req.horizon_days == 0 || req.horizon_days > MAX_HORIZON_DAYS {
        c.push(
            "CP1002",
            "horizon_days",
            format!(
                "{} days: the horizon must be 1 to {MAX_HORIZON_DAYS} days",
                req.horizon_days
            ),
        );
    }
    let options = options(&mut c, &req.options);

    // Specialties.
    let specialty_ids = c.ids(
        "specialties",
        req.specialties.iter().map(|s| s.code.as_str()),
        "code",
    );
    let specialties: Vec<Specialty> = req
        .specialties
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if s.turnaround_min > MAX_DURATION_MIN {
                c.push(
                    "CP1041",
                    format!("specialties[{i}].turnaround_min"),
                    format!("{} minutes: at most {MAX_DURATION_MIN}", s.turnaround_min),
                );
            }
            Specialty {
                code: s.code.clone(),
                turnaround_min: s.turnaround_min.min(MAX_DURATION_MIN),
            }
        })
        .collect();

    // Theatres.
    let theatre_ids = c.ids("theatres", req.theatres.iter().map(|t| t.id.as_str()), "id");
    let theatres: Vec<Theatre> = req
        .theatres
        .iter()
        .map(|t| Theatre {
            id: t.id.clone(),
            name: t.name.clone(),
            equipment: t.equipment.iter().cloned().collect(),
        })
        .collect();

    // Surgeons.
    let surgeon_ids = c.ids("surgeons", req.surgeons.iter().map(|s| s.id.as_str()), "id");
    let surgeons: Vec<Surgeon> = req
        .surgeons
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if !s.specialty.is_empty() && !specialty_ids.contains_key(s.specialty.as_str()) {
                unknown(
                    &mut c,
                    format!("surgeons[{i}].specialty"),
                    "specialty",
                    &s.specialty,
                );
            }
            if s.max_minutes_per_day == 0 {
                c.push(
                    "CP1040",
                    format!("surgeons[{i}].max_minutes_per_day"),
                    "is 0: give the operating minutes the surgeon may do in a day",
                );
            }
            Surgeon {
                id: s.id.clone(),
                name: s.name.clone(),
                specialty: s.specialty.clone(),
                max_minutes_per_day: s.max_minutes_per_day,
                unavailable: c.dates(
                    &format!("surgeons[{i}].unavailable_dates"),
                    &s.unavailable_dates,
                ),
            }
        })
        .collect();

    // Sessions.
    let session_ids = c.ids("sessions", req.sessions.iter().map(|s| s.id.as_str()), "id");
    // (request position, session) for the sessions that parsed completely.
    let mut sessions: Vec<(u32, Session)> = Vec::new();
    for (i, s) in req.sessions.iter().enumerate() {
        let f = |name: &str| format!("sessions[{i}].{name}");
        let theatre = theatre_ids.get(s.theatre_id.as_str()).copied();
        if theatre.is_none() {
            unknown(&mut c, f("theatre_id"), "theatre", &s.theatre_id);
        }
        let specialty = specialty_ids.get(s.specialty.as_str()).copied();
        if specialty.is_none() {
            unknown(&mut c, f("specialty"), "specialty", &s.specialty);
        }
        let surgeon = surgeon_ids.get(s.surgeon_id.as_str()).copied();
        if surgeon.is_none() {
            unknown(&mut c, f("surgeon_id"), "surgeon", &s.surgeon_id);
        }
        let date = c.date(f("date"), &s.date);
        let start = c.time(f("start_time"), &s.start_time);
        let end = c.time(f("end_time"), &s.end_time);
        if let (Some(start), Some(end)) = (start, end)
            && end <= start
        {
            c.push(
                    "CP1032",
                    f("end_time"),
                    format!(
                        "the session ends at {} but starts at {}: it must end after it starts (on the same day)",
                        s.end_time, s.start_time
                    ),
                );
        }
        let mut day = None;
        if let (Some(date), Some(ps)) = (date, planning_start) {
            let offset = (date - ps).num_days();
            if offset < 0 || offset >= i64::from(req.horizon_days) {
                c.push(
                    "CP1033",
                    f("date"),
                    format!(
                        "{date} is outside the horizon ({ps} for {} days)",
                        req.horizon_days
                    ),
                );
            } else {
                day = Some(offset as u32);
            }
        }
        if let (Some(t), Some(sp), Some(k), Some(date), Some(day), Some(start), Some(end)) =
            (theatre, specialty, surgeon, date, day, start, end)
            && end > start
        {
            sessions.push((
                i as u32,
                Session {
                    id: s.id.clone(),
                    theatre: TheatreIdx(t),
                    date,
                    day,
                    start,
                    end,
                    length_min: (end - start).num_minutes() as u32,
                    specialty: SpecialtyIdx(sp),
                    surgeon: SurgeonIdx(k),
                },
            ));
        }
    }
    // Overlaps in one theatre or for one surgeon on one day.
    overlaps(&mut c, &sessions, "theatre", |s| s.theatre.0, "CP1034");
    overlaps(&mut c, &sessions, "surgeon", |s| s.surgeon.0, "CP1035");

    // Patients.
    let patient_ids = c.ids("patients", req.patients.iter().map(|p| p.id.as_str()), "id");
    let mut patients = Vec::with_capacity(req.patients.len());
    for (i, p) in req.patients.iter().enumerate() {
        let f = |name: &str| format!("patients[{i}].{name}");
        let specialty = specialty_ids.get(p.specialty.as_str()).copied();
        if specialty.is_none() {
            unknown(&mut c, f("specialty"), "specialty", &p.specialty);
        }
        if p.expected_duration_min == 0 || p.expected_duration_min > MAX_DURATION_MIN {
            c.push(
                "CP1040",
                f("expected_duration_min"),
                format!(
                    "{} minutes: a case takes 1 to {MAX_DURATION_MIN} minutes",
                    p.expected_duration_min
                ),
            );
        }
        let prio = priority(p.priority);
        if prio.is_none() {
            c.push(
                "CP1042",
                f("priority"),
                "missing or unknown: give PRIORITY_P1 to PRIORITY_P4",
            );
        }
        let listed = c.date(f("listed_date"), &p.listed_date);
        if let (Some(l), Some(ps)) = (listed, planning_start)
            && l > ps
        {
            c.push(
                    "CP1043",
                    f("listed_date"),
                    format!("{l} is after the planning start {ps}: a patient is listed before they are planned"),
                );
        }
        let surgeon = if p.surgeon_id.is_empty() {
            Some(None)
        } else {
            match surgeon_ids.get(p.surgeon_id.as_str()) {
                Some(&k) => Some(Some(SurgeonIdx(k))),
                None => {
                    unknown(&mut c, f("surgeon_id"), "surgeon", &p.surgeon_id);
                    None
                }
            }
        };
        if p.length_of_stay_days > MAX_LENGTH_OF_STAY_DAYS {
            c.push(
                "CP1044",
                f("length_of_stay_days"),
                format!(
                    "{} days: at most {MAX_LENGTH_OF_STAY_DAYS}",
                    p.length_of_stay_days
                ),
            );
        }
        let mut flags = BTreeSet::new();
        for (j, flag) in p.flags.iter().enumerate() {
            match flag {
                FlagInput::LatexAllergy => flags.insert(CaseFlag::LatexAllergy),
                FlagInput::Paediatric => flags.insert(CaseFlag::Paediatric),
                FlagInput::Diabetic => flags.insert(CaseFlag::Diabetic),
                FlagInput::Infected => flags.insert(CaseFlag::Infected),
                FlagInput::Unknown(v) => {
                    c.push(
                        "CP1045",
                        format!("patients[{i}].flags[{j}]"),
                        format!("{v} is not a known flag"),
                    );
                    false
                }
            };
        }
        let unavailable = c.dates(&f("unavailable_dates"), &p.unavailable_dates);
        if let (Some(sp), Some(prio), Some(l), Some(ps), Some(surgeon)) =
            (specialty, prio, listed, planning_start, surgeon)
        {
            patients.push(Patient {
                id: p.id.clone(),
                specialty: SpecialtyIdx(sp),
                procedure: p.procedure.clone(),
                duration_min: p.expected_duration_min.clamp(1, MAX_DURATION_MIN),
                priority: prio,
                listed_date: l,
                waited_days: (ps - l).num_days().max(0) as u32,
                surgeon,
                equipment: p.equipment.iter().cloned().collect(),
                length_of_stay_days: p.length_of_stay_days.min(MAX_LENGTH_OF_STAY_DAYS),
                unavailable,
                flags,
            });
        }
    }

    // Ward beds.
    let mut free_beds = BTreeMap::new();
    for (i, w) in req.ward_beds.iter().enumerate() {
        if let (Some(d), Some(ps)) = (
            c.date(format!("ward_beds[{i}].date"), &w.date),
            planning_start,
        ) && free_beds.insert((d - ps).num_days(), w.free_beds).is_some()
        {
            c.push(
                "CP1011",
                format!("ward_beds[{i}].date"),
                format!("{d} is given twice: give one figure per day"),
            );
        }
    }

    // Pins: ids first; eligibility and capacity once the instance exists.
    let mut pin_refs: Vec<(usize, u32, u32)> = Vec::new();
    let mut pinned_patients: HashMap<u32, usize> = HashMap::new();
    for (i, b) in req.pinned.iter().enumerate() {
        let p = patient_ids.get(b.patient_id.as_str()).copied();
        if p.is_none() {
            unknown(
                &mut c,
                format!("pinned[{i}].patient_id"),
                "patient",
                &b.patient_id,
            );
        }
        let s = session_ids.get(b.session_id.as_str()).copied();
        if s.is_none() {
            unknown(
                &mut c,
                format!("pinned[{i}].session_id"),
                "session",
                &b.session_id,
            );
        }
        if let Some(p) = p
            && let Some(first) = pinned_patients.insert(p, i)
        {
            pinned_patients.insert(p, first);
            c.push(
                    "CP1060",
                    format!("pinned[{i}].patient_id"),
                    format!(
                        "patient '{}' is already pinned by pinned[{first}]: a patient goes at most once",
                        b.patient_id
                    ),
                );
            continue;
        }
        if let (Some(p), Some(s)) = (p, s) {
            pin_refs.push((i, p, s));
        }
    }

    if !c.errors.is_empty() {
        return Err(ValidationErrors(c.errors));
    }
    // Everything parsed: positions in the request equal positions in `patients`.
    let planning_start = planning_start.expect("checked above");

    // Sessions in a fixed order: day, start, theatre id, session id.
    sessions.sort_by(|(_, a), (_, b)| {
        (a.day, a.start, &theatres[a.theatre.idx()].id, &a.id).cmp(&(
            b.day,
            b.start,
            &theatres[b.theatre.idx()].id,
            &b.id,
        ))
    });
    let mut session_position = vec![0u32; req.sessions.len()];
    for (new, (old, _)) in sessions.iter().enumerate() {
        session_position[*old as usize] = new as u32;
    }
    let sessions: Vec<Session> = sessions.into_iter().map(|(_, s)| s).collect();

    let urgency = patients
        .iter()
        .map(|p: &Patient| {
            crate::theatre::domain::urgency(&options.weights, p.priority, p.waited_days)
        })
        .collect();
    let mut instance = Instance {
        planning_start,
        horizon_days: req.horizon_days,
        theatres,
        surgeons,
        specialties,
        sessions,
        patients,
        free_beds,
        pinned: Vec::new(),
        options,
        eligible: Vec::new(),
        urgency,
    };
    instance.eligible = eligible_sessions(&instance);

    // Pins must satisfy every hard rule, alone and together.
    let mut loads = Loads::new(&instance);
    for (i, p, s_old) in pin_refs {
        let p = PatientIdx(p);
        let s = SessionIdx(session_position[s_old as usize]);
        if let Err(why) = check_pair(&instance, p, s) {
            c.push(
                "CP1061",
                format!("pinned[{i}].session_id"),
                format!(
                    "patient '{}' cannot go to session '{}': {}",
                    instance.patient(p).id,
                    instance.session(s).id,
                    why.describe()
                ),
            );
            continue;
        }
        if let Err(over) = loads.check(&instance, p, s) {
            let what = match over {
                Overrun::SessionMinutes => "the pinned cases overfill the session".to_string(),
                Overrun::SurgeonMinutes => {
                    "the pinned cases exceed the surgeon's operating minutes that day".to_string()
                }
                Overrun::WardBeds(day) => format!(
                    "the pinned inpatients need more ward beds than are free on {}",
                    planning_start + chrono::Days::new(day.max(0) as u64)
                ),
            };
            c.push(
                "CP1062",
                format!("pinned[{i}]"),
                format!(
                    "pinning patient '{}' to session '{}' breaks a hard rule: {what}",
                    instance.patient(p).id,
                    instance.session(s).id
                ),
            );
        }
        loads.add(&instance, p, s);
        instance.pinned.push((p, s));
    }
    if !c.errors.is_empty() {
        return Err(ValidationErrors(c.errors));
    }
    Ok(instance)
}

fn overlaps(
    c: &mut Collector,
    sessions: &[(u32, Session)],
    what: &str,
    key: impl Fn(&Session) -> u32,
    code: &'static str,
) {
    let mut by_key: BTreeMap<(u32, NaiveDate), Vec<(u32, &Session)>> = BTreeMap::new();
    for (i, s) in sessions {
        by_key.entry((key(s), s.date)).or_default().push((*i, s));
    }
    for list in by_key.values_mut() {
        list.sort_by_key(|(i, s)| (s.start, *i));
        // Compare each session with the one that ends last among those before it.
        for k in 1..list.len() {
            let (ia, a) = *list[..k]
                .iter()
                .max_by_key(|(i, s)| (s.end, std::cmp::Reverse(*i)))
                .expect("k >= 1");
            let (ib, b) = list[k];
            if b.start < a.end {
                c.push(
                    code,
                    format!("sessions[{ib}].start_time"),
                    format!(
                        "session '{}' overlaps session '{}' (sessions[{ia}]) in the same {what} on {}",
                        b.id, a.id, a.date
                    ),
                );
            }
        }
    }
}
