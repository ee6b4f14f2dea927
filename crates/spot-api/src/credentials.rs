//! Where the Spot token and account come from, in the Spot SDKs' order.
//!
//! 1. explicit values (`--token` / `--account`),
//! 2. the environment (`SPOTINST_TOKEN` / `SPOTINST_ACCOUNT`),
//! 3. the shared credentials file: `~/.spotinst/credentials`, or the file named by
//!    `SPOTINST_SHARED_CREDENTIALS_FILE` (the Python SDK's and Ansible's name) or
//!    `SPOTINST_CREDENTIALS_FILE` (the Go SDK's); profile `default`, or the one named by
//!    `SPOTINST_PROFILE` or `SPOTINST_CREDENTIALS_PROFILE`. The file is INI (`[profile]`
//!    sections with `token = ...` / `account = ...`; a non-default profile's missing fields come
//!    from `[default]`, as the Go SDK does), YAML (`profile:` mappings with `token:` / `account:`,
//!    the Python SDK's form, read as it does: no fill-in from `default`) or JSON
//!    (`{"token": "...", "account": "..."}`). A file other users can read is used, with a warning.
//!
//! Each field is taken from the first source that has it, so `--account` may be combined with a
//! token from the environment. The environment and home directory are parameters, so tests
//! never touch the real ones.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::{Path, PathBuf};
use tracing::warn;

/// The token's environment variable.
pub const ENV_TOKEN: &str = "SPOTINST_TOKEN";
/// The account's environment variable.
pub const ENV_ACCOUNT: &str = "SPOTINST_ACCOUNT";
/// The credentials file, as the Go SDK names it.
pub const ENV_CREDENTIALS_FILE: &str = "SPOTINST_CREDENTIALS_FILE";
/// The credentials file, as the Python SDK and Ansible name it.
pub const ENV_SHARED_CREDENTIALS_FILE: &str = "SPOTINST_SHARED_CREDENTIALS_FILE";
/// The profile, as the Go SDK names it.
pub const ENV_CREDENTIALS_PROFILE: &str = "SPOTINST_CREDENTIALS_PROFILE";
/// The profile, as the Python SDK and Ansible name it.
pub const ENV_PROFILE: &str = "SPOTINST_PROFILE";
/// The profile used when no environment variable names one.
pub const DEFAULT_PROFILE: &str = "default";

/// Values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct ExplicitCredentials {
    /// `--token`, when given.
    pub token: Option<SecretString>,
    /// `--account`, when given.
    pub account: Option<String>,
}

/// Where a credential field came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Command-line flags.
    Explicit,
    /// `SPOTINST_TOKEN` / `SPOTINST_ACCOUNT`.
    Environment,
    /// The shared credentials file.
    File {
        /// The credentials file the field was read from.
        path: PathBuf,
        /// The profile the field was read from.
        profile: String,
    },
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
    /// The API token; sent as a bearer token, never logged.
    pub token: SecretString,
    /// The Spot account ID (`act-...`); None uses the token's default account.
    pub account: Option<String>,
    /// Where the token came from.
    pub token_source: CredentialSource,
    /// Where the account came from; None when there is no account.
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
    /// No source has a token.
    #[error(
        "no Spot API credentials found; tried: {}. Set a token with --token, the {ENV_TOKEN} \
         environment variable, or `token = ...` under [default] in ~/.spotinst/credentials \
         (the account likewise: --account, {ENV_ACCOUNT}, `account = ...`)",
        tried.join("; ")
    )]
    Missing {
        /// The sources tried, in order, for the message.
        tried: Vec<String>,
    },

    /// An account was found but no token.
    #[error(
        "a Spot account ({account}, from {found_in}) was found but no token; tried: {}. Set the token \
         with --token, the {ENV_TOKEN} environment variable, or `token = ...` in the credentials file",
        tried.join("; ")
    )]
    AccountWithoutToken {
        /// The account that was found.
        account: String,
        /// Where it was found.
        found_in: CredentialSource,
        /// The sources tried, in order, for the message.
        tried: Vec<String>,
    },

    /// An environment variable names a credentials file that does not exist.
    #[error("{variable} points to {}, which does not exist", path.display())]
    FileMissing {
        /// The file it names.
        path: PathBuf,
        /// The variable.
        variable: &'static str,
    },

    /// The credentials file could not be read.
    #[error("reading the Spot credentials file {}", path.display())]
    Read {
        /// The credentials file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The credentials file is neither INI, YAML nor JSON, or has the wrong shape.
    #[error("the Spot credentials file {} is not valid {reason}", path.display())]
    Parse {
        /// The credentials file.
        path: PathBuf,
        /// The format that was tried and the parser's message, such as `INI: ...`.
        reason: String,
    },

    /// The profile is not in the credentials file.
    #[error(
        "profile [{profile}] not found in the Spot credentials file {} (profiles there: {})",
        path.display(),
        if available.is_empty() { "none".to_owned() } else { available.join(", ") }
    )]
    ProfileNotFound {
        /// The credentials file that was searched.
        path: PathBuf,
        /// The profile that was asked for.
        profile: String,
        /// The profiles the file has.
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
        let profile = first_of(env, &[ENV_CREDENTIALS_PROFILE, ENV_PROFILE])
            .map(|(_, p)| p)
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        let (path, variable) =
            match first_of(env, &[ENV_CREDENTIALS_FILE, ENV_SHARED_CREDENTIALS_FILE]) {
                Some((variable, p)) => (Some(PathBuf::from(p)), Some(variable)),
                None => (home.map(|h| h.join(".spotinst").join("credentials")), None),
            };
        match path {
            Some(path) => {
                tried.push(format!("credentials file {} [{profile}]", path.display()));
                if path.is_file() {
                    warn_if_others_can_read(&path);
                    let found = read_file(&path, &profile)?;
                    sources.push((CredentialSource::File { path, profile }, found));
                } else if let Some(variable) = variable {
                    return Err(CredentialsError::FileMissing { path, variable });
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

/// The first of `names` set to a non-empty value, with its name; a later name set to another
/// value is ignored with a warning (both SDKs' names are honoured, the Go SDK's first).
fn first_of(
    env: &dyn Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Option<(&'static str, String)> {
    let set: Vec<(&'static str, String)> = names
        .iter()
        .filter_map(|n| non_empty(env(n)).map(|v| (*n, v)))
        .collect();
    let (name, value) = set.first()?.clone();
    for (other, v) in &set[1..] {
        if *v != value {
            warn!("{name} and {other} are both set and differ; using {name} ({value:?})");
        }
    }
    Some((name, value))
}

/// Warns when the credentials file can be read by the group or others (the token is a secret).
fn warn_if_others_can_read(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                warn!(
                    "the Spot credentials file {} can be read by other users (mode {mode:04o}); \
                     restrict it with `chmod 600 {}`",
                    path.display(),
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// [`resolve`] with the process environment and the user's home directory.
pub fn resolve_from_process(
    explicit: &ExplicitCredentials,
) -> Result<Credentials, CredentialsError> {
    let home = std::env::home_dir();
    resolve(explicit, &|k| std::env::var(k).ok(), home.as_deref())
}

/// The forms a credentials file comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileForm {
    Json,
    Ini,
    Yaml,
}

/// Tells the form by the first line that is neither blank nor a comment: `{` is JSON, `[` is an
/// INI section, anything else (`default:`) is YAML.
fn form_of(text: &str) -> FileForm {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'));
    match first.and_then(|l| l.chars().next()) {
        Some('{') => FileForm::Json,
        Some('[') => FileForm::Ini,
        None => FileForm::Ini,
        Some(_) if first.is_some_and(|l| l.contains('=') && !l.contains(':')) => FileForm::Ini,
        Some(_) => FileForm::Yaml,
    }
}

/// A scalar of a YAML profile as text (a numeric token is still a token).
fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => non_empty(Some(s.clone())),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The YAML form, read as the Python SDK reads it: `profile -> {token, account}`.
fn read_yaml(path: &Path, text: &str, profile: &str) -> Result<Found, CredentialsError> {
    let parse = |reason: String| CredentialsError::Parse {
        path: path.to_owned(),
        reason,
    };
    let doc: serde_json::Value =
        serde_saphyr::from_str(text).map_err(|e| parse(format!("YAML: {e}")))?;
    let profiles = match &doc {
        serde_json::Value::Object(m) => m,
        serde_json::Value::Null => return Ok(Found::default()),
        _ => {
            return Err(parse(
                "YAML: expected profiles (`default:` with `token:` and `account:` under it)"
                    .to_owned(),
            ));
        }
    };
    let Some(section) = profiles.get(profile) else {
        if profile == DEFAULT_PROFILE {
            return Ok(Found::default());
        }
        return Err(CredentialsError::ProfileNotFound {
            path: path.to_owned(),
            profile: profile.to_owned(),
            available: profiles.keys().cloned().collect(),
        });
    };
    let field = |k: &str| section.get(k).and_then(scalar_text);
    Ok(Found {
        token: field("token").map(SecretString::from),
        account: field("account"),
    })
}

/// Reads a credentials file in its JSON, INI or YAML form.
fn read_file(path: &Path, profile: &str) -> Result<Found, CredentialsError> {
    let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let form = form_of(&text);
    if form == FileForm::Yaml {
        return read_yaml(path, &text, profile);
    }
    if form == FileForm::Json {
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
        let env = env_of(&[(ENV_SHARED_CREDENTIALS_FILE, "/nonexistent/shared")]);
        let err = resolve(&ExplicitCredentials::default(), &env, None).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(ENV_SHARED_CREDENTIALS_FILE) && msg.contains("/nonexistent/shared"),
            "{msg}"
        );
    }

    const YAML: &str = "# spot credentials\ndefault:\n  token: yaml-default-token\n  account: act-yaml\n\ndev:\n  token: 12345678\n  account: act-yaml-dev\n\nbare:\n  account: act-bare\n";

    #[test]
    fn yaml_form_with_the_python_sdk_variables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spot.yaml");
        std::fs::write(&path, YAML).unwrap();
        let file = path.to_str().unwrap();

        let env = env_of(&[(ENV_SHARED_CREDENTIALS_FILE, file)]);
        let c = resolve(&ExplicitCredentials::default(), &env, None).unwrap();
        assert_eq!(
            (c.token.expose_secret(), c.account.as_deref()),
            ("yaml-default-token", Some("act-yaml"))
        );
        assert_eq!(
            c.token_source,
            CredentialSource::File {
                path: path.clone(),
                profile: "default".into()
            }
        );

        let env = env_of(&[(ENV_SHARED_CREDENTIALS_FILE, file), (ENV_PROFILE, "dev")]);
        let c = resolve(&ExplicitCredentials::default(), &env, None).unwrap();
        assert_eq!(
            (c.token.expose_secret(), c.account.as_deref()),
            ("12345678", Some("act-yaml-dev")),
            "a numeric token is a token"
        );

        // as the Python SDK: a YAML profile's missing token is not filled from `default`
        let env = env_of(&[(ENV_SHARED_CREDENTIALS_FILE, file), (ENV_PROFILE, "bare")]);
        let err = resolve(&ExplicitCredentials::default(), &env, None).unwrap_err();
        assert!(
            matches!(&err, CredentialsError::AccountWithoutToken { account, .. } if account == "act-bare"),
            "{err}"
        );

        let env = env_of(&[(ENV_SHARED_CREDENTIALS_FILE, file), (ENV_PROFILE, "prod")]);
        let msg = resolve(&ExplicitCredentials::default(), &env, None)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("[prod]") && msg.contains("default, dev, bare"),
            "{msg}"
        );
    }

    #[test]
    fn yaml_in_the_default_location_and_go_names_win() {
        let home = home_with(YAML);
        let c = resolve(
            &ExplicitCredentials::default(),
            &env_of(&[]),
            Some(home.path()),
        )
        .unwrap();
        assert_eq!(c.token.expose_secret(), "yaml-default-token");

        let other = tempfile::tempdir().unwrap();
        let ini = other.path().join("creds.ini");
        std::fs::write(&ini, INI).unwrap();
        let env = env_of(&[
            (ENV_CREDENTIALS_FILE, ini.to_str().unwrap()),
            (ENV_SHARED_CREDENTIALS_FILE, "/nonexistent/ignored"),
            (ENV_CREDENTIALS_PROFILE, "ops"),
            (ENV_PROFILE, "dev"),
        ]);
        let c = resolve(&ExplicitCredentials::default(), &env, Some(home.path())).unwrap();
        assert_eq!(
            (c.token.expose_secret(), c.account.as_deref()),
            ("ops-token", Some("act-ops"))
        );
        let env = env_of(&[(ENV_PROFILE, "dev")]);
        let c = resolve(&ExplicitCredentials::default(), &env, Some(home.path())).unwrap();
        assert_eq!(c.account.as_deref(), Some("act-yaml-dev"));
    }

    #[test]
    fn invalid_yaml_names_the_file() {
        let home = home_with("default:\n  token: [unclosed\n");
        let err = resolve(
            &ExplicitCredentials::default(),
            &env_of(&[]),
            Some(home.path()),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CredentialsError::Parse { .. }), "{msg}");
        assert!(
            msg.contains(".spotinst/credentials") && msg.contains("YAML"),
            "{msg}"
        );
    }

    /// Collects what `tracing` logs while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        use std::sync::{Arc, Mutex};
        #[derive(Clone)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink(Arc::new(Mutex::new(Vec::new())));
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(sink.0.lock().unwrap().clone()).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_warned_about_without_its_secret() {
        use std::os::unix::fs::PermissionsExt;
        let home = home_with(INI);
        let path = home.path().join(".spotinst/credentials");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let resolve_it = || {
            resolve(
                &ExplicitCredentials::default(),
                &env_of(&[]),
                Some(home.path()),
            )
            .unwrap();
        };
        let log = logged(resolve_it);
        assert!(
            log.contains("WARN")
                && log.contains("can be read by other users")
                && log.contains("0644"),
            "{log}"
        );
        assert!(log.contains(&path.display().to_string()), "{log}");
        assert!(!log.contains("file-default-token"), "{log}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(!logged(resolve_it).contains("other users"));
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
