//! Benchmark: evaluate every `Microsoft.Compute/virtualMachineScaleSets` resource of the
//! multi-pool fixture (fresh deployment each iteration, so parsing and variables are included).

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn`"
)]

use arm_template::{Deployment, DeploymentContext, ParameterValues, Template};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let Some(case) =
        test_fixtures::shared_path("evaluate_vmss bench", "fixtures/aks-engine/multi-pool")
    else {
        return;
    };
    let read = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(case.join(name)).expect("fixture readable");
        serde_json::from_str(&text).expect("fixture is JSON")
    };
    let template = Template::from_json(read("azuredeploy.json")).expect("template loads");
    let params_json = read("azuredeploy.parameters.json");
    let parameters = ParameterValues::from_parameters_file(&params_json).expect("parameters load");
    let dns_prefix = params_json["parameters"]["masterEndpointDNSNamePrefix"]["value"]
        .as_str()
        .unwrap_or("rg")
        .to_owned();
    let vmss: Vec<usize> = template
        .resources_raw()
        .iter()
        .enumerate()
        .filter(|(_, r)| r["type"] == "Microsoft.Compute/virtualMachineScaleSets")
        .map(|(i, _)| i)
        .collect();
    let context = DeploymentContext {
        subscription_id: "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d".into(),
        resource_group: dns_prefix,
        ..DeploymentContext::default()
    };
    c.bench_function("evaluate all VMSS of multi-pool", |b| {
        b.iter(|| {
            let deployment =
                Deployment::new(&template, &parameters, context.clone()).expect("binds");
            for &i in &vmss {
                let evaluated = deployment.evaluate_resource(i).expect("evaluates");
                std::hint::black_box(evaluated);
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
