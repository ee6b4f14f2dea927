//! Tenant discovery like aks-engine: unauthenticated subscription GET, 401, WWW-Authenticate.

use azure_arm::{TenantDiscoveryError, discover_tenant};
use test_support::arm_server::{ArmServer, ArmServerConfig, TenantChallenge};
use url::Url;

async fn discover(challenge: TenantChallenge) -> (ArmServer, Result<String, TenantDiscoveryError>) {
    let server = ArmServer::start(ArmServerConfig {
        tenant_challenge: challenge,
        ..Default::default()
    })
    .await;
    let sub = server.config().subscription_id.clone();
    let r = discover_tenant(
        &reqwest::Client::new(),
        &Url::parse(&server.url()).unwrap(),
        &sub,
    )
    .await;
    (server, r)
}

#[tokio::test]
async fn finds_the_tenant_in_the_401_challenge() {
    let (server, r) = discover(TenantChallenge::Standard).await;
    assert_eq!(r.unwrap(), server.config().tenant_id);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(
        reqs[0].path,
        format!("/subscriptions/{}", server.config().subscription_id)
    );
    assert_eq!(
        reqs[0].query_param("api-version").as_deref(),
        Some("2016-06-01")
    );
    assert!(
        !reqs[0].headers.contains_key("authorization"),
        "must be unauthenticated"
    );
}

#[tokio::test]
async fn a_status_other_than_401_is_unexpected() {
    let (_s, r) = discover(TenantChallenge::Status(400)).await;
    assert_eq!(
        r.unwrap_err().to_string(),
        "Unexpected response from Get Subscription: 400"
    );
}

#[tokio::test]
async fn a_401_without_the_header_says_so() {
    let (_s, r) = discover(TenantChallenge::MissingHeader).await;
    assert_eq!(
        r.unwrap_err().to_string(),
        "Header WWW-Authenticate not found in Get Subscription response"
    );
}

#[tokio::test]
async fn a_header_without_a_tenant_is_quoted_in_the_error() {
    let (_s, r) = discover(TenantChallenge::Header(
        r#"Bearer authorization_uri="https://login.windows.net/NOT-HEX""#.into(),
    ))
    .await;
    assert_eq!(
        r.unwrap_err().to_string(),
        r#"Could not find the tenant ID in header: WWW-Authenticate "Bearer authorization_uri=\"https://login.windows.net/NOT-HEX\"""#
    );
}

#[tokio::test]
async fn no_response_at_all_is_request_failed() {
    // Bind then drop a listener so the port is closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let err = discover_tenant(&reqwest::Client::new(), &url, "sub")
        .await
        .unwrap_err();
    assert!(matches!(err, TenantDiscoveryError::Request(_)));
    // The transport error is the cause, printed after the colon by the binary's chain printer.
    assert_eq!(err.to_string(), "Request failed");
    let cause = std::error::Error::source(&err).expect("the transport error is the source");
    assert!(!cause.to_string().is_empty());
}
