//! Where each entry of an imported request came from, to locate validation problems
//! by file and line.

use std::collections::HashMap;

/// Where each entry of an imported request came from.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    pub(super) collections: HashMap<&'static str, Origin>,
    /// Where the horizon comes from when not given, said after `planning_start` and
    /// `horizon_days`; `None`: the appointment files' slots and requests.
    pub(super) horizon_from: Option<HorizonFrom>,
}

/// What `planning_start` and `horizon_days` default to, in words.
#[derive(Clone, Copy, Debug)]
pub(super) struct HorizonFrom {
    pub(super) start: &'static str,
    pub(super) horizon: &'static str,
}

/// The file and lines one collection (`slots`, ...) was read from.
#[derive(Clone, Debug)]
pub(super) struct Origin {
    pub(super) file: String,
    /// Line of entry i.
    pub(super) lines: Vec<u64>,
    /// Said after the path, e.g. that clinicians were derived from the slots.
    pub(super) note: Option<&'static str>,
}

impl Origins {
    /// Records that `collection`'s entries came from `file`, entry i from `lines[i]`.
    pub(super) fn insert(
        &mut self,
        collection: &'static str,
        file: &str,
        lines: Vec<u64>,
        note: Option<&'static str>,
    ) {
        self.collections.insert(
            collection,
            Origin {
                file: file.to_string(),
                lines,
                note,
            },
        );
    }

    /// A validation field path with its file and line in front:
    /// `slots[3].date` → `slots.csv line 5 (slots[3].date)`. Paths that name no row
    /// (`planning_start`) say where the value came from.
    pub fn locate(&self, field: &str) -> String {
        if let Some((collection, index)) = split_path(field)
            && let Some(origin) = self.collections.get(collection)
            && let Some(line) = origin.lines.get(index)
        {
            let note = origin.note.map(|n| format!(", {n}")).unwrap_or_default();
            return format!("{} line {line} ({field}{note})", origin.file);
        }
        match (field, self.horizon_from) {
            ("planning_start", Some(from)) => return format!("planning_start ({})", from.start),
            ("horizon_days", Some(from)) => return format!("horizon_days ({})", from.horizon),
            _ => {}
        }
        match field {
            "planning_start" => {
                "planning_start (--planning-start, or the earliest slot date)".into()
            }
            "horizon_days" => {
                "horizon_days (--horizon-days, or through the latest slot or request date)".into()
            }
            _ => field.to_string(),
        }
    }

    /// A validation message with each `collection[i]` it mentions followed by its line.
    pub fn annotate(&self, message: &str) -> String {
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(open) = rest.find('[') {
            let close = rest[open..].find(']').map(|c| open + c);
            let word_start = rest[..open]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |p| p + 1);
            let Some(close) = close else { break };
            out.push_str(&rest[..=close]);
            let path = &rest[word_start..=close];
            if let Some((collection, index)) = split_path(path)
                && let Some(origin) = self.collections.get(collection)
                && let Some(line) = origin.lines.get(index)
            {
                out.push_str(&format!(" ({} line {line})", origin.file));
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// `slots[3].date` → ("slots", 3).
fn split_path(field: &str) -> Option<(&str, usize)> {
    let open = field.find('[')?;
    let close = open + field[open..].find(']')?;
    let index = field[open + 1..close].parse().ok()?;
    Some((&field[..open], index))
}
