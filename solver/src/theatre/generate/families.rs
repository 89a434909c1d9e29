//! Named weeks, one per corner of [`WeekShape`]: each moves one axis (two where the
//! other is needed to keep the week realistic) to the edge of what hospitals run, so
//! that a weakness of the solver shows up under the name of the axis that causes it.
//! Values and sources: shared/reference/nhs.md.

use std::fmt;
use std::str::FromStr;

use super::shapes::{CaseMix, DayLists, GeneratorConfig, WeekShape};

/// A named week shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Today's generator week.
    Baseline,
    /// Every list a 4-hour half day (1.25 PAs).
    HalfDays,
    /// Every list an 8-hour day.
    AllDays,
    /// Every list a 12.5-hour room-day (surgical hubs: 2.5 sessions a day).
    RoomDays,
    /// Many 15–30 minute day cases: cataracts, endoscopy, hand surgery.
    Cataracts,
    /// Few 4–6 hour inpatient cases on 8-hour day lists, with the beds they need.
    MajorCases,
    /// 90% of the list tied to a named consultant.
    NamedConsultants,
    /// Pooled lists: no patient tied to a named consultant.
    Unnamed,
    /// 0.5% P1 (a unit with no urgent work).
    LowP1,
    /// 5% P1 (a site taking the urgent work of a network).
    HighP1,
    /// Nobody has waited more than 12 weeks.
    ShortWaits,
    /// Routine patients waiting up to 104 weeks.
    LongWaits,
    /// Half today's free ward beds (occupancy near the 92% planning maximum).
    TightBeds,
    /// 30% of theatre-days released to another specialty (6-4-2 releases, shared timetables).
    OpenSessions,
    /// 100 patients per theatre.
    ShortLists,
    /// 1,000 patients per theatre.
    LongLists,
}

impl Family {
    pub const ALL: [Family; 16] = [
        Family::Baseline,
        Family::HalfDays,
        Family::AllDays,
        Family::RoomDays,
        Family::Cataracts,
        Family::MajorCases,
        Family::NamedConsultants,
        Family::Unnamed,
        Family::LowP1,
        Family::HighP1,
        Family::ShortWaits,
        Family::LongWaits,
        Family::TightBeds,
        Family::OpenSessions,
        Family::ShortLists,
        Family::LongLists,
    ];

    /// The family's name on the command line and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Family::Baseline => "baseline",
            Family::HalfDays => "half-days",
            Family::AllDays => "all-days",
            Family::RoomDays => "room-days",
            Family::Cataracts => "cataracts",
            Family::MajorCases => "major-cases",
            Family::NamedConsultants => "named-consultants",
            Family::Unnamed => "unnamed",
            Family::LowP1 => "low-p1",
            Family::HighP1 => "high-p1",
            Family::ShortWaits => "short-waits",
            Family::LongWaits => "long-waits",
            Family::TightBeds => "tight-beds",
            Family::OpenSessions => "open-sessions",
            Family::ShortLists => "short-lists",
            Family::LongLists => "long-lists",
        }
    }

    /// The family's week shape: the baseline with its axis moved.
    pub fn shape(self) -> WeekShape {
        let base = WeekShape::baseline();
        match self {
            Family::Baseline | Family::ShortLists | Family::LongLists => base,
            Family::HalfDays => WeekShape {
                day_lists: DayLists::HalfDays,
                ..base
            },
            Family::AllDays => WeekShape {
                day_lists: DayLists::AllDays,
                ..base
            },
            Family::RoomDays => WeekShape {
                day_lists: DayLists::RoomDays,
                ..base
            },
            Family::Cataracts => WeekShape {
                case_mix: CaseMix::ShortCases,
                ..base
            },
            // Major cases need day lists to fit and, staying a week, more beds.
            Family::MajorCases => WeekShape {
                case_mix: CaseMix::MajorCases,
                day_lists: DayLists::AllDays,
                bed_factor: 2.5,
                ..base
            },
            Family::NamedConsultants => WeekShape {
                named_consultant_share: 0.9,
                ..base
            },
            Family::Unnamed => WeekShape {
                named_consultant_share: 0.0,
                ..base
            },
            Family::LowP1 => WeekShape {
                p1_share: 0.005,
                ..base
            },
            Family::HighP1 => WeekShape {
                p1_share: 0.05,
                ..base
            },
            Family::ShortWaits => WeekShape {
                max_wait_days: [3, 21, 56, 84],
                ..base
            },
            Family::LongWaits => WeekShape {
                max_wait_days: [3, 56, 365, 728],
                ..base
            },
            Family::TightBeds => WeekShape {
                bed_factor: 0.5,
                ..base
            },
            Family::OpenSessions => WeekShape {
                open_session_share: 0.3,
                ..base
            },
        }
    }

    /// The list length per theatre the family fixes, if any (otherwise the caller's).
    pub fn patients_per_theatre(self) -> Option<u32> {
        match self {
            Family::ShortLists => Some(100),
            Family::LongLists => Some(1_000),
            _ => None,
        }
    }

    /// A five-day week of this family: `patients` unless the family fixes the list length.
    pub fn week(self, theatres: u32, patients: u32, seed: u64) -> GeneratorConfig {
        GeneratorConfig {
            patients: self
                .patients_per_theatre()
                .map_or(patients, |n| n * theatres.max(1)),
            shape: self.shape(),
            ..GeneratorConfig::week(theatres, patients, seed)
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no family.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown family {0:?}: expected one of {names}", names = Family::ALL.map(Family::name).join(", "))]
pub struct UnknownFamily(pub String);

impl FromStr for Family {
    type Err = UnknownFamily;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Family::ALL
            .into_iter()
            .find(|f| f.name() == name.trim())
            .ok_or_else(|| UnknownFamily(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theatre::check::check;
    use crate::theatre::constructive::constructive_plan;
    use crate::theatre::generate::theatre_request;
    use crate::theatre::input::{PatientInput, PriorityInput, TheatreRequest};
    use crate::theatre::plan::build_plan;
    use crate::theatre::validate;

    /// Validates the week and checks its constructive plan; returns the request.
    fn valid_week(family: Family, theatres: u32, patients: u32, seed: u64) -> TheatreRequest {
        let request = theatre_request(&family.week(theatres, patients, seed));
        let instance = validate(&request)
            .unwrap_or_else(|e| panic!("{family} {theatres}x{patients} seed {seed}: {e}"));
        let plan = build_plan(&instance, constructive_plan(&instance));
        let report = check(&instance, &plan.to_proposed(&instance));
        assert!(
            report.is_valid(),
            "{family} {theatres}x{patients} seed {seed}: {report:?}"
        );
        request
    }

    #[test]
    fn every_family_is_valid_at_every_size() {
        for family in Family::ALL {
            for seed in 1..=3 {
                valid_week(family, 3, 60, seed);
            }
            for (theatres, patients) in [(10, 2_500), (30, 12_000), (60, 40_000)] {
                valid_week(family, theatres, patients, 1);
            }
        }
    }

    #[test]
    fn names_parse_back() {
        for family in Family::ALL {
            assert_eq!(family.name().parse(), Ok(family));
        }
        assert!("cataract".parse::<Family>().is_err());
    }

    /// Each family's axis shows in its week.
    #[test]
    fn families_move_their_axis() {
        let week = |family: Family| valid_week(family, 10, 2_500, 2);
        let share = |r: &TheatreRequest, f: &dyn Fn(&PatientInput) -> bool| {
            r.patients.iter().filter(|p| f(p)).count() as f64 / r.patients.len() as f64
        };
        let lengths = |r: &TheatreRequest| -> Vec<(String, String)> {
            r.sessions
                .iter()
                .map(|s| (s.start_time.clone(), s.end_time.clone()))
                .collect()
        };
        assert!(
            lengths(&week(Family::HalfDays))
                .iter()
                .all(|(_, end)| end != "17:00")
        );
        assert!(
            lengths(&week(Family::RoomDays))
                .iter()
                .all(|(s, e)| (s.as_str(), e.as_str()) == ("08:00", "20:30"))
        );
        assert!(
            week(Family::Cataracts)
                .patients
                .iter()
                .all(|p| p.expected_duration_min <= 38)
        );
        assert!(
            week(Family::MajorCases)
                .patients
                .iter()
                .all(|p| p.expected_duration_min >= 192)
        );
        assert!(
            share(&week(Family::NamedConsultants), &|p| !p
                .surgeon_id
                .is_empty())
                > 0.85
        );
        assert_eq!(
            share(&week(Family::Unnamed), &|p| !p.surgeon_id.is_empty()),
            0.0
        );
        let p1 = |p: &PatientInput| p.priority == PriorityInput::P1;
        assert!(share(&week(Family::HighP1), &p1) > 0.04);
        assert!(share(&week(Family::LowP1), &p1) < 0.01);
        assert!(
            week(Family::ShortWaits)
                .patients
                .iter()
                .all(|p| p.listed_date.as_str() >= "2025-12-08")
        );
        assert!(
            week(Family::LongWaits)
                .patients
                .iter()
                .any(|p| p.listed_date.as_str() < "2024-09-01")
        );
        let beds = |r: &TheatreRequest| r.ward_beds.iter().map(|b| b.free_beds).sum::<u32>();
        assert!(beds(&week(Family::TightBeds)) * 3 < beds(&week(Family::Baseline)) * 2);
        let open = week(Family::OpenSessions);
        let away = open
            .sessions
            .iter()
            .filter(|s| {
                let t: usize = s.theatre_id[1..].parse().expect("T01..");
                s.specialty != open.specialties[(t - 1) % open.specialties.len()].code
            })
            .count();
        assert!(
            away * 10 > open.sessions.len(),
            "{away} of {}",
            open.sessions.len()
        );
        assert_eq!(week(Family::LongLists).patients.len(), 10_000);
        assert_eq!(week(Family::ShortLists).patients.len(), 1_000);
    }
}
