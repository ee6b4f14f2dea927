//! The JSON envelope every Spot API answer comes in.
//!
//! `{"request":{id,url,method,timestamp},"response":{"status":{code,message},"kind","items":[..],
//! "count","errors":[{code,message,field}]}}`

use crate::error::ErrorItem;
use serde::Deserialize;
use serde_json::Value;

/// A decoded answer. `response` is required: a body without it (a proxy's `{}`, a wrong path's
/// JSON) is not an answer from Spot, so it is never taken for a success.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Envelope {
    /// `request`: what Spot says it received; empty when absent.
    #[serde(default)]
    pub request: RequestInfo,
    /// `response`: the status, the items and the errors.
    pub response: ResponseBody,
}

/// The `request` part: what Spot says it received.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestInfo {
    /// Spot's request id, the one to quote to Spot support.
    pub id: Option<String>,
    /// The path Spot received.
    pub url: Option<String>,
    /// The HTTP method Spot received.
    pub method: Option<String>,
    /// When Spot received it, as an ISO 8601 string.
    pub timestamp: Option<String>,
}

/// The `response` part.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponseBody {
    /// `status`, the HTTP status repeated in the body.
    #[serde(default)]
    pub status: Option<ResponseStatus>,
    /// What the items are, such as `spotinst:azure:compute:group`.
    pub kind: Option<String>,
    /// The answer's objects (groups, VMs); empty for errors and deletes.
    #[serde(default)]
    pub items: Vec<Value>,
    /// The number of items, as Spot counts them.
    pub count: Option<u64>,
    /// `errors`: why the call failed; empty on success.
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

/// `response.status`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponseStatus {
    /// The HTTP status code.
    pub code: Option<u16>,
    /// The reason phrase, such as `OK`.
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_success_and_error_shapes() {
        let ok: Envelope = serde_json::from_str(
            r#"{"request":{"id":"e593ff58","url":"/azure/compute/group","method":"POST","timestamp":"2018-06-20T11:35:01.745Z"},
                "response":{"status":{"code":200,"message":"OK"},"kind":"spotinst:azure:compute:group","items":[{"id":"sig-1"}],"count":1}}"#,
        )
        .unwrap();
        assert_eq!(ok.request.id.as_deref(), Some("e593ff58"));
        assert_eq!(ok.response.items.len(), 1);
        assert_eq!(
            ok.response.kind.as_deref(),
            Some("spotinst:azure:compute:group")
        );

        let err: Envelope = serde_json::from_str(
            r#"{"request":{"id":"abdb76af"},"response":{"status":{"code":400,"message":"Bad Request"},
                "errors":[{"code":"INVALID_MARKETPLACE_IMAGE","message":"Invalid Marketplace Image"}]}}"#,
        )
        .unwrap();
        assert_eq!(err.response.errors[0].code, "INVALID_MARKETPLACE_IMAGE");
        assert_eq!(err.response.errors[0].field, None);
        assert_eq!(err.response.status.unwrap().code, Some(400));
    }

    #[test]
    fn a_body_without_response_is_not_an_envelope() {
        for body in ["{}", r#"{"request": {"id": "x"}}"#, r#"{"status": "ok"}"#] {
            assert!(serde_json::from_str::<Envelope>(body).is_err(), "{body}");
        }
    }
}
