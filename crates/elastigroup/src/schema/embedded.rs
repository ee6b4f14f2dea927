//! The Spot OpenAPI files compiled into the binary (verbatim copies under `openapi/`, see
//! `openapi/SOURCE.md`), keyed by their path relative to the upstream repository root so relative
//! `$ref`s resolve exactly as upstream.

/// The v3 create body schema.
pub(crate) const V3_CREATE: &str =
    "api/services/elastigroup/azure/spotVms/schemas/createElastigroupSpotVMs.yaml";
/// The v2 create body schema.
pub(crate) const V2_CREATE: &str =
    "api/services/elastigroup/azure/scaleSetVms/schemas/lowPriorityVMsEGCreation.yaml";

/// The same files as JSON, converted by `build.rs` (what the validator parses at run time).
pub const JSON_FILES: &[(&str, &str)] = &[
    (
        V3_CREATE,
        include_str!(concat!(
            env!("OUT_DIR"),
            "/openapi-json/api/services/elastigroup/azure/spotVms/schemas/createElastigroupSpotVMs.json"
        )),
    ),
    (
        "api/services/elastigroup/azure/spotVms/schemas/elastigroupVm-spotSizeAttributes.yaml",
        include_str!(concat!(
            env!("OUT_DIR"),
            "/openapi-json/api/services/elastigroup/azure/spotVms/schemas/elastigroupVm-spotSizeAttributes.json"
        )),
    ),
    (
        V2_CREATE,
        include_str!(concat!(
            env!("OUT_DIR"),
            "/openapi-json/api/services/elastigroup/azure/scaleSetVms/schemas/lowPriorityVMsEGCreation.json"
        )),
    ),
];

/// `(path, YAML text)` for every embedded file: the two create schemas and their transitive `$ref`s.
pub const FILES: &[(&str, &str)] = &[
    (
        V3_CREATE,
        include_str!(
            "../../openapi/api/services/elastigroup/azure/spotVms/schemas/createElastigroupSpotVMs.yaml"
        ),
    ),
    (
        "api/services/elastigroup/azure/spotVms/schemas/elastigroupVm-spotSizeAttributes.yaml",
        include_str!(
            "../../openapi/api/services/elastigroup/azure/spotVms/schemas/elastigroupVm-spotSizeAttributes.yaml"
        ),
    ),
    (
        V2_CREATE,
        include_str!(
            "../../openapi/api/services/elastigroup/azure/scaleSetVms/schemas/lowPriorityVMsEGCreation.yaml"
        ),
    ),
];
