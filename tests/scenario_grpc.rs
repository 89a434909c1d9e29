//! `ScenarioRunner` over the wire: a short run of the shipped hospital, and of the
//! shipped GP network, streams one message per week per variant, then the summary,
//! with the figures of an in-process run (determinism across the wire); invalid scenarios get INVALID_ARGUMENT with
//! field violations; a client that cancels stops the run and frees its solve place.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clinicplan_service::convert::scenarios::{
    gp_summary_to_proto, gp_week_to_proto, summary_to_proto, week_to_proto,
};
use clinicplan_service::proto;
use clinicplan_service::proto::run_scenario_event::Event;
use clinicplan_service::proto::scenario_runner_client::ScenarioRunnerClient;
use clinicplan_service::scenario::gp::{parse_gp, run_gp};
use clinicplan_service::scenario::{parse_scenario, run_scenario};
use clinicplan_service::server::{ServerConfig, serve_with_metrics};
use clinicplan_solver::simulate::gp::GpScenario;
use clinicplan_solver::simulate::{InProcess, statistics};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::transport::Channel;

use crate::support::server::{Harness, worker};
use crate::support::violations::field_violations;

pub(crate) fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn dgh() -> (String, String) {
    let dir = scenarios_dir();
    (
        std::fs::read_to_string(dir.join("dgh.toml")).expect("scenarios/dgh.toml"),
        std::fs::read_to_string(dir.join("dgh-ptl.csv")).expect("scenarios/dgh-ptl.csv"),
    )
}

pub(crate) fn client(channel: Channel) -> ScenarioRunnerClient<Channel> {
    ScenarioRunnerClient::new(channel)
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024)
}

/// A GP-network scenario run in process, as the wire would carry it.
pub(crate) struct GpInProcess {
    pub(crate) weeks: Vec<proto::GpWeekProgress>,
    pub(crate) summary: proto::GpScenarioSummary,
}

/// Runs `variants` of the GP scenario `toml` in process, `(weeks, replications)`.
pub(crate) fn gp_in_process(toml: &str, variants: &[&str], run: (u32, u32)) -> GpInProcess {
    let scenario = parse_gp(toml, "gp-pharmacist.toml").expect("gp-pharmacist.toml loads");
    let names: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
    let runs = run_gp(
        &scenario,
        &names,
        run,
        &AtomicBool::new(false),
        &InProcess,
        &|_, _, _| {},
    )
    .expect("the in-process run");
    GpInProcess {
        weeks: runs
            .iter()
            .flat_map(|r| r.weeks.iter().map(gp_week_to_proto))
            .collect(),
        summary: gp_summary_to_proto(&scenario, &runs, &statistics::<GpScenario>(&names, &runs)),
    }
}

/// A run of one replication (the shipped files ask for several: see
/// `scenario_grpc_replications` for those).
pub(crate) fn request(
    toml: &str,
    csv: &str,
    variants: &[&str],
    weeks: u32,
) -> proto::RunScenarioRequest {
    proto::RunScenarioRequest {
        scenario_toml: toml.to_string(),
        waiting_list_csv: csv.to_string(),
        variants: variants.iter().map(|v| v.to_string()).collect(),
        weeks,
        replications: 1,
    }
}

/// Every event of a run, or the status it failed with (at once or mid-stream).
pub(crate) async fn run_all(
    client: &mut ScenarioRunnerClient<Channel>,
    request: proto::RunScenarioRequest,
) -> Result<Vec<Event>, tonic::Status> {
    let mut stream = client.run_scenario(request).await?.into_inner();
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event?.event.expect("every event has a body"));
    }
    Ok(events)
}

/// A small scenario with its list inline: runs in a moment.
const SMALL: &str = r#"
name = "small"
start_date = "2026-03-02"
horizon_weeks = 2
seed = 3

[hospital]
theatres = [{ id = "T1", name = "One" }]
specialties = [{ code = "ENT", turnaround_min = 15 }]
surgeons = [{ id = "E1", name = "A", specialty = "ENT", max_minutes_per_day = 480 }]
sessions = [{ theatre = "T1", weekday = "mon", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" }]
ward = { elective_beds = 4 }

[waiting_list]
patients = [{ id = "A1", specialty = "ENT", procedure = "Grommets", duration_min = 20, priority = "P4", listed_date = "2025-10-01", length_of_stay_days = 0 }]

[demand]
cancellation_rate = 0.0
validation_removal_rate = 0.0
streams = [{ specialty = "ENT", priority = "P4", per_week = 3, case_minutes = { mean = 40, sd = 10, min = 15, max = 90 } }]
"#;

#[test]
fn a_short_run_streams_every_week_then_the_summary_with_the_in_process_figures() {
    let (toml, csv) = dgh();
    let harness = Harness::start();
    let mut client = client(harness.channel());
    let variants = ["baseline", "demand-surge"];
    let events = harness
        .block_on(run_all(&mut client, request(&toml, &csv, &variants, 3)))
        .expect("the run streams");
    assert_eq!(
        events.len(),
        3 * 2 + 1,
        "weeks × variants, then the summary"
    );
    let (weeks, last) = events.split_at(6);
    let weeks: Vec<&proto::WeekProgress> = weeks
        .iter()
        .map(|e| match e {
            Event::Week(w) => w,
            other => panic!("not a week before the last message: {other:?}"),
        })
        .collect();
    let Event::Summary(summary) = &last[0] else {
        panic!("the last message is not the summary");
    };

    // The same scenario in process.
    let scenario = parse_scenario(&toml, "dgh.toml", &scenarios_dir()).expect("dgh.toml loads");
    let names: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
    let run = run_scenario(
        &scenario,
        &names,
        (3, 1),
        &AtomicBool::new(false),
        &InProcess,
        &|_| {},
    )
    .expect("the in-process run");
    let expected: Vec<proto::WeekProgress> = run
        .variants
        .iter()
        .flat_map(|v| v.weeks.iter().map(week_to_proto))
        .collect();
    let got: Vec<proto::WeekProgress> = weeks.into_iter().cloned().collect();
    assert_eq!(got, expected, "the wire's weeks are the in-process weeks");
    assert_eq!(
        *summary,
        summary_to_proto(&scenario, &run.variants, &run.statistics)
    );
    assert_eq!(summary.replications, 1);
    assert_eq!(summary.weeks_run, 3);
    assert_eq!(summary.variants.len(), 2);
    assert!(
        got.iter().all(|w| w.sessions > 0 && w.list_size > 0),
        "{got:?}"
    );
}

#[test]
fn invalid_scenarios_get_invalid_argument_with_field_violations() {
    let harness = Harness::start();
    let client = client(harness.channel());
    let run = |req: proto::RunScenarioRequest| {
        let mut client = client.clone();
        harness
            .block_on(run_all(&mut client, req))
            .expect_err("refused")
    };

    // Problems in the scenario, at their locations.
    let bad = SMALL
        .replace("weekday = \"mon\"", "weekday = \"funday\"")
        .replace("per_week = 3", "per_week = 3, priority_typo = 1");
    let status = run(request(&bad, "", &[], 0));
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let v = field_violations(&status);
    assert!(v.iter().any(|(f, _)| f == "scenario_toml"), "{v:?}");
    let bad = SMALL.replace("weekday = \"mon\"", "weekday = \"funday\"");
    let status = run(request(&bad, "", &[], 0));
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let v = field_violations(&status);
    assert!(
        v.iter()
            .any(|(f, m)| f == "hospital.sessions[0].weekday" && m.contains("funday")),
        "{v:?}"
    );

    // A CSV named but not sent; a bad CSV row.
    let (toml, csv) = dgh();
    let status = run(request(&toml, "", &[], 1));
    assert_eq!(status.code(), Code::InvalidArgument);
    let v = field_violations(&status);
    assert!(
        v.iter()
            .any(|(f, m)| f == "waiting_list_csv" && m.contains("send its text")),
        "{v:?}"
    );
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    lines[3] = lines[3].replacen(",P", ",P9", 1);
    let status = run(request(&toml, &lines.join("\n"), &[], 1));
    assert_eq!(status.code(), Code::InvalidArgument);
    let v = field_violations(&status);
    assert!(
        v.iter()
            .any(|(f, m)| f == "waiting_list_csv" && m.contains("line 4")),
        "{v:?}"
    );

    // Unknown variant, too many weeks.
    let status = run(request(SMALL, "", &["baseline", "nope"], 9));
    assert_eq!(status.code(), Code::InvalidArgument);
    let v = field_violations(&status);
    let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["variants", "weeks"], "{v:?}");

    // ValidateScenario: the same problems, or the scenario's outline.
    let mut c = client.clone();
    let status = harness
        .block_on(c.validate_scenario(proto::ValidateScenarioRequest {
            scenario_toml: bad.clone(),
            waiting_list_csv: String::new(),
        }))
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    let ok = harness
        .block_on(c.validate_scenario(proto::ValidateScenarioRequest {
            scenario_toml: toml,
            waiting_list_csv: csv,
        }))
        .expect("dgh validates")
        .into_inner();
    assert_eq!(ok.starting_list_size, 2500);
    assert_eq!(ok.variants[0], "baseline");
    assert_eq!(ok.kind, "theatre-lists");

    // A GP-network scenario: no CSV is read; its problems are located too.
    let gp = std::fs::read_to_string(scenarios_dir().join("gp-pharmacist.toml")).unwrap();
    let status = run(request(&gp, "id,x\n", &[], 1));
    assert_eq!(status.code(), Code::InvalidArgument);
    let v = field_violations(&status);
    assert!(v.iter().any(|(f, _)| f == "waiting_list_csv"), "{v:?}");
    let status = run(request(&gp, "", &["nope"], 99));
    let v = field_violations(&status);
    let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["variants", "weeks"], "{v:?}");
    let bad_gp = gp.replacen("template = \"gp-full\"", "template = \"gp-ful\"", 1);
    let status = harness
        .block_on(c.validate_scenario(proto::ValidateScenarioRequest {
            scenario_toml: bad_gp,
            waiting_list_csv: String::new(),
        }))
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    let v = field_violations(&status);
    assert!(
        v.iter().any(|(f, _)| f == "network.clinicians[0].template"),
        "{v:?}"
    );
    let ok = harness
        .block_on(c.validate_scenario(proto::ValidateScenarioRequest {
            scenario_toml: gp,
            waiting_list_csv: String::new(),
        }))
        .expect("gp-pharmacist validates")
        .into_inner();
    assert_eq!(ok.kind, "gp-network");
    assert_eq!((ok.practices, ok.clinicians), (8, 45));
    assert_eq!(ok.starting_list_size, 0);
    assert_eq!(
        ok.variants,
        [
            "baseline",
            "pharmacists",
            "winter-pressure",
            "practice-only"
        ]
    );
}

#[test]
fn a_short_gp_network_run_streams_every_week_then_the_summary_with_the_in_process_figures() {
    const WEEKS: u32 = 4;
    let toml = std::fs::read_to_string(scenarios_dir().join("gp-pharmacist.toml"))
        .expect("scenarios/gp-pharmacist.toml");
    let harness = Harness::start();
    let mut client = client(harness.channel());
    // The pharmacists come in at week 3: the variant differs in the last week.
    let variants = ["pharmacists", "baseline"];
    let events = harness
        .block_on(run_all(&mut client, request(&toml, "", &variants, WEEKS)))
        .expect("the run streams");
    let weeks_sent = WEEKS as usize * variants.len();
    assert_eq!(
        events.len(),
        weeks_sent + 1,
        "weeks × variants, then the summary"
    );
    let (weeks, last) = events.split_at(weeks_sent);
    let got: Vec<proto::GpWeekProgress> = weeks
        .iter()
        .map(|e| match e {
            Event::GpWeek(w) => w.clone(),
            other => panic!("not a GP week before the last message: {other:?}"),
        })
        .collect();
    let Event::GpSummary(summary) = &last[0] else {
        panic!("the last message is not the GP summary: {:?}", last[0]);
    };

    // The same scenario in process.
    let expected = gp_in_process(&toml, &variants, (WEEKS, 1));
    assert_eq!(
        got, expected.weeks,
        "the wire's weeks are the in-process weeks"
    );
    assert_eq!(*summary, expected.summary);
    assert_eq!(summary.weeks_run, WEEKS);
    let order: Vec<&str> = summary
        .variants
        .iter()
        .map(|v| v.variant.as_str())
        .collect();
    assert_eq!(order, variants, "variants in the order asked for");
    assert!(
        got.iter()
            .all(|w| w.slots > 0 && w.booked > 0 && w.booked_by_role.contains_key("PHARMACIST")),
        "{got:?}"
    );
    let pharmacist = |v: &proto::GpVariantSummary| v.booked_by_role["PHARMACIST"];
    assert!(
        pharmacist(&summary.variants[0]) > pharmacist(&summary.variants[1]),
        "the pharmacists book more PHARMACIST requests: {summary:?}"
    );
}

/// `GET /metrics` on the metrics listener.
fn scrape(addr: SocketAddr) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to /metrics");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn a_client_that_cancels_stops_the_run_and_frees_its_place() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = ServerConfig::new(worker());
    config.max_concurrent_solves = 1;
    config.max_queued = 0;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (channel, metrics_addr) = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (addr, metrics_addr) = (
            listener.local_addr().unwrap(),
            metrics.local_addr().unwrap(),
        );
        tokio::spawn(serve_with_metrics(
            listener,
            Some(metrics),
            config,
            async move {
                let _ = stopped.await;
            },
        ));
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        (channel, metrics_addr)
    });
    let mut c = client(channel);
    let (toml, csv) = dgh();
    runtime.block_on(async {
        // Every variant, 52 weeks: far longer than this test waits.
        let mut stream = c
            .run_scenario(request(&toml, &csv, &[], 0))
            .await
            .expect("the run starts")
            .into_inner();
        let first = stream.next().await.expect("a first event").expect("ok");
        assert!(matches!(first.event, Some(Event::Week(_))));
        // Busy: with one place and no queue, another run is refused at once.
        let busy = run_all(&mut c.clone(), request(SMALL, "", &[], 1))
            .await
            .expect_err("the only place is taken");
        assert_eq!(busy.code(), Code::ResourceExhausted, "{busy:?}");
        drop(stream);
        // The run stops before its next week and frees the place.
        let since = Instant::now();
        loop {
            match run_all(&mut c.clone(), request(SMALL, "", &[], 1)).await {
                Ok(events) => {
                    assert_eq!(events.len(), 2);
                    break;
                }
                Err(s) if s.code() == Code::ResourceExhausted => {
                    assert!(
                        since.elapsed() < Duration::from_secs(20),
                        "the cancelled run still holds the place"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(s) => panic!("{s:?}"),
            }
        }
    });
    let metrics = scrape(metrics_addr);
    assert!(
        metrics
            .lines()
            .any(|l| l.contains("RunScenario") && l.contains("Cancelled") && l.ends_with(" 1")),
        "{metrics}"
    );
    let _ = stop.send(());
}
