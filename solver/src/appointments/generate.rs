//! Seeded generator of realistic primary care networks, for tests, the example and
//! benchmarks. Practices sit on a 12 km square (travel: 5 minutes plus 3 per km, every
//! pair given); each has about six clinicians (GPs, nurses, a pharmacist or
//! physiotherapist) working four of five weekdays; GPs hold a mix of face-to-face,
//! phone and video slots, pharmacists mostly phone, physiotherapists face to face.
//! Demand is uneven: practices differ in list size more than in staff, so some are
//! over-subscribed while their neighbours have free slots. The same config and seed
//! always give the same request.

use chrono::{Datelike, NaiveDate, Weekday};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::input::*;

/// What to generate.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    pub practices: u32,
    /// Clinicians across the network (at least one per practice).
    pub clinicians: u32,
    pub requests: u32,
    /// Days from Monday 2 March 2026 (weekends have no slots).
    pub horizon_days: u32,
    pub seed: u64,
}

impl NetworkConfig {
    /// The benchmark's network: 20 practices, 120 clinicians, 30,000 requests, two weeks
    /// (about 19,000 slots).
    pub fn network_scale(seed: u64) -> Self {
        NetworkConfig {
            practices: 20,
            clinicians: 120,
            requests: 30_000,
            horizon_days: 14,
            seed,
        }
    }
}

struct RoleShape {
    role: &'static str,
    /// Share of clinicians.
    staff: f64,
    /// Share of requests.
    demand: f64,
    slot_min: u32,
    /// Slots per working day.
    per_day: u32,
    /// Weights of face to face, phone, video slots.
    modes: [u32; 3],
}

const ROLES: &[RoleShape] = &[
    RoleShape {
        role: "GP",
        staff: 0.5,
        demand: 0.6,
        slot_min: 15,
        per_day: 20,
        modes: [5, 4, 1],
    },
    RoleShape {
        role: "NURSE",
        staff: 0.27,
        demand: 0.22,
        slot_min: 15,
        per_day: 22,
        modes: [9, 1, 0],
    },
    RoleShape {
        role: "PHARMACIST",
        staff: 0.12,
        demand: 0.1,
        slot_min: 20,
        per_day: 18,
        modes: [2, 7, 1],
    },
    RoleShape {
        role: "PHYSIO",
        staff: 0.11,
        demand: 0.08,
        slot_min: 30,
        per_day: 12,
        modes: [9, 1, 0],
    },
];

const NAMES: &[&str] = &[
    "Riverside",
    "Castle Street",
    "Millbrook",
    "Oakfield",
    "Station Road",
    "Parkview",
    "Hillcrest",
    "Market Square",
    "Abbey Lane",
    "Westgate",
    "Northfields",
    "Brookside",
    "Elm Grove",
    "Queens Road",
    "Meadowbank",
    "Kingsway",
    "Orchard",
    "Harbour",
    "Fairfield",
    "Victoria",
];

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Generates a network.
pub fn network_request(config: &NetworkConfig) -> BalanceRequest {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let start = NaiveDate::from_ymd_opt(2026, 3, 2).expect("a valid date");
    let n_sites = config.practices.max(1) as usize;
    let horizon = config.horizon_days.max(1);
    let practices = practices(&mut rng, n_sites);
    let travel = travel_times(&practices);
    let n_clinicians = config.clinicians.max(config.practices).max(1) as usize;
    let (clinicians, role_of) = clinicians(&mut rng, n_clinicians, &practices.sites);
    let slots = slots(&mut rng, &clinicians, &role_of, (start, horizon));
    let requests = (0..config.requests)
        .map(|i| request(&mut rng, i, &practices, &clinicians, (start, horizon)))
        .collect();
    BalanceRequest {
        planning_start: iso(start),
        horizon_days: horizon,
        sites: practices.sites,
        travel,
        clinicians,
        slots,
        requests,
        options: BalanceOptionsInput::default(),
    }
}

/// The practices: their sites, places on the square (km) and list sizes.
struct Practices {
    sites: Vec<SiteInput>,
    position: Vec<(f64, f64)>,
    list_size: Vec<f64>,
}

fn practices(rng: &mut ChaCha8Rng, n_sites: usize) -> Practices {
    let mut sites = Vec::new();
    let mut position = Vec::new();
    let mut list_size = Vec::new();
    for p in 0..n_sites {
        let name = NAMES[p % NAMES.len()];
        let suffix = if p >= NAMES.len() {
            format!(" {}", p / NAMES.len() + 1)
        } else {
            String::new()
        };
        sites.push(SiteInput {
            id: format!("P{:02}", p + 1),
            name: format!("{name}{suffix} Surgery"),
        });
        position.push((rng.random_range(0.0..12.0), rng.random_range(0.0..12.0)));
        list_size.push(rng.random_range(0.6..1.6f64));
    }
    Practices {
        sites,
        position,
        list_size,
    }
}

/// Every pair of practices once: 5 minutes plus 3 per km, rounded.
fn travel_times(practices: &Practices) -> Vec<TravelInput> {
    let (sites, position) = (&practices.sites, &practices.position);
    let n_sites = sites.len();
    let mut travel = Vec::new();
    for a in 0..n_sites {
        for b in a + 1..n_sites {
            let (xa, ya): (f64, f64) = position[a];
            let (xb, yb): (f64, f64) = position[b];
            let km = ((xa - xb).powi(2) + (ya - yb).powi(2)).sqrt();
            travel.push(TravelInput {
                from_site_id: sites[a].id.clone(),
                to_site_id: sites[b].id.clone(),
                minutes: 5 + (3.0 * km).round() as u32,
            });
        }
    }
    travel
}

/// The first index at which the running sum of `weights` passes `roll`.
fn cumulative_pick(roll: f64, weights: impl IntoIterator<Item = f64>) -> Option<usize> {
    let mut acc = 0.0;
    weights.into_iter().position(|w| {
        acc += w;
        roll < acc
    })
}

/// Clinicians: every practice gets a GP first, the rest by role share. Also returns
/// each clinician's index in `ROLES`.
fn clinicians(
    rng: &mut ChaCha8Rng,
    n_clinicians: usize,
    sites: &[SiteInput],
) -> (Vec<ClinicianInput>, Vec<usize>) {
    let n_sites = sites.len();
    let mut clinicians: Vec<ClinicianInput> = Vec::new();
    let mut role_of: Vec<usize> = Vec::new();
    let mut counter = vec![0u32; ROLES.len()];
    for k in 0..n_clinicians {
        let site = k % n_sites;
        let role = if k < n_sites {
            0
        } else {
            let roll: f64 = rng.random();
            cumulative_pick(roll, ROLES.iter().map(|r| r.staff)).unwrap_or(0)
        };
        counter[role] += 1;
        clinicians.push(ClinicianInput {
            id: format!("{}-{}{}", sites[site].id, ROLES[role].role, counter[role]),
            site_id: sites[site].id.clone(),
            role: ROLES[role].role.to_string(),
            name: format!("{} {}", ROLES[role].role, counter[role]),
        });
        role_of.push(role);
    }
    (clinicians, role_of)
}

/// Slots: four of five weekdays, a morning and an afternoon session.
fn slots(
    rng: &mut ChaCha8Rng,
    clinicians: &[ClinicianInput],
    role_of: &[usize],
    (start, horizon): (NaiveDate, u32),
) -> Vec<SlotInput> {
    let mut slots = Vec::new();
    let modes = [ModeInput::FaceToFace, ModeInput::Phone, ModeInput::Video];
    for (k, clinician) in clinicians.iter().enumerate() {
        let shape = &ROLES[role_of[k]];
        let day_off = rng.random_range(0..5u32);
        for day in 0..horizon {
            let date = start + chrono::Duration::days(i64::from(day));
            let weekday = date.weekday();
            if matches!(weekday, Weekday::Sat | Weekday::Sun)
                || weekday.num_days_from_monday() == day_off
            {
                continue;
            }
            let weights = &shape.modes;
            let total: u32 = weights.iter().sum();
            for i in 0..shape.per_day {
                let morning = i < shape.per_day / 2;
                let offset = if morning { i } else { i - shape.per_day / 2 };
                let minutes = if morning { 8 * 60 + 30 } else { 14 * 60 } + offset * shape.slot_min;
                let mut roll = rng.random_range(0..total);
                let mut m = 0;
                while roll >= weights[m] {
                    roll -= weights[m];
                    m += 1;
                }
                slots.push(SlotInput {
                    id: format!("{}-{}-{:02}", clinician.id, date.format("%m%d"), i + 1),
                    clinician_id: clinician.id.clone(),
                    site_id: clinician.site_id.clone(),
                    role: clinician.role.clone(),
                    date: iso(date),
                    start_time: format!("{:02}:{:02}", minutes / 60, minutes % 60),
                    duration_min: shape.slot_min,
                    mode: modes[m],
                });
            }
        }
    }
    slots
}

/// Request `i`: a backlog dated before the start, the rest arriving day by day.
fn request(
    rng: &mut ChaCha8Rng,
    i: u32,
    practices: &Practices,
    clinicians: &[ClinicianInput],
    (start, horizon): (NaiveDate, u32),
) -> RequestInput {
    let (sites, list_size) = (&practices.sites, &practices.list_size);
    let total_list: f64 = list_size.iter().sum();
    let travel_limits = [10u32, 20, 20, 30, 45];
    let roll: f64 = rng.random::<f64>() * total_list;
    let home = cumulative_pick(roll, list_size.iter().copied()).unwrap_or(sites.len() - 1);
    let roll: f64 = rng.random();
    let role = cumulative_pick(roll, ROLES.iter().map(|r| r.demand)).unwrap_or(0);
    let roll: f64 = rng.random();
    let urgency = if roll < 0.15 {
        UrgencyInput::SameDay
    } else if roll < 0.4 {
        UrgencyInput::Urgent
    } else {
        UrgencyInput::Routine
    };
    // Practices take requests on weekdays.
    let backlog = urgency == UrgencyInput::Routine && rng.random_bool(0.3);
    let day: i64 = loop {
        let day = if backlog {
            -rng.random_range(1..=14)
        } else {
            rng.random_range(0..i64::from(horizon))
        };
        let weekday = (start + chrono::Duration::days(day)).weekday();
        if !matches!(weekday, Weekday::Sat | Weekday::Sun) {
            break day;
        }
    };
    let roll: f64 = rng.random();
    let request_modes = if ROLES[role].role == "PHYSIO" || roll < 0.25 {
        vec![ModeInput::FaceToFace]
    } else if roll < 0.75 {
        vec![ModeInput::FaceToFace, ModeInput::Phone, ModeInput::Video]
    } else {
        vec![ModeInput::Phone, ModeInput::Video]
    };
    let preferred_clinician_id = if ROLES[role].role == "GP" && rng.random_bool(0.4) {
        let own: Vec<&ClinicianInput> = clinicians
            .iter()
            .filter(|k| k.site_id == sites[home].id && k.role == "GP")
            .collect();
        own.choose(rng).map(|k| k.id.clone()).unwrap_or_default()
    } else {
        String::new()
    };
    RequestInput {
        id: format!("R{:06}", i + 1),
        home_site_id: sites[home].id.clone(),
        role: ROLES[role].role.to_string(),
        urgency,
        request_date: iso(start + chrono::Duration::days(day)),
        modes: request_modes,
        max_travel_min: *travel_limits.choose(rng).expect("non-empty"),
        preferred_clinician_id,
    }
}
