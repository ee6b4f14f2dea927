//! What the servers record of each request, one shape for all three.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, Method, Uri};
use serde_json::Value;

use crate::path_match::PathMatch;

/// One request a server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method (`GET`, ...).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string as sent, percent-encoded (empty when none).
    pub query: String,
    /// Headers by lower-case name (the Spot server leaves out `authorization`).
    pub headers: BTreeMap<String, String>,
    /// The body as text (empty when none).
    pub body: String,
}

impl RecordedRequest {
    pub(crate) fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Self {
        RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or_default().to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(body).into_owned(),
        }
    }

    /// A query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The body as JSON; panics (failing the test) when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {}: the body is not JSON ({e}): {}",
                self.method, self.path, self.body
            )
        })
    }

    /// Whether this is a `method` (any when `None`) request to a path `path` matches.
    pub(crate) fn matches(&self, method: Option<&str>, path: &PathMatch) -> bool {
        method.is_none_or(|m| self.method.eq_ignore_ascii_case(m)) && path.matches(&self.path)
    }
}
