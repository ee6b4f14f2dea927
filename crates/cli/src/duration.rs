//! Duration flags (`--controller-timeout`, `--join-timeout`, `--drain-timeout`): `90s`, `5m`,
//! `1.5m`, `1h`, `1m30s`, `500ms`, or `0` (don't wait), and the `4m21s` elapsed times progress
//! lines show. Hand-written because the grammar is four units and a bare zero; a typo must be an
//! error that says what is accepted, never a silent default.

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
            "`{}` is not a duration ({}); use a number with a unit, e.g. 90s, 5m, 1.5m, 1h, 1m30s, or 0 to not wait",
            self.input, self.reason
        )
    }
}

impl std::error::Error for DurationError {}

/// The most decimal places a number may have (nanoseconds of a second).
const MAX_DECIMALS: usize = 9;

/// Parses a duration: one or more `<number><unit>` parts (a whole or decimal number, units `ms`,
/// `s`, `m`, `h`), or `0`.
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
        let whole: u64 = rest[..digits]
            .parse()
            .map_err(|_| err("the number is too large"))?;
        rest = &rest[digits..];
        // An optional fraction: `1.5m`. Kept as the digits and their scale, no float rounding.
        let (fraction, scale) = match rest.strip_prefix('.') {
            Some(after) => {
                let decimals = after.bytes().take_while(u8::is_ascii_digit).count();
                if decimals == 0 {
                    return Err(err("expected digits after the decimal point"));
                }
                if decimals > MAX_DECIMALS {
                    return Err(err("too many decimal places"));
                }
                rest = &after[decimals..];
                let fraction: u128 = after[..decimals]
                    .parse()
                    .map_err(|_| err("expected digits after the decimal point"))?;
                (fraction, 10u128.pow(decimals as u32))
            }
            None => (0, 1),
        };
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let unit_nanos: u128 = match &rest[..unit_len] {
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(err("a number needs a unit")),
            _ => return Err(err("unknown unit")),
        };
        rest = &rest[unit_len..];
        let nanos = u128::from(whole) * unit_nanos + fraction * unit_nanos / scale;
        let secs =
            u64::try_from(nanos / 1_000_000_000).map_err(|_| err("the number is too large"))?;
        let part = Duration::new(secs, (nanos % 1_000_000_000) as u32);
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
    fn decimal_numbers_are_accepted() {
        assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("0.5h").unwrap(), Duration::from_secs(1800));
        assert_eq!(
            parse_duration("2.25s").unwrap(),
            Duration::from_millis(2250)
        );
        assert_eq!(
            parse_duration("1.5ms").unwrap(),
            Duration::from_micros(1500)
        );
        assert_eq!(parse_duration("1.5m30s").unwrap(), Duration::from_secs(120));
        assert_eq!(
            parse_duration("0.000000001s").unwrap(),
            Duration::from_nanos(1)
        );
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
            ("1.m", "expected digits after the decimal point"),
            ("1.5", "a number needs a unit"),
            (".5m", "expected a number"),
            ("1,5m", "a number needs a unit"),
            ("1.0000000001s", "too many decimal places"),
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
