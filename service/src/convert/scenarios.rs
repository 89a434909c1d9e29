//! Capacity scenarios (theatre-list and GP-network): the simulation's weekly results,
//! every run's summary and the statistics over the replications to ScenarioRunner
//! messages. (The scenario itself travels as TOML text and is read by
//! [`crate::scenario`].)

use clinicplan_solver::simulate::gp::{
    GP_KIND, GpScenario, GpVariantRun, GpVariantSummary, GpWeekResult,
};
use clinicplan_solver::simulate::stats::{Interval, MeasureStats, VariantStats};
use clinicplan_solver::simulate::{Scenario, VariantRun, VariantRunOf, VariantSummary, WeekResult};

use crate::proto;

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn week_to_proto(w: &WeekResult) -> proto::WeekProgress {
    proto::WeekProgress {
        variant: w.variant.clone(),
        week: w.week,
        week_start: date(w.week_start),
        arrivals: w.arrivals,
        sessions: w.sessions,
        sessions_lost_to_leave: w.sessions_lost_to_leave,
        session_minutes: w.session_minutes,
        booked: w.booked,
        booked_minutes: w.booked_minutes,
        utilisation: w.utilisation,
        cancelled: w.cancelled,
        treated: w.treated,
        treated_p1: w.treated_p1,
        treated_p2: w.treated_p2,
        treated_p3: w.treated_p3,
        treated_p4: w.treated_p4,
        removed: w.removed,
        list_size: w.list_size,
        median_wait_weeks: w.median_wait_weeks,
        p92_wait_weeks: w.p92_wait_weeks,
        within_18_weeks_share: w.within_18_weeks_share,
        over_52_weeks: w.over_52_weeks,
        over_65_weeks: w.over_65_weeks,
        breaches: w.breaches,
        breaches_p1: w.breaches_p1,
        breaches_p2: w.breaches_p2,
        breaches_p3: w.breaches_p3,
        breaches_p4: w.breaches_p4,
        safety_net_struck: w.safety_net_struck,
        replication: w.replication,
    }
}

/// One run's summary: `s` of replication `replication`.
pub fn variant_summary_to_proto(s: &VariantSummary, replication: u32) -> proto::VariantSummary {
    proto::VariantSummary {
        variant: s.variant.clone(),
        weeks: s.weeks,
        starting_list_size: s.starting_list_size,
        final_list_size: s.final_list_size,
        arrivals: s.arrivals,
        treated: s.treated,
        cancelled: s.cancelled,
        removed: s.removed,
        mean_utilisation: s.mean_utilisation,
        final_median_wait_weeks: s.final_median_wait_weeks,
        final_p92_wait_weeks: s.final_p92_wait_weeks,
        final_within_18_weeks_share: s.final_within_18_weeks_share,
        final_over_52_weeks: s.final_over_52_weeks,
        final_over_65_weeks: s.final_over_65_weeks,
        final_breaches: s.final_breaches,
        peak_over_52_weeks: s.peak_over_52_weeks,
        clear_of_52_week_waiters_from_week: s.clear_of_52_week_waiters_from_week,
        weeks_safety_net_struck: s.weeks_safety_net_struck,
        replication,
        mean_within_18_weeks_share: s.mean_within_18_weeks_share,
        mean_over_52_weeks: s.mean_over_52_weeks,
        mean_median_wait_weeks: s.mean_median_wait_weeks,
        mean_list_size: s.mean_list_size,
    }
}

fn interval_to_proto(i: &Interval) -> proto::ConfidenceInterval {
    proto::ConfidenceInterval {
        replications: i.n,
        mean: i.mean,
        sd: i.sd,
        low: i.low,
        high: i.high,
    }
}

fn measure_to_proto(m: &MeasureStats) -> proto::MeasureStatistics {
    proto::MeasureStatistics {
        measure: m.measure.clone(),
        value: Some(interval_to_proto(&m.value)),
        difference: m.difference.as_ref().map(interval_to_proto),
    }
}

/// One variant's statistics over its replications (either kind).
pub fn variant_stats_to_proto(v: &VariantStats) -> proto::VariantStatistics {
    proto::VariantStatistics {
        variant: v.variant.clone(),
        replications: v.replications,
        measures: v.measures.iter().map(measure_to_proto).collect(),
    }
}

/// The parts of a summary common to both kinds: weeks run and replications of `runs`,
/// and `statistics` on the wire.
struct Common {
    weeks_run: u32,
    replications: u32,
    statistics: Vec<proto::VariantStatistics>,
}

fn common<W, S>(runs: &[VariantRunOf<W, S>], statistics: &[VariantStats]) -> Common {
    Common {
        weeks_run: crate::scenario::output::weeks_run(runs),
        replications: crate::report::replications_of(runs),
        statistics: statistics.iter().map(variant_stats_to_proto).collect(),
    }
}

/// The run's summary, as `summary.json` has it: every run of `runs` (variant by
/// variant, each variant's replications in order) and `statistics`, the variants' means
/// with their intervals and paired differences
/// ([`clinicplan_solver::simulate::statistics`] of `runs`).
pub fn summary_to_proto(
    scenario: &Scenario,
    runs: &[VariantRun],
    statistics: &[VariantStats],
) -> proto::ScenarioSummary {
    let Common {
        weeks_run,
        replications,
        statistics,
    } = common(runs, statistics);
    proto::ScenarioSummary {
        scenario: scenario.name.clone(),
        start_date: date(scenario.start),
        horizon_weeks: scenario.horizon_weeks,
        weeks_run,
        seed: scenario.seed,
        variants: runs
            .iter()
            .map(|r| variant_summary_to_proto(&r.summary, r.replication))
            .collect(),
        warmup_weeks: scenario.warmup_weeks,
        replications,
        statistics,
    }
}

pub fn validated_to_proto(scenario: &Scenario) -> proto::ValidateScenarioResponse {
    proto::ValidateScenarioResponse {
        name: scenario.name.clone(),
        start_date: date(scenario.start),
        horizon_weeks: scenario.horizon_weeks,
        seed: scenario.seed,
        starting_list_size: scenario.starting_list.len() as u32,
        variants: scenario.variant_names(),
        kind: crate::scenario::THEATRE_KIND.to_string(),
        practices: 0,
        clinicians: 0,
        weekly_slots: 0,
        replications: scenario.replications,
        warmup_weeks: scenario.warmup_weeks,
    }
}

pub fn week_event(w: &WeekResult) -> proto::RunScenarioEvent {
    proto::RunScenarioEvent {
        event: Some(proto::run_scenario_event::Event::Week(week_to_proto(w))),
    }
}

pub fn summary_event(summary: proto::ScenarioSummary) -> proto::RunScenarioEvent {
    proto::RunScenarioEvent {
        event: Some(proto::run_scenario_event::Event::Summary(summary)),
    }
}

fn role_map(m: &std::collections::BTreeMap<String, u32>) -> std::collections::HashMap<String, u32> {
    m.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

pub fn gp_week_to_proto(w: &GpWeekResult) -> proto::GpWeekProgress {
    proto::GpWeekProgress {
        variant: w.variant.clone(),
        week: w.week,
        week_start: date(w.week_start),
        arrivals: w.arrivals,
        slots: w.slots,
        offered: w.offered,
        booked: w.booked,
        expired: w.expired,
        waiting: w.waiting,
        booked_by_role: role_map(&w.booked_by_role),
        waiting_by_role: role_map(&w.waiting_by_role),
        mean_wait_days_same_day: w.mean_wait_days_same_day,
        mean_wait_days_urgent: w.mean_wait_days_urgent,
        mean_wait_days_routine: w.mean_wait_days_routine,
        within_target_same_day: w.within_target_same_day,
        within_target_urgent: w.within_target_urgent,
        within_target_routine: w.within_target_routine,
        share_away_from_home: w.share_away_from_home,
        continuity_rate: w.continuity_rate,
        slot_utilisation: w.slot_utilisation,
        safety_net_struck: w.safety_net_struck,
        replication: w.replication,
    }
}

/// One run's summary: `s` of replication `replication`.
pub fn gp_variant_summary_to_proto(
    s: &GpVariantSummary,
    replication: u32,
) -> proto::GpVariantSummary {
    proto::GpVariantSummary {
        variant: s.variant.clone(),
        weeks: s.weeks,
        arrivals: s.arrivals,
        booked: s.booked,
        expired: s.expired,
        booked_by_role: role_map(&s.booked_by_role),
        final_waiting: s.final_waiting,
        final_waiting_by_role: role_map(&s.final_waiting_by_role),
        mean_slot_utilisation: s.mean_slot_utilisation,
        mean_within_target_routine: s.mean_within_target_routine,
        mean_share_away_from_home: s.mean_share_away_from_home,
        mean_continuity_rate: s.mean_continuity_rate,
        weeks_safety_net_struck: s.weeks_safety_net_struck,
        replication,
        mean_within_target_same_day: s.mean_within_target_same_day,
        mean_within_target_urgent: s.mean_within_target_urgent,
        mean_wait_days_urgent: s.mean_wait_days_urgent,
        mean_wait_days_routine: s.mean_wait_days_routine,
    }
}

/// A GP-network run's summary, as its `summary.json` has it: every run of `runs` and
/// `statistics`, as in [`summary_to_proto`].
pub fn gp_summary_to_proto(
    scenario: &GpScenario,
    runs: &[GpVariantRun],
    statistics: &[VariantStats],
) -> proto::GpScenarioSummary {
    let Common {
        weeks_run,
        replications,
        statistics,
    } = common(runs, statistics);
    proto::GpScenarioSummary {
        scenario: scenario.name.clone(),
        start_date: date(scenario.start),
        horizon_weeks: scenario.horizon_weeks,
        weeks_run,
        seed: scenario.seed,
        variants: runs
            .iter()
            .map(|r| gp_variant_summary_to_proto(&r.summary, r.replication))
            .collect(),
        warmup_weeks: scenario.warmup_weeks,
        replications,
        statistics,
    }
}

pub fn gp_validated_to_proto(scenario: &GpScenario) -> proto::ValidateScenarioResponse {
    proto::ValidateScenarioResponse {
        name: scenario.name.clone(),
        start_date: date(scenario.start),
        horizon_weeks: scenario.horizon_weeks,
        seed: scenario.seed,
        starting_list_size: 0,
        variants: scenario.variant_names(),
        kind: GP_KIND.to_string(),
        practices: scenario.practices.len() as u32,
        clinicians: scenario.clinicians.len() as u32,
        weekly_slots: scenario.weekly_slots() as u32,
        replications: scenario.replications,
        warmup_weeks: scenario.warmup_weeks,
    }
}

pub fn gp_week_event(w: &GpWeekResult) -> proto::RunScenarioEvent {
    proto::RunScenarioEvent {
        event: Some(proto::run_scenario_event::Event::GpWeek(gp_week_to_proto(
            w,
        ))),
    }
}

pub fn gp_summary_event(summary: proto::GpScenarioSummary) -> proto::RunScenarioEvent {
    proto::RunScenarioEvent {
        event: Some(proto::run_scenario_event::Event::GpSummary(summary)),
    }
}
