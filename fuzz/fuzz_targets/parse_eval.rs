//! Fuzz target: parse arbitrary UTF-8 as an expression and evaluate it against an empty
//! template. Neither step may panic. Run with `cargo +nightly fuzz run parse_eval`.
#![no_main]

use arm_template::{DeployTimePolicy, Deployment, DeploymentContext, ParameterValues, Template, parse_expression};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_expression(text);
    let template = Template::from_json(serde_json::json!({})).expect("empty template loads");
    for policy in [DeployTimePolicy::Fail, DeployTimePolicy::Mark] {
        let d = Deployment::new(&template, &ParameterValues::new(), DeploymentContext::default())
            .expect("binds")
            .with_deploy_time_policy(policy);
        let _ = d.evaluate_expression(text);
        let _ = d.evaluate_value("fuzz", &serde_json::Value::String(text.to_owned()));
    }
});
