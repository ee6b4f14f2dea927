//! When to retry a request and how long to wait: `Retry-After` first, exponential backoff otherwise.

use std::time::{Duration, SystemTime};

use crate::config::RetryPolicy;

/// Statuses worth retrying: throttling, request timeout, and transient server errors.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Parses `Retry-After`: delta seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Exponential backoff before retry number `retry` (0-based), bounded by the policy.
pub fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.min(16));
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

/// The wait before retry number `retry`: the server's `Retry-After` (capped) or the backoff.
pub fn retry_delay(policy: &RetryPolicy, retry: u32, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(d) => d.min(policy.max_retry_after),
        None => backoff(policy, retry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let p = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(700),
            max_retry_after: Duration::from_secs(2),
        };
        assert_eq!(backoff(&p, 0), Duration::from_millis(100));
        assert_eq!(backoff(&p, 1), Duration::from_millis(200));
        assert_eq!(backoff(&p, 2), Duration::from_millis(400));
        assert_eq!(backoff(&p, 3), Duration::from_millis(700));
        assert_eq!(backoff(&p, 60), Duration::from_millis(700));
        assert_eq!(
            retry_delay(&p, 0, Some(Duration::from_secs(60))),
            Duration::from_secs(2)
        );
        assert_eq!(retry_delay(&p, 1, None), Duration::from_millis(200));
    }

    #[test]
    fn which_statuses_are_retried() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 202, 400, 401, 403, 404, 409, 501] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }
}
