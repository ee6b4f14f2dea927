//! Errors of the Spot API client, carrying method, URL (without query), HTTP status, request id
//! and every `{code, message, field}` the API returned.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One entry of `response.errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorItem {
    /// Spot's error code, such as `GENERAL_ERROR`; empty when the entry has none.
    #[serde(default)]
    pub code: String,
    /// The human-readable explanation; empty when the entry has none.
    #[serde(default)]
    pub message: String,
    /// The request field the error is about, when Spot names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl fmt::Display for ErrorItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(field) = self.field.as_deref().filter(|s| !s.is_empty()) {
            write!(f, " (field: {field})")?;
        }
        Ok(())
    }
}

/// The API answered with a non-success HTTP status.
#[derive(Debug, Clone)]
pub struct StatusError {
    /// The HTTP method.
    pub method: String,
    /// The request URL without its query string.
    pub url: String,
    /// The HTTP status code.
    pub status: u16,
    /// The reason phrase of `status` (e.g. `Bad Request`).
    pub status_text: String,
    /// Spot's request id (from the envelope or the `x-request-id` header), when known.
    pub request_id: Option<String>,
    /// Every entry of `response.errors`, in Spot's order.
    pub errors: Vec<ErrorItem>,
    /// The start of a body that was not a JSON envelope.
    pub body_excerpt: Option<String>,
    /// Attempts made (more than one after retries).
    pub attempts: u32,
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.method, self.url, self.status)?;
        if !self.status_text.is_empty() {
            write!(f, " {}", self.status_text)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if !self.errors.is_empty() {
            let all: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
            write!(f, ": {}", all.join("; "))?;
        } else if let Some(excerpt) = &self.body_excerpt {
            write!(f, ": body: {excerpt:?}")?;
        }
        if self.attempts > 1 {
            write!(f, " [after {} attempts]", self.attempts)?;
        }
        Ok(())
    }
}

/// Why a transport-level failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The request timed out.
    Timeout,
    /// No connection could be made.
    Connect,
    /// The connection broke while sending or before a response came.
    Connection,
    /// Any other transport failure.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Connect => "could not connect",
            TransportKind::Connection => "connection failed",
            TransportKind::Other => "request failed",
        })
    }
}

/// Any failure of the Spot API client.
#[derive(Debug, thiserror::Error)]
pub enum SpotError {
    /// The base URL is plain http to a non-loopback host, which would expose the token.
    #[error(
        "refusing to send the Spot token over plain http to {url}: use https, or a loopback host \
         (127.0.0.1, ::1, localhost) for a local test server"
    )]
    InsecureUrl {
        /// The URL that was refused.
        url: String,
    },

    /// The base URL does not parse or is not an https or http URL with a host.
    #[error("invalid Spot API base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The HTTP client could not be built (TLS setup).
    #[error("building the HTTP client")]
    Client(#[source] reqwest::Error),

    /// The API answered with a non-success status.
    #[error("{0}")]
    Status(Box<StatusError>),

    /// No HTTP answer came, after retries where the call allows them.
    #[error("{method} {url}: {kind} after {attempts} attempt(s)")]
    Transport {
        /// The HTTP method.
        method: String,
        /// The request URL without its query string.
        url: String,
        /// What kind of failure it was.
        kind: TransportKind,
        /// Attempts made, including the last one.
        attempts: u32,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },

    /// The API answered, but not with a Spot envelope (a proxy's page, a wrong path's HTML).
    #[error(
        "{method} {url}: {status} (request id {}): the answer is not a Spot API envelope: {reason}; body starts with {excerpt:?}",
        request_id.as_deref().unwrap_or("unknown")
    )]
    Decode {
        /// The HTTP method.
        method: String,
        /// The request URL without its query string.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// Spot's request id from the header, when there was one.
        request_id: Option<String>,
        /// What is wrong with the body.
        reason: String,
        /// The start of the body.
        excerpt: String,
    },

    /// The caller's request body is not one the client can send; nothing was sent.
    #[error("invalid request body: {0}")]
    InvalidBody(String),

    /// A create failed ambiguously and the check for the group failed too: the group may exist.
    #[error(
        "creating group {name:?}: the outcome is unknown ({create}) and checking for a group of that \
         name failed too ({check}); list the groups before trying again"
    )]
    CreateOutcomeUnknown {
        /// The group's name.
        name: String,
        /// Why the create failed.
        create: Box<SpotError>,
        /// Why the check for a group of that name failed.
        check: Box<SpotError>,
    },
}

impl SpotError {
    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            SpotError::Status(s) => Some(s.status),
            SpotError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `response.errors` codes of the answer.
    pub fn codes(&self) -> Vec<&str> {
        match self {
            SpotError::Status(s) => s.errors.iter().map(|e| e.code.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The Spot request id, when the API answered with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SpotError::Status(s) => s.request_id.as_deref(),
            SpotError::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

/// The first `max` characters of a body, for error messages.
pub(crate) fn excerpt(body: &str, max: usize) -> String {
    let trimmed = body.trim();
    match trimmed.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_error_display_lists_every_error() {
        let e = StatusError {
            method: "POST".into(),
            url: "https://api.spotinst.io/azure/compute/group".into(),
            status: 400,
            status_text: "Bad Request".into(),
            request_id: Some("abdb76af-94a0".into()),
            errors: vec![
                ErrorItem {
                    code: "INVALID_MARKETPLACE_IMAGE".into(),
                    message: "Invalid Marketplace Image".into(),
                    field: Some("compute.launchSpecification.image".into()),
                },
                ErrorItem {
                    code: "CANT_CREATE_GROUP".into(),
                    message: "failed to create group".into(),
                    field: None,
                },
            ],
            body_excerpt: None,
            attempts: 1,
        };
        assert_eq!(
            e.to_string(),
            "POST https://api.spotinst.io/azure/compute/group: 400 Bad Request (request id abdb76af-94a0): \
             INVALID_MARKETPLACE_IMAGE: Invalid Marketplace Image (field: compute.launchSpecification.image); \
             CANT_CREATE_GROUP: failed to create group"
        );
    }

    #[test]
    fn non_json_body_shows_an_excerpt() {
        let e = StatusError {
            method: "GET".into(),
            url: "https://x/compute/azure/group".into(),
            status: 502,
            status_text: "Bad Gateway".into(),
            request_id: None,
            errors: vec![],
            body_excerpt: Some(excerpt(&"<html>gateway</html>".repeat(30), 20)),
            attempts: 3,
        };
        let s = e.to_string();
        assert!(
            s.starts_with(
                "GET https://x/compute/azure/group: 502 Bad Gateway: body: \"<html>gateway</html>"
            ),
            "{s}"
        );
        assert!(s.ends_with("[after 3 attempts]"), "{s}");
    }

    #[test]
    fn only_spots_own_answer_means_the_group_does_not_exist() {
        let mk = |status, code: &str| {
            SpotError::Status(Box::new(StatusError {
                method: "GET".into(),
                url: "u".into(),
                status,
                status_text: String::new(),
                request_id: None,
                errors: vec![ErrorItem {
                    code: code.into(),
                    message: "m".into(),
                    field: None,
                }],
                body_excerpt: None,
                attempts: 1,
            }))
        };
        assert!(crate::group_doesnt_exist(&mk(400, "GROUP_DOESNT_EXIST")));
        // A bare 404 (a wrong base URL, a proxy) says nothing about the group.
        assert!(!crate::group_doesnt_exist(&mk(404, "X")));
        assert!(!crate::group_doesnt_exist(&mk(400, "INVALID")));
    }
}
