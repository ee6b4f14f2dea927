//! Everything that can go wrong talking to ARM, with what Azure support asks for: the HTTP status,
//! the `x-ms-request-id` and the correlation id.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::tenant::TenantDiscoveryError;
use crate::token::TokenError;

/// The request ids ARM returns on every response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestIds {
    /// `x-ms-request-id`.
    pub request_id: Option<String>,
    /// `x-ms-correlation-request-id`.
    pub correlation_id: Option<String>,
}

impl fmt::Display for RequestIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "x-ms-request-id {}, x-ms-correlation-request-id {}",
            self.request_id.as_deref().unwrap_or("(none)"),
            self.correlation_id.as_deref().unwrap_or("(none)")
        )
    }
}

/// One entry of an ARM error body (`error` or one of its `details`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `ResourceGroupNotFound`.
    #[serde(default)]
    pub code: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// What the error is about, when ARM says.
    #[serde(default)]
    pub target: Option<String>,
    /// Nested causes (deployment failures put the real cause here).
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

impl ErrorDetail {
    /// Reads `{"error": {...}}` (or a bare `{code, message}`) from a response body.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Envelope {
            error: ErrorDetail,
        }
        if let Ok(e) = serde_json::from_slice::<Envelope>(body) {
            return Some(e.error);
        }
        serde_json::from_slice::<ErrorDetail>(body)
            .ok()
            .filter(|d| !d.code.is_empty() || !d.message.is_empty())
    }
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(t) = &self.target {
            write!(f, " (target {t})")?;
        }
        for d in &self.details {
            write!(f, "; {d}")?;
        }
        Ok(())
    }
}

/// An HTTP error status from ARM with its decoded error body.
#[derive(Debug, Clone)]
pub struct ArmErrorResponse {
    /// HTTP method.
    pub method: String,
    /// The URL called (no credentials in it).
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// The decoded error; code `Unknown` with the raw body (truncated) when it was not ARM JSON.
    pub error: ErrorDetail,
    /// Request ids of the failing response.
    pub ids: RequestIds,
}

impl fmt::Display for ArmErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed with HTTP {}: {} ({})",
            self.method, self.url, self.status, self.error, self.ids
        )
    }
}

/// A 2xx response whose body could not be read.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// HTTP method.
    pub method: String,
    /// URL.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// What was wrong.
    pub detail: String,
    /// Request ids.
    pub ids: RequestIds,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: HTTP {}: cannot read the response body: {} ({})",
            self.method, self.url, self.status, self.detail, self.ids
        )
    }
}

/// A long-running operation that ended `Failed` or `Canceled`.
#[derive(Debug, Clone)]
pub struct OperationFailure {
    /// The resource being changed.
    pub resource: String,
    /// Terminal status (`Failed`, `Canceled`).
    pub status: String,
    /// The operation's error, when it gave one.
    pub error: ErrorDetail,
    /// The status URL polled.
    pub operation_url: String,
    /// Request ids of the last poll.
    pub ids: RequestIds,
}

impl fmt::Display for OperationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "long-running operation on {} ended {}: {} (polled {}; {})",
            self.resource, self.status, self.error, self.operation_url, self.ids
        )
    }
}

/// An ARM client error. Large payloads are boxed to keep `Result`s small.
#[derive(Debug, thiserror::Error)]
pub enum ArmError {
    /// No bearer token.
    #[error(transparent)]
    Token(Box<TokenError>),
    /// The request never got an HTTP response.
    #[error("{method} {url}: request failed")]
    Transport {
        /// HTTP method.
        method: String,
        /// URL.
        url: String,
        /// Cause.
        #[source]
        source: reqwest::Error,
    },
    /// ARM answered with an error status.
    #[error("{0}")]
    Api(Box<ArmErrorResponse>),
    /// ARM answered 2xx with a body we cannot read.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// A long-running operation ended `Failed` or `Canceled`.
    #[error("{0}")]
    OperationFailed(Box<OperationFailure>),
    /// A long-running operation did not finish in time.
    #[error("long-running operation on {resource} still {status} after {waited:?}")]
    OperationTimeout {
        /// The resource being changed.
        resource: String,
        /// Last status seen.
        status: String,
        /// How long we waited.
        waited: Duration,
    },
    /// A polling URL pointed away from the ARM host; we do not send the token there.
    #[error("refusing to poll {url}: it is not on the Resource Manager host {base}")]
    ForeignUrl {
        /// The URL ARM handed back.
        url: String,
        /// Our ARM base URL.
        base: String,
    },
    /// A URL could not be built or parsed.
    #[error("invalid URL {url:?}: {detail}")]
    Url {
        /// The offending text.
        url: String,
        /// Why.
        detail: String,
    },
    /// Tenant discovery failed.
    #[error(transparent)]
    Tenant(#[from] TenantDiscoveryError),
}

impl From<TokenError> for ArmError {
    fn from(e: TokenError) -> Self {
        ArmError::Token(Box::new(e))
    }
}

impl ArmError {
    /// The HTTP status, when the error came from an HTTP response.
    pub fn status(&self) -> Option<u16> {
        match self {
            ArmError::Api(e) => Some(e.status),
            ArmError::Decode(d) => Some(d.status),
            _ => None,
        }
    }

    /// The ARM error code (`ResourceNotFound`, ...), when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ArmError::Api(e) => Some(e.error.code.as_str()),
            ArmError::OperationFailed(f) => Some(f.error.code.as_str()),
            _ => None,
        }
    }

    /// The request ids of the failing response, when there was one.
    pub fn request_ids(&self) -> Option<&RequestIds> {
        match self {
            ArmError::Api(e) => Some(&e.ids),
            ArmError::Decode(d) => Some(&d.ids),
            ArmError::OperationFailed(f) => Some(&f.ids),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_arm_error_bodies() {
        let body = br#"{"error":{"code":"DeploymentFailed","message":"At least one resource deployment operation failed.","details":[{"code":"Conflict","message":"busy","target":"vmss"}]}}"#;
        let e = ErrorDetail::from_body(body).unwrap();
        assert_eq!(e.code, "DeploymentFailed");
        assert_eq!(e.details[0].target.as_deref(), Some("vmss"));
        assert_eq!(
            e.to_string(),
            "DeploymentFailed: At least one resource deployment operation failed.; Conflict: busy (target vmss)"
        );
    }

    #[test]
    fn api_error_message_names_status_and_request_ids() {
        let e = ArmError::Api(Box::new(ArmErrorResponse {
            method: "GET".into(),
            url: "http://x/subscriptions/s".into(),
            status: 404,
            error: ErrorDetail {
                code: "ResourceGroupNotFound".into(),
                message: "Resource group 'rg' could not be found.".into(),
                ..Default::default()
            },
            ids: RequestIds {
                request_id: Some("req-1".into()),
                correlation_id: Some("corr-1".into()),
            },
        }));
        let s = e.to_string();
        assert!(s.contains("HTTP 404"), "{s}");
        assert!(s.contains("x-ms-request-id req-1"), "{s}");
        assert!(s.contains("corr-1"), "{s}");
        assert_eq!(e.code(), Some("ResourceGroupNotFound"));
        assert_eq!(e.status(), Some(404));
    }

    #[test]
    fn non_arm_bodies_are_not_errors_details() {
        assert!(ErrorDetail::from_body(b"<html>").is_none());
        assert!(ErrorDetail::from_body(b"{}").is_none());
    }
}
