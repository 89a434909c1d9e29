//! `ScenarioRunner.RunScenario` with replications, over the wire: every variant runs
//! N times, the stream carries every week of every replication with its number, and the
//! summary holds every run's summary and the statistics (means with 95% intervals,
//! paired differences against the baseline) that `clinicplan scenario run
//! --replications N` writes into `summary.json`, number for number; a request's 0 runs
//! the file's `replications`; too many replications, or no week after the warm-up, are
//! INVALID_ARGUMENT naming the field.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use clinicplan_service::convert::scenarios::{summary_to_proto, week_to_proto};
use clinicplan_service::proto;
use clinicplan_service::proto::run_scenario_event::Event;
use clinicplan_service::scenario::{parse_scenario, run_scenario};
use clinicplan_solver::simulate::InProcess;
use clinicplan_solver::simulate::stats::{Interval, MeasureStats, VariantStats};
use tonic::Code;

use crate::scenario_grpc::{client, gp_in_process, run_all, scenarios_dir};
use crate::support::cli::{clinicplan, fresh_dir, text};
use crate::support::server::Harness;
use crate::support::violations::field_violations;

/// A small hospital with its list in a CSV, cancellations on the day (so that
/// replications differ), a warm-up week, and a variant with one more list a week.
const SMALL: &str = r#"
name = "small-replicated"
start_date = "2026-03-02"
horizon_weeks = 4
seed = 11
warmup_weeks = 1

[hospital]
theatres = [{ id = "T1", name = "One" }]
specialties = [{ code = "ENT", turnaround_min = 15 }]
surgeons = [{ id = "E1", name = "A", specialty = "ENT", max_minutes_per_day = 480 }]
sessions = [
  { theatre = "T1", weekday = "mon", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" },
  { theatre = "T1", weekday = "wed", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" },
]
ward = { elective_beds = 4 }

[waiting_list]
csv = "ptl.csv"

[demand]
cancellation_rate = 0.1
validation_removal_rate = 0.02
streams = [{ specialty = "ENT", priority = "P4", per_week = 6, case_minutes = { mean = 45, sd = 15, min = 15, max = 120 } }]

[[variants]]
name = "more"
from_week = 1
add_sessions = [{ theatre = "T1", weekday = "fri", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" }]
"#;

const PTL: &str = "pathway_id,nhs_number,specialty,procedure,expected_duration_min,priority,clock_start,consultant\n\
A1,9990000001,ENT,Grommets,15,P4,2025-10-01,E1\n\
A2,9990000002,ENT,Septoplasty,60,P3,2025-12-01,\n\
A3,9990000003,ENT,Tonsillectomy,45,P4,2025-06-15,\n\
A4,9990000004,ENT,Grommets,20,P2,2026-02-01,E1\n";

fn request(
    toml: &str,
    csv: &str,
    variants: &[&str],
    (weeks, replications): (u32, u32),
) -> proto::RunScenarioRequest {
    proto::RunScenarioRequest {
        scenario_toml: toml.to_string(),
        waiting_list_csv: csv.to_string(),
        variants: variants.iter().map(|v| v.to_string()).collect(),
        weeks,
        replications,
    }
}

/// The wire's statistics back in the solver's type.
fn from_wire(stats: &[proto::VariantStatistics]) -> Vec<VariantStats> {
    let interval = |i: &proto::ConfidenceInterval| Interval {
        n: i.replications,
        mean: i.mean,
        sd: i.sd,
        low: i.low,
        high: i.high,
    };
    stats
        .iter()
        .map(|v| VariantStats {
            variant: v.variant.clone(),
            replications: v.replications,
            measures: v
                .measures
                .iter()
                .map(|m| MeasureStats {
                    measure: m.measure.clone(),
                    value: interval(m.value.as_ref().expect("every measure has its value")),
                    difference: m.difference.as_ref().map(interval),
                })
                .collect(),
        })
        .collect()
}

/// Checks that the `statistics` of the CLI's `summary.json` in `dir` are `stats`,
/// number for number: the file's text (its last field) against the same serialiser's
/// text of the wire's figures, whitespace aside. (Text, not parsed numbers: reading a
/// float back from JSON may round in its last bit.)
fn assert_cli_statistics(dir: &Path, stats: &[proto::VariantStatistics]) {
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let file = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    let wire = serde_json::to_string(&from_wire(stats)).unwrap();
    let expected = format!("\"statistics\":{}}}", squeeze(&wire));
    assert!(
        squeeze(&file).ends_with(&expected),
        "the CLI's statistics differ from the wire's:\n{file}\nwire: {wire}"
    );
}

/// The CLI's `summary.json` in `dir`, read.
fn cli_summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// `clinicplan scenario run FILE ARGS --out DIR`, which must succeed.
fn cli_run(file: &Path, args: &[&str], out: &Path) {
    let mut all = vec!["scenario", "run", file.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let run = clinicplan(&all);
    assert!(run.status.success(), "{}", text(&run.stderr));
}

/// The run's events split into its weeks (by `week`) and its summary, the last event.
fn split<W, S>(
    events: Vec<Event>,
    week: impl Fn(Event) -> Option<W>,
    summary: impl Fn(Event) -> Option<S>,
) -> (Vec<W>, S) {
    let mut events = events;
    let last = events.pop().expect("events");
    let summary = summary(last).expect("the last event is the summary");
    let weeks = events
        .into_iter()
        .map(|e| week(e).expect("only weeks before the summary"))
        .collect();
    (weeks, summary)
}

/// A theatre scenario's run: its weeks and its summary.
fn theatre_run(events: Vec<Event>) -> (Vec<proto::WeekProgress>, proto::ScenarioSummary) {
    split(
        events,
        |e| match e {
            Event::Week(w) => Some(w),
            _ => None,
        },
        |e| match e {
            Event::Summary(s) => Some(s),
            _ => None,
        },
    )
}

/// A GP-network scenario's run: its weeks and its summary.
fn gp_run(events: Vec<Event>) -> (Vec<proto::GpWeekProgress>, proto::GpScenarioSummary) {
    split(
        events,
        |e| match e {
            Event::GpWeek(w) => Some(w),
            _ => None,
        },
        |e| match e {
            Event::GpSummary(s) => Some(s),
            _ => None,
        },
    )
}

/// Something the stream numbers by variant, replication and week.
trait Numbered {
    fn key(&self) -> (String, u32, u32);
}

impl Numbered for proto::WeekProgress {
    fn key(&self) -> (String, u32, u32) {
        (self.variant.clone(), self.replication, self.week)
    }
}

impl Numbered for proto::GpWeekProgress {
    fn key(&self) -> (String, u32, u32) {
        (self.variant.clone(), self.replication, self.week)
    }
}

/// (variant, replication, week) of every week streamed, in the order streamed.
fn order(weeks: &[impl Numbered]) -> Vec<(String, u32, u32)> {
    weeks.iter().map(Numbered::key).collect()
}

/// (variant, replication, week) of every week, in the order run: variant by variant,
/// each variant's replications in order, each one's weeks.
fn expected_order(variants: &[&str], replications: u32, weeks: u32) -> Vec<(String, u32, u32)> {
    let mut order = Vec::new();
    for v in variants {
        for r in 0..replications {
            for w in 0..weeks {
                order.push((v.to_string(), r, w));
            }
        }
    }
    order
}

#[test]
fn three_replications_of_a_theatre_scenario_give_the_clis_statistics() {
    const WEEKS: u32 = 3;
    let dir = fresh_dir("grpc-replications", "theatre");
    let file = dir.join("small.toml");
    std::fs::write(&file, SMALL).unwrap();
    std::fs::write(dir.join("ptl.csv"), PTL).unwrap();
    let out = dir.join("out");
    cli_run(&file, &["--replications", "3", "--weeks", "3"], &out);

    let harness = Harness::start();
    let mut client = client(harness.channel());
    let variants = ["baseline", "more"];
    let events = harness
        .block_on(run_all(&mut client, request(SMALL, PTL, &[], (WEEKS, 3))))
        .expect("the run streams");
    let (weeks, summary) = theatre_run(events);

    // Every week of every replication, numbered, in the order run.
    assert_eq!(order(&weeks), expected_order(&variants, 3, WEEKS));

    // The figures of `summary.json`: the statistics number for number, the runs in order.
    assert_cli_statistics(&out, &summary.statistics);
    let cli = cli_summary(&out);
    assert_eq!(cli["replications"], summary.replications);
    assert_eq!(cli["warmup_weeks"], summary.warmup_weeks);
    assert_eq!(cli["weeks_run"], summary.weeks_run);
    let runs: Vec<(String, u32)> = (summary.variants.iter())
        .map(|v| (v.variant.clone(), v.replication))
        .collect();
    let cli_runs: Vec<(String, u32)> = (cli["variants"].as_array().unwrap().iter())
        .map(|v| {
            let name = v["variant"].as_str().unwrap().to_string();
            (name, v["replication"].as_u64().unwrap() as u32)
        })
        .collect();
    assert_eq!(runs, cli_runs);
    assert_eq!((summary.replications, summary.warmup_weeks), (3, 1));
    assert!(
        summary.variants.iter().all(|v| v.weeks == WEEKS - 1),
        "the warm-up week is left out of every summary: {summary:?}"
    );

    // The replications differ (cancellations on the day), so the intervals have width;
    // the variant has its paired differences, the baseline none.
    let stats = &summary.statistics;
    assert_eq!(stats.len(), 2);
    assert!(stats.iter().all(|v| v.replications == 3));
    assert!(
        stats[0].measures.iter().any(|m| {
            let v = m.value.as_ref().unwrap();
            v.low < v.mean && v.mean < v.high
        }),
        "some measure varies over the replications: {stats:?}"
    );
    assert!(stats[0].measures.iter().all(|m| m.difference.is_none()));
    assert!(stats[1].measures.iter().all(|m| m.difference.is_some()));

    // The weeks and the whole summary are the in-process run's.
    let scenario = parse_scenario(SMALL, "small.toml", &dir).expect("the scenario loads");
    let names: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
    let run = run_scenario(
        &scenario,
        &names,
        (WEEKS, 3),
        &AtomicBool::new(false),
        &InProcess,
        &|_| {},
    )
    .expect("the in-process run");
    let expected: Vec<proto::WeekProgress> = (run.variants.iter())
        .flat_map(|v| v.weeks.iter().map(week_to_proto))
        .collect();
    assert_eq!(weeks, expected);
    assert_eq!(
        summary,
        summary_to_proto(&scenario, &run.variants, &run.statistics)
    );
}

#[test]
fn three_replications_of_a_gp_network_scenario_give_the_clis_statistics() {
    // The pharmacists come in at week 3: the variant differs in the last week.
    const WEEKS: u32 = 4;
    let file = scenarios_dir().join("gp-pharmacist.toml");
    let toml = std::fs::read_to_string(&file).expect("scenarios/gp-pharmacist.toml");
    let out = fresh_dir("grpc-replications", "gp");
    let variants = ["baseline", "pharmacists"];
    let args = [
        "--variants",
        "baseline,pharmacists",
        "--weeks",
        "4",
        "--replications",
        "3",
    ];
    cli_run(&file, &args, &out);

    let harness = Harness::start();
    let mut client = client(harness.channel());
    let events = harness
        .block_on(run_all(
            &mut client,
            request(&toml, "", &variants, (WEEKS, 3)),
        ))
        .expect("the run streams");
    let (weeks, summary) = gp_run(events);
    assert_eq!(order(&weeks), expected_order(&variants, 3, WEEKS));

    assert_cli_statistics(&out, &summary.statistics);
    let cli = cli_summary(&out);
    assert_eq!(cli["replications"], summary.replications);
    assert_eq!(cli["warmup_weeks"], summary.warmup_weeks);
    assert_eq!(summary.replications, 3);
    assert_eq!(summary.variants.len(), 6, "2 variants × 3 replications");
    let pharmacists = &summary.statistics[1];
    assert_eq!(pharmacists.variant, "pharmacists");
    let booked = (pharmacists.measures.iter())
        .find(|m| m.measure == "booked")
        .expect("the booked measure");
    let difference = booked.difference.as_ref().expect("a paired difference");
    assert!(
        difference.mean > 0.0,
        "the pharmacists book more: {booked:?}"
    );

    let expected = gp_in_process(&toml, &variants, (WEEKS, 3));
    assert_eq!(weeks, expected.weeks);
    assert_eq!(summary, expected.summary);
}

#[test]
fn a_request_without_replications_runs_the_files_setting() {
    let toml = SMALL.replace("warmup_weeks = 1", "warmup_weeks = 1\nreplications = 2");
    let harness = Harness::start();
    let mut client = client(harness.channel());
    let outline = harness
        .block_on(client.validate_scenario(proto::ValidateScenarioRequest {
            scenario_toml: toml.clone(),
            waiting_list_csv: PTL.to_string(),
        }))
        .expect("the scenario validates")
        .into_inner();
    assert_eq!((outline.replications, outline.warmup_weeks), (2, 1));

    let events = harness
        .block_on(run_all(&mut client, request(&toml, PTL, &["more"], (2, 0))))
        .expect("the run streams");
    let (weeks, summary) = theatre_run(events);
    assert_eq!(order(&weeks), expected_order(&["more"], 2, 2));
    assert_eq!(summary.replications, 2);
    assert_eq!(summary.statistics.len(), 1);
    assert_eq!(summary.statistics[0].replications, 2);
    // Without the baseline, no paired differences.
    assert!(
        (summary.statistics[0].measures.iter()).all(|m| m.difference.is_none()),
        "{summary:?}"
    );
}

#[test]
fn too_many_replications_or_no_week_after_the_warm_up_are_invalid_arguments() {
    let harness = Harness::start();
    let client = client(harness.channel());
    let refused = |req: proto::RunScenarioRequest| {
        let mut client = client.clone();
        let status = harness
            .block_on(run_all(&mut client, req))
            .expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        field_violations(&status)
    };

    let v = refused(request(SMALL, PTL, &[], (2, 1001)));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, "replications");
    assert!(v[0].1.contains("1001: give 1 to 1000"), "{v:?}");
    // The most the CLI allows is allowed here too (refused only for its weeks).
    let v = refused(request(SMALL, PTL, &[], (1, 1000)));
    let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["weeks"], "{v:?}");
    assert!(v[0].1.contains("warmup_weeks"), "{v:?}");
    // Every problem at once, each at its field.
    let v = refused(request(SMALL, PTL, &["less"], (9, 5000)));
    let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["variants", "weeks", "replications"], "{v:?}");
}
