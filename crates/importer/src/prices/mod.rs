//! Prices and Spot eviction rates: where they come from (`source`), and the figures a plan's
//! pools come to (`estimate`). The pure parts (reading rows, selecting prices, the figures) are
//! the `vm-prices` crate; ranking with them is `vm-sizes`.

mod estimate;
mod source;

pub use estimate::{estimate, summary_lines};
pub use source::{
    DataOrigin, Loaded, Piece, PriceData, PriceFlags, PriceSourceError, SaveLive, read_prices_file,
    read_rates_file, read_saved_prices, read_saved_rates, saved_prices_path, saved_rates_path,
    settle,
};
pub use vm_prices::estimate::CAVEAT;
