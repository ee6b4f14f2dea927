//! `--controller-timeout` values: `90s`, `5m`, `1h`, `1m30s`, `500ms`, or `0` (don't wait).
//! Hand-written because the grammar is four units and a bare zero; a typo must be an error that
//! says what is accepted, never a silent default.

use std::fmt;
use std::time::Duration;

/// A duration that could not be read; carries the text as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    /// The value as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a duration ({}); use a number with a unit, e.g. 90s, 5m, 1h, 1m30s, or 0 to not wait",
            self.input, self.reason
        )
    }
}

impl std::error::Error for DurationError {}

/// Parses a duration: one or more `<integer><unit>` parts (units `ms`, `s`, `m`, `h`), or `0`.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError {
        input: input.to_owned(),
        reason,
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    if s.bytes().all(|b| b == b'0') {
        return Ok(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(err("expected a number"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| err("the number is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let part = match &rest[..unit_len] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3600)),
            "" => return Err(err("a number needs a unit")),
            _ => return Err(err("unknown unit")),
        };
        rest = &rest[unit_len..];
        total = total
            .checked_add(part)
            .ok_or_else(|| err("it is too long"))?;
    }
    Ok(total)
}

/// `4m21s`-style text for progress lines and summaries.
pub fn format_elapsed(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_combinations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration(" 1m30s ").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
    }

    #[test]
    fn zero_means_do_not_wait() {
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn bad_values_say_why_and_what_is_accepted() {
        for (input, reason) in [
            ("", "it is empty"),
            ("90", "a number needs a unit"),
            ("5 minutes", "a number needs a unit"),
            ("5min", "unknown unit"),
            ("m5", "expected a number"),
            ("-1s", "expected a number"),
            ("3d", "unknown unit"),
            ("99999999999999999999s", "the number is too large"),
        ] {
            let e = parse_duration(input).unwrap_err();
            assert_eq!(e.reason, reason, "{input:?}");
            let shown = e.to_string();
            assert!(
                shown.contains(&format!("`{input}`")) && shown.contains("90s, 5m"),
                "{shown}"
            );
        }
    }

    #[test]
    fn elapsed_is_compact() {
        assert_eq!(format_elapsed(Duration::from_secs(7)), "7s");
        assert_eq!(format_elapsed(Duration::from_secs(261)), "4m21s");
        assert_eq!(format_elapsed(Duration::from_secs(3720)), "1h02m");
    }
}
