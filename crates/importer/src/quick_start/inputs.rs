//! The quick start's inputs: the seed's environment variables, each also a flag. Every missing
//! input is reported at once, before anything starts.

use secrecy::SecretString;

use super::QuickStartError;

/// Flag values as given (None = not given); environment variables fill the rest.
#[derive(Debug, Default, Clone)]
pub struct GivenInputs {
    /// `--spot-account` (else SPOTINST_ACCOUNT).
    pub spot_account: Option<String>,
    /// `--spot-token` (else SPOTINST_TOKEN).
    pub spot_token: Option<String>,
    /// `--subscription` (else AZURE_SUBSCRIPTION_ID).
    pub subscription_id: Option<String>,
    /// `--client-id` (else AZURE_CLIENT_ID).
    pub client_id: Option<String>,
    /// `--client-secret` (else AZURE_CLIENT_SECRET).
    pub client_secret: Option<String>,
    /// `--dns-prefix` (else AKS_DNS_PREFIX).
    pub dns_prefix: Option<String>,
    /// `--location` (else AZURE_LOCATION).
    pub location: Option<String>,
    /// `--resource-group` (else AZURE_RESOURCE_GROUP, else the DNS prefix).
    pub resource_group: Option<String>,
    /// `--tenant-id` (else AZURE_TENANT_ID, else discovered).
    pub tenant_id: Option<String>,
}

/// Everything the quick start needs, complete.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Spot account id (`act-...`).
    pub spot_account: String,
    /// Spot API token.
    pub spot_token: SecretString,
    /// Azure subscription id.
    pub subscription_id: String,
    /// Service principal (application) id, for aks-engine and Resource Manager.
    pub client_id: String,
    /// Service principal secret.
    pub client_secret: SecretString,
    /// The cluster's DNS prefix, which also names it; checked to be a valid prefix.
    pub dns_prefix: String,
    /// Normalised as aks-engine does: lower case, no spaces.
    pub location: String,
    /// Defaults to the DNS prefix.
    pub resource_group: String,
    /// Discovered from the subscription when absent.
    pub tenant_id: Option<String>,
}

/// (variable, flag, what it is) for each required input, in the seed's order.
const REQUIRED: [(&str, &str, &str); 7] = [
    (
        "SPOTINST_ACCOUNT",
        "--spot-account",
        "Spot account id (act-...)",
    ),
    ("SPOTINST_TOKEN", "--spot-token", "Spot API token"),
    (
        "AZURE_SUBSCRIPTION_ID",
        "--subscription",
        "Azure subscription id",
    ),
    (
        "AKS_DNS_PREFIX",
        "--dns-prefix",
        "cluster DNS prefix, unique in the subscription",
    ),
    ("AZURE_LOCATION", "--location", "Azure region, e.g. eastus"),
    (
        "AZURE_CLIENT_SECRET",
        "--client-secret",
        "service principal secret",
    ),
    (
        "AZURE_CLIENT_ID",
        "--client-id",
        "service principal (application) id",
    ),
];

impl GivenInputs {
    /// Fills unset inputs from `env` and checks that nothing required is missing.
    pub fn resolve(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Inputs, QuickStartError> {
        let pick = |flag: Option<String>, var: &str| {
            flag.filter(|s| !s.is_empty())
                .or_else(|| env(var).filter(|s| !s.is_empty()))
        };
        let values = [
            pick(self.spot_account, "SPOTINST_ACCOUNT"),
            pick(self.spot_token, "SPOTINST_TOKEN"),
            pick(self.subscription_id, "AZURE_SUBSCRIPTION_ID"),
            pick(self.dns_prefix, "AKS_DNS_PREFIX"),
            pick(self.location, "AZURE_LOCATION"),
            pick(self.client_secret, "AZURE_CLIENT_SECRET"),
            pick(self.client_id, "AZURE_CLIENT_ID"),
        ];
        let missing: Vec<String> = REQUIRED
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|((var, flag, what), _)| format!("  {var} (or {flag}): {what}"))
            .collect();
        if !missing.is_empty() {
            return Err(QuickStartError::MissingInputs { missing });
        }
        let [account, token, sub, dns, loc, secret, client] = values.map(Option::unwrap);
        let dns_prefix = dns;
        if !valid_dns_prefix(&dns_prefix) {
            return Err(QuickStartError::InvalidDnsPrefix { dns_prefix });
        }
        let resource_group =
            pick(self.resource_group, "AZURE_RESOURCE_GROUP").unwrap_or_else(|| dns_prefix.clone());
        Ok(Inputs {
            spot_account: account,
            spot_token: SecretString::from(token),
            subscription_id: sub,
            client_id: client,
            client_secret: SecretString::from(secret),
            location: loc.to_ascii_lowercase().replace(' ', ""),
            resource_group,
            tenant_id: pick(self.tenant_id, "AZURE_TENANT_ID"),
            dns_prefix,
        })
    }
}

/// aks-engine's rule for masterProfile.dnsPrefix.
fn valid_dns_prefix(p: &str) -> bool {
    let bytes = p.as_bytes();
    (3..=45).contains(&p.len())
        && bytes[0].is_ascii_lowercase()
        && !p.ends_with('-')
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    const FULL: [(&str, &str); 7] = [
        ("SPOTINST_ACCOUNT", "act-12345678"),
        ("SPOTINST_TOKEN", "tok"),
        (
            "AZURE_SUBSCRIPTION_ID",
            "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d",
        ),
        ("AKS_DNS_PREFIX", "spot-demo"),
        ("AZURE_LOCATION", "East US"),
        ("AZURE_CLIENT_SECRET", "s3cret"),
        ("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555"),
    ];

    #[test]
    fn every_missing_input_is_reported_at_once() {
        let err = GivenInputs::default()
            .resolve(&env(&[("AZURE_LOCATION", "eastus")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("create-simple needs 6 more inputs"),
            "{err}"
        );
        for var in [
            "SPOTINST_ACCOUNT",
            "SPOTINST_TOKEN",
            "AZURE_SUBSCRIPTION_ID",
            "AKS_DNS_PREFIX",
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_ID",
        ] {
            assert!(err.contains(var), "{var} in {err}");
        }
        assert!(!err.contains("AZURE_LOCATION"));
    }

    #[test]
    fn environment_fills_defaults_and_normalises() {
        let i = GivenInputs::default().resolve(&env(&FULL)).unwrap();
        assert_eq!(i.resource_group, "spot-demo");
        assert_eq!(i.location, "eastus");
        assert!(i.tenant_id.is_none());
        assert!(!format!("{i:?}").contains("s3cret") && !format!("{i:?}").contains("tok\""));
    }

    #[test]
    fn flags_win_over_environment() {
        let given = GivenInputs {
            dns_prefix: Some("flagged".into()),
            resource_group: Some("rg1".into()),
            ..Default::default()
        };
        let i = given.resolve(&env(&FULL)).unwrap();
        assert_eq!(i.dns_prefix, "flagged");
        assert_eq!(i.resource_group, "rg1");
    }

    #[test]
    fn invalid_dns_prefix_is_refused() {
        let given = GivenInputs {
            dns_prefix: Some("Bad_Prefix".into()),
            ..Default::default()
        };
        assert!(
            given
                .resolve(&env(&FULL))
                .unwrap_err()
                .to_string()
                .contains("not a valid DNS prefix")
        );
    }
}
