// Checks: a handler without `async` is rejected on the `fn` keyword.
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

#[warm_sdk::warmable]
fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

fn main() {}
