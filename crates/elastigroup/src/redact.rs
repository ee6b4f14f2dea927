//! A printable copy of a group body: secret values replaced by a marker giving their size.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// Field names whose values are secret wherever they appear in a group body: the bootstrap
/// scripts (customData carries cluster certificates and keys), extension protected settings
/// (the node bootstrap command), passwords and third-party credentials (v2 `rancher`).
const SECRET_KEYS: &[&str] = &[
    "customData",
    "userData",
    "shutdownScript",
    "protectedSettings",
    "password",
    "adminPassword",
    "secretKey",
    "accessKey",
    "token",
    "clientSecret",
    "privateKey",
];

/// Whether a field of this name holds a secret (case-insensitive).
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// `<redacted: N bytes; pass --show-secrets to show>` for `value`.
pub(crate) fn marker(value: &Value) -> Value {
    Value::String(marker_text(value))
}

fn marker_text(value: &Value) -> String {
    let len = match value {
        Value::String(s) => s.len(),
        other => json_len(other),
    };
    format!("<redacted: {len} bytes; pass --show-secrets to show>")
}

/// The length of `value`'s compact JSON text, counted without building it.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail, and a `Value` always serializes.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Serializes the value as [`redact_secrets`] would return it, without building the copy
/// (printing a plan's bodies copied every customData only to drop it).
#[derive(Debug, Clone, Copy)]
pub struct Redacted<'a>(pub &'a Value);

impl Serialize for Redacted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let mut map = serializer.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    if is_secret_key(k) && !v.is_null() {
                        map.serialize_entry(k, &marker_text(v))?;
                    } else {
                        map.serialize_entry(k, &Redacted(v))?;
                    }
                }
                map.end()
            }
            Value::Array(a) => {
                let mut seq = serializer.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(&Redacted(v))?;
                }
                seq.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Returns a copy of `body` where every secret field (see [`is_secret_key`]) at any depth is
/// replaced by `<redacted: N bytes; pass --show-secrets to show>`, N being the length of the
/// original string (or of the JSON text of a non-string value). `null` values stay `null`.
pub fn redact_secrets(body: &Value) -> Value {
    // One redaction rule: the copy is what [`Redacted`] serializes.
    serde_json::to_value(Redacted(body)).expect("a JSON value always converts to a JSON value")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_every_secret_field_and_keeps_the_rest() {
        let body = json!({"group": {"name": "g", "compute": {"launchSpecification": {
            "customData": "Q0xPVUQ=",
            "userData": null,
            "shutdownScript": "c2g=",
            "login": {"userName": "azureuser", "password": "hunter2!"},
            "extensions": [
                {"name": "vmssCSE", "protectedSettings": {"commandToExecute": "secret cmd"}},
                {"name": "billing", "publicSettings": {"a": 1}}
            ]
        }}}});
        let red = redact_secrets(&body);
        let ls = &red["group"]["compute"]["launchSpecification"];
        assert_eq!(
            ls["customData"],
            "<redacted: 8 bytes; pass --show-secrets to show>"
        );
        assert_eq!(
            ls["shutdownScript"],
            "<redacted: 4 bytes; pass --show-secrets to show>"
        );
        assert!(ls["userData"].is_null());
        assert_eq!(ls["login"]["userName"], "azureuser");
        assert_eq!(
            ls["login"]["password"],
            "<redacted: 8 bytes; pass --show-secrets to show>"
        );
        let cmd_len = json!({"commandToExecute": "secret cmd"}).to_string().len();
        assert_eq!(
            ls["extensions"][0]["protectedSettings"],
            format!("<redacted: {cmd_len} bytes; pass --show-secrets to show>")
        );
        assert_eq!(ls["extensions"][1]["publicSettings"], json!({"a": 1}));
        let text = red.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("secret cmd") && !text.contains("Q0xPVUQ=")
        );
        // The original is untouched.
        assert_eq!(
            body["group"]["compute"]["launchSpecification"]["login"]["password"],
            "hunter2!"
        );
    }

    #[test]
    fn serializing_redacted_prints_what_redact_secrets_returns() {
        let body = json!({"group": {"name": "g", "empty": {}, "list": [], "compute": {
            "launchSpecification": {
                "customData": "Q0xPVUQ=",
                "userData": null,
                "login": {"userName": "azureuser", "Password": "hunter2!"},
                "extensions": [{"protectedSettings": {"commandToExecute": "secret cmd"}}, 1.5, true]
            }
        }}});
        let expected = serde_json::to_string_pretty(&redact_secrets(&body)).unwrap();
        let printed = serde_json::to_string_pretty(&Redacted(&body)).unwrap();
        assert_eq!(printed, expected);
        assert!(!printed.contains("hunter2") && !printed.contains("Q0xPVUQ="));
        assert_eq!(
            serde_json::to_string(&Redacted(&body)).unwrap(),
            redact_secrets(&body).to_string()
        );
    }

    #[test]
    fn counts_json_text_length_without_building_it() {
        for v in [
            json!({"commandToExecute": "a \"quoted\" \\ cmd\n", "n": [1, 2.5, null, true]}),
            json!([]),
            json!("é"),
        ] {
            assert_eq!(json_len(&v), v.to_string().len(), "{v}");
        }
    }

    #[test]
    fn secret_key_names_are_case_insensitive() {
        assert!(is_secret_key("customdata"));
        assert!(is_secret_key("ProtectedSettings"));
        assert!(!is_secret_key("userName"));
        assert!(!is_secret_key("protectedSettingsFromKeyVault"));
    }
}
