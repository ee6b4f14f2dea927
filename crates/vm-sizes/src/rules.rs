//! The compatibility rules: when a catalog size can run the same node as the pool's source size.
//!
//! Every rule is a [`Rule`] variant whose text says, in the user's terms, why a size was left
//! out. [`violations`] evaluates them all for one candidate, in a fixed order (availability first,
//! then what the node needs, then what we never pick), so the first violation is the reason shown.

use std::fmt;

use crate::catalog::{VmSku, short_name};

/// The Hyper-V generation of every image aks-engine v0.46.3 deploys.
pub const AKS_ENGINE_HYPERV_GENERATION: &str = "V1";

/// The default size window: a candidate may have at most this many times the source's vCPUs
/// and memory (so the pool's scheduling and cost do not change wildly).
pub const DEFAULT_SIZE_WINDOW: f64 = 2.0;

/// What the pool's nodes need, besides the source size's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirements {
    /// The pool's region (`westeurope`).
    pub region: String,
    /// The pool's availability zones; empty for a regional pool.
    pub zones: Vec<String>,
    /// The OS disk is Premium_LRS, which only `PremiumIO` sizes can attach.
    pub need_premium_io: bool,
    /// The source NIC enables accelerated networking, which fails on sizes without it.
    pub need_accelerated_networking: bool,
    /// The image's Hyper-V generation ([`AKS_ENGINE_HYPERV_GENERATION`]).
    pub hyperv_generation: String,
    /// At most this many times the source's vCPUs and memory ([`DEFAULT_SIZE_WINDOW`]).
    pub size_window: f64,
}

impl Requirements {
    /// A regional pool in `region` with the defaults: no Premium or accelerated-networking
    /// need, generation `V1`, window 2.
    pub fn new(region: impl Into<String>) -> Self {
        Self {
            region: region.into(),
            zones: Vec::new(),
            need_premium_io: false,
            need_accelerated_networking: false,
            hyperv_generation: AKS_ENGINE_HYPERV_GENERATION.to_owned(),
            size_window: DEFAULT_SIZE_WINDOW,
        }
    }
}

/// Which list a size is checked for: Spot sizes must be Spot-capable, on-demand ones need not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// `spotSizes` / `lowPrioritySizes`.
    Spot,
    /// `odSizes`.
    OnDemand,
}

/// Why a size cannot replace the source size. Display is the text users read.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The record does not list the region.
    NotOfferedInRegion {
        /// The pool's region.
        region: String,
    },
    /// A `Location` restriction covers the region.
    RestrictedInRegion {
        /// The pool's region.
        region: String,
        /// The restriction's `reasonCode`.
        reason: Option<String>,
    },
    /// A pool zone is not in `locationInfo[].zones`.
    NotOfferedInZone {
        /// The zone.
        zone: String,
    },
    /// A `Zone` restriction covers a pool zone.
    RestrictedInZone {
        /// The zone.
        zone: String,
        /// The restriction's `reasonCode`.
        reason: Option<String>,
    },
    /// `LowPriorityCapable` is not `True`.
    NotSpotCapable,
    /// A different `CpuArchitectureType` than the source's.
    CpuArchitecture {
        /// The candidate's.
        found: String,
        /// The source's.
        source: String,
    },
    /// `HyperVGenerations` does not include the image's generation.
    HyperVGeneration {
        /// The candidate's generations.
        found: Vec<String>,
        /// The image's.
        required: String,
    },
    /// The catalog lacks a capability the rules need (`vCPUs`, `MemoryGB`).
    MissingCapability {
        /// The capability's name.
        capability: &'static str,
    },
    /// Fewer vCPUs than the source.
    FewerVcpus {
        /// The candidate's.
        found: u32,
        /// The source's.
        source: u32,
    },
    /// Less memory than the source.
    LessMemory {
        /// The candidate's (GB).
        found: f64,
        /// The source's (GB).
        source: f64,
    },
    /// More vCPUs than the window allows.
    TooManyVcpus {
        /// The candidate's.
        found: u32,
        /// The most allowed.
        max: f64,
    },
    /// More memory than the window allows.
    TooMuchMemory {
        /// The candidate's (GB).
        found: f64,
        /// The most allowed (GB).
        max: f64,
    },
    /// `PremiumIO` is not `True` and the OS disk is Premium_LRS.
    NoPremiumIo,
    /// `AcceleratedNetworkingEnabled` is not `True` and the source NIC enables it.
    NoAcceleratedNetworking,
    /// GPUs on a candidate for a pool without them (paying for hardware nobody uses).
    HasGpus {
        /// The candidate's GPUs.
        found: u32,
    },
    /// Fewer GPUs than a GPU source has.
    FewerGpus {
        /// The candidate's.
        found: u32,
        /// The source's.
        source: u32,
    },
    /// A constrained-vCPU size (`vCPUsAvailable` below `vCPUs`): licensed per core, not a node.
    Constrained {
        /// `vCPUsAvailable`.
        available: u32,
        /// `vCPUs`.
        vcpus: u32,
    },
    /// A burstable B-series size: CPU credits run out under sustained load.
    Burstable,
    /// A `_Promo` size: a retired price offer.
    Promo,
    /// A confidential-computing family (DC*, EC*): needs confidential images.
    Confidential,
}

impl Rule {
    /// A short stable identifier for machine-readable output (`--output json`).
    pub fn code(&self) -> &'static str {
        match self {
            Rule::NotOfferedInRegion { .. } => "not-in-region",
            Rule::RestrictedInRegion { .. } => "restricted-in-region",
            Rule::NotOfferedInZone { .. } => "not-in-zone",
            Rule::RestrictedInZone { .. } => "restricted-in-zone",
            Rule::NotSpotCapable => "not-spot-capable",
            Rule::CpuArchitecture { .. } => "cpu-architecture",
            Rule::HyperVGeneration { .. } => "hyperv-generation",
            Rule::MissingCapability { .. } => "missing-capability",
            Rule::FewerVcpus { .. } => "fewer-vcpus",
            Rule::LessMemory { .. } => "less-memory",
            Rule::TooManyVcpus { .. } => "too-many-vcpus",
            Rule::TooMuchMemory { .. } => "too-much-memory",
            Rule::NoPremiumIo => "no-premium-io",
            Rule::NoAcceleratedNetworking => "no-accelerated-networking",
            Rule::HasGpus { .. } => "has-gpus",
            Rule::FewerGpus { .. } => "fewer-gpus",
            Rule::Constrained { .. } => "constrained-vcpus",
            Rule::Burstable => "burstable",
            Rule::Promo => "promo",
            Rule::Confidential => "confidential",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason =
            |r: &Option<String>| r.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        match self {
            Rule::NotOfferedInRegion { region } => write!(f, "not offered in {region}"),
            Rule::RestrictedInRegion { region, reason: r } => {
                write!(f, "restricted in {region}{}", reason(r))
            }
            Rule::NotOfferedInZone { zone } => write!(f, "not offered in zone {zone}"),
            Rule::RestrictedInZone { zone, reason: r } => {
                write!(f, "restricted in zone {zone}{}", reason(r))
            }
            Rule::NotSpotCapable => write!(f, "not Spot-capable (LowPriorityCapable is False)"),
            Rule::CpuArchitecture { found, source } => {
                write!(f, "CPU architecture {found}, the source size is {source}")
            }
            Rule::HyperVGeneration { found, required } => write!(
                f,
                "Hyper-V generation {} only, the image needs {required}",
                found.join(",")
            ),
            Rule::MissingCapability { capability } => {
                write!(f, "the catalog gives no {capability}")
            }
            Rule::FewerVcpus { found, source } => {
                write!(f, "{found} vCPUs, fewer than the source size's {source}")
            }
            Rule::LessMemory { found, source } => {
                write!(
                    f,
                    "{found} GB memory, less than the source size's {source} GB"
                )
            }
            Rule::TooManyVcpus { found, max } => {
                write!(f, "{found} vCPUs, more than the size window's {max}")
            }
            Rule::TooMuchMemory { found, max } => {
                write!(f, "{found} GB memory, more than the size window's {max} GB")
            }
            Rule::NoPremiumIo => write!(
                f,
                "no Premium storage (PremiumIO is False) and the OS disk is Premium_LRS"
            ),
            Rule::NoAcceleratedNetworking => write!(
                f,
                "no accelerated networking (AcceleratedNetworkingEnabled is False) and the source NIC enables it"
            ),
            Rule::HasGpus { found } => {
                write!(f, "{found} GPU(s) and the source size has none")
            }
            Rule::FewerGpus { found, source } => {
                write!(f, "{found} GPU(s), fewer than the source size's {source}")
            }
            Rule::Constrained { available, vcpus } => {
                write!(f, "constrained vCPUs ({available} of {vcpus} available)")
            }
            Rule::Burstable => write!(f, "burstable (B-series)"),
            Rule::Promo => write!(f, "a _Promo size"),
            Rule::Confidential => write!(f, "confidential computing (DC/EC family)"),
        }
    }
}

/// Every rule `candidate` breaks as a `priority` replacement for `source`, in the order
/// described in the module docs. Rules relative to the source (architecture, window, GPUs) are
/// skipped when the source is not in the catalog.
pub fn violations(
    candidate: &VmSku,
    source: Option<&VmSku>,
    req: &Requirements,
    priority: Priority,
) -> Vec<Rule> {
    let mut out = Vec::new();
    availability(candidate, req, &mut out);
    if priority == Priority::Spot && !candidate.low_priority_capable {
        out.push(Rule::NotSpotCapable);
    }
    if let Some(src) = source
        && !candidate
            .cpu_architecture
            .eq_ignore_ascii_case(&src.cpu_architecture)
    {
        out.push(Rule::CpuArchitecture {
            found: candidate.cpu_architecture.clone(),
            source: src.cpu_architecture.clone(),
        });
    }
    if !candidate
        .hyperv_generations
        .iter()
        .any(|g| g.eq_ignore_ascii_case(&req.hyperv_generation))
    {
        out.push(Rule::HyperVGeneration {
            found: candidate.hyperv_generations.clone(),
            required: req.hyperv_generation.clone(),
        });
    }
    if let Some(src) = source {
        window(candidate, src, req.size_window, &mut out);
    }
    if req.need_premium_io && !candidate.premium_io {
        out.push(Rule::NoPremiumIo);
    }
    if req.need_accelerated_networking && !candidate.accelerated_networking {
        out.push(Rule::NoAcceleratedNetworking);
    }
    if let Some(src) = source {
        if src.gpus == 0 && candidate.gpus > 0 {
            out.push(Rule::HasGpus {
                found: candidate.gpus,
            });
        } else if candidate.gpus < src.gpus {
            out.push(Rule::FewerGpus {
                found: candidate.gpus,
                source: src.gpus,
            });
        }
    } else if candidate.gpus > 0 {
        out.push(Rule::HasGpus {
            found: candidate.gpus,
        });
    }
    if let (Some(vcpus), Some(available)) = (candidate.vcpus, candidate.vcpus_available)
        && available < vcpus
    {
        out.push(Rule::Constrained { available, vcpus });
    }
    names(candidate, &mut out);
    out
}

fn availability(c: &VmSku, req: &Requirements, out: &mut Vec<Rule>) {
    if !c.offered_in(&req.region) {
        out.push(Rule::NotOfferedInRegion {
            region: req.region.clone(),
        });
        return;
    }
    if let Some(r) = c.restrictions.iter().find(|r| {
        r.kind == crate::catalog::RestrictionKind::Location && r.covers_region(&req.region)
    }) {
        out.push(Rule::RestrictedInRegion {
            region: req.region.clone(),
            reason: r.reason.clone(),
        });
    }
    let offered = c.zones_in(&req.region);
    for zone in &req.zones {
        if !offered.contains(zone) {
            out.push(Rule::NotOfferedInZone { zone: zone.clone() });
            continue;
        }
        if let Some(r) = c.restrictions.iter().find(|r| {
            r.kind == crate::catalog::RestrictionKind::Zone
                && r.covers_region(&req.region)
                && r.zones.contains(zone)
        }) {
            out.push(Rule::RestrictedInZone {
                zone: zone.clone(),
                reason: r.reason.clone(),
            });
        }
    }
}

/// Small tolerance for the memory comparisons: catalog values such as 0.75 or 218.75 are exact
/// in binary, but a window such as 1.1 is not.
const EPSILON: f64 = 1e-9;

fn window(c: &VmSku, src: &VmSku, factor: f64, out: &mut Vec<Rule>) {
    match (c.vcpus, src.vcpus) {
        (None, _) => out.push(Rule::MissingCapability {
            capability: "vCPUs",
        }),
        (Some(found), Some(source)) => {
            let max = f64::from(source) * factor;
            if found < source {
                out.push(Rule::FewerVcpus { found, source });
            } else if f64::from(found) > max + EPSILON {
                out.push(Rule::TooManyVcpus { found, max });
            }
        }
        (Some(_), None) => {}
    }
    match (c.memory_gb, src.memory_gb) {
        (None, _) => out.push(Rule::MissingCapability {
            capability: "MemoryGB",
        }),
        (Some(found), Some(source)) => {
            let max = source * factor;
            if found + EPSILON < source {
                out.push(Rule::LessMemory { found, source });
            } else if found > max + EPSILON {
                out.push(Rule::TooMuchMemory { found, max });
            }
        }
        (Some(_), None) => {}
    }
}

/// The rules read from the size's name: B-series, `_Promo`, confidential DC*/EC*.
fn names(c: &VmSku, out: &mut Vec<Rule>) {
    let short = short_name(&c.name);
    let series_then_digit = |prefix: &str| {
        short.len() > prefix.len()
            && short[..prefix.len()].eq_ignore_ascii_case(prefix)
            && short.as_bytes()[prefix.len()].is_ascii_digit()
    };
    if series_then_digit("B") {
        out.push(Rule::Burstable);
    }
    if short
        .split('_')
        .any(|seg| seg.eq_ignore_ascii_case("Promo"))
    {
        out.push(Rule::Promo);
    }
    if series_then_digit("DC") || series_then_digit("EC") {
        out.push(Rule::Confidential);
    }
}
