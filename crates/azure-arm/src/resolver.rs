//! Answering a template's `reference()` from live ARM, for the few values aks-engine templates
//! read back from deployed resources (e.g. a user-assigned identity's `clientId`).
//!
//! The template evaluator is synchronous, so this blocks on a tokio runtime handle: **call it from
//! a blocking context** (`tokio::task::spawn_blocking` or a plain thread), never from inside an
//! async task, where `block_on` panics.

use std::sync::Arc;

use serde_json::Value;
use tokio::runtime::Handle;

use crate::client::ArmClient;
use crate::error::ArmError;
use crate::resource_id::{default_api_version, qualify, resource_type};

/// Resolves `reference(id, apiVersion, 'Full')` against ARM in one resource group.
#[derive(Debug, Clone)]
pub struct ArmResolver {
    client: Arc<ArmClient>,
    resource_group: String,
    runtime: Handle,
}

impl ArmResolver {
    /// A resolver qualifying relative ids with `resource_group` and the client's subscription.
    pub fn new(client: Arc<ArmClient>, resource_group: impl Into<String>, runtime: Handle) -> Self {
        Self {
            client,
            resource_group: resource_group.into(),
            runtime,
        }
    }

    /// The async form: the resource's `properties` (ARM's meaning of a plain reference), or the
    /// whole resource when `full`.
    pub async fn reference_async(
        &self,
        resource_id: &str,
        api_version: Option<&str>,
        full: bool,
    ) -> Result<Value, ArmError> {
        let id = qualify(
            resource_id,
            self.client.subscription_id(),
            &self.resource_group,
        );
        let api_version = match api_version {
            Some(v) => v,
            None => resource_type(&id)
                .as_deref()
                .and_then(default_api_version)
                .ok_or_else(|| ArmError::Url {
                    url: id.clone(),
                    detail: "reference() without an apiVersion for a resource type this tool has no default for".into(),
                })?,
        };
        let resource = self.client.get_json(&id, api_version).await?;
        if full {
            return Ok(resource);
        }
        Ok(resource.get("properties").cloned().unwrap_or(Value::Null))
    }

    /// The blocking form (see the module docs for where it may be called).
    pub fn reference_blocking(
        &self,
        resource_id: &str,
        api_version: Option<&str>,
        full: bool,
    ) -> Result<Value, ArmError> {
        self.runtime
            .block_on(self.reference_async(resource_id, api_version, full))
    }
}

/// The template evaluator's hook: `reference()` answered from ARM (blocking; see module docs).
impl arm_template::Resolver for ArmResolver {
    fn reference(
        &self,
        resource_id: &str,
        api_version: Option<&str>,
        full: bool,
    ) -> Result<Value, String> {
        self.reference_blocking(resource_id, api_version, full)
            .map_err(|e| {
                // The resolver hook takes a string: keep every cause in it.
                let mut text = e.to_string();
                let mut cause = std::error::Error::source(&e);
                while let Some(c) = cause {
                    text.push_str(": ");
                    text.push_str(&c.to_string());
                    cause = c.source();
                }
                text
            })
    }
}
