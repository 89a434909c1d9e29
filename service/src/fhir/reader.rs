//! The state of reading a bundle, and the element readers every mapping shares.

use super::bundle::{BundleIndex, Entry, Problems};
use super::element::{Extension, Quantity, Reference};
use super::origins::FhirOrigins;

/// Reading state: the index, the problems so far, and where entries came from.
pub(super) struct Reader<'a> {
    pub(super) index: &'a BundleIndex,
    pub(super) problems: Problems,
    pub(super) origins: FhirOrigins,
}

/// A whole number of minutes (or, with `days`, of days) from a `Duration`.
pub(super) fn duration(q: &Quantity, days: bool) -> Result<u32, String> {
    let unit = q.code.as_deref().or(q.unit.as_deref()).unwrap_or_default();
    let scale = match (unit, days) {
        ("min", false) => 1.0,
        ("h", false) => 60.0,
        ("d", true) => 1.0,
        _ => {
            let want = if days { "d (days)" } else { "min or h" };
            return Err(format!("unit '{unit}': give the UCUM code {want}"));
        }
    };
    let value = q
        .value
        .as_ref()
        .and_then(|v| v.as_f64())
        .ok_or("no value")?;
    let scaled = value * scale;
    if !(0.0..=f64::from(u32::MAX)).contains(&scaled) || scaled.fract() != 0.0 {
        return Err(format!(
            "{value} {unit} is not a whole, non-negative amount"
        ));
    }
    Ok(scaled as u32)
}

/// The `value<kind>` of an extension as `T`.
pub(super) fn ext_value<T: serde::de::DeserializeOwned>(e: &Extension, kind: &str) -> Option<T> {
    e.value(kind)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// The element path of extension `i` with `url`.
pub(super) fn ext_path(i: usize, url: &str, value: &str) -> String {
    format!("extension[{i}]('{url}').{value}")
}

impl<'a> Reader<'a> {
    /// The entry's id, or a problem.
    pub(super) fn id(&mut self, entry: &Entry, what: &str) -> Option<String> {
        match entry.id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => Some(id.to_string()),
            _ => {
                self.problems
                    .at(entry, "id", format!("missing: the id is the {what}'s id"));
                None
            }
        }
    }

    /// The entry `reference` points to, of one of `kinds`; a problem otherwise.
    pub(super) fn target(
        &mut self,
        entry: &Entry,
        element: &str,
        reference: &Reference,
        kinds: &[&str],
    ) -> Option<&'a Entry> {
        let want = kinds.join(" or ");
        let Some(text) = reference.reference.as_deref() else {
            self.problems.at(
                entry,
                element,
                format!("no reference: name a {want} of the bundle"),
            );
            return None;
        };
        let index = self.index;
        match index.resolve(text) {
            Some(target) if kinds.contains(&target.resource_type.as_str()) => Some(target),
            Some(target) => {
                let kind = target.resource_type.clone();
                self.problems.at(
                    entry,
                    element,
                    format!("'{text}' is a {kind}: name a {want}"),
                );
                None
            }
            None => {
                self.problems.at(
                    entry,
                    element,
                    format!("'{text}' is not in the bundle: include the {want}"),
                );
                None
            }
        }
    }
}
