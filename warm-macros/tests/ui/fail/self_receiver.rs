// Checks: a method taking `self` is rejected on the receiver.
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

struct Service;

impl Service {
    #[warm_sdk::warmable]
    async fn handler(&self, event: LambdaEvent<Value>) -> Result<Value, Error> {
        Ok(event.payload)
    }
}

fn main() {}
