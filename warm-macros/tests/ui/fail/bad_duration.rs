// Checks: `max_delay` must be a duration literal such as "10s"; others are rejected at compile time.
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

#[warm_sdk::warmable(max_delay = "10 seconds-ish")]
async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

fn main() {}
