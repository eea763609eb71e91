// No arguments: no configuration type, the default `WarmableEvent<T>`.
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

#[warmable]
async fn handler(LambdaEvent { payload, context: _ }: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(payload)
}
