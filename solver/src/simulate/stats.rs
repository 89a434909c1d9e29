//! Statistics over replications: the mean, the sample standard deviation and the
//! Student-t 95% confidence interval of a measure, and of its paired difference against
//! the baseline (common random numbers: replication k of every variant draws the same
//! arrivals and fates, so the differences are far less noisy than the measures).
//!
//! The t quantile t(0.975, df) comes from a table for 1 to 30 degrees of freedom (the
//! published values to six decimals) and, beyond, from Fisher's expansion around the
//! normal quantile, within 2·10⁻⁶ of the true value for df > 30. A crate for one
//! quantile was not worth its dependencies.

use serde::{Deserialize, Serialize};

/// t(0.975, df) for df = 1 ..= 30.
const T975: [f64; 30] = [
    12.706_205, 4.302_653, 3.182_446, 2.776_445, 2.570_582, 2.446_912, 2.364_624, 2.306_004,
    2.262_157, 2.228_139, 2.200_985, 2.178_813, 2.160_369, 2.144_787, 2.131_450, 2.119_905,
    2.109_816, 2.100_922, 2.093_024, 2.085_963, 2.079_614, 2.073_873, 2.068_658, 2.063_899,
    2.059_539, 2.055_529, 2.051_831, 2.048_407, 2.045_230, 2.042_272,
];

/// The standard normal's 0.975 quantile.
const Z975: f64 = 1.959_963_984_540_054;

/// The Student-t 0.975 quantile with `df` degrees of freedom (at least 1).
pub fn t975(df: u32) -> f64 {
    let df = df.max(1);
    if df <= 30 {
        return T975[df as usize - 1];
    }
    // Fisher (1925): t = z + g1/ν + g2/ν² + g3/ν³.
    let (z, v) = (Z975, f64::from(df));
    let g1 = (z.powi(3) + z) / 4.0;
    let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
    let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
    z + g1 / v + g2 / (v * v) + g3 / (v * v * v)
}

/// A sample's mean with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Replications in the sample.
    pub n: u32,
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator; 0 for one value).
    pub sd: f64,
    /// mean ∓ t(0.975, n − 1) · sd / √n; both equal the mean for one value (one
    /// replication states no spread).
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Half the interval's width.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }

    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// The mean of `values` and its Student-t 95% interval. Equal values (bit for bit) give
/// their value and a zero-width interval, exactly; an empty sample gives zeros.
pub fn interval(values: &[f64]) -> Interval {
    let n = values.len();
    if n == 0 {
        return Interval {
            n: 0,
            mean: 0.0,
            sd: 0.0,
            low: 0.0,
            high: 0.0,
        };
    }
    let first = values[0];
    if values.iter().all(|v| v.to_bits() == first.to_bits()) {
        return Interval {
            n: n as u32,
            mean: first,
            sd: 0.0,
            low: first,
            high: first,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = if n < 2 {
        0.0
    } else {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    };
    let half = if n < 2 {
        0.0
    } else {
        t975(n as u32 - 1) * sd / (n as f64).sqrt()
    };
    Interval {
        n: n as u32,
        mean,
        sd,
        low: mean - half,
        high: mean + half,
    }
}

/// One summary measure of one variant over the replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasureStats {
    pub measure: String,
    pub value: Interval,
    /// Paired difference variant − baseline, replication by replication; `None` for the
    /// baseline itself, or when the baseline was not run.
    pub difference: Option<Interval>,
}

/// Every summary measure of one variant over its replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantStats {
    pub variant: String,
    pub replications: u32,
    pub measures: Vec<MeasureStats>,
}

/// The statistics of each variant from its replications' measures: `measures[v][k]` is
/// replication k of variant v, a list of (name, value) in the same order for every
/// replication; `baseline` is the baseline's position, if it ran. Paired differences
/// pair replication k with the baseline's replication k (as many as both have).
pub fn variant_stats(
    names: &[String],
    measures: &[Vec<Vec<(&'static str, f64)>>],
    baseline: Option<usize>,
) -> Vec<VariantStats> {
    let column = |v: usize, m: usize| -> Vec<f64> { measures[v].iter().map(|r| r[m].1).collect() };
    names
        .iter()
        .enumerate()
        .map(|(v, name)| {
            let Some(first) = measures[v].first() else {
                return VariantStats {
                    variant: name.clone(),
                    replications: 0,
                    measures: Vec::new(),
                };
            };
            let stats = first
                .iter()
                .enumerate()
                .map(|(m, &(measure, _))| {
                    let values = column(v, m);
                    let difference = baseline.filter(|&b| b != v).map(|b| {
                        let base = column(b, m);
                        let d: Vec<f64> = values.iter().zip(&base).map(|(x, y)| x - y).collect();
                        interval(&d)
                    });
                    MeasureStats {
                        measure: measure.to_string(),
                        value: interval(&values),
                        difference,
                    }
                })
                .collect();
            VariantStats {
                variant: name.clone(),
                replications: measures[v].len() as u32,
                measures: stats,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_computed_sample() {
        // 1..5: mean 3, sd √2.5 = 1.581139, half width 2.776445 · 1.581139 / √5 = 1.963243.
        let i = interval(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(i.n, 5);
        assert!((i.mean - 3.0).abs() < 1e-12);
        assert!((i.sd - 1.581_139).abs() < 1e-6);
        assert!((i.half_width() - 1.963_243).abs() < 1e-6, "{i:?}");
        assert!((i.low - 1.036_757).abs() < 1e-6);
    }

    #[test]
    fn equal_values_give_a_zero_width_interval_and_one_value_no_spread() {
        let i = interval(&[0.1, 0.1, 0.1]);
        assert_eq!((i.low, i.mean, i.high, i.sd), (0.1, 0.1, 0.1, 0.0));
        let one = interval(&[7.0]);
        assert_eq!((one.low, one.high, one.n), (7.0, 7.0, 1));
    }

    #[test]
    fn the_t_quantile_joins_the_table_smoothly_and_tends_to_the_normal() {
        // Published: t(0.975, 40) = 2.021075, 60: 2.000298, 120: 1.979930.
        for (df, t) in [(40, 2.021_075), (60, 2.000_298), (120, 1.979_930)] {
            assert!((t975(df) - t).abs() < 2e-6, "df {df}: {}", t975(df));
        }
        assert!((t975(31) - 2.039_513).abs() < 2e-6);
        assert!(t975(100_000) - Z975 < 1e-4);
    }

    #[test]
    fn paired_differences_against_the_baseline() {
        let names = vec!["baseline".to_string(), "more".to_string()];
        let base: Vec<Vec<(&str, f64)>> =
            [10.0, 12.0, 14.0].iter().map(|&x| vec![("m", x)]).collect();
        let more: Vec<Vec<(&str, f64)>> =
            [11.0, 13.0, 15.0].iter().map(|&x| vec![("m", x)]).collect();
        let stats = variant_stats(&names, &[base, more], Some(0));
        assert!(stats[0].measures[0].difference.is_none());
        let d = stats[1].measures[0].difference.expect("a difference");
        assert_eq!((d.low, d.mean, d.high), (1.0, 1.0, 1.0));
        // The measure itself spreads: 13 ± 4.303 · 2 / √3.
        assert!((stats[1].measures[0].value.half_width() - 4.968_276).abs() < 1e-5);
    }
}
