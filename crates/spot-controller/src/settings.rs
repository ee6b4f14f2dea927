//! What the user decides about the controller: credentials, cluster identifier, image.

use secrecy::SecretString;

/// The controller image repository current charts use.
pub const DEFAULT_IMAGE: &str = "gcr.io/spotinst-artifacts/kubernetes-cluster-controller";

/// The controller version (the chart's appVersion at the time of writing).
pub const DEFAULT_VERSION: &str = "1.0.101";

/// Settings of the Spot Kubernetes cluster controller.
#[derive(Debug, Clone)]
pub struct ControllerSettings {
    /// Spot API token (goes into the Secret only).
    pub token: SecretString,
    /// Spot account id (`act-...`, goes into the Secret).
    pub account: String,
    /// Must equal the Elastigroup's `thirdPartiesIntegration.kubernetes.clusterIdentifier`.
    pub cluster_identifier: String,
    /// Spot API base URL override (`base-url`).
    pub base_url: Option<String>,
    /// Proxy for the controller (`proxy-url`).
    pub proxy_url: Option<String>,
    /// `disable-auto-update`.
    pub disable_auto_update: Option<bool>,
    /// `enable-csr-approval`.
    pub enable_csr_approval: Option<bool>,
    /// Image repository (no tag).
    pub image: String,
    /// Image tag.
    pub version: String,
}

impl ControllerSettings {
    /// Settings with the default image and no optional keys.
    pub fn new(
        token: SecretString,
        account: impl Into<String>,
        cluster_identifier: impl Into<String>,
    ) -> Self {
        Self {
            token,
            account: account.into(),
            cluster_identifier: cluster_identifier.into(),
            base_url: None,
            proxy_url: None,
            disable_auto_update: None,
            enable_csr_approval: None,
            image: DEFAULT_IMAGE.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
        }
    }

    /// `image:version`.
    pub fn image_reference(&self) -> String {
        format!("{}:{}", self.image, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token() {
        let s = ControllerSettings::new(SecretString::from("tok-123"), "act-1", "c1");
        let d = format!("{s:?}");
        assert!(!d.contains("tok-123"), "{d}");
        assert!(d.contains("act-1"));
        assert_eq!(
            s.image_reference(),
            format!("{DEFAULT_IMAGE}:{DEFAULT_VERSION}")
        );
    }
}
