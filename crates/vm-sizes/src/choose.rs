//! Choosing a pool's Spot and on-demand sizes: the source size first, then the closest
//! compatible sizes, with the reason every other size was left out.

use std::fmt;

use crate::catalog::{Catalog, VmSku};
use crate::ranking::{SpotRisk, price_per_vcpu, rank, rank_by_risk, risk_then_cost};
use crate::rules::{Priority, Requirements, Rule, violations};

/// The most sizes a list gets (the source size included).
pub const MAX_SIZES: usize = 10;

/// The most preferred Spot sizes a selection names.
pub const MAX_PREFERRED: usize = 3;

/// Answers a size's eviction band and Spot price (see [`choose_with`]).
pub type RiskOf<'a> = &'a dyn Fn(&str) -> SpotRisk;

/// How the sizes are chosen (`--spot-sizes auto|source|LIST`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The source size, then up to [`MAX_SIZES`]` - 1` compatible sizes, closest first.
    Auto,
    /// The source size alone (the behaviour before size diversification).
    Source,
    /// These Spot sizes, in this order, each checked against the catalog and the rules.
    List(Vec<String>),
}

/// Something the user should know about a selection that is not an error.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectionWarning {
    /// The catalog does not have the source size: it is kept alone.
    SourceNotInCatalog {
        /// The source size as given.
        size: String,
        /// The region looked in.
        region: String,
    },
    /// The source size itself breaks a rule (kept anyway: it is what the pool runs today).
    SourceBreaksRule {
        /// The source size as given.
        size: String,
        /// The rule.
        rule: Rule,
    },
    /// The source's record lacks vCPUs or memory, so no size window can be drawn around it: the
    /// pool keeps the source size alone rather than get sizes of any shape.
    SourceShapeUnknown {
        /// The source size as given.
        size: String,
        /// The capabilities its record lacks (`vCPUs`, `MemoryGB`).
        missing: Vec<&'static str>,
    },
}

impl fmt::Display for SelectionWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectionWarning::SourceNotInCatalog { size, region } => write!(
                f,
                "the source size {size} is not in the Resource SKUs catalog for {region}: the pool keeps {size} alone"
            ),
            SelectionWarning::SourceBreaksRule { size, rule } => {
                write!(f, "the source size {size} is kept although it is {rule}")
            }
            SelectionWarning::SourceShapeUnknown { size, missing } => write!(
                f,
                "the Resource SKUs catalog gives no {} for the source size {size}, so no size window can be drawn around it: the pool keeps {size} alone",
                missing.join(" or ")
            ),
        }
    }
}

/// The sizes chosen for one pool, and why the others were not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// `spotSizes` (v3) / `lowPrioritySizes` (v2): the source size first; at most
    /// [`MAX_SIZES`] in auto mode.
    pub spot: Vec<String>,
    /// `odSizes`: the source size first, then compatible sizes that need not be Spot-capable.
    pub on_demand: Vec<String>,
    /// Every catalog size (catalog spelling) left out of the Spot list, with the first rule it
    /// breaks; in catalog order. Empty unless the mode is auto.
    pub excluded: Vec<(String, Rule)>,
    /// Compatible Spot sizes left out only because the list was full, closest first.
    pub ranked_out: Vec<String>,
    /// Things to tell the user.
    pub warnings: Vec<SelectionWarning>,
    /// v3 `preferredSpotSizes`: the best of `spot` by eviction band then Spot price per vCPU
    /// (ties in `spot` order), at most [`MAX_PREFERRED`]; empty without prices or rates, or
    /// with one Spot size.
    pub preferred: Vec<String>,
}

/// A selection that cannot be made. The caller names the pool.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChooseError {
    /// A listed size is not in the catalog.
    #[error("size {size} is not in the Resource SKUs catalog")]
    UnknownSize {
        /// The size as listed.
        size: String,
    },
    /// A listed size breaks a rule.
    #[error("size {size} cannot replace {source_size}: {rule}")]
    Incompatible {
        /// The size as listed.
        size: String,
        /// The pool's source size.
        source_size: String,
        /// The first rule it breaks.
        rule: Rule,
    },
    /// The list is empty.
    #[error("the size list is empty")]
    EmptyList,
    /// The size window is below 1 (no size, not even the source, would fit) or not a number.
    #[error("size window {0} must be a number of at least 1")]
    BadWindow(f64),
}

/// Chooses the pool's sizes. `source_size` is what the scale set runs; it keeps the spelling
/// given, and every other size takes the catalog's (`Standard_D2s_v3`).
pub fn choose(
    catalog: &Catalog,
    source_size: &str,
    req: &Requirements,
    mode: &Mode,
) -> Result<Selection, ChooseError> {
    choose_with(catalog, source_size, req, mode, None)
}

/// [`choose`], with what Azure publishes about Spot sizes when the caller has it (`risk`): then
/// the compatible Spot sizes after the source size are ordered by eviction band, then Spot price
/// per vCPU (unknown last), then closeness, the list keeps the first ones in that order, and
/// [`Selection::preferred`] names the best of the list. The rules are the same either way.
pub fn choose_with(
    catalog: &Catalog,
    source_size: &str,
    req: &Requirements,
    mode: &Mode,
    risk: Option<RiskOf<'_>>,
) -> Result<Selection, ChooseError> {
    if !(req.size_window >= 1.0 && req.size_window.is_finite()) {
        return Err(ChooseError::BadWindow(req.size_window));
    }
    let mut sel = match mode {
        Mode::Source => alone(source_size),
        Mode::Auto => auto(catalog, source_size, req, risk),
        Mode::List(sizes) => listed(catalog, source_size, req, sizes)?,
    };
    if let Some(risk) = risk {
        sel.preferred = preferred(catalog, &req.region, &sel.spot, risk);
    }
    Ok(sel)
}

/// The best [`MAX_PREFERRED`] of `spot` by (eviction band, Spot price per vCPU), ties in list
/// order; none for a list of one.
pub fn preferred(
    catalog: &Catalog,
    region: &str,
    spot: &[String],
    risk: RiskOf<'_>,
) -> Vec<String> {
    if spot.len() < 2 {
        return Vec::new();
    }
    let mut keyed: Vec<(&String, (u8, Option<f64>))> = spot
        .iter()
        .map(|name| {
            let r = risk(name);
            let per_vcpu = price_per_vcpu(catalog.get(name, region), r.spot_hourly);
            (name, (r.eviction_rank, per_vcpu))
        })
        .collect();
    // A stable sort keeps the list's order among equals.
    keyed.sort_by(|a, b| risk_then_cost(a.1, b.1));
    keyed
        .into_iter()
        .take(MAX_PREFERRED)
        .map(|(name, _)| name.clone())
        .collect()
}

fn alone(source_size: &str) -> Selection {
    Selection {
        spot: vec![source_size.to_owned()],
        on_demand: vec![source_size.to_owned()],
        ..Selection::default()
    }
}

/// The source's record; a warning in `sel` when it is missing or itself breaks a Spot rule.
fn source_record<'c>(
    catalog: &'c Catalog,
    source_size: &str,
    req: &Requirements,
    sel: &mut Selection,
) -> Option<&'c VmSku> {
    let src = catalog.get(source_size, &req.region);
    match src {
        None => sel.warnings.push(SelectionWarning::SourceNotInCatalog {
            size: source_size.to_owned(),
            region: req.region.clone(),
        }),
        Some(s) => {
            if let Some(rule) = violations(s, Some(s), req, Priority::Spot)
                .into_iter()
                .next()
            {
                sel.warnings.push(SelectionWarning::SourceBreaksRule {
                    size: source_size.to_owned(),
                    rule,
                });
            }
        }
    }
    src
}

fn auto(
    catalog: &Catalog,
    source_size: &str,
    req: &Requirements,
    risk: Option<RiskOf<'_>>,
) -> Selection {
    let mut sel = alone(source_size);
    let Some(src) = source_record(catalog, source_size, req, &mut sel) else {
        return sel;
    };
    let missing: Vec<&'static str> = [
        ("vCPUs", src.vcpus.is_none()),
        ("MemoryGB", src.memory_gb.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, absent)| absent.then_some(name))
    .collect();
    if !missing.is_empty() {
        // Without the source's shape every candidate would pass the window (M6: a 2-vCPU pool
        // got D64s_v3). The missing capability is said once, here, not also as a broken rule.
        sel.warnings.retain(|w| {
            !matches!(
                w,
                SelectionWarning::SourceBreaksRule {
                    rule: Rule::MissingCapability { .. },
                    ..
                }
            )
        });
        sel.warnings.push(SelectionWarning::SourceShapeUnknown {
            size: source_size.to_owned(),
            missing,
        });
        return sel;
    }
    let mut spot_ok = Vec::new();
    let mut od_ok = Vec::new();
    for c in catalog.sizes_for(&req.region) {
        if c.name.eq_ignore_ascii_case(source_size) {
            continue;
        }
        match violations(c, Some(src), req, Priority::Spot)
            .into_iter()
            .next()
        {
            None => spot_ok.push(c),
            Some(rule) => sel.excluded.push((c.name.clone(), rule)),
        }
        if violations(c, Some(src), req, Priority::OnDemand).is_empty() {
            od_ok.push(c);
        }
    }
    match risk {
        Some(risk) => rank_by_risk(&mut spot_ok, src, risk),
        None => rank(&mut spot_ok, src),
    }
    rank(&mut od_ok, src);
    let room = MAX_SIZES - 1;
    for (i, c) in spot_ok.into_iter().enumerate() {
        if i < room {
            sel.spot.push(c.name.clone());
        } else {
            sel.ranked_out.push(c.name.clone());
        }
    }
    sel.on_demand
        .extend(od_ok.into_iter().take(room).map(|c| c.name.clone()));
    sel
}

fn listed(
    catalog: &Catalog,
    source_size: &str,
    req: &Requirements,
    sizes: &[String],
) -> Result<Selection, ChooseError> {
    if sizes.iter().all(|s| s.trim().is_empty()) {
        return Err(ChooseError::EmptyList);
    }
    let mut sel = Selection::default();
    let src = source_record(catalog, source_size, req, &mut sel);
    for size in sizes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let name = if size.eq_ignore_ascii_case(source_size) {
            source_size.to_owned()
        } else {
            let Some(c) = catalog.get(size, &req.region) else {
                return Err(ChooseError::UnknownSize {
                    size: size.to_owned(),
                });
            };
            if let Some(rule) = violations(c, src, req, Priority::Spot).into_iter().next() {
                return Err(ChooseError::Incompatible {
                    size: size.to_owned(),
                    source_size: source_size.to_owned(),
                    rule,
                });
            }
            c.name.clone()
        };
        if !sel.spot.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
            sel.spot.push(name);
        }
    }
    sel.on_demand = vec![source_size.to_owned()];
    Ok(sel)
}
