//! Where an output directory's groups live: the resource group and subscription each record of
//! the state file holds or, for a record written before they were recorded, the resource group
//! of the live group in Spot. Every command that acts on recorded groups (`import`, `cutover`,
//! `status`, `delete`) resolves its scope here, through the one rule of [`crate::scope::choose`].

use std::collections::BTreeMap;

use group_sync::{GroupOwner, GroupRecord, StateFile};
use serde_json::Value;
use spot_api::{SpotClient, SpotError, group_doesnt_exist};

use aks_engine::OutputDir;

use crate::cutover::ImportedPoolsError;
use crate::scope::{self, Origin, ScopeError, Sourced};

/// The homes the records name (one per record that says), with where each came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedHomes {
    /// Each record's resource group.
    pub resource_groups: Vec<Sourced>,
    /// Each record's subscription.
    pub subscriptions: Vec<Sourced>,
}

/// A recorded group's resource group could not be read from Spot.
#[derive(Debug, thiserror::Error)]
#[error(
    "reading the resource group of pool `{pool}`'s Spot group {group_id} ({} was written \
     before it recorded one)",
    path.display()
)]
pub struct HomeError {
    /// The pool.
    pub pool: String,
    /// Its recorded group.
    pub group_id: String,
    /// The state file.
    pub path: std::path::PathBuf,
    /// Spot's answer.
    #[source]
    pub source: SpotError,
}

/// The resource group a live group (the inside of `{"group": ...}`) was imported into: its
/// `resourceGroupName`, else its network's (`compute.launchSpecification.network`, the same
/// place in v3 and v2).
pub fn live_resource_group(group: &Value) -> Option<String> {
    [
        group.get("resourceGroupName"),
        group.pointer("/compute/launchSpecification/network/resourceGroupName"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_str)
    .map(str::trim)
    .find(|s| !s.is_empty())
    .map(str::to_owned)
}

/// What the state file records (no network).
pub fn recorded(state: &StateFile) -> RecordedHomes {
    let origin = |r: &GroupRecord| Origin::StateFile {
        path: state.path().to_owned(),
        pool: r.pool.clone(),
    };
    let mut homes = RecordedHomes::default();
    for r in state.records() {
        if let Some(rg) = &r.resource_group {
            homes.resource_groups.push(Sourced::new(rg, origin(r)));
        }
        if let Some(sub) = &r.subscription_id {
            homes.subscriptions.push(Sourced::new(sub, origin(r)));
        }
    }
    homes
}

/// The records that do not say their resource group (written by an earlier version).
pub fn unrecorded(state: &StateFile) -> impl Iterator<Item = &GroupRecord> {
    state
        .records()
        .iter()
        .filter(|r| r.resource_group.is_none())
}

/// [`recorded`], plus the resource group of each live group whose record does not say. A group
/// Spot says is gone has no home to protect and is skipped; any other failure is an error (the
/// home must not be guessed).
pub async fn recorded_or_live(
    state: &StateFile,
    client: &SpotClient,
) -> Result<RecordedHomes, HomeError> {
    let mut homes = recorded(state);
    for r in unrecorded(state) {
        let group = match client.get_group(r.generation, &r.group_id).await {
            Ok(g) => g,
            Err(e) if group_doesnt_exist(&e) => continue,
            Err(source) => {
                return Err(HomeError {
                    pool: r.pool.clone(),
                    group_id: r.group_id.clone(),
                    path: state.path().to_owned(),
                    source,
                });
            }
        };
        if let Some(rg) = live_resource_group(&group.raw) {
            tracing::info!(
                "pool `{}`: Spot group {} is in resource group {rg} (not recorded in {})",
                r.pool,
                r.group_id,
                state.path().display()
            );
            homes.resource_groups.push(Sourced::new(
                rg,
                Origin::LiveGroup {
                    group_id: r.group_id.clone(),
                    pool: r.pool.clone(),
                },
            ));
        }
    }
    Ok(homes)
}

/// The scope of a command on recorded groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    /// The subscription (a placeholder in a dry run without one).
    pub subscription_id: String,
    /// The resource group, with where it came from.
    pub resource_group: Sourced,
}

/// The flags' (or variables') values against what the records say: [`scope::home_subscription`]
/// and [`scope::home_resource_group`].
pub fn resolve(
    given_resource_group: Option<Sourced>,
    given_subscription: Option<Sourced>,
    recorded: &RecordedHomes,
    dir: &OutputDir,
    dry_run: bool,
) -> Result<Home, ScopeError> {
    let resource_group =
        scope::home_resource_group(given_resource_group, &recorded.resource_groups, dir)?;
    let subscription_id =
        scope::home_subscription(given_subscription, &recorded.subscriptions, dry_run)?;
    Ok(Home {
        subscription_id,
        resource_group,
    })
}

/// The identity each record's group must have before it is changed or deleted (see
/// [`GroupOwner`]): the resource group `resource_group` (the command's home), the cluster's
/// location, and the scale set aks-engine made for the pool (evaluated from the template).
pub fn expected_owners(
    dir: &OutputDir,
    records: &[GroupRecord],
    resource_group: &str,
) -> Result<BTreeMap<String, GroupOwner>, ImportedPoolsError> {
    let pools = crate::cutover::imported_pools(
        dir,
        records,
        scope::PLACEHOLDER_SUBSCRIPTION,
        resource_group,
    )?;
    Ok(pools
        .into_iter()
        .map(|p| {
            let owner = GroupOwner {
                resource_group: Some(resource_group.to_owned()),
                region: dir.api_model.location.clone().filter(|l| !l.is_empty()),
                source_scale_set: Some(p.scale_set),
            };
            (p.pool, owner)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_live_group_says_its_resource_group_in_either_generation() {
        assert_eq!(
            live_resource_group(&json!({"resourceGroupName": "spotaks"})).as_deref(),
            Some("spotaks")
        );
        let network_only = json!({"compute": {"launchSpecification": {"network":
            {"resourceGroupName": "spotaks", "virtualNetworkName": "vnet"}}}});
        assert_eq!(
            live_resource_group(&network_only).as_deref(),
            Some("spotaks")
        );
        assert_eq!(
            live_resource_group(&json!({"resourceGroupName": " "})),
            None
        );
    }
}
