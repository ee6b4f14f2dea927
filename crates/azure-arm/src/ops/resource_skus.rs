//! Resource SKUs (Microsoft.Compute 2021-07-01): the VM sizes a region offers, with their
//! capabilities and restrictions, read page by page.
//!
//! The records are returned as ARM sent them (JSON objects): reading them is the pure
//! `vm-sizes` crate's job, and the caller saves them unchanged as the catalog file.

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::client::ArmClient;
use crate::error::ArmError;

/// API version of the Resource SKUs list.
pub const RESOURCE_SKUS_API_VERSION: &str = "2021-07-01";

/// Pages followed at most; a live region answers in a handful, so more means a `nextLink` loop.
const MAX_PAGES: usize = 1000;

/// The `$filter` query value for one region, OData-quoted.
fn location_filter(location: &str) -> String {
    format!("location eq '{}'", location.replace('\'', "''"))
}

/// Percent-encodes a query value with `%20` for spaces (not `+`, which some servers keep).
fn encode_query_value(value: &str) -> String {
    // byte_serialize encodes a literal '+' as %2B, so every '+' it leaves is a space.
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl ArmClient {
    /// The Resource SKUs records of `location` (all resource types), following every
    /// `nextLink`. Each page gets the client's retries; an error names the page's URL.
    pub async fn list_resource_skus(&self, location: &str) -> Result<Vec<Value>, ArmError> {
        let mut url = self.url_for_segments(
            &[
                "subscriptions",
                self.subscription_id(),
                "providers",
                "Microsoft.Compute",
                "skus",
            ],
            RESOURCE_SKUS_API_VERSION,
        )?;
        let query = format!(
            "{}&$filter={}",
            url.query().unwrap_or_default(),
            encode_query_value(&location_filter(location))
        );
        url.set_query(Some(&query));

        let mut records = Vec::new();
        let mut seen: Vec<Url> = Vec::new();
        loop {
            let resp = self.send(Method::GET, url.clone(), None).await?;
            let page = resp.json()?;
            let bad_page = |detail: String| resp.decode_error(detail);
            match page.get("value") {
                Some(Value::Array(items)) => records.extend(items.iter().cloned()),
                _ => return Err(bad_page("no \"value\" array in the page".into())),
            }
            let next = match page.get("nextLink") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.is_empty() => None,
                Some(Value::String(s)) => Some(Url::parse(s).map_err(|e| ArmError::Url {
                    url: s.clone(),
                    detail: format!("nextLink of {url}: {e}"),
                })?),
                Some(_) => return Err(bad_page("\"nextLink\" is not a string".into())),
            };
            let Some(next) = next else {
                return Ok(records);
            };
            seen.push(url);
            if seen.contains(&next) || seen.len() >= MAX_PAGES {
                return Err(bad_page(format!(
                    "nextLink {next} repeats a page or exceeds {MAX_PAGES} pages"
                )));
            }
            url = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_is_odata_quoted_and_percent_encoded() {
        assert_eq!(location_filter("westeurope"), "location eq 'westeurope'");
        assert_eq!(location_filter("we'st"), "location eq 'we''st'");
        assert_eq!(
            encode_query_value(&location_filter("westeurope")),
            "location%20eq%20%27westeurope%27"
        );
        assert_eq!(encode_query_value("a+b c"), "a%2Bb%20c");
    }
}
