//! GP-network scenarios (`scenarios/gp-pharmacist.toml`): every request is, at the end
//! of every week, exactly one of booked, expired (same day, not seen that day) or
//! waiting; the pharmacist variant equals the baseline before its `from_week` and books
//! more PHARMACIST requests after; the same file gives the same weeks; problems are
//! located; the CLI reads both kinds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use clinicplan_service::scenario::gp::{load_gp, parse_gp, run_gp};
use clinicplan_service::scenario::{LoadError, parse_scenario};
use clinicplan_solver::simulate::InProcess;
use clinicplan_solver::simulate::gp::{GpWeekLedger, GpWeekResult};

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/gp-pharmacist.toml")
}

const WEEKS: u32 = 6;

type Weeks = BTreeMap<usize, Vec<(GpWeekResult, GpWeekLedger)>>;

/// Runs `names` for WEEKS weeks, keeping every week's result and ledger by variant.
fn run(names: &[&str]) -> (Vec<clinicplan_solver::simulate::gp::GpVariantRun>, Weeks) {
    let scenario = load_gp(&shipped()).expect("the shipped GP scenario loads");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let seen: Mutex<Weeks> = Mutex::new(BTreeMap::new());
    let runs = run_gp(
        &scenario,
        &names,
        (WEEKS, 1),
        &AtomicBool::new(false),
        &InProcess,
        &|id, w, l| {
            seen.lock()
                .unwrap()
                .entry(id.variant)
                .or_default()
                .push((w.clone(), l.clone()))
        },
    )
    .expect("the run");
    (runs, seen.into_inner().unwrap())
}

#[test]
fn requests_are_conserved_and_the_pharmacists_book_more_pharmacist_requests() {
    let (runs, weeks) = run(&["baseline", "pharmacists"]);
    assert_eq!(runs.len(), 2);
    for (idx, variant_weeks) in &weeks {
        assert_eq!(variant_weeks.len(), WEEKS as usize);
        let mut seen_ids: BTreeSet<String> = BTreeSet::new();
        let mut booked: BTreeSet<String> = BTreeSet::new();
        let mut expired: BTreeSet<String> = BTreeSet::new();
        let mut waiting: BTreeSet<String> = BTreeSet::new();
        for (week, (result, ledger)) in variant_weeks.iter().enumerate() {
            assert_eq!(result.week as usize, week, "weeks in order");
            for id in &ledger.arrived {
                assert!(seen_ids.insert(id.clone()), "{id} arrived twice");
            }
            // Last week's list and this week's arrivals were offered; each leaves as
            // booked or expired, or stays, exactly once.
            let offered: BTreeSet<String> =
                waiting.iter().chain(&ledger.arrived).cloned().collect();
            assert_eq!(offered.len() as u32, result.offered);
            let now_booked: BTreeSet<String> = ledger.booked.iter().cloned().collect();
            let now_expired: BTreeSet<String> = ledger.expired.iter().cloned().collect();
            let now_waiting: BTreeSet<String> = ledger.waiting.iter().cloned().collect();
            assert_eq!(
                now_booked.len(),
                ledger.booked.len(),
                "booked twice in a week"
            );
            assert_eq!(now_waiting.len(), ledger.waiting.len(), "listed twice");
            assert!(now_booked.is_disjoint(&now_expired));
            assert!(now_booked.is_disjoint(&now_waiting));
            assert!(now_expired.is_disjoint(&now_waiting));
            let accounted: BTreeSet<String> = now_booked
                .iter()
                .chain(&now_expired)
                .chain(&now_waiting)
                .cloned()
                .collect();
            assert_eq!(
                accounted, offered,
                "variant {idx} week {week}: requests lost or made up"
            );
            for id in &now_booked {
                assert!(booked.insert(id.clone()), "{id} booked twice");
            }
            expired.extend(now_expired);
            waiting = now_waiting;
            assert_eq!(result.booked as usize, ledger.booked.len());
            assert_eq!(result.waiting as usize, waiting.len());
            assert_eq!(
                result.booked_by_role.values().sum::<u32>(),
                result.booked,
                "booked by role adds up"
            );
        }
        // At the end: every request that arrived is exactly one of the three.
        assert_eq!(
            booked.len() + expired.len() + waiting.len(),
            seen_ids.len(),
            "each request booked, expired or waiting at the end exactly once"
        );
    }

    let baseline = &weeks[&0];
    let pharmacists = &weeks[&1];
    // Before week 3 the variant is the baseline, figure for figure.
    for week in 0..3 {
        let (mut b, bl) = baseline[week].clone();
        let (p, pl) = pharmacists[week].clone();
        b.variant = p.variant.clone();
        assert_eq!(b, p, "week {week} differs before the variant starts");
        assert_eq!(bl, pl);
    }
    // From week 3, more PHARMACIST requests are booked, and the other roles' demand is
    // the same (the variant changes no demand).
    let pharmacist = |w: &[(GpWeekResult, GpWeekLedger)]| -> u32 {
        w.iter().map(|(r, _)| r.booked_by_role["PHARMACIST"]).sum()
    };
    assert!(
        pharmacist(&pharmacists[3..]) > pharmacist(&baseline[3..]),
        "pharmacists {} against baseline {}",
        pharmacist(&pharmacists[3..]),
        pharmacist(&baseline[3..])
    );
    assert_eq!(runs[0].summary.arrivals, runs[1].summary.arrivals);
    assert!(
        runs[1].summary.final_waiting_by_role["PHARMACIST"]
            < runs[0].summary.final_waiting_by_role["PHARMACIST"]
    );
    assert_eq!(
        runs[1].summary.booked_by_role["PHARMACIST"],
        pharmacist(pharmacists)
    );
    assert!(baseline.iter().all(|(r, _)| !r.safety_net_struck));
}

#[test]
fn the_same_file_gives_the_same_weeks() {
    let (a, _) = run(&["winter-pressure"]);
    let (b, _) = run(&["winter-pressure"]);
    assert_eq!(a, b);
}

#[test]
fn problems_are_listed_with_their_locations() {
    let text = std::fs::read_to_string(shipped()).unwrap();
    let bad = text
        .replacen(
            "start_date = \"2026-01-05\"",
            "start_date = \"2026-01-06\"",
            1,
        )
        .replacen("template = \"gp-full\"", "template = \"gp-ful\"", 1)
        .replacen("urgency = \"urgent\"", "urgency = \"soon\"", 1)
        .replacen(
            "\"tue\", \"wed\", \"thu\"]",
            "\"tue\", \"wed\", \"thurs\"]",
            1,
        );
    let Err(LoadError::Invalid(problems)) = parse_gp(&bad, "bad.toml") else {
        panic!("the file is invalid");
    };
    let at: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    for expected in [
        "start_date",
        "network.clinicians[0].template",
        "demand.streams[1].urgency",
        "templates.pharmacist-part[0].weekdays[2]",
    ] {
        assert!(at.contains(&expected), "{expected} not in {problems:?}");
    }
    // A GP-network file is not a theatre scenario: the theatre loader says so.
    let err = parse_scenario(&text, "gp.toml", Path::new(".")).expect_err("not theatre");
    assert!(err.to_string().contains("gp-network"), "{err}");
}

#[test]
fn the_cli_validates_and_runs_a_gp_network_scenario() {
    let out_dir = std::env::temp_dir().join(format!("clinicplan-gp-{}", std::process::id()));
    let clinicplan = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clinicplan"))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .expect("clinicplan runs")
    };
    let file = shipped();
    let out = clinicplan(&["scenario", "validate", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("45 clinicians"));
    let out = clinicplan(&[
        "scenario",
        "run",
        file.to_str().unwrap(),
        "--variants",
        "baseline",
        "--weeks",
        "2",
        "--replications",
        "1",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(out_dir.join("weeks.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.lines().next().unwrap().contains("booked_PHARMACIST"));
    let report = std::fs::read_to_string(out_dir.join("report.html")).expect("report.html");
    assert!(report.contains("<figure id=\"gp-chart-booked-pharmacist\">"));
    let _ = std::fs::remove_dir_all(&out_dir);
}
