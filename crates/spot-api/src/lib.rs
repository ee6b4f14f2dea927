//! Spot API client: credentials chain, envelope, errors, retry policy.
//!
//! The client speaks both Elastigroup-for-Azure generations (`/azure/compute/group`, v3, and the
//! legacy `/compute/azure/group`, v2). Idempotent calls are retried with capped exponential
//! backoff; a create is never retried blindly: after an ambiguous failure the client looks for a
//! group of the same name before trying again, so a lost response never yields a duplicate.

pub mod client;
pub mod config;
pub mod credentials;
pub mod envelope;
pub mod error;
pub mod group;
pub mod group_vms;
pub mod retry;

pub use client::SpotClient;
pub use config::{ClientConfig, DEFAULT_BASE_URL, user_agent};
pub use credentials::{
    CredentialSource, Credentials, CredentialsError, ExplicitCredentials, resolve,
    resolve_from_process,
};
pub use error::{ErrorItem, SpotError, StatusError};
pub use group::{
    CreatedGroup, GROUP_DOESNT_EXIST, Group, GroupStatus, VmStatus, group_doesnt_exist,
};
pub use group_vms::{GroupVm, capacity_target, vms_of_status};
pub use retry::RetryPolicy;
pub use secrecy::{ExposeSecret, SecretString};
