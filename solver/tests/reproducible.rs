//! Reproducible mode in process (docs/model.md, "Determinism"): the same request gives
//! the same plan, every response reports its effort, and the same request with
//! `effort_limit` = the effort used gives the same plan again, whether the limit cut
//! the solve or it ended of itself.

use std::time::Duration;

use clinicplan_solver::theatre::effort::DEFAULT_EFFORT;
use clinicplan_solver::theatre::solve::{InProcess, Outcome, solve};
use clinicplan_solver::theatre::{Instance, validate};

use crate::support;

/// A generated week with the reproducible options.
fn week(theatres: u32, patients: u32, seed: u64, effort_limit: Option<u64>) -> Instance {
    let mut instance = support::generated(theatres, patients, seed, false);
    instance.options.reproducible = true;
    instance.options.effort_limit = effort_limit;
    instance
}

/// A generous time limit: the safety net, which must not strike in these tests.
const SAFETY: Duration = Duration::from_secs(120);

fn solved(instance: &Instance) -> Outcome {
    let outcome = solve(instance, SAFETY, &mut InProcess).expect("a plan");
    assert!(outcome.check.is_valid(), "{:?}", outcome.check.violations);
    outcome
}

#[test]
fn the_same_request_twice_gives_the_same_plan_and_its_effort_repeats_it() {
    let instance = week(2, 60, 5, None);
    let first = solved(&instance);
    let second = solved(&instance);
    assert_eq!(first.plan, second.plan);
    let r = &first.report;
    assert!(r.reproducible, "{:?}", r.notes);
    assert_eq!(r.effort_limit, Some(DEFAULT_EFFORT));
    assert!(r.effort_used > 0);
    assert_eq!(r.effort_used, second.report.effort_used);
    // The same request with effort_limit = the effort used: the same plan.
    let replay = solved(&week(2, 60, 5, Some(r.effort_used)));
    assert_eq!(replay.plan, first.plan);
    assert_eq!(replay.report.effort_used, r.effort_used);
    assert!(replay.report.reproducible);
}

#[test]
fn an_effort_limit_cuts_the_solve_and_its_effort_used_repeats_the_plan() {
    // A limit far below what the week needs: the solve stops at it.
    let limit = 2_000;
    let cut = solved(&week(4, 240, 9, Some(limit)));
    let r = &cut.report;
    assert!(r.reproducible, "{:?}", r.notes);
    assert!(r.effort_used >= limit, "{} < {limit}", r.effort_used);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("the effort limit stopped")),
        "{:?}",
        r.notes
    );
    let replay = solved(&week(4, 240, 9, Some(r.effort_used)));
    assert_eq!(replay.plan, cut.plan);
    assert_eq!(replay.report.effort_used, r.effort_used);
}

#[test]
fn a_time_limited_solve_reports_its_effort_and_promises_no_repeat() {
    let instance = support::generated(3, 150, 5, false);
    let outcome = solve(&instance, Duration::from_secs(3), &mut InProcess).expect("a plan");
    let r = &outcome.report;
    assert!(r.effort_used > 0);
    assert_eq!(r.effort_limit, None);
    assert!(!r.reproducible);
}

#[test]
fn the_effort_of_a_time_limited_plan_sent_back_as_the_limit_gives_one_plan_every_time() {
    // A time-limited plan reports its effort; the same request in reproducible mode with
    // that effort as its limit gives one plan, however often it is sent (not the
    // time-limited plan: that one depended on the clock).
    let instance = support::generated(3, 150, 5, false);
    let timed = solve(&instance, Duration::from_secs(2), &mut InProcess).expect("a plan");
    let effort = timed.report.effort_used;
    assert!(effort > 0);
    let first = solved(&week(3, 150, 5, Some(effort)));
    let second = solved(&week(3, 150, 5, Some(effort)));
    assert!(first.report.reproducible, "{:?}", first.report.notes);
    assert_eq!(first.plan, second.plan);
    assert_eq!(first.report.effort_used, second.report.effort_used);
    assert_eq!(first.report.effort_limit, Some(effort));
}

#[test]
fn where_the_safety_net_strikes_the_plan_is_not_promised_to_repeat() {
    // A time limit within the answer margin: the safety net has struck before the
    // solve starts, whatever the machine.
    let instance = week(2, 60, 5, None);
    let outcome = solve(&instance, Duration::from_millis(1), &mut InProcess).expect("a plan");
    assert!(outcome.check.is_valid());
    let r = &outcome.report;
    assert!(!r.reproducible);
    assert!(
        r.notes.iter().any(|n| n.contains("safety net")),
        "{:?}",
        r.notes
    );
}

#[test]
fn an_effort_limit_is_checked() {
    let mut request = clinicplan_solver::theatre::generate::theatre_request(
        &clinicplan_solver::theatre::generate::GeneratorConfig {
            theatres: 1,
            patients: 10,
            horizon_days: 5,
            seed: 1,
            shape: clinicplan_solver::theatre::generate::WeekShape::baseline(),
        },
    );
    let errors = |request: &clinicplan_solver::theatre::TheatreRequest| {
        validate(request)
            .err()
            .map(|e| {
                e.0.iter()
                    .map(|e| (e.code, e.field.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let field = "options.effort_limit".to_string();
    request.options.effort_limit = Some(1_000);
    assert_eq!(errors(&request), vec![("CP1054", field.clone())]);
    request.options.reproducible = true;
    assert_eq!(errors(&request), vec![]);
    request.options.effort_limit = Some(0);
    assert_eq!(errors(&request), vec![("CP1054", field)]);
}
