//! Where the Spot token and account come from, in the Spot SDKs' order.
//!
//! 1. explicit values (`--token` / `--account`),
//! 2. the environment (`SPOTINST_TOKEN` / `SPOTINST_ACCOUNT`),
//! 3. the credentials file (`~/.spotinst/credentials`, or `SPOTINST_CREDENTIALS_FILE`), profile
//!    `default` or `SPOTINST_CREDENTIALS_PROFILE`. The file is INI (`[profile]` sections with
//!    `token = ...` / `account = ...`; a non-default profile's missing fields come from
//!    `[default]`) or JSON (`{"token": "...", "account": "..."}`).
//!
//! Each field is taken from the first source that has it, so `--account` may be combined with a
//! token from the environment. The environment and home directory are parameters, so tests
//! never touch the real ones.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::{Path, PathBuf};

pub const ENV_TOKEN: &str = "SPOTINST_TOKEN";
pub const ENV_ACCOUNT: &str = "SPOTINST_ACCOUNT";
pub const ENV_CREDENTIALS_FILE: &str = "SPOTINST_CREDENTIALS_FILE";
pub const ENV_CREDENTIALS_PROFILE: &str = "SPOTINST_CREDENTIALS_PROFILE";
pub const DEFAULT_PROFILE: &str = "default";

/// Values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct ExplicitCredentials {
    pub token: Option<SecretString>,
    pub account: Option<String>,
}

/// Where a credential field came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Explicit,
    Environment,
    File { path: PathBuf, profile: String },
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Explicit => f.write_str("command-line flags"),
            CredentialSource::Environment => f.write_str("the environment"),
            CredentialSource::File { path, profile } => {
                write!(f, "{} [{profile}]", path.display())
            }
        }
    }
}

/// Resolved credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub token: SecretString,
    pub account: Option<String>,
    pub token_source: CredentialSource,
    pub account_source: Option<CredentialSource>,
}

impl Credentials {
    /// Credentials given directly (tests, embedding).
    pub fn new(token: impl Into<SecretString>, account: Option<String>) -> Self {
        Self {
            token: token.into(),
            account_source: account.as_ref().map(|_| CredentialSource::Explicit),
            account,
            token_source: CredentialSource::Explicit,
        }
    }
}

/// Why no usable credentials were found.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "no Spot API credentials found; tried: {}. Set a token with --token, the {ENV_TOKEN} \
         environment variable, or `token = ...` under [default] in ~/.spotinst/credentials \
         (the account likewise: --account, {ENV_ACCOUNT}, `account = ...`)",
        tried.join("; ")
    )]
    Missing { tried: Vec<String> },

    #[error(
        "a Spot account ({account}, from {found_in}) was found but no token; tried: {}. Set the token \
         with --token, the {ENV_TOKEN} environment variable, or `token = ...` in the credentials file",
        tried.join("; ")
    )]
    AccountWithoutToken {
        account: String,
        found_in: CredentialSource,
        tried: Vec<String>,
    },

    #[error("{ENV_CREDENTIALS_FILE} points to {}, which does not exist", path.display())]
    FileMissing { path: PathBuf },

    #[error("reading the Spot credentials file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the Spot credentials file {} is neither valid JSON nor valid INI: {reason}", path.display())]
    Parse { path: PathBuf, reason: String },

    #[error(
        "profile [{profile}] not found in the Spot credentials file {} (profiles there: {})",
        path.display(),
        if available.is_empty() { "none".to_owned() } else { available.join(", ") }
    )]
    ProfileNotFound {
        path: PathBuf,
        profile: String,
        available: Vec<String>,
    },
}

/// Fields found in one source.
#[derive(Debug, Default)]
struct Found {
    token: Option<SecretString>,
    account: Option<String>,
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Resolves credentials from the explicit values, the environment (`env`, e.g.
/// `&|k| std::env::var(k).ok()`) and the credentials file under `home`.
pub fn resolve(
    explicit: &ExplicitCredentials,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Credentials, CredentialsError> {
    let mut tried = Vec::new();
    let mut sources: Vec<(CredentialSource, Found)> = Vec::new();

    tried.push("--token/--account flags".to_owned());
    sources.push((
        CredentialSource::Explicit,
        Found {
            token: explicit
                .token
                .clone()
                .filter(|t| !t.expose_secret().trim().is_empty()),
            account: non_empty(explicit.account.clone()),
        },
    ));

    tried.push(format!("environment {ENV_TOKEN}/{ENV_ACCOUNT}"));
    sources.push((
        CredentialSource::Environment,
        Found {
            token: non_empty(env(ENV_TOKEN)).map(SecretString::from),
            account: non_empty(env(ENV_ACCOUNT)),
        },
    ));

    let have_both = |s: &[(CredentialSource, Found)]| {
        s.iter().any(|(_, f)| f.token.is_some()) && s.iter().any(|(_, f)| f.account.is_some())
    };
    if !have_both(&sources) {
        let profile =
            non_empty(env(ENV_CREDENTIALS_PROFILE)).unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        let (path, explicit_path) = match non_empty(env(ENV_CREDENTIALS_FILE)) {
            Some(p) => (Some(PathBuf::from(p)), true),
            None => (home.map(|h| h.join(".spotinst").join("credentials")), false),
        };
        match path {
            Some(path) => {
                tried.push(format!("credentials file {} [{profile}]", path.display()));
                if path.is_file() {
                    let found = read_file(&path, &profile)?;
                    sources.push((CredentialSource::File { path, profile }, found));
                } else if explicit_path {
                    return Err(CredentialsError::FileMissing { path });
                }
            }
            None => tried.push("credentials file (no home directory)".to_owned()),
        }
    }

    let token = sources
        .iter()
        .find_map(|(src, f)| f.token.clone().map(|t| (t, src.clone())));
    let account = sources
        .iter()
        .find_map(|(src, f)| f.account.clone().map(|a| (a, src.clone())));
    match (token, account) {
        (Some((token, token_source)), account) => {
            let (account, account_source) = match account {
                Some((a, s)) => (Some(a), Some(s)),
                None => (None, None),
            };
            Ok(Credentials {
                token,
                account,
                token_source,
                account_source,
            })
        }
        (None, Some((account, found_in))) => Err(CredentialsError::AccountWithoutToken {
            account,
            found_in,
            tried,
        }),
        (None, None) => Err(CredentialsError::Missing { tried }),
    }
}

/// [`resolve`] with the process environment and the user's home directory.
pub fn resolve_from_process(
    explicit: &ExplicitCredentials,
) -> Result<Credentials, CredentialsError> {
    let home = std::env::home_dir();
    resolve(explicit, &|k| std::env::var(k).ok(), home.as_deref())
}

/// Reads a credentials file in its JSON or INI form.
fn read_file(path: &Path, profile: &str) -> Result<Found, CredentialsError> {
    let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
        path: path.to_owned(),
        source,
    })?;
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CredentialsError::Parse {
                path: path.to_owned(),
                reason: format!("JSON: {e}"),
            })?;
        let field = |k: &str| non_empty(v.get(k).and_then(|x| x.as_str()).map(str::to_owned));
        return Ok(Found {
            token: field("token").map(SecretString::from),
            account: field("account"),
        });
    }
    let ini = ini::Ini::load_from_str(&text).map_err(|e| CredentialsError::Parse {
        path: path.to_owned(),
        reason: format!("INI: {e}"),
    })?;
    let get = |section: &str, key: &str| {
        ini.section(Some(section))
            .and_then(|s| s.get(key))
            .map(|v| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
    };
    if ini.section(Some(profile)).is_none() {
        if profile == DEFAULT_PROFILE {
            return Ok(Found::default());
        }
        return Err(CredentialsError::ProfileNotFound {
            path: path.to_owned(),
            profile: profile.to_owned(),
            available: ini.sections().flatten().map(str::to_owned).collect(),
        });
    }
    let field = |key: &str| get(profile, key).or_else(|| get(DEFAULT_PROFILE, key));
    Ok(Found {
        token: field("token").map(SecretString::from),
        account: field("account"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn home_with(content: &str) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".spotinst")).unwrap();
        std::fs::write(home.path().join(".spotinst/credentials"), content).unwrap();
        home
    }

    const INI: &str = "[default]\ntoken = file-default-token\naccount = act-default\n\n[dev]\naccount = act-dev\n\n[ops]\ntoken = ops-token\naccount = act-ops\n";

    #[test]
    fn flags_win_over_env_and_file() {
        let home = home_with(INI);
        let explicit = ExplicitCredentials {
            token: Some("flag-token".into()),
            account: Some("act-flag".into()),
        };
        let env = env_of(&[(ENV_TOKEN, "env-token"), (ENV_ACCOUNT, "act-env")]);
        let c = resolve(&explicit, &env, Some(home.path())).unwrap();
        assert_eq!(c.token.expose_secret(), "flag-token");
        assert_eq!(c.account.as_deref(), Some("act-flag"));
        assert_eq!(c.token_source, CredentialSource::Explicit);
    }

    #[test]
    fn env_wins_over_file_and_fields_merge_by_precedence() {
        let home = home_with(INI);
        let env = env_of(&[(ENV_TOKEN, "env-token")]);
        let c = resolve(&ExplicitCredentials::default(), &env, Some(home.path())).unwrap();
        assert_eq!(c.token.expose_secret(), "env-token");
        assert_eq!(c.token_source, CredentialSource::Environment);
        assert_eq!(c.account.as_deref(), Some("act-default"));
        assert!(matches!(
            c.account_source,
            Some(CredentialSource::File { .. })
        ));

        let explicit = ExplicitCredentials {
            token: None,
            account: Some("act-flag".into()),
        };
        let c = resolve(&explicit, &env, Some(home.path())).unwrap();
        assert_eq!(
            (c.token.expose_secret(), c.account.as_deref()),
            ("env-token", Some("act-flag"))
        );
    }

    #[test]
    fn ini_default_profile_and_fill_in_from_default() {
        let home = home_with(INI);
        let c = resolve(
            &ExplicitCredentials::default(),
            &env_of(&[]),
            Some(home.path()),
        )
        .unwrap();
        assert_eq!(c.token.expose_secret(), "file-default-token");
        assert_eq!(c.account.as_deref(), Some("act-default"));

        let env = env_of(&[(ENV_CREDENTIALS_PROFILE, "dev")]);
        let c = resolve(&ExplicitCredentials::default(), &env, Some(home.path())).unwrap();
        assert_eq!(
            c.token.expose_secret(),
            "file-default-token",
            "token filled from [default]"
        );
        assert_eq!(c.account.as_deref(), Some("act-dev"));

        let env = env_of(&[(ENV_CREDENTIALS_PROFILE, "ops")]);
        let c = resolve(&ExplicitCredentials::default(), &env, Some(home.path())).unwrap();
        assert_eq!(
            (c.token.expose_secret(), c.account.as_deref()),
            ("ops-token", Some("act-ops"))
        );
    }

    #[test]
    fn unknown_profile_is_an_error_naming_the_profiles() {
        let home = home_with(INI);
        let env = env_of(&[(ENV_CREDENTIALS_PROFILE, "prod")]);
        let err = resolve(&ExplicitCredentials::default(), &env, Some(home.path())).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("[prod]") && msg.contains("default, dev, ops"),
            "{msg}"
        );
    }

    #[test]
    fn json_form_and_path_override() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds.json");
        std::fs::write(&path, r#"{"token": "json-token", "account": "act-json"}"#).unwrap();
        let env = env_of(&[(ENV_CREDENTIALS_FILE, path.to_str().unwrap())]);
        let c = resolve(&ExplicitCredentials::default(), &env, None).unwrap();
        assert_eq!(
            (c.token.expose_secret(), c.account.as_deref()),
            ("json-token", Some("act-json"))
        );
        assert_eq!(
            c.token_source,
            CredentialSource::File {
                path: path.clone(),
                profile: "default".into()
            }
        );
    }

    #[test]
    fn overridden_path_that_does_not_exist_is_reported() {
        let env = env_of(&[(ENV_CREDENTIALS_FILE, "/nonexistent/spot/creds")]);
        let err = resolve(&ExplicitCredentials::default(), &env, None).unwrap_err();
        assert!(matches!(err, CredentialsError::FileMissing { .. }));
        assert!(err.to_string().contains("/nonexistent/spot/creds"));
    }

    #[test]
    fn missing_everything_lists_sources_and_how_to_set_one() {
        let home = tempfile::tempdir().unwrap();
        let err = resolve(
            &ExplicitCredentials::default(),
            &env_of(&[]),
            Some(home.path()),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CredentialsError::Missing { .. }));
        for needle in [
            "--token",
            "SPOTINST_TOKEN",
            ".spotinst/credentials",
            "tried:",
        ] {
            assert!(msg.contains(needle), "{needle} missing in {msg}");
        }
    }

    #[test]
    fn account_without_token_says_so() {
        let home = tempfile::tempdir().unwrap();
        let env = env_of(&[(ENV_ACCOUNT, "act-lonely")]);
        let err = resolve(&ExplicitCredentials::default(), &env, Some(home.path())).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("act-lonely") && msg.contains("no token") && msg.contains("environment"),
            "{msg}"
        );
    }

    #[test]
    fn corrupt_file_names_the_file_and_secrets_stay_hidden() {
        let home = home_with("{ not json");
        let err = resolve(
            &ExplicitCredentials::default(),
            &env_of(&[]),
            Some(home.path()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("credentials"), "{err}");

        let c = resolve(
            &ExplicitCredentials {
                token: Some("tok-123456".into()),
                account: None,
            },
            &env_of(&[]),
            None,
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("tok-123456"));
    }
}
