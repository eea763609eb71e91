// Checks: an unknown argument is rejected and the valid ones are named.
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

#[warm_sdk::warmable(delay = "1s")]
async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

fn main() {}
