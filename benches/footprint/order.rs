//! The function both footprint binaries serve: total an order. Shared so that the two differ
//! only in `#[warmable]`.

use serde::{Deserialize, Serialize};

/// An order to total.
#[derive(Deserialize)]
pub(crate) struct Order {
    /// Price of each line, in cents.
    lines: Vec<u64>,
}

/// The total of an order.
#[derive(Serialize)]
pub(crate) struct Total {
    /// Sum of the lines, in cents.
    cents: u64,
}

/// Totals an order.
pub(crate) fn total(order: Order) -> Total {
    Total {
        cents: order.lines.iter().sum(),
    }
}
