//! Azure Resource Graph through Resource Manager (`POST /providers/Microsoft.ResourceGraph/
//! resources?api-version=2021-03-01`): the Spot eviction rate records a test configures,
//! answered for a query naming `skuspotevictionrate` and `location =~ '<region>'`, in pages of a
//! configurable size with a `$skipToken` that the client sends back in `options`.

use serde_json::{Value, json};

use super::{ArmServer, ArmServerConfig, arm_error};

/// The records served and how they are paged.
#[derive(Debug, Default)]
pub(super) struct GraphRecords {
    records: Vec<Value>,
    page_size: usize,
}

impl ArmServer {
    /// Serves `records` (Resource Graph objects with `location`) to eviction-rate queries,
    /// `page_size` per page (0 = one page).
    pub fn serve_spot_eviction_rates(&self, records: Vec<Value>, page_size: usize) {
        self.state().graph = GraphRecords { records, page_size };
    }
}

/// The region of `location =~ 'REGION'` in a query.
fn query_region(query: &str) -> Option<String> {
    let at = query.find("location =~ '")? + "location =~ '".len();
    let rest = &query[at..];
    let end = rest.find('\'')?;
    Some(rest[..end].to_owned())
}

/// One page of the answer to the request `body`.
pub(super) fn query(config: &ArmServerConfig, graph: &GraphRecords, body: &[u8]) -> (u16, Value) {
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return arm_error(400, "BadRequest", "The request content was invalid.");
    };
    let subs: Vec<&str> = req
        .get("subscriptions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !subs
        .iter()
        .any(|s| s.eq_ignore_ascii_case(&config.subscription_id))
    {
        return arm_error(
            400,
            "BadRequest",
            "Please provide below info when asking for support: subscriptions must name the caller's subscription.",
        );
    }
    let Some(q) = req.get("query").and_then(Value::as_str) else {
        return arm_error(400, "BadRequest", "The query is missing.");
    };
    if !q.starts_with("SpotResources")
        || !q.contains("microsoft.compute/skuspotevictionrate/location")
    {
        return arm_error(400, "InvalidQuery", "Query is invalid for the test server.");
    }
    let region = query_region(q);
    let matching: Vec<&Value> = graph
        .records
        .iter()
        .filter(|r| {
            region.as_deref().is_none_or(|reg| {
                r.get("location")
                    .and_then(Value::as_str)
                    .is_some_and(|l| l.eq_ignore_ascii_case(reg))
            })
        })
        .collect();
    let start = match req.pointer("/options/$skipToken").map(Value::as_str) {
        None => 0,
        Some(Some(t)) => match t
            .strip_prefix("skip-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if n <= matching.len() => n,
            _ => return arm_error(400, "InvalidSkipToken", "The skip token is not valid."),
        },
        Some(None) => return arm_error(400, "InvalidSkipToken", "The skip token is not valid."),
    };
    let size = if graph.page_size == 0 {
        matching.len().max(1)
    } else {
        graph.page_size
    };
    let end = (start + size).min(matching.len());
    let mut answer = json!({"totalRecords": matching.len(), "count": end - start,
        "data": matching[start..end], "facets": [], "resultTruncated": "false"});
    if end < matching.len() {
        answer["$skipToken"] = json!(format!("skip-{end}"));
    }
    (200, answer)
}

#[cfg(test)]
mod tests {
    use super::query_region;

    #[test]
    fn reads_the_region_of_the_query() {
        assert_eq!(
            query_region("SpotResources | where location =~ 'westus2'").as_deref(),
            Some("westus2")
        );
        assert_eq!(query_region("SpotResources"), None);
    }
}
