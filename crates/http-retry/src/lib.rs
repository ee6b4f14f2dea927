//! One retry policy for the tool's HTTP clients (the Spot API and Azure Resource Manager): how
//! many tries in all, and how long to wait between them.
//!
//! Why a small crate of our own rather than `backon`: each client runs its own request loop,
//! because what may be retried depends on the API (Spot retries only idempotent calls and, after
//! an ambiguous failure, looks a group up by name before creating it again). What the two clients
//! shared was only this arithmetic, and they had it twice with opposite meanings of the count
//! (attempts in all vs. retries after the first). This is that arithmetic, once, with no runtime
//! and no HTTP types; `backon` would bring its own loop that neither client can use as is.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// How many attempts in all and how long to back off between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Delay after the first failed attempt, doubled after each further one.
    pub base_delay: Duration,
    /// Upper bound of any delay, a server's `Retry-After` included (so a hostile value cannot
    /// stall the tool).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Whether another attempt is allowed after `attempts_done` attempts.
    pub fn allows_another(&self, attempts_done: u32) -> bool {
        attempts_done < self.max_attempts.max(1)
    }

    /// The capped exponential delay after `attempts_done` failed attempts, without jitter.
    pub fn backoff_ceiling(&self, attempts_done: u32) -> Duration {
        let exp = attempts_done.saturating_sub(1).min(20);
        self.base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay)
    }

    /// How long to wait after `attempts_done` failed attempts: "equal jitter" (half the ceiling
    /// plus a random part of the other half, so many clients do not retry in step), or the
    /// server's `Retry-After` when that is longer, always capped at `max_delay`.
    pub fn delay(&self, attempts_done: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self.backoff_ceiling(attempts_done);
        let half = ceiling / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let jitter = if jitter_ms == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(rand::rng().random_range(0..=jitter_ms))
        };
        let backoff = half + jitter;
        let wanted = match retry_after {
            Some(ra) => ra.max(backoff),
            None => backoff,
        };
        wanted.min(self.max_delay)
    }
}

/// Parses a `Retry-After` header: delay seconds, or an HTTP date (relative to `now`; a date in
/// the past means no wait).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = policy();
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(p.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(p.backoff_ceiling(3), Duration::from_millis(400));
        assert_eq!(p.backoff_ceiling(5), Duration::from_millis(1000));
        assert_eq!(p.backoff_ceiling(60), Duration::from_millis(1000));
    }

    #[test]
    fn jittered_delay_stays_within_half_and_full_ceiling() {
        let p = policy();
        for attempt in 1..6 {
            let ceiling = p.backoff_ceiling(attempt);
            for _ in 0..50 {
                let d = p.delay(attempt, None);
                assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} vs {ceiling:?}");
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let p = policy();
        assert_eq!(
            p.delay(1, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_millis(1000)
        );
    }

    #[test]
    fn attempts_count_every_try_the_first_included() {
        let p = policy();
        assert!(p.allows_another(3));
        assert!(!p.allows_another(4));
        assert!(!RetryPolicy::none().allows_another(1));
        let zero = RetryPolicy {
            max_attempts: 0,
            ..policy()
        };
        assert!(!zero.allows_another(1), "0 means one try, not unbounded");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
