//! What a VM size costs and how often Azure evicts it as a Spot VM.
//!
//! Pure code (no I/O): the caller reads the Retail Prices API's rows (a file, or the live API)
//! and the Resource Graph's Spot eviction rates, and hands over bytes or JSON.
//! [`PriceCatalog`] picks each size's pay-as-you-go and Spot hourly price for Linux or Windows,
//! [`EvictionRates`] reads the eviction band of each size, and [`figures`] turns hourly prices
//! into the monthly figures and the saving that `estimate` and `import` print.
//!
//! These are list prices: before any discount, reservation or savings plan, and Spot prices
//! move with demand.

pub mod estimate;
pub mod eviction;
pub mod figures;
pub mod lookup;
pub mod prices;

pub use estimate::{Estimate, PoolEstimate, SizeEstimate, Total};
pub use eviction::{EvictionBand, EvictionError, EvictionRates};
pub use figures::{HOURS_PER_MONTH, monthly, savings_percent};
pub use lookup::{Lookup, RegionLookup, SizeData};
pub use prices::{Os, PriceCatalog, PriceError, SizePrices};
