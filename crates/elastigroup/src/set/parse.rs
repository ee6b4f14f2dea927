//! Parsing `--set` arguments: `key=value` or `k1=v1,k2=v2`.
//!
//! A value that starts with valid JSON (number, bool, null, array, object, "string") followed by
//! the end or a `,` is that JSON value, so commas inside brackets, braces or quotes never split.
//! Anything else is a plain string up to the next `,`. Note `1.0` is the number 1.0; write
//! `"1.0"` for the string.

use std::fmt;

use serde_json::Value;

use super::SetError;
use crate::is_secret_key;

/// One step of a `--set` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// An object member name (`vmSizes`).
    Key(String),
    /// An array index (`[0]`).
    Index(usize),
}

impl fmt::Display for PathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Key(k) => f.write_str(k),
            PathSegment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// One `path=value` assignment, relative to the group object. `Debug` hides the value of a
/// secret field (`...login.password=...`).
#[derive(Clone, PartialEq)]
pub struct SetAssignment {
    /// The key as written (`compute.vmSizes.spotSizes[0]`).
    pub key: String,
    /// The key, parsed.
    pub path: Vec<PathSegment>,
    /// The value to write at `path`.
    pub value: Value,
}

impl SetAssignment {
    /// Whether any segment of the key names a secret field.
    pub fn is_secret(&self) -> bool {
        self.path
            .iter()
            .any(|s| matches!(s, PathSegment::Key(k) if is_secret_key(k)))
    }
}

impl fmt::Debug for SetAssignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.is_secret() {
            crate::redact::marker(&self.value)
        } else {
            self.value.clone()
        };
        f.debug_struct("SetAssignment")
            .field("key", &self.key)
            .field("path", &self.path)
            .field("value", &value)
            .finish()
    }
}

/// Parses every `--set` argument, in order.
///
/// # Errors
/// A part without `=`, an empty key, or a key that is not a dotted path with `[N]` indexes; the
/// error names the argument (1-based) and what was expected.
pub fn parse_set_args(args: &[String]) -> Result<Vec<SetAssignment>, SetError> {
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        parse_one(i + 1, arg, &mut out)?;
    }
    Ok(out)
}

/// The argument as shown in errors: hidden when it may carry a secret value.
fn shown(arg: &str) -> String {
    let secret = arg
        .split([',', '=', '.', '[', ']', '"', '{', '}', ':'])
        .any(|word| is_secret_key(word.trim()));
    if secret {
        format!("<argument with a secret field, {} bytes>", arg.len())
    } else if arg.chars().count() > 120 {
        format!("{}...", arg.chars().take(120).collect::<String>())
    } else {
        arg.to_owned()
    }
}

fn parse_one(arg_index: usize, arg: &str, out: &mut Vec<SetAssignment>) -> Result<(), SetError> {
    let syntax = |message: String| SetError::Syntax {
        arg_index,
        arg: shown(arg),
        message,
    };
    if arg.trim().is_empty() {
        return Err(syntax("empty argument: expected key=value".into()));
    }
    let mut pos = 0;
    // The JSON error of the previous value, when it looked like JSON but was not.
    let mut last_json_error: Option<String> = None;
    loop {
        let rest = &arg[pos..];
        let eq = rest.find('=');
        let comma = rest.find(',');
        let eq = match (eq, comma) {
            (Some(e), Some(c)) if e < c => e,
            (Some(e), None) => e,
            _ => {
                let part = &rest[..comma.unwrap_or(rest.len())];
                let mut message = if part.trim().is_empty() {
                    "empty key=value part (a stray ',')".to_owned()
                } else {
                    format!(
                        "`{}` is not key=value",
                        if shown(part) == part {
                            part
                        } else {
                            "<secret>"
                        }
                    )
                };
                match &last_json_error {
                    Some(e) => message.push_str(&format!(
                        "; the previous value looks like JSON but is invalid ({e}), so it was cut at the comma"
                    )),
                    None => message.push_str("; to put a comma in a plain value, write it as a JSON string: k=\"a,b\""),
                }
                return Err(syntax(message));
            }
        };
        let key = rest[..eq].trim();
        let path = parse_key(key).map_err(|message| SetError::InvalidKey {
            arg_index,
            key: key.to_owned(),
            message,
        })?;
        let value_start = pos + eq + 1;
        let (value, end) = parse_value(&arg[value_start..], &mut last_json_error);
        out.push(SetAssignment {
            key: key.to_owned(),
            path,
            value,
        });
        let next = value_start + end;
        if next >= arg.len() {
            return Ok(());
        }
        // `arg[next]` is the separating comma.
        pos = next + 1;
    }
}

/// The value at the start of `s` and the byte length it used (up to, not including, the `,`).
fn parse_value(s: &str, last_json_error: &mut Option<String>) -> (Value, usize) {
    let trimmed_start = s.len() - s.trim_start().len();
    let mut stream = serde_json::Deserializer::from_str(s).into_iter::<Value>();
    *last_json_error = None;
    match stream.next() {
        Some(Ok(v)) => {
            let end = stream.byte_offset();
            let after = &s[end..];
            let ws = after.len() - after.trim_start().len();
            if after.trim_start().is_empty() || after[ws..].starts_with(',') {
                let stop = if after.trim_start().is_empty() {
                    s.len()
                } else {
                    end + ws
                };
                return (v, stop);
            }
        }
        Some(Err(e)) if s[trimmed_start..].starts_with(['[', '{', '"']) => {
            *last_json_error = Some(e.to_string());
        }
        _ => {}
    }
    let stop = s.find(',').unwrap_or(s.len());
    (Value::String(s[..stop].to_owned()), stop)
}

/// `a.b[0].c` → `[Key a, Key b, Index 0, Key c]`.
fn parse_key(key: &str) -> Result<Vec<PathSegment>, String> {
    if key.is_empty() {
        return Err("empty key".into());
    }
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return Err(format!("empty name in `{part}`"));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(format!("unexpected character {bad:?} in `{name}`"));
        }
        out.push(PathSegment::Key(name.to_owned()));
        while !indexes.is_empty() {
            let close = indexes
                .find(']')
                .ok_or_else(|| format!("unclosed `[` in `{part}`"))?;
            let digits = &indexes[1..close];
            let n: usize = digits.parse().map_err(|_| {
                format!("`[{digits}]` in `{part}` is not a non-negative array index")
            })?;
            out.push(PathSegment::Index(n));
            indexes = &indexes[close + 1..];
            if !indexes.is_empty() && !indexes.starts_with('[') {
                return Err(format!("unexpected `{indexes}` after `]` in `{part}`"));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn one(a: &str) -> Vec<(String, Value)> {
        parse_set_args(&args(&[a]))
            .unwrap()
            .into_iter()
            .map(|s| (s.key, s.value))
            .collect()
    }

    #[test]
    fn types_values_as_json_or_plain_strings() {
        assert_eq!(
            one("capacity.target=2"),
            vec![("capacity.target".into(), json!(2))]
        );
        assert_eq!(one("a=true"), vec![("a".into(), json!(true))]);
        assert_eq!(one("a=null"), vec![("a".into(), Value::Null)]);
        assert_eq!(one("a=-1.5"), vec![("a".into(), json!(-1.5))]);
        assert_eq!(one("a=\"1.0\""), vec![("a".into(), json!("1.0"))]);
        assert_eq!(one("a=2020.01.15"), vec![("a".into(), json!("2020.01.15"))]);
        assert_eq!(
            one("a=standard_d2_v2"),
            vec![("a".into(), json!("standard_d2_v2"))]
        );
        assert_eq!(one("a=trueish"), vec![("a".into(), json!("trueish"))]);
        assert_eq!(one("a="), vec![("a".into(), json!(""))]);
        assert_eq!(one("a=x=y"), vec![("a".into(), json!("x=y"))]);
        assert_eq!(one("a= spaced "), vec![("a".into(), json!(" spaced "))]);
        assert_eq!(
            one("a={\"k\": [1, 2]}"),
            vec![("a".into(), json!({"k": [1, 2]}))]
        );
    }

    #[test]
    fn splits_on_top_level_commas_only() {
        assert_eq!(
            one("capacity.maximum=3,capacity.target=2"),
            vec![
                ("capacity.maximum".into(), json!(3)),
                ("capacity.target".into(), json!(2))
            ]
        );
        assert_eq!(
            one("compute.vmSizes.spotSizes=[\"standard_d2_v2\",\"standard_d4_v2\"], name=g"),
            vec![
                (
                    "compute.vmSizes.spotSizes".into(),
                    json!(["standard_d2_v2", "standard_d4_v2"])
                ),
                ("name".into(), json!("g")),
            ]
        );
        assert_eq!(
            one("d=\"a,b\",e=1"),
            vec![("d".into(), json!("a,b")), ("e".into(), json!(1))]
        );
        assert_eq!(
            one("o={\"a\":1,\"b\":\"x,y\"}"),
            vec![("o".into(), json!({"a": 1, "b": "x,y"}))]
        );
        assert_eq!(
            one("v=1.0.3,w=2"),
            vec![("v".into(), json!("1.0.3")), ("w".into(), json!(2))]
        );
    }

    #[test]
    fn parses_paths_with_indexes() {
        let s = parse_set_args(&args(&[
            "a.b[0].c=1",
            "m[1][2]=x",
            "compute.launchSpecification.tags[0].tagKey=k",
        ]))
        .unwrap();
        use PathSegment::*;
        assert_eq!(
            s[0].path,
            vec![Key("a".into()), Key("b".into()), Index(0), Key("c".into())]
        );
        assert_eq!(s[1].path, vec![Key("m".into()), Index(1), Index(2)]);
        assert_eq!(s[2].path.len(), 5);
    }

    #[test]
    fn syntax_errors_name_the_argument_and_expectation() {
        let e = parse_set_args(&args(&["a=1", "novalue"])).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("#2") && m.contains("novalue") && m.contains("key=value"),
            "{m}"
        );

        let m = parse_set_args(&args(&["description=hello, world"]))
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("` world` is not key=value") && m.contains("JSON string"),
            "{m}"
        );

        let m = parse_set_args(&args(&["a=[1,2"])).unwrap_err().to_string();
        assert!(m.contains("looks like JSON but is invalid"), "{m}");

        let m = parse_set_args(&args(&["a=1,"])).unwrap_err().to_string();
        assert!(m.contains("stray ','"), "{m}");

        assert!(matches!(
            parse_set_args(&args(&[""])),
            Err(SetError::Syntax { arg_index: 1, .. })
        ));
        assert!(matches!(
            parse_set_args(&args(&["=1"])),
            Err(SetError::InvalidKey { .. })
        ));
    }

    #[test]
    fn key_errors_explain_the_path_grammar() {
        for (bad, why) in [
            ("a..b=1", "empty name"),
            ("a[x]=1", "not a non-negative array index"),
            ("a[-1]=1", "not a non-negative array index"),
            ("a[0=1", "unclosed"),
            ("a[0]b=1", "after `]`"),
            ("a b=1", "unexpected character"),
            ("[0]=1", "empty name"),
        ] {
            let m = parse_set_args(&args(&[bad])).unwrap_err().to_string();
            assert!(
                m.contains(why) && m.contains("expected dotted names"),
                "{bad}: {m}"
            );
        }
    }

    #[test]
    fn debug_hides_secret_values() {
        let s = parse_set_args(&args(&[
            "compute.launchSpecification.login.password=s3cret",
            "name=visible",
        ]))
        .unwrap();
        assert!(s[0].is_secret() && !s[1].is_secret());
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret")
                && shown.contains("redacted: 6 bytes")
                && shown.contains("visible"),
            "{shown}"
        );
    }

    #[test]
    fn errors_do_not_show_secret_values() {
        let m = parse_set_args(&args(&[
            "compute.launchSpecification.login.password=s3cret,oops",
        ]))
        .unwrap_err()
        .to_string();
        assert!(!m.contains("s3cret"), "{m}");
        assert!(m.contains("secret field"), "{m}");
    }
}
