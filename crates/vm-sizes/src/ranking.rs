//! The order compatible sizes are offered in: closest to the source size first.
//!
//! Closeness, in order: the same family (`standardDv2Family`), else the same generation (`_v2`),
//! else anything; then the smallest step up in vCPUs and memory, measured relative to the
//! source so a 2-vCPU pool and a 32-vCPU pool are judged alike; then fewer vCPUs, less memory,
//! and the name, so the order never depends on the catalog's order.

use std::cmp::Ordering;

use crate::catalog::VmSku;

/// How closely `candidate` resembles `source`: 0 = same family, 1 = same generation, 2 = other.
fn kinship(candidate: &VmSku, source: &VmSku) -> u8 {
    if !source.family.is_empty() && candidate.family.eq_ignore_ascii_case(&source.family) {
        0
    } else if candidate.generation() == source.generation() {
        1
    } else {
        2
    }
}

/// The relative step from the source's shape: 0 for the same vCPUs and memory.
fn step(candidate: &VmSku, source: &VmSku) -> f64 {
    let rel = |c: Option<f64>, s: Option<f64>| match (c, s) {
        (Some(c), Some(s)) if s > 0.0 => (c - s).abs() / s,
        _ => 0.0,
    };
    rel(candidate.vcpus.map(f64::from), source.vcpus.map(f64::from))
        + rel(candidate.memory_gb, source.memory_gb)
}

/// Compares two candidates: `Less` means `a` is closer to `source` than `b`.
pub fn closeness(a: &VmSku, b: &VmSku, source: &VmSku) -> Ordering {
    kinship(a, source)
        .cmp(&kinship(b, source))
        .then_with(|| step(a, source).total_cmp(&step(b, source)))
        .then_with(|| a.vcpus.cmp(&b.vcpus))
        .then_with(|| {
            a.memory_gb
                .unwrap_or(0.0)
                .total_cmp(&b.memory_gb.unwrap_or(0.0))
        })
        .then_with(|| {
            a.name
                .to_ascii_lowercase()
                .cmp(&b.name.to_ascii_lowercase())
        })
}

/// Sorts `candidates` closest first (see the module docs).
pub fn rank(candidates: &mut [&VmSku], source: &VmSku) {
    candidates.sort_by(|a, b| closeness(a, b, source));
}

/// What Azure publishes about a size as a Spot VM, when the caller has it: the eviction band and
/// the Spot price. With it, Spot sizes are ordered by risk, then cost, then closeness.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SpotRisk {
    /// The eviction band's rank: 0 (`0-5` % a month) to 4 (`20+`); a size without a published
    /// rate is ranked 2 (`10-15`).
    pub eviction_rank: u8,
    /// The Spot price per hour, when known.
    pub spot_hourly: Option<f64>,
}

/// The eviction rank a size without a published rate gets (`10-15` %).
pub const UNKNOWN_EVICTION_RANK: u8 = 2;

/// A size's Spot price per vCPU and hour: the vCPUs a VM can use (`vCPUsAvailable` of a
/// constrained size), else its vCPUs.
pub fn price_per_vcpu(sku: Option<&VmSku>, spot_hourly: Option<f64>) -> Option<f64> {
    let vcpus = sku.and_then(|s| s.vcpus_available.or(s.vcpus))?;
    let price = spot_hourly?;
    (vcpus > 0 && price.is_finite()).then(|| price / f64::from(vcpus))
}

/// Compares (eviction rank, price per vCPU): lower rank first, then cheaper, an unknown price last.
pub fn risk_then_cost(a: (u8, Option<f64>), b: (u8, Option<f64>)) -> Ordering {
    a.0.cmp(&b.0).then_with(|| match (a.1, b.1) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    })
}

/// Sorts `candidates` by eviction band, then Spot price per vCPU (unknown last), then closeness
/// to `source` ([`closeness`]). `risk` answers for a size's name.
pub fn rank_by_risk(candidates: &mut [&VmSku], source: &VmSku, risk: &dyn Fn(&str) -> SpotRisk) {
    let key = |c: &VmSku| {
        let r = risk(&c.name);
        (r.eviction_rank, price_per_vcpu(Some(c), r.spot_hourly))
    };
    candidates.sort_by(|a, b| risk_then_cost(key(a), key(b)).then_with(|| closeness(a, b, source)));
}
