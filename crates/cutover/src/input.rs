//! What a cutover needs to know and may do: the pools with their groups and source scale sets,
//! the clients, and the options.

use std::time::Duration;

use azure_arm::ArmClient;
use elastigroup::ApiGeneration;
use kube::Client;
use spot_api::SpotClient;

use crate::decide::pods::DrainFlags;
use crate::events::Step;

/// One imported pool: its Spot group and the scale set aks-engine made for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutoverPool {
    /// Agent pool name.
    pub pool: String,
    /// Spot group id (from the import's state file).
    pub group_id: String,
    /// The group's API generation.
    pub generation: ApiGeneration,
    /// The source scale set's name (e.g. `k8s-agentpool1-12345678-vmss`).
    pub scale_set: String,
    /// The source scale set's resource group.
    pub resource_group: String,
    /// The source scale set's subscription.
    pub subscription: String,
    /// The cluster's name suffix (aks-engine's `nameSuffix`): the scale set's
    /// `resourceNameSuffix` tag must say it before anything is touched.
    pub name_suffix: String,
}

impl CutoverPool {
    /// The pool of an import's state-file record, with the source scale set the caller derived
    /// from the aks-engine output directory (the record does not hold it).
    pub fn from_record(record: &group_sync::GroupRecord, source: SourceScaleSet) -> Self {
        Self {
            pool: record.pool.clone(),
            group_id: record.group_id.clone(),
            generation: record.generation,
            scale_set: source.name,
            resource_group: source.resource_group,
            subscription: source.subscription,
            name_suffix: source.name_suffix,
        }
    }

    /// The source scale set's full ARM id.
    pub fn scale_set_id(&self) -> String {
        crate::decide::nodes::scale_set_id(
            &self.subscription,
            &self.resource_group,
            &self.scale_set,
        )
    }
}

/// Where a pool's source scale set is and what its tags must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceScaleSet {
    /// Subscription.
    pub subscription: String,
    /// Resource group.
    pub resource_group: String,
    /// Name, e.g. `k8s-agentpool1-12345678-vmss`.
    pub name: String,
    /// The cluster's name suffix, e.g. `12345678` (its `resourceNameSuffix` tag).
    pub name_suffix: String,
}

/// The three APIs a cutover talks to.
#[derive(Clone, Copy)]
pub struct Clients<'a> {
    /// Kubernetes; build it with [`crate::client_from_kubeconfig`] (no automatic 429 retries,
    /// so budget refusals are seen and reported at once).
    pub kube: &'a Client,
    /// Spot.
    pub spot: &'a SpotClient,
    /// Azure Resource Manager (only the retire step uses it).
    pub arm: &'a ArmClient,
}

/// How the cutover behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutoverOptions {
    /// How long to wait for the Spot nodes to be Ready (`--join-timeout`, 15m).
    pub join_timeout: Duration,
    /// How long evictions may take (`--drain-timeout`, 10m).
    pub drain_timeout: Duration,
    /// Evict pods no controller manages (`--force`).
    pub force: bool,
    /// Evict pods with emptyDir volumes (`--delete-emptydir-data`).
    pub delete_emptydir_data: bool,
    /// Only these pools (`--pool`, repeatable); empty = every pool given.
    pub pools: Vec<String>,
    /// Between two looks at the Spot VMs and Nodes while joining (10s).
    pub join_poll_interval: Duration,
    /// Between two eviction rounds (retrying budget refusals, checking pods gone) (5s).
    pub eviction_retry_interval: Duration,
    /// Evictions in flight at once, across the nodes drained (`--concurrency`, 16; 1 = one at
    /// a time).
    pub concurrency: usize,
    /// Stop (successfully) once this step is done, e.g. to cordon and drain now and retire
    /// later; the state file lets a later run go on.
    pub stop_after: Option<Step>,
}

impl Default for CutoverOptions {
    fn default() -> Self {
        Self {
            join_timeout: Duration::from_secs(15 * 60),
            drain_timeout: Duration::from_secs(10 * 60),
            force: false,
            delete_emptydir_data: false,
            pools: Vec::new(),
            join_poll_interval: Duration::from_secs(10),
            eviction_retry_interval: Duration::from_secs(5),
            concurrency: crate::drain::DEFAULT_CONCURRENCY,
            stop_after: None,
        }
    }
}

impl CutoverOptions {
    /// The drain's consent flags.
    pub fn drain_flags(&self) -> DrainFlags {
        DrainFlags {
            force: self.force,
            delete_emptydir_data: self.delete_emptydir_data,
        }
    }
}

/// The pools `options.pools` selects, in the order given; an unknown name is an error.
pub fn select_pools<'a>(
    pools: &'a [CutoverPool],
    options: &CutoverOptions,
) -> Result<Vec<&'a CutoverPool>, crate::error::CutoverError> {
    if pools.is_empty() {
        return Err(crate::error::CutoverError::NoPools);
    }
    for name in &options.pools {
        if !pools.iter().any(|p| &p.pool == name) {
            return Err(crate::error::CutoverError::UnknownPool {
                pool: name.clone(),
                known: pools.iter().map(|p| p.pool.clone()).collect(),
            });
        }
    }
    Ok(pools
        .iter()
        .filter(|p| options.pools.is_empty() || options.pools.contains(&p.pool))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(name: &str) -> CutoverPool {
        CutoverPool {
            pool: name.into(),
            group_id: format!("sig-{name}"),
            generation: ApiGeneration::V3,
            scale_set: format!("k8s-{name}-1-vmss"),
            resource_group: "rg".into(),
            subscription: "sub".into(),
            name_suffix: "1".into(),
        }
    }

    #[test]
    fn a_pool_from_an_import_record() {
        let record = group_sync::GroupRecord {
            pool: "agentpool1".into(),
            group_id: "sig-1".into(),
            generation: ApiGeneration::V2,
            name: "g".into(),
            created_at: "2026-12-06T00:00:00Z".into(),
            updated_at: None,
            resource_group: None,
            subscription_id: None,
        };
        let p = CutoverPool::from_record(
            &record,
            SourceScaleSet {
                subscription: "sub".into(),
                resource_group: "rg".into(),
                name: "k8s-agentpool1-1-vmss".into(),
                name_suffix: "1".into(),
            },
        );
        assert_eq!(
            (p.pool.as_str(), p.group_id.as_str(), p.generation),
            ("agentpool1", "sig-1", ApiGeneration::V2)
        );
        assert_eq!(
            (p.scale_set.as_str(), p.resource_group.as_str()),
            ("k8s-agentpool1-1-vmss", "rg")
        );
        assert_eq!(
            p.scale_set_id(),
            "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/k8s-agentpool1-1-vmss"
        );
    }

    #[test]
    fn selects_named_pools_and_rejects_unknown_ones() {
        let pools = vec![pool("a"), pool("b")];
        let all = select_pools(&pools, &CutoverOptions::default()).unwrap();
        assert_eq!(all.len(), 2);
        let only_b = CutoverOptions {
            pools: vec!["b".into()],
            ..Default::default()
        };
        assert_eq!(select_pools(&pools, &only_b).unwrap()[0].pool, "b");
        let unknown = CutoverOptions {
            pools: vec!["c".into()],
            ..Default::default()
        };
        let e = select_pools(&pools, &unknown).unwrap_err();
        assert_eq!(
            e.to_string(),
            "pool c is not among the imported pools (a, b)"
        );
        assert!(select_pools(&[], &CutoverOptions::default()).is_err());
    }
}
