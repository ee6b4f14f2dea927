//! Finding a subscription's tenant the way aks-engine does (`engine.GetTenantID`): an
//! unauthenticated `GET /subscriptions/{id}` must answer 401, and the tenant is the last path
//! segment of `authorization_uri` in its `WWW-Authenticate` header. Messages match aks-engine's.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

/// API version aks-engine's subscriptions client uses for this call.
pub const SUBSCRIPTIONS_API_VERSION: &str = "2016-06-01";

/// aks-engine's pattern: greedy, unanchored, lowercase hex and `-` before the closing quote.
static TENANT_IN_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"authorization_uri=".*/([0-9a-f\-]+)""#).expect("static regex compiles")
});

/// Why the tenant could not be discovered (texts as aks-engine prints them).
#[derive(Debug, thiserror::Error)]
pub enum TenantDiscoveryError {
    /// No HTTP response at all. Printed with its cause chain, this reads as aks-engine's
    /// `Request failed: <transport error>`.
    #[error("Request failed")]
    Request(#[source] reqwest::Error),
    /// Anything but 401.
    #[error("Unexpected response from Get Subscription: {0}")]
    UnexpectedStatus(u16),
    /// 401 without the header.
    #[error("Header WWW-Authenticate not found in Get Subscription response")]
    MissingHeader,
    /// The header has no tenant in the expected place.
    #[error("Could not find the tenant ID in header: WWW-Authenticate {0:?}")]
    NoTenant(String),
    /// The subscription URL could not be built.
    #[error("invalid Resource Manager URL {0:?}")]
    BadUrl(String),
}

/// The tenant in a `WWW-Authenticate` header value, if aks-engine's pattern finds one.
pub fn tenant_from_header(header: &str) -> Option<&str> {
    TENANT_IN_HEADER
        .captures(header)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// Discovers the tenant of `subscription_id` from `resource_manager` (no credentials needed).
pub async fn discover_tenant(
    http: &reqwest::Client,
    resource_manager: &Url,
    subscription_id: &str,
) -> Result<String, TenantDiscoveryError> {
    let mut url = resource_manager.clone();
    url.path_segments_mut()
        .map_err(|()| TenantDiscoveryError::BadUrl(resource_manager.to_string()))?
        .pop_if_empty()
        .extend(["subscriptions", subscription_id]);
    url.query_pairs_mut()
        .append_pair("api-version", SUBSCRIPTIONS_API_VERSION);
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| TenantDiscoveryError::Request(e.without_url()))?;
    let status = resp.status().as_u16();
    if status != 401 {
        return Err(TenantDiscoveryError::UnexpectedStatus(status));
    }
    let header = resp
        .headers()
        .get("www-authenticate")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .filter(|v| !v.is_empty())
        .ok_or(TenantDiscoveryError::MissingHeader)?;
    tenant_from_header(&header)
        .map(str::to_owned)
        .ok_or(TenantDiscoveryError::NoTenant(header))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tenant_from_the_documented_header() {
        let h = r#"Bearer authorization_uri="https://login.windows.net/996fe9d1-6171-40aa-945b-4c64b63bf655", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header.""#;
        assert_eq!(
            tenant_from_header(h),
            Some("996fe9d1-6171-40aa-945b-4c64b63bf655")
        );
    }

    #[test]
    fn no_guid_shape_check_and_no_bearer_prefix_needed() {
        let h =
            r#"authorization_uri="https://login.windows.net/96fe9d1-6171-40aa-945b-4c64b63bf655""#;
        assert_eq!(
            tenant_from_header(h),
            Some("96fe9d1-6171-40aa-945b-4c64b63bf655")
        );
    }

    #[test]
    fn uppercase_or_trailing_text_does_not_match() {
        assert_eq!(
            tenant_from_header(r#"Bearer authorization_uri="https://login/ABCDEF""#),
            None
        );
        assert_eq!(
            tenant_from_header(r#"Bearer authorization_uri="https://login/abc/x""#),
            None
        );
        assert_eq!(tenant_from_header("Bearer realm=x"), None);
    }

    #[test]
    fn messages_match_aks_engine() {
        assert_eq!(
            TenantDiscoveryError::UnexpectedStatus(400).to_string(),
            "Unexpected response from Get Subscription: 400"
        );
        assert_eq!(
            TenantDiscoveryError::MissingHeader.to_string(),
            "Header WWW-Authenticate not found in Get Subscription response"
        );
        assert_eq!(
            TenantDiscoveryError::NoTenant(r#"Bearer x="y""#.into()).to_string(),
            r#"Could not find the tenant ID in header: WWW-Authenticate "Bearer x=\"y\"""#
        );
    }
}
