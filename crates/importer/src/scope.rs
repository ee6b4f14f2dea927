//! Which Azure subscription and resource group an import is for, from flags, environment and
//! the cluster itself; and, once groups are recorded, the one rule every command follows
//! ([`choose`]): the home the import used wins, and a flag or variable naming another is refused.

use std::fmt;
use std::path::PathBuf;

use aks_engine::OutputDir;

/// Placeholder subscription for `--dry-run` without `-s`: visible in ids, never sent.
pub const PLACEHOLDER_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// The subscription or resource group cannot be known: says which flag or variable to set.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// No `-r`, no AZURE_RESOURCE_GROUP, and no DNS prefix to default to.
    #[error(
        "no resource group: pass -r/--resource-group or set AZURE_RESOURCE_GROUP ({}: masterProfile.dnsPrefix is empty)",
        api_model.display()
    )]
    NoResourceGroup {
        /// The cluster's `apimodel.json`.
        api_model: PathBuf,
    },
    /// `-s` is not a GUID.
    #[error(
        "-s/--subscription `{value}` is not a subscription id (expected a GUID like 6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d)"
    )]
    NotASubscriptionId {
        /// The value as given.
        value: String,
    },
    /// A real import without a subscription.
    #[error(
        "no subscription: pass -s/--subscription or set AZURE_SUBSCRIPTION_ID (resource ids in the Elastigroup need it)"
    )]
    NoSubscription,
    /// A flag or variable names another resource group (or subscription) than the one the
    /// output directory's groups were imported into.
    #[error(
        "{what} {:?} ({}) is not the one this output directory's groups were imported into: {:?} \
         ({}); nothing was done: run without {} to use {:?}, or use the output directory of the \
         cluster in {:?}",
        given.value, given.origin, recorded.value, recorded.origin, given.origin.unset_hint(),
        recorded.value, given.value
    )]
    Conflict {
        /// "the resource group" or "the subscription".
        what: &'static str,
        /// The flag's or variable's value.
        given: Box<Sourced>,
        /// The recorded one.
        recorded: Box<Sourced>,
    },
    /// The recorded groups themselves name two resource groups (or subscriptions).
    #[error(
        "the groups of this output directory were imported into two different {what}s: {:?} ({}) \
         and {:?} ({}); nothing was done: delete the group that does not belong to this cluster \
         in Spot and remove its record",
        first.value, first.origin, second.value, second.origin
    )]
    RecordedConflict {
        /// "resource group" or "subscription".
        what: &'static str,
        /// One home.
        first: Box<Sourced>,
        /// Another.
        second: Box<Sourced>,
    },
}

/// Where a resource group or subscription came from, named in messages about a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (`-r/--resource-group`).
    Flag(&'static str),
    /// An environment variable (`AZURE_RESOURCE_GROUP`).
    Env(&'static str),
    /// The state file's record of a pool.
    StateFile {
        /// The state file.
        path: PathBuf,
        /// The pool whose record says so.
        pool: String,
    },
    /// The recorded group itself, read from Spot (a state file written before the home was
    /// recorded).
    LiveGroup {
        /// The group's id.
        group_id: String,
        /// Its pool.
        pool: String,
    },
    /// The cluster's DNS prefix, aks-engine's default resource group.
    DnsPrefix {
        /// The cluster's `apimodel.json`.
        api_model: PathBuf,
    },
}

impl Origin {
    /// What to drop so that the recorded value is used.
    fn unset_hint(&self) -> String {
        match self {
            Origin::Flag(f) => (*f).to_owned(),
            Origin::Env(v) => format!("{v} set"),
            _ => "it".to_owned(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "from {flag}"),
            Origin::Env(var) => write!(f, "from ${var}"),
            Origin::StateFile { path, pool } => {
                write!(f, "recorded for pool `{pool}` in {}", path.display())
            }
            Origin::LiveGroup { group_id, pool } => {
                write!(
                    f,
                    "the resource group of pool `{pool}`'s Spot group {group_id}"
                )
            }
            Origin::DnsPrefix { api_model } => {
                write!(f, "the DNS prefix in {}", api_model.display())
            }
        }
    }
}

/// A value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    /// The resource group or subscription.
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

impl Sourced {
    /// `value` from `origin`.
    pub fn new(value: impl Into<String>, origin: Origin) -> Self {
        Self {
            value: value.into(),
            origin,
        }
    }
}

/// The flag names and variable of the resource group, for [`Origin`].
pub const RESOURCE_GROUP_FLAG: &str = "-r/--resource-group";
/// The variable `-r` falls back to.
pub const RESOURCE_GROUP_ENV: &str = "AZURE_RESOURCE_GROUP";
/// The flag names of the subscription.
pub const SUBSCRIPTION_FLAG: &str = "-s/--subscription";
/// The variable `-s` falls back to.
pub const SUBSCRIPTION_ENV: &str = "AZURE_SUBSCRIPTION_ID";

/// The one rule for the resource group (or subscription, `what`) of every command that acts on
/// recorded groups: what the records say wins; an explicit value (`given`: a flag or variable)
/// that differs is refused, naming both; records that disagree among themselves are refused;
/// with nothing recorded, `given`, else `default`. `None` when there is nothing at all.
/// Values compare case-insensitively, as Azure does.
pub fn choose(
    what: &'static str,
    given: Option<Sourced>,
    recorded: &[Sourced],
    default: Option<Sourced>,
) -> Result<Option<Sourced>, ScopeError> {
    let given = given.filter(|g| !g.value.trim().is_empty());
    let mut recorded = recorded.iter().filter(|r| !r.value.trim().is_empty());
    let Some(first) = recorded.next() else {
        return Ok(given.or(default));
    };
    if let Some(second) = recorded.find(|r| !r.value.eq_ignore_ascii_case(&first.value)) {
        return Err(ScopeError::RecordedConflict {
            what: what.trim_start_matches("the "),
            first: Box::new(first.clone()),
            second: Box::new(second.clone()),
        });
    }
    match given {
        Some(g) if !g.value.eq_ignore_ascii_case(&first.value) => Err(ScopeError::Conflict {
            what,
            given: Box::new(g),
            recorded: Box::new(first.clone()),
        }),
        _ => Ok(Some(first.clone())),
    }
}

/// The resource group of a command on an output directory: [`choose`] with the cluster's DNS
/// prefix as the default.
pub fn home_resource_group(
    given: Option<Sourced>,
    recorded: &[Sourced],
    dir: &OutputDir,
) -> Result<Sourced, ScopeError> {
    let api_model = dir.path.join("apimodel.json");
    let default = dir.api_model.dns_prefix().map(|p| {
        Sourced::new(
            p,
            Origin::DnsPrefix {
                api_model: api_model.clone(),
            },
        )
    });
    choose("the resource group", given, recorded, default)?
        .ok_or(ScopeError::NoResourceGroup { api_model })
}

/// The subscription of a command on an output directory: [`choose`], then [`subscription`]'s
/// checks (a GUID; a dry run may go without).
pub fn home_subscription(
    given: Option<Sourced>,
    recorded: &[Sourced],
    dry_run: bool,
) -> Result<String, ScopeError> {
    let chosen = choose("the subscription", given, recorded, None)?;
    subscription(chosen.as_ref().map(|s| s.value.as_str()), dry_run)
}

/// `-r`, else AZURE_RESOURCE_GROUP, else the DNS prefix (aks-engine's own default), for a
/// command that has no recorded groups to follow (see [`home_resource_group`]).
pub fn resource_group(
    flag: Option<&str>,
    env: Option<String>,
    dir: &OutputDir,
) -> Result<String, ScopeError> {
    if let Some(r) = flag.filter(|s| !s.is_empty()) {
        return Ok(r.to_string());
    }
    if let Some(r) = env.filter(|s| !s.is_empty()) {
        return Ok(r);
    }
    match dir.api_model.dns_prefix() {
        Some(p) => Ok(p.to_string()),
        None => Err(ScopeError::NoResourceGroup {
            api_model: dir.path.join("apimodel.json"),
        }),
    }
}

/// `-s` / AZURE_SUBSCRIPTION_ID (clap already merged them). A dry run without one uses a
/// placeholder, with a warning; a real import needs it.
pub fn subscription(value: Option<&str>, dry_run: bool) -> Result<String, ScopeError> {
    match value.filter(|s| !s.is_empty()) {
        Some(s) => {
            if !is_guid(s) {
                return Err(ScopeError::NotASubscriptionId {
                    value: s.to_owned(),
                });
            }
            Ok(s.to_ascii_lowercase())
        }
        None if dry_run => {
            tracing::warn!(
                "no subscription given (-s/--subscription or AZURE_SUBSCRIPTION_ID): resource ids use {PLACEHOLDER_SUBSCRIPTION}"
            );
            Ok(PLACEHOLDER_SUBSCRIPTION.to_string())
        }
        None => Err(ScopeError::NoSubscription),
    }
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(v: &str) -> Sourced {
        Sourced::new(v, Origin::Flag(RESOURCE_GROUP_FLAG))
    }

    fn env(v: &str) -> Sourced {
        Sourced::new(v, Origin::Env(RESOURCE_GROUP_ENV))
    }

    fn recorded(v: &str, pool: &str) -> Sourced {
        Sourced::new(
            v,
            Origin::StateFile {
                path: "out/spot-elastigroups.json".into(),
                pool: pool.into(),
            },
        )
    }

    fn dns(v: &str) -> Option<Sourced> {
        Some(Sourced::new(
            v,
            Origin::DnsPrefix {
                api_model: "out/apimodel.json".into(),
            },
        ))
    }

    const RG: &str = "the resource group";

    #[test]
    fn the_recorded_home_wins_over_the_default_and_agrees_with_an_equal_flag() {
        // H1: imported with -r spotaks, then run without -r: spotaks, not the DNS prefix
        let home = [
            recorded("spotaks", "agentpool1"),
            recorded("SpotAKS", "agentpool2"),
        ];
        let chosen = choose(RG, None, &home, dns("demo")).unwrap().unwrap();
        assert_eq!(chosen, home[0]);
        let chosen = choose(RG, Some(flag("SPOTAKS")), &home, dns("demo"))
            .unwrap()
            .unwrap();
        assert_eq!(chosen.value, "spotaks");
        assert!(matches!(chosen.origin, Origin::StateFile { .. }));
    }

    #[test]
    fn a_flag_or_variable_naming_another_home_is_refused_naming_both() {
        let home = [recorded("spotaks", "agentpool1")];
        for (given, source) in [
            (flag("other"), "from -r/--resource-group"),
            (env("other"), "from $AZURE_RESOURCE_GROUP"),
        ] {
            let err = choose(RG, Some(given), &home, dns("demo")).unwrap_err();
            assert!(matches!(err, ScopeError::Conflict { .. }), "{err}");
            let msg = err.to_string();
            for needle in [
                "\"other\"",
                source,
                "\"spotaks\"",
                "recorded for pool `agentpool1` in out/spot-elastigroups.json",
                "nothing was done",
            ] {
                assert!(msg.contains(needle), "{needle} missing in {msg}");
            }
        }
        let live = [Sourced::new(
            "spotaks",
            Origin::LiveGroup {
                group_id: "sig-1".into(),
                pool: "agentpool1".into(),
            },
        )];
        let msg = choose(RG, Some(flag("other")), &live, None)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("Spot group sig-1"), "{msg}");
    }

    #[test]
    fn records_naming_two_homes_are_refused() {
        let home = [recorded("a", "p1"), recorded("b", "p2")];
        let msg = choose(RG, Some(flag("a")), &home, None)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("two different resource groups")
                && msg.contains("`p1`")
                && msg.contains("`p2`"),
            "{msg}"
        );
    }

    #[test]
    fn without_records_the_flag_then_the_default() {
        assert_eq!(
            choose(RG, Some(env("x")), &[], dns("demo")).unwrap(),
            Some(env("x"))
        );
        assert_eq!(choose(RG, None, &[], dns("demo")).unwrap(), dns("demo"));
        assert_eq!(choose(RG, Some(flag(" ")), &[], None).unwrap(), None);
    }

    #[test]
    fn the_subscription_follows_the_same_rule() {
        let sub = "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d";
        let rec = [Sourced::new(
            sub,
            Origin::StateFile {
                path: "s.json".into(),
                pool: "p".into(),
            },
        )];
        // recorded: no -s needed
        assert_eq!(home_subscription(None, &rec, false).unwrap(), sub);
        let other = Sourced::new(
            "11111111-2222-3333-4444-555555555555",
            Origin::Env(SUBSCRIPTION_ENV),
        );
        let msg = home_subscription(Some(other), &rec, false)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("the subscription") && msg.contains("$AZURE_SUBSCRIPTION_ID"),
            "{msg}"
        );
        assert!(matches!(
            home_subscription(None, &[], false),
            Err(ScopeError::NoSubscription)
        ));
    }

    #[test]
    fn subscription_must_be_a_guid() {
        assert!(
            subscription(Some("nope"), true)
                .unwrap_err()
                .to_string()
                .contains("is not a subscription id")
        );
        assert_eq!(
            subscription(Some("6A2F2D3C-1B4E-4F5A-9C8D-0E1F2A3B4C5D"), false).unwrap(),
            "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d"
        );
    }

    #[test]
    fn dry_run_without_subscription_uses_placeholder_real_run_fails() {
        assert_eq!(subscription(None, true).unwrap(), PLACEHOLDER_SUBSCRIPTION);
        assert!(
            subscription(None, false)
                .unwrap_err()
                .to_string()
                .contains("no subscription")
        );
    }
}
