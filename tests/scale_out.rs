//! Scale out (issue 6): `clinicplan scenario run --server URL` sends every week's solve to
//! remote servers and gets the results an in-process run gets, even when a server dies
//! in the middle of the run.
//!
//! - Two real servers behind nginx running the shipped `deploy/nginx/clinicplan.conf`
//!   (only its ports and temporary paths replaced); one server is killed (SIGKILL) while
//!   it is solving; the run completes and its weeks.json, weeks.csv and summary.json are
//!   byte for byte those of an in-process run.
//! - One server killed and started again on the same port in the middle of a GP-network
//!   run: the client's retries carry the run over the gap, with the same results.
//!
//! nginx comes from Debian's packages (`scripts/setup.sh` installs it); without it the
//! test fails, saying so. Every wait is bounded by a number of tries or by the run
//! still going; no test asserts on speed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::nginx::{
    answered, balancer, free_port, metric, root, scrape, serve, serve_again,
};

/// Waits until the server with metrics on `metrics_port` has answered `n` solves. The
/// run must still be going meanwhile: a run that ends first fails the test (the point
/// is to act in the middle of it).
fn wait_for_answers(metrics_port: u16, n: f64, run: &mut Child) {
    while answered(metrics_port) < n {
        assert!(
            matches!(run.try_wait(), Ok(None)),
            "the run ended before the server had answered {n} solves"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `clinicplan scenario run FILE ARGS --out OUT`, started.
fn scenario_run(file: &str, args: &[&str], out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_clinicplan"))
        .args(["scenario", "run"])
        .arg(root().join(file))
        .args(args)
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start clinicplan scenario run")
}

/// Waits for a run; its standard error, after checking it succeeded.
fn finished(child: Child, what: &str) -> String {
    let output = child.wait_with_output().expect("wait for the run");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{what} failed: {stderr}");
    stderr
}

/// The solves the run sent again, from its last line.
fn sent_again(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("solved remotely; ")?
                .strip_suffix(" solve(s) sent again")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no 'solved remotely' line: {stderr}"))
}

fn assert_same_results(remote: &Path, local: &Path) {
    for file in ["weeks.json", "weeks.csv", "summary.json"] {
        let a = std::fs::read(remote.join(file)).expect("the remote run's output");
        let b = std::fs::read(local.join(file)).expect("the in-process run's output");
        assert!(
            a == b,
            "{file} differs between the remote run ({}) and the in-process run ({})",
            remote.display(),
            local.display()
        );
    }
}

#[test]
fn a_scenario_run_through_nginx_survives_a_killed_server_with_in_process_results() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let metrics = [free_port(), free_port()];
    let (a, port_a) = serve(0, metrics[0]);
    let (_b, port_b) = serve(0, metrics[1]);
    let mut a = Some(a);
    let lb_port = free_port();
    let _nginx = balancer(dir.path(), lb_port, [port_a, port_b]);

    // Variants × replications fan out over the balancer's replicas.
    let args = ["--weeks", "30", "--replications", "2"];
    let remote_out = dir.path().join("remote");
    let server = format!("http://127.0.0.1:{lb_port}");
    let mut run = scenario_run(
        "scenarios/dgh.toml",
        &[&args[..], &["--server", &server]].concat(),
        &remote_out,
    );

    // Both replicas serve; once A has answered a few weeks, it is killed while it is
    // solving one (or, if the run never catches it mid-solve, between solves).
    wait_for_answers(metrics[0], 3.0, &mut run);
    let mut killed_mid_solve = false;
    for _ in 0..2_000 {
        if metric(&scrape(metrics[0]), "clinicplan_solves_running") >= 1.0 {
            killed_mid_solve = true;
            break;
        }
    }
    drop(a.take());
    let b_before = answered(metrics[1]);
    let stderr = finished(run, "the run through nginx");
    assert!(
        answered(metrics[1]) > b_before,
        "server B answered nothing after A was killed"
    );
    eprintln!(
        "server A killed mid-solve: {killed_mid_solve}; solves sent again: {}",
        sent_again(&stderr)
    );
    if killed_mid_solve {
        assert!(
            sent_again(&stderr) >= 1,
            "A died mid-solve, yet no solve was sent again: {stderr}"
        );
    }

    let local_out = dir.path().join("local");
    finished(
        scenario_run("scenarios/dgh.toml", &args, &local_out),
        "the in-process run",
    );
    assert_same_results(&remote_out, &local_out);
}

#[test]
fn the_client_retries_across_a_server_restart_with_in_process_results() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let metrics = free_port();
    let (server, port) = serve(0, metrics);
    let mut server = Some(server);

    let args = ["--weeks", "6", "--replications", "2"];
    let remote_out = dir.path().join("remote");
    let url = format!("http://127.0.0.1:{port}");
    let mut run = scenario_run(
        "scenarios/gp-pharmacist.toml",
        &[&args[..], &["--server", &url, "--retries", "10"]].concat(),
        &remote_out,
    );
    wait_for_answers(metrics, 2.0, &mut run);
    // Down for a moment: every solve sent meanwhile is refused and retried.
    drop(server.take());
    std::thread::sleep(Duration::from_millis(300));
    let _again = serve_again(port, metrics);
    let stderr = finished(run, "the run across the restart");
    assert!(
        sent_again(&stderr) >= 1,
        "the server was down, yet no solve was sent again: {stderr}"
    );

    let local_out = dir.path().join("local");
    finished(
        scenario_run("scenarios/gp-pharmacist.toml", &args, &local_out),
        "the in-process run",
    );
    assert_same_results(&remote_out, &local_out);
}

#[test]
fn a_scenario_run_spread_over_several_servers_gives_in_process_results() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let metrics = [free_port(), free_port()];
    let (_a, port_a) = serve(0, metrics[0]);
    let (_b, port_b) = serve(0, metrics[1]);
    // A third address where nothing listens: the solves sent there go on to the next.
    let dead = free_port();
    let servers =
        format!("http://127.0.0.1:{port_a},http://127.0.0.1:{dead},http://127.0.0.1:{port_b}");
    let args = ["--weeks", "6", "--replications", "2"];
    let remote_out = dir.path().join("remote");
    let stderr = finished(
        scenario_run(
            "scenarios/dgh.toml",
            &[&args[..], &["--server", &servers]].concat(),
            &remote_out,
        ),
        "the run over three addresses",
    );
    assert!(answered(metrics[0]) > 0.0, "server A answered nothing");
    assert!(answered(metrics[1]) > 0.0, "server B answered nothing");
    assert!(
        sent_again(&stderr) >= 1,
        "no solve went on from the dead address: {stderr}"
    );

    let local_out = dir.path().join("local");
    finished(
        scenario_run("scenarios/dgh.toml", &args, &local_out),
        "the in-process run",
    );
    assert_same_results(&remote_out, &local_out);
}
