//! A bundle's entries indexed for reference resolution, and the collector of its
//! problems.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{FhirError, FhirProblem};

/// One entry: where it is, and its resource as JSON.
#[derive(Clone, Debug)]
pub struct Entry {
    pub index: usize,
    pub full_url: String,
    pub resource_type: String,
    pub id: Option<String>,
    pub resource: Value,
}

/// The entries, and every key a reference may use for each: its `fullUrl` and
/// `Type/id`.
#[derive(Clone, Debug, Default)]
pub struct BundleIndex {
    pub entries: Vec<Entry>,
    by_key: BTreeMap<String, usize>,
}

/// The problems found so far.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FhirProblem>);

impl Problems {
    /// A problem of `element` (relative to the resource: `performer[0]`) of `entry`.
    pub fn at(&mut self, entry: &Entry, element: &str, message: impl Into<String>) {
        let element = if element.is_empty() {
            entry.resource_type.clone()
        } else {
            format!("{}.{element}", entry.resource_type)
        };
        self.0.push(FhirProblem {
            entry: Some(entry.index),
            full_url: entry.full_url.clone(),
            element,
            message: message.into(),
        });
    }

    /// A problem of the bundle itself.
    pub fn bundle(&mut self, element: &str, message: impl Into<String>) {
        self.0.push(FhirProblem {
            entry: None,
            full_url: String::new(),
            element: element.to_string(),
            message: message.into(),
        });
    }

    /// `Ok(value)` when nothing was found, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, FhirError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(FhirError::Problems(self.0))
        }
    }
}

/// `Type/id` from a relative or absolute reference (`…/fhir/Slot/7/_history/2`).
fn type_and_id(reference: &str) -> Option<String> {
    let path = reference.split(['?', '#']).next().unwrap_or(reference);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let parts = match parts.iter().position(|p| *p == "_history") {
        Some(h) => &parts[..h],
        None => &parts[..],
    };
    match parts {
        [.., kind, id] if kind.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {
            Some(format!("{kind}/{id}"))
        }
        _ => None,
    }
}

impl BundleIndex {
    /// Parses a Bundle. Entries without a resource or a `resourceType` are problems;
    /// the rest are indexed whatever their type.
    pub fn parse(text: &str, problems: &mut Problems) -> Result<BundleIndex, FhirError> {
        let bundle: Value = serde_json::from_str(text)?;
        let mut index = BundleIndex::default();
        if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
            problems.bundle("resourceType", "the file is not a FHIR Bundle");
            return Ok(index);
        }
        let Some(entries) = bundle.get("entry") else {
            return Ok(index);
        };
        let Some(entries) = entries.as_array() else {
            problems.bundle("Bundle.entry", "is not a list");
            return Ok(index);
        };
        for (i, raw) in entries.iter().enumerate() {
            let full_url = raw
                .get("fullUrl")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mut entry = Entry {
                index: i,
                full_url,
                resource_type: "Bundle.entry".into(),
                id: None,
                resource: Value::Null,
            };
            let Some(resource) = raw.get("resource").filter(|r| r.is_object()) else {
                problems.at(&entry, "resource", "the entry has no resource");
                continue;
            };
            let Some(kind) = resource.get("resourceType").and_then(Value::as_str) else {
                problems.at(&entry, "resource.resourceType", "missing");
                continue;
            };
            entry.resource_type = kind.to_string();
            entry.id = resource
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_string);
            entry.resource = resource.clone();
            if !entry.full_url.is_empty() {
                index.by_key.insert(entry.full_url.clone(), i);
            }
            if let Some(id) = &entry.id {
                index.by_key.entry(format!("{kind}/{id}")).or_insert(i);
            }
            index.entries.push(entry);
        }
        Ok(index)
    }

    /// The entries of one resource type, in bundle order.
    pub fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.resource_type == kind)
    }

    /// The entry a reference points to, if it is in the bundle.
    pub fn resolve(&self, reference: &str) -> Option<&Entry> {
        let position = self
            .by_key
            .get(reference)
            .or_else(|| type_and_id(reference).and_then(|k| self.by_key.get(&k)))?;
        self.entries.iter().find(|e| e.index == *position)
    }

    /// The entry's resource as `T`; a problem naming the element when it does not fit.
    pub fn typed<T: DeserializeOwned>(entry: &Entry, problems: &mut Problems) -> Option<T> {
        match serde_path_to_error::deserialize(&entry.resource) {
            Ok(t) => Some(t),
            Err(e) => {
                let path = e.path().to_string();
                let path = if path == "." { String::new() } else { path };
                problems.at(entry, &path, e.into_inner().to_string());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_by_full_url_or_type_and_id() {
        let text = r#"{"resourceType":"Bundle","type":"collection","entry":[
            {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Slot","id":"S1"}},
            {"fullUrl":"https://trust.example/fhir/Location/T1","resource":{"resourceType":"Location","id":"T1"}},
            {"fullUrl":"urn:uuid:3"}
        ]}"#;
        let mut problems = Problems::default();
        let index = BundleIndex::parse(text, &mut problems).unwrap();
        assert_eq!(index.resolve("urn:uuid:1").unwrap().index, 0);
        assert_eq!(index.resolve("Slot/S1").unwrap().index, 0);
        assert_eq!(index.resolve("Location/T1").unwrap().index, 1);
        assert_eq!(
            index
                .resolve("https://other.example/fhir/Location/T1/_history/3")
                .unwrap()
                .index,
            1
        );
        assert!(index.resolve("Location/T2").is_none());
        assert_eq!(problems.0.len(), 1);
        assert_eq!(
            problems.0[0].to_string(),
            "entry[2] urn:uuid:3: Bundle.entry.resource: the entry has no resource"
        );
    }
}
