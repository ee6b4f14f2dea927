//! Property tests for `--set` parsing: splitting on commas never breaks a JSON value.

use elastigroup::{PathSegment, parse_set_args};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Dyadic fractions: serde_json (without float_roundtrip) parses them back exactly.
        (-1_000_000i64..1_000_000).prop_map(|n| Value::from(n as f64 / 64.0)),
        // Strings full of separators and JSON punctuation.
        "[a-z,=\\[\\]{}\" :\\\\]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z,=]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    (
        "[a-z][a-zA-Z0-9_-]{0,6}",
        prop::collection::vec(("[a-z][a-zA-Z0-9]{0,6}", prop::option::of(0usize..5)), 0..3),
    )
        .prop_map(|(first, rest)| {
            let mut k = first;
            for (name, index) in rest {
                k.push('.');
                k.push_str(&name);
                if let Some(i) = index {
                    k.push_str(&format!("[{i}]"));
                }
            }
            k
        })
}

proptest! {
    #[test]
    fn comma_joined_json_values_round_trip(pairs in prop::collection::vec((key(), json_value()), 1..5)) {
        let arg = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        let parsed = parse_set_args(std::slice::from_ref(&arg)).unwrap();
        prop_assert_eq!(parsed.len(), pairs.len(), "{}", arg);
        for (p, (k, v)) in parsed.iter().zip(&pairs) {
            prop_assert_eq!(&p.key, k);
            prop_assert_eq!(&p.value, v);
        }
    }

    #[test]
    fn separate_arguments_equal_one_comma_joined_argument(pairs in prop::collection::vec((key(), json_value()), 1..4)) {
        let separate: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let joined = separate.join(",");
        prop_assert_eq!(parse_set_args(&separate).unwrap(), parse_set_args(&[joined]).unwrap());
    }

    #[test]
    fn plain_words_stay_strings(k in key(), word in "[A-Za-z_][A-Za-z0-9_.:/-]{0,20}") {
        prop_assume!(serde_json::from_str::<Value>(&word).is_err());
        let parsed = parse_set_args(&[format!("{k}={word}")]).unwrap();
        prop_assert_eq!(&parsed[0].value, &Value::String(word));
    }

    #[test]
    fn keys_parse_to_their_segments(k in key()) {
        let parsed = parse_set_args(&[format!("{k}=1")]).unwrap();
        let rebuilt = parsed[0].path.iter().enumerate().map(|(i, s)| match s {
            PathSegment::Key(n) if i > 0 => format!(".{n}"),
            other => other.to_string(),
        }).collect::<String>();
        prop_assert_eq!(rebuilt, k);
    }
}
