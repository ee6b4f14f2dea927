//! What `status` shows per pool: the group's VMs as Kubernetes nodes (with a kubeconfig), and
//! the source scale set's remaining nodes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kube::Client;
use spot_api::SpotClient;

use crate::decide::health::{PoolHealth, pool_health};
use crate::error::CutoverError;
use crate::input::CutoverPool;
use crate::kube_ops;
use crate::read::spot_error;

/// `--join-grace`: how long a VM may take to become a Ready node (10m).
pub const DEFAULT_JOIN_GRACE: Duration = Duration::from_secs(10 * 60);

/// Each pool's health at `now`; without `kube` only Spot's view (health `unknown`).
pub async fn collect_health(
    kube: Option<&Client>,
    spot: &SpotClient,
    pools: &[CutoverPool],
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<PoolHealth>, CutoverError> {
    let nodes = match kube {
        Some(k) => Some(kube_ops::list_nodes(k).await?),
        None => None,
    };
    let mut out = Vec::new();
    for p in pools {
        let vms = spot
            .group_vms(p.generation, &p.group_id)
            .await
            .map_err(|source| spot_error(p, source))?;
        out.push(pool_health(
            &p.pool,
            &p.scale_set_id(),
            &vms,
            nodes.as_deref(),
            now,
            grace,
        ));
    }
    Ok(out)
}
