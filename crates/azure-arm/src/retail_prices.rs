//! The Azure Retail Prices API (`GET https://prices.azure.com/api/retail/prices`): public list
//! prices, no authentication, pages of up to 100 `Items` linked by an absolute `NextPageLink`.
//!
//! It is not Resource Manager, so it has its own small client: it must never carry the ARM
//! bearer token, and its host is another one (`AZURE_RETAIL_PRICES_URL` overrides it, for tests
//! and proxies). It lives in this crate because it is Azure's REST edge all the same, with the
//! same retry policy and the same retryable statuses as the ARM client.
//!
//! The rows are returned as the API sent them: selecting prices is the pure `vm-prices` crate's
//! job, and the caller saves them unchanged.

use std::time::{Duration, SystemTime};

use serde_json::Value;
use url::Url;

use crate::config::RetryPolicy;
use crate::retry::{is_retryable_status, parse_retry_after};

/// The public Retail Prices host.
pub const PUBLIC_RETAIL_PRICES: &str = "https://prices.azure.com";

/// Environment variable overriding the Retail Prices host.
pub const RETAIL_PRICES_ENV: &str = "AZURE_RETAIL_PRICES_URL";

/// The API version asked for (the one that returns `type` and `savingsPlan` fields).
pub const RETAIL_PRICES_API_VERSION: &str = "2023-01-01-preview";

/// Pages followed at most; a region's virtual machines are under a hundred pages.
const MAX_PAGES: usize = 2000;

/// A Retail Prices request that failed.
#[derive(Debug, thiserror::Error)]
pub enum RetailPricesError {
    /// The base URL or a `NextPageLink` is not a URL we can use.
    #[error("invalid Retail Prices URL {url:?}: {detail}")]
    Url {
        /// The URL.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// No HTTP answer.
    #[error("GET {url}")]
    Transport {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// An error status.
    #[error("GET {url} failed with HTTP {status}: {body}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// A page that is not a Retail Prices page.
    #[error("GET {url}: {detail}")]
    Page {
        /// The URL.
        url: String,
        /// What is wrong.
        detail: String,
    },
}

/// A client of the Retail Prices API.
#[derive(Debug, Clone)]
pub struct RetailPricesClient {
    http: reqwest::Client,
    base: Url,
    retry: RetryPolicy,
}

impl RetailPricesClient {
    /// A client for `base` (`https://prices.azure.com`), with ARM's retry policy.
    pub fn new(base: &str, retry: RetryPolicy) -> Result<Self, RetailPricesError> {
        let bad = |detail: String| RetailPricesError::Url {
            url: base.to_owned(),
            detail,
        };
        let base = crate::config::parse_base_url(base).map_err(bad)?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("not an http(s) base URL".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("spotinst-aks-engine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| RetailPricesError::Transport {
                url: base.to_string(),
                source,
            })?;
        Ok(Self { http, base, retry })
    }

    /// A client for `explicit`, else `AZURE_RETAIL_PRICES_URL`, else the public host.
    pub fn from_env(explicit: Option<&str>) -> Result<Self, RetailPricesError> {
        let base = match explicit {
            Some(u) => u.to_owned(),
            None => std::env::var(RETAIL_PRICES_ENV)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| PUBLIC_RETAIL_PRICES.to_owned()),
        };
        Self::new(&base, crate::ArmConfig::DEFAULT_RETRY)
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Every pay-as-you-go (`priceType eq 'Consumption'`) virtual machine row of `region`,
    /// following each `NextPageLink` (its path and query, on our host: a proxy in front of
    /// the API is followed through the proxy).
    pub async fn vm_prices(&self, region: &str) -> Result<Vec<Value>, RetailPricesError> {
        let mut url = self.on_base("/api/retail/prices", None);
        url.query_pairs_mut()
            .append_pair("api-version", RETAIL_PRICES_API_VERSION)
            .append_pair("$filter", &vm_filter(region));
        let mut rows = Vec::new();
        let mut seen: Vec<Url> = Vec::new();
        loop {
            let page = self.get(&url).await?;
            let here = url.to_string();
            let bad = |detail: String| RetailPricesError::Page {
                url: here.clone(),
                detail,
            };
            match page.get("Items") {
                Some(Value::Array(items)) => rows.extend(items.iter().cloned()),
                _ => return Err(bad("no \"Items\" array in the page".into())),
            }
            let next = match page.get("NextPageLink") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.is_empty() => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad("\"NextPageLink\" is not a string".into())),
            };
            let Some(next) = next else {
                return Ok(rows);
            };
            let parsed = Url::parse(&next).map_err(|e| RetailPricesError::Url {
                url: next.clone(),
                detail: format!("NextPageLink of {url}: {e}"),
            })?;
            let next = self.on_base(parsed.path(), parsed.query());
            seen.push(url);
            if seen.contains(&next) || seen.len() >= MAX_PAGES {
                return Err(bad(format!(
                    "NextPageLink {next} repeats a page or exceeds {MAX_PAGES} pages"
                )));
            }
            url = next;
        }
    }

    /// `path` and `query` on our base URL (its own path kept as a prefix).
    fn on_base(&self, path: &str, query: Option<&str>) -> Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(query);
        url
    }

    /// One GET as JSON, retried on 408/429/5xx and connection errors.
    async fn get(&self, url: &Url) -> Result<Value, RetailPricesError> {
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            tracing::debug!(%url, "Retail Prices request");
            let resp = match self.http.get(url.clone()).send().await {
                Ok(r) => r,
                // A host that cannot be reached (offline, DNS, refused) is not waited for: prices
                // are optional, and the caller goes on without them. A timeout is retried.
                Err(e)
                    if self.retry.allows_another(attempts) && e.is_timeout() && !e.is_connect() =>
                {
                    tokio::time::sleep(self.retry.delay(attempts, None)).await;
                    continue;
                }
                Err(e) => {
                    return Err(RetailPricesError::Transport {
                        url: url.to_string(),
                        source: e.without_url(),
                    });
                }
            };
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| RetailPricesError::Transport {
                    url: url.to_string(),
                    source: e.without_url(),
                })?;
            if is_retryable_status(status) && self.retry.allows_another(attempts) {
                let wait = self.retry.delay(attempts, retry_after);
                tracing::warn!(%url, status, ?wait, "Retail Prices request throttled or failed, retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            if status >= 400 {
                return Err(RetailPricesError::Status {
                    url: url.to_string(),
                    status,
                    body: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
                });
            }
            return serde_json::from_slice(&bytes).map_err(|e| RetailPricesError::Page {
                url: url.to_string(),
                detail: format!("not JSON: {e}"),
            });
        }
    }
}

/// The `$filter` of a region's pay-as-you-go virtual machine prices, OData-quoted.
pub fn vm_filter(region: &str) -> String {
    format!(
        "serviceName eq 'Virtual Machines' and armRegionName eq '{}' and priceType eq 'Consumption'",
        region.replace('\'', "''")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_names_the_service_region_and_price_type() {
        assert_eq!(
            vm_filter("southcentralus"),
            "serviceName eq 'Virtual Machines' and armRegionName eq 'southcentralus' and priceType eq 'Consumption'"
        );
        assert!(vm_filter("a'b").contains("'a''b'"));
    }

    #[test]
    fn only_http_base_urls_are_taken() {
        assert!(RetailPricesClient::new("ftp://x", RetryPolicy::none()).is_err());
        assert!(RetailPricesClient::new("not a url", RetryPolicy::none()).is_err());
        let c = RetailPricesClient::new("http://127.0.0.1:9/proxy/", RetryPolicy::none()).unwrap();
        let u = c.on_base("/api/retail/prices", Some("$skip=100"));
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/proxy/api/retail/prices?$skip=100"
        );
    }
}
