//! Adversarial values, and the edits that put them into generated requests.

use proptest::prelude::*;
use proptest::sample::Index;

const IDS: &[&str] = &[
    "",
    " ",
    "p1",
    "T01",
    "x",
    "ORTH",
    "GP",
    "P01",
    "ü-ßpital",
    "a\u{0}b",
    "\u{202e}evil",
    "'; DROP TABLE patients; --",
    "\t\n",
];
pub(super) const DATES: &[&str] = &[
    "2026-03-02",
    "2026-03-03",
    "2026-03-04",
    "2026-03-01",
    "2025-01-01",
    "2026-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-3-2",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "+262142-12-31",
    "262143-01-01",
    "-0001-01-01",
    "",
    "garbage",
    "2026-03-02T08:00:00Z",
];
pub(super) const TIMES: &[&str] = &[
    "08:00", "12:00", "13:00", "17:30", "00:00", "23:59", "24:00", "12:60", "-01:00", "8:00", "",
    "noon", "08:00:00", "99:99", "8", "08:", ":30",
];
pub(super) const U32S: &[u32] = &[
    0,
    1,
    5,
    59,
    60,
    240,
    480,
    1_440,
    1_441,
    100_000,
    u32::MAX / 2,
    u32::MAX - 1,
    u32::MAX,
];
pub(super) const ENUMS: &[i32] = &[-1, 0, 1, 2, 3, 4, 5, 99, i32::MAX, i32::MIN];
const F64S: &[f64] = &[
    0.0,
    -0.0,
    -1.0,
    1e-300,
    1e300,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.5,
    1.0,
    2.0,
    f64::MAX,
    f64::MIN_POSITIVE,
];
pub(super) const LIMITS: &[u32] = &[0, 1, 50, 200, 500, 1_000, 2_999, 3_000, 3_001, u32::MAX];

/// One edit: what to change (`kind`, taken modulo the number of kinds), where (`at`)
/// and to what (`pick`, `value`).
#[derive(Clone, Debug)]
pub(super) struct Edit {
    pub(super) kind: u8,
    pub(super) at: Index,
    pub(super) pick: Index,
    pub(super) value: Index,
}

fn edit() -> impl Strategy<Value = Edit> {
    (any::<u8>(), any::<Index>(), any::<Index>(), any::<Index>()).prop_map(
        |(kind, at, pick, value)| Edit {
            kind,
            at,
            pick,
            value,
        },
    )
}

impl Edit {
    pub(super) fn id(&self) -> String {
        // One case in 14: a very long id.
        let i = self.value.index(IDS.len() + 1);
        IDS.get(i)
            .map_or_else(|| "x".repeat(5_000), |s| (*s).to_string())
    }
    pub(super) fn date(&self) -> String {
        self.value.get(DATES).to_string()
    }
    pub(super) fn time(&self) -> String {
        self.value.get(TIMES).to_string()
    }
    pub(super) fn number(&self) -> u32 {
        *self.value.get(U32S)
    }
    pub(super) fn enum_value(&self) -> i32 {
        *self.value.get(ENUMS)
    }
    pub(super) fn float(&self) -> f64 {
        *self.value.get(F64S)
    }
    /// Either one of `existing` (a duplicate or a reference of the wrong kind) or an
    /// adversarial id.
    pub(super) fn id_from(&self, existing: &[String]) -> String {
        if !existing.is_empty() && self.pick.index(2) == 0 {
            existing[self.value.index(existing.len())].clone()
        } else {
            self.id()
        }
    }
}

/// Applies `f` to the element of `list` chosen by `at`, if there is one.
pub(super) fn at<T>(list: &mut [T], index: &Index, f: impl FnOnce(&mut T)) {
    if !list.is_empty() {
        let i = index.index(list.len());
        f(&mut list[i]);
    }
}

/// `generated` four times in five, else `empty` with a planning start or none: a
/// request with nothing in it.
pub(super) fn or_empty<R: Clone + std::fmt::Debug + 'static>(
    generated: impl Strategy<Value = R> + 'static,
    empty: fn(String) -> R,
) -> impl Strategy<Value = R> {
    let empty = any::<bool>().prop_map(move |dated| {
        empty(if dated {
            "2026-03-02".into()
        } else {
            String::new()
        })
    });
    prop_oneof![4 => generated, 1 => empty]
}

/// `base` with up to five edits, each applied by `apply`.
pub(super) fn edited<R: Clone + std::fmt::Debug>(
    base: impl Strategy<Value = R>,
    apply: fn(&mut R, &Edit),
) -> impl Strategy<Value = R> {
    (base, prop::collection::vec(edit(), 0..=5)).prop_map(move |(mut request, edits)| {
        for e in &edits {
            apply(&mut request, e);
        }
        request
    })
}
