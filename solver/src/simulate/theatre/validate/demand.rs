//! Demand: on-the-day rates, seasonal factors, the case mix and the streams of
//! additions.

use std::collections::{BTreeMap, HashMap};

use super::hospital::Names;
use crate::simulate::problems::{MAX_PER_WEEK, Problems};
use crate::simulate::theatre::config::*;
use crate::simulate::theatre::scenario::*;
use crate::validation::{MAX_DURATION_MIN, MAX_LENGTH_OF_STAY_DAYS};

fn stream(
    p: &mut Problems,
    at: &str,
    s: &DemandStreamConfig,
    names: &Names,
    case_mix: &BTreeMap<String, Vec<ProcedureConfig>>,
) -> Option<DemandStream> {
    if !names.specialties.contains(s.specialty.as_str()) {
        p.push(
            format!("{at}.specialty"),
            format!("'{}' is not a specialty of the hospital", s.specialty),
        );
    }
    let priority = p.priority(format!("{at}.priority"), &s.priority);
    if !(s.per_week.is_finite() && (0.0..=MAX_PER_WEEK).contains(&s.per_week)) {
        p.push(
            format!("{at}.per_week"),
            format!(
                "{}: give 0 to {MAX_PER_WEEK} additions per week",
                s.per_week
            ),
        );
    }
    p.share(format!("{at}.named_surgeon_share"), s.named_surgeon_share);
    let mut procedures = Vec::new();
    let (own, procedures_at) = if s.case_minutes.is_none() && s.procedures.is_empty() {
        match case_mix.get(&s.specialty) {
            Some(mix) => (mix, format!("demand.case_mix.{}", s.specialty)),
            None => (&s.procedures, format!("{at}.procedures")),
        }
    } else {
        (&s.procedures, format!("{at}.procedures"))
    };
    match (&s.case_minutes, own.is_empty()) {
        (Some(_), false) => p.push(
            at.to_string(),
            "gives both case_minutes and procedures: give one",
        ),
        (None, true) => p.push(
            at.to_string(),
            "gives neither case_minutes nor procedures, and demand.case_mix has none for its specialty: give one",
        ),
        (Some(c), true) => procedures.push(single_case(p, at, c, s.length_of_stay_days)),
        (None, false) => procedures = case_mix_procedures(p, at, &procedures_at, own, s),
    }
    Some(DemandStream {
        specialty: s.specialty.clone(),
        priority: priority?,
        per_week: s.per_week,
        named_surgeon_share: s.named_surgeon_share,
        procedures,
    })
}

/// A stream's cases drawn from one normal length (`case_minutes`), unnamed.
fn single_case(
    p: &mut Problems,
    at: &str,
    c: &CaseMinutesConfig,
    length_of_stay_days: Option<u32>,
) -> ProcedureSpec {
    let f = format!("{at}.case_minutes");
    if !(c.mean.is_finite() && c.mean > 0.0) {
        p.push(
            format!("{f}.mean"),
            format!("{}: give a positive mean", c.mean),
        );
    }
    if !(c.sd.is_finite() && c.sd >= 0.0) {
        p.push(format!("{f}.sd"), format!("{}: give 0 or more", c.sd));
    }
    if c.min == 0 || c.max > MAX_DURATION_MIN || c.min > c.max {
        p.push(
            f.clone(),
            format!(
                "min {} and max {}: give 1 ≤ min ≤ max ≤ {MAX_DURATION_MIN}",
                c.min, c.max
            ),
        );
    }
    let los = length_of_stay_days.unwrap_or(0);
    if los > MAX_LENGTH_OF_STAY_DAYS {
        p.push(
            format!("{at}.length_of_stay_days"),
            format!("{los}: at most {MAX_LENGTH_OF_STAY_DAYS}"),
        );
    }
    ProcedureSpec {
        name: String::new(),
        share: 1.0,
        mean_min: c.mean,
        sd_min: c.sd,
        min_min: c.min,
        max_min: c.max,
        length_of_stay_days: los,
        equipment: Vec::new(),
    }
}

/// A stream's procedures (its own, or its specialty's case mix at `procedures_at`),
/// each with its length bounds, shares scaled to sum to 1.
fn case_mix_procedures(
    p: &mut Problems,
    at: &str,
    procedures_at: &str,
    own: &[ProcedureConfig],
    s: &DemandStreamConfig,
) -> Vec<ProcedureSpec> {
    let mut procedures = Vec::new();
    if s.length_of_stay_days.is_some() {
        p.push(
            format!("{at}.length_of_stay_days"),
            "goes with case_minutes: give each procedure its own",
        );
    }
    for (j, c) in own.iter().enumerate() {
        let f = format!("{procedures_at}[{j}]");
        if !(c.share.is_finite() && c.share > 0.0) {
            p.push(
                format!("{f}.share"),
                format!("{}: give a positive share", c.share),
            );
        }
        if !(c.mean_min.is_finite()
            && c.mean_min >= 1.0
            && c.mean_min <= f64::from(MAX_DURATION_MIN))
        {
            p.push(
                format!("{f}.mean_min"),
                format!("{}: give 1 to {MAX_DURATION_MIN}", c.mean_min),
            );
        }
        if !(c.sd_min.is_finite() && c.sd_min >= 0.0) {
            p.push(
                format!("{f}.sd_min"),
                format!("{}: give 0 or more", c.sd_min),
            );
        }
        if c.length_of_stay_days > MAX_LENGTH_OF_STAY_DAYS {
            p.push(
                format!("{f}.length_of_stay_days"),
                format!(
                    "{}: at most {MAX_LENGTH_OF_STAY_DAYS}",
                    c.length_of_stay_days
                ),
            );
        }
        let lo = (c.mean_min - 2.0 * c.sd_min)
            .round()
            .max(5.0)
            .min(f64::from(MAX_DURATION_MIN));
        let hi = (c.mean_min + 2.0 * c.sd_min)
            .round()
            .clamp(lo, f64::from(MAX_DURATION_MIN));
        procedures.push(ProcedureSpec {
            name: c.name.clone(),
            share: c.share,
            mean_min: c.mean_min,
            sd_min: c.sd_min,
            min_min: lo as u32,
            max_min: hi as u32,
            length_of_stay_days: c.length_of_stay_days,
            equipment: c.equipment.clone(),
        });
    }
    let total: f64 = procedures.iter().map(|q| q.share).sum();
    if total > 0.0 && total.is_finite() {
        for q in &mut procedures {
            q.share /= total;
        }
    }
    procedures
}

/// Demand: the on-the-day rates, seasonal factors, the case mix's specialties and each
/// stream (one per specialty and priority).
pub(super) fn check_demand(p: &mut Problems, d: &DemandConfig, names: &Names) -> Demand {
    p.share("demand.cancellation_rate".into(), d.cancellation_rate);
    p.share(
        "demand.validation_removal_rate".into(),
        d.validation_removal_rate,
    );
    let seasonal_factors = seasonal_factors(p, d);
    for code in d.case_mix.keys() {
        if !names.specialties.contains(code.as_str()) {
            p.push(
                format!("demand.case_mix.{code}"),
                format!("'{code}' is not a specialty of the hospital"),
            );
        }
    }
    let mut seen_streams: HashMap<(String, String), usize> = HashMap::new();
    let mut streams = Vec::new();
    for (i, s) in d.streams.iter().enumerate() {
        let at = format!("demand.streams[{i}]");
        let key = (s.specialty.clone(), s.priority.trim().to_ascii_uppercase());
        if let Some(first) = seen_streams.insert(key.clone(), i) {
            seen_streams.insert(key, first);
            p.push(
                at.clone(),
                format!(
                    "{} {} is already given by demand.streams[{first}]",
                    s.specialty, s.priority
                ),
            );
        }
        if let Some(stream) = stream(p, &at, s, names, &d.case_mix) {
            streams.push(stream);
        }
    }
    Demand {
        cancellation_rate: d.cancellation_rate,
        validation_removal_rate: d.validation_removal_rate,
        seasonal_factors,
        streams,
    }
}

/// Twelve monthly factors, January first, each 0 to 10 (1 each when not given).
fn seasonal_factors(p: &mut Problems, d: &DemandConfig) -> [f64; 12] {
    match &d.seasonal_factors {
        None => [1.0; 12],
        Some(v) => {
            for (m, f) in v.iter().enumerate() {
                if !(f.is_finite() && (0.0..=10.0).contains(f)) {
                    p.push(
                        format!("demand.seasonal_factors[{m}]"),
                        format!("{f}: give 0 to 10"),
                    );
                }
            }
            <[f64; 12]>::try_from(v.as_slice()).unwrap_or_else(|_| {
                p.push(
                    "demand.seasonal_factors",
                    format!("{} figures: give twelve, January first", v.len()),
                );
                [1.0; 12]
            })
        }
    }
}
