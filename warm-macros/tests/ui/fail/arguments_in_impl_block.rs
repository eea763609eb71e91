// Checks: with arguments, `#[warmable]` on an associated function of an `impl` block fails
// at the arguments (their configuration type is an item beside the function, and an `impl`
// block cannot hold one). Without arguments it works there; see `pass/attributes.rs`.
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

struct Service;

impl Service {
    #[warm_sdk::warmable(flag = "keep_warm")]
    async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
        Ok(event.payload)
    }
}

fn main() {}
