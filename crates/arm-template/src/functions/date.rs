//! Date functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-date).
//!
//! Formatting follows .NET (en-US) standard and custom date/time format strings. As documented,
//! `dateTimeAdd` ignores calendars: `P1Y` is 365 days and `P1M` is 30 days.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDateTime, TimeZone, Timelike, Utc};

use super::{Family, FnCtx, FnResult, FunctionDef, def, int_arg, string_arg};
use crate::value::Value;

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Date as D;
    vec![
        def("dateTimeAdd", D, 2, Some(3), date_time_add),
        def("dateTimeFromEpoch", D, 1, Some(1), date_time_from_epoch),
        def("dateTimeToEpoch", D, 1, Some(1), date_time_to_epoch),
        def("utcNow", D, 0, Some(1), utc_now),
    ]
}

/// The ISO 8601 form ARM prints by default.
const ISO: &str = "yyyy-MM-ddTHH:mm:ssZ";

fn utc_now(ctx: &FnCtx, args: Vec<Value>) -> FnResult {
    super::deployment::require_parameter_default(ctx)?;
    let format = match args.first() {
        Some(_) => string_arg(&args, 0)?,
        None => "yyyyMMddTHHmmssZ",
    };
    Ok(Value::str(format_datetime(
        &ctx.evaluator.now().fixed_offset(),
        format,
    )?))
}

/// The result is in UTC: the default format ends in a literal `Z`, so a base with an offset
/// (`…+02:00`) must be converted, not printed as local time.
fn date_time_add(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let base = parse_datetime(string_arg(&args, 0)?)?
        .with_timezone(&Utc)
        .fixed_offset();
    let duration = parse_duration(string_arg(&args, 1)?)?;
    let result = base
        .checked_add_signed(duration)
        .ok_or("the result is out of the supported date range")?;
    let format = match args.get(2) {
        Some(_) => string_arg(&args, 2)?,
        None => ISO,
    };
    Ok(Value::str(format_datetime(&result, format)?))
}

fn date_time_from_epoch(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let seconds = int_arg(&args, 0)?;
    let dt = Utc
        .timestamp_opt(seconds, 0)
        .single()
        .ok_or("the epoch value is out of range")?;
    Ok(Value::str(format_datetime(&dt.fixed_offset(), ISO)?))
}

fn date_time_to_epoch(_: &FnCtx, args: Vec<Value>) -> FnResult {
    Ok(Value::Int(
        parse_datetime(string_arg(&args, 0)?)?.timestamp(),
    ))
}

/// ISO 8601 timestamps, with `T` or a space, with or without offset (none = UTC).
pub(crate) fn parse_datetime(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt);
    }
    let normalized = t.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&normalized) {
        return Ok(dt);
    }
    let naive = normalized.trim_end_matches('Z');
    for pattern in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(naive, pattern) {
            return Ok(Utc.from_utc_datetime(&n).fixed_offset());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(naive, "%Y-%m-%d") {
        return Ok(Utc
            .from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .fixed_offset());
    }
    Err(format!("'{s}' is not an ISO 8601 date-time"))
}

/// ISO 8601 duration `[-]P[nY][nM][nW][nD][T[nH][nM][n[.n]S]]`; years are 365 days, months 30.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("'{s}' is not an ISO 8601 duration");
    let (negative, rest) = match s.trim().strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.trim().strip_prefix('+').unwrap_or(s.trim())),
    };
    let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let mut total_ms: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if number.is_empty() && !in_time => in_time = true,
            d if d.is_ascii_digit() || d == '.' || d == ',' => {
                number.push(if d == ',' { '.' } else { d })
            }
            unit => {
                let n: f64 = number.parse().map_err(|_| bad())?;
                number.clear();
                any = true;
                let seconds = match (in_time, unit) {
                    (false, 'Y') => n * 365.0 * 86400.0,
                    (false, 'M') => n * 30.0 * 86400.0,
                    (false, 'W') => n * 7.0 * 86400.0,
                    (false, 'D') => n * 86400.0,
                    (true, 'H') => n * 3600.0,
                    (true, 'M') => n * 60.0,
                    (true, 'S') => n,
                    _ => return Err(bad()),
                };
                total_ms = total_ms
                    .checked_add((seconds * 1000.0).round() as i64)
                    .ok_or_else(bad)?;
            }
        }
    }
    if !number.is_empty() || !any {
        return Err(bad());
    }
    Duration::try_milliseconds(if negative { -total_ms } else { total_ms }).ok_or_else(bad)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Format with a .NET standard (one letter) or custom date/time format string, en-US.
pub(crate) fn format_datetime(dt: &DateTime<FixedOffset>, format: &str) -> Result<String, String> {
    let custom = match format {
        "d" => "M/d/yyyy",
        "D" => "dddd, MMMM d, yyyy",
        "f" => "dddd, MMMM d, yyyy h:mm tt",
        "F" => "dddd, MMMM d, yyyy h:mm:ss tt",
        "g" => "M/d/yyyy h:mm tt",
        "G" => "M/d/yyyy h:mm:ss tt",
        "m" | "M" => "MMMM d",
        "o" | "O" => "yyyy-MM-ddTHH:mm:ss.fffffffK",
        "r" | "R" => "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
        "s" => "yyyy-MM-ddTHH:mm:ss",
        "t" => "h:mm tt",
        "T" => "h:mm:ss tt",
        "u" => "yyyy-MM-dd HH:mm:ssZ",
        "U" => "dddd, MMMM d, yyyy h:mm:ss tt",
        "y" | "Y" => "MMMM yyyy",
        other if other.chars().count() == 1 => {
            return Err(format!("'{other}' is not a standard date-time format"));
        }
        other => other,
    };
    let dt = if matches!(format, "r" | "R" | "u" | "U") {
        dt.with_timezone(&Utc).fixed_offset()
    } else {
        *dt
    };
    let chars: Vec<char> = custom.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        match c {
            'y' => {
                out.push_str(&match run {
                    1 => (dt.year() % 100).to_string(),
                    2 => format!("{:02}", dt.year() % 100),
                    n => {
                        let year = dt.year().to_string();
                        let zeros = n.saturating_sub(year.len());
                        format!("{}{year}", "0".repeat(zeros))
                    }
                });
            }
            'M' => out.push_str(&match run {
                1 => dt.month().to_string(),
                2 => format!("{:02}", dt.month()),
                3 => MONTHS[dt.month0() as usize][..3].to_owned(),
                _ => MONTHS[dt.month0() as usize].to_owned(),
            }),
            'd' => out.push_str(&match run {
                1 => dt.day().to_string(),
                2 => format!("{:02}", dt.day()),
                3 => DAYS[dt.weekday().num_days_from_monday() as usize][..3].to_owned(),
                _ => DAYS[dt.weekday().num_days_from_monday() as usize].to_owned(),
            }),
            'H' => out.push_str(&if run == 1 {
                dt.hour().to_string()
            } else {
                format!("{:02}", dt.hour())
            }),
            'h' => {
                let h = match dt.hour() % 12 {
                    0 => 12,
                    h => h,
                };
                out.push_str(&if run == 1 {
                    h.to_string()
                } else {
                    format!("{h:02}")
                });
            }
            'm' => out.push_str(&if run == 1 {
                dt.minute().to_string()
            } else {
                format!("{:02}", dt.minute())
            }),
            's' => out.push_str(&if run == 1 {
                dt.second().to_string()
            } else {
                format!("{:02}", dt.second())
            }),
            'f' | 'F' => {
                let digits = format!("{:09}", dt.nanosecond());
                let take = &digits[..run.min(7)];
                if c == 'F' {
                    let significant = take.trim_end_matches('0');
                    // .NET: an all-zero `F` fraction also drops the '.' written just before it.
                    if significant.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                    out.push_str(significant);
                } else {
                    out.push_str(take);
                }
            }
            't' => {
                let ampm = if dt.hour() < 12 { "AM" } else { "PM" };
                out.push_str(if run == 1 { &ampm[..1] } else { ampm });
            }
            'K' => out.push_str(&offset_text(&dt, true)),
            'z' => {
                let secs = dt.offset().local_minus_utc();
                let sign = if secs < 0 { '-' } else { '+' };
                let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
                out.push_str(&match run {
                    1 => format!("{sign}{h}"),
                    2 => format!("{sign}{h:02}"),
                    _ => format!("{sign}{h:02}:{m:02}"),
                });
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .ok_or("unterminated quoted text in the format")?;
                out.extend(&chars[i + 1..i + 1 + end]);
                i += end + 2;
                continue;
            }
            // `%x` makes a single-letter custom specifier usable on its own.
            '%' if run == 1 => {
                i += 1;
                continue;
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                }
                i += 2;
                continue;
            }
            other => {
                for _ in 0..run {
                    out.push(other);
                }
            }
        }
        i += run;
    }
    Ok(out)
}

fn offset_text(dt: &DateTime<FixedOffset>, z_for_utc: bool) -> String {
    let secs = dt.offset().local_minus_utc();
    if secs == 0 && z_for_utc {
        return "Z".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    format!(
        "{sign}{:02}:{:02}",
        secs.abs() / 3600,
        secs.abs() % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn formats_like_dotnet() {
        let dt = at("2019-03-05T17:53:18Z");
        assert_eq!(
            format_datetime(&dt, "yyyyMMddTHHmmssZ").unwrap(),
            "20190305T175318Z"
        );
        assert_eq!(format_datetime(&dt, "u").unwrap(), "2019-03-05 17:53:18Z");
        assert_eq!(format_datetime(&dt, "d").unwrap(), "3/5/2019");
        assert_eq!(format_datetime(&dt, "G").unwrap(), "3/5/2019 5:53:18 PM");
        assert_eq!(
            format_datetime(&dt, "o").unwrap(),
            "2019-03-05T17:53:18.0000000Z"
        );
        assert_eq!(
            format_datetime(&dt, "dddd, MMM 'x' yy").unwrap(),
            "Tuesday, Mar x 19"
        );
        // .NET custom format reference: a zero `F` fraction drops its '.', `%d` is the day alone.
        assert_eq!(format_datetime(&dt, "HH:mm:ss.FFF").unwrap(), "17:53:18");
        assert_eq!(
            format_datetime(&at("2019-03-05T17:53:18.25Z"), "ss.FFF").unwrap(),
            "18.25"
        );
        assert_eq!(format_datetime(&dt, "%d").unwrap(), "5");
        assert_eq!(
            format_datetime(&at("2019-03-05T19:53:18+02:00"), "U").unwrap(),
            "Tuesday, March 5, 2019 5:53:18 PM"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H").unwrap(), Duration::hours(1));
        assert_eq!(parse_duration("-P9D").unwrap(), Duration::days(-9));
        assert_eq!(parse_duration("P1Y").unwrap(), Duration::days(365));
        assert_eq!(parse_duration("P1M").unwrap(), Duration::days(30));
        assert_eq!(
            parse_duration("P1DT1M").unwrap(),
            Duration::days(1) + Duration::minutes(1)
        );
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("1D").is_err());
    }
}
