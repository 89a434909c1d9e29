//! Capacity scenarios: the simulation's weekly results and summaries to
//! ScenarioRunner messages. (The scenario itself travels as TOML text and is read by
//! [`crate::scenario`].)

use clinicplan_solver::simulate::{Scenario, VariantSummary, WeekResult};

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
    }
}

pub fn variant_summary_to_proto(s: &VariantSummary) -> proto::VariantSummary {
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
    }
}

/// The run's summary: `summaries` in the order run.
pub fn summary_to_proto<'a>(
    scenario: &Scenario,
    summaries: impl IntoIterator<Item = &'a VariantSummary>,
) -> proto::ScenarioSummary {
    let variants: Vec<proto::VariantSummary> = summaries
        .into_iter()
        .map(variant_summary_to_proto)
        .collect();
    proto::ScenarioSummary {
        scenario: scenario.name.clone(),
        start_date: date(scenario.start),
        horizon_weeks: scenario.horizon_weeks,
        weeks_run: variants.iter().map(|v| v.weeks).max().unwrap_or(0),
        seed: scenario.seed,
        variants,
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
