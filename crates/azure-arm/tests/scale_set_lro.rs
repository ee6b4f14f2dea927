//! Scaling an aks-engine scale set to zero through ARM's long-running operations.

#![allow(
    unreachable_pub,
    reason = "a test crate exports nothing: `pub` marks what its modules share"
)]

mod common;

use std::time::{Duration, Instant};

use azure_arm::{ArmError, LroProgress};
use common::{RG, client, server};
use test_support::arm_server::{ArmServerConfig, LroStyle};

const VMSS: &str = "k8s-agentpool1-12345678-vmss";

#[tokio::test]
async fn scales_to_zero_following_azure_async_operation() {
    let s = server(ArmServerConfig {
        lro: LroStyle::AzureAsyncOperation,
        in_progress_polls: 3,
        ..Default::default()
    })
    .await;
    s.add_scale_set(RG, VMSS, "eastus", 3);
    let arm = client(&s);

    let before = arm.get_scale_set(RG, VMSS).await.unwrap();
    assert_eq!(before.sku.capacity, Some(3));

    let mut seen: Vec<LroProgress> = Vec::new();
    let after = arm
        .scale_scale_set(RG, VMSS, 0, &mut |p: &LroProgress| seen.push(p.clone()))
        .await
        .unwrap();
    assert_eq!(after.sku.capacity, Some(0));
    assert_eq!(
        after.properties.provisioning_state.as_deref(),
        Some("Succeeded")
    );
    let statuses: Vec<&str> = seen.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["InProgress", "InProgress", "InProgress", "Succeeded"]
    );
    assert_eq!(seen.last().unwrap().polls, 4);

    let patch = s
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.query_param("api-version").as_deref(),
        Some("2019-07-01")
    );
    let body: serde_json::Value = serde_json::from_str(&patch.body).unwrap();
    assert_eq!(body, serde_json::json!({"sku": {"capacity": 0}}));
    assert_eq!(patch.headers["authorization"], "Bearer test-arm-token");
    assert!(patch.headers["x-ms-client-request-id"].len() >= 32);
    assert!(patch.headers["user-agent"].starts_with("spotinst-aks-engine/"));
    assert_eq!(s.requests_to("/operations/").len(), 4);
    assert_eq!(s.scale_set(RG, VMSS).unwrap()["sku"]["capacity"], 0);
}

#[tokio::test]
async fn scales_to_zero_following_location() {
    let s = server(ArmServerConfig {
        lro: LroStyle::Location,
        in_progress_polls: 2,
        ..Default::default()
    })
    .await;
    s.add_scale_set(RG, VMSS, "westeurope", 5);
    let arm = client(&s);
    let mut polls = 0;
    let after = arm
        .scale_scale_set(RG, VMSS, 0, &mut |_: &LroProgress| polls += 1)
        .await
        .unwrap();
    assert_eq!(after.sku.capacity, Some(0));
    assert_eq!(polls, 3);
    assert_eq!(s.requests_to("/operationResults/").len(), 3);
}

#[tokio::test]
async fn a_synchronous_patch_needs_no_polling() {
    let s = server(ArmServerConfig {
        lro: LroStyle::Synchronous,
        ..Default::default()
    })
    .await;
    s.add_scale_set(RG, VMSS, "eastus", 2);
    let after = client(&s)
        .scale_scale_set(RG, VMSS, 0, &mut |_: &LroProgress| {})
        .await
        .unwrap();
    assert_eq!(after.sku.capacity, Some(0));
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn a_failed_operation_carries_its_error_and_request_id() {
    let s = server(ArmServerConfig {
        lro: LroStyle::AsyncFails {
            code: "OperationNotAllowed".into(),
            message: "Operation could not be completed as it results in exceeding quota.".into(),
        },
        in_progress_polls: 1,
        ..Default::default()
    })
    .await;
    s.add_scale_set(RG, VMSS, "eastus", 2);
    let err = client(&s)
        .scale_scale_set(RG, VMSS, 0, &mut |_: &LroProgress| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ArmError::OperationFailed(f) if f.status == "Failed"),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("OperationNotAllowed"));
    let text = err.to_string();
    assert!(text.contains("exceeding quota"), "{text}");
    assert!(text.contains("x-ms-request-id req-"), "{text}");
    assert_eq!(s.scale_set(RG, VMSS).unwrap()["sku"]["capacity"], 2);
}

#[tokio::test]
async fn retry_after_on_operation_polls_is_honoured() {
    let s = server(ArmServerConfig {
        lro: LroStyle::Location,
        in_progress_polls: 1,
        retry_after_secs: Some(1),
        ..Default::default()
    })
    .await;
    s.add_scale_set(RG, VMSS, "eastus", 1);
    let started = Instant::now();
    client(&s)
        .scale_scale_set(RG, VMSS, 0, &mut |_: &LroProgress| {})
        .await
        .unwrap();
    // Two waits of Retry-After: 1 (after the 202 PATCH and after the 202 poll).
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn polling_gives_up_after_the_timeout() {
    let s = server(ArmServerConfig {
        lro: LroStyle::AzureAsyncOperation,
        in_progress_polls: 10_000,
        ..Default::default()
    })
    .await;
    s.add_scale_set(RG, VMSS, "eastus", 1);
    let mut arm_cfg = common::fast_config(&s.url());
    arm_cfg.poll.timeout = Duration::from_millis(60);
    let arm = azure_arm::ArmClient::new(
        arm_cfg,
        std::sync::Arc::new(azure_arm::StaticToken::new("test-arm-token")),
        s.config().subscription_id.clone(),
    )
    .unwrap();
    let err = arm
        .scale_scale_set(RG, VMSS, 0, &mut |_: &LroProgress| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, ArmError::OperationTimeout { ref status, .. } if status == "InProgress"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_scale_set_is_a_404_with_arm_code() {
    let s = server(ArmServerConfig::default()).await;
    s.add_resource_group(RG, "eastus");
    let err = client(&s).get_scale_set(RG, "nope").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("ResourceNotFound"));
}
