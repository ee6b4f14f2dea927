//! Parameter values supplied by the caller or read from an `azuredeploy.parameters.json`.

use std::fmt;

use indexmap::IndexMap;

use crate::error::TemplateError;

/// How one parameter was supplied.
#[derive(Clone, PartialEq)]
pub(crate) enum Supplied {
    /// A plain value.
    Value(serde_json::Value),
    /// `{"reference": {"keyVault": {"id": …}, "secretName": …}}`.
    KeyVault {
        vault_id: String,
        secret_name: String,
    },
}

/// Parameter values keyed case-insensitively (ARM parameter names ignore case).
///
/// `Debug` never prints values: parameters carry certificates, keys and passwords.
#[derive(Clone, Default, PartialEq)]
pub struct ParameterValues {
    /// lower-cased name → (name as supplied, value).
    entries: IndexMap<String, (String, Supplied)>,
}

impl fmt::Debug for ParameterValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParameterValues")
            .field(
                "names",
                &self
                    .entries
                    .values()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl ParameterValues {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Read the `parameters` object of a deployment parameters file
    /// (`{"parameters": {"name": {"value": X}}}` or `{"name": {"reference": {"keyVault": …}}}`).
    pub fn from_parameters_file(v: &serde_json::Value) -> Result<Self, TemplateError> {
        let invalid = |json_path: String, message: &str| TemplateError::Invalid {
            document: "parameters file",
            json_path,
            message: message.to_owned(),
        };
        let root = v
            .as_object()
            .ok_or_else(|| invalid(String::new(), "the document is not a JSON object"))?;
        let mut out = ParameterValues::new();
        let Some(params) = root.get("parameters") else {
            return Ok(out);
        };
        let params = params
            .as_object()
            .ok_or_else(|| invalid("parameters".into(), "expected an object"))?;
        for (name, entry) in params {
            let path = format!("parameters.{name}");
            let entry = entry.as_object().ok_or_else(|| {
                invalid(
                    path.clone(),
                    "expected an object with 'value' or 'reference'",
                )
            })?;
            if let Some(value) = entry.get("value") {
                out.insert(name, value.clone());
            } else if let Some(reference) = entry.get("reference") {
                let vault_id = reference
                    .pointer("/keyVault/id")
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| invalid(format!("{path}.reference"), "expected keyVault.id"))?;
                let secret_name = reference
                    .get("secretName")
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| invalid(format!("{path}.reference"), "expected secretName"))?;
                out.entries.insert(
                    name.to_lowercase(),
                    (
                        name.clone(),
                        Supplied::KeyVault {
                            vault_id: vault_id.into(),
                            secret_name: secret_name.into(),
                        },
                    ),
                );
            } else {
                return Err(invalid(path, "expected 'value' or 'reference'"));
            }
        }
        Ok(out)
    }

    /// Set (or replace, ignoring case) one value.
    pub fn insert(&mut self, name: &str, value: serde_json::Value) {
        self.entries.insert(
            name.to_lowercase(),
            (name.to_owned(), Supplied::Value(value)),
        );
    }

    /// The supplied value, if it is a plain value (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        match self.entries.get(&name.to_lowercase()) {
            Some((_, Supplied::Value(v))) => Some(v),
            _ => None,
        }
    }

    /// Supplied names, as spelled by the supplier.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.values().map(|(n, _)| n.as_str())
    }

    /// Number of supplied parameters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none are supplied.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn supplied(&self, name_lower: &str) -> Option<&(String, Supplied)> {
        self.entries.get(name_lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_values_case_insensitively_and_hides_them_in_debug() {
        let p = ParameterValues::from_parameters_file(&json!({
            "parameters": {"gchighthreshold": {"value": 85}, "secret": {"value": "hunter2"}}
        }))
        .unwrap();
        assert_eq!(p.get("gcHighThreshold"), Some(&json!(85)));
        assert_eq!(p.len(), 2);
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn reads_key_vault_references() {
        let p = ParameterValues::from_parameters_file(&json!({"parameters": {"pw": {"reference": {
            "keyVault": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v"},
            "secretName": "s1"}}}}))
        .unwrap();
        assert!(p.get("pw").is_none());
        assert!(
            matches!(p.supplied("pw"), Some((_, Supplied::KeyVault { secret_name, .. })) if secret_name == "s1")
        );
    }

    #[test]
    fn rejects_entries_without_value() {
        let err = ParameterValues::from_parameters_file(&json!({"parameters": {"x": {"nope": 1}}}))
            .unwrap_err();
        assert!(err.to_string().contains("parameters.x"), "{err}");
    }
}
