// Checks: the handler must return a `Result` (a missing return type or another type is rejected).
use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[warm_sdk::warmable]
async fn no_return(event: LambdaEvent<Value>) {
    let _ = event;
}

#[warm_sdk::warmable]
async fn plain_value(event: LambdaEvent<Value>) -> Value {
    event.payload
}

fn main() {}
