//! One simulated week of a GP-network variant: requests arrive, the week's slots and
//! every waiting request go to the balancer, booked requests leave, same-day requests
//! not booked expire, the rest wait for next week.

use super::practice_only::practice_only_bookings;
use super::request::*;
use super::results::*;
use super::scenario::*;
use crate::appointments::check::check as check_bookings;
use crate::appointments::domain::Urgency;
use crate::appointments::solve::measure;
use crate::appointments::{Network, validate};
use crate::simulate::driver::{RunOptions, ScenarioKind, run_kind_variant, run_settings};
use crate::simulate::weeks::{GpWeekPlan, WeekSolver};

/// Runs one variant (`None`: the baseline) for `options.weeks` weeks (at most the
/// horizon), each week booked by `options.solver`, calling `on_week` after each. A set
/// `options.cancel` stops the run before its next week.
pub fn run_gp_variant(
    scenario: &GpScenario,
    variant: Option<&GpVariant>,
    options: &RunOptions,
    on_week: impl FnMut(&GpWeekResult, &GpWeekLedger),
) -> Result<GpVariantRun, GpSimulationError> {
    run_kind_variant(scenario, variant, options, on_week)
}

impl ScenarioKind for GpScenario {
    type Variant = GpVariant;
    /// The requests waiting, carried over with their request dates.
    type State = Vec<GpRequest>;
    type Week = GpWeekResult;
    type Ledger = GpWeekLedger;
    type Summary = GpVariantSummary;
    type Error = GpSimulationError;

    fn name(&self) -> &str {
        &self.name
    }

    run_settings!();

    fn measures(summary: &GpVariantSummary) -> Vec<(&'static str, f64)> {
        summary.measures()
    }

    fn variant_names(&self) -> Vec<String> {
        GpScenario::variant_names(self)
    }

    fn variant(&self, name: &str) -> Option<Option<&GpVariant>> {
        GpScenario::variant(self, name)
    }

    fn variant_name(variant: &GpVariant) -> &str {
        &variant.name
    }

    fn unknown_variant(name: String) -> GpSimulationError {
        GpSimulationError::UnknownVariant(name)
    }

    fn start_state(&self) -> Vec<GpRequest> {
        Vec::new()
    }

    fn simulate_week(
        &self,
        variant: Option<&GpVariant>,
        name: &str,
        week: u32,
        waiting: &mut Vec<GpRequest>,
        solver: &dyn WeekSolver,
    ) -> Result<(GpWeekResult, GpWeekLedger), GpSimulationError> {
        simulate_week(self, variant, name, week, waiting, solver)
    }

    fn summarise(&self, variant: &str, weeks: &[GpWeekResult]) -> GpVariantSummary {
        summarise_gp(variant, &self.roles, weeks)
    }
}

fn simulate_week(
    scenario: &GpScenario,
    variant: Option<&GpVariant>,
    name: &str,
    week: u32,
    waiting: &mut Vec<GpRequest>,
    solver: &dyn WeekSolver,
) -> Result<(GpWeekResult, GpWeekLedger), GpSimulationError> {
    let clinicians = active_clinicians(scenario, variant, week);
    let arrived = gp_arrivals(scenario, variant, &clinicians, week);
    let ledger_arrived: Vec<String> = arrived.iter().map(|r| r.id.clone()).collect();
    waiting.extend(arrived);
    let request = week_request(scenario, &clinicians, waiting, week);
    let network =
        validate(&request).map_err(|errors| GpSimulationError::InvalidWeek { week, errors })?;
    let practice_only = variant
        .filter(|v| v.active(week))
        .is_some_and(|v| v.booking == GpBooking::PracticeOnly);
    let plan = if practice_only {
        practice_only_week(&network).map_err(|error| GpSimulationError::Solve { week, error })?
    } else {
        solver
            .balance(week, &request, &network)
            .map_err(|error| GpSimulationError::Solve { week, error })?
    };
    let mut booked = vec![false; waiting.len()];
    for (r, _) in &plan.bookings {
        booked[r.idx()] = true;
    }
    let offered = waiting.len() as u32;
    let mut ledger = GpWeekLedger {
        arrived: ledger_arrived,
        ..GpWeekLedger::default()
    };
    let mut booked_roles = Vec::new();
    let mut kept = Vec::with_capacity(waiting.len());
    for (r, was_booked) in waiting.drain(..).zip(booked) {
        if was_booked {
            ledger.booked.push(r.id.clone());
            booked_roles.push(r.role.clone());
        } else if r.urgency == Urgency::SameDay {
            ledger.expired.push(r.id.clone());
        } else {
            kept.push(r);
        }
    }
    *waiting = kept;
    ledger.waiting = waiting.iter().map(|r| r.id.clone()).collect();
    let result = week_result(&WeekFacts {
        scenario,
        name,
        week,
        network: &network,
        plan: &plan,
        offered,
        ledger: &ledger,
        booked_roles,
        waiting,
    });
    Ok((result, ledger))
}

/// The week booked by each practice on its own, re-checked like every booking.
fn practice_only_week(network: &Network) -> Result<GpWeekPlan, crate::simulate::WeekSolveError> {
    let bookings = practice_only_bookings(network);
    let cost30 = check_bookings(network, &bookings).map_err(|violations| {
        format!(
            "the practice-only bookings break {} rule(s); the first: {}",
            violations.len(),
            violations[0]
        )
    })?;
    Ok(GpWeekPlan {
        metrics: measure(network, &bookings, cost30),
        bookings,
        safety_net_struck: false,
    })
}

/// Everything a week's [`GpWeekResult`] is made from.
struct WeekFacts<'a> {
    scenario: &'a GpScenario,
    name: &'a str,
    week: u32,
    network: &'a Network,
    plan: &'a GpWeekPlan,
    /// Requests offered to the week's balancing.
    offered: u32,
    ledger: &'a GpWeekLedger,
    /// The roles of the requests booked, in request order.
    booked_roles: Vec<String>,
    /// The list at the end of the week.
    waiting: &'a [GpRequest],
}

fn week_result(f: &WeekFacts) -> GpWeekResult {
    let (scenario, ledger, waiting) = (f.scenario, f.ledger, f.waiting);
    let m = &f.plan.metrics;
    let urgency = |u: Urgency| m.by_urgency.iter().find(|x| x.urgency == u);
    let mean_wait = |u: Urgency| urgency(u).map_or(0.0, |x| x.mean_wait_days);
    let within = |u: Urgency| urgency(u).map_or(0.0, |x| x.share_within_target);
    GpWeekResult {
        variant: f.name.to_string(),
        replication: f.scenario.replication,
        week: f.week,
        week_start: scenario.week_start(f.week),
        arrivals: ledger.arrived.len() as u32,
        slots: f.network.slots.len() as u32,
        offered: f.offered,
        booked: ledger.booked.len() as u32,
        expired: ledger.expired.len() as u32,
        waiting: waiting.len() as u32,
        booked_by_role: by_role(&scenario.roles, f.booked_roles.iter().cloned()),
        waiting_by_role: by_role(&scenario.roles, waiting.iter().map(|r| r.role.clone())),
        mean_wait_days_same_day: mean_wait(Urgency::SameDay),
        mean_wait_days_urgent: mean_wait(Urgency::Urgent),
        mean_wait_days_routine: mean_wait(Urgency::Routine),
        within_target_same_day: within(Urgency::SameDay),
        within_target_urgent: within(Urgency::Urgent),
        within_target_routine: within(Urgency::Routine),
        share_away_from_home: m.share_away_from_home,
        continuity_rate: m.continuity_rate,
        slot_utilisation: m.slot_utilisation,
        safety_net_struck: f.plan.safety_net_struck,
    }
}
