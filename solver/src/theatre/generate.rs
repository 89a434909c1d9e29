//! Seeded generator of realistic theatre-list requests, for tests and benchmarks.
//!
//! Shapes follow the reference sheet (shared/reference/nhs.md): specialties with
//! different case lengths and turnarounds, half-day (4 h) and all-day lists, named
//! consultants on about 60% of the list, leave, day cases and inpatients sharing ward
//! beds, equipment such as a surgical robot in some theatres. The same config and
//! seed always give the same request.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::theatre::input::*;

/// What to generate.
#[derive(Clone, Debug)]
pub struct GeneratorConfig {
    pub theatres: u32,
    pub patients: u32,
    /// Days planned from Monday 2 March 2026 (weekends have no lists).
    pub horizon_days: u32,
    pub seed: u64,
}

impl GeneratorConfig {
    /// A five-day week (Monday to Friday), the benchmark's horizon.
    pub fn week(theatres: u32, patients: u32, seed: u64) -> Self {
        GeneratorConfig {
            theatres,
            patients,
            horizon_days: 5,
            seed,
        }
    }
}

struct ProcedureShape {
    name: &'static str,
    minutes: u32,
    stay_days: u32,
    equipment: Option<&'static str>,
}

struct SpecialtyShape {
    code: &'static str,
    turnaround: u32,
    procedures: &'static [ProcedureShape],
}

const fn proc(
    name: &'static str,
    minutes: u32,
    stay_days: u32,
    equipment: Option<&'static str>,
) -> ProcedureShape {
    ProcedureShape {
        name,
        minutes,
        stay_days,
        equipment,
    }
}

const SPECIALTIES: &[SpecialtyShape] = &[
    SpecialtyShape {
        code: "GENSURG",
        turnaround: 15,
        procedures: &[
            proc("Laparoscopic cholecystectomy", 92, 0, None),
            proc("Inguinal hernia repair", 77, 0, None),
            proc("Umbilical hernia repair", 69, 0, None),
            proc("Examination under anaesthetic", 31, 0, None),
            proc("Upper GI resection", 179, 5, None),
        ],
    },
    SpecialtyShape {
        code: "ORTHO",
        turnaround: 20,
        procedures: &[
            proc("Total hip replacement", 120, 4, None),
            proc("Total knee replacement", 130, 4, None),
            proc("Knee arthroscopy", 45, 0, None),
            proc("Carpal tunnel release", 20, 0, None),
            proc("Ankle fracture fixation", 90, 2, Some("image_intensifier")),
        ],
    },
    SpecialtyShape {
        code: "OPHTH",
        turnaround: 10,
        procedures: &[
            proc("Cataract extraction", 25, 0, None),
            proc("Vitrectomy", 75, 0, Some("laser")),
        ],
    },
    SpecialtyShape {
        code: "URO",
        turnaround: 15,
        procedures: &[
            proc("Transurethral resection of prostate", 60, 2, None),
            proc("Flexible cystoscopy", 20, 0, None),
            proc("Robotic prostatectomy", 210, 3, Some("robot")),
            proc("Ureteroscopy and laser", 50, 0, Some("laser")),
        ],
    },
    SpecialtyShape {
        code: "ENT",
        turnaround: 15,
        procedures: &[
            proc("Tonsillectomy", 40, 1, None),
            proc("Septoplasty", 60, 0, None),
            proc("Grommets", 15, 0, None),
        ],
    },
    SpecialtyShape {
        code: "GYNAE",
        turnaround: 15,
        procedures: &[
            proc("Abdominal hysterectomy", 120, 2, None),
            proc("Diagnostic laparoscopy", 60, 0, None),
            proc("Hysteroscopy", 25, 0, None),
        ],
    },
];

fn date(start: chrono::NaiveDate, day: i64) -> String {
    (start + chrono::Duration::days(day))
        .format("%Y-%m-%d")
        .to_string()
}

/// Generates a request.
pub fn theatre_request(config: &GeneratorConfig) -> TheatreRequest {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("a valid date");
    let n_theatres = config.theatres.max(1) as usize;
    let horizon = config.horizon_days.max(1);

    // Theatres: each has a home specialty; some carry extra kit.
    let mut theatres = Vec::new();
    let mut home = Vec::new();
    for t in 0..n_theatres {
        let spec = t % SPECIALTIES.len();
        let mut equipment = Vec::new();
        if rng.random_bool(0.3) || SPECIALTIES[spec].code == "URO" && t < SPECIALTIES.len() {
            equipment.push("robot".to_string());
        }
        if rng.random_bool(0.5) {
            equipment.push("laser".to_string());
        }
        if rng.random_bool(0.6) {
            equipment.push("image_intensifier".to_string());
        }
        theatres.push(TheatreInput {
            id: format!("T{:02}", t + 1),
            name: format!("Theatre {}", t + 1),
            equipment,
        });
        home.push(spec);
    }
    let theatres_of = |spec: usize| home.iter().filter(|&&h| h == spec).count();

    // Surgeons: at least one per theatre of the specialty (so parallel lists get distinct surgeons).
    let mut surgeons = Vec::new();
    let mut surgeons_by_spec: Vec<Vec<usize>> = vec![Vec::new(); SPECIALTIES.len()];
    for (spec, shape) in SPECIALTIES.iter().enumerate() {
        let n = theatres_of(spec);
        if n == 0 {
            continue;
        }
        for k in 0..n + n / 2 + 1 {
            let mut unavailable = Vec::new();
            if rng.random_bool(0.25) {
                unavailable.push(date(start, rng.random_range(0..i64::from(horizon))));
            }
            surgeons_by_spec[spec].push(surgeons.len());
            surgeons.push(SurgeonInput {
                id: format!("{}-C{}", shape.code, k + 1),
                name: format!("Consultant {} {}", shape.code, k + 1),
                specialty: shape.code.to_string(),
                max_minutes_per_day: *[420, 480, 540].choose(&mut rng).expect("non-empty"),
                unavailable_dates: unavailable,
            });
        }
    }

    // Sessions: weekdays only; all-day (08:30–17:00), two halves, or a morning only.
    let mut sessions = Vec::new();
    for day in 0..i64::from(horizon) {
        let weekday = (start + chrono::Duration::days(day))
            .format("%u")
            .to_string();
        if weekday == "6" || weekday == "7" {
            continue;
        }
        for (t, theatre) in theatres.iter().enumerate() {
            let spec = home[t];
            let rank = home[..t].iter().filter(|&&h| h == spec).count();
            let pool = &surgeons_by_spec[spec];
            // One surgeon per theatre-day; theatres of a specialty get distinct ones.
            let surgeon = &surgeons[pool[(rank + day as usize) % pool.len()]].id;
            let roll: f64 = rng.random();
            let blocks: Vec<(&str, &str, &str)> = if roll < 0.35 {
                vec![("D", "08:30", "17:00")]
            } else if roll < 0.9 {
                vec![("AM", "08:30", "12:30"), ("PM", "13:30", "17:30")]
            } else {
                vec![("AM", "08:30", "12:30")]
            };
            for (tag, from, to) in blocks {
                sessions.push(SessionInput {
                    id: format!("{}-{}-{}", theatre.id, date(start, day), tag),
                    theatre_id: theatre.id.clone(),
                    date: date(start, day),
                    start_time: from.to_string(),
                    end_time: to.to_string(),
                    specialty: SPECIALTIES[spec].code.to_string(),
                    surgeon_id: surgeon.clone(),
                });
            }
        }
    }

    // A list whose surgeon is on leave is cancelled (the 6-4-2 rule catches leave early).
    sessions.retain(|s| {
        let surgeon = surgeons
            .iter()
            .find(|k| k.id == s.surgeon_id)
            .expect("a rota surgeon");
        !surgeon.unavailable_dates.contains(&s.date)
    });

    // Patients, in proportion to each specialty's theatres.
    let specs_present: Vec<usize> = (0..SPECIALTIES.len())
        .filter(|&s| theatres_of(s) > 0)
        .collect();
    let mut patients = Vec::new();
    for i in 0..config.patients {
        let spec = specs_present[i as usize % specs_present.len()];
        let shape = &SPECIALTIES[spec];
        let procedure = shape.procedures.choose(&mut rng).expect("non-empty");
        let roll: f64 = rng.random();
        let (priority, max_wait) = if roll < 0.02 {
            (PriorityInput::P1, 3)
        } else if roll < 0.2 {
            (PriorityInput::P2, 40)
        } else if roll < 0.5 {
            (PriorityInput::P3, 150)
        } else {
            (PriorityInput::P4, 500)
        };
        let waited = rng.random_range(0..=max_wait);
        let spread = f64::from(procedure.minutes) * rng.random_range(-0.2..0.25);
        let minutes = (f64::from(procedure.minutes) + spread).round().max(10.0) as u32;
        let surgeon_id = if rng.random_bool(0.6) {
            surgeons[*surgeons_by_spec[spec].choose(&mut rng).expect("non-empty")]
                .id
                .clone()
        } else {
            String::new()
        };
        let mut unavailable = Vec::new();
        if rng.random_bool(0.1) {
            unavailable.push(date(start, rng.random_range(0..i64::from(horizon))));
        }
        let mut flags = Vec::new();
        if rng.random_bool(0.03) {
            flags.push(FlagInput::LatexAllergy);
        }
        if shape.code == "ENT" && rng.random_bool(0.4) {
            flags.push(FlagInput::Paediatric);
        }
        if rng.random_bool(0.08) {
            flags.push(FlagInput::Diabetic);
        }
        if rng.random_bool(0.02) {
            flags.push(FlagInput::Infected);
        }
        patients.push(PatientInput {
            id: format!("PT{:06}", i + 1),
            specialty: shape.code.to_string(),
            procedure: procedure.name.to_string(),
            expected_duration_min: minutes,
            priority,
            listed_date: date(start, -waited),
            surgeon_id,
            equipment: procedure
                .equipment
                .map(str::to_string)
                .into_iter()
                .collect(),
            length_of_stay_days: procedure.stay_days,
            unavailable_dates: unavailable,
            flags,
        });
    }

    let specialties = specs_present
        .iter()
        .map(|&s| SpecialtyInput {
            code: SPECIALTIES[s].code.to_string(),
            turnaround_min: SPECIALTIES[s].turnaround,
        })
        .collect();
    // Ward beds: tight enough to bind on some days.
    let beds_per_day = (n_theatres as u32 * 2).max(2);
    let ward_beds = (0..i64::from(horizon) + 5)
        .map(|d| WardBedsInput {
            date: date(start, d),
            free_beds: beds_per_day + rng.random_range(0..=beds_per_day / 2),
        })
        .collect();

    TheatreRequest {
        planning_start: date(start, 0),
        horizon_days: horizon,
        theatres,
        surgeons,
        sessions,
        patients,
        specialties,
        ward_beds,
        pinned: Vec::new(),
        options: OptionsInput::default(),
    }
}
