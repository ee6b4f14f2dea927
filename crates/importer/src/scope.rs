//! Which Azure subscription and resource group an import is for, from flags, environment and
//! the cluster itself.

use std::path::PathBuf;

use aks_engine::OutputDir;

/// Placeholder subscription for `--dry-run` without `-s`: visible in ids, never sent.
pub const PLACEHOLDER_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// The subscription or resource group cannot be known: says which flag or variable to set.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// No `-r`, no AZURE_RESOURCE_GROUP, and no DNS prefix to default to.
    #[error(
        "no resource group: pass -r/--resource-group or set AZURE_RESOURCE_GROUP ({}: masterProfile.dnsPrefix is empty)",
        api_model.display()
    )]
    NoResourceGroup {
        /// The cluster's `apimodel.json`.
        api_model: PathBuf,
    },
    /// `-s` is not a GUID.
    #[error(
        "-s/--subscription `{value}` is not a subscription id (expected a GUID like 6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d)"
    )]
    NotASubscriptionId {
        /// The value as given.
        value: String,
    },
    /// A real import without a subscription.
    #[error(
        "no subscription: pass -s/--subscription or set AZURE_SUBSCRIPTION_ID (resource ids in the Elastigroup need it)"
    )]
    NoSubscription,
}

/// `-r`, else AZURE_RESOURCE_GROUP, else the DNS prefix (aks-engine's own default).
pub fn resource_group(
    flag: Option<&str>,
    env: Option<String>,
    dir: &OutputDir,
) -> Result<String, ScopeError> {
    if let Some(r) = flag.filter(|s| !s.is_empty()) {
        return Ok(r.to_string());
    }
    if let Some(r) = env.filter(|s| !s.is_empty()) {
        return Ok(r);
    }
    match dir.api_model.dns_prefix() {
        Some(p) => Ok(p.to_string()),
        None => Err(ScopeError::NoResourceGroup {
            api_model: dir.path.join("apimodel.json"),
        }),
    }
}

/// `-s` / AZURE_SUBSCRIPTION_ID (clap already merged them). A dry run without one uses a
/// placeholder, with a warning; a real import needs it.
pub fn subscription(value: Option<&str>, dry_run: bool) -> Result<String, ScopeError> {
    match value.filter(|s| !s.is_empty()) {
        Some(s) => {
            if !is_guid(s) {
                return Err(ScopeError::NotASubscriptionId {
                    value: s.to_owned(),
                });
            }
            Ok(s.to_ascii_lowercase())
        }
        None if dry_run => {
            tracing::warn!(
                "no subscription given (-s/--subscription or AZURE_SUBSCRIPTION_ID): resource ids use {PLACEHOLDER_SUBSCRIPTION}"
            );
            Ok(PLACEHOLDER_SUBSCRIPTION.to_string())
        }
        None => Err(ScopeError::NoSubscription),
    }
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_must_be_a_guid() {
        assert!(
            subscription(Some("nope"), true)
                .unwrap_err()
                .to_string()
                .contains("is not a subscription id")
        );
        assert_eq!(
            subscription(Some("6A2F2D3C-1B4E-4F5A-9C8D-0E1F2A3B4C5D"), false).unwrap(),
            "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d"
        );
    }

    #[test]
    fn dry_run_without_subscription_uses_placeholder_real_run_fails() {
        assert_eq!(subscription(None, true).unwrap(), PLACEHOLDER_SUBSCRIPTION);
        assert!(
            subscription(None, false)
                .unwrap_err()
                .to_string()
                .contains("no subscription")
        );
    }
}
