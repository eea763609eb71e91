//! The footprint bench's baseline: a typed `lambda_runtime` function without warm-sdk.
//! `footprint-warm` is this file with `#[warmable]` on the handler.

#[path = "../../order.rs"]
mod order;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use order::{Order, Total};

/// Totals an order.
async fn handler(event: LambdaEvent<Order>) -> Result<Total, Error> {
    Ok(order::total(event.payload))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
