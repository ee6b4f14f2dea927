//! String helpers with .NET semantics: lengths and indexes count UTF-16 code units, and
//! `json()` accepts the single-quoted strings Newtonsoft.Json accepts.

use crate::value::{Object, Value};

/// Length in UTF-16 code units (what .NET's `String.Length` counts).
pub(crate) fn len16(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// Substring by UTF-16 offsets; callers check bounds.
pub(crate) fn slice16(s: &str, start: usize, len: usize) -> String {
    if s.is_ascii() {
        s[start..start + len].to_owned()
    } else {
        let units: Vec<u16> = s.encode_utf16().collect();
        String::from_utf16_lossy(&units[start..start + len])
    }
}

/// Case-insensitive (ordinal-ignore-case) search; returns the UTF-16 index or -1.
pub(crate) fn index_of_ignore_case(haystack: &str, needle: &str, last: bool) -> i64 {
    let h: Vec<u16> = fold(haystack);
    let n: Vec<u16> = fold(needle);
    if n.is_empty() {
        return if last { h.len() as i64 } else { 0 };
    }
    if n.len() > h.len() {
        return -1;
    }
    let positions = 0..=h.len() - n.len();
    let found = if last {
        positions.rev().find(|&i| h[i..i + n.len()] == n[..])
    } else {
        positions.into_iter().find(|&i| h[i..i + n.len()] == n[..])
    };
    found.map_or(-1, |i| i as i64)
}

/// Upper-case each UTF-16 unit (simple case folding, length preserving).
fn fold(s: &str) -> Vec<u16> {
    s.encode_utf16()
        .map(|u| match char::from_u32(u32::from(u)) {
            Some(c) => {
                let mut up = c.to_uppercase();
                match (up.next(), up.next()) {
                    (Some(x), None) if (x as u32) <= 0xFFFF => x as u32 as u16,
                    _ => u,
                }
            }
            None => u,
        })
        .collect()
}

/// Case-insensitive prefix/suffix test.
pub(crate) fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    let (s, p) = (fold(s), fold(prefix));
    s.starts_with(&p)
}

/// Case-insensitive suffix test.
pub(crate) fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    let (s, p) = (fold(s), fold(suffix));
    s.ends_with(&p)
}

/// Parse JSON as Newtonsoft.Json would for `json()`: single-quoted strings are accepted.
pub(crate) fn parse_json_lenient(text: &str) -> Result<Value, String> {
    let normalized = requote(text);
    let json: serde_json::Value = serde_json::from_str(normalized.trim())
        .map_err(|e| format!("the text is not valid JSON ({e})"))?;
    Ok(Value::from_json(&json))
}

/// Rewrite single-quoted JSON strings as double-quoted ones.
fn requote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\\' {
                        if let Some(n) = chars.next() {
                            out.push(n);
                        }
                    } else if c == '"' {
                        break;
                    }
                }
            }
            '\'' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                if n == '\'' {
                                    out.push('\'');
                                } else {
                                    out.push('\\');
                                    out.push(n);
                                }
                            }
                        }
                        '\'' => break,
                        '"' => out.push_str("\\\""),
                        other => out.push(other),
                    }
                }
                out.push('"');
            }
            other => out.push(other),
        }
    }
    out
}

/// Deep-merge for `union` of objects: nested objects merge recursively, everything else is replaced.
pub(crate) fn merge_objects(into: &mut Object, from: &Object) {
    for (k, v) in from {
        let existing_key = into.keys().find(|e| e.eq_ignore_ascii_case(k)).cloned();
        match (existing_key.as_ref().and_then(|e| into.get_mut(e)), v) {
            (Some(Value::Object(a)), Value::Object(b)) => {
                let mut merged = (**a).clone();
                merge_objects(&mut merged, b);
                *a = std::rc::Rc::new(merged);
            }
            (Some(slot), v) => *slot = v.clone(),
            (None, v) => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_lengths() {
        assert_eq!(len16("abc"), 3);
        assert_eq!(len16("a😀"), 3);
        assert_eq!(slice16("a😀b", 3, 1), "b");
    }

    #[test]
    fn case_insensitive_search() {
        assert_eq!(index_of_ignore_case("abcdef", "CD", false), 2);
        assert_eq!(index_of_ignore_case("abcdefAB", "ab", true), 6);
        assert_eq!(index_of_ignore_case("abc", "z", false), -1);
        assert!(ends_with_ignore_case("rg-", "-"));
        assert!(starts_with_ignore_case("ABC", "ab"));
    }

    #[test]
    fn lenient_json() {
        let v = parse_json_lenient("{'one': 'a', \"two\": 'it\\'s \"q\"'}").unwrap();
        assert_eq!(v.to_arm_string(), r#"{"one":"a","two":"it's \"q\""}"#);
        assert!(parse_json_lenient("{").is_err());
    }
}
