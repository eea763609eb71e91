// Checks: a handler must take exactly one argument (none, or a second one, is rejected).
use lambda_runtime::{Context, Error, LambdaEvent};
use serde_json::Value;

#[warm_sdk::warmable]
async fn no_argument() -> Result<Value, Error> {
    Ok(Value::Null)
}

#[warm_sdk::warmable]
async fn two_arguments(event: LambdaEvent<Value>, context: Context) -> Result<Value, Error> {
    let _ = context;
    Ok(event.payload)
}

fn main() {}
