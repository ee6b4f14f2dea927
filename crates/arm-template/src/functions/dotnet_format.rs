//! .NET composite formatting (`String.Format`, invariant culture) for the `format` function:
//! `{index[,alignment][:formatString]}`, `{{`/`}}` escapes, and the standard numeric format
//! strings D, N, F, X, G, E, C, P plus all-zero custom patterns (`000`).
//!
//! Reference: <https://learn.microsoft.com/dotnet/standard/base-types/composite-formatting> and
//! <https://learn.microsoft.com/dotnet/standard/base-types/standard-numeric-format-strings>.

use crate::limits::{check_size, check_sum};
use crate::value::Value;

/// .NET rejects an alignment or item index of a million or more (`String.Format`'s width and
/// index limits) with a `FormatException`.
const ALIGNMENT_LIMIT: u64 = 1_000_000;

/// .NET Framework accepts a precision specifier of 0 to 99 (`FormatException` above).
const MAX_PRECISION: usize = 99;

/// The message of .NET's `FormatException` for a format item it cannot read.
fn bad_format_item(item: &str) -> String {
    format!("'{{{item}}}' is not a valid format item (Input string was not in a correct format.)")
}

/// The message of .NET's `FormatException` for a bad format specifier.
fn bad_specifier(spec: &str) -> String {
    format!("the format specifier '{spec}' is invalid (Format specifier was invalid.)")
}

/// `text` padded on the left with `fill` to `width` characters, size-checked before allocating.
fn pad_left_to(text: &str, width: usize, fill: char) -> Result<String, String> {
    let missing = width.saturating_sub(text.chars().count());
    let mut out = String::with_capacity(check_sum([
        text.len(),
        missing.saturating_mul(fill.len_utf8()),
    ])?);
    out.extend(std::iter::repeat_n(fill, missing));
    out.push_str(text);
    Ok(out)
}

/// Format `template` with `args` as .NET's `String.Format(CultureInfo.InvariantCulture, …)` does.
pub(crate) fn composite_format(template: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err("the format string has an unmatched '}'".into()),
            '{' => {
                let mut item = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => item.push(c),
                        None => return Err("the format string has an unterminated '{'".into()),
                    }
                }
                let text = format_item(&item, args)?;
                check_sum([out.len(), text.len()])?;
                out.push_str(&text);
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn format_item(item: &str, args: &[Value]) -> Result<String, String> {
    let (head, spec) = match item.split_once(':') {
        Some((h, s)) => (h, Some(s)),
        None => (item, None),
    };
    let (index, alignment) = match head.split_once(',') {
        Some((i, a)) => (i, Some(a)),
        None => (head, None),
    };
    let index: usize = index
        .trim()
        .parse()
        .map_err(|_| format!("'{{{item}}}' is not a valid format item"))?;
    if index as u64 >= ALIGNMENT_LIMIT {
        return Err(bad_format_item(item));
    }
    let value = args.get(index).ok_or_else(|| {
        format!(
            "the format item {{{index}}} refers past the {} argument(s) given",
            args.len()
        )
    })?;
    let text = format_value(value, spec.unwrap_or(""))?;
    Ok(match alignment {
        None => text,
        Some(a) => {
            let width: i64 = a
                .trim()
                .parse()
                .map_err(|_| format!("'{a}' is not a valid alignment"))?;
            if width.unsigned_abs() >= ALIGNMENT_LIMIT {
                return Err(bad_format_item(item));
            }
            let width = width.unsigned_abs() as usize;
            if a.trim().starts_with('-') {
                let pad = width.saturating_sub(text.chars().count());
                check_sum([text.len(), pad])?;
                format!("{text}{}", " ".repeat(pad))
            } else {
                pad_left_to(&text, width, ' ')?
            }
        }
    })
}

/// Format one value with a .NET format string.
pub(crate) fn format_value(value: &Value, spec: &str) -> Result<String, String> {
    match value {
        Value::Int(i) if !spec.is_empty() => format_integer(*i, spec),
        Value::Float(f) if !spec.is_empty() => format_float(*f, spec),
        other => Ok(other.to_arm_string()),
    }
}

fn split_spec(spec: &str) -> Result<(char, Option<usize>), String> {
    let mut chars = spec.chars();
    let letter = chars.next().unwrap_or('G');
    let digits = chars.as_str();
    let precision = if digits.is_empty() {
        None
    } else {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("unsupported format string '{spec}'"));
        }
        let precision = digits.parse::<usize>().unwrap_or(usize::MAX);
        if precision > MAX_PRECISION {
            return Err(bad_specifier(spec));
        }
        Some(precision)
    };
    Ok((letter, precision))
}

fn format_integer(i: i64, spec: &str) -> Result<String, String> {
    if spec.chars().all(|c| c == '0') {
        check_size(spec.len())?;
        return pad_digits(i, spec.len());
    }
    let (letter, precision) = split_spec(spec)?;
    Ok(match letter {
        'D' | 'd' => pad_digits(i, precision.unwrap_or(0))?,
        'X' | 'x' => {
            let hex = if letter == 'X' {
                format!("{:X}", i)
            } else {
                format!("{:x}", i)
            };
            pad_left_to(&hex, precision.unwrap_or(0), '0')?
        }
        'N' | 'n' => group(&fixed_int(i128::from(i), precision.unwrap_or(2))),
        'F' | 'f' => fixed_int(i128::from(i), precision.unwrap_or(2)),
        'C' | 'c' => with_sign(
            i < 0,
            format!(
                "¤{}",
                group(&fixed_int(
                    i128::from(i.unsigned_abs()),
                    precision.unwrap_or(2)
                ))
            ),
        ),
        'P' | 'p' => format!(
            "{} %",
            group(&fixed_int(i128::from(i) * 100, precision.unwrap_or(2)))
        ),
        'E' | 'e' => scientific_int(i, precision.unwrap_or(6) + 1, letter, 3, false),
        'G' | 'g' => match precision {
            Some(p) if p > 0 && p < i.unsigned_abs().to_string().len() => {
                let e = if letter == 'G' { 'E' } else { 'e' };
                scientific_int(i, p, e, 2, true)
            }
            _ => i.to_string(),
        },
        _ => return Err(format!("unsupported format string '{spec}'")),
    })
}

fn format_float(f: f64, spec: &str) -> Result<String, String> {
    let (letter, precision) = split_spec(spec)?;
    Ok(match letter {
        'N' | 'n' => group(&fixed(f, precision.unwrap_or(2))),
        'F' | 'f' => fixed(f, precision.unwrap_or(2)),
        'P' | 'p' => format!("{} %", group(&fixed(f * 100.0, precision.unwrap_or(2)))),
        'E' | 'e' => scientific(f, precision.unwrap_or(6), letter),
        'C' | 'c' => with_sign(
            f < 0.0,
            format!("¤{}", group(&fixed(f.abs(), precision.unwrap_or(2)))),
        ),
        'G' | 'g' => crate::value::format_float(f),
        _ => return Err(format!("unsupported format string '{spec}' for a number")),
    })
}

fn with_sign(negative: bool, s: String) -> String {
    if negative { format!("-{s}") } else { s }
}

fn pad_digits(i: i64, width: usize) -> Result<String, String> {
    let digits = pad_left_to(&i.unsigned_abs().to_string(), width, '0')?;
    Ok(with_sign(i < 0, digits))
}

/// An integer in fixed-point notation: exact digits, `decimals` zeros after the point.
fn fixed_int(i: i128, decimals: usize) -> String {
    if decimals == 0 {
        i.to_string()
    } else {
        format!("{i}.{}", "0".repeat(decimals))
    }
}

/// An integer in .NET scientific notation with `significant` digits, rounded half away from zero
/// on its exact decimal digits. `trim` drops trailing zeros of the mantissa (the `G` format),
/// `exp_width` is the minimum exponent width (3 for `E`, 2 for `G`).
fn scientific_int(
    i: i64,
    significant: usize,
    letter: char,
    exp_width: usize,
    trim: bool,
) -> String {
    let digits = i.unsigned_abs().to_string();
    let mut exponent = digits.len() - 1;
    let significant = significant.max(1);
    let mut kept: Vec<u8> = digits.bytes().take(significant).collect();
    kept.resize(significant, b'0');
    if digits
        .as_bytes()
        .get(significant)
        .is_some_and(|&d| d >= b'5')
    {
        let mut pos = kept.len();
        loop {
            if pos == 0 {
                kept.insert(0, b'1');
                kept.pop();
                exponent += 1;
                break;
            }
            pos -= 1;
            if kept[pos] == b'9' {
                kept[pos] = b'0';
            } else {
                kept[pos] += 1;
                break;
            }
        }
    }
    let mut mantissa = String::from(char::from(kept[0]));
    let mut fraction: String = kept[1..].iter().map(|&b| char::from(b)).collect();
    if trim {
        fraction.truncate(fraction.trim_end_matches('0').len());
    }
    if !fraction.is_empty() {
        mantissa.push('.');
        mantissa.push_str(&fraction);
    }
    with_sign(i < 0, format!("{mantissa}{letter}+{exponent:0>exp_width$}"))
}

/// Fixed-point for doubles (Rust's correctly rounded decimal expansion; exact binary ties round
/// to even here, where .NET rounds them away from zero).
fn fixed(f: f64, decimals: usize) -> String {
    format!("{:.*}", decimals, f)
}

/// Insert `,` thousands separators into a fixed-point number.
fn group(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn scientific(f: f64, decimals: usize, letter: char) -> String {
    let s = format!("{:.*e}", decimals, f);
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{letter}{sign}{:03}", exp.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(t: &str, args: &[Value]) -> String {
        composite_format(t, args).unwrap()
    }

    #[test]
    fn items_escapes_and_alignment() {
        assert_eq!(f("{0}-{1}", &[Value::str("a"), Value::Int(2)]), "a-2");
        assert_eq!(f("{{{0}}}", &[Value::Int(1)]), "{1}");
        assert_eq!(f("[{0,5}|{0,-5}]", &[Value::str("ab")]), "[   ab|ab   ]");
        assert_eq!(f("{0}", &[Value::Bool(true)]), "True");
    }

    #[test]
    fn numeric_formats() {
        assert_eq!(f("{0:D2}", &[Value::Int(5)]), "05");
        assert_eq!(f("{0:D3}", &[Value::Int(-5)]), "-005");
        assert_eq!(f("{0:N0}", &[Value::Int(8175133)]), "8,175,133");
        assert_eq!(f("{0:N}", &[Value::Int(1234)]), "1,234.00");
        assert_eq!(f("{0:X}", &[Value::Int(255)]), "FF");
        assert_eq!(f("{0:x4}", &[Value::Int(255)]), "00ff");
        assert_eq!(f("{0:000}", &[Value::Int(7)]), "007");
        assert_eq!(f("{0:F1}", &[Value::Float(2.26)]), "2.3");
        assert_eq!(f("{0:E2}", &[Value::Int(12345)]), "1.23E+004");
        assert_eq!(f("{0:E2}", &[Value::Int(-12355)]), "-1.24E+004");
        assert_eq!(f("{0:e}", &[Value::Int(999_999_950)]), "1.000000e+009");
        assert_eq!(f("{0:G2}", &[Value::Int(12345)]), "1.2E+04");
        assert_eq!(f("{0:G3}", &[Value::Int(-99_960)]), "-1E+05");
        assert_eq!(f("{0:G9}", &[Value::Int(12345)]), "12345");
        // Integers are formatted from their exact digits, not through a double.
        assert_eq!(
            f("{0:N0}", &[Value::Int(9_007_199_254_740_993)]),
            "9,007,199,254,740,993"
        );
        assert_eq!(
            f("{0:F1}", &[Value::Int(i64::MIN)]),
            "-9223372036854775808.0"
        );
        assert_eq!(
            f("{0:P0}", &[Value::Int(i64::MAX)]),
            "922,337,203,685,477,580,700 %"
        );
        assert_eq!(f("{0:C}", &[Value::Int(-1234)]), "-¤1,234.00");
    }

    #[test]
    fn errors() {
        assert!(composite_format("{1}", &[Value::Int(1)]).is_err());
        assert!(composite_format("a}b", &[]).is_err());
        assert!(composite_format("{0", &[Value::Int(1)]).is_err());
        assert!(composite_format("{0:Q}", &[Value::Int(1)]).is_err());
    }

    #[test]
    fn huge_alignments_and_precisions_are_format_errors_not_allocations_or_panics() {
        let a = [Value::str("a")];
        let one = [Value::Int(1)];
        let err = composite_format("{0,2147483647}", &a).unwrap_err();
        assert!(
            err.contains("Input string was not in a correct format"),
            "{err}"
        );
        assert!(composite_format("{0,-2147483648}", &a).is_err());
        assert!(composite_format("{0,-9223372036854775808}", &a).is_err());
        assert!(composite_format("{1000000}", &a).is_err());
        for spec in [
            "D65536",
            "X70000",
            "x100",
            "N100",
            "E100",
            "F18446744073709551616",
        ] {
            let err = composite_format(&format!("{{0:{spec}}}"), &one).unwrap_err();
            assert!(
                err.contains("Format specifier was invalid"),
                "{spec}: {err}"
            );
        }
        assert_eq!(f("{0:D99}", &one).len(), 99);
        assert_eq!(f("{0:X99}", &[Value::Int(255)]).len(), 99);
        assert_eq!(f("{0,999999}", &a).len(), 999_999);
        // An all-zero custom pattern longer than Rust's formatting width limit.
        assert_eq!(
            f(&format!("{{0:{}}}", "0".repeat(70_000)), &one).len(),
            70_000
        );
        // Output past 4 MiB is refused before it is built.
        let many = "{0,999999}".repeat(5);
        assert!(composite_format(&many, &a).unwrap_err().contains("4 MiB"));
    }
}
