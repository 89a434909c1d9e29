//! Exact 0-1 knapsacks over operating minutes: the plain dynamic programme (session
//! re-packing in [`crate::theatre::improve`]) and the reduced one that prices a session
//! in the pattern relaxation ([`crate::theatre::models::patterns`]).

use crate::theatre::domain::PatientIdx;

/// Exact 0-1 knapsack over integer weights: the indices of the best set.
pub fn knapsack(items: &[(PatientIdx, u32, f64)], capacity: u32) -> Vec<usize> {
    let cap = capacity as usize;
    let mut best = vec![0.0f64; cap + 1];
    let mut take = vec![false; items.len() * (cap + 1)];
    for (k, &(_, w, v)) in items.iter().enumerate() {
        let w = w as usize;
        if w > cap {
            continue;
        }
        for c in (w..=cap).rev() {
            let candidate = best[c - w] + v;
            if candidate > best[c] + 1e-12 {
                best[c] = candidate;
                take[k * (cap + 1) + c] = true;
            }
        }
    }
    let mut chosen = Vec::new();
    let mut c = cap;
    for k in (0..items.len()).rev() {
        if take[k * (cap + 1) + c] {
            chosen.push(k);
            c -= items[k].1 as usize;
        }
    }
    chosen.reverse();
    chosen
}

/// Exact 0-1 knapsack: drops every item that cannot be in an optimal set, then a dynamic
/// programme over the rest. Returns the best value and the chosen items' indices.
///
/// The reduction needs the LP relaxation (Dantzig) only up to its critical item, so only
/// the densest items are sorted, as many as pass the capacity. With r the critical
/// item's density, the LP optimum LP(C) is concave in the capacity with slopes ≥ r on
/// [0, C], so any set holding item j is worth at most v_j + LP(C − w_j) ≤ v_j + LP(C) −
/// r w_j; j is dropped when that is below a greedy set's value (a lower bound on the
/// optimum), so no optimal set loses an item.
pub fn knapsack_reduced(items: &[(PatientIdx, u32, f64)], capacity: u32) -> (f64, Vec<usize>) {
    let fits: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].1 <= capacity)
        .collect();
    if fits.is_empty() {
        return (0.0, Vec::new());
    }
    let density = |i: usize| items[i].2 / f64::from(items[i].1.max(1));
    let densest_first = |a: &usize, b: &usize| density(*b).total_cmp(&density(*a)).then(a.cmp(b));
    let weight = |i: usize| u64::from(items[i].1);
    let cap = u64::from(capacity);
    let mut order = fits.clone();
    let n = order.len();
    let mut sorted = FIRST_SORTED.min(n);
    loop {
        if sorted < n {
            order.select_nth_unstable_by(sorted - 1, densest_first);
        }
        order[..sorted].sort_by(densest_first);
        let total: u64 = order[..sorted].iter().map(|&i| weight(i)).sum();
        if total > cap || sorted == n {
            break;
        }
        sorted = (2 * sorted).min(n);
    }
    // One greedy pass over the sorted items: the LP's whole items up to its critical item
    // (the first that does not fit whole), then whatever else fits (a feasible set).
    let mut room = cap;
    let mut greedy = 0.0;
    let mut at_critical = None;
    for &i in &order[..sorted] {
        if weight(i) <= room {
            room -= weight(i);
            greedy += items[i].2;
        } else if at_critical.is_none() {
            at_critical = Some((i, greedy, room));
        }
    }
    let Some((critical, whole, left)) = at_critical else {
        // Everything fits.
        let value = fits.iter().map(|&i| items[i].2).sum();
        return (value, fits);
    };
    let r = density(critical);
    let lp = whole + r * left as f64;
    let tolerance = 1e-9 * greedy.abs().max(1.0);
    let kept: Vec<usize> = fits
        .into_iter()
        .filter(|&i| items[i].2 + lp - r * weight(i) as f64 >= greedy - tolerance)
        .collect();
    let sub: Vec<(PatientIdx, u32, f64)> = kept.iter().map(|&i| items[i]).collect();
    let total: u64 = sub.iter().map(|i| u64::from(i.1)).sum();
    let cap = capacity.min(u32::try_from(total).unwrap_or(u32::MAX));
    let chosen: Vec<usize> = knapsack(&sub, cap).into_iter().map(|k| kept[k]).collect();
    let value = chosen.iter().map(|&i| items[i].2).sum();
    (value, chosen)
}

/// How many of the densest items `knapsack_reduced` sorts first (doubled until they pass
/// the capacity): sessions hold a few dozen cases, their candidates run to thousands.
const FIRST_SORTED: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(items: &[(PatientIdx, u32, f64)], capacity: u32) -> f64 {
        let n = items.len();
        (0u32..1 << n)
            .map(|mask| {
                let (w, v) = (0..n)
                    .filter(|k| mask & (1 << k) != 0)
                    .fold((0, 0.0), |(w, v), k| (w + items[k].1, v + items[k].2));
                if w <= capacity { v } else { f64::NEG_INFINITY }
            })
            .fold(0.0, f64::max)
    }

    /// Items numbered in order from (weight, value) pairs.
    fn numbered(raw: &[(u32, f64)]) -> Vec<(PatientIdx, u32, f64)> {
        raw.iter()
            .enumerate()
            .map(|(k, &(w, v))| (PatientIdx(k as u32), w, v))
            .collect()
    }

    /// `knapsack_reduced`'s value, once its set is checked: within the capacity, and worth
    /// the value it reports.
    fn reduced_value(
        items: &[(PatientIdx, u32, f64)],
        capacity: u32,
    ) -> Result<f64, TestCaseError> {
        let (value, chosen) = knapsack_reduced(items, capacity);
        let weight: u32 = chosen.iter().map(|&k| items[k].1).sum();
        let sum: f64 = chosen.iter().map(|&k| items[k].2).sum();
        prop_assert!(weight <= capacity);
        prop_assert!(
            (value - sum).abs() < 1e-9 * sum.max(1.0),
            "{value} vs {sum}"
        );
        Ok(value)
    }

    proptest! {
        #[test]
        fn knapsack_matches_brute_force(
            raw in prop::collection::vec((1u32..60, 0.0f64..100.0), 0..12),
            capacity in 0u32..200,
        ) {
            let items = numbered(&raw);
            let chosen = knapsack(&items, capacity);
            let weight: u32 = chosen.iter().map(|&k| items[k].1).sum();
            let value: f64 = chosen.iter().map(|&k| items[k].2).sum();
            prop_assert!(weight <= capacity);
            prop_assert!((value - brute(&items, capacity)).abs() < 1e-6);
        }

        #[test]
        fn the_reduced_knapsack_matches_brute_force(
            raw in prop::collection::vec((1u32..80, 0.001f64..100.0), 0..14),
            capacity in 0u32..250,
        ) {
            // models::patterns prices with it: exact after its reduction.
            let items = numbered(&raw);
            let value = reduced_value(&items, capacity)?;
            prop_assert!((value - brute(&items, capacity)).abs() < 1e-6);
        }

        #[test]
        fn the_reduced_knapsack_matches_the_full_programme_on_many_items(
            raw in prop::collection::vec((10u32..90, 0.001f64..100.0), 0..400),
            capacity in 0u32..500,
        ) {
            // More items than it sorts at first (a session's candidates): the partial
            // sort and the reduction at the critical density must still be exact.
            let items = numbered(&raw);
            let value = reduced_value(&items, capacity)?;
            let full: f64 = knapsack(&items, capacity).iter().map(|&k| items[k].2).sum();
            prop_assert!((value - full).abs() < 1e-6 * full.max(1.0), "{value} vs {full}");
        }
    }
}
