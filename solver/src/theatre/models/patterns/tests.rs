//! The master's Lagrangian, subgradient, disjoint patterns and dives, on generated weeks.

use std::time::Instant;

use crate::theatre::domain::Instance;
use crate::theatre::models::patterns::master::{Generation, Master};
use std::collections::{HashMap, HashSet};

use crate::theatre::domain::SurgeonIdx;
use crate::theatre::generate::{GeneratorConfig, theatre_request};
use crate::theatre::models::patterns::pattern::{Part, Pattern, patterns_of};
use crate::theatre::models::patterns::pricing::Pricing;
use proptest::prelude::*;

/// A generated week of two theatres.
fn week(patients: u32, seed: u64) -> Instance {
    let request = theatre_request(&GeneratorConfig::week(2, patients, seed));
    crate::theatre::validate::validate(&request).expect("a valid instance")
}

/// Whether a pattern's cases and their turnarounds fit its session's minutes.
fn fits_its_session(instance: &Instance, pattern: &Pattern) -> bool {
    let s = pattern.session;
    let minutes: u32 = pattern
        .patients
        .iter()
        .map(|&p| instance.patient(p).duration_min + instance.turnaround(s))
        .sum();
    minutes <= instance.session(s).length_min + instance.turnaround(s)
}

/// Duals of the master's shared rows: ≤ 0, from a fixed pattern over the rows (so that
/// pricing chooses between patients), varied by the scales a and b.
fn duals(master: &Master, a: f64, b: f64) -> Vec<f64> {
    (0..master.rows.bounds.len())
        .map(|r| {
            if master.is_convexity[r] {
                0.0
            } else {
                -(a * ((r * 7919 % 13) as f64) + b * ((r * 104_729 % 5) as f64))
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Automatic smoothing steers by `subgradient`: L is concave, so at any y' it
    /// must lie under the plane through L(y) with that slope.
    #[test]
    fn the_subgradient_bounds_the_lagrangian_from_above(
        seed in 1u64..1000,
        scales in prop::collection::vec((0.0f64..3.0, 0.0f64..3.0), 2..6),
    ) {
        let instance = week(50, seed);
        let pricing = Pricing::new(&instance);
        let start = crate::theatre::constructive::constructive_plan(&instance);
        let master = Master::new(
            &instance,
            &pricing,
            &Part::whole(&instance),
            &patterns_of(&instance, &start),
            0,
            None,
            false,
        )
        .expect("a master");
        let (a, b) = scales[0];
        let y = duals(&master, a, b);
        let (at_y, priced) = master.lagrangian(&y);
        let g = master.subgradient(&priced);
        for &(a, b) in &scales[1..] {
            let other = duals(&master, a, b);
            let (at_other, _) = master.lagrangian(&other);
            let plane: f64 = at_y
                + g.iter()
                    .zip(other.iter().zip(&y))
                    .map(|(gr, (o, v))| gr * (o - v))
                    .sum::<f64>();
            prop_assert!(
                at_other <= plane + 1e-6 * master.scale,
                "L(y') = {at_other} above the plane {plane}"
            );
        }
    }

    /// `disjoint` gives each priced session one pattern, in order of the sessions'
    /// best reduced costs, no patient twice, none of the excluded, each within its
    /// session and eligible; the first keeps its session's best pattern, and no pattern
    /// is cheaper than its session's best.
    #[test]
    fn the_disjoint_patterns_are_a_plan(
        seed in 1u64..1000,
        (a, b) in (0.0f64..3.0, 0.0f64..3.0),
        excluded in prop::collection::vec(0usize..60, 0..8),
    ) {
        let instance = week(60, seed);
        let pricing = Pricing::new(&instance);
        let mut master = Master::new(
            &instance,
            &pricing,
            &Part::whole(&instance),
            &[],
            0,
            None,
            false,
        )
        .expect("a master");
        for &p in excluded.iter().filter(|&&p| p < instance.patients.len()) {
            master.excluded[p] = true;
        }
        let y = duals(&master, a, b);
        let (_, mut priced) = master.lagrangian(&y);
        let plan = master.disjoint(&y, &priced);
        priced.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.session.cmp(&b.1.session)));
        prop_assert_eq!(plan.len(), priced.len());
        if let (Some(first), Some((_, best))) = (plan.first(), priced.first()) {
            prop_assert_eq!(first, best);
        }
        let mut seen = HashSet::new();
        for (pattern, (best_cost, best)) in plan.iter().zip(&priced) {
            let s = pattern.session;
            prop_assert_eq!(s, best.session);
            prop_assert!(fits_its_session(&instance, pattern));
            for &p in &pattern.patients {
                prop_assert!(!master.excluded[p.idx()], "{p:?} is excluded");
                prop_assert!(seen.insert(p), "{p:?} in two patterns");
                prop_assert!(instance.eligible[p.idx()].contains(&s));
            }
            let cost: f64 = pattern
                .patients
                .iter()
                .map(|&p| master.rows.reduced_item(&instance, p, s, &y))
                .sum();
            prop_assert!(cost >= best_cost - 1e-9 * master.scale);
        }
    }
}

/// A dive that passes over the first step's best pattern fixes another one first, and
/// like the plain dive leaves a plan for its sessions: one pattern per session, no
/// patient twice, within each session's minutes and each surgeon's day.
#[test]
fn a_dive_with_a_discrepancy_starts_elsewhere_and_fixes_a_plan() {
    let instance = week(80, 3);
    let pricing = Pricing::new(&instance);
    let part = Part::whole(&instance);
    let far = Instant::now() + std::time::Duration::from_secs(60);
    let start = patterns_of(
        &instance,
        &crate::theatre::constructive::constructive_plan(&instance),
    );
    let dive = |skip: usize| {
        let mut master =
            Master::new(&instance, &pricing, &part, &start, 0, None, false).expect("a master");
        assert_eq!(master.generate(far, None), Generation::Converged);
        master.dive(far, true, skip)
    };
    let (plain, other) = (dive(0), dive(1));
    assert!(!plain.is_empty() && !other.is_empty());
    assert_ne!(plain[0], other[0], "the first fix differs");
    for fixed in [&plain, &other] {
        let mut sessions = HashSet::new();
        let mut patients = HashSet::new();
        let mut surgeon_day: HashMap<(SurgeonIdx, u32), u32> = HashMap::new();
        for pattern in fixed {
            let s = pattern.session;
            assert!(sessions.insert(s), "{s:?} fixed twice");
            assert!(fits_its_session(&instance, pattern));
            for &p in &pattern.patients {
                assert!(patients.insert(p), "{p:?} in two patterns");
                assert!(instance.eligible[p.idx()].contains(&s));
                let session = instance.session(s);
                *surgeon_day
                    .entry((session.surgeon, session.day))
                    .or_insert(0) += instance.patient(p).duration_min;
            }
        }
        for (&(k, _), &minutes) in &surgeon_day {
            assert!(minutes <= instance.surgeons[k.idx()].max_minutes_per_day);
        }
    }
}
