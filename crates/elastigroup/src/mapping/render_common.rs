//! Parts of the group body that have the same shape in both API generations.

use serde_json::{Map, Value, json};

use super::node::NodeSpec;

/// `login` (same shape in both generations; an object, although the v2 OpenAPI file says array).
pub(crate) fn login(node: &NodeSpec) -> Value {
    let mut m = Map::new();
    m.insert("userName".into(), json!(node.login.user_name));
    if let Some(k) = &node.login.ssh_public_key {
        m.insert("sshPublicKey".into(), json!(k));
    }
    if let Some(p) = &node.login.password {
        m.insert("password".into(), json!(p));
    }
    Value::Object(m)
}

/// `tags: [{tagKey, tagValue}]` (same shape in both generations).
pub(crate) fn tags(node: &NodeSpec) -> Value {
    Value::Array(
        node.tags
            .iter()
            .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
            .collect(),
    )
}

/// `additionalIpConfigurations: [{name, privateIpAddressVersion}]` (same shape in both generations).
pub(crate) fn additional_ip_configs(node: &NodeSpec) -> Value {
    Value::Array(
        node.network
            .additional_ip_configs
            .value
            .iter()
            .map(|c| json!({"name": c.name, "privateIpAddressVersion": c.version}))
            .collect(),
    )
}

/// `managedServiceIdentities: [{resourceGroupName, name}]` (same shape in both generations).
pub(crate) fn managed_identities(node: &NodeSpec) -> Value {
    Value::Array(
        node.user_identities
            .value
            .iter()
            .map(|r| json!({"resourceGroupName": r.resource_group, "name": r.name}))
            .collect(),
    )
}
