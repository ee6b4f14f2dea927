//! Which ARM answers are worth another try. How many tries and how long to wait between them is
//! the shared [`http_retry::RetryPolicy`].

/// Statuses worth retrying: throttling, request timeout, and transient server errors.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Parses `Retry-After`: delta seconds or an HTTP date (relative to `now`).
pub use http_retry::parse_retry_after;

#[cfg(test)]
mod tests {
    use super::*;

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
