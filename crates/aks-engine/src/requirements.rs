//! The seed's cluster requirements: a Standard load balancer, the azure network plugin, and
//! scale-set agent pools. Checked before anything else happens.

use crate::{ApiModel, RequirementError};

/// Explicit user overrides of the cluster-wide checks (pool checks cannot be overridden: an
/// availability-set pool has no scale set to copy).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequirementOverrides {
    /// Import even when `loadBalancerSku` is not Standard.
    pub allow_basic_load_balancer: bool,
    /// Import even when `networkPlugin` is not azure.
    pub allow_kubenet: bool,
}

/// Selects the pools to import (all when `requested` is empty) and checks the requirements.
/// Returns the selected pool names in model order. Every unmet requirement is reported at once
/// ([`RequirementError::Several`] when there is more than one); a setting's message names the
/// `--allow-...` flag that imports anyway.
pub fn check(
    model: &ApiModel,
    requested: &[String],
    overrides: RequirementOverrides,
) -> Result<Vec<String>, RequirementError> {
    check_all(model, requested, Some(overrides))
}

/// [`check`] for a command that offers no overrides (`create-simple` deploys the model it
/// checks): every requirement applies, and no message suggests a flag.
pub fn check_without_overrides(model: &ApiModel) -> Result<Vec<String>, RequirementError> {
    check_all(model, &[], None)
}

fn check_all(
    model: &ApiModel,
    requested: &[String],
    overrides: Option<RequirementOverrides>,
) -> Result<Vec<String>, RequirementError> {
    let offered = overrides.is_some();
    let overrides = overrides.unwrap_or_default();
    let mut problems = Vec::new();
    let kc = model.kubernetes_config();
    // aks-engine's default load balancer SKU in v0.46.3 is Basic; its default network plugin is kubenet.
    let sku = kc
        .and_then(|k| k.load_balancer_sku.as_deref())
        .unwrap_or("");
    if !sku.eq_ignore_ascii_case("Standard") && !overrides.allow_basic_load_balancer {
        problems.push(RequirementError::Setting {
            setting: "orchestratorProfile.kubernetesConfig.loadBalancerSku",
            actual: display_value(sku, "Basic"),
            needed: "Standard",
            why: "Elastigroup VMs join the agent pool's Standard load balancer backend pool; the Basic SKU cannot span a scale set and standalone VMs",
            override_flag: offered.then_some("--allow-basic-load-balancer"),
        });
    }
    let plugin = kc.and_then(|k| k.network_plugin.as_deref()).unwrap_or("");
    if !plugin.eq_ignore_ascii_case("azure") && !overrides.allow_kubenet {
        problems.push(RequirementError::Setting {
            setting: "orchestratorProfile.kubernetesConfig.networkPlugin",
            actual: display_value(plugin, "kubenet"),
            needed: "azure",
            why: "with kubenet, pod routes live in a route table aks-engine manages per node, which Elastigroup VMs are not part of; Azure CNI gives each node its pod IPs on the subnet",
            override_flag: offered.then_some("--allow-kubenet"),
        });
    }

    let pools = &model.properties.agent_pool_profiles;
    let mut selected: Vec<&crate::AgentPoolProfile> = Vec::new();
    if pools.is_empty() {
        problems.push(RequirementError::NoPools);
    } else if requested.is_empty() {
        selected.extend(pools.iter());
    } else {
        for name in requested {
            match model.pool(name) {
                None => problems.push(RequirementError::UnknownPool {
                    pool: name.clone(),
                    known: pools.iter().map(|p| p.name.clone()).collect(),
                }),
                Some(pool) if !selected.iter().any(|p| p.name == pool.name) => selected.push(pool),
                Some(_) => {}
            }
        }
    }
    for pool in &selected {
        if !pool.is_scale_set() {
            problems.push(RequirementError::NotAScaleSet {
                pool: pool.name.clone(),
                profile: pool.availability_profile.clone().unwrap_or_default(),
            });
        }
    }
    match problems.len() {
        0 => Ok(selected.into_iter().map(|p| p.name.clone()).collect()),
        1 => Err(problems.remove(0)),
        _ => Err(RequirementError::Several(problems)),
    }
}

fn display_value(v: &str, default: &str) -> String {
    if v.is_empty() {
        format!("not set (aks-engine then uses {default})")
    } else {
        format!("`{v}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(sku: &str, plugin: &str, pools: &str) -> ApiModel {
        let json = format!(
            r#"{{"apiVersion":"vlabs","location":"eastus","properties":{{
              "orchestratorProfile":{{"kubernetesConfig":{{"loadBalancerSku":"{sku}","networkPlugin":"{plugin}"}}}},
              "masterProfile":{{"count":1,"dnsPrefix":"demo"}},
              "agentPoolProfiles":{pools}}}}}"#
        );
        serde_json::from_str(&json).unwrap()
    }
    const VMSS: &str = r#"[{"name":"agentpool1","availabilityProfile":"VirtualMachineScaleSets"},{"name":"pool2"}]"#;

    #[test]
    fn standard_azure_scale_sets_pass_and_select_every_pool() {
        let m = model("Standard", "azure", VMSS);
        assert_eq!(
            check(&m, &[], Default::default()).unwrap(),
            ["agentpool1", "pool2"]
        );
    }

    #[test]
    fn basic_load_balancer_is_refused_with_setting_value_and_reason() {
        let m = model("Basic", "azure", VMSS);
        let err = check(&m, &[], Default::default()).unwrap_err().to_string();
        assert!(err.contains("loadBalancerSku is `Basic`"), "{err}");
        assert!(err.contains("needs Standard"), "{err}");
        assert!(err.contains("--allow-basic-load-balancer"), "{err}");
    }

    #[test]
    fn basic_load_balancer_passes_with_override() {
        let m = model("Basic", "azure", VMSS);
        let o = RequirementOverrides {
            allow_basic_load_balancer: true,
            ..Default::default()
        };
        assert!(check(&m, &[], o).is_ok());
    }

    #[test]
    fn kubenet_is_refused_unless_overridden() {
        let m = model("Standard", "kubenet", VMSS);
        let err = check(&m, &[], Default::default()).unwrap_err().to_string();
        assert!(
            err.contains("networkPlugin is `kubenet`") && err.contains("needs azure"),
            "{err}"
        );
        let o = RequirementOverrides {
            allow_kubenet: true,
            ..Default::default()
        };
        assert!(check(&m, &[], o).is_ok());
    }

    #[test]
    fn missing_settings_name_aks_engine_defaults() {
        let m = model("", "azure", VMSS);
        let err = check(&m, &[], Default::default()).unwrap_err().to_string();
        assert!(
            err.contains("not set (aks-engine then uses Basic)"),
            "{err}"
        );
    }

    #[test]
    fn availability_set_pool_is_refused() {
        let m = model(
            "Standard",
            "azure",
            r#"[{"name":"agentpool1","availabilityProfile":"AvailabilitySet"}]"#,
        );
        let err = check(&m, &[], Default::default()).unwrap_err().to_string();
        assert!(
            err.contains("`agentpool1` has availabilityProfile AvailabilitySet"),
            "{err}"
        );
    }

    #[test]
    fn unknown_pool_lists_known_pools() {
        let m = model("Standard", "azure", VMSS);
        let err = check(&m, &["nope".into()], Default::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no agent pool named `nope` (pools: agentpool1, pool2)"),
            "{err}"
        );
    }

    #[test]
    fn requested_pools_are_selected_once_case_insensitively() {
        let m = model("Standard", "azure", VMSS);
        let got = check(&m, &["POOL2".into(), "pool2".into()], Default::default()).unwrap();
        assert_eq!(got, ["pool2"]);
    }

    #[test]
    fn every_unmet_requirement_is_reported_at_once() {
        let m = model(
            "Basic",
            "kubenet",
            r#"[{"name":"a","availabilityProfile":"AvailabilitySet"},{"name":"b"}]"#,
        );
        let err = check(&m, &["a".into(), "zz".into()], Default::default()).unwrap_err();
        let RequirementError::Several(all) = &err else {
            panic!("expected several problems, got {err}");
        };
        assert_eq!(all.len(), 4, "{err}");
        let text = err.to_string();
        for part in [
            "4 of Spot's requirements",
            "loadBalancerSku is `Basic`",
            "networkPlugin is `kubenet`",
            "no agent pool named `zz`",
            "`a` has availabilityProfile AvailabilitySet",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
    }

    #[test]
    fn without_overrides_no_flag_is_suggested() {
        let m = model("Basic", "kubenet", VMSS);
        let text = check_without_overrides(&m).unwrap_err().to_string();
        assert!(
            text.contains("loadBalancerSku") && text.contains("networkPlugin"),
            "{text}"
        );
        assert!(!text.contains("--allow"), "{text}");
    }

    #[test]
    fn no_pools_is_an_error() {
        let m = model("Standard", "azure", "[]");
        assert!(matches!(
            check(&m, &[], Default::default()),
            Err(RequirementError::NoPools)
        ));
    }
}
