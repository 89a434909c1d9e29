//! The benchmark's week sizes and families, their targets, and `THEATRESxPATIENTS` cases.

use std::str::FromStr;

use anyhow::Context;
use clap::ValueEnum;
use clinicplan_solver::theatre::generate::{Family, UnknownFamily};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SizeArg {
    Small,
    Medium,
    Large,
    All,
}

impl SizeArg {
    /// Whether the size called `label` is chosen.
    pub fn includes(self, label: &str) -> bool {
        match self {
            SizeArg::All => true,
            SizeArg::Small => label == "small",
            SizeArg::Medium => label == "medium",
            SizeArg::Large => label == "large",
        }
    }
}

/// A target for one size: the gap to reach by the limit, and the peak memory.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub gap: f64,
    pub limit_s: f64,
    pub peak_gib: Option<f64>,
}

pub struct Size {
    pub label: &'static str,
    pub theatres: u32,
    pub patients: u32,
}

pub const SIZES: [Size; 3] = [
    Size {
        label: "small",
        theatres: 10,
        patients: 2_500,
    },
    Size {
        label: "medium",
        theatres: 30,
        patients: 12_000,
    },
    Size {
        label: "large",
        theatres: 60,
        patients: 40_000,
    },
];

/// Longest horizon, in days, that still counts as one week.
const ONE_WEEK_DAYS: u32 = 7;

/// The targets of issue 19 (default objective, medians per family) for the size
/// `label` (a table label `size` or `size/family`) over `horizon_days`: one week,
/// small 1% at 10 s, medium 1% at 30 s, large 1.5% at 60 s under 2 GiB; six weeks of the
/// large size, a plan with its bound within 60 s under 4 GiB (any gap).
pub fn target(label: &str, horizon_days: u32) -> Option<Target> {
    let size = label.split('/').next().unwrap_or(label);
    if horizon_days > ONE_WEEK_DAYS {
        return (size == "large").then_some(Target {
            gap: f64::INFINITY,
            limit_s: 60.0,
            peak_gib: Some(4.0),
        });
    }
    match size {
        "small" => Some(Target {
            gap: 0.01,
            limit_s: 10.0,
            peak_gib: None,
        }),
        "medium" => Some(Target {
            gap: 0.01,
            limit_s: 30.0,
            peak_gib: None,
        }),
        "large" => Some(Target {
            gap: 0.015,
            limit_s: 60.0,
            peak_gib: Some(2.0),
        }),
        _ => None,
    }
}

/// `THEATRESxPATIENTS` (also `×`) as the pair of numbers.
pub fn parse_case(text: &str) -> anyhow::Result<(u32, u32)> {
    let (t, p) = text
        .split_once(['x', 'X', '×'])
        .with_context(|| format!("scaling case {text:?}: expected THEATRESxPATIENTS"))?;
    Ok((t.trim().parse()?, p.trim().parse()?))
}

/// The families chosen on the command line, in the order given.
#[derive(Clone, Debug)]
pub struct Families(pub Vec<Family>);

impl FromStr for Families {
    type Err = UnknownFamily;

    /// `all`, or comma-separated family names.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim() == "all" {
            return Ok(Families(Family::ALL.to_vec()));
        }
        text.split(',')
            .map(Family::from_str)
            .collect::<Result<_, _>>()
            .map(Families)
    }
}

/// An instance's label: the size's, with the family's name unless it is the baseline
/// (so the existing tables keep their labels and group each family apart).
pub fn label(size: &str, family: Family) -> String {
    if family == Family::Baseline {
        size.to_string()
    } else {
        format!("{size}/{family}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_lists_parse() {
        assert_eq!(
            "baseline".parse::<Families>().map(|f| f.0),
            Ok(vec![Family::Baseline])
        );
        assert_eq!(
            "cataracts,long-waits".parse::<Families>().map(|f| f.0),
            Ok(vec![Family::Cataracts, Family::LongWaits])
        );
        assert_eq!(
            "all".parse::<Families>().map(|f| f.0.len()),
            Ok(Family::ALL.len())
        );
        assert!("cataracts,nope".parse::<Families>().is_err());
    }
}
