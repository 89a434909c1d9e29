//! The FHIR data types the mapping reads (R4, and STU3 where they are the same):
//! `Reference`, `Coding`, `CodeableConcept`, `Period`, `Quantity` and `Extension`.
//!
//! Each keeps the elements it does not name in `other`, so that a resource read and
//! written back is the resource read (the round trip of tests/fhir.rs).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// Elements a type does not name, kept as they came.
pub type Other = Map<String, Value>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(flatten)]
    pub other: Other,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(flatten)]
    pub other: Other,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(flatten)]
    pub other: Other,
}

impl CodeableConcept {
    /// The code of the first coding of `system`, or of the first coding when `system`
    /// is `None`.
    pub fn code(&self, system: Option<&str>) -> Option<&str> {
        self.coding
            .iter()
            .find(|c| system.is_none() || c.system.as_deref() == system)
            .and_then(|c| c.code.as_deref())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Period {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(flatten)]
    pub other: Other,
}

/// A `Quantity` (and so a `Duration`); the value keeps its JSON spelling.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(flatten)]
    pub other: Other,
}

/// An extension: its url, nested extensions, and its `value[x]` among `value`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(flatten)]
    pub value: Other,
}

impl Extension {
    /// The `value<kind>` element, e.g. `kind = "Code"` for `valueCode`.
    pub fn value(&self, kind: &str) -> Option<&Value> {
        self.value.get(&format!("value{kind}"))
    }

    /// `valueCode` (or `valueString`) as text.
    pub fn text(&self) -> Option<&str> {
        self.value("Code")
            .or_else(|| self.value("String"))
            .and_then(Value::as_str)
    }
}

/// The extensions of `list` with `url`, each with its index in `list`.
pub fn extensions<'a>(
    list: &'a [Extension],
    url: &'a str,
) -> impl Iterator<Item = (usize, &'a Extension)> + 'a {
    list.iter().enumerate().filter(move |(_, e)| e.url == url)
}
