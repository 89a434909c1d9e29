//! Markdown tables of a run: instances, every measurement, medians over seeds, scaling.

use std::fmt::Write;

use crate::measure::InstanceMeasure;
use crate::process::ChildRun;
use crate::sizes::Target;
use clinicplan_solver::theatre::solve::last_improvement_ms;

pub fn pct(x: Option<f64>) -> String {
    match x {
        Some(g) if g.is_finite() => format!("{:.2}%", 100.0 * g),
        Some(_) => "no plan".into(),
        None => "—".into(),
    }
}

fn num(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{v:.1}"))
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("—".into(), |k| format!("{:.0}", k as f64 / 1024.0))
}

/// Median; +∞ stands for "no plan" and sorts last.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

pub fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

pub fn header(cells: &[&str]) -> String {
    let mut s = row(&cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    s += &row(&cells.iter().map(|_| "---".to_string()).collect::<Vec<_>>());
    s
}

fn instance_name(m: &InstanceMeasure) -> String {
    format!("{} ({}×{})", m.label, m.theatres, m.patients)
}

/// One row per instance: its size, the LP bound and the greedy.
pub fn instances(measures: &[InstanceMeasure]) -> String {
    let mut s = header(&[
        "instance",
        "seed",
        "sessions",
        "eligible pairs",
        "build (ms)",
        "nothing scheduled",
        "LP bound",
        "LP time (s)",
        "LP peak (MiB)",
        "P1 floor (most P1 any plan can book)",
        "LP + P1 floor",
        "LP + P1 floor vs LP",
        "greedy objective",
        "greedy gap vs LP",
        "greedy = first plan (ms)",
        "booked (greedy)",
        "P1 booked (greedy)",
    ]);
    for m in measures {
        s += &row(&[
            instance_name(m),
            m.seed.to_string(),
            m.sessions.to_string(),
            m.eligible.to_string(),
            format!("{:.0}", m.build_ms),
            format!("{:.1}", m.nothing),
            num(m.lp_bound()),
            if m.lp.objective().is_some() {
                format!("{:.2}", m.lp.solve_s())
            } else {
                format!(
                    "failed: {}",
                    m.lp.failure.as_deref().unwrap_or("no optimal LP")
                )
            },
            mib(m.lp.peak_kib),
            m.lp_p1
                .report
                .as_ref()
                .and_then(|r| {
                    Some(format!(
                        "{}{}",
                        r.p1_scheduled?,
                        if r.p1_proven? { "" } else { " (not proven)" }
                    ))
                })
                .unwrap_or_else(|| "—".into()),
            num(m.lp_p1_bound()),
            pct(m.gap_vs_lp(m.lp_p1_bound())),
            format!(
                "{:.1}{}",
                m.greedy.objective,
                if m.greedy.checked {
                    ""
                } else {
                    " (FAILED CHECK)"
                }
            ),
            pct(m.gap_vs_lp(Some(m.greedy.objective))),
            format!("{:.1}", m.greedy.ms),
            format!("{}/{}", m.greedy.scheduled, m.patients),
            format!("{}/{}", m.greedy.p1, m.p1_total),
        ]);
    }
    s
}

fn status_cell(run: &ChildRun) -> String {
    let Some(r) = &run.report else {
        return run.failure.clone().unwrap_or_else(|| "failed".into());
    };
    let mut status = r.status.clone();
    if let Some(source) = &r.source {
        let _ = write!(status, ", plan: {source}");
    }
    if let Some(bound) = &r.bound_source {
        let _ = write!(status, ", bound: {bound}");
    }
    if r.deadline_reached == Some(true) {
        status += ", deadline";
    }
    if r.checked == Some(false) {
        status += ", FAILED CHECK";
    }
    if let Some(e) = &r.error {
        let _ = write!(status, ", error: {e}");
    }
    status
}

fn run_cells(m: &InstanceMeasure, limit_s: f64, method: &str, run: &ChildRun) -> Vec<String> {
    let report = run.report.as_ref();
    let objective = report.and_then(|r| r.objective);
    vec![
        instance_name(m),
        m.seed.to_string(),
        format!("{limit_s}"),
        method.to_string(),
        match (objective, run.killed_at_s) {
            (Some(o), _) => format!("{o:.1}"),
            (None, Some(k)) => format!("no plan (killed at {k:.0} s)"),
            (None, None) => "no plan".into(),
        },
        num(report.and_then(|r| r.bound)),
        pct(report.and_then(|r| r.gap)),
        pct(m.gap_vs_lp(objective)),
        pct(m.gap_vs_lp_p1(objective)),
        pct(m.gap_vs_lp(report.and_then(|r| r.bound))),
        report
            .and_then(|r| r.p1_scheduled)
            .map_or("—".into(), |p| format!("{p}/{}", m.p1_total)),
        status_cell(run),
        format!("{:.2}", run.solve_s()),
        report
            .and_then(|r| last_improvement_ms(&r.notes))
            .map_or("—".into(), |ms| format!("{:.2}", ms as f64 / 1000.0)),
        format!("{:.1}", run.cpu_s),
        mib(run.peak_kib),
        mib(run.tree_peak_kib),
    ]
}

/// Every measurement of every instance.
pub fn details(measures: &[InstanceMeasure]) -> String {
    let mut s = header(&[
        "instance",
        "seed",
        "limit (s)",
        "method",
        "objective",
        "own bound",
        "gap (own bound)",
        "gap vs LP",
        "gap vs LP + P1 floor",
        "own bound vs LP (least gap vs LP of any plan the policy accepts)",
        "P1 booked",
        "status",
        "time (s)",
        "last impr. s",
        "CPU (s)",
        "peak (MiB)",
        "Σ peak (MiB)",
    ]);
    for m in measures {
        for run in &m.runs {
            s += &row(&run_cells(m, run.limit_s, "clinicplan", &run.clinicplan));
            if let Some(whole) = &run.whole {
                s += &row(&run_cells(m, run.limit_s, "whole-model HiGHS", whole));
            }
        }
    }
    s
}

fn gap_or_inf(m: &InstanceMeasure, run: &ChildRun) -> f64 {
    m.gap_vs_lp(run.objective()).unwrap_or(f64::INFINITY)
}

fn own_gap_or_inf(run: &ChildRun) -> f64 {
    run.report
        .as_ref()
        .and_then(|r| r.gap)
        .unwrap_or(f64::INFINITY)
}

/// The time limits the instances were run at, in increasing order.
pub fn limits(group: &[&InstanceMeasure]) -> Vec<f64> {
    let mut limits: Vec<f64> = group
        .iter()
        .flat_map(|m| m.runs.iter().map(|r| r.limit_s))
        .collect();
    limits.sort_by(f64::total_cmp);
    limits.dedup();
    limits
}

/// Medians over seeds, per instance size, limit and method, with the targets.
pub fn summary(measures: &[InstanceMeasure], target_of: impl Fn(&str) -> Option<Target>) -> String {
    let mut s = header(&[
        "instance",
        "limit (s)",
        "method",
        "seeds",
        "plans",
        "gap vs LP (median)",
        "gap vs LP + P1 floor (median)",
        "gap, own bound (median)",
        "time (s, median)",
        "peak MiB (median)",
        "Σ peak MiB (median)",
        "target",
    ]);
    let mut labels: Vec<(String, String)> = Vec::new();
    for m in measures {
        let key = (m.label.clone(), instance_name(m));
        if !labels.contains(&key) {
            labels.push(key);
        }
    }
    for (label, name) in labels {
        let group: Vec<&InstanceMeasure> = measures.iter().filter(|m| m.label == label).collect();
        s += &greedy_row(&name, &group);
        s += &lp_row(&name, &group);
        for limit_s in limits(&group) {
            type Pick = fn(&crate::measure::LimitRun) -> Option<&ChildRun>;
            let methods: [(&str, Pick); 2] = [
                ("clinicplan", |r| Some(&r.clinicplan)),
                ("whole-model HiGHS", |r| r.whole.as_ref()),
            ];
            for (method, pick) in methods {
                let runs: Vec<(&InstanceMeasure, &ChildRun)> = group
                    .iter()
                    .flat_map(|m| {
                        m.runs
                            .iter()
                            .filter(|r| r.limit_s == limit_s)
                            .filter_map(pick)
                            .map(move |run| (*m, run))
                    })
                    .collect();
                if runs.is_empty() {
                    continue;
                }
                // Targets judge the clinicplan path at the target's limit only.
                let target = target_of(&label)
                    .filter(|t| t.limit_s == limit_s)
                    .filter(|_| method == "clinicplan");
                s += &method_row(&name, limit_s, method, &runs, target);
            }
        }
    }
    s
}

/// The median over `kibs` of the values there are.
fn median_kib(kibs: impl Iterator<Item = Option<u64>>) -> Option<f64> {
    median(kibs.flatten().map(|k| k as f64).collect())
}

/// The summary's row of the greedy over one size's seeds.
fn greedy_row(name: &str, group: &[&InstanceMeasure]) -> String {
    let n = group.len();
    // The greedy's median gap against one of the bounds.
    let greedy_gap = |gap: fn(&InstanceMeasure, Option<f64>) -> Option<f64>| {
        pct(median(
            group
                .iter()
                .map(|m| gap(m, Some(m.greedy.objective)).unwrap_or(f64::INFINITY))
                .collect(),
        ))
    };
    row(&[
        name.to_string(),
        "—".into(),
        "greedy (priority order)".into(),
        n.to_string(),
        n.to_string(),
        greedy_gap(InstanceMeasure::gap_vs_lp),
        greedy_gap(InstanceMeasure::gap_vs_lp_p1),
        "—".into(),
        format!(
            "{:.3}",
            median(group.iter().map(|m| m.greedy.ms / 1000.0).collect()).unwrap_or(0.0)
        ),
        "—".into(),
        "—".into(),
        String::new(),
    ])
}

/// The summary's row of the LP bound over one size's seeds.
fn lp_row(name: &str, group: &[&InstanceMeasure]) -> String {
    row(&[
        name.to_string(),
        "—".into(),
        "LP relaxation (bound)".into(),
        group.len().to_string(),
        group
            .iter()
            .filter(|m| m.lp_bound().is_some())
            .count()
            .to_string(),
        "(the bound)".into(),
        "—".into(),
        "—".into(),
        format!(
            "{:.2}",
            median(group.iter().map(|m| m.lp.solve_s()).collect()).unwrap_or(0.0)
        ),
        mib(median_kib(group.iter().map(|m| m.lp.peak_kib)).map(|k| k as u64)),
        mib(median_kib(group.iter().map(|m| m.lp.tree_peak_kib)).map(|k| k as u64)),
        String::new(),
    ])
}

/// Medians of one method's runs at one limit over the seeds.
struct RunMedians {
    gap: Option<f64>,
    gap_p1: Option<f64>,
    time: Option<f64>,
    peak: Option<f64>,
    tree_peak: Option<f64>,
}

impl RunMedians {
    fn of(runs: &[(&InstanceMeasure, &ChildRun)]) -> Self {
        RunMedians {
            gap: median(runs.iter().map(|(m, r)| gap_or_inf(m, r)).collect()),
            gap_p1: median(
                runs.iter()
                    .map(|(m, r)| m.gap_vs_lp_p1(r.objective()).unwrap_or(f64::INFINITY))
                    .collect(),
            ),
            time: median(runs.iter().map(|(_, r)| r.solve_s()).collect()),
            peak: median_kib(runs.iter().map(|(_, r)| r.peak_kib)),
            tree_peak: median_kib(runs.iter().map(|(_, r)| r.tree_peak_kib)),
        }
    }
}

/// The summary's row of one method at one limit, judged against `target` if given.
fn method_row(
    name: &str,
    limit_s: f64,
    method: &str,
    runs: &[(&InstanceMeasure, &ChildRun)],
    target: Option<Target>,
) -> String {
    let medians = RunMedians::of(runs);
    let verdict = target.map_or_else(String::new, |t| verdict(t, runs, &medians));
    row(&[
        name.to_string(),
        format!("{limit_s}"),
        method.into(),
        runs.len().to_string(),
        runs.iter()
            .filter(|(_, r)| r.objective().is_some())
            .count()
            .to_string(),
        pct(medians.gap),
        pct(medians.gap_p1),
        pct(median(
            runs.iter().map(|(_, r)| own_gap_or_inf(r)).collect(),
        )),
        format!("{:.2}", medians.time.unwrap_or(0.0)),
        mib(medians.peak.map(|k| k as u64)),
        mib(medians.tree_peak.map(|k| k as u64)),
        verdict,
    ])
}

/// Whether the runs meet target `t`: the median gap (against both bounds), every run's
/// time and the median memory.
fn verdict(t: Target, runs: &[(&InstanceMeasure, &ChildRun)], medians: &RunMedians) -> String {
    let worst_time = runs.iter().map(|(_, r)| r.solve_s()).fold(0.0, f64::max);

    let time_ok = worst_time <= t.limit_s;
    // The processes alive together (sampled sum) if larger than any one of them.
    let footprint = match (medians.peak, medians.tree_peak) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let peak_ok = match (t.peak_gib, footprint) {
        (Some(cap), Some(p)) => p / 1024.0 / 1024.0 < cap,
        _ => true,
    };
    let judge = |gap: Option<f64>| {
        let gap_ok = gap.is_some_and(|g| g <= t.gap);
        if gap_ok && time_ok && peak_ok {
            format!("**met** (gap {})", pct(gap))
        } else {
            let mut why = Vec::new();
            if !gap_ok {
                why.push(format!("gap {}", pct(gap)));
            }
            if !time_ok {
                why.push(format!("slowest {worst_time:.2} s"));
            }
            if !peak_ok {
                why.push("memory".to_string());
            }
            format!("**not met** ({})", why.join(", "))
        }
    };
    if t.gap.is_infinite() {
        // Six weeks: a plan with its bound (the solve's own, not the trivial one).
        let bounded = runs.iter().all(|(_, r)| {
            r.report.as_ref().is_some_and(|rep| {
                rep.objective.is_some() && rep.bound_source.as_deref() != Some("trivial")
            })
        });
        let own = median(runs.iter().map(|(_, r)| own_gap_or_inf(r)).collect());
        let verdict = if bounded && time_ok && peak_ok {
            format!("**met** (own gap {})", pct(own))
        } else {
            let mut why = Vec::new();
            if !bounded {
                why.push("no bound but the trivial one".to_string());
            }
            if !time_ok {
                why.push(format!("slowest {worst_time:.2} s"));
            }
            if !peak_ok {
                why.push("memory".to_string());
            }
            format!("**not met** ({})", why.join(", "))
        };
        return format!(
            "a plan and its bound in {} s{}: {verdict}",
            t.limit_s,
            t.peak_gib.map_or(String::new(), |g| format!(", < {g} GiB")),
        );
    }
    format!(
        "≤ {:.1}% in {} s{}: vs LP {}; vs LP + P1 floor {}",
        100.0 * t.gap,
        t.limit_s,
        t.peak_gib.map_or(String::new(), |g| format!(", < {g} GiB")),
        judge(medians.gap),
        judge(medians.gap_p1),
    )
}

/// How cost grows with the list: medians over seeds per (theatres, patients).
pub fn scaling(measures: &[InstanceMeasure]) -> String {
    let mut s = header(&[
        "theatres",
        "patients",
        "sessions",
        "eligible pairs",
        "build (ms)",
        "greedy (ms)",
        "greedy gap vs LP",
        "LP (s)",
        "LP peak (MiB)",
        "limit (s)",
        "clinicplan time (s)",
        "clinicplan gap (own bound)",
        "clinicplan gap vs LP",
        "clinicplan peak (MiB)",
        "clinicplan Σ peak (MiB)",
        "seeds",
    ]);
    let mut cases: Vec<(u32, u32)> = Vec::new();
    for m in measures {
        if !cases.contains(&(m.theatres, m.patients)) {
            cases.push((m.theatres, m.patients));
        }
    }
    for (theatres, patients) in cases {
        let group: Vec<&InstanceMeasure> = measures
            .iter()
            .filter(|m| (m.theatres, m.patients) == (theatres, patients))
            .collect();
        let med =
            |f: &dyn Fn(&InstanceMeasure) -> f64| median(group.iter().map(|m| f(m)).collect());
        let first = |m: &InstanceMeasure| m.runs.first().map(|r| r.clinicplan.clone());
        s += &row(&[
            theatres.to_string(),
            patients.to_string(),
            format!("{:.0}", med(&|m| m.sessions as f64).unwrap_or(0.0)),
            format!("{:.0}", med(&|m| m.eligible as f64).unwrap_or(0.0)),
            format!("{:.0}", med(&|m| m.build_ms).unwrap_or(0.0)),
            format!("{:.1}", med(&|m| m.greedy.ms).unwrap_or(0.0)),
            pct(med(&|m| {
                m.gap_vs_lp(Some(m.greedy.objective))
                    .unwrap_or(f64::INFINITY)
            })),
            format!("{:.2}", med(&|m| m.lp.solve_s()).unwrap_or(0.0)),
            mib(med(&|m| m.lp.peak_kib.unwrap_or(0) as f64).map(|k| k as u64)),
            group
                .first()
                .and_then(|m| m.runs.first())
                .map_or("—".into(), |r| format!("{}", r.limit_s)),
            format!(
                "{:.2}",
                med(&|m| first(m).map_or(f64::NAN, |r| r.solve_s())).unwrap_or(0.0)
            ),
            pct(med(&|m| {
                first(m).map_or(f64::INFINITY, |r| own_gap_or_inf(&r))
            })),
            pct(med(&|m| {
                first(m).map_or(f64::INFINITY, |r| gap_or_inf(m, &r))
            })),
            mib(med(&|m| first(m).and_then(|r| r.peak_kib).unwrap_or(0) as f64).map(|k| k as u64)),
            mib(
                med(&|m| first(m).and_then(|r| r.tree_peak_kib).unwrap_or(0) as f64)
                    .map(|k| k as u64),
            ),
            group.len().to_string(),
        ]);
    }
    s
}
