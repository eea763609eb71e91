// Checks: a body producing the wrong value is reported on the user's code against the return
// type the user declared, not on generated code (the body runs in an async block whose output
// is pinned to the declared `Result<R, E>`).
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

#[warm_sdk::warmable]
async fn wrong_value(event: LambdaEvent<Value>) -> Result<String, Error> {
    let _ = event;
    Ok(42)
}

#[warm_sdk::warmable]
async fn trailing_semicolon(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload);
}

fn main() {}
