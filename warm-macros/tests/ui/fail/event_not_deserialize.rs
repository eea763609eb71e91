// Checks: an event type without `Deserialize` is reported on the event type, saying what to derive.
use lambda_runtime::{Error, LambdaEvent};

struct Order;

#[warm_sdk::warmable]
async fn handler(event: LambdaEvent<Order>) -> Result<String, Error> {
    let _ = event;
    Ok(String::new())
}

fn main() {}
