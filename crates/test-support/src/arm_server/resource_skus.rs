//! The Resource SKUs list (`GET /subscriptions/{sub}/providers/Microsoft.Compute/skus`): the
//! records a test configures, filtered by `$filter=location eq '{region}'` as Azure does, in
//! pages of a configurable size linked by absolute `nextLink` URLs carrying a `$skiptoken`.

use serde_json::{Value, json};

use super::{ArmServer, ArmServerConfig, arm_error};

/// The catalog served and how it is paged.
#[derive(Debug, Default)]
pub(super) struct SkuCatalog {
    records: Vec<Value>,
    page_size: usize,
}

impl ArmServer {
    /// Serves `records` (Resource SKU JSON objects) from the Resource SKUs API, `page_size`
    /// per page (0 = one page).
    pub fn serve_resource_skus(&self, records: Vec<Value>, page_size: usize) {
        self.state().skus = SkuCatalog { records, page_size };
    }
}

/// The region of a `location eq 'REGION'` filter; `Err` for any other filter.
fn filter_region(filter: &str) -> Result<String, ()> {
    let f = filter.trim();
    let (field, rest) = f.split_once(char::is_whitespace).ok_or(())?;
    let (op, value) = rest
        .trim_start()
        .split_once(char::is_whitespace)
        .ok_or(())?;
    if !field.eq_ignore_ascii_case("location") || !op.eq_ignore_ascii_case("eq") {
        return Err(());
    }
    let quoted = value.trim();
    let inner = quoted
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .ok_or(())?;
    Ok(inner.replace("''", "'"))
}

fn lists_region(record: &Value, region: &str) -> bool {
    record
        .get("locations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|l| l.eq_ignore_ascii_case(region))
}

/// One page of the list for `query`.
pub(super) fn list(
    base_url: &str,
    config: &ArmServerConfig,
    catalog: &SkuCatalog,
    query: &str,
) -> (u16, Value) {
    let param = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.into_owned())
    };
    let filter = param("$filter");
    let region = match filter.as_deref().map(filter_region) {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(())) => {
            return arm_error(
                400,
                "InvalidFilterInQueryString",
                "The $filter is not supported: only location eq '<region>' is.",
            );
        }
    };
    let matching: Vec<&Value> = catalog
        .records
        .iter()
        .filter(|r| region.as_deref().is_none_or(|reg| lists_region(r, reg)))
        .collect();
    let start = match param("$skiptoken").map(|t| t.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) if n <= matching.len() => n,
        Some(_) => return arm_error(400, "InvalidSkipToken", "The skip token is not valid."),
    };
    let size = if catalog.page_size == 0 {
        matching.len().max(1)
    } else {
        catalog.page_size
    };
    let end = (start + size).min(matching.len());
    let mut body = json!({ "value": matching[start..end] });
    if end < matching.len() {
        let mut next = url::Url::parse(&format!(
            "{base_url}/subscriptions/{}/providers/Microsoft.Compute/skus",
            config.subscription_id
        ))
        .expect("loopback URL");
        {
            let mut q = next.query_pairs_mut();
            q.append_pair(
                "api-version",
                param("api-version").as_deref().unwrap_or("2021-07-01"),
            );
            if let Some(f) = &filter {
                q.append_pair("$filter", f);
            }
            q.append_pair("$skiptoken", &end.to_string());
        }
        body["nextLink"] = json!(next.to_string());
    }
    (200, body)
}

#[cfg(test)]
mod tests {
    use super::filter_region;

    #[test]
    fn reads_location_filters_only() {
        assert_eq!(
            filter_region("location eq 'westeurope'"),
            Ok("westeurope".into())
        );
        assert_eq!(filter_region(" Location  EQ 'a''b' "), Ok("a'b".into()));
        assert!(filter_region("location ne 'westeurope'").is_err());
        assert!(filter_region("location eq westeurope").is_err());
        assert!(filter_region("name eq 'x'").is_err());
    }
}
