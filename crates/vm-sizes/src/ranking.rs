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
