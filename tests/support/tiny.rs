//! Proptest strategies for tiny requests that brute force can solve: one or two
//! specialties, two theatres (either may have the robot), up to three surgeons (leave,
//! daily maxima from 2 h to 8 h), up to three sessions of 2–4 h over a 3-day horizon,
//! up to eight patients (named surgeons, equipment, inpatients, unavailable days,
//! flags), tight ward beds on some days, up to two pins, either policy, and sometimes
//! non-standard weights.
//!
//! The strategies draw raw numbers; [`TinySpec::to_request`] turns any draw into a
//! valid request (sessions that would overlap are dropped, pins that would break a rule
//! are dropped), so shrinking always stays among valid requests.

use std::collections::BTreeSet;

use clinicplan_service::proto;
use proptest::prelude::*;

use super::build;
use super::model::{Loads, Model};

#[derive(Clone, Debug)]
pub struct TinySurgeon {
    pub specialty: usize,
    pub max_minutes_per_day: u32,
    pub leave_day: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct TinySession {
    pub theatre: usize,
    pub day: u64,
    pub afternoon: bool,
    pub length_hours: u32,
    pub surgeon: usize,
}

#[derive(Clone, Debug)]
pub struct TinyPatient {
    pub specialty: usize,
    pub duration_min: u32,
    /// 1..=4.
    pub priority: i32,
    pub waited_days: u64,
    pub named_surgeon: Option<usize>,
    pub robot: bool,
    pub stay_days: u32,
    pub unavailable_day: Option<u64>,
    /// Wire values of CaseFlag.
    pub flags: Vec<i32>,
}

#[derive(Clone, Debug)]
pub struct TinySpec {
    pub two_specialties: bool,
    pub robot_in: [bool; 2],
    pub surgeons: Vec<TinySurgeon>,
    pub sessions: Vec<TinySession>,
    pub patients: Vec<TinyPatient>,
    /// Free beds for day indices 0..5, where given.
    pub free_beds: Vec<Option<u32>>,
    /// Raw (patient, session) positions; kept only when the pin is allowed.
    pub pins: Vec<(usize, usize)>,
    pub objective: proto::Objective,
    pub custom_weights: bool,
}

/// Days planned by every tiny request.
pub const HORIZON_DAYS: u32 = 3;

fn surgeon() -> impl Strategy<Value = TinySurgeon> {
    (
        0usize..2,
        prop::sample::select(vec![120u32, 180, 240, 480]),
        prop::option::weighted(0.2, 0u64..3),
    )
        .prop_map(|(specialty, max_minutes_per_day, leave_day)| TinySurgeon {
            specialty,
            max_minutes_per_day,
            leave_day,
        })
}

fn session() -> impl Strategy<Value = TinySession> {
    (0usize..2, 0u64..3, any::<bool>(), 2u32..=4, 0usize..3).prop_map(
        |(theatre, day, afternoon, length_hours, surgeon)| TinySession {
            theatre,
            day,
            afternoon,
            length_hours,
            surgeon,
        },
    )
}

fn patient() -> impl Strategy<Value = TinyPatient> {
    (
        0usize..2,
        4u32..=40,
        1i32..=4,
        0u64..=300,
        prop::option::weighted(0.3, 0usize..3),
        prop::bool::weighted(0.2),
        prop::sample::select(vec![0u32, 0, 0, 1, 2, 3]),
        prop::option::weighted(0.15, 0u64..3),
        prop::collection::vec(prop::sample::select(vec![1i32, 2, 3, 4]), 0..=1),
    )
        .prop_map(
            |(
                specialty,
                five_min,
                priority,
                waited_days,
                named_surgeon,
                robot,
                stay_days,
                unavailable_day,
                flags,
            )| {
                TinyPatient {
                    specialty,
                    duration_min: five_min * 5,
                    priority,
                    waited_days,
                    named_surgeon,
                    robot,
                    stay_days,
                    unavailable_day,
                    flags,
                }
            },
        )
}

/// A tiny request with up to `max_patients` patients.
pub fn tiny_spec(max_patients: usize) -> impl Strategy<Value = TinySpec> {
    (
        any::<bool>(),
        [prop::bool::weighted(0.5), prop::bool::weighted(0.5)],
        prop::collection::vec(surgeon(), 1..=3),
        prop::collection::vec(session(), 1..=3),
        prop::collection::vec(patient(), 1..=max_patients),
        prop::collection::vec(prop::option::weighted(0.35, 0u32..=2), 5),
        prop::collection::vec((0usize..8, 0usize..3), 0..=2),
        prop::sample::select(vec![
            proto::Objective::Unspecified,
            proto::Objective::WeightedWait,
            proto::Objective::PriorityOrder,
        ]),
        prop::bool::weighted(0.25),
    )
        .prop_map(
            |(
                two_specialties,
                robot_in,
                surgeons,
                sessions,
                patients,
                free_beds,
                pins,
                objective,
                custom_weights,
            )| {
                TinySpec {
                    two_specialties,
                    robot_in,
                    surgeons,
                    sessions,
                    patients,
                    free_beds,
                    pins,
                    objective,
                    custom_weights,
                }
            },
        )
}

impl TinySpec {
    /// The valid request this draw stands for.
    pub fn to_request(&self) -> proto::PlanTheatreListsRequest {
        let codes = self.codes();

        let mut request = build::request(HORIZON_DAYS);
        request.specialties = codes.iter().map(|&(c, t)| build::specialty(c, t)).collect();
        request.theatres = (0..2)
            .map(|t| {
                build::theatre(
                    &format!("T{}", t + 1),
                    if self.robot_in[t] { &["robot"] } else { &[] },
                )
            })
            .collect();
        request.surgeons = self
            .surgeons
            .iter()
            .enumerate()
            .map(|(k, s)| proto::Surgeon {
                unavailable_dates: s.leave_day.map(build::day).into_iter().collect(),
                ..build::surgeon(
                    &format!("K{}", k + 1),
                    self.code(s.specialty),
                    s.max_minutes_per_day,
                )
            })
            .collect();

        self.add_sessions(&mut request);

        self.add_patients(&mut request);
        request.ward_beds = self
            .free_beds
            .iter()
            .enumerate()
            .filter_map(|(d, free)| free.map(|f| build::beds(d as u64, f)))
            .collect();

        request.options = Some(proto::SolveOptions {
            time_limit_ms: 20_000,
            mip_rel_gap: Some(0.0),
            threads: 1,
            objective: self.objective as i32,
            weights: self.custom_weights.then(|| proto::ObjectiveWeights {
                weight_p4: Some(3.0),
                target_days_p2: Some(10),
                ..Default::default()
            }),
            ..Default::default()
        });

        request.pinned = self.kept_pins(&request);
        request
    }

    /// The specialties and their turnarounds.
    fn codes(&self) -> &'static [(&'static str, u32)] {
        if self.two_specialties {
            &[("GEN", 15), ("ORTHO", 20)]
        } else {
            &[("GEN", 15)]
        }
    }

    /// The code of specialty `i` (taken modulo the number of specialties).
    fn code(&self, i: usize) -> &'static str {
        let codes = self.codes();
        codes[i % codes.len()].0
    }

    /// Sessions: a morning from 08:00 or an afternoon from 13:00, so only sessions in
    /// the same half-day can overlap; those are dropped.
    fn add_sessions(&self, request: &mut proto::PlanTheatreListsRequest) {
        let mut taken = BTreeSet::new();
        for s in &self.sessions {
            let theatre = format!("T{}", s.theatre % 2 + 1);
            let k = s.surgeon % self.surgeons.len();
            let surgeon_id = format!("K{}", k + 1);
            if !taken.insert((theatre.clone(), s.day, s.afternoon))
                || !taken.insert((surgeon_id.clone(), s.day, s.afternoon))
            {
                continue;
            }
            let start_hour = if s.afternoon { 13 } else { 8 };
            request.sessions.push(build::session(
                &format!("S{}", request.sessions.len() + 1),
                &theatre,
                s.day,
                &format!("{start_hour:02}:00"),
                &format!("{:02}:00", start_hour + s.length_hours),
                self.code(self.surgeons[k].specialty),
                &surgeon_id,
            ));
        }
    }

    /// The patients, each with its named surgeon, equipment, stay, leave and flags.
    fn add_patients(&self, request: &mut proto::PlanTheatreListsRequest) {
        for (i, p) in self.patients.iter().enumerate() {
            let priority = proto::Priority::try_from(p.priority).expect("1..=4");
            request.patients.push(proto::Patient {
                surgeon_id: p
                    .named_surgeon
                    .map(|k| format!("K{}", k % self.surgeons.len() + 1))
                    .unwrap_or_default(),
                equipment: if p.robot {
                    vec!["robot".into()]
                } else {
                    Vec::new()
                },
                length_of_stay_days: p.stay_days,
                unavailable_dates: p.unavailable_day.map(build::day).into_iter().collect(),
                flags: p.flags.clone(),
                ..build::patient(
                    &format!("P{}", i + 1),
                    self.code(p.specialty),
                    p.duration_min,
                    priority,
                    p.waited_days,
                )
            });
        }
    }

    /// Pins: kept only when allowed by the per-pair rules and the capacities together
    /// with the pins kept before.
    fn kept_pins(&self, request: &proto::PlanTheatreListsRequest) -> Vec<proto::Booking> {
        let model = Model::new(request).expect("a tiny request is readable");
        let mut loads = Loads::new(&model);
        let mut pinned = BTreeSet::new();
        let mut pins = Vec::new();
        for &(p, s) in &self.pins {
            let (p, s) = (p % model.patients.len(), s % model.sessions.len());
            if pinned.contains(&p) || model.pair_rule(p, s).is_err() || !loads.fits(&model, p, s) {
                continue;
            }
            loads.add(&model, p, s);
            pinned.insert(p);
            pins.push(build::pin(
                &model.patients[p].patient.id,
                &model.sessions[s].session.id,
            ));
        }
        pins
    }
}
