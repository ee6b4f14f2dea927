//! The client-secret token source against a loopback Azure AD v2 token endpoint.

use azure_arm::token::{ClientSecretToken, TokenError, TokenSource};
use azure_arm::{ExposeSecret, SecretString, StaticToken};
use test_support::arm_server::{ArmServer, ArmServerConfig};
use url::Url;

fn source(server: &ArmServer, secret: &str) -> ClientSecretToken {
    let c = server.config();
    ClientSecretToken::new(
        &Url::parse(&server.url()).unwrap(),
        &c.tenant_id,
        c.client_id.clone(),
        SecretString::from(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn fetches_a_token_with_the_client_credentials_form_and_caches_it() {
    let server = ArmServer::start(ArmServerConfig::default()).await;
    let tokens = source(&server, "test-client-secret");
    let first = tokens.token().await.unwrap();
    let second = tokens.token().await.unwrap();
    assert_eq!(first.token.expose_secret(), "test-arm-token");
    assert_eq!(second.token.expose_secret(), "test-arm-token");

    let posts = server.requests_to("/oauth2/v2.0/token");
    assert_eq!(posts.len(), 1, "second call must come from the cache");
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(posts[0].body.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], "https://management.azure.com/.default");
    assert_eq!(form["client_id"], server.config().client_id);
    assert_eq!(
        posts[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(
        posts[0]
            .path
            .starts_with(&format!("/{}/", server.config().tenant_id))
    );
}

#[tokio::test]
async fn refetches_when_the_cached_token_is_about_to_expire() {
    let server = ArmServer::start(ArmServerConfig {
        expires_in: 30, // inside the refresh skew: never cached as fresh
        ..Default::default()
    })
    .await;
    let tokens = source(&server, "test-client-secret");
    tokens.token().await.unwrap();
    tokens.token().await.unwrap();
    assert_eq!(server.requests_to("/oauth2/v2.0/token").len(), 2);
}

#[tokio::test]
async fn a_wrong_secret_is_an_aad_error_without_the_secret() {
    let server = ArmServer::start(ArmServerConfig::default()).await;
    let tokens = source(&server, "wrong-secret-value");
    let err = tokens.token().await.unwrap_err();
    match &err {
        TokenError::Aad {
            status,
            error,
            description,
            trace_id,
            correlation_id,
            ..
        } => {
            assert_eq!(*status, 401);
            assert_eq!(error, "invalid_client");
            assert!(description.starts_with("AADSTS7000215"), "{description}");
            assert_eq!(trace_id, "trace-1");
            assert_eq!(correlation_id, "corr-aad-1");
        }
        other => panic!("expected an AAD error, got {other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wrong-secret-value"), "{text}");
}

#[tokio::test]
async fn an_unknown_tenant_is_a_400() {
    let server = ArmServer::start(ArmServerConfig::default()).await;
    let tokens = ClientSecretToken::new(
        &Url::parse(&server.url()).unwrap(),
        "contoso.example",
        "x",
        SecretString::from("s"),
    )
    .unwrap();
    let err = tokens.token().await.unwrap_err();
    assert!(
        matches!(&err, TokenError::Aad { status: 400, error, .. } if error == "invalid_request"),
        "{err:?}"
    );
}

#[tokio::test]
async fn static_tokens_are_returned_as_given() {
    let t = StaticToken::new("abc").token().await.unwrap();
    assert_eq!(t.token.expose_secret(), "abc");
    assert!(t.is_fresh());
}
