//! Shared set-up: a loopback ARM server and a client with millisecond delays.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use azure_arm::{ArmClient, ArmConfig, PollPolicy, RetryPolicy, StaticToken};
use test_support::arm_server::{ArmServer, ArmServerConfig};
use url::Url;

pub const RG: &str = "spotaks-rg";

pub fn fast_config(base: &str) -> ArmConfig {
    let mut c = ArmConfig::new(Url::parse(base).unwrap());
    c.retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
    };
    c.poll = PollPolicy {
        default_interval: Duration::from_millis(5),
        max_interval: Duration::from_secs(2),
        timeout: Duration::from_secs(10),
    };
    c
}

pub async fn server(config: ArmServerConfig) -> ArmServer {
    ArmServer::start(config).await
}

pub fn client(server: &ArmServer) -> ArmClient {
    let c = server.config();
    ArmClient::new(
        fast_config(&server.url()),
        Arc::new(StaticToken::new(c.access_token.as_str())),
        c.subscription_id.clone(),
    )
    .unwrap()
}
