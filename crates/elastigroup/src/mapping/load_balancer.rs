//! Load balancer and application gateway backend pools: each IP configuration's
//! `loadBalancerBackendAddressPools` / `applicationGatewayBackendAddressPools` →
//! `launchSpecification.loadBalancersConfig`. v2 has no Azure load balancer type (only application
//! gateways); inbound NAT pools exist in neither generation.

use serde_json::{Value, json};

use super::arm_id::ArmId;
use super::json_cursor::Cursor;
use super::{MappingErrorKind, MappingWarning};

/// A backend pool of an Azure load balancer or application gateway.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BackendPool {
    pub resource_group: String,
    /// The load balancer or application gateway name.
    pub name: String,
    pub pool: String,
    pub path: String,
}

/// The backend pools of every IP configuration of the primary NIC, without duplicates.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Backends {
    pub load_balancers: Vec<BackendPool>,
    pub application_gateways: Vec<BackendPool>,
}

/// Adds the backend pools of one IP configuration's `properties` (`p`) to `into`.
pub(crate) fn extract_from_ip_config(
    p: &Cursor,
    into: &mut Backends,
    w: &mut Vec<MappingWarning>,
) -> Result<(), MappingErrorKind> {
    backend_pools(
        &p.key("loadBalancerBackendAddressPools"),
        "loadBalancers",
        "a load balancer backend pool id",
        &mut into.load_balancers,
    )?;
    backend_pools(
        &p.key("applicationGatewayBackendAddressPools"),
        "applicationGateways",
        "an application gateway backend pool id",
        &mut into.application_gateways,
    )?;
    if !p.key("loadBalancerInboundNatPools").items()?.is_empty() {
        w.push(MappingWarning::new(
            p.key("loadBalancerInboundNatPools").path(),
            "inbound NAT pools cannot be expressed in an Elastigroup",
        ));
    }
    Ok(())
}

fn backend_pools(
    list: &Cursor,
    parent_type: &str,
    expected: &'static str,
    into: &mut Vec<BackendPool>,
) -> Result<(), MappingErrorKind> {
    for item in list.items()? {
        let id_c = item.key("id");
        let id = id_c.req_str(expected)?;
        let arm = ArmId::parse(id).ok_or_else(|| id_c.bad_id(id, expected))?;
        let n = arm
            .names_if("Microsoft.Network", &[parent_type, "backendAddressPools"])
            .ok_or_else(|| id_c.bad_id(id, expected))?;
        let pool = BackendPool {
            resource_group: arm.resource_group.to_owned(),
            name: n[0].to_owned(),
            pool: n[1].to_owned(),
            path: id_c.path().to_owned(),
        };
        let duplicate = into.iter().any(|p| {
            p.resource_group.eq_ignore_ascii_case(&pool.resource_group)
                && p.name.eq_ignore_ascii_case(&pool.name)
                && p.pool.eq_ignore_ascii_case(&pool.pool)
        });
        if !duplicate {
            into.push(pool);
        }
    }
    Ok(())
}

/// v3 `loadBalancersConfig`: one entry per load balancer with its backend pools grouped under
/// it, then one entry per application gateway backend pool (the schema: "For Azure Gateway, each
/// Backend Pool is a separate load balancer"). `None` when there is nothing to attach.
pub(crate) fn render_v3(b: &Backends) -> Option<Value> {
    let mut grouped: Vec<(&BackendPool, Vec<&str>)> = Vec::new();
    for p in &b.load_balancers {
        let same = |q: &BackendPool| {
            q.resource_group.eq_ignore_ascii_case(&p.resource_group)
                && q.name.eq_ignore_ascii_case(&p.name)
        };
        match grouped.iter_mut().find(|(q, _)| same(q)) {
            Some((_, names)) => names.push(&p.pool),
            None => grouped.push((p, vec![&p.pool])),
        }
    }
    let mut out: Vec<Value> = grouped
        .into_iter()
        .map(|(p, names)| {
            // aks-engine agent pools are only in a load balancer's backend pool with a Standard one.
            json!({"type": "loadBalancer", "resourceGroupName": p.resource_group, "name": p.name,
                   "sku": "Standard", "backendPoolNames": names})
        })
        .collect();
    out.extend(b.application_gateways.iter().map(|p| {
        json!({"type": "applicationGateway", "resourceGroupName": p.resource_group, "name": p.name,
               "backendPoolNames": [p.pool]})
    }));
    (!out.is_empty()).then(|| json!({ "loadBalancers": out }))
}

/// v2 `loadBalancersConfig` (application gateways only; `None` without any), with a warning
/// for each load balancer backend pool left out.
pub(crate) fn render_v2(b: &Backends, w: &mut Vec<MappingWarning>) -> Option<Value> {
    for lb in &b.load_balancers {
        w.push(MappingWarning::new(
            &lb.path,
            format!(
                "v2 has no Azure load balancer type: backend pool {}/{} is not attached (the Kubernetes Azure cloud \
                 provider manages pool membership)",
                lb.name, lb.pool
            ),
        ));
    }
    if b.application_gateways.is_empty() {
        return None;
    }
    let gws: Vec<Value> = b
        .application_gateways
        .iter()
        .map(|g| {
            json!({"type": "APPLICATION_GATEWAY", "resourceGroupName": g.resource_group,
                   "applicationGatewayName": g.name, "backendPoolName": g.pool})
        })
        .collect();
    Some(json!({ "loadBalancers": gws }))
}
