//! The figures shown to the user: monthly prices and the saving, from hourly prices.

/// Hours in a month as Azure's pricing pages count them (8 760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// The monthly price of an hourly one.
pub fn monthly(hourly: f64) -> f64 {
    hourly * HOURS_PER_MONTH
}

/// How much cheaper `spot` is than `on_demand`, in percent (80.0 for a fifth of the price);
/// `None` without a positive on-demand price.
pub fn savings_percent(on_demand: f64, spot: f64) -> Option<f64> {
    (on_demand > 0.0 && on_demand.is_finite() && spot.is_finite())
        .then(|| (on_demand - spot) / on_demand * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_730_hours() {
        assert!((monthly(0.146) - 106.58).abs() < 1e-9);
        assert_eq!(monthly(0.0), 0.0);
    }

    #[test]
    fn the_saving_is_the_share_of_the_on_demand_price_not_paid() {
        assert!((savings_percent(0.146, 0.0292).unwrap() - 80.0).abs() < 1e-9);
        assert!((savings_percent(1.0, 1.0).unwrap()).abs() < 1e-12);
        // A Spot price above on-demand is a negative saving, shown as such.
        assert!(savings_percent(1.0, 1.5).unwrap() < 0.0);
        assert_eq!(savings_percent(0.0, 0.1), None);
        assert_eq!(savings_percent(f64::NAN, 0.1), None);
    }
}
