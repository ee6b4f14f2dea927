//! Which kubeconfig a command talks to the cluster through: `--kubeconfig` when given, else the
//! one aks-engine wrote into the output directory (`kubeconfig/kubeconfig.<location>.json`).
//! `status`, `cutover` and the quick start all choose here.

use std::path::{Path, PathBuf};

use aks_engine::OutputDir;

/// The kubeconfig chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenKubeconfig {
    /// Its path.
    pub path: PathBuf,
    /// Given with `--kubeconfig` (else found in the output directory).
    pub given: bool,
}

/// No kubeconfig to use.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KubeconfigChoiceError {
    /// `--kubeconfig` names no file.
    #[error("--kubeconfig {}: no such file", path.display())]
    NoSuchFile {
        /// As given.
        path: PathBuf,
    },
    /// None given, and the output directory has none.
    #[error(
        "no kubeconfig in {} (aks-engine writes kubeconfig/kubeconfig.<location>.json): pass --kubeconfig",
        dir.display()
    )]
    NoneInDirectory {
        /// The output directory.
        dir: PathBuf,
        /// Where aks-engine would have written it.
        expected: PathBuf,
    },
}

/// `flag` (`--kubeconfig`), which must be a file; else aks-engine's kubeconfig for the
/// cluster's location in `dir`, else the directory's only one.
pub fn choose(
    flag: Option<&Path>,
    dir: &OutputDir,
) -> Result<ChosenKubeconfig, KubeconfigChoiceError> {
    if let Some(path) = flag {
        return given(path);
    }
    // `OutputDir::load` found it (by the model's location, else the only file there); it may
    // have gone since.
    match dir.kubeconfig.as_ref().filter(|p| p.is_file()) {
        Some(path) => Ok(ChosenKubeconfig {
            path: path.clone(),
            given: false,
        }),
        None => Err(KubeconfigChoiceError::NoneInDirectory {
            dir: dir.path.clone(),
            expected: expected_path(dir),
        }),
    }
}

/// `--kubeconfig`, which must be a file (also when the output directory cannot be read).
pub fn given(path: &Path) -> Result<ChosenKubeconfig, KubeconfigChoiceError> {
    if !path.is_file() {
        return Err(KubeconfigChoiceError::NoSuchFile {
            path: path.to_owned(),
        });
    }
    Ok(ChosenKubeconfig {
        path: path.to_owned(),
        given: true,
    })
}

/// Where aks-engine writes the kubeconfig of `dir`'s cluster (`<location>` when the model has
/// none).
pub fn expected_path(dir: &OutputDir) -> PathBuf {
    let location = dir
        .api_model
        .location
        .as_deref()
        .filter(|l| !l.is_empty())
        .map_or_else(
            || "<location>".to_owned(),
            |l| l.to_ascii_lowercase().replace(' ', ""),
        );
    spot_controller::aks_engine_kubeconfig_path(&dir.path, &location)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> (tempfile::TempDir, OutputDir) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-cluster");
        let tmp = tempfile::tempdir().unwrap();
        for entry in [
            "apimodel.json",
            "azuredeploy.json",
            "azuredeploy.parameters.json",
        ] {
            std::fs::copy(src.join(entry), tmp.path().join(entry)).unwrap();
        }
        std::fs::create_dir(tmp.path().join("kubeconfig")).unwrap();
        std::fs::copy(
            src.join("kubeconfig/kubeconfig.westeurope.json"),
            tmp.path().join("kubeconfig/kubeconfig.westeurope.json"),
        )
        .unwrap();
        let dir = OutputDir::load(tmp.path()).unwrap();
        (tmp, dir)
    }

    #[test]
    fn the_flag_first_then_the_directorys_kubeconfig_for_its_location() {
        let (tmp, dir) = example();
        let found = choose(None, &dir).unwrap();
        assert!(!found.given);
        assert!(
            found
                .path
                .ends_with("kubeconfig/kubeconfig.westeurope.json"),
            "{found:?}"
        );

        let given = tmp.path().join("mine.yaml");
        std::fs::write(&given, "apiVersion: v1").unwrap();
        let chosen = choose(Some(&given), &dir).unwrap();
        assert_eq!((chosen.path, chosen.given), (given, true));

        let missing = tmp.path().join("nope.yaml");
        let err = choose(Some(&missing), &dir).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("--kubeconfig {}: no such file", missing.display())
        );
    }

    #[test]
    fn without_one_the_error_names_where_aks_engine_writes_it() {
        let (tmp, dir) = example();
        std::fs::remove_file(tmp.path().join("kubeconfig/kubeconfig.westeurope.json")).unwrap();
        let err = choose(None, &dir).unwrap_err();
        assert!(matches!(
            &err,
            KubeconfigChoiceError::NoneInDirectory { expected, .. }
                if expected.ends_with("kubeconfig/kubeconfig.westeurope.json")
        ));
        assert!(err.to_string().ends_with(": pass --kubeconfig"), "{err}");
    }
}
