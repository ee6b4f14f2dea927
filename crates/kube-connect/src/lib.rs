//! One way from a kubeconfig file to a [`kube::Client`], for every command that talks to a
//! cluster (the cutover, `status`, the Spot controller's install, the node agent).
//!
//! - rustls gets its crypto provider explicitly: with more than one compiled in (kube's and
//!   reqwest's features unify), rustls cannot choose and would panic.
//! - Header values from the kubeconfig (the token, impersonation) are checked first: a token
//!   ending in a newline (a YAML block scalar `|`) would otherwise panic inside the HTTP stack.
//! - Errors name the kubeconfig and keep kube's error as their source, so TLS and connection
//!   causes reach the printed chain.

use std::path::{Path, PathBuf};

use kube::Client;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};
use secrecy::ExposeSecret;

/// Whether the client retries 429s and 5xx answers by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retries {
    /// kube's default retries.
    Default,
    /// None: the caller sees every 429 at once (the cutover's drain must see a disruption
    /// budget's refusal to report it and retry on its own schedule).
    Off,
}

/// A client and the API server it talks to.
#[derive(Clone)]
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The API server's URL, as the kubeconfig gives it (for messages).
    pub server: String,
    /// The kubeconfig it came from.
    pub kubeconfig: PathBuf,
}

/// The kubeconfig could not be read or used. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    /// Not readable.
    #[error("kubeconfig {}: cannot be read", path.display())]
    Read {
        /// Its path.
        path: PathBuf,
        /// The I/O error (kube's own error would name the path a second time).
        #[source]
        source: std::io::Error,
    },
    /// Not a kubeconfig (YAML or JSON of another shape).
    #[error("kubeconfig {}: is not a kubeconfig", path.display())]
    Parse {
        /// Its path.
        path: PathBuf,
        /// kube's reason.
        #[source]
        source: Box<kube::config::KubeconfigError>,
    },
    /// Its current context, cluster or user cannot be used (a missing context, a bad server
    /// URL, an unreadable certificate authority or client certificate).
    #[error("kubeconfig {}: its current context cannot be used", path.display())]
    Config {
        /// Its path.
        path: PathBuf,
        /// kube's reason.
        #[source]
        source: Box<kube::config::KubeconfigError>,
    },
    /// A value sent as an HTTP header is not a valid header value.
    #[error("kubeconfig {}: {problem}", path.display())]
    HeaderValue {
        /// Its path.
        path: PathBuf,
        /// Which value and what is wrong (never the value itself).
        problem: String,
    },
    /// No client could be made for the server (TLS set-up, e.g. an unusable certificate
    /// authority).
    #[error("kubeconfig {}: cannot make a client for the API server {server}", path.display())]
    Client {
        /// Its path.
        path: PathBuf,
        /// The server's URL.
        server: String,
        /// kube's reason.
        #[source]
        source: Box<kube::Error>,
    },
}

/// Installs rustls's process-wide crypto provider unless one is installed already.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing one is fine.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

/// What is wrong with `value` as an HTTP header value, if anything (as the `http` crate checks:
/// no control characters but tab).
fn header_value_problem(what: &str, value: &str) -> Option<String> {
    let bad = value
        .bytes()
        .position(|b| (b < 0x20 && b != b'\t') || b == 0x7f)?;
    Some(if value[bad..].bytes().all(|b| b == b'\n' || b == b'\r') {
        format!(
            "{what} ends with a line break (a YAML block scalar `|` keeps it: write `|-`, or the value on one line)"
        )
    } else {
        format!(
            "{what} contains a control character (byte {} of {}), which an HTTP header cannot carry",
            bad + 1,
            value.len()
        )
    })
}

/// The first header value of `config` that HTTP cannot carry.
fn check_header_values(config: &Config) -> Option<String> {
    let auth = &config.auth_info;
    if let Some(token) = &auth.token
        && let Some(p) = header_value_problem("the user's token", token.expose_secret())
    {
        return Some(p);
    }
    if let Some(user) = &auth.impersonate
        && let Some(p) = header_value_problem("the user's `as` (impersonate)", user)
    {
        return Some(p);
    }
    auth.impersonate_groups
        .iter()
        .flatten()
        .find_map(|g| header_value_problem("a group of the user's `as-groups`", g))
}

/// `err` itself as a rustls error, or the one inside its (nested) I/O errors: the TLS stack
/// wraps rustls's error in an I/O error inside another (seen against a real API server), and
/// `io::Error::source` skips the error it wraps, so the source chain never reaches it.
fn tls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = err;
    loop {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        current = current.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// Why the API server did not answer, in words, when the cause says more than "no answer": a
/// TLS certificate it sent that the kubeconfig's certificate authority does not vouch for
/// (rustls calls it an "invalid peer certificate", which reads like our own certificate).
pub fn unanswered_reason(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    use rustls::CertificateError as C;
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(rustls::Error::InvalidCertificate(c)) = tls_error(e) {
            return Some(match c {
                C::UnknownIssuer | C::BadSignature => {
                    "the API server's TLS certificate is not signed by the kubeconfig's certificate authority (certificate-authority-data): is the kubeconfig this cluster's?"
                }
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "the API server's TLS certificate is not for the server name in the kubeconfig"
                }
                C::Expired | C::ExpiredContext { .. } => {
                    "the API server's TLS certificate has expired"
                }
                _ => "the API server's TLS certificate was not accepted",
            });
        }
        next = e.source();
    }
    None
}

/// A client for the current context of the kubeconfig at `path`.
pub async fn connect(path: &Path, retries: Retries) -> Result<Connection, KubeconfigError> {
    ensure_crypto_provider();
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| match e {
        kube::config::KubeconfigError::ReadConfig(source, _) => KubeconfigError::Read {
            path: path.to_owned(),
            source,
        },
        source => KubeconfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        },
    })?;
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|source| KubeconfigError::Config {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
    if let Some(problem) = check_header_values(&config) {
        return Err(KubeconfigError::HeaderValue {
            path: path.to_owned(),
            problem,
        });
    }
    config.default_retry = retries == Retries::Default;
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_owned();
    let client = Client::try_from(config).map_err(|source| KubeconfigError::Client {
        path: path.to_owned(),
        server: server.clone(),
        source: Box::new(source),
    })?;
    Ok(Connection {
        client,
        server,
        kubeconfig: path.to_owned(),
    })
}

/// [`connect`], the client only.
pub async fn client_from_kubeconfig(
    path: &Path,
    retries: Retries,
) -> Result<Client, KubeconfigError> {
    Ok(connect(path, retries).await?.client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(token: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  context:\n    cluster: k\n    user: u\nusers:\n- name: u\n  user:\n    token: {token}\n"
        )
    }

    async fn connect_with(text: &str) -> Result<Connection, KubeconfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig.yaml");
        std::fs::write(&path, text).unwrap();
        connect(&path, Retries::Off).await
    }

    #[tokio::test]
    async fn a_token_from_a_block_scalar_is_a_clear_error_not_a_panic() {
        let err = connect_with(&kubeconfig("|\n      abc.def\n"))
            .await
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.starts_with("kubeconfig "), "{text}");
        assert!(
            text.contains("kubeconfig.yaml: the user's token ends with a line break"),
            "{text}"
        );
        assert!(
            !text.contains("abc.def"),
            "the token is never shown: {text}"
        );
    }

    #[tokio::test]
    async fn a_control_character_inside_the_token_is_refused() {
        let err = connect_with(&kubeconfig("\"abc\\u0001def\""))
            .await
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("the user's token contains a control character (byte 4 of 7)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_good_kubeconfig_gives_a_client_and_names_its_server() {
        let c = connect_with(&kubeconfig("abc.def")).await.unwrap();
        assert_eq!(c.server, "https://127.0.0.1:6443");
        assert!(c.kubeconfig.ends_with("kubeconfig.yaml"));
    }

    #[tokio::test]
    async fn errors_name_the_file_once_and_keep_their_cause() {
        let err = connect(Path::new("/nonexistent/kubeconfig"), Retries::Off)
            .await
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "kubeconfig /nonexistent/kubeconfig: cannot be read"
        );
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(
            !cause.contains("/nonexistent/kubeconfig"),
            "named once: {cause}"
        );

        let err = connect_with("[1, 2]").await.err().unwrap();
        assert!(matches!(err, KubeconfigError::Parse { .. }), "{err}");
        assert!(
            err.to_string()
                .ends_with("kubeconfig.yaml: is not a kubeconfig"),
            "{err}"
        );

        let err = connect_with("apiVersion: v1\nkind: Config\ncurrent-context: missing\n")
            .await
            .err()
            .unwrap();
        assert!(matches!(err, KubeconfigError::Config { .. }), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn a_certificate_the_ca_does_not_vouch_for_is_not_called_a_peer_certificate() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert!(
            tls.to_string().contains("peer certificate"),
            "rustls's words: {tls}"
        );
        let wrapped = std::io::Error::other(tls);
        let reason = unanswered_reason(&wrapped).unwrap();
        assert!(
            reason.starts_with("the API server's TLS certificate is not signed by the kubeconfig's certificate authority"),
            "{reason}"
        );
        assert!(!reason.contains("peer"));
        // As hyper-rustls reports it: rustls's error in an I/O error in another.
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let nested =
            std::io::Error::other(std::io::Error::new(std::io::ErrorKind::InvalidData, tls));
        assert_eq!(unanswered_reason(&nested), Some(reason));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(unanswered_reason(&refused), None);
    }

    #[test]
    fn header_values_are_checked_as_http_does() {
        assert_eq!(header_value_problem("t", "abc\tdef ~"), None);
        assert!(
            header_value_problem("t", "abc\n")
                .unwrap()
                .contains("ends with a line break")
        );
        assert!(
            header_value_problem("t", "abc\r\n")
                .unwrap()
                .contains("ends with a line break")
        );
        assert!(
            header_value_problem("t", "a\u{7f}b")
                .unwrap()
                .contains("byte 2 of 3")
        );
    }
}
