//! Checks a scenario and builds a [`Scenario`], or lists every problem found, each with
//! its location (`variants[1].add_sessions[0].weekday`, or a CSV row's file and line).
//!
//! One function per section of the file: the scenario's own fields here, then
//! [`hospital`], the starting list ([`patients`]), [`demand`] and [`variants`].

mod demand;
mod fields;
mod hospital;
mod patients;
mod variants;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::NaiveDate;

pub use fields::parse_priority;
pub use patients::ListedPatient;

use super::config::ScenarioConfig;
use super::scenario::Scenario;
use crate::simulate::problems::{MAX_HORIZON_WEEKS, Problems, ScenarioProblem};
use crate::theatre::domain::ObjectivePolicy;

/// Validates a scenario and the starting-list patients read from a CSV export, and
/// builds the [`Scenario`], or returns every problem found.
pub fn validate_scenario(
    config: &ScenarioConfig,
    csv_patients: &[ListedPatient],
) -> Result<Scenario, Vec<ScenarioProblem>> {
    let mut p = Problems(Vec::new());
    let (start, policy) = check_run(&mut p, config);
    p.replications(config.replications);
    p.warmup_weeks(config.warmup_weeks, config.horizon_weeks);
    let planner = match &config.week_planner {
        None => Some(crate::simulate::DEFAULT_WEEK_PLANNER),
        Some(text) => p.planner("week_planner".into(), text),
    };
    p.week_effort(config.week_effort);
    let hospital = hospital::check_hospital(&mut p, &config.hospital);
    let starting_list = patients::check_starting_list(
        &mut p,
        &config.waiting_list,
        csv_patients,
        &hospital.names,
        start,
    );
    let demand = demand::check_demand(&mut p, &config.demand, &hospital.names);
    let variants = variants::check_variants(&mut p, config, &hospital);

    if !p.0.is_empty() {
        // A shared case mix is checked once per stream using it: report each problem once.
        let mut seen = BTreeSet::new();
        p.0.retain(|e| seen.insert((e.location.clone(), e.message.clone())));
        return Err(p.0);
    }
    Ok(Scenario {
        name: config.name.clone(),
        start: start.expect("checked above"),
        horizon_weeks: config.horizon_weeks,
        seed: config.seed,
        replication: 0,
        replications: config.replications,
        warmup_weeks: config.warmup_weeks,
        week_time_limit: Duration::from_millis(u64::from(config.week_time_limit_ms)),
        planner: planner.expect("checked above"),
        week_effort: config.week_effort,
        policy: policy.expect("checked above"),
        hospital: hospital.hospital,
        starting_list,
        demand,
        variants,
    })
}

/// The run's own fields: name, start date (a Monday), horizon, the week's safety net and
/// the objective.
fn check_run(
    p: &mut Problems,
    config: &ScenarioConfig,
) -> (Option<NaiveDate>, Option<ObjectivePolicy>) {
    if config.name.trim().is_empty() {
        p.push("name", "is empty: give the scenario a name");
    }
    let start = p.monday("start_date", &config.start_date);
    if config.horizon_weeks == 0 || config.horizon_weeks > MAX_HORIZON_WEEKS {
        p.push(
            "horizon_weeks",
            format!(
                "{}: give 1 to {MAX_HORIZON_WEEKS} weeks",
                config.horizon_weeks
            ),
        );
    }
    if config.week_time_limit_ms == 0 {
        p.push(
            "week_time_limit_ms",
            "is 0: give the safety net in milliseconds",
        );
    }
    let policy = match &config.objective {
        None => Some(ObjectivePolicy::WeightedWait),
        Some(o) => p.policy("objective".into(), o),
    };
    (start, policy)
}
