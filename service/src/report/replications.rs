//! Runs with several replications, as the reports and tables show them: each variant
//! once (its replications grouped), and its weekly line as the mean over the
//! replications with a 95% band.

use clinicplan_solver::simulate::VariantRunOf;
use clinicplan_solver::simulate::stats::interval;

use super::charts::Series;

/// The variants of `runs`, each once, in run order.
pub fn variant_order<W, S>(runs: &[VariantRunOf<W, S>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in runs {
        if !names.contains(&r.variant) {
            names.push(r.variant.clone());
        }
    }
    names
}

/// Replications in `runs`: the highest replication number plus one (1 for none).
pub fn replications_of<W, S>(runs: &[VariantRunOf<W, S>]) -> u32 {
    runs.iter().map(|r| r.replication + 1).max().unwrap_or(1)
}

/// Each variant's first replication (the file's seed), in run order.
pub fn first_replications<W: Clone, S: Clone>(
    runs: &[VariantRunOf<W, S>],
) -> Vec<VariantRunOf<W, S>> {
    runs.iter()
        .filter(|r| r.replication == 0)
        .cloned()
        .collect()
}

/// The line of variant `name` in a chart of `value`: its one replication's weeks as
/// they are, or, with several, each week's mean over the replications with its 95%
/// interval as the band (over the weeks every replication reached).
pub(super) fn variant_series<'a, W, S>(
    name: &'a str,
    runs: &[VariantRunOf<W, S>],
    week_of: fn(&W) -> u32,
    value: &dyn Fn(&W) -> f64,
) -> Series<'a> {
    let reps: Vec<&VariantRunOf<W, S>> = runs.iter().filter(|r| r.variant == name).collect();
    if reps.len() <= 1 {
        return Series {
            name,
            points: (reps.iter().flat_map(|r| r.weeks.iter()))
                .map(|w| (week_of(w), value(w)))
                .collect(),
            band: Vec::new(),
        };
    }
    let weeks = reps.iter().map(|r| r.weeks.len()).min().unwrap_or(0);
    let mut points = Vec::with_capacity(weeks);
    let mut band = Vec::with_capacity(weeks);
    for i in 0..weeks {
        let values: Vec<f64> = reps.iter().map(|r| value(&r.weeks[i])).collect();
        let week = week_of(&reps[0].weeks[i]);
        let iv = interval(&values);
        points.push((week, iv.mean));
        band.push((week, iv.low, iv.high));
    }
    Series { name, points, band }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(variant: &str, replication: u32, values: &[f64]) -> VariantRunOf<(u32, f64), ()> {
        VariantRunOf {
            variant: variant.into(),
            replication,
            weeks: values
                .iter()
                .enumerate()
                .map(|(w, &v)| (w as u32, v))
                .collect(),
            summary: (),
            stopped_early: false,
        }
    }

    #[test]
    fn replications_are_grouped_into_a_mean_line_with_its_band() {
        let runs = vec![
            run("baseline", 0, &[1.0, 2.0]),
            run("baseline", 1, &[3.0, 2.0]),
            run("baseline", 2, &[5.0, 2.0]),
            run("more", 0, &[9.0]),
        ];
        assert_eq!(variant_order(&runs), vec!["baseline", "more"]);
        assert_eq!(replications_of(&runs), 3);
        assert_eq!(first_replications(&runs).len(), 2);
        let s = variant_series("baseline", &runs, |w| w.0, &|w| w.1);
        assert_eq!(s.points, vec![(0, 3.0), (1, 2.0)]);
        // Week 0: 3 ± 4.302653 · 2 / √3; week 1: no spread.
        assert!((s.band[0].2 - s.band[0].1 - 2.0 * 4.968_276).abs() < 1e-5);
        assert_eq!(s.band[1], (1, 2.0, 2.0));
        let one = variant_series("more", &runs, |w| w.0, &|w| w.1);
        assert_eq!((one.points, one.band.len()), (vec![(0, 9.0)], 0));
    }
}
