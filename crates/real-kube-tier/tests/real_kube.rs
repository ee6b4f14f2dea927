//! The real kube-apiserver tier: the same cases against the in-process fake
//! (`test_support::kube_server`) and against a real kube-apiserver with etcd
//! (`test_support::real_kube`), asserting the same observable outcomes, so the fake the fast
//! tests use is known to answer as the real server does.
//!
//! The real server starts once, in one test that runs its cases in turn and always stops it
//! (the guard's drop, on a failure too). Without etcd or `../shared/tools/kube-apiserver` that
//! test is skipped with a notice (and counted by `scripts/test`); under `CI=true` it fails.

#[path = "real_kube/apply.rs"]
mod apply;
#[path = "real_kube/cluster.rs"]
mod cluster;
#[path = "real_kube/discovery.rs"]
mod discovery;
#[path = "real_kube/drain.rs"]
mod drain;
#[path = "real_kube/kubeconfig.rs"]
mod kubeconfig;

use cluster::{Cluster, FakeCluster, RealCluster};
use test_support::real_kube::RealKube;

async fn common_cases(c: &impl Cluster) {
    drain::cordon_and_evict(c).await;
    drain::nodes(c).await;
    apply::server_side_apply(c).await;
    kubeconfig::wrong_token(c).await;
    discovery::what_kubectl_reads(c).await;
}

#[tokio::test]
async fn against_the_in_process_fake() {
    let fake = FakeCluster::start().await;
    common_cases(&fake).await;
}

#[tokio::test]
async fn against_a_real_kube_apiserver() {
    let Some(kube) = RealKube::start("against_a_real_kube_apiserver") else {
        return;
    };
    let real = RealCluster::connect(&kube).await;
    common_cases(&real).await;
    kubeconfig::ca_and_token(&kube).await;
}
