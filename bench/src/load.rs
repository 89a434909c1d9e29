//! `clinicplan-bench load`: the load test of issue 6 (a bench command, not a timed test).
//!
//! It starts `clinicplan serve --listen 127.0.0.1:0` as another process (a private copy
//! of the executable), then drives it over loopback from many concurrent clients, each
//! on its own connection: `--clients` clients send small requests (one theatre, one
//! day, 40 patients) back to back, and `--large-clients` clients send a few large ones
//! (10 theatres × 2,500 patients over a week, 3 s limit) at the same time, while a
//! probe checks health every 200 ms. Sending stops after `--small` / `--large`
//! requests or `--duration-s` seconds, whichever comes first; answers in flight are
//! awaited. It prints, per kind of request, the answers by status, the throughput and
//! the p50 / p99 / max latency (OK answers), and the RESOURCE_EXHAUSTED count; then it
//! stops the server with SIGTERM and reports its exit status.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use clinicplan_service::proto;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use tonic::Code;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::machine::{self, publish};
use crate::sizes::parse_case;
use crate::worker_exe::{WorkerCopy, locate_clinicplan};

#[derive(Args)]
pub struct LoadArgs {
    /// Concurrent clients sending small requests.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Small requests to send in all.
    #[arg(long, default_value_t = 600)]
    small: usize,
    /// Patients of a small request (one theatre, one day).
    #[arg(long, default_value_t = 40)]
    small_patients: u32,
    /// Time limit of a small request, ms.
    #[arg(long, default_value_t = 2_000)]
    small_limit_ms: u32,
    /// Concurrent clients sending large requests.
    #[arg(long, default_value_t = 2)]
    large_clients: usize,
    /// Large requests to send in all.
    #[arg(long, default_value_t = 4)]
    large: usize,
    /// A large request, THEATRESxPATIENTS (over five days).
    #[arg(long, default_value = "10x2500")]
    large_size: String,
    /// Time limit of a large request, ms.
    #[arg(long, default_value_t = 3_000)]
    large_limit_ms: u32,
    /// Stop sending after this many seconds.
    #[arg(long, default_value_t = 120)]
    duration_s: u64,
    /// Generator seed of the first request.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// An extra argument for `clinicplan serve` (repeat for more), e.g.
    /// `--serve-arg=--max-concurrent-solves=4`.
    #[arg(long = "serve-arg", allow_hyphen_values = true)]
    serve_args: Vec<String>,
    /// The `clinicplan` executable (default: next to this one).
    #[arg(long)]
    clinicplan: Option<PathBuf>,
    /// Append the table to this markdown file.
    #[arg(long)]
    markdown: Option<PathBuf>,
}

/// The server process; killed if still running when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One answer.
struct Sample {
    latency: Duration,
    code: Code,
}

/// What one kind of request came to.
#[derive(Default)]
struct Kind {
    samples: Vec<Sample>,
    first_sent: Option<Instant>,
    last_answered: Option<Instant>,
}

impl Kind {
    fn add(&mut self, sent: Instant, code: Code) {
        let now = Instant::now();
        self.first_sent = Some(self.first_sent.map_or(sent, |f| f.min(sent)));
        self.last_answered = Some(self.last_answered.map_or(now, |l| l.max(now)));
        self.samples.push(Sample {
            latency: now - sent,
            code,
        });
    }

    /// Adds another client's answers of the same kind.
    fn merge(&mut self, other: Kind) {
        self.samples.extend(other.samples);
        self.first_sent = match (self.first_sent, other.first_sent) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_answered = match (self.last_answered, other.last_answered) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    fn count(&self, code: Code) -> usize {
        self.samples.iter().filter(|s| s.code == code).count()
    }

    fn row(&self, label: &str) -> String {
        let ok = self.count(Code::Ok);
        let exhausted = self.count(Code::ResourceExhausted);
        let other = self.samples.len() - ok - exhausted;
        let mut other_codes: Vec<String> = Vec::new();
        for s in &self.samples {
            let name = format!("{:?}", s.code);
            if s.code != Code::Ok
                && s.code != Code::ResourceExhausted
                && !other_codes.contains(&name)
            {
                other_codes.push(name);
            }
        }
        let wall = match (self.first_sent, self.last_answered) {
            (Some(f), Some(l)) => (l - f).as_secs_f64(),
            _ => 0.0,
        };
        let mut ok_ms: Vec<f64> = self
            .samples
            .iter()
            .filter(|s| s.code == Code::Ok)
            .map(|s| s.latency.as_secs_f64() * 1e3)
            .collect();
        ok_ms.sort_by(f64::total_cmp);
        let pct = |q: f64| -> String {
            if ok_ms.is_empty() {
                return "–".into();
            }
            let i = ((q * ok_ms.len() as f64).ceil() as usize).clamp(1, ok_ms.len()) - 1;
            format!("{:.0}", ok_ms[i])
        };
        format!(
            "| {label} | {} | {ok} | {exhausted} | {other}{} | {:.1} | {:.2} | {} | {} | {} |\n",
            self.samples.len(),
            if other_codes.is_empty() {
                String::new()
            } else {
                format!(" ({})", other_codes.join(", "))
            },
            wall,
            if wall > 0.0 { ok as f64 / wall } else { 0.0 },
            pct(0.5),
            pct(0.99),
            ok_ms.last().map_or("–".into(), |m| format!("{m:.0}")),
        )
    }
}

/// A small request: one theatre, one day, `patients` patients, with sessions (seeds
/// whose day has no session are skipped: such a request is answered without solving).
fn small_requests(
    seed: u64,
    patients: u32,
    limit_ms: u32,
    n: usize,
) -> Vec<proto::PlanTheatreListsRequest> {
    let mut out = Vec::new();
    let mut s = seed;
    while out.len() < n {
        let request = theatre_request(&GeneratorConfig {
            theatres: 1,
            patients,
            horizon_days: 1,
            seed: s,
            shape: WeekShape::baseline(),
        });
        s += 1;
        if request.sessions.is_empty() {
            continue;
        }
        out.push(with_limit(
            clinicplan_service::convert::request_to_proto(&request),
            limit_ms,
        ));
    }
    out
}

fn with_limit(
    mut request: proto::PlanTheatreListsRequest,
    limit_ms: u32,
) -> proto::PlanTheatreListsRequest {
    request.options = Some(proto::SolveOptions {
        time_limit_ms: limit_ms,
        threads: 1,
        ..Default::default()
    });
    request
}

async fn connect(addr: &str) -> anyhow::Result<TheatreSchedulerClient<Channel>> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(10))
        .connect()
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    Ok(TheatreSchedulerClient::new(channel)
        .max_decoding_message_size(256 * 1024 * 1024)
        .max_encoding_message_size(256 * 1024 * 1024))
}

/// Starts `clinicplan serve` and reads its address.
fn start_server(exe: &std::path::Path, extra: &[String]) -> anyhow::Result<(Server, String)> {
    let mut child = Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {} serve", exe.display()))?;
    let stdout = child.stdout.take().context("the server's stdout")?;
    let server = Server { child };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .context("clinicplan serve did not print its address within 60 s")?;
    let addr = line
        .trim()
        .strip_prefix("clinicplan listening on ")
        .with_context(|| format!("unexpected first line from clinicplan serve: {line:?}"))?
        .to_string();
    Ok((server, addr))
}

pub fn run(args: LoadArgs) -> anyhow::Result<()> {
    if args.clients == 0 && args.large_clients == 0 {
        bail!("give at least one client");
    }
    let exe = std::env::current_exe().context("locating this executable")?;
    let original = locate_clinicplan(&exe, args.clinicplan.as_ref())?;
    let copy = WorkerCopy::new(&original)?;
    let (large_theatres, large_patients) = parse_case(&args.large_size)?;

    let command = machine::command_line();
    let started = machine::now_utc();
    let commit = machine::git_commit();
    let load_start = machine::load_average();
    let machine = machine::describe();
    println!("clinicplan-bench {command}");
    println!("{started}, commit {commit}; {machine}; load average {load_start}");

    let small = small_requests(args.seed, args.small_patients, args.small_limit_ms, 16);
    let large: Vec<proto::PlanTheatreListsRequest> = (0..args.large.clamp(1, 4))
        .map(|k| {
            with_limit(
                clinicplan_service::convert::request_to_proto(&theatre_request(&GeneratorConfig {
                    theatres: large_theatres,
                    patients: large_patients,
                    horizon_days: 5,
                    seed: args.seed + k as u64,
                    shape: WeekShape::baseline(),
                })),
                args.large_limit_ms,
            )
        })
        .collect();

    let (mut server, addr) = start_server(&copy.0, &args.serve_args)?;
    println!(
        "server {} serve on {addr}",
        machine::display_path(&original)
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(args.duration_s);
    let answers = runtime.block_on(drive(&args, &addr, small, large, deadline))?;
    let exit = stop(&mut server)?;

    let mut md = format!(
        "### Load — measured {started}, commit {commit}\n\n\
         `clinicplan-bench {command}`: `clinicplan serve` ({}) on loopback, in another \
         process; {} clients each sending small requests (1 theatre, 1 day, {} patients, \
         {} ms limit) back to back on its own connection, {} clients sending large ones \
         ({large_theatres} theatres × {large_patients} patients over 5 days, {} ms limit), \
         and a health probe every 200 ms; {:.1} s in all.\n\n\
         Machine: {machine}; load average {load_start} at the start, {} at the end \
         (a shared machine: other builds and tests ran at the same time).\n\n\
         | requests | sent | OK | RESOURCE_EXHAUSTED | other errors | wall s | throughput (OK/s) | p50 ms | p99 ms | max ms |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        if args.serve_args.is_empty() {
            "default settings".to_string()
        } else {
            args.serve_args.join(" ")
        },
        args.clients,
        args.small_patients,
        args.small_limit_ms,
        args.large_clients,
        args.large_limit_ms,
        answers.wall.as_secs_f64(),
        machine::load_average(),
    );
    md += &answers.small.row("small (1×40)");
    md += &answers
        .large
        .row(&format!("large ({large_theatres}×{large_patients})"));
    md += &answers.health.row("health probe");
    md += &format!("\nServer exit after SIGTERM: {exit}.\n\n");
    publish(&md, args.markdown.as_deref())
}

/// What the clients and the probe came to, and how long they ran.
struct Answers {
    small: Kind,
    large: Kind,
    health: Kind,
    wall: Duration,
}

/// Drives the server at `addr`: the large clients, then the small ones, each on its own
/// connection, and the health probe until every client is done.
async fn drive(
    args: &LoadArgs,
    addr: &str,
    small: Vec<proto::PlanTheatreListsRequest>,
    large: Vec<proto::PlanTheatreListsRequest>,
    deadline: Instant,
) -> anyhow::Result<Answers> {
    let begun = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    // Large clients first, so that the small ones meet them.
    let kinds = [
        (true, args.large_clients, large, args.large),
        (false, args.clients, small, args.small),
    ];
    for (is_large, n_clients, requests, total) in kinds {
        let requests = Arc::new(requests);
        let next = Arc::new(AtomicUsize::new(0));
        for _ in 0..n_clients {
            let client = connect(addr).await?;
            let queue = Queue {
                requests: requests.clone(),
                next: next.clone(),
                total,
                deadline,
            };
            tasks.spawn(async move { (is_large, send_back_to_back(client, queue).await) });
        }
    }
    let probe_channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect()
        .await?;
    let (probe_stop, probe_stopped) = tokio::sync::oneshot::channel::<()>();
    let probe = tokio::spawn(probe_health(probe_channel, probe_stopped));
    let mut small_kind = Kind::default();
    let mut large_kind = Kind::default();
    while let Some(done) = tasks.join_next().await {
        let (is_large, kind) = done?;
        if is_large {
            large_kind.merge(kind);
        } else {
            small_kind.merge(kind);
        }
    }
    let _ = probe_stop.send(());
    let health_kind = probe.await?;
    Ok(Answers {
        small: small_kind,
        large: large_kind,
        health: health_kind,
        wall: begun.elapsed(),
    })
}

/// The requests one kind of client shares: the next to send, how many in all, and until when.
struct Queue {
    requests: Arc<Vec<proto::PlanTheatreListsRequest>>,
    next: Arc<AtomicUsize>,
    total: usize,
    deadline: Instant,
}

/// One client: takes the next request of `queue` and waits for its answer, until the
/// queue's total is sent or its deadline passes.
async fn send_back_to_back(mut client: TheatreSchedulerClient<Channel>, queue: Queue) -> Kind {
    let mut kind = Kind::default();
    loop {
        let i = queue.next.fetch_add(1, Ordering::SeqCst);
        if i >= queue.total || Instant::now() >= queue.deadline {
            break;
        }
        let request = queue.requests[i % queue.requests.len()].clone();
        let sent = Instant::now();
        let code = match client.plan_theatre_lists(request).await {
            Ok(_) => Code::Ok,
            Err(status) => status.code(),
        };
        kind.add(sent, code);
    }
    kind
}

/// The health probe: a check every 200 ms until `stopped` fires.
async fn probe_health(channel: Channel, mut stopped: tokio::sync::oneshot::Receiver<()>) -> Kind {
    let mut health = HealthClient::new(channel);
    let mut kind = Kind::default();
    loop {
        let sent = Instant::now();
        let code = match health.check(HealthCheckRequest::default()).await {
            Ok(r) if r.get_ref().status() == ServingStatus::Serving => Code::Ok,
            Ok(_) => Code::Unavailable,
            Err(status) => status.code(),
        };
        kind.add(sent, code);
        tokio::select! {
            _ = &mut stopped => break,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    kind
}

/// SIGTERM, then a wait (bounded) for a clean exit; the exit status as the log gives it.
fn stop(server: &mut Server) -> anyhow::Result<String> {
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(server.child.id() as libc::pid_t, libc::SIGTERM);
    }
    let stop_begun = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait()? {
            return Ok(format!("{status}"));
        }
        if stop_begun.elapsed() > Duration::from_secs(60) {
            return Ok("still running 60 s after SIGTERM (killed)".to_string());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
