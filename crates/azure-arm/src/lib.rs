//! Azure Resource Manager client: tokens, long-running operations, tenant discovery.
//!
//! A thin, hand-written client over `reqwest` (there is no maintained ARM crate): bearer tokens
//! from a [`TokenSource`], `api-version` on every call, `x-ms-client-request-id`, retries on
//! throttling and transient errors, long-running operations, and ARM error bodies turned into
//! [`ArmError`]s that always carry the HTTP status and `x-ms-request-id`.

pub mod client;
pub mod config;
pub mod error;
pub mod lro;
pub mod ops;
pub mod resolver;
pub mod resource_id;
pub mod retail_prices;
pub mod retry;
pub mod tenant;
pub mod token;

pub use client::{ArmClient, ArmResponse};
pub use config::{ArmConfig, PollPolicy, RetryPolicy};
pub use error::{
    ArmError, ArmErrorResponse, DecodeError, ErrorDetail, OperationFailure, RequestIds,
};
pub use lro::LroProgress;
pub use ops::identities::{IdentityProperties, UserAssignedIdentity};
pub use ops::scale_sets::{ScaleSet, ScaleSetSku};
pub use reqwest::Method;
pub use resolver::ArmResolver;
pub use retail_prices::{RetailPricesClient, RetailPricesError};
pub use secrecy::{ExposeSecret, SecretString};
pub use tenant::{TenantDiscoveryError, discover_tenant};
pub use token::{AccessToken, AuthMethod, StaticToken, TokenError, TokenSource, token_source};
