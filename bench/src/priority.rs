//! `clinicplan-bench priority`: the priority-order policy against the lexicographic
//! optimum (issue 19, targets). Per generated week, whole-model HiGHS (one thread, no
//! warm start) maximises the P1 count, then the P2 count with P1 held at its maximum,
//! then P3, then P4, every stage proven (relative gap 0, absolute gap below one patient)
//! within one shared limit (default 60 s); on every week where it proves all four, the
//! clinicplan path with the priority-order policy at its limit (default 10 s) must reach
//! the same P1..P4 counts. Each solve runs in a child process of its own.

use std::time::Duration;

use clap::Args;

use clinicplan_solver::theatre::generate::{Family, GeneratorConfig};

use crate::child::{ChildArgs, Mode, Policy};
use crate::machine;
use crate::process::{ChildRun, run_child};
use crate::sizes::{Families, SIZES, SizeArg, label};
use crate::worker_exe::{WorkerCopy, locate_clinicplan};

#[derive(Args)]
pub struct PriorityArgs {
    /// small = 10 theatres / 2,500 patients, medium = 30 / 12,000, large = 60 / 40,000.
    #[arg(long, value_enum, default_value = "small")]
    size: SizeArg,
    /// Generator seeds.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    seeds: Vec<u64>,
    /// Generator families, comma-separated, or `all`.
    #[arg(long, default_value = "all")]
    families: Families,
    /// The clinicplan path's time limit, in seconds.
    #[arg(long, default_value_t = 10.0)]
    limit: f64,
    /// The time the four lexicographic HiGHS stages share, in seconds.
    #[arg(long, default_value_t = 60.0)]
    whole_limit: f64,
    /// Append the tables to this markdown file.
    #[arg(long)]
    markdown: Option<std::path::PathBuf>,
    /// The `clinicplan` executable (default: next to this one).
    #[arg(long)]
    clinicplan: Option<std::path::PathBuf>,
}

/// One week: the lexicographic optimum (if proven) beside the clinicplan path's counts.
struct Week {
    label: String,
    family: Family,
    seed: u64,
    highs: ChildRun,
    clinicplan: ChildRun,
}

impl Week {
    fn proven(&self) -> Option<[u32; 4]> {
        let r = self.highs.report.as_ref()?;
        (r.status == "Optimal").then_some(r.counts?)
    }

    /// The counts HiGHS proved before its limit (P1 first).
    fn proven_prefix(&self) -> Vec<u32> {
        self.highs.report.as_ref().map_or(Vec::new(), |r| {
            let n = r.counts_proven.unwrap_or(0);
            r.counts.map_or(Vec::new(), |c| c[..n].to_vec())
        })
    }

    fn ours(&self) -> Option<[u32; 4]> {
        self.clinicplan.report.as_ref()?.counts
    }
}

pub fn run(args: &PriorityArgs) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let original_worker = locate_clinicplan(&exe, args.clinicplan.as_ref())?;
    let worker = WorkerCopy::new(&original_worker)?;
    crate::process::install_interrupt_handler();
    let header = format!(
        "### Priority order against the lexicographic optimum — measured {}, commit {}\n\n\
         `clinicplan-bench {}`\n\nMachine: {}; load average {} at the start",
        machine::now_utc(),
        machine::git_commit(),
        machine::command_line(),
        machine::describe(),
        machine::load_average()
    );
    println!("{header}");
    let mut weeks = Vec::new();
    for size in SIZES.iter().filter(|s| args.size.includes(s.label)) {
        for &family in &args.families.0 {
            for &seed in &args.seeds {
                let config = family.week(size.theatres, size.patients, seed);
                let week = measure_week(args, (&exe, &worker.0), family, size.label, config)?;
                println!("{}", week_row(&week));
                weeks.push(week);
            }
        }
    }
    let md = format!(
        "{header}, {} at the end.\n\n{}\n{}",
        machine::load_average(),
        weeks_table(args, &weeks),
        summary(&weeks)
    );
    machine::publish(&md, args.markdown.as_deref())
}

/// The HiGHS stages, then the clinicplan path, on one week; `exes` = (this executable,
/// the `clinicplan` worker).
fn measure_week(
    args: &PriorityArgs,
    (exe, worker): (&std::path::Path, &std::path::Path),
    family: Family,
    size: &str,
    config: GeneratorConfig,
) -> anyhow::Result<Week> {
    let child = |mode: Mode, limit_s: f64| ChildArgs {
        mode,
        theatres: config.theatres,
        patients: config.patients,
        horizon_days: config.horizon_days,
        seed: config.seed,
        family,
        limit_ms: (limit_s * 1000.0) as u64,
        policy: Policy::PriorityOrder,
        worker: (mode == Mode::Clinicplan).then(|| worker.to_path_buf()),
        effort_limit: None,
    };
    let kill = |limit_s: f64| Duration::from_secs_f64(3.0 * limit_s + 10.0);
    let highs = run_child(
        exe,
        &child(Mode::Lexicographic, args.whole_limit).to_argv(),
        kill(args.whole_limit),
    )?;
    let clinicplan = run_child(
        exe,
        &child(Mode::Clinicplan, args.limit).to_argv(),
        kill(args.limit),
    )?;
    Ok(Week {
        family,
        label: label(size, family),
        seed: config.seed,
        highs,
        clinicplan,
    })
}

fn counts(c: Option<[u32; 4]>) -> String {
    c.map_or("—".into(), |c| {
        format!("{}/{}/{}/{}", c[0], c[1], c[2], c[3])
    })
}

fn seconds(run: &ChildRun) -> String {
    run.report.as_ref().map_or("—".into(), |r| {
        format!("{:.1}", r.solve_ms as f64 / 1000.0)
    })
}

fn verdict(week: &Week) -> String {
    let prefix = week.proven_prefix();
    match (week.proven(), week.ours()) {
        (Some(_), None) | (None, None) => "**no plan**".into(),
        (Some(a), Some(b)) if a == b => "same counts".into(),
        (Some(_), Some(_)) => "**different**".into(),
        (None, Some(ours)) => {
            // Not the whole optimum: how the counts HiGHS did prove compare.
            let short: Vec<String> = prefix
                .iter()
                .enumerate()
                .filter(|&(r, &max)| ours[r] != max)
                .map(|(r, &max)| format!("P{} {} of {max}", r + 1, ours[r]))
                .collect();
            let proved = match prefix.len() {
                1 => "P1 proven".to_string(),
                n => format!("P1..P{n} proven"),
            };
            if prefix.is_empty() {
                "nothing proven in time".into()
            } else if short.is_empty() {
                format!("not proven in time; {proved}: the same")
            } else {
                format!("not proven in time; {proved}: **{}**", short.join(", "))
            }
        }
    }
}

fn counts_proven(week: &Week) -> String {
    let prefix = week.proven_prefix();
    if prefix.is_empty() {
        return "0 of 4".into();
    }
    let named: Vec<String> = prefix
        .iter()
        .enumerate()
        .map(|(r, c)| format!("P{} {c}", r + 1))
        .collect();
    format!("{} of 4 ({})", prefix.len(), named.join(", "))
}

fn week_row(week: &Week) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} |",
        week.label,
        week.seed,
        counts(week.proven()),
        counts_proven(week),
        seconds(&week.highs),
        counts(week.ours()),
        seconds(&week.clinicplan),
        verdict(week)
    )
}

fn weeks_table(args: &PriorityArgs, weeks: &[Week]) -> String {
    let mut md = format!(
        "P1/P2/P3/P4 scheduled. HiGHS: the lexicographic stages within {} s in all; \
         clinicplan: the priority-order policy at {} s.\n\n\
         | week | seed | HiGHS counts | stages proven | HiGHS s | clinicplan counts | clinicplan s | verdict |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        args.whole_limit, args.limit
    );
    for week in weeks {
        md += &week_row(week);
        md.push('\n');
    }
    md
}

/// Per family: weeks, weeks HiGHS proved, weeks among those where the counts agree, and
/// weeks where every count HiGHS proved (the whole optimum or its first stages) agrees.
fn summary(weeks: &[Week]) -> String {
    let mut families: Vec<Family> = weeks.iter().map(|w| w.family).collect();
    families.dedup();
    let mut md = String::from(
        "| family | weeks | lexicographic optimum proven | clinicplan at that optimum | \
         every proven count matched |\n| --- | --- | --- | --- | --- |\n",
    );
    let mut totals = [0; 4];
    for family in families {
        let of: Vec<&Week> = weeks.iter().filter(|w| w.family == family).collect();
        let proven = of.iter().filter(|w| w.proven().is_some()).count();
        let same = of
            .iter()
            .filter(|w| w.proven().is_some() && w.proven() == w.ours())
            .count();
        let prefix_same = of
            .iter()
            .filter(|w| {
                let prefix = w.proven_prefix();
                w.ours()
                    .is_some_and(|ours| prefix.iter().enumerate().all(|(r, &c)| ours[r] == c))
            })
            .count();
        md += &format!(
            "| {family} | {} | {proven} | {same} | {prefix_same} |\n",
            of.len()
        );
        for (t, n) in totals.iter_mut().zip([of.len(), proven, same, prefix_same]) {
            *t += n;
        }
    }
    md += &format!(
        "| **all** | {} | {} | **{} of {}** | {} of {} |\n",
        totals[0], totals[1], totals[2], totals[1], totals[3], totals[0]
    );
    md
}
