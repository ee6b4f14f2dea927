//! VM extensions (aks-engine's node bootstrap command among them):
//! `extensionProfile.extensions` → `launchSpecification.extensions`. v3 carries public settings
//! and `enableAutomaticUpgrade`; v2 carries neither (warnings). Ordering
//! (`provisionAfterExtensions`) exists in neither.

use serde_json::{Map, Value, json};

use super::json_cursor::Cursor;
use super::{MappingErrorKind, MappingWarning};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Extension {
    pub name: String,
    pub publisher: String,
    pub type_: String,
    pub type_handler_version: String,
    pub auto_upgrade_minor_version: bool,
    pub enable_automatic_upgrade: Option<bool>,
    /// `settings`, `None` when absent or `{}`.
    pub settings: Option<Value>,
    pub protected_settings: Option<Value>,
    pub path: String,
}

/// Reads the extension list (absent = none).
pub(crate) fn extract(
    list: &Cursor,
    w: &mut Vec<MappingWarning>,
) -> Result<Vec<Extension>, MappingErrorKind> {
    let mut out = Vec::new();
    for e in list.items()? {
        let p = e.key("properties");
        if !p.key("provisionAfterExtensions").items()?.is_empty() {
            w.push(MappingWarning::new(
                p.key("provisionAfterExtensions").path(),
                "extension ordering (provisionAfterExtensions) cannot be expressed",
            ));
        }
        let settings = p
            .key("settings")
            .value()
            .filter(|v| !matches!(v, Value::Object(m) if m.is_empty()))
            .cloned();
        out.push(Extension {
            name: e.key("name").req_str("the extension name")?.to_owned(),
            publisher: p
                .key("publisher")
                .req_str("the extension publisher")?
                .to_owned(),
            type_: p.key("type").req_str("the extension type")?.to_owned(),
            type_handler_version: p
                .key("typeHandlerVersion")
                .req_str("the extension typeHandlerVersion")?
                .to_owned(),
            auto_upgrade_minor_version: p.key("autoUpgradeMinorVersion").bool()?.unwrap_or(false),
            enable_automatic_upgrade: p.key("enableAutomaticUpgrade").bool()?,
            settings,
            protected_settings: p.key("protectedSettings").value().cloned(),
            path: e.path().to_owned(),
        });
    }
    Ok(out)
}

/// v3 `extensions` (`None` when there are none).
pub(crate) fn render_v3(extensions: &[Extension]) -> Option<Value> {
    if extensions.is_empty() {
        return None;
    }
    let list = extensions
        .iter()
        .map(|e| {
            let mut m = Map::new();
            m.insert("name".into(), json!(e.name));
            m.insert("publisher".into(), json!(e.publisher));
            m.insert("type".into(), json!(e.type_));
            m.insert("apiVersion".into(), json!(e.type_handler_version));
            m.insert(
                "minorVersionAutoUpgrade".into(),
                json!(e.auto_upgrade_minor_version),
            );
            if let Some(auto) = e.enable_automatic_upgrade {
                m.insert("enableAutomaticUpgrade".into(), json!(auto));
            }
            if let Some(s) = &e.settings {
                m.insert("publicSettings".into(), s.clone());
            }
            if let Some(p) = &e.protected_settings {
                m.insert("protectedSettings".into(), p.clone());
            }
            Value::Object(m)
        })
        .collect();
    Some(Value::Array(list))
}

/// v2 `extensions` (`None` when there are none), with a warning for each public setting and
/// automatic-upgrade flag dropped.
pub(crate) fn render_v2(extensions: &[Extension], w: &mut Vec<MappingWarning>) -> Option<Value> {
    if extensions.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for e in extensions {
        let mut m = Map::new();
        m.insert("name".into(), json!(e.name));
        m.insert("publisher".into(), json!(e.publisher));
        m.insert("type".into(), json!(e.type_));
        m.insert("typeHandlerVersion".into(), json!(e.type_handler_version));
        m.insert(
            "autoUpgradeMinorVersion".into(),
            json!(e.auto_upgrade_minor_version),
        );
        if let Some(p) = &e.protected_settings {
            m.insert("protectedSettings".into(), p.clone());
        }
        if e.settings.is_some() {
            w.push(MappingWarning::new(
                format!("{}.properties.settings", e.path),
                format!(
                    "v2 extensions have no public settings: the settings of {} are dropped",
                    e.name
                ),
            ));
        }
        if e.enable_automatic_upgrade.is_some() {
            w.push(MappingWarning::new(
                format!("{}.properties.enableAutomaticUpgrade", e.path),
                "v2 extensions have no enableAutomaticUpgrade",
            ));
        }
        list.push(Value::Object(m));
    }
    Some(Value::Array(list))
}
