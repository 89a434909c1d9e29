//! Replications (issue 22 §2): with zero variation every replication is the same and
//! every interval has zero width; a variant that changes nothing has difference
//! intervals holding 0; replication k of every variant draws the same arrivals (common
//! random numbers) and replications draw different ones; the warm-up is left out of the
//! summary.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use clinicplan_solver::simulate::{
    InProcess, ParallelRun, RunId, Scenario, VariantRun, WeekResult, run_variants, statistics,
};
use serde_json::{Value, json};

use super::simulate::{scenario, small};

const WEEKS: u32 = 4;

/// Arrivals of each (variant, replication, week).
type Arrivals = BTreeMap<(usize, u32, u32), Vec<String>>;

/// Runs `variants` of `scenario` `replications` times for WEEKS weeks; the runs and
/// every week's arrivals.
fn replicate(
    scenario: &Scenario,
    variants: &[&str],
    replications: u32,
) -> (Vec<VariantRun>, Arrivals) {
    let names: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
    let arrivals = Mutex::new(Arrivals::new());
    let run = ParallelRun {
        variants: &names,
        weeks: WEEKS,
        replications,
        cancel: &AtomicBool::new(false),
        solver: &InProcess,
    };
    let runs = run_variants(scenario, &run, &|id: RunId, week: &WeekResult, ledger| {
        arrivals.lock().unwrap().insert(
            (id.variant, id.replication, week.week),
            ledger.arrived.clone(),
        );
    })
    .expect("the runs");
    assert_eq!(runs.len(), variants.len() * replications as usize);
    for (i, r) in runs.iter().enumerate() {
        assert_eq!(
            r.variant,
            variants[i / replications as usize],
            "variant by variant"
        );
        assert_eq!(r.replication, (i % replications as usize) as u32);
        assert!(r.weeks.iter().all(|w| w.replication == r.replication));
    }
    (runs, arrivals.into_inner().unwrap())
}

/// A week's figures without its replication number.
fn figures(w: &WeekResult) -> WeekResult {
    WeekResult {
        replication: 0,
        ..w.clone()
    }
}

/// `small()` with the variants given.
fn with_variants(mut value: Value, variants: Value) -> Value {
    value["variants"] = variants;
    value
}

#[test]
fn with_zero_variation_every_replication_is_the_same_and_intervals_have_zero_width() {
    let mut value = with_variants(
        small(),
        json!([{"name": "saturday", "from_week": 1,
            "add_sessions": [{"theatre": "T1", "weekday": "sat", "start": "08:30", "end": "12:30", "specialty": "ORTHO", "surgeon": "O2"}]}]),
    );
    // No cancellations, no validation removals, no additions: nothing is drawn.
    value["demand"]["cancellation_rate"] = json!(0.0);
    value["demand"]["validation_removal_rate"] = json!(0.0);
    for stream in value["demand"]["streams"].as_array_mut().unwrap() {
        stream["per_week"] = json!(0.0);
    }
    let s = scenario(value);
    let (runs, _) = replicate(&s, &["baseline", "saturday"], 3);
    for variant in runs.chunks(3) {
        let first: Vec<WeekResult> = variant[0].weeks.iter().map(figures).collect();
        assert!(
            first.iter().any(|w| w.treated > 0),
            "the lists do something"
        );
        for other in &variant[1..] {
            let weeks: Vec<WeekResult> = other.weeks.iter().map(figures).collect();
            assert_eq!(weeks, first, "replication {} differs", other.replication);
            assert_eq!(other.summary, variant[0].summary);
        }
    }
    let names = vec!["baseline".to_string(), "saturday".to_string()];
    let stats = statistics::<Scenario>(&names, &runs);
    for v in &stats {
        assert_eq!(v.replications, 3);
        for m in &v.measures {
            assert_eq!(m.value.half_width(), 0.0, "{} of {}", m.measure, v.variant);
            assert_eq!(m.value.sd, 0.0);
            if let Some(d) = &m.difference {
                assert_eq!(d.half_width(), 0.0, "difference in {}", m.measure);
            }
        }
    }
}

#[test]
fn a_variant_that_changes_nothing_has_difference_intervals_holding_zero() {
    let s = scenario(with_variants(small(), json!([{"name": "same"}])));
    let (runs, _) = replicate(&s, &["baseline", "same"], 4);
    let names = vec!["baseline".to_string(), "same".to_string()];
    let stats = statistics::<Scenario>(&names, &runs);
    // The replications do differ: the measures have intervals of positive width.
    assert!(
        stats[0].measures.iter().any(|m| m.value.half_width() > 0.0),
        "no noise between replications: {:?}",
        stats[0]
    );
    for m in &stats[1].measures {
        let d = m.difference.expect("a difference against the baseline");
        assert!(d.contains(0.0), "{}: {d:?}", m.measure);
    }
}

#[test]
fn replication_k_of_every_variant_draws_the_same_arrivals_and_replications_differ() {
    // Capacity changes only: the demand is the same in every variant.
    let s = scenario(small());
    let variants = ["baseline", "saturday", "closure"];
    let (_, arrivals) = replicate(&s, &variants, 2);
    for k in 0..2 {
        for week in 0..WEEKS {
            let base = &arrivals[&(0, k, week)];
            assert!(!base.is_empty(), "week {week} has arrivals");
            for v in 1..variants.len() {
                assert_eq!(
                    &arrivals[&(v, k, week)],
                    base,
                    "{} replication {k} week {week}",
                    variants[v]
                );
            }
        }
    }
    assert!(
        (0..WEEKS).any(|w| arrivals[&(0, 0, w)] != arrivals[&(0, 1, w)]),
        "replications 0 and 1 drew the same arrivals"
    );
}

#[test]
fn the_warm_up_is_left_out_of_the_summary_and_replication_zero_is_the_file_seed() {
    let mut value = with_variants(small(), json!([]));
    value["warmup_weeks"] = json!(2);
    let s = scenario(value);
    let (runs, _) = replicate(&s, &["baseline"], 2);
    let r = &runs[0];
    assert_eq!(r.weeks.len(), WEEKS as usize);
    assert_eq!(r.summary.weeks, WEEKS - 2);
    let after: u32 = r.weeks[2..].iter().map(|w| w.treated).sum();
    assert_eq!(r.summary.treated, after);

    // Replication 0 is the run of the file's seed, as a run without replications.
    let (single, _) = replicate(&s, &["baseline"], 1);
    assert_eq!(single[0], runs[0]);
}
