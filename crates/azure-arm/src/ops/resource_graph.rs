//! Azure Resource Graph through Resource Manager (Microsoft.ResourceGraph 2021-03-01): a query
//! over the subscription, every page, and the one query the tool asks: the Spot eviction rates
//! of a region (`SpotResources`, type `microsoft.compute/skuspotevictionrate/location`).
//!
//! The records are returned as Resource Graph sent them: reading them is the pure `vm-prices`
//! crate's job, and the caller saves them unchanged.

use reqwest::Method;
use serde_json::{Value, json};

use crate::client::ArmClient;
use crate::error::ArmError;

/// API version of the Resource Graph query.
pub const RESOURCE_GRAPH_API_VERSION: &str = "2021-03-01";

/// Pages followed at most: a region's eviction rates fit in one or two.
const MAX_PAGES: usize = 1000;

/// The Spot eviction rates query for one region (Kusto string literal, quotes escaped).
pub fn eviction_rates_query(region: &str) -> String {
    format!(
        "SpotResources | where type =~ 'microsoft.compute/skuspotevictionrate/location' | where location =~ '{}'",
        region.replace('\\', "\\\\").replace('\'', "\\'")
    )
}

impl ArmClient {
    /// The records `query` finds in this client's subscription, following every `$skipToken`
    /// (sent back in `options`). Each page gets the client's retries; an error names the URL.
    pub async fn query_resource_graph(&self, query: &str) -> Result<Vec<Value>, ArmError> {
        let url = self.url_for_segments(
            &["providers", "Microsoft.ResourceGraph", "resources"],
            RESOURCE_GRAPH_API_VERSION,
        )?;
        let mut records = Vec::new();
        let mut tokens: Vec<String> = Vec::new();
        loop {
            let mut body = json!({
                "subscriptions": [self.subscription_id()],
                "query": query,
                "options": {"resultFormat": "objectArray"},
            });
            if let Some(t) = tokens.last() {
                body["options"]["$skipToken"] = json!(t);
            }
            let resp = self.send(Method::POST, url.clone(), Some(&body)).await?;
            let page = resp.json()?;
            let bad_page = |detail: String| resp.decode_error(detail);
            match page.get("data") {
                Some(Value::Array(items)) => records.extend(items.iter().cloned()),
                _ => return Err(bad_page("no \"data\" array in the answer".into())),
            }
            let next = match page.get("$skipToken") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.is_empty() => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad_page("\"$skipToken\" is not a string".into())),
            };
            let Some(next) = next else {
                return Ok(records);
            };
            if tokens.contains(&next) || tokens.len() + 1 >= MAX_PAGES {
                return Err(bad_page(format!(
                    "$skipToken {next} repeats a page or exceeds {MAX_PAGES} pages"
                )));
            }
            tokens.push(next);
        }
    }

    /// The Spot eviction rate records of `region` (every page).
    pub async fn spot_eviction_rates(&self, region: &str) -> Result<Vec<Value>, ArmError> {
        self.query_resource_graph(&eviction_rates_query(region))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_the_region_as_a_quoted_literal() {
        assert_eq!(
            eviction_rates_query("southcentralus"),
            "SpotResources | where type =~ 'microsoft.compute/skuspotevictionrate/location' | where location =~ 'southcentralus'"
        );
        assert!(eviction_rates_query("a'b").ends_with("=~ 'a\\'b'"));
    }
}
