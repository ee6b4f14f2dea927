//! Our client builders with a kubeconfig: the bearer token and CA `up.sh` wrote are accepted;
//! a wrong token or a CA that did not sign the server's certificate is refused with an error
//! that says so (never a panic).

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use cutover::kube_ops::list_nodes;
use test_support::real_kube::RealKube;

use crate::cluster::Cluster;

/// The error and its causes, one line, as the binary prints them.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    parts.join(": ")
}

fn rewrite(from: &Path, to: &Path, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(from).unwrap();
    std::fs::write(to, edit(&text)).unwrap();
}

/// A wrong bearer token: 401 from the server, reported as such.
pub(crate) async fn wrong_token(c: &impl Cluster) {
    let who = c.label();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("kubeconfig");
    rewrite(c.kubeconfig(), &bad, |text| {
        let token = text
            .split("token")
            .nth(1)
            .and_then(|rest| {
                rest.split(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-')
                    .find(|s| s.len() > 8)
            })
            .expect("the kubeconfig has a token")
            .to_owned();
        text.replace(&token, "not-the-token-0000")
    });
    let client = cutover::client_from_kubeconfig(&bad).await.unwrap();
    let err = list_nodes(&client)
        .await
        .expect_err("a wrong token is refused");
    assert_eq!(err.status, Some(401), "{who}: {}", chain(&err));
}

/// The kubeconfig of `up.sh` (token + CA) works with our builders; another CA is refused with
/// the reason the binary prints (`kube_connect::unanswered_reason`).
pub(crate) async fn ca_and_token(kube: &RealKube) {
    let good = kube.kubeconfig();
    let connection = kube_connect::connect(good, kube_connect::Retries::Default)
        .await
        .unwrap();
    assert_eq!(connection.server, kube.url());
    list_nodes(&connection.client)
        .await
        .expect("TLS verified against the CA, token accepted");
    let client = spot_controller::client_from_kubeconfig(good).await.unwrap();
    client
        .apiserver_version()
        .await
        .expect("the controller's builder connects too");

    let dir = tempfile::tempdir().unwrap();
    let other_ca = dir.path().join("other-ca.crt");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=some-other-ca", "-keyout"])
        .arg(dir.path().join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .unwrap();
    assert!(made.status.success(), "openssl: {made:?}");
    let other = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&other_ca).unwrap());
    let bad = dir.path().join("kubeconfig");
    rewrite(good, &bad, |text| {
        text.lines()
            .map(
                |line| match line.split_once("certificate-authority-data:") {
                    Some((indent, _)) => format!("{indent}certificate-authority-data: {other}"),
                    None => line.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("\n")
    });
    // The client builds (kube connects lazily); the first call is refused.
    let client = cutover::client_from_kubeconfig(&bad).await.unwrap();
    let err = list_nodes(&client)
        .await
        .expect_err("a wrong CA is refused");
    assert!(err.unanswered() && err.status.is_none(), "{}", chain(&err));
    assert!(
        chain(&err).contains("invalid peer certificate"),
        "{}",
        chain(&err)
    );
    let reason = kube_connect::unanswered_reason(&err).expect("a reason in words");
    assert!(
        reason.contains("not signed by the kubeconfig's certificate authority"),
        "{reason}"
    );
    assert!(
        err.to_string().contains(reason),
        "what the user reads: {err}"
    );
}
