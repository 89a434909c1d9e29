//! Properties of appointment balancing over many networks, each balanced over gRPC by
//! both methods: every response passes the independent checker (so its reported cost
//! equals the recomputed one), both methods reach the optimum of the per-pair
//! reference LP (no grouping), tiny networks also match the brute force, and the same
//! request twice gives the same response (timing aside).
//!
//! The networks come from seeded loops, the same on every run. For a longer hunt,
//! `CLINICPLAN_E2E_CASES` multiplies the number of cases and `CLINICPLAN_E2E_SEED`
//! replaces the seed.

use std::time::Instant;

use clinicplan_service::proto;
use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::Harness;
use crate::support::appointments::*;

fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok())
}

fn cases(base: u64) -> u64 {
    base * env("CLINICPLAN_E2E_CASES").unwrap_or(1).max(1)
}

fn seed(base: u64) -> u64 {
    env("CLINICPLAN_E2E_SEED").unwrap_or(base)
}

/// What one network's checks found, as text (empty: all good).
struct Outcome {
    failures: Vec<String>,
    cost30: i64,
    response: Option<proto::BalanceAppointmentsResponse>,
}

/// Balances `request` by the transshipment LP (twice, for determinism) and by the full
/// LP, checks every response, and compares each optimum with `optimum30`.
fn balance_and_compare(
    harness: &Harness,
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
    optimum30: i64,
) -> Outcome {
    let mut failures = Vec::new();
    let mut first = None;
    let mut cost30 = 0;
    for (method, label) in [
        (proto::BalanceMethod::Transshipment, "transshipment"),
        (proto::BalanceMethod::FullLp, "full_lp"),
        (proto::BalanceMethod::Transshipment, "transshipment_again"),
    ] {
        let request = with_method(request.clone(), method);
        let case = format!("{name}_{label}");
        let (response, recomputed) = match balance_checked(harness, &case, &request) {
            Ok(ok) => ok,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let s = summary(&response);
        if recomputed.cost30 != optimum30 || s.status != proto::SolveStatus::Optimal as i32 {
            let path = save_case(&case, &request, Some(&response));
            failures.push(format!(
                "{case}: cost {}/30 ({:?}), the reference optimum is {optimum30}/30 (saved as {})",
                recomputed.cost30,
                proto::SolveStatus::try_from(s.status),
                path.display()
            ));
        }
        cost30 = recomputed.cost30;
        match (label, &first) {
            ("transshipment", _) => first = Some(without_timing(response)),
            ("transshipment_again", Some(earlier))
                if *earlier != without_timing(response.clone()) =>
            {
                let path = save_case(&case, &request, Some(&response));
                failures.push(format!(
                    "{case}: the same request twice gave different responses (saved as {})",
                    path.display()
                ));
            }
            _ => {}
        }
    }
    Outcome {
        failures,
        cost30,
        response: first,
    }
}

/// A generated network (Monday 2 March 2026 onwards) on the wire, with a 20 s limit.
fn generated(config: &NetworkConfig) -> proto::BalanceAppointmentsRequest {
    let mut request =
        clinicplan_service::convert::appointments::request_to_proto(&network_request(config));
    request.options = Some(proto::BalanceOptions {
        time_limit_ms: 20_000,
        ..Default::default()
    });
    request
}

#[test]
fn generated_networks_reach_the_per_pair_optimum() {
    let harness = Harness::start();
    let mut rng = ChaCha8Rng::seed_from_u64(seed(0x4150_5054));
    let mut failures = Vec::new();
    let started = Instant::now();
    let (mut requests, mut slots, mut pairs) = (0, 0, 0);
    let n = cases(10);
    for i in 0..n {
        // The first two are the extremes of the ranges; the rest are drawn from them.
        let config = match i {
            0 => NetworkConfig {
                practices: 2,
                clinicians: 4,
                requests: 20,
                horizon_days: 3,
                seed: rng.random(),
            },
            1 => NetworkConfig {
                practices: 4,
                clinicians: 14,
                requests: 299,
                horizon_days: 13,
                seed: rng.random(),
            },
            _ => NetworkConfig {
                practices: rng.random_range(2..5),
                clinicians: rng.random_range(4..15),
                requests: rng.random_range(20..300),
                horizon_days: rng.random_range(3..14),
                seed: rng.random(),
            },
        };
        let request = generated(&config);
        let net = Net::new(&request).expect("the tests read a generated network");
        requests += net.requests.len();
        slots += net.slots.len();
        pairs += net.eligible_pairs().len();
        let optimum30 = reference_optimum30(&request);
        let name = format!(
            "generated_p{}_c{}_r{}_h{}_s{}",
            config.practices, config.clinicians, config.requests, config.horizon_days, config.seed
        );
        let outcome = balance_and_compare(&harness, &name, &request, optimum30);
        failures.extend(outcome.failures);
        // The optimum books someone, and costs less than booking nobody.
        if let Some(response) = outcome.response
            && !response.bookings.is_empty()
        {
            assert!(outcome.cost30 < net.nothing_booked30(), "{name}");
        }
    }
    eprintln!(
        "appointments: {n} generated networks ({requests} requests, {slots} slots, {pairs} eligible pairs) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_no_failures(&failures);
}

const MINUTES: [u32; 9] = [0, 5, 10, 20, 30, 45, 60, 90, 300];
/// Journeys long enough that booking can cost more than waiting.
const FAR_MINUTES: [u32; 3] = [300, 480, 1000];
const LIMITS: [u32; 8] = [0, 5, 10, 20, 30, 60, 300, 1440];

/// Every failure, listed, or none.
fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A tiny random network: 1–3 sites with travel given one way, both ways (equal or
/// not), not at all, or repeated; 1–4 clinicians of two roles, some working away from
/// their practice; up to 7 slots and 7 requests, with requests dated before the start,
/// same-day requests, duplicated modes, zero travel limits, preferred clinicians and an
/// occasional role nobody has. About one network in three is spread out: its journeys are
/// hours long and most of its patients would make them, so that booking can cost more
/// than waiting.
fn tiny_network(rng: &mut ChaCha8Rng) -> proto::BalanceAppointmentsRequest {
    let horizon = rng.random_range(1..=4u32);
    let far = rng.random_bool(0.3);
    let minutes: &[u32] = if far { &FAR_MINUTES } else { &MINUTES };
    let mut request = network(horizon);
    let n_sites = if far {
        rng.random_range(2..=3)
    } else {
        rng.random_range(1..=3)
    };
    let site_ids: Vec<&str> = ["A", "B", "C"][..n_sites].to_vec();
    request.sites = site_ids.iter().map(|s| site(s)).collect();
    tiny_travel(rng, &mut request, &site_ids, minutes);
    tiny_clinicians(rng, &mut request, &site_ids);
    tiny_slots(rng, &mut request, &site_ids, horizon);
    tiny_requests(rng, &mut request, &site_ids, horizon, far);
    request
}

/// Travel between the sites: some pairs not given, some one way, some both, some
/// asymmetric; now and then a site to itself and a repeated entry.
fn tiny_travel(
    rng: &mut ChaCha8Rng,
    request: &mut proto::BalanceAppointmentsRequest,
    site_ids: &[&str],
    minutes: &[u32],
) {
    for (a, &from) in site_ids.iter().enumerate() {
        for &to in &site_ids[a + 1..] {
            let there = *minutes.choose(rng).expect("non-empty");
            let roll: f64 = rng.random();
            if roll < 0.2 {
                // Not given: out of reach face to face.
            } else if roll < 0.55 {
                request.travel.push(travel(from, to, there));
            } else if roll < 0.75 {
                request.travel.push(travel(to, from, there));
            } else if roll < 0.9 {
                request.travel.push(travel(from, to, there));
                request.travel.push(travel(to, from, there));
            } else {
                let back = *minutes.choose(rng).expect("non-empty");
                request.travel.push(travel(from, to, there));
                request.travel.push(travel(to, from, back));
            }
        }
        if rng.random_bool(0.1) {
            request.travel.push(travel(from, from, 0));
        }
    }
    if let Some(t) = request.travel.first().cloned()
        && rng.random_bool(0.1)
    {
        request.travel.push(t);
    }
}

/// One to four clinicians, mostly GPs, each at one of the sites.
fn tiny_clinicians(
    rng: &mut ChaCha8Rng,
    request: &mut proto::BalanceAppointmentsRequest,
    site_ids: &[&str],
) {
    for k in 0..rng.random_range(1..=4) {
        let role = if rng.random_bool(0.8) { "GP" } else { "NURSE" };
        let home = site_ids.choose(rng).expect("non-empty");
        request
            .clinicians
            .push(clinician(&format!("K{k}"), home, role));
    }
}

/// Up to seven slots (rarely none), mostly at the clinician's own site.
fn tiny_slots(
    rng: &mut ChaCha8Rng,
    request: &mut proto::BalanceAppointmentsRequest,
    site_ids: &[&str],
    horizon: u32,
) {
    // Slots: one clinician's slots on one day follow each other, 20 minutes apart.
    let mut next_start: std::collections::HashMap<(String, i64), u32> = Default::default();
    let n_slots = if rng.random_bool(0.05) {
        0
    } else {
        rng.random_range(1..=7)
    };
    for s in 0..n_slots {
        let k = request.clinicians.choose(rng).expect("non-empty").clone();
        let at = if rng.random_bool(0.7) {
            k.site_id.clone()
        } else {
            site_ids.choose(rng).expect("non-empty").to_string()
        };
        let day_idx = rng.random_range(0..i64::from(horizon));
        let start = next_start.entry((k.id.clone(), day_idx)).or_insert(8 * 60);
        let time = format!("{:02}:{:02}", *start / 60, *start % 60);
        *start += 20;
        let mode = *[F2F, F2F, F2F, PHONE, PHONE, VIDEO]
            .choose(rng)
            .expect("non-empty");
        request.slots.push(slot(
            &format!("S{s}"),
            &k.id,
            &at,
            &k.role,
            day_idx,
            &time,
            mode,
        ));
    }
}

/// Up to seven requests of mixed roles, urgencies, modes and limits, some naming a
/// preferred clinician.
fn tiny_requests(
    rng: &mut ChaCha8Rng,
    request: &mut proto::BalanceAppointmentsRequest,
    site_ids: &[&str],
    horizon: u32,
    far: bool,
) {
    for r in 0..rng.random_range(0..=7) {
        let roll: f64 = rng.random();
        let role = if roll < 0.03 {
            "PHYSIO"
        } else if roll < 0.83 {
            "GP"
        } else {
            "NURSE"
        };
        let mut modes: Vec<proto::Mode> = [(F2F, 0.8), (PHONE, 0.5), (VIDEO, 0.3)]
            .into_iter()
            .filter(|&(_, p)| rng.random_bool(p))
            .map(|(m, _)| m)
            .collect();
        if modes.is_empty() {
            modes.push(PHONE);
        }
        if rng.random_bool(0.1) {
            modes.push(modes[0]);
        }
        let mut a = appt(
            &format!("R{r}"),
            site_ids.choose(rng).expect("non-empty"),
            role,
            *[SAME_DAY, URGENT, URGENT, ROUTINE, ROUTINE, ROUTINE]
                .choose(rng)
                .expect("non-empty"),
            rng.random_range(-2..i64::from(horizon)),
            &modes,
            if far && rng.random_bool(0.7) {
                1440
            } else {
                *LIMITS.choose(rng).expect("non-empty")
            },
        );
        let same_role: Vec<&proto::Clinician> = request
            .clinicians
            .iter()
            .filter(|k| k.role == role)
            .collect();
        if rng.random_bool(0.4)
            && let Some(k) = same_role.choose(rng)
        {
            a.preferred_clinician_id = k.id.clone();
        }
        request.requests.push(a);
    }
}

/// How many tiny cases exercised what, so that the generator is known to reach each
/// rule and each reason.
#[derive(Debug, Default)]
struct Coverage {
    cases: usize,
    bookings: usize,
    away_from_home: usize,
    kept_preference: usize,
    missed_preference: usize,
    same_day_booked: usize,
    no_eligible_slot: usize,
    eligible_slots_taken: usize,
    costs_more_than_waiting: usize,
}

#[test]
fn tiny_random_networks_match_the_brute_force() {
    let harness = Harness::start();
    let mut rng = ChaCha8Rng::seed_from_u64(seed(0x7174_1125));
    let mut failures = Vec::new();
    let mut seen = Coverage::default();
    let started = Instant::now();
    let n = cases(200);
    for i in 0..n {
        let request = tiny_network(&mut rng);
        let brute = brute_optimum30(&request);
        let lp = reference_optimum30(&request);
        let name = format!("tiny_{i}");
        if brute != lp {
            let path = save_case(&name, &request, None);
            failures.push(format!(
                "{name}: brute force {brute}/30, reference LP {lp}/30 (saved as {})",
                path.display()
            ));
            continue;
        }
        let outcome = balance_and_compare(&harness, &name, &request, brute);
        failures.extend(outcome.failures);
        let Some(response) = outcome.response else {
            continue;
        };
        seen.cases += 1;
        seen.bookings += response.bookings.len();
        let home_of = |id: &str| {
            request
                .requests
                .iter()
                .find(|r| r.id == id)
                .expect("a booked request is in the request")
        };
        for b in &response.bookings {
            let r = home_of(&b.request_id);
            seen.away_from_home += usize::from(b.site_id != r.home_site_id);
            if !r.preferred_clinician_id.is_empty() {
                seen.kept_preference += usize::from(b.with_preferred_clinician);
                seen.missed_preference += usize::from(!b.with_preferred_clinician);
            }
            seen.same_day_booked += usize::from(r.urgency == SAME_DAY as i32);
        }
        for u in &response.unassigned {
            match proto::UnassignedReason::try_from(u.reason) {
                Ok(proto::UnassignedReason::NoEligibleSlot) => seen.no_eligible_slot += 1,
                Ok(proto::UnassignedReason::EligibleSlotsTaken) => seen.eligible_slots_taken += 1,
                Ok(proto::UnassignedReason::CostsMoreThanWaiting) => {
                    seen.costs_more_than_waiting += 1
                }
                _ => {}
            }
        }
    }
    eprintln!(
        "appointments: {n} tiny networks in {:.1} s: {seen:?}",
        started.elapsed().as_secs_f64()
    );
    assert_no_failures(&failures);
    for (what, count) in [
        ("bookings away from home", seen.away_from_home),
        (
            "bookings with the preferred clinician",
            seen.kept_preference,
        ),
        (
            "bookings missing the preferred clinician",
            seen.missed_preference,
        ),
        ("same-day bookings", seen.same_day_booked),
        ("NO_ELIGIBLE_SLOT", seen.no_eligible_slot),
        ("ELIGIBLE_SLOTS_TAKEN", seen.eligible_slots_taken),
        ("COSTS_MORE_THAN_WAITING", seen.costs_more_than_waiting),
    ] {
        assert!(
            count >= 3,
            "the tiny networks reach {what} only {count} time(s)"
        );
    }
}

#[test]
fn a_tight_deadline_still_gives_a_checked_plan() {
    // With 1 ms the optimum is rarely proven: whatever comes back must still pass every
    // check (a valid plan, its true cost, a bound no higher than it, a consistent gap
    // and status), by either method.
    let harness = Harness::start();
    let mut failures = Vec::new();
    for (i, config) in [
        NetworkConfig {
            practices: 4,
            clinicians: 14,
            requests: 299,
            horizon_days: 13,
            seed: seed(11),
        },
        NetworkConfig {
            practices: 3,
            clinicians: 9,
            requests: 250,
            horizon_days: 5,
            seed: seed(12),
        },
    ]
    .iter()
    .enumerate()
    {
        for method in [
            proto::BalanceMethod::Transshipment,
            proto::BalanceMethod::FullLp,
        ] {
            let mut request = with_method(generated(config), method);
            request
                .options
                .get_or_insert_with(Default::default)
                .time_limit_ms = 1;
            let name = format!("tight_deadline_{i}_{method:?}");
            match balance_checked(&harness, &name, &request) {
                Ok((response, _)) => {
                    let s = summary(&response);
                    eprintln!(
                        "{name}: status {:?}, objective {}, bound {}, deadline reached {}, {} ms",
                        proto::SolveStatus::try_from(s.status),
                        s.objective,
                        s.bound,
                        s.deadline_reached,
                        s.solve_ms
                    );
                }
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The shipped example network (`scenarios/gp-network.json`, read as proto3 JSON, as a
/// client generated from proto/ would send it) through the server: every rule holds,
/// the stated cost is the recomputed one, and the optimum is proven.
#[test]
fn the_example_network_balances_over_grpc() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/gp-network.json");
    let text = std::fs::read_to_string(path).expect("read the example network");
    let request: proto::BalanceAppointmentsRequest =
        serde_json::from_str(&text).expect("the example is proto3 JSON");
    let harness = Harness::start();
    let (response, recomputed) = balance_valid(&harness, "example_network", &request);
    let s = summary(&response);
    assert_eq!(s.status, proto::SolveStatus::Optimal as i32, "{s:?}");
    assert_eq!(s.bound, s.objective, "{s:?}");
    assert_eq!(
        response.bookings.len() + response.unassigned.len(),
        request.requests.len()
    );
    assert!(
        response.bookings.len() > request.requests.len() / 2,
        "most requests are booked"
    );
    assert!(recomputed.cost30 > 0);
}
