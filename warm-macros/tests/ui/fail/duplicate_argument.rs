// Checks: an argument given twice is rejected on its second occurrence.
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

#[warm_sdk::warmable(flag = "ping", flag = "pong")]
async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

fn main() {}
