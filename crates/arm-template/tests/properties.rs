//! Property tests: round-trips through the expression language and panic freedom.

use arm_template::ast::ExpressionKind;
use arm_template::{
    DeployTimePolicy, Deployment, DeploymentContext, ParameterValues, Template, parse_expression,
};
use proptest::prelude::*;
use serde_json::json;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn empty_template() -> Template {
    Template::from_json(json!({})).unwrap()
}

proptest! {
    #[test]
    fn base64_round_trips(s in any::<String>()) {
        let t = empty_template();
        let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
        let out = d.evaluate_expression(&format!("[base64ToString(base64({}))]", quote(&s))).unwrap();
        prop_assert_eq!(out, json!(s));
    }

    #[test]
    fn string_literals_round_trip(s in any::<String>()) {
        let e = parse_expression(&format!("[{}]", quote(&s))).unwrap();
        prop_assert_eq!(e.kind, ExpressionKind::String(s));
    }

    #[test]
    fn double_bracket_is_a_literal(s in any::<String>()) {
        let t = empty_template();
        let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
        let text = format!("[[{s}]");
        let out = d.evaluate_value("v", &json!(text)).unwrap();
        prop_assert_eq!(out.value, json!(format!("[{s}]")));
    }

    #[test]
    fn parser_never_panics(s in any::<String>()) {
        let _ = parse_expression(&s);
        let _ = parse_expression(&format!("[{s}]"));
    }

    #[test]
    fn evaluator_never_panics(s in "[a-zA-Z(),'\\[\\]. 0-9-]{0,60}") {
        let t = empty_template();
        let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default())
            .unwrap()
            .with_deploy_time_policy(DeployTimePolicy::Mark);
        let _ = d.evaluate_expression(&s);
    }

    #[test]
    fn concat_of_literals_is_concatenation(a in any::<String>(), b in any::<String>()) {
        let t = empty_template();
        let d = Deployment::new(&t, &ParameterValues::new(), DeploymentContext::default()).unwrap();
        let out = d.evaluate_expression(&format!("[concat({}, {})]", quote(&a), quote(&b))).unwrap();
        prop_assert_eq!(out, json!(format!("{a}{b}")));
    }
}
