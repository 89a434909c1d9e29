//! What to generate: [`GeneratorConfig`], and the axes along which hospitals' weeks
//! differ (issue 19, [`WeekShape`]) with the tables behind them:
//! how a theatre-day is split into lists, the case mix of each specialty, waits, beds.
//! [`WeekShape::baseline`] is the week the generator has always made; the named
//! corners are in `super::families` ([`super::Family`]). Values and their sources:
//! shared/reference/nhs.md.

/// What to generate.
#[derive(Clone, Debug)]
pub struct GeneratorConfig {
    pub theatres: u32,
    pub patients: u32,
    /// Days planned from Monday 2 March 2026 (weekends have no lists).
    pub horizon_days: u32,
    pub seed: u64,
    /// How the week is shaped; [`WeekShape::baseline`] for today's week.
    pub shape: WeekShape,
}

impl GeneratorConfig {
    /// A five-day week (Monday to Friday), the benchmark's horizon, of today's shape.
    pub fn week(theatres: u32, patients: u32, seed: u64) -> Self {
        GeneratorConfig {
            theatres,
            patients,
            horizon_days: 5,
            seed,
            shape: WeekShape::baseline(),
        }
    }
}

/// How a week is shaped. Every field is one axis; the baseline values are today's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeekShape {
    /// How each theatre-day is split into lists (session length).
    pub day_lists: DayLists,
    /// The procedures of each specialty: today's mix, short cases or major cases.
    pub case_mix: CaseMix,
    /// Share of patients listed under a named consultant (0.0 to 0.9; baseline 0.6).
    pub named_consultant_share: f64,
    /// Share of P1 patients (0.005 to 0.05; baseline 0.02). P2 is the rest up to 20%,
    /// P3 the next 30%, P4 the other half.
    pub p1_share: f64,
    /// The longest wait so far of a P1..P4 patient, in days (baseline 3, 40, 150, 500).
    pub max_wait_days: [u32; 4],
    /// Free ward beds as a factor on the baseline (2 a day per theatre, plus up to half).
    pub bed_factor: f64,
    /// Share of theatre-days whose lists are released to a specialty other than the
    /// theatre's home one (baseline 0.0). The domain has no any-specialty session, so a
    /// released list goes to one other specialty, with one of its spare consultants.
    pub open_session_share: f64,
}

impl WeekShape {
    /// Today's week: the shape every existing caller generates.
    pub fn baseline() -> Self {
        WeekShape {
            day_lists: DayLists::Mixed,
            case_mix: CaseMix::Mixed,
            named_consultant_share: 0.6,
            p1_share: 0.02,
            max_wait_days: [3, 40, 150, 500],
            bed_factor: 1.0,
            open_session_share: 0.0,
        }
    }
}

/// How a theatre-day is split into lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayLists {
    /// Today's mix: 35% all-day lists (08:30–17:00), 55% two half days, 10% a morning only.
    Mixed,
    /// Half days of 4 hours (1.25 PAs): 90% both halves, 10% a morning only.
    HalfDays,
    /// Day lists of 8 hours (08:30–16:30).
    AllDays,
    /// Room-days of 12.5 hours (08:00–20:30), as in surgical hubs running 2.5 sessions a day.
    RoomDays,
}

/// One way to split a theatre-day: taken when the day's draw is below `below`.
pub(super) struct DayPlan {
    pub below: f64,
    /// (tag, start, end) of each list.
    pub lists: &'static [(&'static str, &'static str, &'static str)],
}

const ALL_DAY: (&str, &str, &str) = ("D", "08:30", "17:00");
const MORNING: (&str, &str, &str) = ("AM", "08:30", "12:30");
const AFTERNOON: (&str, &str, &str) = ("PM", "13:30", "17:30");

impl DayLists {
    /// The ways to split a day, by cumulative draw; the last one takes what is left.
    pub(super) fn plans(self) -> &'static [DayPlan] {
        match self {
            DayLists::Mixed => &[
                DayPlan {
                    below: 0.35,
                    lists: &[ALL_DAY],
                },
                DayPlan {
                    below: 0.9,
                    lists: &[MORNING, AFTERNOON],
                },
                DayPlan {
                    below: 1.0,
                    lists: &[MORNING],
                },
            ],
            DayLists::HalfDays => &[
                DayPlan {
                    below: 0.9,
                    lists: &[MORNING, AFTERNOON],
                },
                DayPlan {
                    below: 1.0,
                    lists: &[MORNING],
                },
            ],
            DayLists::AllDays => &[DayPlan {
                below: 1.0,
                lists: &[("D", "08:30", "16:30")],
            }],
            DayLists::RoomDays => &[DayPlan {
                below: 1.0,
                lists: &[("D", "08:00", "20:30")],
            }],
        }
    }

    /// A consultant's operating minutes a day, one drawn per consultant: long enough
    /// to fill a list of this kind (a room-day is staffed for its whole length).
    pub(super) fn surgeon_max_minutes(self) -> [u32; 3] {
        match self {
            DayLists::Mixed | DayLists::HalfDays => [420, 480, 540],
            DayLists::AllDays => [480, 510, 540],
            DayLists::RoomDays => [660, 720, 750],
        }
    }
}

/// The procedures each specialty lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseMix {
    /// Today's mix of short and long cases (general-surgery durations from a DGH audit).
    Mixed,
    /// Many short day cases, 15–30 minutes: cataracts, endoscopy, hand surgery.
    ShortCases,
    /// Few long inpatient cases, 4 to 6.3 hours (up to 8 with the spread of durations):
    /// resections, revisions, reconstructions.
    MajorCases,
}

impl CaseMix {
    pub(super) fn specialties(self) -> &'static [SpecialtyShape] {
        match self {
            CaseMix::Mixed => MIXED,
            CaseMix::ShortCases => SHORT_CASES,
            CaseMix::MajorCases => MAJOR_CASES,
        }
    }
}

pub(super) struct ProcedureShape {
    pub name: &'static str,
    pub minutes: u32,
    pub stay_days: u32,
    pub equipment: Option<&'static str>,
}

pub(super) struct SpecialtyShape {
    pub code: &'static str,
    pub turnaround: u32,
    pub procedures: &'static [ProcedureShape],
}

const fn proc(
    name: &'static str,
    minutes: u32,
    stay_days: u32,
    equipment: Option<&'static str>,
) -> ProcedureShape {
    ProcedureShape {
        name,
        minutes,
        stay_days,
        equipment,
    }
}

const MIXED: &[SpecialtyShape] = &[
    SpecialtyShape {
        code: "GENSURG",
        turnaround: 15,
        procedures: &[
            proc("Laparoscopic cholecystectomy", 92, 0, None),
            proc("Inguinal hernia repair", 77, 0, None),
            proc("Umbilical hernia repair", 69, 0, None),
            proc("Examination under anaesthetic", 31, 0, None),
            proc("Upper GI resection", 179, 5, None),
        ],
    },
    SpecialtyShape {
        code: "ORTHO",
        turnaround: 20,
        procedures: &[
            proc("Total hip replacement", 120, 4, None),
            proc("Total knee replacement", 130, 4, None),
            proc("Knee arthroscopy", 45, 0, None),
            proc("Carpal tunnel release", 20, 0, None),
            proc("Ankle fracture fixation", 90, 2, Some("image_intensifier")),
        ],
    },
    SpecialtyShape {
        code: "OPHTH",
        turnaround: 10,
        procedures: &[
            proc("Cataract extraction", 25, 0, None),
            proc("Vitrectomy", 75, 0, Some("laser")),
        ],
    },
    SpecialtyShape {
        code: "URO",
        turnaround: 15,
        procedures: &[
            proc("Transurethral resection of prostate", 60, 2, None),
            proc("Flexible cystoscopy", 20, 0, None),
            proc("Robotic prostatectomy", 210, 3, Some("robot")),
            proc("Ureteroscopy and laser", 50, 0, Some("laser")),
        ],
    },
    SpecialtyShape {
        code: "ENT",
        turnaround: 15,
        procedures: &[
            proc("Tonsillectomy", 40, 1, None),
            proc("Septoplasty", 60, 0, None),
            proc("Grommets", 15, 0, None),
        ],
    },
    SpecialtyShape {
        code: "GYNAE",
        turnaround: 15,
        procedures: &[
            proc("Abdominal hysterectomy", 120, 2, None),
            proc("Diagnostic laparoscopy", 60, 0, None),
            proc("Hysteroscopy", 25, 0, None),
        ],
    },
];

/// A treatment centre's day-case lists: quick turnarounds, no beds.
const SHORT_CASES: &[SpecialtyShape] = &[
    SpecialtyShape {
        code: "OPHTH",
        turnaround: 8,
        procedures: &[
            proc("Cataract extraction", 20, 0, None),
            proc("Cataract extraction, second eye", 20, 0, None),
            proc("Cataract extraction, complex", 30, 0, None),
            proc("YAG laser capsulotomy", 15, 0, Some("laser")),
        ],
    },
    SpecialtyShape {
        code: "ENDO",
        turnaround: 10,
        procedures: &[
            proc("Gastroscopy", 15, 0, None),
            proc("Colonoscopy", 30, 0, None),
            proc("Flexible sigmoidoscopy", 20, 0, None),
        ],
    },
    SpecialtyShape {
        code: "HAND",
        turnaround: 10,
        procedures: &[
            proc("Carpal tunnel release", 20, 0, None),
            proc("Trigger finger release", 15, 0, None),
            proc("Ganglion excision", 30, 0, None),
        ],
    },
    SpecialtyShape {
        code: "URO",
        turnaround: 10,
        procedures: &[
            proc("Flexible cystoscopy", 15, 0, None),
            proc("Cystoscopy and biopsy", 25, 0, None),
            proc("Circumcision", 30, 0, None),
        ],
    },
    SpecialtyShape {
        code: "ENT",
        turnaround: 10,
        procedures: &[
            proc("Grommets", 15, 0, None),
            proc("Microlaryngoscopy", 25, 0, None),
        ],
    },
    SpecialtyShape {
        code: "GYNAE",
        turnaround: 10,
        procedures: &[
            proc("Hysteroscopy", 25, 0, None),
            proc("Colposcopy and LLETZ", 20, 0, None),
        ],
    },
];

/// A tertiary centre's major lists: one or two cases a day, most staying in.
const MAJOR_CASES: &[SpecialtyShape] = &[
    SpecialtyShape {
        code: "GENSURG",
        turnaround: 30,
        procedures: &[
            proc("Oesophagectomy", 380, 10, None),
            proc("Pancreaticoduodenectomy", 360, 10, None),
            proc("Anterior resection", 270, 6, None),
        ],
    },
    SpecialtyShape {
        code: "ORTHO",
        turnaround: 30,
        procedures: &[
            proc(
                "Revision hip replacement",
                240,
                6,
                Some("image_intensifier"),
            ),
            proc("Spinal fusion", 300, 5, Some("image_intensifier")),
        ],
    },
    SpecialtyShape {
        code: "CARDIO",
        turnaround: 45,
        procedures: &[
            proc("Coronary artery bypass graft", 300, 7, None),
            proc("Aortic valve replacement", 270, 7, None),
        ],
    },
    SpecialtyShape {
        code: "URO",
        turnaround: 30,
        procedures: &[
            proc("Radical cystectomy", 360, 10, Some("robot")),
            proc("Robotic prostatectomy", 240, 3, Some("robot")),
        ],
    },
    SpecialtyShape {
        code: "ENT",
        turnaround: 30,
        procedures: &[proc(
            "Head and neck resection with free flap",
            380,
            12,
            None,
        )],
    },
    SpecialtyShape {
        code: "GYNAE",
        turnaround: 30,
        procedures: &[
            proc("Radical hysterectomy", 240, 4, None),
            proc("Ovarian cancer debulking", 300, 6, None),
        ],
    },
];
