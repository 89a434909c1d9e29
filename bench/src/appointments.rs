//! The appointment-balancing benchmark: the product path end to end (decode, convert,
//! validate, group, solve, hand out, check, encode) on generated networks, each run in
//! a child process of its own for its peak memory, beside the first-come greedy (each
//! practice books its own patients into its own first free slot), the same
//! transshipment problem solved as an LP by HiGHS (the solver before the network
//! simplex) and, where it fits, the one-variable-per-pair LP through good_lp.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, variable};
use prost::Message;
use serde::{Deserialize, Serialize};

use clinicplan_service::convert::appointments::{
    request_from_proto, request_to_proto, response_to_proto,
};
use clinicplan_service::engine::{CancelToken, EngineConfig, WorkerCommand, balance_appointments};
use clinicplan_service::proto;
use clinicplan_solver::appointments::domain::{
    COST_SCALE, Network, RequestIdx, SlotIdx, check_pair,
};
use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use clinicplan_solver::appointments::model::{Grouping, solve_transshipment_highs};
use clinicplan_solver::appointments::validate;

use crate::process::run_child;

/// Marks the child's result line.
const PREFIX: &str = "@bench-appointments ";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// clinicplan, end to end.
    Clinicplan,
    /// The first-come greedy and the pair count.
    Greedy,
    /// One good_lp variable per eligible (request, slot) pair.
    PairLp,
    /// Validate, group, and the transshipment network as a HiGHS LP (in process).
    HighsLp,
}

/// One measured run (hidden subcommand `appointments-child`).
#[derive(Args, Clone, Debug)]
pub struct AppointmentChildArgs {
    #[arg(long, value_enum)]
    pub part: Part,
    #[arg(long)]
    pub practices: u32,
    #[arg(long)]
    pub clinicians: u32,
    #[arg(long)]
    pub requests: u32,
    #[arg(long)]
    pub seed: u64,
    #[arg(long)]
    pub limit_ms: u32,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AppointmentReport {
    pub slots: usize,
    pub objective: Option<f64>,
    pub bound: Option<f64>,
    pub optimal: bool,
    pub pairs: Option<u64>,
    pub request_groups: u32,
    pub slot_groups: u32,
    pub arcs: u64,
    pub rounds: u32,
    pub decode_ms: f64,
    pub solve_ms: f64,
    pub encode_ms: f64,
    pub total_ms: f64,
    pub note: String,
}

fn config(a: &AppointmentChildArgs) -> NetworkConfig {
    NetworkConfig {
        practices: a.practices,
        clinicians: a.clinicians,
        requests: a.requests,
        horizon_days: 14,
        seed: a.seed,
    }
}

/// Runs one part and prints its report line.
pub fn child(a: &AppointmentChildArgs) -> anyhow::Result<()> {
    let request = network_request(&config(a));
    let mut report = AppointmentReport {
        slots: request.slots.len(),
        ..Default::default()
    };
    match a.part {
        Part::Clinicplan => {
            let mut wire = request_to_proto(&request);
            wire.options
                .get_or_insert_with(Default::default)
                .time_limit_ms = a.limit_ms;
            let bytes = wire.encode_to_vec();
            drop(wire);
            drop(request);
            balance_on_the_service_path(&bytes, a.limit_ms, &mut report)?;
        }
        Part::Greedy => {
            let network = validate(&request).map_err(|e| anyhow::anyhow!("{e}"))?;
            let started = Instant::now();
            report.objective = Some(first_come(&network));
            report.total_ms = ms(started.elapsed());
            report.pairs = Some(count_pairs(&network));
        }
        Part::HighsLp => {
            let started = Instant::now();
            let network = validate(&request).map_err(|e| anyhow::anyhow!("{e}"))?;
            let grouping = Grouping::new(&network);
            let deadline = started + Duration::from_millis(u64::from(a.limit_ms));
            let solution = solve_transshipment_highs(&network, &grouping, deadline, false)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            report.total_ms = ms(started.elapsed());
            if !solution.deadline_reached {
                let unbooked: i64 = (0..network.requests.len())
                    .map(|r| network.unbooked_cost30(RequestIdx(r as u32)))
                    .sum();
                let scale = COST_SCALE as f64;
                report.objective = Some((unbooked + solution.objective30) as f64 / scale);
                report.bound = Some((unbooked + solution.bound30) as f64 / scale);
                report.optimal = solution.optimal;
            }
            report.arcs = solution.arcs_in_lp;
        }
        Part::PairLp => {
            let network = validate(&request).map_err(|e| anyhow::anyhow!("{e}"))?;
            let started = Instant::now();
            let (objective, pairs) =
                pair_lp(&network, Duration::from_millis(u64::from(a.limit_ms)))?;
            report.objective = objective;
            report.bound = objective;
            report.optimal = objective.is_some();
            report.pairs = Some(pairs);
            report.total_ms = ms(started.elapsed());
        }
    }
    println!("{PREFIX}{}", serde_json::to_string(&report)?);
    Ok(())
}

/// The service path end to end on an encoded request: decode, convert, balance (validate,
/// solve, check, explain), convert and encode, each step timed into `report`.
fn balance_on_the_service_path(
    bytes: &[u8],
    limit_ms: u32,
    report: &mut AppointmentReport,
) -> anyhow::Result<()> {
    let engine = EngineConfig {
        worker: WorkerCommand::current_exe()?,
        default_time_limit_ms: limit_ms,
        request_id: None,
    };
    let started = Instant::now();
    let decoded = proto::BalanceAppointmentsRequest::decode(bytes)?;
    let input = request_from_proto(decoded);
    let decoded_at = Instant::now();
    let (network, plan) = balance_appointments(&input, &engine, &CancelToken::default())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let solved_at = Instant::now();
    let response = response_to_proto(&network, &plan).encode_to_vec();
    let done = Instant::now();
    report.objective = Some(plan.summary.objective);
    report.bound = Some(plan.summary.bound);
    report.optimal = plan.summary.optimal;
    report.request_groups = plan.summary.request_groups;
    report.slot_groups = plan.summary.slot_groups;
    report.arcs = plan.summary.arcs;
    report.rounds = plan.summary.rounds;
    report.decode_ms = ms(decoded_at - started);
    report.solve_ms = ms(solved_at - decoded_at);
    report.encode_ms = ms(done - solved_at);
    report.total_ms = ms(done - started);
    report.note = format!("{} bytes out", response.len());
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn count_pairs(network: &Network) -> u64 {
    let mut n = 0u64;
    for r in 0..network.requests.len() {
        for s in 0..network.slots.len() {
            if check_pair(network, RequestIdx(r as u32), SlotIdx(s as u32)).is_ok() {
                n += 1;
            }
        }
    }
    n
}

/// Each practice books its own patients, in request order, into its own first free
/// eligible slot (by date and time); the cost of the result.
fn first_come(network: &Network) -> f64 {
    let mut order: Vec<usize> = (0..network.slots.len()).collect();
    order.sort_by_key(|&s| (network.slots[s].day, network.slots[s].start, s));
    let mut taken = vec![false; network.slots.len()];
    let mut cost = 0i64;
    for r in 0..network.requests.len() {
        let ri = RequestIdx(r as u32);
        let home = network.requests[r].home;
        let found = order.iter().copied().find(|&s| {
            !taken[s]
                && network.slots[s].site == home
                && check_pair(network, ri, SlotIdx(s as u32)).is_ok()
        });
        match found {
            Some(s) => {
                taken[s] = true;
                cost += network.booking_cost30(ri, SlotIdx(s as u32));
            }
            None => cost += network.unbooked_cost30(ri),
        }
    }
    cost as f64 / COST_SCALE as f64
}

/// The assignment model with one variable per eligible pair (no grouping).
fn pair_lp(network: &Network, limit: Duration) -> anyhow::Result<(Option<f64>, u64)> {
    let mut vars = ProblemVariables::new();
    let mut pairs = Vec::new();
    for r in 0..network.requests.len() {
        for s in 0..network.slots.len() {
            let (ri, si) = (RequestIdx(r as u32), SlotIdx(s as u32));
            if check_pair(network, ri, si).is_ok() {
                let c = network.booking_cost30(ri, si) - network.unbooked_cost30(ri);
                pairs.push((r, s, c, vars.add(variable().min(0.0))));
            }
        }
    }
    let n = pairs.len() as u64;
    let constant: i64 = (0..network.requests.len())
        .map(|r| network.unbooked_cost30(RequestIdx(r as u32)))
        .sum();
    let objective: Expression = pairs.iter().map(|&(_, _, c, v)| c as f64 * v).sum();
    let mut by_r = vec![Expression::default(); network.requests.len()];
    let mut by_s = vec![Expression::default(); network.slots.len()];
    for &(r, s, _, v) in &pairs {
        by_r[r] += v;
        by_s[s] += v;
    }
    let mut problem = vars
        .minimise(objective)
        .using(good_lp::solvers::highs::highs)
        .set_threads(1)
        .set_time_limit(limit.as_secs_f64());
    for e in by_r.into_iter().chain(by_s) {
        problem.add_constraint(e.leq(1.0));
    }
    match problem.solve() {
        Ok(solution) if matches!(solution.status(), good_lp::SolutionStatus::Optimal) => {
            let value: f64 = pairs
                .iter()
                .map(|&(_, _, c, v)| c as f64 * solution.value(v))
                .sum();
            Ok((Some((constant as f64 + value) / COST_SCALE as f64), n))
        }
        _ => Ok((None, n)),
    }
}

/// The `appointments` subcommand's options.
#[derive(Args)]
pub struct AppointmentArgs {
    /// Cases PRACTICESxCLINICIANSxREQUESTS.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "8x48x3000,20x120x30000,60x360x100000"
    )]
    pub cases: Vec<String>,
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub seeds: Vec<u64>,
    /// Time limit of every run, ms.
    #[arg(long, default_value_t = 60_000)]
    pub limit_ms: u32,
    /// The per-pair LP is run only up to this many requests.
    #[arg(long, default_value_t = 3_000)]
    pub pair_lp_max_requests: u32,
    /// The HiGHS transshipment LP is run only up to this many requests.
    #[arg(long, default_value_t = 30_000)]
    pub highs_max_requests: u32,
    /// Append the table to this markdown file.
    #[arg(long)]
    pub markdown: Option<std::path::PathBuf>,
}

fn run(
    exe: &Path,
    part: Part,
    case: (u32, u32, u32),
    seed: u64,
    limit_ms: u32,
) -> anyhow::Result<(Option<AppointmentReport>, Option<u64>, Option<String>)> {
    let part_name = match part {
        Part::Clinicplan => "clinicplan",
        Part::Greedy => "greedy",
        Part::PairLp => "pair-lp",
        Part::HighsLp => "highs-lp",
    };
    let args = vec![
        "appointments-child".to_string(),
        format!("--part={part_name}"),
        format!("--practices={}", case.0),
        format!("--clinicians={}", case.1),
        format!("--requests={}", case.2),
        format!("--seed={seed}"),
        format!("--limit-ms={limit_ms}"),
    ];
    let run = run_child(
        exe,
        &args,
        Duration::from_millis(u64::from(limit_ms) * 3 + 30_000),
    )?;
    let report = run
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(PREFIX))
        .map(serde_json::from_str::<AppointmentReport>)
        .transpose()?;
    let failure = if report.is_none() {
        Some(run.failure.unwrap_or_else(|| "no result".into()))
    } else {
        None
    };
    Ok((report, run.peak_kib, failure))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Runs every case and seed; prints (and appends) the table.
pub fn appointments(args: &AppointmentArgs) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let mut table = String::new();
    table.push_str(&format!(
        "\n### Appointment balancing ({})\n\nCommand: `scripts/bench.sh appointments --cases {} --seeds {} --limit-ms {} --pair-lp-max-requests {} --highs-max-requests {}`; {}.\n\n",
        crate::machine::now_utc(),
        args.cases.join(","),
        args.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
        args.limit_ms,
        args.pair_lp_max_requests,
        args.highs_max_requests,
        crate::machine::describe(),
    ));
    table.push_str("| case | seed | slots | pairs | groups (req × slot) | arcs | rounds | clinicplan total s | decode / solve / encode s | peak MiB | objective | bound | optimal | greedy / optimum | HiGHS LP s | HiGHS LP MiB | HiGHS LP objective | pair LP objective | pair LP s | pair LP MiB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut medians = String::from(
        "\n| case | median clinicplan total s | median peak MiB | median greedy / optimum | median HiGHS LP s |\n|---|---|---|---|---|\n",
    );
    for case in &args.cases {
        let parts: Vec<u32> = case.split('x').map(str::parse).collect::<Result<_, _>>()?;
        anyhow::ensure!(parts.len() == 3, "a case is PRACTICESxCLINICIANSxREQUESTS");
        let c = (parts[0], parts[1], parts[2]);
        let mut samples = CaseSamples::default();
        for &seed in &args.seeds {
            table.push_str(&seed_row(&exe, args, case, c, seed, &mut samples)?);
            eprintln!("{case} seed {seed}: done");
        }
        let f = |v: Option<f64>| v.map_or("–".into(), |x| format!("{x:.2}"));
        medians.push_str(&format!(
            "| {case} | {} | {} | {} | {} |\n",
            f(median(samples.totals)),
            median(samples.peaks).map_or("–".into(), |x| format!("{x:.0}")),
            f(median(samples.ratios)),
            f(median(samples.highs_totals))
        ));
    }
    table.push_str(&medians);
    print!("{table}");
    if let Some(path) = &args.markdown {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(table.as_bytes())?;
    }
    Ok(())
}

/// The values a case's medians are taken over, one per seed that gave one.
#[derive(Default)]
struct CaseSamples {
    totals: Vec<f64>,
    peaks: Vec<f64>,
    ratios: Vec<f64>,
    highs_totals: Vec<f64>,
}

/// Runs one case and seed (clinicplan, the greedy, and the LPs within their request
/// limits), adds its values to `samples` and returns its table row.
fn seed_row(
    exe: &Path,
    args: &AppointmentArgs,
    case: &str,
    c: (u32, u32, u32),
    seed: u64,
    samples: &mut CaseSamples,
) -> anyhow::Result<String> {
    let (cp, cp_peak, cp_fail) = run(exe, Part::Clinicplan, c, seed, args.limit_ms)?;
    let (greedy, _, _) = run(exe, Part::Greedy, c, seed, args.limit_ms)?;
    let (pair, pair_peak, pair_fail) = if c.2 <= args.pair_lp_max_requests {
        run(exe, Part::PairLp, c, seed, args.limit_ms)?
    } else {
        (None, None, Some("not run".into()))
    };
    let (highs, highs_peak, highs_fail) = if c.2 <= args.highs_max_requests {
        run(exe, Part::HighsLp, c, seed, args.limit_ms)?
    } else {
        (None, None, Some("not run".into()))
    };
    let cp = cp.unwrap_or_default();
    let greedy = greedy.unwrap_or_default();
    let ratio = match (greedy.objective, cp.objective) {
        (Some(g), Some(o)) if o > 0.0 => Some(g / o),
        _ => None,
    };
    if cp_fail.is_none() {
        samples.totals.push(cp.total_ms / 1000.0);
        if let Some(p) = cp_peak {
            samples.peaks.push(p as f64 / 1024.0);
        }
    }
    if let Some(r) = ratio {
        samples.ratios.push(r);
    }
    let f = |v: Option<f64>| v.map_or("–".into(), |x| format!("{x:.2}"));
    let highs_lp = highs_cells(&highs, &highs_fail, cp.objective, samples);
    let pair_lp = match (&pair, &pair_fail) {
        (Some(p), _) => (f(p.objective), format!("{:.1}", p.total_ms / 1000.0)),
        (None, Some(why)) => (why.clone(), "–".into()),
        (None, None) => ("–".into(), "–".into()),
    };
    Ok(format!(
        "| {case} | {seed} | {} | {} | {} × {} | {} | {} | {} | {:.2} / {:.2} / {:.2} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        cp.slots,
        greedy.pairs.map_or("–".into(), |p| p.to_string()),
        cp.request_groups,
        cp.slot_groups,
        cp.arcs,
        cp.rounds,
        cp_fail
            .clone()
            .unwrap_or_else(|| format!("{:.2}", cp.total_ms / 1000.0)),
        cp.decode_ms / 1000.0,
        cp.solve_ms / 1000.0,
        cp.encode_ms / 1000.0,
        mib_or_dash(cp_peak),
        f(cp.objective),
        f(cp.bound),
        cp.optimal,
        ratio.map_or("–".into(), |r| format!("{r:.2}")),
        highs_lp.0,
        mib_or_dash(highs_peak),
        highs_lp.1,
        pair_lp.0,
        pair_lp.1,
        mib_or_dash(pair_peak),
    ))
}

/// The whole-model HiGHS LP's cells (seconds; objective, marked equal or not to
/// clinicplan's), its time added to `samples`.
fn highs_cells(
    highs: &Option<AppointmentReport>,
    failure: &Option<String>,
    clinicplan: Option<f64>,
    samples: &mut CaseSamples,
) -> (String, String) {
    match (highs, failure) {
        (Some(h), _) => {
            if h.objective.is_some() {
                samples.highs_totals.push(h.total_ms / 1000.0);
            }
            let same = match (h.objective, clinicplan) {
                (Some(x), Some(y)) if x == y => " (= clinicplan)",
                (Some(_), Some(_)) => " (≠ clinicplan)",
                _ => "",
            };
            let objective = h.objective.map_or("–".into(), |x| format!("{x:.2}"));
            (
                format!("{:.2}", h.total_ms / 1000.0),
                format!("{objective}{same}"),
            )
        }
        (None, Some(why)) => ("–".into(), why.clone()),
        (None, None) => ("–".into(), "–".into()),
    }
}

/// A peak in KiB as whole MiB, or "–" when there is none.
fn mib_or_dash(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |p| format!("{:.0}", p as f64 / 1024.0))
}
