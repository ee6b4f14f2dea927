//! When and how long to wait before trying a Spot API call again: the policy shared with the ARM
//! client ([`http_retry`]).
//!
//! Spot publishes no rate-limit table and its SDKs do not retry; we retry idempotent calls on
//! 429, 5xx and transport failures (see the client), with the shared capped exponential backoff
//! plus jitter, honouring a `Retry-After` header.

use std::time::{Duration, SystemTime};

pub use http_retry::RetryPolicy;

/// Parses a `Retry-After` header (seconds, or an HTTP date from now).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    http_retry::parse_retry_after(value, SystemTime::now())
}
