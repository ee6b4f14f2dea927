//! How the cutover's own files (`spot-cutover.json`, `spot-roll.json`) are read and written:
//! JSON with a format version, a missing file meaning nothing started, written atomically.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StateFileError;

/// The format version both files carry.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The file at `path` parsed as `D`, after its `version` is checked; `None` when it does not
/// exist.
pub(crate) fn read<D: DeserializeOwned>(path: &Path) -> Result<Option<D>, StateFileError> {
    #[derive(serde::Deserialize)]
    struct Version {
        version: u32,
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Version { version } = serde_json::from_str(&text)?;
    if version != FORMAT_VERSION {
        return Err(StateFileError::Version(version));
    }
    Ok(Some(serde_json::from_str(&text)?))
}

/// Writes `disk` to `path` as pretty JSON, atomically (mode 0600, fsync, rename).
pub(crate) fn write<D: Serialize>(path: &Path, disk: &D) -> Result<(), StateFileError> {
    let mut text = serde_json::to_string_pretty(disk)?;
    text.push('\n');
    Ok(group_sync::write_atomic(path, text.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Disk {
        version: u32,
        items: Vec<String>,
    }

    #[test]
    fn missing_is_none_and_a_written_file_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        assert_eq!(read::<Disk>(&path).unwrap(), None);
        let disk = Disk {
            version: FORMAT_VERSION,
            items: vec!["a".into()],
        };
        write(&path, &disk).unwrap();
        assert_eq!(read::<Disk>(&path).unwrap(), Some(disk));
    }

    #[test]
    fn another_version_and_corrupt_text_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, r#"{"version": 2, "items": []}"#).unwrap();
        assert!(matches!(
            read::<Disk>(&path),
            Err(StateFileError::Version(2))
        ));
        std::fs::write(&path, r#"{"version": 1, "items": ["#).unwrap();
        assert!(matches!(
            read::<Disk>(&path),
            Err(StateFileError::Corrupt(_))
        ));
    }
}
