//! Fuzz target: arbitrary UTF-8 is parsed and evaluated as an expression against an empty
//! template; input that is a JSON object is also loaded as a whole template whose resources and
//! outputs are evaluated. No step may panic, and the evaluation limits keep memory and time
//! bounded. Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run parse_eval` (see BENCHMARKS.md).
#![no_main]

use arm_template::{
    DeployTimePolicy, Deployment, DeploymentContext, ParameterValues, Template, parse_expression,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_expression(text);
    let empty = Template::from_json(serde_json::json!({})).expect("empty template loads");
    for policy in [DeployTimePolicy::Fail, DeployTimePolicy::Mark] {
        let d = Deployment::new(&empty, &ParameterValues::new(), DeploymentContext::default())
            .expect("binds")
            .with_deploy_time_policy(policy);
        let _ = d.evaluate_expression(text);
        let _ = d.evaluate_value("fuzz", &serde_json::Value::String(text.to_owned()));
    }
    if let Ok(json @ serde_json::Value::Object(_)) = serde_json::from_str(text)
        && let Ok(template) = Template::from_json(json)
        && let Ok(d) = Deployment::new(&template, &ParameterValues::new(), DeploymentContext::default())
    {
        let d = d.with_deploy_time_policy(DeployTimePolicy::Mark);
        let _ = d.resources();
        let _ = d.outputs();
    }
});
