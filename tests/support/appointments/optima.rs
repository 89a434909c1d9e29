//! Optima computed in the test: a reference LP per eligible pair and a brute force.

use clinicplan_service::proto;
use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};

use super::net::Net;

/// The optimum in thirtieths from an LP with one column per eligible (request, slot)
/// pair, built with good_lp and solved by HiGHS: x ∈ [0, 1], each request and each
/// slot at most once, minimise Σ (booking − unbooked cost) x + Σ unbooked costs. The
/// assignment polytope is integral, so the LP optimum is the assignment optimum.
pub fn reference_optimum30(request: &proto::BalanceAppointmentsRequest) -> i64 {
    let net = Net::new(request).expect("the tests read the request");
    let pairs = net.eligible_pairs();
    let base = net.nothing_booked30();
    if pairs.is_empty() {
        return base;
    }
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = pairs
        .iter()
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let mut objective = Expression::with_capacity(pairs.len());
    let mut by_request: Vec<Vec<Variable>> = vec![Vec::new(); net.requests.len()];
    let mut by_slot: Vec<Vec<Variable>> = vec![Vec::new(); net.slots.len()];
    for (&(r, s), &var) in pairs.iter().zip(&x) {
        let reduced = net.cost30(r, s) - net.unbooked30(r);
        objective.add_mul(reduced as f64, var);
        by_request[r].push(var);
        by_slot[s].push(var);
    }
    let mut model = vars.minimise(objective.clone()).using(highs).set_threads(1);
    model.set_verbose(false);
    for list in by_request.iter().chain(by_slot.iter()) {
        if list.len() > 1 {
            let sum: Expression = list.iter().copied().sum();
            model.add_constraint(sum.leq(1.0));
        }
    }
    let solution = model.solve().expect("the reference LP solves");
    let value = solution.eval(&objective);
    let rounded = value.round();
    assert!(
        (value - rounded).abs() < 1e-6,
        "the reference LP's optimum {value} is not integral"
    );
    base + rounded as i64
}

/// The optimum in thirtieths by trying every assignment (each request unbooked or in
/// one of its free eligible slots). For tiny networks only.
pub fn brute_optimum30(request: &proto::BalanceAppointmentsRequest) -> i64 {
    let net = Net::new(request).expect("the tests read the request");
    assert!(
        net.requests.len() <= 8 && net.slots.len() <= 8,
        "brute force is for tiny networks"
    );
    let options: Vec<Vec<(usize, i64)>> = (0..net.requests.len())
        .map(|r| {
            (0..net.slots.len())
                .filter(|&s| net.eligible(r, s))
                .map(|s| (s, net.cost30(r, s)))
                .collect()
        })
        .collect();
    fn go(
        net: &Net,
        options: &[Vec<(usize, i64)>],
        r: usize,
        taken: &mut [bool],
        so_far: i64,
        best: &mut i64,
    ) {
        if r == options.len() {
            *best = (*best).min(so_far);
            return;
        }
        go(net, options, r + 1, taken, so_far + net.unbooked30(r), best);
        for &(s, c) in &options[r] {
            if !taken[s] {
                taken[s] = true;
                go(net, options, r + 1, taken, so_far + c, best);
                taken[s] = false;
            }
        }
    }
    let mut best = i64::MAX;
    let mut taken = vec![false; net.slots.len()];
    go(&net, &options, 0, &mut taken, 0, &mut best);
    best
}
