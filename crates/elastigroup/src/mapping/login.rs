//! The admin login: `osProfile.adminUsername` with the first SSH public key (Linux) or
//! `adminPassword` (Windows, or Linux without a key) → `launchSpecification.login`, the same
//! object in both generations.

use serde_json::{Map, Value, json};

use super::json_cursor::Cursor;
use super::os::Os;
use super::{MappingErrorKind, MappingWarning};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Login {
    pub user_name: String,
    pub ssh_public_key: Option<String>,
    pub password: Option<String>,
}

/// Reads the login from `os_profile`; a user and a key or password are required.
pub(crate) fn extract(
    os_profile: &Cursor,
    os: Os,
    w: &mut Vec<MappingWarning>,
) -> Result<Login, MappingErrorKind> {
    let user_name = os_profile
        .key("adminUsername")
        .req_str("the admin user name")?
        .to_owned();
    let password_c = os_profile.key("adminPassword");
    let password = password_c
        .str()?
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    match os {
        Os::Windows => {
            let password =
                password.ok_or_else(|| password_c.missing("the Windows admin password"))?;
            Ok(Login {
                user_name,
                ssh_public_key: None,
                password: Some(password),
            })
        }
        Os::Linux => {
            let keys_c = os_profile.keys("linuxConfiguration.ssh.publicKeys");
            let keys = keys_c.items()?;
            if keys.len() > 1 {
                w.push(MappingWarning::new(
                    keys_c.path(),
                    format!("{} SSH public keys: only the first is mapped", keys.len()),
                ));
            }
            let key = match keys.first() {
                Some(k) => Some(
                    k.key("keyData")
                        .req_str("the SSH public key data")?
                        .to_owned(),
                ),
                None => None,
            };
            match (key, password) {
                (Some(k), p) => {
                    if p.is_some() {
                        w.push(MappingWarning::new(
                            password_c.path(),
                            "Linux admin password not sent: the SSH public key is used instead",
                        ));
                    }
                    Ok(Login {
                        user_name,
                        ssh_public_key: Some(k),
                        password: None,
                    })
                }
                (None, Some(p)) => Ok(Login {
                    user_name,
                    ssh_public_key: None,
                    password: Some(p),
                }),
                (None, None) => Err(keys_c.missing("an SSH public key (or adminPassword)")),
            }
        }
    }
}

/// `login` (same shape in both generations; an object, although the v2 OpenAPI file says array).
pub(crate) fn render(login: &Login) -> Value {
    let mut m = Map::new();
    m.insert("userName".into(), json!(login.user_name));
    if let Some(k) = &login.ssh_public_key {
        m.insert("sshPublicKey".into(), json!(k));
    }
    if let Some(p) = &login.password {
        m.insert("password".into(), json!(p));
    }
    Value::Object(m)
}
