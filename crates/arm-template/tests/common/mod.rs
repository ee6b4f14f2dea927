//! Shared helpers for the integration tests: loading aks-engine fixture cases.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use arm_template::{Deployment, DeploymentContext, ParameterValues, Template};
use serde_json::Value as Json;

/// The subscription id used by the fixtures.
pub const SUBSCRIPTION: &str = "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d";

/// One fixture case, loaded.
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub template: Template,
    pub template_json: Json,
    pub parameters: ParameterValues,
    pub parameters_json: Json,
}

pub fn read_json(path: &Path) -> Json {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

impl Case {
    pub fn load(name: &str, dir: &Path) -> Case {
        let template_json = read_json(&dir.join("azuredeploy.json"));
        let parameters_json = read_json(&dir.join("azuredeploy.parameters.json"));
        Case {
            name: name.to_owned(),
            dir: dir.to_owned(),
            template: Template::from_json(template_json.clone())
                .unwrap_or_else(|e| panic!("{name}: {e}")),
            parameters: ParameterValues::from_parameters_file(&parameters_json)
                .unwrap_or_else(|e| panic!("{name}: {e}")),
            template_json,
            parameters_json,
        }
    }

    /// The dnsPrefix (used as resource group name).
    pub fn dns_prefix(&self) -> String {
        self.parameters_json["parameters"]["masterEndpointDNSNamePrefix"]["value"]
            .as_str()
            .expect("masterEndpointDNSNamePrefix")
            .to_owned()
    }

    pub fn context(&self) -> DeploymentContext {
        DeploymentContext {
            subscription_id: SUBSCRIPTION.into(),
            resource_group: self.dns_prefix(),
            ..DeploymentContext::default()
        }
    }

    pub fn deployment(&self) -> Deployment<'_> {
        Deployment::new(&self.template, &self.parameters, self.context())
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// Indexes of the VMSS resources.
    pub fn vmss_indexes(&self) -> Vec<usize> {
        self.template
            .resources_raw()
            .iter()
            .enumerate()
            .filter(|(_, r)| r["type"] == "Microsoft.Compute/virtualMachineScaleSets")
            .map(|(i, _)| i)
            .collect()
    }
}

/// Every case under the fixtures (empty when shared/ is absent).
pub fn cases(test: &str) -> Vec<Case> {
    test_fixtures::aks_engine_cases(test)
        .iter()
        .map(|(n, d)| Case::load(n, d))
        .collect()
}

/// One named case, when shared/ is present.
pub fn case(test: &str, name: &str) -> Option<Case> {
    let root = test_fixtures::aks_engine_fixtures(test)?;
    Some(Case::load(name, &root.join(name)))
}

/// Visit every string (values and object keys) with its path.
pub fn visit_strings(v: &Json, path: &str, f: &mut dyn FnMut(&str, &str)) {
    match v {
        Json::String(s) => f(path, s),
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                visit_strings(x, &format!("{path}[{i}]"), f);
            }
        }
        Json::Object(o) => {
            for (k, x) in o {
                let p = format!("{path}.{k}");
                f(&format!("{p} (key)"), k);
                visit_strings(x, &p, f);
            }
        }
        _ => {}
    }
}
