//! Known defects of the published Spot OpenAPI create schemas (see the project's spot-api.md §6)
//! and how the validator works around them. Paths are instance paths with array indexes written
//! `[]`, starting at `group`.
//!
//! Applied generically by the validator (not listed below):
//! 1. Both create schemas list `name`, `region`, `capacity`, `strategy`, `compute` as required next
//!    to `group` at the top level. We validate only the `properties.group` subtree.
//! 2. `launchSpecification.required` lists `subnetName`, which has no property at that level (it
//!    belongs to the network / network interface). Required names without a property are ignored.
//! 3. No schema sets `additionalProperties: false`, so unknown fields are checked by hand against
//!    `properties` and reported as warnings ([`super::UnknownField`]), never as errors.
//! 4. `oneOf` is treated like `anyOf` (at least one alternative must match): the v3
//!    `scaling.*.action` alternatives overlap, so "exactly one" would reject every valid action.
//! 5. `integer` means a JSON integer (`2`, not `2.0` or `2e0`) within the signed 64-bit range:
//!    the schemas give no `format`, and int64 is the widest OpenAPI integer format (sdk-go sends
//!    these fields as Go `int`).

use crate::ApiGeneration;

/// A local change of what a schema accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Override {
    /// The schema says `array` of objects, the API takes one object: validate an object against `items`.
    ArrayAcceptsObject,
    /// The schema says `object`, the API (and SDKs) send an array of such objects.
    ObjectAcceptsArray,
    /// The schema says `string`, the API takes a boolean.
    AlsoAcceptsBoolean,
}

/// `(generation (None = both), path, override, why)`.
const OVERRIDES: &[(Option<ApiGeneration>, &str, Override, &str)] = &[
    (
        Some(ApiGeneration::V2),
        "group.compute.launchSpecification.login",
        Override::ArrayAcceptsObject,
        "v2 types login as an array; sdk-go and the v2 response schema use an object",
    ),
    (
        None,
        "group.scaling.up",
        Override::ObjectAcceptsArray,
        "scaling policies are arrays in sdk-go/terraform",
    ),
    (
        None,
        "group.scaling.down",
        Override::ObjectAcceptsArray,
        "scaling policies are arrays in sdk-go/terraform",
    ),
    (
        Some(ApiGeneration::V3),
        "group.scheduling.tasks[].isEnabled",
        Override::AlsoAcceptsBoolean,
        "v3 types the task flag as a string; sdk-go sends a boolean",
    ),
];

/// A bound Spot documents (or its API enforces) that the published schema does not state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// The number must be at least this.
    Minimum(i64),
    /// The number must be at most this.
    Maximum(i64),
    /// The string must have at least this many characters.
    MinLength(u64),
}

/// `(generation (None = both), path, bound, why)`.
const BOUNDS: &[(Option<ApiGeneration>, &str, Bound, &str)] = &[
    (
        Some(ApiGeneration::V3),
        "group.strategy.spotPercentage",
        Bound::Minimum(0),
        "a percentage of the group's VMs; Spot documents 0-100",
    ),
    (
        Some(ApiGeneration::V3),
        "group.strategy.spotPercentage",
        Bound::Maximum(100),
        "a percentage of the group's VMs; Spot documents 0-100",
    ),
    (
        Some(ApiGeneration::V2),
        "group.strategy.lowPriorityPercentage",
        Bound::Minimum(0),
        "a percentage of the group's VMs; Spot documents 0-100",
    ),
    (
        Some(ApiGeneration::V2),
        "group.strategy.lowPriorityPercentage",
        Bound::Maximum(100),
        "a percentage of the group's VMs; Spot documents 0-100",
    ),
    (
        None,
        "group.strategy.onDemandCount",
        Bound::Minimum(0),
        "a number of VMs",
    ),
    (
        None,
        "group.strategy.drainingTimeout",
        Bound::Minimum(0),
        "a number of seconds",
    ),
    (
        None,
        "group.capacity.target",
        Bound::Minimum(0),
        "a number of VMs",
    ),
    (
        None,
        "group.capacity.minimum",
        Bound::Minimum(0),
        "a number of VMs",
    ),
    (
        None,
        "group.capacity.maximum",
        Bound::Minimum(0),
        "a number of VMs",
    ),
    (
        None,
        "group.name",
        Bound::MinLength(1),
        "the group name is required; Spot rejects an empty one",
    ),
];

/// The bounds the workarounds add at `path` (normalized).
pub(crate) fn bounds_for(
    generation: ApiGeneration,
    path: &str,
) -> impl Iterator<Item = Bound> + use<'_> {
    BOUNDS
        .iter()
        .filter(move |(g, p, _, _)| applies(*g, generation) && *p == path)
        .map(|(_, _, b, _)| *b)
}

/// `(generation, object path, name sent, schema property name, why)`: a field the API takes
/// under another name than the schema's.
const ALIASES: &[(Option<ApiGeneration>, &str, &str, &str, &str)] = &[
    (
        Some(ApiGeneration::V3),
        "group.compute.launchSpecification.osDisk",
        "sizeGB",
        "size",
        "sdk-go/terraform send osDisk.sizeGB; the schema says size",
    ),
    (
        Some(ApiGeneration::V2),
        "group.compute.launchSpecification.network",
        "additionalIpConfigurations",
        "additionalIPConfigurations",
        "sdk-go and terraform use additionalIpConfigurations; the schema capitalises IP",
    ),
    (
        Some(ApiGeneration::V2),
        "group.scaling.up",
        "dimensions",
        "dimenstions",
        "schema typo",
    ),
    (
        Some(ApiGeneration::V2),
        "group.scaling.up[]",
        "dimensions",
        "dimenstions",
        "schema typo",
    ),
    (
        Some(ApiGeneration::V2),
        "group.scaling.down",
        "dimensions",
        "dimenstions",
        "schema typo",
    ),
    (
        Some(ApiGeneration::V2),
        "group.scaling.down[]",
        "dimensions",
        "dimenstions",
        "schema typo",
    ),
    (
        Some(ApiGeneration::V2),
        "group.strategy",
        "odCount",
        "onDemandCount",
        "the v2 response schema and old docs call the on-demand count odCount",
    ),
];

fn applies(g: Option<ApiGeneration>, generation: ApiGeneration) -> bool {
    g.is_none_or(|g| g == generation)
}

/// The override for the value at `path`, if any.
pub(crate) fn override_for(generation: ApiGeneration, path: &str) -> Option<Override> {
    OVERRIDES
        .iter()
        .find(|(g, p, _, _)| applies(*g, generation) && *p == path)
        .map(|(_, _, o, _)| *o)
}

/// The schema property that `name` stands for in the object at `object_path`, if it is an alias.
pub(crate) fn alias_target(
    generation: ApiGeneration,
    object_path: &str,
    name: &str,
) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(g, p, from, _, _)| applies(*g, generation) && *p == object_path && *from == name)
        .map(|(_, _, _, to, _)| *to)
}

/// The alias names accepted in the object at `object_path`.
pub(crate) fn aliases_at(
    generation: ApiGeneration,
    object_path: &str,
) -> impl Iterator<Item = &'static str> {
    ALIASES
        .iter()
        .filter(move |(g, p, _, _, _)| applies(*g, generation) && *p == object_path)
        .map(|(_, _, from, _, _)| *from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_aliases_are_per_generation() {
        assert_eq!(
            override_for(ApiGeneration::V2, "group.compute.launchSpecification.login"),
            Some(Override::ArrayAcceptsObject)
        );
        assert_eq!(
            override_for(ApiGeneration::V3, "group.compute.launchSpecification.login"),
            None
        );
        assert_eq!(
            override_for(ApiGeneration::V3, "group.scaling.up"),
            Some(Override::ObjectAcceptsArray)
        );
        assert_eq!(
            alias_target(
                ApiGeneration::V3,
                "group.compute.launchSpecification.osDisk",
                "sizeGB"
            ),
            Some("size")
        );
        assert_eq!(
            alias_target(
                ApiGeneration::V2,
                "group.compute.launchSpecification.osDisk",
                "sizeGB"
            ),
            None
        );
        assert_eq!(
            aliases_at(ApiGeneration::V2, "group.strategy").collect::<Vec<_>>(),
            vec!["odCount"]
        );
    }

    #[test]
    fn bounds_are_per_generation_and_path() {
        assert_eq!(
            bounds_for(ApiGeneration::V3, "group.strategy.spotPercentage").collect::<Vec<_>>(),
            vec![Bound::Minimum(0), Bound::Maximum(100)]
        );
        assert_eq!(
            bounds_for(ApiGeneration::V2, "group.strategy.spotPercentage").count(),
            0
        );
        assert_eq!(
            bounds_for(ApiGeneration::V2, "group.name").collect::<Vec<_>>(),
            vec![Bound::MinLength(1)]
        );
    }
}
