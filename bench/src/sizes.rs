//! The benchmark's week sizes, their targets, and `THEATRESxPATIENTS` cases.

use anyhow::Context;
use clap::ValueEnum;

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

/// The targets of issue 3 (default objective).
pub fn target(label: &str) -> Option<Target> {
    match label {
        "small" => Some(Target {
            gap: 0.01,
            limit_s: 3.0,
            peak_gib: None,
        }),
        "medium" => Some(Target {
            gap: 0.01,
            limit_s: 10.0,
            peak_gib: None,
        }),
        "large" => Some(Target {
            gap: 0.015,
            limit_s: 30.0,
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
