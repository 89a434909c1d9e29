//! The corpus: cases kept as files and replayed on every run.

use std::time::Duration;

use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use prost::Message;

use super::harness::{assert_still_serving, fuzz_server};
use super::raw::{BALANCE_PATH, PLAN_PATH, judge_raw};

/// `tests/corpus/fuzz/`: `plan-*.bin` and `balance-*.bin` are raw request bytes for
/// PlanTheatreLists and BalanceAppointments. A case the fuzz finds failing (saved under
/// `$TMPDIR/clinicplan-e2e/`) goes here once fixed, as its bytes; the first cases are the
/// classes that broke or nearly broke the server (`write_fuzz_corpus` below made them).
pub(super) fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/fuzz")
}

#[test]
fn the_fuzz_corpus_replays_to_a_checked_plan_or_field_violations() {
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("tests/corpus/fuzz exists")
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the corpus lost cases: {files:?}");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let failures: Vec<String> = runtime.block_on(async {
        let (channel, stop, server) = fuzz_server().await;
        let mut failures = Vec::new();
        for file in &files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let path = if name.starts_with("plan-") {
                PLAN_PATH
            } else if name.starts_with("balance-") {
                BALANCE_PATH
            } else {
                failures.push(format!("{name}: not plan-* or balance-*"));
                continue;
            };
            let bytes = std::fs::read(file).expect("read a corpus case");
            match judge_raw(channel.clone(), path, &bytes).await {
                Ok(verdict) => eprintln!("corpus {name}: {verdict:?}"),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        assert_still_serving(channel).await;
        drop(stop);
        let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
        failures
    });
    assert!(
        failures.is_empty(),
        "corpus cases failed:\n  {}",
        failures.join("\n  ")
    );
}

/// Writes the corpus's first cases: `cargo test --release -p clinicplan-service --test e2e
/// -- --ignored write_fuzz_corpus`. Replaying them is the test above.
#[test]
#[ignore = "writes tests/corpus/fuzz; run by hand"]
fn write_fuzz_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).expect("create the corpus directory");
    let theatre = |patients: u32| {
        clinicplan_service::convert::request_to_proto(&theatre_request(&GeneratorConfig {
            theatres: 2,
            patients,
            horizon_days: 5,
            seed: 11,
            shape: WeekShape::baseline(),
        }))
    };
    let network = |requests: u32| {
        clinicplan_service::convert::appointments::request_to_proto(&network_request(
            &NetworkConfig {
                practices: 3,
                clinicians: 6,
                requests,
                horizon_days: 5,
                seed: 11,
            },
        ))
    };
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    // Hundreds of violations: their details once overflowed clients' trailer limits.
    let mut r = theatre(600);
    for (i, p) in r.patients.iter_mut().enumerate() {
        p.surgeon_id = format!("no-such-surgeon-{i}");
    }
    cases.push(("plan-600-dangling-surgeons", r.encode_to_vec()));
    let mut r = theatre(40);
    let w = r
        .options
        .get_or_insert_with(Default::default)
        .weights
        .get_or_insert_with(Default::default);
    w.weight_p1 = Some(f64::NAN);
    w.weight_p2 = Some(f64::INFINITY);
    w.weight_p3 = Some(-1.0);
    cases.push(("plan-nan-weights", r.encode_to_vec()));
    let mut r = theatre(40);
    for p in &mut r.patients {
        p.expected_duration_min = u32::MAX;
    }
    r.options.get_or_insert_with(Default::default).time_limit_ms = u32::MAX;
    cases.push(("plan-huge-numbers", r.encode_to_vec()));
    let whole = theatre(40).encode_to_vec();
    cases.push(("plan-truncated", whole[..whole.len() / 2].to_vec()));
    cases.push(("plan-empty", Vec::new()));
    let mut r = network(800);
    for q in &mut r.requests {
        q.home_site_id = "nowhere".into();
    }
    cases.push(("balance-800-unknown-homes", r.encode_to_vec()));
    let mut r = network(30);
    r.horizon_days = 0;
    r.planning_start = "2026-02-30".into();
    cases.push(("balance-bad-horizon-and-date", r.encode_to_vec()));
    let mut r = network(30);
    for s in &mut r.slots {
        s.id = "same".into();
    }
    cases.push(("balance-duplicate-slot-ids", r.encode_to_vec()));
    let whole = network(30).encode_to_vec();
    let mut flipped = whole.clone();
    for i in (0..flipped.len()).step_by(7) {
        flipped[i] ^= 0xA5;
    }
    cases.push(("balance-bytes-flipped", flipped));
    cases.push(("balance-valid", whole));
    for (name, bytes) in cases {
        std::fs::write(dir.join(format!("{name}.bin")), bytes).expect("write a corpus case");
    }
}
