//! Theatre lists: PlanTheatreLists messages to the solver's input, and plans back.

use clinicplan_solver::theatre::check::{ProposedCase, ProposedPlan, ProposedSession};
use clinicplan_solver::theatre::domain::{Instance, Priority};
use clinicplan_solver::theatre::explain::Reason;
use clinicplan_solver::theatre::input::*;
use clinicplan_solver::theatre::replan::changes::changes;
use clinicplan_solver::theatre::solve::{Outcome, PlanSource, SolveReport, SolveStatus};

use crate::proto;

fn priority_in(v: i32) -> PriorityInput {
    match proto::Priority::try_from(v) {
        Ok(proto::Priority::Unspecified) => PriorityInput::Unspecified,
        Ok(proto::Priority::P1) => PriorityInput::P1,
        Ok(proto::Priority::P2) => PriorityInput::P2,
        Ok(proto::Priority::P3) => PriorityInput::P3,
        Ok(proto::Priority::P4) => PriorityInput::P4,
        Err(_) => PriorityInput::Unknown(v),
    }
}

fn priority_out(p: Priority) -> proto::Priority {
    match p {
        Priority::P1 => proto::Priority::P1,
        Priority::P2 => proto::Priority::P2,
        Priority::P3 => proto::Priority::P3,
        Priority::P4 => proto::Priority::P4,
    }
}

fn flag_in(v: i32) -> FlagInput {
    match proto::CaseFlag::try_from(v) {
        Ok(proto::CaseFlag::LatexAllergy) => FlagInput::LatexAllergy,
        Ok(proto::CaseFlag::Paediatric) => FlagInput::Paediatric,
        Ok(proto::CaseFlag::Diabetic) => FlagInput::Diabetic,
        Ok(proto::CaseFlag::Infected) => FlagInput::Infected,
        Ok(proto::CaseFlag::Unspecified) | Err(_) => FlagInput::Unknown(v),
    }
}

fn options_in(o: Option<proto::SolveOptions>) -> OptionsInput {
    let o = o.unwrap_or_default();
    let w = o.weights.unwrap_or_default();
    OptionsInput {
        time_limit_ms: o.time_limit_ms,
        mip_rel_gap: o.mip_rel_gap,
        threads: o.threads,
        objective: match proto::Objective::try_from(o.objective) {
            Ok(proto::Objective::Unspecified) => ObjectiveInput::Unspecified,
            Ok(proto::Objective::WeightedWait) => ObjectiveInput::WeightedWait,
            Ok(proto::Objective::PriorityOrder) => ObjectiveInput::PriorityOrder,
            Err(_) => ObjectiveInput::Unknown(o.objective),
        },
        weights: [w.weight_p1, w.weight_p2, w.weight_p3, w.weight_p4],
        target_days: [
            w.target_days_p1,
            w.target_days_p2,
            w.target_days_p3,
            w.target_days_p4,
        ],
        solver_log: o.solver_log,
        local_search_only: o.local_search_only,
        reproducible: o.reproducible,
        effort_limit: o.effort_limit,
    }
}

/// Wire request → solver input (nothing is checked here: [`clinicplan_solver::theatre::validate`] does that).
fn patient_in(p: proto::Patient) -> PatientInput {
    PatientInput {
        id: p.id,
        specialty: p.specialty,
        procedure: p.procedure,
        expected_duration_min: p.expected_duration_min,
        priority: priority_in(p.priority),
        listed_date: p.listed_date,
        surgeon_id: p.surgeon_id,
        equipment: p.equipment,
        length_of_stay_days: p.length_of_stay_days,
        unavailable_dates: p.unavailable_dates,
        flags: p.flags.into_iter().map(flag_in).collect(),
    }
}

pub fn request_from_proto(r: proto::PlanTheatreListsRequest) -> TheatreRequest {
    TheatreRequest {
        planning_start: r.planning_start,
        horizon_days: r.horizon_days,
        theatres: r
            .theatres
            .into_iter()
            .map(|t| TheatreInput {
                id: t.id,
                name: t.name,
                equipment: t.equipment,
            })
            .collect(),
        surgeons: r
            .surgeons
            .into_iter()
            .map(|s| SurgeonInput {
                id: s.id,
                name: s.name,
                specialty: s.specialty,
                max_minutes_per_day: s.max_minutes_per_day,
                unavailable_dates: s.unavailable_dates,
            })
            .collect(),
        sessions: r
            .sessions
            .into_iter()
            .map(|s| SessionInput {
                id: s.id,
                theatre_id: s.theatre_id,
                date: s.date,
                start_time: s.start_time,
                end_time: s.end_time,
                specialty: s.specialty,
                surgeon_id: s.surgeon_id,
            })
            .collect(),
        patients: r.patients.into_iter().map(patient_in).collect(),
        specialties: r
            .specialties
            .into_iter()
            .map(|s| SpecialtyInput {
                code: s.code,
                turnaround_min: s.turnaround_min,
            })
            .collect(),
        ward_beds: r
            .ward_beds
            .into_iter()
            .map(|w| WardBedsInput {
                date: w.date,
                free_beds: w.free_beds,
            })
            .collect(),
        pinned: r
            .pinned
            .into_iter()
            .map(|b| BookingInput {
                patient_id: b.patient_id,
                session_id: b.session_id,
            })
            .collect(),
        options: options_in(r.options),
        previous_plan: super::replan::previous_in(r.previous_plan),
        replan: super::replan::replan_in(r.replan),
    }
}

/// Solver input → wire request (generated requests, scenario runs against a server).
fn priority_to_proto(p: PriorityInput) -> i32 {
    match p {
        PriorityInput::Unspecified => 0,
        PriorityInput::P1 => proto::Priority::P1 as i32,
        PriorityInput::P2 => proto::Priority::P2 as i32,
        PriorityInput::P3 => proto::Priority::P3 as i32,
        PriorityInput::P4 => proto::Priority::P4 as i32,
        PriorityInput::Unknown(v) => v,
    }
}

fn flag_to_proto(f: &FlagInput) -> i32 {
    match f {
        FlagInput::LatexAllergy => proto::CaseFlag::LatexAllergy as i32,
        FlagInput::Paediatric => proto::CaseFlag::Paediatric as i32,
        FlagInput::Diabetic => proto::CaseFlag::Diabetic as i32,
        FlagInput::Infected => proto::CaseFlag::Infected as i32,
        FlagInput::Unknown(v) => *v,
    }
}

fn patient_to_proto(p: &PatientInput) -> proto::Patient {
    proto::Patient {
        id: p.id.clone(),
        specialty: p.specialty.clone(),
        procedure: p.procedure.clone(),
        expected_duration_min: p.expected_duration_min,
        priority: priority_to_proto(p.priority),
        listed_date: p.listed_date.clone(),
        surgeon_id: p.surgeon_id.clone(),
        equipment: p.equipment.clone(),
        length_of_stay_days: p.length_of_stay_days,
        unavailable_dates: p.unavailable_dates.clone(),
        flags: p.flags.iter().map(flag_to_proto).collect(),
    }
}

fn options_to_proto(o: &OptionsInput) -> proto::SolveOptions {
    proto::SolveOptions {
        time_limit_ms: o.time_limit_ms,
        mip_rel_gap: o.mip_rel_gap,
        threads: o.threads,
        objective: match o.objective {
            ObjectiveInput::Unspecified => 0,
            ObjectiveInput::WeightedWait => proto::Objective::WeightedWait as i32,
            ObjectiveInput::PriorityOrder => proto::Objective::PriorityOrder as i32,
            ObjectiveInput::Unknown(v) => v,
        },
        weights: Some(proto::ObjectiveWeights {
            weight_p1: o.weights[0],
            weight_p2: o.weights[1],
            weight_p3: o.weights[2],
            weight_p4: o.weights[3],
            target_days_p1: o.target_days[0],
            target_days_p2: o.target_days[1],
            target_days_p3: o.target_days[2],
            target_days_p4: o.target_days[3],
        }),
        solver_log: o.solver_log,
        local_search_only: o.local_search_only,
        reproducible: o.reproducible,
        effort_limit: o.effort_limit,
    }
}

pub fn request_to_proto(r: &TheatreRequest) -> proto::PlanTheatreListsRequest {
    proto::PlanTheatreListsRequest {
        planning_start: r.planning_start.clone(),
        horizon_days: r.horizon_days,
        theatres: r
            .theatres
            .iter()
            .map(|t| proto::Theatre {
                id: t.id.clone(),
                name: t.name.clone(),
                equipment: t.equipment.clone(),
            })
            .collect(),
        surgeons: r
            .surgeons
            .iter()
            .map(|s| proto::Surgeon {
                id: s.id.clone(),
                name: s.name.clone(),
                specialty: s.specialty.clone(),
                max_minutes_per_day: s.max_minutes_per_day,
                unavailable_dates: s.unavailable_dates.clone(),
            })
            .collect(),
        sessions: r
            .sessions
            .iter()
            .map(|s| proto::Session {
                id: s.id.clone(),
                theatre_id: s.theatre_id.clone(),
                date: s.date.clone(),
                start_time: s.start_time.clone(),
                end_time: s.end_time.clone(),
                specialty: s.specialty.clone(),
                surgeon_id: s.surgeon_id.clone(),
            })
            .collect(),
        patients: r.patients.iter().map(patient_to_proto).collect(),
        specialties: r
            .specialties
            .iter()
            .map(|s| proto::Specialty {
                code: s.code.clone(),
                turnaround_min: s.turnaround_min,
            })
            .collect(),
        ward_beds: r
            .ward_beds
            .iter()
            .map(|w| proto::WardBeds {
                date: w.date.clone(),
                free_beds: w.free_beds,
            })
            .collect(),
        pinned: r
            .pinned
            .iter()
            .map(|b| proto::Booking {
                patient_id: b.patient_id.clone(),
                session_id: b.session_id.clone(),
            })
            .collect(),
        options: Some(options_to_proto(&r.options)),
        previous_plan: super::replan::previous_to_proto(&r.previous_plan),
        replan: super::replan::replan_to_proto(r.replan.as_ref()),
    }
}

fn reason_out(r: Reason) -> proto::UnscheduledReason {
    match r {
        Reason::NoSessionForSpecialty => proto::UnscheduledReason::NoSessionForSpecialty,
        Reason::NoSessionWithSurgeon => proto::UnscheduledReason::NoSessionWithSurgeon,
        Reason::NoTheatreWithEquipment => proto::UnscheduledReason::NoTheatreWithEquipment,
        Reason::TooLong => proto::UnscheduledReason::TooLong,
        Reason::Unavailable => proto::UnscheduledReason::Unavailable,
        Reason::Outranked => proto::UnscheduledReason::Outranked,
    }
}

fn hhmm(t: chrono::NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// The solve's status, bound and notes.
fn solve_summary(r: &SolveReport) -> proto::SolveSummary {
    proto::SolveSummary {
        status: match r.status {
            SolveStatus::Optimal => proto::SolveStatus::Optimal,
            SolveStatus::Feasible => proto::SolveStatus::Feasible,
        } as i32,
        objective: r.objective,
        best_bound: r.best_bound,
        gap: r.gap,
        solve_ms: r.solve_ms,
        source: match r.source {
            PlanSource::Constructive => proto::PlanSource::Constructive,
            PlanSource::LocalSearch => proto::PlanSource::LocalSearch,
            PlanSource::Mip => proto::PlanSource::Mip,
        } as i32,
        deadline_reached: r.deadline_reached,
        local_search_cut: r.local_search_cut,
        effort_used: r.effort_used,
        reproducible: r.reproducible,
        effort_limit: r.effort_limit.unwrap_or(0),
        notes: r.notes.clone(),
        bound_source: r.bound_source.name().to_string(),
    }
}

/// Solved plan → wire response.
pub fn response_to_proto(
    instance: &Instance,
    outcome: &Outcome,
) -> proto::PlanTheatreListsResponse {
    let plan = &outcome.plan;
    let sessions = plan
        .lists
        .iter()
        .map(|list| {
            let s = instance.session(list.session);
            proto::SessionPlan {
                session_id: s.id.clone(),
                theatre_id: instance.theatres[s.theatre.idx()].id.clone(),
                date: s.date.format("%Y-%m-%d").to_string(),
                surgeon_id: instance.surgeons[s.surgeon.idx()].id.clone(),
                specialty: instance.specialties[s.specialty.idx()].code.clone(),
                start_time: hhmm(s.start),
                end_time: hhmm(s.end),
                cases: list
                    .cases
                    .iter()
                    .map(|c| {
                        let p = instance.patient(c.patient);
                        proto::Case {
                            patient_id: p.id.clone(),
                            start_time: hhmm(c.start),
                            end_time: hhmm(c.end),
                            procedure: p.procedure.clone(),
                            priority: priority_out(p.priority) as i32,
                            duration_min: p.duration_min,
                            pinned: c.pinned,
                            state: 0,
                        }
                    })
                    .collect(),
                used_minutes: list.used_min,
                utilisation: f64::from(list.used_min) / f64::from(s.length_min),
            }
        })
        .collect();
    let unscheduled = plan
        .unscheduled
        .iter()
        .map(|(p, why)| proto::Unscheduled {
            patient_id: instance.patient(*p).id.clone(),
            reason: reason_out(why.reason) as i32,
            detail: why.detail.clone(),
            priority: priority_out(instance.patient(*p).priority) as i32,
            eligible_sessions: why.eligible_sessions,
        })
        .collect();
    let m = &plan.metrics;
    let mut response = proto::PlanTheatreListsResponse {
        sessions,
        unscheduled,
        metrics: Some(proto::PlanMetrics {
            weighted_wait: m.weighted_wait,
            patients_scheduled: m.patients_scheduled,
            minutes_scheduled: m.minutes_scheduled,
            utilisation: m.utilisation,
            by_priority: Priority::ALL
                .iter()
                .map(|&p| proto::PriorityCount {
                    priority: priority_out(p) as i32,
                    scheduled: m.scheduled_by_priority[p.rank()],
                    waiting: m.waiting_by_priority[p.rank()],
                })
                .collect(),
            nothing_scheduled_cost: m.nothing_scheduled_cost,
            patients_unscheduled: m.patients_unscheduled,
            session_minutes: m.session_minutes,
            stability_cost: m.stability_cost,
        }),
        solve: Some(solve_summary(&outcome.report)),
        ..Default::default()
    };
    if let Some(changes) = changes(instance, plan) {
        super::replan::changes_to_proto(instance, &changes, None, &mut response);
    }
    response
}

/// A plan as written in a response (possibly edited by hand) → the checker's input.
pub fn proposed_plan_from_proto(r: &proto::PlanTheatreListsResponse) -> ProposedPlan {
    ProposedPlan {
        sessions: r
            .sessions
            .iter()
            .map(|s| ProposedSession {
                session_id: s.session_id.clone(),
                cases: s
                    .cases
                    .iter()
                    .map(|c| ProposedCase {
                        patient_id: c.patient_id.clone(),
                        start_time: c.start_time.clone(),
                        end_time: c.end_time.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}
