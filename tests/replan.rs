//! Re-planning around a published plan (issue 20), end to end: over gRPC and with
//! `clinicplan replan`. Every new plan passes the independent checker, which also
//! recomputes the changes and the stability cost from the two plans
//! (support/checker/replan.rs, support/previous.rs); bad re-plan settings get
//! INVALID_ARGUMENT naming their fields; `replan --html` is drawn in headless Chromium.

use std::path::Path;

use clinicplan_service::proto;

use crate::support::browser::{chromium, dump_dom, elements_of_class};
use crate::support::checker;
use crate::support::cli::{clinicplan, scratch, text};
use crate::support::violations::coded_violations;
use crate::support::{Harness, assert_valid, generated_for_days, plan_valid};

/// The cases of a plan as the previous plan's bookings, as `replan --previous` reads
/// them: states as the file marks them, else left to the calendar.
fn previous_of(plan: &proto::PlanTheatreListsResponse) -> Vec<proto::PreviousBooking> {
    plan.sessions
        .iter()
        .flat_map(|s| {
            s.cases.iter().map(|c| proto::PreviousBooking {
                patient_id: c.patient_id.clone(),
                session_id: s.session_id.clone(),
                state: c.state,
                session_date: s.date.clone(),
            })
        })
        .collect()
}

fn counts(r: &proto::PlanTheatreListsResponse) -> &proto::ChangeCounts {
    r.change_counts
        .as_ref()
        .expect("a re-plan states its counts")
}

fn stability(r: &proto::PlanTheatreListsResponse) -> &proto::StabilitySummary {
    r.stability
        .as_ref()
        .expect("a re-plan states its stability")
}

/// An unchanged re-plan moves nobody, unless the plan it finds is better by more than the
/// moves cost (or books more P1, the policy's first rule): then each move is listed.
fn assert_moves_pay(
    name: &str,
    before: &proto::PlanTheatreListsResponse,
    after: &proto::PlanTheatreListsResponse,
) {
    let n = counts(after);
    assert_eq!(n.displaced, 0, "{name}: nothing changed, nothing displaced");
    let p1 = |r: &proto::PlanTheatreListsResponse| {
        r.metrics
            .as_ref()
            .expect("metrics")
            .by_priority
            .iter()
            .find(|c| c.priority == 1)
            .map_or(0, |c| c.scheduled)
    };
    if n.moved + n.unbooked > 0 && p1(after) <= p1(before) {
        let s = stability(after);
        assert!(
            s.previous_plan_wait - s.weighted_wait > s.stability_cost,
            "{name}: {} moves cost {} but gain only {}",
            n.moved,
            s.stability_cost,
            s.previous_plan_wait - s.weighted_wait
        );
        let moved = after
            .changes
            .iter()
            .filter(|c| c.kind == proto::ChangeKind::Moved as i32);
        for c in moved {
            assert!(
                c.wait_delta.is_some() && c.stability_cost > 0.0,
                "{name}: {} listed without its cost",
                c.patient_id
            );
        }
    }
}

#[test]
fn replanning_over_grpc_keeps_an_unchanged_plan_and_rebooks_a_cancelled_sessions_patients() {
    let harness = Harness::start();
    for seed in [1, 2] {
        let request = generated_for_days(3, 120, 21, seed, 3_000);
        let (first, _) = plan_valid(&harness, "replan-first", &request);
        let mut again = request.clone();
        again.previous_plan = previous_of(&first);
        let (same, _) = plan_valid(&harness, "replan-unchanged", &again);
        assert_moves_pay(&format!("seed {seed}"), &first, &same);
        assert_eq!(
            (counts(&same).kept + counts(&same).moved + counts(&same).unbooked) as usize,
            again.previous_plan.len()
        );

        // The busiest session in the third week (notified) is cancelled.
        let busiest = first
            .sessions
            .iter()
            .filter(|s| s.date.as_str() >= "2026-03-16")
            .max_by_key(|s| s.cases.len())
            .expect("a session in week three");
        let mut cancelled = again.clone();
        cancelled.sessions.retain(|s| s.id != busiest.session_id);
        let (after, _) = plan_valid(&harness, "replan-cancelled", &cancelled);
        let n = counts(&after);
        assert_eq!(n.displaced as usize, busiest.cases.len(), "seed {seed}");
        for c in after
            .changes
            .iter()
            .filter(|c| c.kind == proto::ChangeKind::Displaced as i32)
        {
            assert_eq!(c.reason, "session cancelled");
            assert_eq!(c.from_date, busiest.date);
        }
        // The checker's own recomputation catches a changes list or a cost edited by hand.
        let mut tampered = after.clone();
        let kept = proto::ChangeKind::Kept as i32;
        tampered.changes[0].kind = if tampered.changes[0].kind == kept {
            proto::ChangeKind::Moved as i32
        } else {
            kept
        };
        assert!(!checker::check(&cancelled, &tampered).violations.is_empty());
        let mut tampered = after.clone();
        tampered.stability.as_mut().expect("set").stability_cost += 1.0;
        assert!(!checker::check(&cancelled, &tampered).violations.is_empty());
        let mut tampered = after.clone();
        tampered.changes.pop();
        assert!(!checker::check(&cancelled, &tampered).violations.is_empty());
        eprintln!(
            "seed {seed}: cancelled {} with {} cases: {} re-booked, {} others moved, stability cost {:.1}",
            busiest.session_id,
            busiest.cases.len(),
            n.displaced_rebooked,
            n.moved,
            stability(&after).stability_cost
        );
    }
    harness.stop().unwrap();
}

#[test]
fn bad_replan_settings_are_invalid_argument_naming_their_fields() {
    let harness = Harness::start();
    let mut request = generated_for_days(1, 10, 7, 3, 1_000);
    request.previous_plan = vec![
        proto::PreviousBooking {
            patient_id: "nobody".into(),
            session_id: "nowhere".into(),
            ..Default::default()
        },
        proto::PreviousBooking {
            patient_id: "nobody".into(),
            session_id: String::new(),
            state: 7,
            ..Default::default()
        },
    ];
    request.replan = Some(proto::ReplanOptions {
        replan_date: "2027-01-01".into(),
        move_cost: Some(-1.0),
        notify_days: Some(7),
        ..Default::default()
    });
    let got = coded_violations("replan-bad", harness.plan(&request));
    let expected: std::collections::BTreeSet<(String, String)> = [
        ("CP1070", "previous_plan[1].session_id"),
        ("CP1071", "previous_plan[1].patient_id"),
        ("CP1074", "previous_plan[1].state"),
        ("CP1072", "replan.replan_date"),
        ("CP1073", "replan.move_cost"),
        ("CP1075", "replan.lock_days"),
    ]
    .iter()
    .map(|(c, f)| (c.to_string(), f.to_string()))
    .collect();
    assert_eq!(got, expected);
    harness.stop().unwrap();
}

/// Runs `clinicplan replan` and returns the new plan; panics with its output on failure.
fn replan_cli(args: &[&str]) -> std::process::Output {
    let out = clinicplan(args);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// A plan and its re-plan through the command line.
struct Replanned {
    before: proto::PlanTheatreListsResponse,
    after: proto::PlanTheatreListsResponse,
    /// The re-plan's standard output.
    stdout: String,
}

/// `plan-theatres SOURCE` (3 s), then `replan SOURCE --previous` that plan (3 s) with
/// `extra` flags; `SOURCE` is `--input FILE` or `--csv-dir DIR`.
fn plan_and_replan(name: &str, source: [&str; 2], extra: &[&str]) -> Replanned {
    let first = scratch("replan", &format!("{name}-plan.json"));
    let new = scratch("replan", &format!("{name}-new.json"));
    let (first_s, new_s) = (first.to_str().unwrap(), new.to_str().unwrap());
    let limit = ["--time-limit-ms", "3000"];
    let plan = [
        &["plan-theatres"][..],
        &source[..],
        &["--output", first_s][..],
        &limit[..],
    ]
    .concat();
    let out = clinicplan(&plan);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let replan = [
        &["replan"][..],
        &source[..],
        &["--previous", first_s, "--output", new_s][..],
        &limit[..],
        extra,
    ]
    .concat();
    let out = replan_cli(&replan);
    let read = |p: &Path| -> proto::PlanTheatreListsResponse {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    Replanned {
        before: read(&first),
        after: read(&new),
        stdout: text(&out.stdout),
    }
}

#[test]
fn replan_cli_on_the_shipped_example_and_generated_weeks_with_changes_csv() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/example-week.json");
    let generated = scratch("replan", "six-weeks.json");
    let request = generated_for_days(4, 300, 42, 5, 3_000);
    std::fs::write(&generated, serde_json::to_string(&request).unwrap()).unwrap();
    for (name, input) in [
        ("example", example.as_path()),
        ("six-weeks", generated.as_path()),
    ] {
        let csv = scratch("replan", &format!("{name}-changes.csv"));
        let source = ["--input", input.to_str().unwrap()];
        let run = plan_and_replan(name, source, &["--changes-csv", csv.to_str().unwrap()]);
        assert!(
            run.stdout.contains("changes:"),
            "{name}: no changes summary"
        );
        // The request the command planned: the file's, with the previous plan's bookings.
        let mut planned: proto::PlanTheatreListsRequest =
            serde_json::from_str(&std::fs::read_to_string(input).unwrap()).unwrap();
        planned.previous_plan = previous_of(&run.before);
        planned.replan = Some(proto::ReplanOptions::default());
        assert_valid(&format!("replan-cli-{name}"), &planned, &run.after);
        assert_moves_pay(name, &run.before, &run.after);
        let rows = csv::Reader::from_path(&csv).unwrap().records().count();
        assert_eq!(
            rows,
            run.after.changes.len(),
            "{name}: one CSV row per change"
        );
    }
}

#[test]
fn replan_cli_reads_states_marked_in_the_plan_file_and_compares_with_scratch() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/example-week.json");
    let first = scratch("replan", "marked-plan.json");
    let out = clinicplan(&[
        "plan-theatres",
        "--input",
        input.to_str().unwrap(),
        "--output",
        first.to_str().unwrap(),
        "--time-limit-ms",
        "2000",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut before: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    // The scheduler marks one booking DRAFT by hand (the calendar would lock it).
    let case = before
        .sessions
        .iter_mut()
        .flat_map(|s| s.cases.iter_mut())
        .find(|c| !c.pinned)
        .expect("a case");
    case.state = proto::BookingState::Draft as i32;
    let marked = case.patient_id.clone();
    std::fs::write(&first, serde_json::to_string(&before).unwrap()).unwrap();
    let new = scratch("replan", "marked-new.json");
    replan_cli(&[
        "replan",
        "--input",
        input.to_str().unwrap(),
        "--previous",
        first.to_str().unwrap(),
        "--compare-with-scratch",
        "--output",
        new.to_str().unwrap(),
        "--time-limit-ms",
        "4000",
    ]);
    let after: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&new).unwrap()).unwrap();
    let mut planned: proto::PlanTheatreListsRequest =
        serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
    planned.previous_plan = previous_of(&before);
    planned.replan = Some(proto::ReplanOptions {
        compare_with_scratch: true,
        ..Default::default()
    });
    assert_valid("replan-marked", &planned, &after);
    let change = after
        .changes
        .iter()
        .find(|c| c.patient_id == marked)
        .expect("the marked booking's change");
    assert_eq!(change.state, proto::BookingState::Draft as i32);
    let s = stability(&after);
    let scratch_wait = s.scratch_weighted_wait.expect("compared with scratch");
    let cost = s.wait_cost_of_stability.expect("compared with scratch");
    assert!((cost - (s.weighted_wait - scratch_wait)).abs() < 1e-6);
}

#[test]
fn replan_html_draws_every_case_and_marks_the_moved_and_displaced_in_headless_chromium() {
    let browser = chromium();
    let dir = std::env::temp_dir().join(format!("clinicplan-replan-html-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let request = generated_for_days(3, 150, 28, 8, 3_000);
    let input = dir.join("request.json");
    std::fs::write(&input, serde_json::to_string(&request).unwrap()).unwrap();
    let first = dir.join("plan.json");
    let out = clinicplan(&[
        "plan-theatres",
        "--input",
        input.to_str().unwrap(),
        "--output",
        first.to_str().unwrap(),
        "--time-limit-ms",
        "3000",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    // This week's change: the busiest session of week three cancelled, a P1 added.
    let busiest = before
        .sessions
        .iter()
        .filter(|s| s.date.as_str() >= "2026-03-16")
        .max_by_key(|s| s.cases.len())
        .expect("a session");
    let mut changed = request.clone();
    changed.sessions.retain(|s| s.id != busiest.session_id);
    let mut urgent = changed.patients[0].clone();
    urgent.id = "URGENT-1".into();
    urgent.priority = proto::Priority::P1 as i32;
    urgent.listed_date = changed.planning_start.clone();
    changed.patients.push(urgent);
    let changed_path = dir.join("changed.json");
    std::fs::write(&changed_path, serde_json::to_string(&changed).unwrap()).unwrap();
    let (new, html) = (dir.join("new.json"), dir.join("weeks.html"));
    replan_cli(&[
        "replan",
        "--input",
        changed_path.to_str().unwrap(),
        "--previous",
        first.to_str().unwrap(),
        "--output",
        new.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--time-limit-ms",
        "3000",
    ]);
    let after: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&new).unwrap()).unwrap();
    let mut planned = changed.clone();
    planned.previous_plan = previous_of(&before);
    planned.replan = Some(proto::ReplanOptions::default());
    assert_valid("replan-html", &planned, &after);

    let page = std::fs::canonicalize(&html).unwrap();
    let dom = dump_dom(&browser, &dir, &page);
    assert!(!dom.contains("<script"), "the page has a script");
    let cases = elements_of_class(&dom, "g", "case");
    let sessions = elements_of_class(&dom, "rect", "session");
    let n_cases: usize = after.sessions.iter().map(|s| s.cases.len()).sum();
    assert_eq!(cases.len(), n_cases, "one case element per scheduled case");
    assert_eq!(
        sessions.len(),
        after.sessions.len(),
        "one element per session"
    );
    // Moved and newly booked cases carry their mark; the displaced are listed beside.
    let marked = |mark: &str| cases.iter().filter(|e| e.contains(mark)).count();
    let n = counts(&after);
    assert!(n.displaced > 0);
    assert!(dom.contains("id=\"displaced\""), "no displaced list");
    for c in after
        .changes
        .iter()
        .filter(|c| c.kind == proto::ChangeKind::Displaced as i32)
    {
        assert!(
            dom.contains(&format!(
                "data-patient-id=\"{}\" data-change=\"displaced\"",
                c.patient_id
            )),
            "{} not listed",
            c.patient_id
        );
    }
    let (moved, new) = (
        marked("data-change=\"moved\""),
        marked("data-change=\"new\""),
    );
    eprintln!("marks: {moved} moved, {new} new; changes {n:?}");
    assert!(moved + new > 0, "no moved or new case marked");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replan_reads_the_trusts_csv_files_like_plan_theatres() {
    // The shipped example week as the six CSV files: planned, then re-planned from the
    // same files around that plan; the new plan is checked against the request the
    // files hold, with the published plan as its previous plan.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/example-week");
    let run = plan_and_replan("csv", ["--csv-dir", dir.to_str().unwrap()], &[]);
    let files = clinicplan_service::csv::theatre::TheatreCsvFiles::in_dir(&dir);
    let import = clinicplan_service::csv::theatre::read_theatre_csv(
        &files,
        &clinicplan_service::csv::CsvOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{:#?}", e.0));
    let mut planned = clinicplan_service::convert::request_to_proto(&import.request);
    planned.previous_plan = previous_of(&run.before);
    planned.replan = Some(proto::ReplanOptions::default());
    assert_valid("replan-cli-csv", &planned, &run.after);
    assert_moves_pay("csv", &run.before, &run.after);
    assert!(
        !run.after.changes.is_empty(),
        "every patient of either plan has a change row"
    );
}
