//! The scenario simulation in process: every patient accounted for every week, the same
//! seed giving the same weeks, variants changing only what they state, a list without
//! demand draining at the rate the sessions allow, and validation naming every problem.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;

use std::sync::Mutex;
use std::time::Duration;

use clinicplan_solver::appointments::Network;
use clinicplan_solver::appointments::input::BalanceRequest;
use clinicplan_solver::simulate::config::ScenarioConfig;
use clinicplan_solver::simulate::{
    DEFAULT_WEEK_EFFORT, GpWeekPlan, InProcess, RunOptions, Scenario, TheatreWeekPlan, VariantRun,
    WeekLedger, WeekResult, WeekSolveError, WeekSolver, run_variant, validate_scenario,
};
use clinicplan_solver::theatre::{Instance, TheatreRequest};
use serde_json::{Value, json};

/// A small hospital: two theatres, two specialties, four surgeons (one with leave),
/// weekday lists, 60 patients on the list, demand near capacity.
pub(crate) fn small() -> Value {
    let mut patients = Vec::new();
    for i in 0..60 {
        let (specialty, surgeon) = if i % 2 == 0 {
            ("ORTHO", "O1")
        } else {
            ("ENT", "E1")
        };
        let priority = ["P2", "P3", "P4", "P4"][i % 4];
        patients.push(json!({
            "id": format!("START-{i:03}"),
            "specialty": specialty,
            "procedure": "Case",
            "duration_min": 30 + (i * 37) % 90,
            "priority": priority,
            "listed_date": format!("2025-{:02}-{:02}", 1 + (i % 12), 1 + (i % 28)),
            "surgeon": if i % 3 == 0 { Some(surgeon) } else { None },
            "length_of_stay_days": i % 3,
        }));
    }
    let mut sessions = Vec::new();
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        sessions.push(json!({"theatre": "T1", "weekday": day, "start": "08:30", "end": "12:30", "specialty": "ORTHO", "surgeon": "O1"}));
        sessions.push(json!({"theatre": "T1", "weekday": day, "start": "13:30", "end": "17:30", "specialty": "ORTHO", "surgeon": "O2"}));
        sessions.push(json!({"theatre": "T2", "weekday": day, "start": "08:30", "end": "12:30", "specialty": "ENT", "surgeon": "E1"}));
    }
    json!({
        "name": "small",
        "start_date": "2026-03-02",
        "horizon_weeks": 12,
        "seed": 7,
        "hospital": {
            "theatres": [{"id": "T1", "name": "One"}, {"id": "T2", "name": "Two", "equipment": ["laser"]}],
            "specialties": [{"code": "ORTHO", "turnaround_min": 20}, {"code": "ENT", "turnaround_min": 15}],
            "surgeons": [
                {"id": "O1", "name": "A", "specialty": "ORTHO", "max_minutes_per_day": 480,
                 "leave": [{"from": "2026-03-16", "to": "2026-03-20"}]},
                {"id": "O2", "name": "B", "specialty": "ORTHO", "max_minutes_per_day": 480},
                {"id": "E1", "name": "C", "specialty": "ENT", "max_minutes_per_day": 480},
                {"id": "E2", "name": "D", "specialty": "ENT", "max_minutes_per_day": 480},
            ],
            "sessions": sessions,
            "ward": {"elective_beds": 6},
        },
        "waiting_list": {"patients": patients},
        "demand": {
            "cancellation_rate": 0.08,
            "validation_removal_rate": 0.01,
            "streams": [
                {"specialty": "ORTHO", "priority": "P3", "per_week": 6.0, "named_surgeon_share": 0.5,
                 "procedures": [
                    {"name": "Hip", "share": 0.5, "mean_min": 120, "sd_min": 20, "length_of_stay_days": 3},
                    {"name": "Scope", "share": 0.5, "mean_min": 45, "sd_min": 10},
                 ]},
                {"specialty": "ORTHO", "priority": "P4", "per_week": 8.0,
                 "case_minutes": {"mean": 70, "sd": 25, "min": 20, "max": 180}},
                {"specialty": "ENT", "priority": "P4", "per_week": 10.0, "named_surgeon_share": 0.3,
                 "case_minutes": {"mean": 40, "sd": 10, "min": 15, "max": 90}, "length_of_stay_days": 0},
            ],
        },
        "variants": [
            {"name": "saturday", "from_week": 3,
             "add_sessions": [{"theatre": "T1", "weekday": "sat", "start": "08:30", "end": "12:30", "specialty": "ORTHO", "surgeon": "O2"}]},
            {"name": "surge", "demand_change_pct": 25},
            {"name": "closure", "from_week": 2, "to_week": 4, "close_theatres": ["T2"]},
            {"name": "far-future", "from_week": 11, "close_theatres": ["T1", "T2"], "demand_change_pct": 50,
             "ward_beds": 0, "objective": "priority-order"},
        ],
    })
}

pub(crate) fn scenario(value: Value) -> Scenario {
    let config: ScenarioConfig = serde_json::from_value(value).expect("the config deserialises");
    validate_scenario(&config, &[]).unwrap_or_else(|p| panic!("invalid scenario: {p:#?}"))
}

fn run(scenario: &Scenario, variant: &str, weeks: u32) -> (VariantRun, Vec<WeekLedger>) {
    let mut ledgers = Vec::new();
    let run = run_variant(
        scenario,
        scenario.variant(variant).expect("a known variant"),
        &RunOptions {
            weeks,
            cancel: None,
            solver: &InProcess,
        },
        |_, ledger| ledgers.push(ledger.clone()),
    )
    .expect("the run succeeds");
    (run, ledgers)
}

/// The week's figures without the variant's name.
fn figures(w: &WeekResult) -> WeekResult {
    WeekResult {
        variant: String::new(),
        ..w.clone()
    }
}

#[test]
fn every_patient_is_waiting_treated_or_removed_every_week() {
    let s = scenario(small());
    for variant in ["baseline", "surge", "closure"] {
        let (run, ledgers) = run(&s, variant, 10);
        let mut everyone: BTreeSet<String> = s.starting_list.iter().map(|p| p.id.clone()).collect();
        let (mut treated, mut removed) = (BTreeSet::new(), BTreeSet::new());
        let mut previous_size = s.starting_list.len() as u32;
        for (w, l) in run.weeks.iter().zip(&ledgers) {
            for id in &l.arrived {
                assert!(
                    everyone.insert(id.clone()),
                    "{variant} week {}: {id} arrived twice",
                    w.week
                );
            }
            for id in &l.treated {
                assert!(treated.insert(id.clone()), "{variant}: {id} treated twice");
            }
            for id in &l.removed {
                assert!(removed.insert(id.clone()), "{variant}: {id} removed twice");
            }
            let waiting: BTreeSet<String> = l.waiting.iter().cloned().collect();
            assert_eq!(
                waiting.len(),
                l.waiting.len(),
                "{variant}: a duplicate on the list"
            );
            assert!(waiting.is_disjoint(&treated) && waiting.is_disjoint(&removed));
            assert!(
                treated.is_disjoint(&removed),
                "{variant}: treated and removed"
            );
            let accounted: BTreeSet<String> = waiting
                .iter()
                .chain(&treated)
                .chain(&removed)
                .cloned()
                .collect();
            assert_eq!(
                accounted, everyone,
                "{variant} week {}: patients lost or invented",
                w.week
            );
            // The week's counts match its ledger and add up.
            assert_eq!(w.arrivals as usize, l.arrived.len());
            assert_eq!(w.treated as usize, l.treated.len());
            assert_eq!(w.cancelled as usize, l.cancelled.len());
            assert_eq!(w.booked, w.treated + w.cancelled);
            assert_eq!(
                w.list_size,
                previous_size + w.arrivals - w.treated - w.removed
            );
            assert_eq!(
                w.treated,
                w.treated_p1 + w.treated_p2 + w.treated_p3 + w.treated_p4
            );
            for id in &l.cancelled {
                assert!(
                    waiting.contains(id) || removed.contains(id),
                    "{variant}: cancelled {id} left the list"
                );
            }
            previous_size = w.list_size;
        }
        assert!(
            run.weeks.iter().map(|w| w.cancelled).sum::<u32>() > 0,
            "{variant}: no cancellations to test"
        );
        assert!(!removed.is_empty() && !treated.is_empty());
    }
}

#[test]
fn the_same_seed_gives_the_same_weeks_and_another_seed_does_not() {
    let s = scenario(small());
    let (a, _) = run(&s, "surge", 8);
    let (b, _) = run(&s, "surge", 8);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a.weeks).unwrap(),
        serde_json::to_string(&b.weeks).unwrap()
    );
    let mut other = small();
    other["seed"] = json!(8);
    let (c, _) = run(&scenario(other), "surge", 8);
    assert_ne!(a.weeks, c.weeks);
}

#[test]
fn variants_change_only_what_they_state() {
    let s = scenario(small());
    let (baseline, base_ledgers) = run(&s, "baseline", 8);

    // Changes from week 11 change nothing in the first 8 weeks.
    let (far, _) = run(&s, "far-future", 8);
    let strip = |r: &VariantRun| r.weeks.iter().map(figures).collect::<Vec<_>>();
    assert_eq!(strip(&far), strip(&baseline));

    // Saturday lists: the same additions every week, the same weeks before week 3, more
    // sessions from week 3.
    let (saturday, sat_ledgers) = run(&s, "saturday", 8);
    for (b, v) in base_ledgers.iter().zip(&sat_ledgers) {
        assert_eq!(b.arrived, v.arrived);
    }
    assert_eq!(strip(&saturday)[..3], strip(&baseline)[..3]);
    for (b, v) in baseline.weeks.iter().zip(&saturday.weeks).skip(3) {
        assert_eq!(v.sessions, b.sessions + 1, "week {}", b.week);
    }

    // A demand surge adds patients to the baseline's additions, never replaces them.
    let (surge, surge_ledgers) = run(&s, "surge", 8);
    let mut more = 0;
    for (b, v) in base_ledgers.iter().zip(&surge_ledgers) {
        let theirs: BTreeSet<&String> = v.arrived.iter().collect();
        assert!(b.arrived.iter().all(|id| theirs.contains(id)));
        more += v.arrived.len() - b.arrived.len();
    }
    assert!(more > 0, "a 25% surge added nobody in 8 weeks");
    assert_eq!(baseline.weeks[0].sessions, surge.weeks[0].sessions);

    // The closure holds from week 2 to week 4 only.
    let (closure, _) = run(&s, "closure", 8);
    assert_eq!(strip(&closure)[..2], strip(&baseline)[..2]);
    for w in &closure.weeks[2..=4] {
        // Week 2 also loses O1's five lists to leave.
        let expected = if w.week == 2 { 5 } else { 10 };
        assert_eq!(w.sessions, expected, "week {}", w.week);
    }
    assert_eq!(closure.weeks[5].sessions, 15);
}

#[test]
fn without_demand_the_list_drains_at_the_rate_capacity_allows() {
    let mut value = small();
    value["demand"]["streams"] = json!([]);
    value["demand"]["cancellation_rate"] = json!(0.0);
    value["demand"]["validation_removal_rate"] = json!(0.0);
    value["hospital"]["ward"]["elective_beds"] = json!(100);
    let s = scenario(value);
    let shortest = s
        .starting_list
        .iter()
        .map(|p| p.duration_min)
        .min()
        .unwrap();
    let (run, _) = run(&s, "baseline", 12);
    let mut size = s.starting_list.len() as u32;
    for w in &run.weeks {
        assert_eq!(w.arrivals, 0);
        assert_eq!(w.list_size, size - w.treated, "week {}", w.week);
        // No session holds more than its minutes allow.
        assert!(w.booked_minutes <= w.session_minutes, "week {}", w.week);
        // 240-minute lists with turnarounds of 15 to 20 minutes.
        let most = w.sessions * (240 + 20) / (shortest + 15);
        assert!(
            w.treated <= most,
            "week {}: {} treated, at most {most}",
            w.week,
            w.treated
        );
        if size > 0 {
            assert!(
                w.treated > 0,
                "week {}: capacity unused with {size} waiting",
                w.week
            );
        }
        size = w.list_size;
    }
    assert_eq!(
        size, 0,
        "60 patients on 15 lists a week should be gone in 12 weeks"
    );
    assert_eq!(run.weeks.last().unwrap().within_18_weeks_share, 1.0);
}

#[test]
fn validation_lists_every_problem_with_its_location() {
    let mut value = small();
    value["start_date"] = json!("2026-03-03");
    value["hospital"]["sessions"][1]["weekday"] = json!("funday");
    value["hospital"]["sessions"][2]["surgeon"] = json!("NOBODY");
    value["hospital"]["surgeons"][0]["leave"][0]["to"] = json!("2026-03-01");
    value["waiting_list"]["patients"][4]["priority"] = json!("P7");
    value["waiting_list"]["patients"][5]["id"] = json!("START-000");
    value["demand"]["streams"][1]["case_minutes"]["min"] = json!(500);
    value["variants"][0]["add_sessions"][0]["weekday"] = json!("caturday");
    value["variants"][1]["name"] = json!("saturday");
    value["variants"][2]["close_theatres"] = json!(["T9"]);
    value["variants"][2]["to_week"] = json!(1);
    value["variants"][3]["turnaround_min"] = json!({"CARDIO": 10});
    let config: ScenarioConfig = serde_json::from_value(value).unwrap();
    let problems = validate_scenario(&config, &[]).expect_err("invalid");
    let locations: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    let expected = [
        "start_date",
        "hospital.surgeons[0].leave[0].to",
        "hospital.sessions[1].weekday",
        "hospital.sessions[2].surgeon",
        "waiting_list.patients[4].priority",
        "waiting_list.patients[5].id",
        "demand.streams[1].case_minutes",
        "variants[0].add_sessions[0].weekday",
        "variants[1].name",
        "variants[2].to_week",
        "variants[2].close_theatres[0]",
        "variants[3].turnaround_min.CARDIO",
    ];
    for e in expected {
        assert!(locations.contains(&e), "{e} missing from {problems:#?}");
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

#[test]
fn a_cancel_flag_stops_the_run_between_weeks() {
    let s = scenario(small());
    let cancel = AtomicBool::new(false);
    let mut seen = 0;
    let run = run_variant(
        &s,
        None,
        &RunOptions {
            weeks: 10,
            cancel: Some(&cancel),
            solver: &InProcess,
        },
        |_, _| {
            seen += 1;
            if seen == 3 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
    )
    .unwrap();
    assert!(run.stopped_early);
    assert_eq!(run.weeks.len(), 3);
}

/// A week solver that records how each theatre week asked to be planned, then plans it
/// in process.
#[derive(Default)]
struct Recording(Mutex<Vec<(bool, bool, Option<u64>)>>);

impl WeekSolver for Recording {
    fn plan_theatres(
        &self,
        week: u32,
        request: &TheatreRequest,
        instance: &Instance,
        time_limit: Duration,
    ) -> Result<TheatreWeekPlan, WeekSolveError> {
        let o = &request.options;
        self.0
            .lock()
            .unwrap()
            .push((o.local_search_only, o.reproducible, o.effort_limit));
        InProcess.plan_theatres(week, request, instance, time_limit)
    }

    fn balance(
        &self,
        week: u32,
        request: &BalanceRequest,
        network: &Network,
    ) -> Result<GpWeekPlan, WeekSolveError> {
        InProcess.balance(week, request, network)
    }
}

/// How the weeks of `scenario`'s baseline asked to be planned, over two weeks.
fn week_modes(value: Value) -> BTreeSet<(bool, bool, Option<u64>)> {
    let scenario = scenario(value);
    let recording = Recording::default();
    let options = RunOptions {
        weeks: 2,
        cancel: None,
        solver: &recording,
    };
    let baseline = scenario.variant("baseline").expect("the baseline");
    run_variant(&scenario, baseline, &options, |_, _| {}).expect("the run");
    recording.0.into_inner().unwrap().into_iter().collect()
}

#[test]
fn weeks_are_planned_by_the_optimiser_unless_the_scenario_asks_for_local_search() {
    // The default: the full solver, reproducible, at the default week effort.
    let default = week_modes(small());
    assert_eq!(
        default,
        BTreeSet::from([(false, true, Some(DEFAULT_WEEK_EFFORT))])
    );
    // A stated effort.
    let mut stated = small();
    stated["week_effort"] = json!(5_000);
    assert_eq!(
        week_modes(stated),
        BTreeSet::from([(false, true, Some(5_000))])
    );
    // The named fast mode: local search, no LP or MIP, no effort.
    let mut fast = small();
    fast["week_planner"] = json!("local-search");
    assert_eq!(week_modes(fast), BTreeSet::from([(true, false, None)]));
}
