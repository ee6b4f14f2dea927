//! Azure Resource Manager resource ids, read case-insensitively (ARM itself ignores case in the
//! fixed segments `subscriptions`, `resourceGroups`, `providers` and in type names).

/// `/subscriptions/S/resourceGroups/RG/providers/NAMESPACE/TYPE1/NAME1[/TYPE2/NAME2...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArmId<'a> {
    pub subscription: &'a str,
    pub resource_group: &'a str,
    pub namespace: &'a str,
    /// `(type, name)` pairs, outermost first.
    pub types: Vec<(&'a str, &'a str)>,
}

impl<'a> ArmId<'a> {
    /// Parses a resource id; `None` when it lacks the subscription/resource group/provider prefix
    /// or has an odd number of type/name segments.
    pub(crate) fn parse(id: &'a str) -> Option<Self> {
        let segments: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
        if segments.len() < 8 || segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        let keyword = |i: usize, k: &str| segments[i].eq_ignore_ascii_case(k);
        if !(keyword(0, "subscriptions") && keyword(2, "resourceGroups") && keyword(4, "providers"))
        {
            return None;
        }
        let rest = &segments[6..];
        if !rest.len().is_multiple_of(2) {
            return None;
        }
        Some(ArmId {
            subscription: segments[1],
            resource_group: segments[3],
            namespace: segments[5],
            types: rest.chunks(2).map(|c| (c[0], c[1])).collect(),
        })
    }

    /// The resource names when the id is of `namespace` with exactly the type chain `types`
    /// (compared case-insensitively), e.g. `("Microsoft.Network", ["virtualNetworks", "subnets"])`.
    pub(crate) fn names_if(&self, namespace: &str, types: &[&str]) -> Option<Vec<&'a str>> {
        if !self.namespace.eq_ignore_ascii_case(namespace) || self.types.len() != types.len() {
            return None;
        }
        self.types
            .iter()
            .zip(types)
            .all(|((t, _), want)| t.eq_ignore_ascii_case(want))
            .then(|| self.types.iter().map(|(_, n)| *n).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_subnet_id_case_insensitively() {
        let id = ArmId::parse(
            "/SUBSCRIPTIONS/sub/resourcegroups/Net-RG/Providers/microsoft.network/VirtualNetworks/vnet1/Subnets/sn",
        )
        .unwrap();
        assert_eq!(id.subscription, "sub");
        assert_eq!(id.resource_group, "Net-RG");
        assert_eq!(
            id.names_if("Microsoft.Network", &["virtualNetworks", "subnets"]),
            Some(vec!["vnet1", "sn"])
        );
        assert_eq!(id.names_if("Microsoft.Network", &["virtualNetworks"]), None);
        assert_eq!(
            id.names_if("Microsoft.Compute", &["virtualNetworks", "subnets"]),
            None
        );
    }

    #[test]
    fn rejects_malformed_ids() {
        assert!(ArmId::parse("").is_none());
        assert!(ArmId::parse("k8s-subnet").is_none());
        assert!(ArmId::parse("/subscriptions/s/resourceGroups/rg").is_none());
        assert!(
            ArmId::parse(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks"
            )
            .is_none()
        );
        assert!(
            ArmId::parse(
                "/subscriptions/s/resourceGroups//providers/Microsoft.Network/virtualNetworks/v"
            )
            .is_none()
        );
        assert!(
            ArmId::parse(
                "/tenants/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            )
            .is_none()
        );
    }
}
