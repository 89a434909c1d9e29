//! The grouped assignment model (docs/model.md, "Appointment balancing") and its two
//! solvers: column generation with HiGHS driven directly (the default), and the whole
//! grouped LP built with good_lp (the reference).
//!
//! Requests that agree on everything the rules and the cost look at (home site, role,
//! urgency, modes, travel limit, request date, preferred clinician) form a request
//! group; slots that agree on site, clinician, role, mode and date form a slot group.
//! Every member of a group is interchangeable with every other, so the problem is a
//! transportation problem between groups: x[g,h] ≥ 0 requests of group g booked into
//! slots of group h, Σ_h x[g,h] ≤ |g|, Σ_g x[g,h] ≤ |h|, minimise Σ c'[g,h] x[g,h] with
//! c' = booking cost − unbooked cost. Its constraint matrix is totally unimodular, so a
//! basic optimal solution (simplex) is integral.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};
use highs::{ColProblem, HighsModelStatus, Model, Row, Sense};

use super::domain::*;

/// Interchangeable requests and slots.
#[derive(Clone, Debug)]
pub struct Grouping {
    /// Members in request order.
    pub request_groups: Vec<Vec<RequestIdx>>,
    /// Members in (start time, slot order) order: the earliest slot is handed out first.
    pub slot_groups: Vec<Vec<SlotIdx>>,
    /// Slot groups of each role, in (day, group) order.
    by_role: Vec<Vec<u32>>,
    slot_group_day: Vec<i64>,
}

impl Grouping {
    /// Groups in order of first appearance, so the grouping is deterministic.
    pub fn new(network: &Network) -> Self {
        type RequestKey = (
            SiteIdx,
            RoleIdx,
            Urgency,
            ModeSet,
            u32,
            i64,
            Option<ClinicianIdx>,
        );
        let mut request_index: HashMap<RequestKey, usize> = HashMap::new();
        let mut request_groups: Vec<Vec<RequestIdx>> = Vec::new();
        for (i, r) in network.requests.iter().enumerate() {
            let key = (
                r.home,
                r.role,
                r.urgency,
                r.modes,
                r.max_travel_min,
                r.day,
                r.preferred,
            );
            let g = *request_index.entry(key).or_insert_with(|| {
                request_groups.push(Vec::new());
                request_groups.len() - 1
            });
            request_groups[g].push(RequestIdx(i as u32));
        }
        type SlotKey = (SiteIdx, ClinicianIdx, RoleIdx, Mode, i64);
        let mut slot_index: HashMap<SlotKey, usize> = HashMap::new();
        let mut slot_groups: Vec<Vec<SlotIdx>> = Vec::new();
        for (i, s) in network.slots.iter().enumerate() {
            let key = (s.site, s.clinician, s.role, s.mode, s.day);
            let h = *slot_index.entry(key).or_insert_with(|| {
                slot_groups.push(Vec::new());
                slot_groups.len() - 1
            });
            slot_groups[h].push(SlotIdx(i as u32));
        }
        for members in &mut slot_groups {
            members.sort_by_key(|&s| (network.slot(s).start, s));
        }
        let slot_group_day: Vec<i64> = slot_groups.iter().map(|m| network.slot(m[0]).day).collect();
        let mut by_role: Vec<Vec<u32>> = vec![Vec::new(); network.roles.len()];
        for (h, members) in slot_groups.iter().enumerate() {
            by_role[network.slot(members[0]).role.idx()].push(h as u32);
        }
        for list in &mut by_role {
            list.sort_by_key(|&h| (slot_group_day[h as usize], h));
        }
        Grouping {
            request_groups,
            slot_groups,
            by_role,
            slot_group_day,
        }
    }

    pub fn request_rep(&self, g: usize) -> RequestIdx {
        self.request_groups[g][0]
    }

    pub fn slot_rep(&self, h: usize) -> SlotIdx {
        self.slot_groups[h][0]
    }

    /// Calls `f(h, c')` for every eligible arc of request group `g`, in (day, group)
    /// order, with c' = booking cost − unbooked cost in thirtieths.
    pub fn for_each_arc(&self, network: &Network, g: usize, mut f: impl FnMut(usize, i64)) {
        let r = self.request_rep(g);
        let request = network.request(r);
        let unbooked = network.unbooked_cost30(r);
        let list = &self.by_role[request.role.idx()];
        let first = list.partition_point(|&h| self.slot_group_day[h as usize] < request.day);
        for &h in &list[first..] {
            let h = h as usize;
            if request.urgency == Urgency::SameDay && self.slot_group_day[h] != request.day {
                break;
            }
            let s = self.slot_rep(h);
            if check_pair(network, r, s).is_ok() {
                f(h, network.booking_cost30(r, s) - unbooked);
            }
        }
    }

    /// Slot groups of a role (any day), for explanations.
    pub fn slot_groups_of_role(&self, role: RoleIdx) -> &[u32] {
        self.by_role.get(role.idx()).map_or(&[], |v| v.as_slice())
    }
}

/// Requests of a group booked into slots of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    pub request_group: u32,
    pub slot_group: u32,
    pub count: u32,
}

/// What a solve of the grouped model gives.
#[derive(Clone, Debug)]
pub struct GroupedSolution {
    /// Sorted by (request group, slot group).
    pub flows: Vec<Flow>,
    /// Σ c' x in thirtieths (add the unbooked cost of everyone for the objective).
    pub objective30: i64,
    /// A proven lower bound on Σ c' x over all plans, in thirtieths.
    pub bound30: i64,
    /// The optimum is proven (bound equals objective).
    pub optimal: bool,
    pub deadline_reached: bool,
    pub arcs: u64,
    pub arcs_in_lp: u64,
    pub rounds: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("HiGHS failed: {0}")]
    Highs(String),
}

/// Σ_h m_h z_h + Σ_g n_g min(0, min_h (c'[g,h] − z_h)) for slot duals z ≤ 0: the
/// Lagrangian bound of relaxing the slot rows, a true lower bound for any such z.
/// Also returns the number of eligible arcs.
fn lagrangian_bound(network: &Network, grouping: &Grouping, z: &[f64]) -> (f64, u64) {
    let mut bound: f64 = grouping
        .slot_groups
        .iter()
        .zip(z)
        .map(|(m, &z)| m.len() as f64 * z.min(0.0))
        .sum();
    let mut arcs = 0u64;
    for (g, members) in grouping.request_groups.iter().enumerate() {
        let mut best = 0.0f64;
        grouping.for_each_arc(network, g, |h, c| {
            arcs += 1;
            best = best.min(c as f64 - z[h].min(0.0));
        });
        bound += members.len() as f64 * best;
    }
    (bound, arcs)
}

/// The integer at or above a lower bound, allowing for floating-point error (HiGHS's
/// tolerances are 1e-7 on values of order one): every plan's cost is a whole number
/// of thirtieths.
fn integer_bound(bound: f64) -> i64 {
    (bound - 1e-3 - 1e-9 * bound.abs()).ceil() as i64
}

/// A feasible start: request groups by urgency then date, each into its cheapest free
/// eligible slot groups.
pub fn greedy(network: &Network, grouping: &Grouping) -> Vec<Flow> {
    let mut order: Vec<usize> = (0..grouping.request_groups.len()).collect();
    order.sort_by_key(|&g| {
        let r = network.request(grouping.request_rep(g));
        (r.urgency, r.day, g)
    });
    let mut free: Vec<u32> = grouping
        .slot_groups
        .iter()
        .map(|m| m.len() as u32)
        .collect();
    let mut flows = Vec::new();
    let mut arcs: Vec<(i64, usize)> = Vec::new();
    for g in order {
        arcs.clear();
        grouping.for_each_arc(network, g, |h, c| {
            if c < 0 {
                arcs.push((c, h));
            }
        });
        arcs.sort();
        let mut left = grouping.request_groups[g].len() as u32;
        for &(_, h) in &arcs {
            if left == 0 {
                break;
            }
            let take = left.min(free[h]);
            if take > 0 {
                free[h] -= take;
                left -= take;
                flows.push(Flow {
                    request_group: g as u32,
                    slot_group: h as u32,
                    count: take,
                });
            }
        }
    }
    flows.sort();
    flows
}

fn flows_cost(network: &Network, grouping: &Grouping, flows: &[Flow]) -> i64 {
    flows
        .iter()
        .map(|f| {
            let r = grouping.request_rep(f.request_group as usize);
            let s = grouping.slot_rep(f.slot_group as usize);
            i64::from(f.count) * (network.booking_cost30(r, s) - network.unbooked_cost30(r))
        })
        .sum()
}

/// Rounds LP values to flows; `None` if any is fractional (never for a basic solution).
fn integral_flows(columns: &[(u32, u32)], values: &[f64]) -> Option<Vec<Flow>> {
    let mut flows = Vec::new();
    for (&(g, h), &v) in columns.iter().zip(values) {
        let rounded = v.round();
        if (v - rounded).abs() > 1e-6 {
            return None;
        }
        if rounded >= 1.0 {
            flows.push(Flow {
                request_group: g,
                slot_group: h,
                count: rounded as u32,
            });
        }
    }
    flows.sort();
    Some(flows)
}

/// Most columns priced into the master per request group per round.
const PER_GROUP: usize = 4;
/// Reduced costs below −PRICING_TOLERANCE (thirtieths) enter the master.
const PRICING_TOLERANCE: f64 = 1e-6;

fn err(e: impl std::fmt::Debug) -> ModelError {
    ModelError::Highs(format!("{e:?}"))
}

fn quiet(model: &mut Model, log: bool) -> Result<(), ModelError> {
    model.try_set_option("output_flag", log).map_err(err)?;
    model.try_set_option("log_to_console", log).map_err(err)?;
    model.try_set_option("threads", 1).map_err(err)?;
    model.try_set_option("random_seed", 0).map_err(err)?;
    model.try_set_option("solver", "simplex").map_err(err)?;
    Ok(())
}

/// The restricted master's columns.
struct Master {
    rows: Vec<Row>,
    n_g: usize,
    in_master: HashSet<(u32, u32)>,
    columns: Vec<(u32, u32)>,
}

impl Master {
    fn add(&mut self, model: &mut Model, g: usize, h: usize, c: i64) -> Result<(), ModelError> {
        if self.in_master.insert((g as u32, h as u32)) {
            model
                .try_add_column(
                    c as f64,
                    0.0..,
                    [(self.rows[g], 1.0), (self.rows[self.n_g + h], 1.0)],
                )
                .map_err(err)?;
            self.columns.push((g as u32, h as u32));
        }
        Ok(())
    }
}

/// Column generation: the master starts with the greedy plan's arcs and every group's
/// cheapest arc; each round solves it, prices every eligible arc with the duals, and
/// adds the most negative ones. When none is negative the master's optimum is the
/// optimum of the whole grouped LP.
pub fn solve_column_generation(
    network: &Network,
    grouping: &Grouping,
    deadline: Instant,
    log: bool,
) -> Result<GroupedSolution, ModelError> {
    let n_g = grouping.request_groups.len();
    let n_h = grouping.slot_groups.len();
    let mut model = ColProblem::default().optimise(Sense::Minimise);
    quiet(&mut model, log)?;
    let mut rows: Vec<Row> = Vec::with_capacity(n_g + n_h);
    for members in grouping
        .request_groups
        .iter()
        .map(|m| m.len())
        .chain(grouping.slot_groups.iter().map(|m| m.len()))
    {
        let row = model
            .try_add_row(..=members as f64, std::iter::empty::<(highs::Col, f64)>())
            .map_err(err)?;
        rows.push(row);
    }
    let mut master = Master {
        rows,
        n_g,
        in_master: HashSet::new(),
        columns: Vec::new(),
    };

    let start = greedy(network, grouping);
    let mut incumbent = start.clone();
    let mut incumbent_cost = flows_cost(network, grouping, &start);
    for f in &start {
        let (g, h) = (f.request_group as usize, f.slot_group as usize);
        let c = network.booking_cost30(grouping.request_rep(g), grouping.slot_rep(h))
            - network.unbooked_cost30(grouping.request_rep(g));
        master.add(&mut model, g, h, c)?;
    }
    let mut arcs_total = 0u64;
    for g in 0..n_g {
        let mut best: Option<(i64, usize)> = None;
        grouping.for_each_arc(network, g, |h, c| {
            arcs_total += 1;
            if best.is_none_or(|(b, _)| c < b) {
                best = Some((c, h));
            }
        });
        if let Some((c, h)) = best
            && c < 0
        {
            master.add(&mut model, g, h, c)?;
        }
    }

    let (z0_bound, _) = lagrangian_bound(network, grouping, &vec![0.0; n_h]);
    let mut bound30 = integer_bound(z0_bound);
    let mut rounds = 0;
    let mut deadline_reached = false;
    let mut candidates: Vec<(f64, usize, i64)> = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            deadline_reached = true;
            break;
        }
        rounds += 1;
        model
            .try_set_option("time_limit", left.as_secs_f64())
            .map_err(err)?;
        let solved = model.try_solve().map_err(err)?;
        if solved.status() != HighsModelStatus::Optimal {
            if Instant::now() >= deadline {
                deadline_reached = true;
                break;
            }
            return Err(ModelError::Highs(format!(
                "the restricted master ended {:?}",
                solved.status()
            )));
        }
        let solution = solved.get_solution();
        if let Some(flows) = integral_flows(&master.columns, solution.columns()) {
            let cost = flows_cost(network, grouping, &flows);
            if cost < incumbent_cost {
                incumbent = flows;
                incumbent_cost = cost;
            }
        }
        let duals = solution.dual_rows();
        let y = &duals[..n_g];
        let z: Vec<f64> = duals[n_g..].iter().map(|&v| v.min(0.0)).collect();
        // Price every arc; the same pass gives the Lagrangian bound for these duals.
        let mut lagrangian: f64 = grouping
            .slot_groups
            .iter()
            .zip(&z)
            .map(|(m, &z)| m.len() as f64 * z)
            .sum();
        let mut new_columns: Vec<(usize, usize, i64)> = Vec::new();
        for (g, members) in grouping.request_groups.iter().enumerate() {
            let mut best = 0.0f64;
            candidates.clear();
            grouping.for_each_arc(network, g, |h, c| {
                let shifted = c as f64 - z[h];
                best = best.min(shifted);
                let reduced = shifted - y[g];
                if reduced < -PRICING_TOLERANCE && !master.in_master.contains(&(g as u32, h as u32))
                {
                    candidates.push((reduced, h, c));
                }
            });
            lagrangian += members.len() as f64 * best;
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for &(_, h, c) in candidates.iter().take(PER_GROUP) {
                new_columns.push((g, h, c));
            }
        }
        bound30 = bound30.max(integer_bound(lagrangian));
        if new_columns.is_empty() || bound30 >= incumbent_cost {
            break;
        }
        model = Model::from(solved);
        for (g, h, c) in new_columns {
            master.add(&mut model, g, h, c)?;
        }
    }
    let optimal = bound30 >= incumbent_cost;
    Ok(GroupedSolution {
        flows: incumbent,
        objective30: incumbent_cost,
        bound30: bound30.min(incumbent_cost),
        optimal,
        deadline_reached,
        arcs: arcs_total,
        arcs_in_lp: master.columns.len() as u64,
        rounds,
    })
}

/// The whole grouped LP, one good_lp variable per eligible arc: the reference.
pub fn solve_full_lp(
    network: &Network,
    grouping: &Grouping,
    deadline: Instant,
    log: bool,
) -> Result<GroupedSolution, ModelError> {
    let mut vars = ProblemVariables::new();
    let mut arcs: Vec<(u32, u32, i64, Variable)> = Vec::new();
    for g in 0..grouping.request_groups.len() {
        grouping.for_each_arc(network, g, |h, c| {
            arcs.push((g as u32, h as u32, c, vars.add(variable().min(0.0))));
        });
    }
    let start = greedy(network, grouping);
    let start_cost = flows_cost(network, grouping, &start);
    let (z0_bound, _) = lagrangian_bound(network, grouping, &vec![0.0; grouping.slot_groups.len()]);
    let fallback = |deadline_reached: bool| GroupedSolution {
        flows: start.clone(),
        objective30: start_cost,
        bound30: integer_bound(z0_bound).min(start_cost),
        optimal: integer_bound(z0_bound) >= start_cost,
        deadline_reached,
        arcs: arcs.len() as u64,
        arcs_in_lp: arcs.len() as u64,
        rounds: 1,
    };
    if arcs.is_empty() {
        return Ok(fallback(false));
    }
    let objective: Expression = arcs.iter().map(|&(_, _, c, v)| c as f64 * v).sum();
    let mut by_request: Vec<Vec<Variable>> = vec![Vec::new(); grouping.request_groups.len()];
    let mut by_slot: Vec<Vec<Variable>> = vec![Vec::new(); grouping.slot_groups.len()];
    for &(g, h, _, v) in &arcs {
        by_request[g as usize].push(v);
        by_slot[h as usize].push(v);
    }
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(fallback(true));
    }
    let mut problem = vars
        .minimise(objective)
        .using(good_lp::solvers::highs::highs)
        .set_threads(1)
        .set_time_limit(left.as_secs_f64())
        .set_option("random_seed", 0)
        .set_option("solver", "simplex");
    problem.set_verbose(log);
    for (g, vs) in by_request.iter().enumerate() {
        if !vs.is_empty() {
            let e: Expression = vs.iter().sum();
            problem.add_constraint(e.leq(grouping.request_groups[g].len() as f64));
        }
    }
    for (h, vs) in by_slot.iter().enumerate() {
        if !vs.is_empty() {
            let e: Expression = vs.iter().sum();
            problem.add_constraint(e.leq(grouping.slot_groups[h].len() as f64));
        }
    }
    let solution = match problem.solve() {
        Ok(s) => s,
        Err(_) if Instant::now() >= deadline => return Ok(fallback(true)),
        Err(e) => return Err(ModelError::Highs(e.to_string())),
    };
    if !matches!(solution.status(), good_lp::SolutionStatus::Optimal) {
        return Ok(fallback(true));
    }
    let columns: Vec<(u32, u32)> = arcs.iter().map(|&(g, h, _, _)| (g, h)).collect();
    let values: Vec<f64> = arcs.iter().map(|&(_, _, _, v)| solution.value(v)).collect();
    let Some(flows) = integral_flows(&columns, &values) else {
        return Err(ModelError::Highs(
            "the LP optimum came back fractional".to_string(),
        ));
    };
    let cost = flows_cost(network, grouping, &flows);
    let lp_value: f64 = arcs
        .iter()
        .zip(&values)
        .map(|(&(_, _, c, _), &v)| c as f64 * v)
        .sum();
    let bound30 = integer_bound(lp_value).min(cost);
    Ok(GroupedSolution {
        flows,
        objective30: cost,
        bound30,
        optimal: bound30 >= cost,
        deadline_reached: false,
        arcs: arcs.len() as u64,
        arcs_in_lp: arcs.len() as u64,
        rounds: 1,
    })
}

/// Hands out individual slots: for each flow in order, the group's next requests (in
/// request order) take the slot group's next slots (earliest first).
pub fn hand_out(grouping: &Grouping, flows: &[Flow]) -> Vec<(RequestIdx, SlotIdx)> {
    let mut next_request = vec![0usize; grouping.request_groups.len()];
    let mut next_slot = vec![0usize; grouping.slot_groups.len()];
    let mut bookings = Vec::new();
    for f in flows {
        let (g, h) = (f.request_group as usize, f.slot_group as usize);
        for _ in 0..f.count {
            let r = grouping.request_groups[g][next_request[g]];
            let s = grouping.slot_groups[h][next_slot[h]];
            next_request[g] += 1;
            next_slot[h] += 1;
            bookings.push((r, s));
        }
    }
    bookings.sort();
    bookings
}
