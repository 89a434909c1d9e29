//! Safe by default: beyond loopback, TLS and tokens or an explicit opt-out.

use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use tonic::Code;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};

use super::processes::ChildGuard;
use super::tls::pki;
use super::tokens::with_token;
use crate::support::generated_for_days;

/// Starts `clinicplan serve` with `args` and `envs`; returns the listening line, or the
/// exit code and standard error of a server that refused to start.
fn start_serve(
    args: &[&str],
    envs: &[(&str, &str)],
) -> Result<(ChildGuard, String), (i32, String)> {
    use std::io::{BufRead, Read};
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clinicplan"));
    command
        .arg("serve")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = ChildGuard(command.spawn().expect("start clinicplan serve"));
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the first line");
    if line.starts_with("clinicplan listening on ") {
        return Ok((child, line));
    }
    // No listening line: the server ended; it must end promptly, with a reason.
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.0.wait().expect("wait for clinicplan serve");
    Err((status.code().unwrap_or(-1), stderr))
}

#[test]
fn a_non_loopback_address_needs_tls_and_tokens_or_an_explicit_opt_out() {
    // Loopback: plaintext and no tokens, as local users and tests run it.
    let (child, _) = start_serve(&["--listen", "127.0.0.1:0"], &[]).expect("loopback starts");
    drop(child);

    // Every address: refused, naming both missing safeguards and how to give them.
    let (code, stderr) = start_serve(&["--listen", "0.0.0.0:0"], &[])
        .expect_err("0.0.0.0 without TLS or tokens must not start");
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("refusing to serve on 0.0.0.0:"), "{stderr}");
    assert!(
        stderr.contains("--tls-cert") && stderr.contains("--plaintext"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--token-file") && stderr.contains("--no-auth"),
        "{stderr}"
    );

    // One opt-out leaves the other safeguard missing.
    let (code, stderr) = start_serve(&["--listen", "0.0.0.0:0", "--plaintext"], &[])
        .expect_err("--plaintext alone must not start");
    assert_ne!(code, 0, "{stderr}");
    assert!(!stderr.contains("--tls-cert"), "{stderr}");
    assert!(stderr.contains("--no-auth"), "{stderr}");

    // Both opt-outs, by flag and by environment variable.
    let (child, line) = start_serve(&["--listen", "0.0.0.0:0", "--plaintext", "--no-auth"], &[])
        .expect("explicit opt-outs start");
    assert!(line.contains("0.0.0.0:"), "{line}");
    drop(child);
    let (child, _) = start_serve(
        &["--listen", "0.0.0.0:0"],
        &[
            ("CLINICPLAN_PLAINTEXT", "true"),
            ("CLINICPLAN_NO_AUTH", "true"),
        ],
    )
    .expect("opt-outs from the environment start");
    drop(child);

    // TLS and tokens: starts, and serves a client with the token over TLS.
    let pki = pki();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write a test file");
        path.to_string_lossy().into_owned()
    };
    let cert = write("server.pem", &pki.server_cert);
    let key = write("server.key", &pki.server_key);
    let tokens = write("tokens", "# the ward's client\nsecret-ward-token\n");
    let (child, line) = start_serve(
        &[
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--token-file",
            &tokens,
        ],
        &[],
    )
    .expect("TLS and tokens start on 0.0.0.0");
    let port: u16 = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port on the listening line");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let ca = pki.ca_pem.clone();
    let answered = runtime.block_on(async move {
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost");
        let channel = Endpoint::from_shared(format!("https://127.0.0.1:{port}"))
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect()
            .await
            .expect("a TLS connection");
        let mut client = TheatreSchedulerClient::new(channel);
        let request = generated_for_days(1, 10, 1, 1, 1_000);
        let without = client.plan_theatre_lists(request.clone()).await;
        let with = client
            .plan_theatre_lists(with_token(request, Some("Bearer secret-ward-token")))
            .await;
        (without.map(|_| ()), with.map(|_| ()))
    });
    assert_eq!(
        answered.0.expect_err("no token").code(),
        Code::Unauthenticated
    );
    answered.1.expect("the token is accepted over TLS");
    drop(child);
}
