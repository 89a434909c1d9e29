//! Seeded generator of realistic theatre-list requests, for tests and benchmarks.
//!
//! Shapes follow the reference sheet (shared/reference/nhs.md): specialties with
//! different case lengths and turnarounds, half-day (4 h) and all-day lists, named
//! consultants on about 60% of the list, leave, day cases and inpatients sharing ward
//! beds, equipment such as a surgical robot in some theatres. The same config and
//! seed always give the same request. [`WeekShape`] holds the axes along which
//! hospitals differ; [`Family`] names one week per corner.

mod families;
mod shapes;

pub use families::{Family, UnknownFamily};
pub use shapes::{CaseMix, DayLists, GeneratorConfig, WeekShape};

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::theatre::input::*;
use shapes::SpecialtyShape;

fn date(start: chrono::NaiveDate, day: i64) -> String {
    (start + chrono::Duration::days(day))
        .format("%Y-%m-%d")
        .to_string()
}

/// What every part of one generation shares: the random stream is drawn in a fixed
/// order (theatres, surgeons, sessions, patients, beds), so that a seed gives one request.
struct Week<'a> {
    rng: ChaCha8Rng,
    start: chrono::NaiveDate,
    horizon: u32,
    shape: &'a WeekShape,
    specialties: &'static [SpecialtyShape],
}

/// The theatres and the home specialty of each.
struct Theatres {
    theatres: Vec<TheatreInput>,
    home: Vec<usize>,
}

impl Theatres {
    fn of_specialty(&self, spec: usize) -> usize {
        self.home.iter().filter(|&&h| h == spec).count()
    }
}

/// The consultants and, per specialty, their indices in `surgeons`.
struct Rota {
    surgeons: Vec<SurgeonInput>,
    by_specialty: Vec<Vec<usize>>,
}

/// Generates a request.
pub fn theatre_request(config: &GeneratorConfig) -> TheatreRequest {
    let mut week = Week {
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        start: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("a valid date"),
        horizon: config.horizon_days.max(1),
        shape: &config.shape,
        specialties: config.shape.case_mix.specialties(),
    };
    let n_theatres = config.theatres.max(1) as usize;
    let theatres = week.theatres(n_theatres);
    let rota = week.rota(&theatres);
    let mut sessions = week.sessions(&theatres, &rota);
    // A list whose surgeon is on leave is cancelled (the 6-4-2 rule catches leave early).
    sessions.retain(|s| {
        let surgeon = rota
            .surgeons
            .iter()
            .find(|k| k.id == s.surgeon_id)
            .expect("a rota surgeon");
        !surgeon.unavailable_dates.contains(&s.date)
    });
    let specs_present: Vec<usize> = (0..week.specialties.len())
        .filter(|&s| theatres.of_specialty(s) > 0)
        .collect();
    let patients = week.patients(config.patients, &specs_present, &rota);
    let specialties = specs_present
        .iter()
        .map(|&s| SpecialtyInput {
            code: week.specialties[s].code.to_string(),
            turnaround_min: week.specialties[s].turnaround,
        })
        .collect();
    let ward_beds = week.ward_beds(n_theatres);
    TheatreRequest {
        planning_start: date(week.start, 0),
        horizon_days: week.horizon,
        theatres: theatres.theatres,
        surgeons: rota.surgeons,
        sessions,
        patients,
        specialties,
        ward_beds,
        pinned: Vec::new(),
        options: OptionsInput::default(),
        previous_plan: Vec::new(),
        replan: None,
    }
}

impl Week<'_> {
    fn date(&self, day: i64) -> String {
        date(self.start, day)
    }

    /// Theatres: each has a home specialty; some carry extra kit.
    fn theatres(&mut self, n_theatres: usize) -> Theatres {
        let n_specialties = self.specialties.len();
        let mut theatres = Vec::new();
        let mut home = Vec::new();
        for t in 0..n_theatres {
            let spec = t % n_specialties;
            let mut equipment = Vec::new();
            if self.rng.random_bool(0.3)
                || self.specialties[spec].code == "URO" && t < n_specialties
            {
                equipment.push("robot".to_string());
            }
            if self.rng.random_bool(0.5) {
                equipment.push("laser".to_string());
            }
            if self.rng.random_bool(0.6) {
                equipment.push("image_intensifier".to_string());
            }
            theatres.push(TheatreInput {
                id: format!("T{:02}", t + 1),
                name: format!("Theatre {}", t + 1),
                equipment,
            });
            home.push(spec);
        }
        Theatres { theatres, home }
    }

    /// Surgeons: at least one per theatre of the specialty (so parallel lists get
    /// distinct surgeons), and half as many again to spare.
    fn rota(&mut self, theatres: &Theatres) -> Rota {
        let max_minutes = self.shape.day_lists.surgeon_max_minutes();
        let mut surgeons = Vec::new();
        let mut by_specialty: Vec<Vec<usize>> = vec![Vec::new(); self.specialties.len()];
        for (spec, shape) in self.specialties.iter().enumerate() {
            let n = theatres.of_specialty(spec);
            if n == 0 {
                continue;
            }
            for k in 0..n + n / 2 + 1 {
                let mut unavailable = Vec::new();
                if self.rng.random_bool(0.25) {
                    let day = self.rng.random_range(0..i64::from(self.horizon));
                    unavailable.push(self.date(day));
                }
                by_specialty[spec].push(surgeons.len());
                surgeons.push(SurgeonInput {
                    id: format!("{}-C{}", shape.code, k + 1),
                    name: format!("Consultant {} {}", shape.code, k + 1),
                    specialty: shape.code.to_string(),
                    max_minutes_per_day: *max_minutes.choose(&mut self.rng).expect("non-empty"),
                    unavailable_dates: unavailable,
                });
            }
        }
        Rota {
            surgeons,
            by_specialty,
        }
    }

    /// Sessions: weekdays only, each theatre-day split as the shape's day lists say.
    fn sessions(&mut self, theatres: &Theatres, rota: &Rota) -> Vec<SessionInput> {
        let mut sessions = Vec::new();
        for day in 0..i64::from(self.horizon) {
            let weekday = (self.start + chrono::Duration::days(day))
                .format("%u")
                .to_string();
            if weekday == "6" || weekday == "7" {
                continue;
            }
            // Lists released to each specialty today (they take its spare consultants).
            let mut released = vec![0; self.specialties.len()];
            for (t, theatre) in theatres.theatres.iter().enumerate() {
                let home = theatres.home[t];
                let rank = theatres.home[..t].iter().filter(|&&h| h == home).count();
                let (spec, rank) = self.release(theatres, home, rank, &mut released);
                let pool = &rota.by_specialty[spec];
                // One surgeon per theatre-day; theatres of a specialty get distinct ones.
                let surgeon = &rota.surgeons[pool[(rank + day as usize) % pool.len()]].id;
                let roll: f64 = self.rng.random();
                let plans = self.shape.day_lists.plans();
                let plan = plans
                    .iter()
                    .find(|p| roll < p.below)
                    .unwrap_or(&plans[plans.len() - 1]);
                for &(tag, from, to) in plan.lists {
                    sessions.push(SessionInput {
                        id: format!("{}-{}-{}", theatre.id, self.date(day), tag),
                        theatre_id: theatre.id.clone(),
                        date: self.date(day),
                        start_time: from.to_string(),
                        end_time: to.to_string(),
                        specialty: self.specialties[spec].code.to_string(),
                        surgeon_id: surgeon.clone(),
                    });
                }
            }
        }
        sessions
    }

    /// The specialty a theatre-day's lists go to and the surgeon rank within it: the
    /// home specialty, or (with the shape's open-session share) another present one
    /// whose spare consultants are not all taken today. Nothing is drawn at share 0.
    fn release(
        &mut self,
        theatres: &Theatres,
        home: usize,
        rank: usize,
        released: &mut [usize],
    ) -> (usize, usize) {
        let share = self.shape.open_session_share;
        if !(share > 0.0 && self.rng.random_bool(share)) {
            return (home, rank);
        }
        let others: Vec<usize> = (0..self.specialties.len())
            .filter(|&s| s != home && theatres.of_specialty(s) > 0)
            .collect();
        let Some(&other) = others.choose(&mut self.rng) else {
            return (home, rank);
        };
        let n = theatres.of_specialty(other);
        // Ranks 0..n are the other specialty's own theatres today; the rest of its
        // consultants (see `rota`) are spare.
        let n_consultants = n + n / 2 + 1;
        let spare_rank = n + released[other];
        if spare_rank >= n_consultants {
            return (home, rank);
        }
        released[other] += 1;
        (other, spare_rank)
    }

    /// Patients, in proportion to each specialty's theatres.
    fn patients(
        &mut self,
        n_patients: u32,
        specs_present: &[usize],
        rota: &Rota,
    ) -> Vec<PatientInput> {
        (0..n_patients)
            .map(|i| {
                let spec = specs_present[i as usize % specs_present.len()];
                self.patient(i, spec, rota)
            })
            .collect()
    }

    fn patient(&mut self, i: u32, spec: usize, rota: &Rota) -> PatientInput {
        let specialties = self.specialties;
        let shape = &specialties[spec];
        let procedure = shape.procedures.choose(&mut self.rng).expect("non-empty");
        let roll: f64 = self.rng.random();
        let priority = if roll < self.shape.p1_share {
            PriorityInput::P1
        } else if roll < 0.2 {
            PriorityInput::P2
        } else if roll < 0.5 {
            PriorityInput::P3
        } else {
            PriorityInput::P4
        };
        let max_wait = self.shape.max_wait_days[priority_rank(priority)];
        let waited = self.rng.random_range(0..=i64::from(max_wait));
        let spread = f64::from(procedure.minutes) * self.rng.random_range(-0.2..0.25);
        let minutes = (f64::from(procedure.minutes) + spread).round().max(10.0) as u32;
        let surgeon_id = if self.rng.random_bool(self.shape.named_consultant_share) {
            let k = *rota.by_specialty[spec]
                .choose(&mut self.rng)
                .expect("non-empty");
            rota.surgeons[k].id.clone()
        } else {
            String::new()
        };
        let mut unavailable = Vec::new();
        if self.rng.random_bool(0.1) {
            let day = self.rng.random_range(0..i64::from(self.horizon));
            unavailable.push(self.date(day));
        }
        let flags = self.flags(shape.code == "ENT");
        PatientInput {
            id: format!("PT{:06}", i + 1),
            specialty: shape.code.to_string(),
            procedure: procedure.name.to_string(),
            expected_duration_min: minutes,
            priority,
            listed_date: self.date(-waited),
            surgeon_id,
            equipment: procedure
                .equipment
                .map(str::to_string)
                .into_iter()
                .collect(),
            length_of_stay_days: procedure.stay_days,
            unavailable_dates: unavailable,
            flags,
        }
    }

    /// Case flags; ENT lists carry the children.
    fn flags(&mut self, ent: bool) -> Vec<FlagInput> {
        let mut flags = Vec::new();
        if self.rng.random_bool(0.03) {
            flags.push(FlagInput::LatexAllergy);
        }
        if ent && self.rng.random_bool(0.4) {
            flags.push(FlagInput::Paediatric);
        }
        if self.rng.random_bool(0.08) {
            flags.push(FlagInput::Diabetic);
        }
        if self.rng.random_bool(0.02) {
            flags.push(FlagInput::Infected);
        }
        flags
    }

    /// Ward beds: tight enough to bind on some days (at the baseline factor).
    fn ward_beds(&mut self, n_theatres: usize) -> Vec<WardBedsInput> {
        let beds_per_day =
            ((f64::from(n_theatres as u32 * 2) * self.shape.bed_factor).round() as u32).max(2);
        (0..i64::from(self.horizon) + 5)
            .map(|d| WardBedsInput {
                date: self.date(d),
                free_beds: beds_per_day + self.rng.random_range(0..=beds_per_day / 2),
            })
            .collect()
    }
}

/// P1..P4 as 0..3.
fn priority_rank(priority: PriorityInput) -> usize {
    match priority {
        PriorityInput::P1 => 0,
        PriorityInput::P2 => 1,
        PriorityInput::P3 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a, 64 bits: a digest that stays the same across Rust releases.
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    fn digest(config: &GeneratorConfig) -> u64 {
        fnv1a(
            serde_json::to_string(&theatre_request(config))
                .expect("a request serialises")
                .as_bytes(),
        )
    }

    /// The baseline shape generates, bit for bit, what the generator made before it had
    /// shapes (digests taken on that code, commit e80da66).
    #[test]
    fn baseline_weeks_are_unchanged() {
        let cases = [
            (GeneratorConfig::week(3, 60, 7), 0x5630_223d_f768_6ba8),
            (GeneratorConfig::week(10, 2_500, 1), 0xb6f7_44f7_614a_6d83),
            (
                GeneratorConfig {
                    horizon_days: 12,
                    ..GeneratorConfig::week(7, 900, 42)
                },
                0xda94_d279_9f99_53d2,
            ),
            (Family::Baseline.week(10, 2_500, 1), 0xb6f7_44f7_614a_6d83),
        ];
        for (config, expected) in cases {
            assert_eq!(digest(&config), expected, "{config:?}");
        }
    }
}
