//! A loopback server speaking the Azure Retail Prices API (`GET /api/retail/prices`): no
//! authentication, the rows a test configures filtered by the `$filter` the tool sends
//! (`serviceName`, `armRegionName`, `priceType`, each `eq '<value>'`, joined by `and`), in pages
//! of a configurable size linked by absolute `NextPageLink` URLs carrying `$skip`, as Azure does.

use std::sync::Arc;

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

pub use crate::fault::Fault;
use crate::fault::{self, PathMatch};
use crate::loopback::{Call, json_response};
pub use crate::recorded::RecordedRequest;

/// The rows served and how they are paged.
#[derive(Debug, Default)]
struct PriceRows {
    rows: Vec<Value>,
    page_size: usize,
}

type Shared = crate::shared::Shared<(), PriceRows>;

/// A running Retail Prices server; stops when dropped.
pub struct PricesServer {
    shared: crate::shared::Running<(), PriceRows>,
}

impl PricesServer {
    /// Starts on `127.0.0.1:0` serving `rows` (Retail Prices rows), `page_size` per page
    /// (0 = one page; Azure's is 100).
    pub async fn start(rows: Vec<Value>, page_size: usize) -> Self {
        Self {
            shared: crate::shared::Running::start((), PriceRows { rows, page_size }, handle).await,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Queues a fault; faults are used in the order queued.
    pub fn inject(&self, fault: Fault) {
        self.shared.inject(fault);
    }
}

/// `field eq 'value'` clauses joined by `and` → (field, value) pairs; `None` for anything else.
fn clauses(filter: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for clause in filter.split(" and ") {
        let (field, rest) = clause.trim().split_once(" eq ")?;
        let value = rest.trim().strip_prefix('\'')?.strip_suffix('\'')?;
        out.push((field.trim().to_owned(), value.replace("''", "'")));
    }
    Some(out)
}

fn error(status: u16, message: &str) -> (u16, Value) {
    (
        status,
        json!({"Error": {"Code": "BadRequest", "Message": message}}),
    )
}

async fn handle(State(shared): State<Arc<Shared>>, call: Call) -> Response {
    let path = call.uri.path().to_owned();
    let query = call.uri.query().unwrap_or("").to_owned();
    shared.record(call.recorded());
    let fault = shared.take_fault(call.method.as_str(), &path);
    let shape = |status: u16, _code: &str, message: &str, _field: Option<&str>| {
        let (status, body) = error(status, message);
        json_response(status, body)
    };
    fault::answer(fault, call.kill.clone(), &shape, || {
        let (status, body) = if call.method == Method::GET && path == "/api/retail/prices" {
            list(&shared.url, &shared.state(), &query)
        } else {
            error(404, "not served by the test server")
        };
        json_response(status, body)
    })
    .await
}

fn list(base_url: &str, rows: &PriceRows, query: &str) -> (u16, Value) {
    let param = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("api-version").is_none() {
        return error(400, "api-version is required");
    }
    let filter = param("$filter").unwrap_or_default();
    let Some(clauses) = (if filter.is_empty() {
        Some(Vec::new())
    } else {
        clauses(&filter)
    }) else {
        return error(400, "Invalid OData filter");
    };
    let matching: Vec<&Value> = rows
        .rows
        .iter()
        .filter(|r| {
            clauses.iter().all(|(field, value)| {
                // The API's filter names are the rows' fields, compared case-insensitively;
                // `priceType` filters the rows' `type`.
                let field = if field == "priceType" {
                    "type"
                } else {
                    field.as_str()
                };
                r.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
        })
        .collect();
    let start = match param("$skip").map(|s| s.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n.min(matching.len()),
        Some(Err(_)) => return error(400, "Invalid $skip"),
    };
    let size = if rows.page_size == 0 {
        matching.len().max(1)
    } else {
        rows.page_size
    };
    let end = (start + size).min(matching.len());
    let next = (end < matching.len()).then(|| {
        let mut next =
            url::Url::parse(&format!("{base_url}/api/retail/prices")).expect("loopback URL");
        {
            let mut q = next.query_pairs_mut();
            q.append_pair("api-version", &param("api-version").unwrap_or_default());
            if !filter.is_empty() {
                q.append_pair("$filter", &filter);
            }
            q.append_pair("$skip", &end.to_string());
        }
        next.to_string()
    });
    (
        200,
        json!({"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
            "Items": matching[start..end], "NextPageLink": next, "Count": end - start}),
    )
}

/// Requests whose path is the price list.
impl PricesServer {
    /// The price-list requests so far.
    pub fn price_requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests_matching(
            Some("GET"),
            PathMatch::Contains("/api/retail/prices".into()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::clauses;

    #[test]
    fn reads_eq_clauses_joined_by_and() {
        assert_eq!(
            clauses("serviceName eq 'Virtual Machines' and armRegionName eq 'a''b'").unwrap(),
            [
                ("serviceName".to_owned(), "Virtual Machines".to_owned()),
                ("armRegionName".to_owned(), "a'b".to_owned())
            ]
        );
        assert!(clauses("armRegionName ne 'x'").is_none());
    }
}
