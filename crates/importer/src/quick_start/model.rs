//! The aks-engine API model the quick start deploys: ours (embedded) or the user's `--api-model`,
//! checked against the seed's requirements before anything is deployed.

use std::path::Path;

use aks_engine::ApiModel;

use super::QuickStartError;

/// One master, one scale-set pool of Standard_D2_v2, Standard load balancer, Azure CNI, managed
/// disks: what the seed's quick start deploys. `dnsPrefix` and the SSH key are left empty:
/// aks-engine fills them from `--dns-prefix` and a key it generates.
pub const DEFAULT_MODEL: &str = include_str!("default-model.json");

/// The model text to deploy and its parsed form, checked.
pub fn load(api_model: Option<&Path>) -> Result<(String, ApiModel), QuickStartError> {
    let (text, origin) = match api_model {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|source| QuickStartError::ReadApiModel {
                path: p.to_owned(),
                source,
            })?,
            p.display().to_string(),
        ),
        None => (
            DEFAULT_MODEL.to_string(),
            "the built-in API model".to_string(),
        ),
    };
    let model = aks_engine::parse_api_model(Path::new(&origin), text.as_bytes())
        .map_err(QuickStartError::NotAnApiModel)?;
    aks_engine::requirements::check_without_overrides(&model)
        .map_err(|source| QuickStartError::Requirements { origin, source })?;
    Ok((text, model))
}

/// The model text to give aks-engine with `--dns-prefix`: aks-engine refuses a model that sets
/// `masterProfile.dnsPrefix` too, so a matching one is blanked and a different one refused.
pub fn for_dns_prefix(
    text: &str,
    model: &ApiModel,
    dns_prefix: &str,
) -> Result<String, QuickStartError> {
    match model.dns_prefix() {
        None => Ok(text.to_string()),
        Some(p) if p != dns_prefix => Err(QuickStartError::DnsPrefixInModel {
            in_model: p.to_owned(),
            given: dns_prefix.to_owned(),
        }),
        Some(_) => {
            let mut v: serde_json::Value =
                serde_json::from_str(text).map_err(QuickStartError::ApiModelJson)?;
            if let Some(p) = v.pointer_mut("/properties/masterProfile/dnsPrefix") {
                *p = serde_json::Value::String(String::new());
            }
            serde_json::to_string_pretty(&v).map_err(QuickStartError::ApiModelJson)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_model_meets_the_requirements() {
        let (_, model) = load(None).unwrap();
        assert_eq!(model.properties.agent_pool_profiles.len(), 1);
        assert!(model.properties.agent_pool_profiles[0].is_scale_set());
    }

    #[test]
    fn a_user_model_with_kubenet_is_refused_before_deploying() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        std::fs::write(&p, DEFAULT_MODEL.replace("\"azure\"", "\"kubenet\"")).unwrap();
        let err = crate::error_chain(&load(Some(&p)).unwrap_err());
        assert!(
            err.contains("does not meet Spot's requirements") && err.contains("kubenet"),
            "{err}"
        );
    }

    #[test]
    fn dns_prefix_in_the_model_is_blanked_when_equal_and_refused_when_different() {
        let text = DEFAULT_MODEL.replace("\"dnsPrefix\": \"\"", "\"dnsPrefix\": \"mine\"");
        let model: ApiModel = serde_json::from_str(&text).unwrap();
        let given = for_dns_prefix(&text, &model, "mine").unwrap();
        let v: serde_json::Value = serde_json::from_str(&given).unwrap();
        assert_eq!(v["properties"]["masterProfile"]["dnsPrefix"], "");
        let err = for_dns_prefix(&text, &model, "other")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`mine`") && err.contains("`other`"), "{err}");
        let (builtin, parsed) = load(None).unwrap();
        assert_eq!(for_dns_prefix(&builtin, &parsed, "x").unwrap(), builtin);
    }
}
