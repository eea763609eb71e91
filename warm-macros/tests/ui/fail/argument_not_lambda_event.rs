// Checks: the argument must be a `LambdaEvent<T>`, not the bare event type.
use lambda_runtime::Error;
use serde_json::Value;

#[warm_sdk::warmable]
async fn handler(event: Value) -> Result<Value, Error> {
    Ok(event)
}

fn main() {}
