//! The footprint bench's function with warm-sdk: `footprint-plain` with `#[warmable]` on the
//! handler, so warm-ups are answered before the event is deserialized into [`Order`].

#[path = "../../order.rs"]
mod order;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use order::{Order, Total};
use warm_sdk::warmable;

/// Totals an order.
#[warmable]
async fn handler(event: LambdaEvent<Order>) -> Result<Total, Error> {
    Ok(order::total(event.payload))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
