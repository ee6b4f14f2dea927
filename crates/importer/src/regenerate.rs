//! `sync`'s templates: `aks-engine upgrade` saves only `apimodel.json` (with the new
//! `orchestratorVersion`) and re-deploys templates it generated in memory, so after an upgrade
//! the output directory's `azuredeploy.json` describes the old version. When the model is newer
//! than the template, or their versions differ, `aks-engine generate` writes the templates into a
//! temporary directory and they are read from there; the user's directory keeps its files.
//!
//! [`staleness`] decides (pure); [`generate`] runs aks-engine (the edge).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use aks_engine::OutputDir;
use serde_json::Value;

/// Why the output directory's templates are not those of its `apimodel.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// `apimodel.json` was written after `azuredeploy.json`.
    ApiModelNewer,
    /// `orchestratorVersion` and the template's `orchestratorNameVersionTag` differ.
    VersionDiffers {
        /// The model's `orchestratorVersion`.
        api_model: String,
        /// The template's `orchestratorNameVersionTag` (`Kubernetes:1.16.4`).
        template: String,
    },
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::ApiModelNewer => f.write_str("apimodel.json is newer than azuredeploy.json"),
            Stale::VersionDiffers {
                api_model,
                template,
            } => write!(
                f,
                "apimodel.json's orchestratorVersion {api_model} differs from azuredeploy.json's \
                 orchestratorNameVersionTag {template}"
            ),
        }
    }
}

/// What [`staleness`] looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFacts {
    /// When `apimodel.json` was last written.
    pub api_model_modified: Option<SystemTime>,
    /// When `azuredeploy.json` was last written.
    pub template_modified: Option<SystemTime>,
    /// `properties.orchestratorProfile.orchestratorVersion`.
    pub orchestrator_version: Option<String>,
    /// `variables.orchestratorNameVersionTag`.
    pub version_tag: Option<String>,
}

/// Whether the templates must be generated again, and why (`None`: they are the model's).
/// The version is compared first: it is the reason that matters after an upgrade.
pub fn staleness(facts: &TemplateFacts) -> Option<Stale> {
    if let (Some(version), Some(tag)) = (&facts.orchestrator_version, &facts.version_tag) {
        let tag_version = tag.rsplit(':').next().unwrap_or(tag);
        if tag_version != version {
            return Some(Stale::VersionDiffers {
                api_model: version.clone(),
                template: tag.clone(),
            });
        }
    }
    match (facts.api_model_modified, facts.template_modified) {
        (Some(model), Some(template)) if model > template => Some(Stale::ApiModelNewer),
        _ => None,
    }
}

/// The facts about `dir` (a loaded output directory: both files exist and parse).
pub fn facts(dir: &OutputDir) -> TemplateFacts {
    let modified = |name: &str| {
        std::fs::metadata(dir.path.join(name))
            .and_then(|m| m.modified())
            .ok()
    };
    let version_tag = std::fs::read(dir.path.join(aks_engine::output_dir::TEMPLATE))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|t| {
            t.pointer("/variables/orchestratorNameVersionTag")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    TemplateFacts {
        api_model_modified: modified(aks_engine::output_dir::API_MODEL),
        template_modified: modified(aks_engine::output_dir::TEMPLATE),
        orchestrator_version: dir
            .api_model
            .properties
            .orchestrator_profile
            .as_ref()
            .and_then(|p| p.orchestrator_version.clone()),
        version_tag,
    }
}

/// `aks-engine generate` could not give the templates.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// No temporary directory.
    #[error("creating a temporary directory for aks-engine generate")]
    TempDir(#[source] std::io::Error),
    /// aks-engine could not be started.
    #[error("running {}", binary.display())]
    Spawn {
        /// The binary.
        binary: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// aks-engine failed.
    #[error("`{} generate --api-model {}` failed ({status}): {stderr}", binary.display(), api_model.display())]
    Failed {
        /// The binary.
        binary: PathBuf,
        /// The model.
        api_model: PathBuf,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// The end of its stderr.
        stderr: String,
    },
    /// What it wrote is not an output directory.
    #[error("reading what aks-engine generate wrote")]
    Load(#[source] aks_engine::LoadError),
}

/// Templates generated from a model, in a temporary directory removed on drop.
#[derive(Debug)]
pub struct Generated {
    /// The generated templates, with the user's directory as their `path` and kubeconfig: the
    /// files the tool keeps there (the saved Resource SKUs catalog, prices and eviction rates)
    /// are read there, so the groups are computed as `import` computes them, sizes included.
    pub dir: OutputDir,
    /// Keeps the directory until the templates are no longer needed.
    pub temp: tempfile::TempDir,
}

/// Runs `binary generate --api-model <dir>/apimodel.json --output-directory <temp>` and loads
/// what it wrote (see [`Generated::dir`]). The user's directory is only read here.
pub fn generate(binary: &Path, user_dir: &OutputDir) -> Result<Generated, GenerateError> {
    let dir = user_dir.path.as_path();
    let temp = tempfile::Builder::new()
        .prefix("spotinst-aks-engine-generate-")
        .tempdir()
        .map_err(GenerateError::TempDir)?;
    let out = temp.path().join("output");
    let api_model = dir.join(aks_engine::output_dir::API_MODEL);
    let output = std::process::Command::new(binary)
        .arg("generate")
        .arg("--api-model")
        .arg(&api_model)
        .arg("--output-directory")
        .arg(&out)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| GenerateError::Spawn {
            binary: binary.to_owned(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(GenerateError::Failed {
            binary: binary.to_owned(),
            api_model,
            status: output.status,
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    let mut generated = OutputDir::load(&out).map_err(GenerateError::Load)?;
    generated.path = dir.to_owned();
    generated.kubeconfig = user_dir.kubeconfig.clone();
    Ok(Generated {
        dir: generated,
        temp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn facts(model_secs: u64, template_secs: u64, version: &str, tag: &str) -> TemplateFacts {
        let t = |s| Some(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        TemplateFacts {
            api_model_modified: t(model_secs),
            template_modified: t(template_secs),
            orchestrator_version: Some(version.into()),
            version_tag: Some(tag.into()),
        }
    }

    #[test]
    fn the_same_version_and_an_older_model_is_fresh() {
        assert_eq!(
            staleness(&facts(10, 10, "1.16.4", "Kubernetes:1.16.4")),
            None
        );
        assert_eq!(
            staleness(&facts(9, 10, "1.16.4", "Kubernetes:1.16.4")),
            None
        );
    }

    #[test]
    fn a_newer_model_or_another_version_is_stale() {
        assert_eq!(
            staleness(&facts(11, 10, "1.16.4", "Kubernetes:1.16.4")),
            Some(Stale::ApiModelNewer)
        );
        let s = staleness(&facts(9, 10, "1.17.1", "Kubernetes:1.16.4")).unwrap();
        assert_eq!(
            s,
            Stale::VersionDiffers {
                api_model: "1.17.1".into(),
                template: "Kubernetes:1.16.4".into()
            }
        );
        assert!(s.to_string().contains("1.17.1") && s.to_string().contains("Kubernetes:1.16.4"));
    }

    #[test]
    fn missing_facts_decide_nothing_on_their_own() {
        let none = TemplateFacts {
            api_model_modified: None,
            template_modified: None,
            orchestrator_version: None,
            version_tag: None,
        };
        assert_eq!(staleness(&none), None);
        let mut only_times = none.clone();
        only_times.api_model_modified = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(2));
        only_times.template_modified = Some(SystemTime::UNIX_EPOCH);
        assert_eq!(staleness(&only_times), Some(Stale::ApiModelNewer));
    }
}
