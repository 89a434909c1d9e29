//! Random streams that give the same numbers on every machine.
//!
//! Every draw comes from its own ChaCha8 stream, seeded from (scenario seed, week,
//! purpose, a key, an index): the arrivals of ORTHO P3 in week 12 never depend on what
//! another stream drew, nor on what a variant changed elsewhere. A variant that leaves
//! demand alone therefore draws exactly the baseline's arrivals, and a patient booked in
//! the same week in two variants has the same fate on the day in both.
//!
//! The arithmetic avoids the platform's `exp`, `ln` and `cos`, whose last bit may differ
//! between C libraries: normal variates are Irwin–Hall sums of twelve uniforms, and
//! e^−λ is computed with additions, multiplications and divisions only (IEEE 754
//! rounds those identically everywhere).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is drawn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Purpose {
    ArrivalCount = 1,
    ArrivalPatient = 2,
    Cancellation = 3,
    ValidationRemoval = 4,
    Replication = 5,
}

/// FNV-1a, 64 bits: a hash that is the same on every platform and Rust version.
pub fn stable_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The stream for (seed, week, purpose, key, index).
pub fn stream(seed: u64, week: u32, purpose: Purpose, key: u64, index: u64) -> ChaCha8Rng {
    let mut bytes = [0u8; 32];
    bytes[0..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..12].copy_from_slice(&week.to_le_bytes());
    bytes[12..16].copy_from_slice(&(purpose as u32).to_le_bytes());
    bytes[16..24].copy_from_slice(&key.to_le_bytes());
    bytes[24..32].copy_from_slice(&index.to_le_bytes());
    ChaCha8Rng::from_seed(bytes)
}

/// The seed of replication `replication` of a scenario seeded `seed`: the seed itself
/// for replication 0 (a run of one replication is the run of the file's seed), else a
/// seed drawn from the stream of (seed, replication). It depends on nothing else, in
/// particular not on the variant: replication k of every variant draws the same
/// arrivals and fates (common random numbers), and replications are independent.
pub fn replication_seed(seed: u64, replication: u32) -> u64 {
    if replication == 0 {
        return seed;
    }
    stream(seed, 0, Purpose::Replication, 0, u64::from(replication)).next_u64()
}

/// A uniform number in [0, 1) with 53 random bits (exact on every machine).
pub fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// An approximately standard normal number: the sum of twelve uniforms, less 6.
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    (0..12).map(|_| uniform(rng)).sum::<f64>() - 6.0
}

/// e^−x for x ≥ 0, with basic arithmetic only: e^−x = (e^−x/2^k)^(2^k), the inner
/// power by a Taylor series on an argument below 1/2.
pub fn exp_neg(x: f64) -> f64 {
    debug_assert!(x >= 0.0);
    let mut k = 0;
    let mut y = x;
    while y > 0.5 {
        y /= 2.0;
        k += 1;
    }
    // e^−y, |y| ≤ 1/2: 25 terms are far past double precision.
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..25 {
        term *= -y / f64::from(n);
        sum += term;
    }
    for _ in 0..k {
        sum *= sum;
    }
    sum
}

/// The Poisson(λ) count at quantile `u` (inverse CDF). For a fixed u the count never
/// falls as λ grows, so a demand surge adds patients to the baseline's, never swaps them.
pub fn poisson_quantile(lambda: f64, u: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    // Above ~700 e^−λ underflows; validation keeps λ far below (at most 500 × factors),
    // and a normal approximation takes over beyond 600 all the same.
    if lambda > 600.0 {
        return 0.max((lambda + lambda.sqrt() * inverse_normal_rough(u)).round() as i64) as u32;
    }
    let mut k = 0u32;
    let mut p = exp_neg(lambda);
    let mut cdf = p;
    let cap = (10.0 * lambda + 50.0) as u32;
    while u >= cdf && k < cap {
        k += 1;
        p *= lambda / f64::from(k);
        cdf += p;
    }
    k
}

/// A rough inverse of the standard normal CDF, by bisection on a logistic approximation
/// (used only beyond λ = 600).
fn inverse_normal_rough(u: f64) -> f64 {
    // Logistic with scale √3/π matches the normal's variance: x = s · ln(u / (1 − u)),
    // with ln by bisection on exp_neg.
    let u = u.clamp(1e-12, 1.0 - 1e-12);
    let ratio = u / (1.0 - u);
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        let e = if mid >= 0.0 {
            1.0 / exp_neg(mid)
        } else {
            exp_neg(-mid)
        };
        if e < ratio {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.551_328_895_421_792_1 * (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_matches_the_library_closely() {
        for x in [0.0, 0.1, 0.5, 1.0, 3.7, 12.0, 40.0, 300.0] {
            let (ours, lib) = (exp_neg(x), (-x).exp());
            assert!(
                (ours - lib).abs() <= 1e-12 * lib,
                "x = {x}: {ours} vs {lib}"
            );
        }
    }

    #[test]
    fn poisson_quantiles_have_the_right_mean_and_grow_with_lambda() {
        let n = 20_000;
        let mut rng = stream(7, 0, Purpose::ArrivalCount, 0, 0);
        let us: Vec<f64> = (0..n).map(|_| uniform(&mut rng)).collect();
        let mean = us
            .iter()
            .map(|&u| f64::from(poisson_quantile(12.0, u)))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 12.0).abs() < 0.15, "mean {mean}");
        for &u in &us[..500] {
            assert!(poisson_quantile(12.0, u) <= poisson_quantile(13.2, u));
        }
    }

    #[test]
    fn streams_are_fixed_by_their_key() {
        let a = uniform(&mut stream(
            1,
            3,
            Purpose::Cancellation,
            stable_hash("P-1"),
            0,
        ));
        let b = uniform(&mut stream(
            1,
            3,
            Purpose::Cancellation,
            stable_hash("P-1"),
            0,
        ));
        let c = uniform(&mut stream(
            1,
            4,
            Purpose::Cancellation,
            stable_hash("P-1"),
            0,
        ));
        assert_eq!(a.to_bits(), b.to_bits());
        assert_ne!(a.to_bits(), c.to_bits());
        assert_eq!(replication_seed(9, 0), 9);
        assert_ne!(replication_seed(9, 1), replication_seed(9, 2));
        assert_eq!(replication_seed(9, 3), replication_seed(9, 3));
        // The published FNV-1a test vector.
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
