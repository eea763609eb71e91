// A typical handler: typed event and response, doc comment, arguments.
use lambda_runtime::{Error, LambdaEvent};

/// Stores an order.
#[warmable(flag = "keep_warm", max_delay = "2s")]
pub async fn handler(event: LambdaEvent<Order>) -> Result<Receipt, Error> {
    let order = event.payload;
    Ok(Receipt { id: order.id, handled: true })
}
