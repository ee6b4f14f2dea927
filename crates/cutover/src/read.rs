//! Reads the cutover shares with its dry run and `status`: each group's capacity target and
//! join progress (Spot ⋈ Nodes), and the pods of a set of nodes. Nothing here changes anything.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::decide::join::{PoolJoin, pool_join};
use crate::decide::nodes::NodeInfo;
use crate::decide::pods::PodInfo;
use crate::error::CutoverError;
use crate::input::{Clients, CutoverPool};
use crate::kube_ops;

/// Every pod on `nodes`, listed `concurrency` nodes at a time (one list per node, as the
/// server filters by `spec.nodeName`), in the nodes' order.
pub(crate) async fn pods_on(
    kube: &kube::Client,
    nodes: &[NodeInfo],
    concurrency: usize,
) -> Result<Vec<PodInfo>, crate::error::KubeError> {
    let per_node: Vec<Vec<PodInfo>> = stream::iter(nodes)
        .map(|n| kube_ops::pods_on_node(kube, &n.name))
        .buffered(concurrency.max(1))
        .try_collect()
        .await?;
    Ok(per_node.into_iter().flatten().collect())
}

/// Each pool's capacity target, refusing a target of 0.
pub(crate) async fn read_targets(
    clients: Clients<'_>,
    pools: &[&CutoverPool],
) -> Result<BTreeMap<String, u32>, CutoverError> {
    let mut out = BTreeMap::new();
    for p in pools {
        let target = read_target(clients.spot, p).await?;
        if target == 0 {
            return Err(CutoverError::EmptyTarget {
                pool: p.pool.clone(),
                group_id: p.group_id.clone(),
            });
        }
        out.insert(p.pool.clone(), target);
    }
    Ok(out)
}

/// A group's capacity target (0 when the group has none).
pub(crate) async fn read_target(
    spot: &spot_api::SpotClient,
    p: &CutoverPool,
) -> Result<u32, CutoverError> {
    let group = spot
        .get_group(p.generation, &p.group_id)
        .await
        .map_err(|source| spot_error(p, source))?;
    Ok(spot_api::capacity_target(&group.raw).unwrap_or(0))
}

pub(crate) fn spot_error(p: &CutoverPool, source: spot_api::SpotError) -> CutoverError {
    CutoverError::Spot {
        pool: p.pool.clone(),
        group_id: p.group_id.clone(),
        source: Box::new(source),
    }
}

/// One pool's join progress now.
pub(crate) async fn look_at_pool(
    spot: &spot_api::SpotClient,
    p: &CutoverPool,
    target: u32,
    nodes: &[NodeInfo],
) -> Result<PoolJoin, CutoverError> {
    let vms = spot
        .group_vms(p.generation, &p.group_id)
        .await
        .map_err(|source| spot_error(p, source))?;
    Ok(pool_join(&p.pool, target, p.generation, &vms, nodes))
}
