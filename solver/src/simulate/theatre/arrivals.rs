//! The patients added to the list each week.

use super::scenario::*;
use crate::simulate::random::{self, Purpose, stable_hash};

/// The patients added in `week`: decisions to admit made in the seven days before the
/// week's Monday, so that the week can plan them.
pub fn arrivals(scenario: &Scenario, setting: &WeekSetting, week: u32) -> Vec<WaitingPatient> {
    let monday = scenario.week_start(week);
    let season = scenario.demand.seasonal(monday);
    let mut out = Vec::new();
    for stream in &scenario.demand.streams {
        let factor = setting
            .demand_factor
            .get(&stream.specialty)
            .copied()
            .unwrap_or(1.0);
        let lambda = stream.per_week * season * factor;
        let key = stable_hash(&format!("{}/{}", stream.specialty, stream.priority));
        let u = random::uniform(&mut random::stream(
            scenario.seed,
            week,
            Purpose::ArrivalCount,
            key,
            0,
        ));
        let n = random::poisson_quantile(lambda, u);
        let surgeons: Vec<&SurgeonSpec> = setting
            .surgeons
            .iter()
            .copied()
            .filter(|k| k.specialty == stream.specialty)
            .collect();
        for k in 0..n {
            let mut rng = random::stream(
                scenario.seed,
                week,
                Purpose::ArrivalPatient,
                key,
                u64::from(k),
            );
            let day = (random::uniform(&mut rng) * 7.0) as i64;
            let listed_date = monday - chrono::Duration::days(7 - day.min(6));
            let pick = random::uniform(&mut rng);
            let named = random::uniform(&mut rng) < stream.named_surgeon_share;
            let which = random::uniform(&mut rng);
            let mut procedure = stream.procedures.last().expect("validated: one at least");
            let mut cumulative = 0.0;
            for q in &stream.procedures {
                cumulative += q.share;
                if pick < cumulative {
                    procedure = q;
                    break;
                }
            }
            let duration_min = case_minutes(&mut rng, procedure);
            let surgeon = (named && !surgeons.is_empty()).then(|| {
                let i = ((which * surgeons.len() as f64) as usize).min(surgeons.len() - 1);
                surgeons[i].id.clone()
            });
            out.push(WaitingPatient {
                id: format!(
                    "W{week:03}-{}-{}-{:04}",
                    stream.specialty,
                    stream.priority,
                    k + 1
                ),
                specialty: stream.specialty.clone(),
                procedure: procedure.name.clone(),
                duration_min,
                priority: stream.priority,
                listed_date,
                surgeon,
                equipment: procedure.equipment.clone(),
                length_of_stay_days: procedure.length_of_stay_days,
            });
        }
    }
    out
}

/// A case length: normal, redrawn up to ten times to fall in [min, max], then clamped.
fn case_minutes(rng: &mut rand_chacha::ChaCha8Rng, q: &ProcedureSpec) -> u32 {
    let (lo, hi) = (f64::from(q.min_min), f64::from(q.max_min));
    let mut x = q.mean_min;
    for _ in 0..10 {
        x = q.mean_min + q.sd_min * random::standard_normal(rng);
        if (lo..=hi).contains(&x) {
            break;
        }
    }
    (x.round().clamp(lo, hi) as u32).max(1)
}
