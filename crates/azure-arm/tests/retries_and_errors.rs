//! Throttling, transient failures and ARM error bodies.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::{Duration, Instant};

use azure_arm::ArmError;
use common::{RG, client, server};
use test_support::arm_server::{ArmServerConfig, Fault};

const VMSS: &str = "k8s-agentpool1-12345678-vmss";

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let s = server(ArmServerConfig::default()).await;
    s.add_scale_set(RG, VMSS, "eastus", 2);
    s.inject(Fault::throttle("/virtualmachinescalesets/", 1));
    let started = Instant::now();
    let rg = client(&s).get_scale_set(RG, VMSS).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(rg.name, VMSS);
    assert_eq!(rg.location, "eastus");
    let calls = s.requests_to("/virtualmachinescalesets/");
    assert_eq!(calls.len(), 2);
    assert_ne!(
        calls[0].headers["x-ms-client-request-id"], calls[1].headers["x-ms-client-request-id"],
        "each attempt has its own client request id"
    );
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let s = server(ArmServerConfig::default()).await;
    s.add_scale_set(RG, VMSS, "eastus", 2);
    s.inject(Fault::server_error("/virtualmachinescalesets/", 500));
    s.inject(Fault::server_error("/virtualmachinescalesets/", 503));
    let vmss = client(&s).get_scale_set(RG, VMSS).await.unwrap();
    assert_eq!(vmss.sku.capacity, Some(2));
    assert_eq!(s.requests_to("/virtualmachinescalesets/").len(), 3);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_error_has_request_ids() {
    let s = server(ArmServerConfig::default()).await;
    for _ in 0..10 {
        s.inject(Fault::server_error("/virtualmachinescalesets/", 500));
    }
    let err = client(&s).get_scale_set(RG, VMSS).await.unwrap_err();
    assert_eq!(
        s.requests_to("/virtualmachinescalesets/").len(),
        4,
        "max_attempts 4: every try counted"
    );
    assert_eq!(err.status(), Some(500));
    let ids = err.request_ids().unwrap();
    assert_eq!(ids.request_id.as_deref(), Some("req-0004"));
    assert_eq!(ids.correlation_id.as_deref(), Some("corr-0004"));
    let text = err.to_string();
    assert!(
        text.contains("HTTP 500") && text.contains("InternalServerError"),
        "{text}"
    );
}

#[tokio::test]
async fn an_arm_error_body_becomes_a_typed_error_with_request_id() {
    let s = server(ArmServerConfig::default()).await;
    s.inject(Fault::arm_error("/virtualmachinescalesets/", 403, "AuthorizationFailed",
        "The client does not have authorization to perform action 'Microsoft.Compute/virtualMachineScaleSets/read'."));
    let err = client(&s).get_scale_set(RG, VMSS).await.unwrap_err();
    let ArmError::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 403);
    assert_eq!(api.error.code, "AuthorizationFailed");
    assert_eq!(api.method, "GET");
    assert!(api.url.contains("api-version=2019-07-01"));
    assert_eq!(api.ids.request_id.as_deref(), Some("req-0001"));
    assert!(err.to_string().contains("x-ms-request-id req-0001"));
    assert!(
        !format!("{err} {err:?}").contains("test-arm-token"),
        "token leaked"
    );
}

#[tokio::test]
async fn a_wrong_token_is_an_authentication_error() {
    let s = server(ArmServerConfig::default()).await;
    let arm = azure_arm::ArmClient::new(
        common::fast_config(&s.url()),
        std::sync::Arc::new(azure_arm::StaticToken::new("stale")),
        s.config().subscription_id.clone(),
    )
    .unwrap();
    let err = arm.get_scale_set(RG, VMSS).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("AuthenticationFailed"));
    assert!(!err.to_string().contains("stale"));
}

#[tokio::test]
async fn client_secret_end_to_end_through_token_source_selection() {
    let s = server(ArmServerConfig::default()).await;
    s.add_scale_set(RG, VMSS, "eastus", 2);
    let c = s.config();
    let method = azure_arm::AuthMethod::ClientSecret {
        authority_host: Some(url::Url::parse(&s.url()).unwrap()),
        tenant_id: c.tenant_id.clone(),
        client_id: c.client_id.clone(),
        secret: azure_arm::SecretString::from(c.client_secret.as_str()),
    };
    let tokens = azure_arm::token_source(&method).unwrap();
    let arm = azure_arm::ArmClient::new(
        common::fast_config(&s.url()),
        tokens,
        c.subscription_id.clone(),
    )
    .unwrap();
    arm.get_scale_set(RG, VMSS).await.unwrap();
    arm.get_scale_set(RG, VMSS).await.unwrap();
    assert_eq!(s.requests_to("/oauth2/v2.0/token").len(), 1);
}

#[tokio::test]
async fn poll_urls_on_another_host_never_get_the_token() {
    let s = server(ArmServerConfig::default()).await;
    let arm = client(&s);
    let foreign = url::Url::parse("http://127.0.0.2:1/x?api-version=1").unwrap();
    let err = arm
        .send(azure_arm::Method::GET, foreign, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ArmError::ForeignUrl { .. }), "{err:?}");
}
