// `serde_json::Value` in and out, every argument, a renamed `warm_sdk`, and the handler
// passed to `lambda_runtime::run(service_fn(handler))` as written.
extern crate warm_sdk as warm;

use lambda_runtime::{service_fn, Context, Error, LambdaEvent};
use serde_json::{json, Value};

#[warm::warmable(flag = "keep_warm", max_delay = "1500ms", crate = "warm")]
async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({"echo": event.payload, "handled": true}))
}

#[allow(dead_code)]
async fn serve() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // The default flag is user traffic for this handler; its own flag is a warm-up.
    let event = serde_json::from_value(json!({"warmer": true}))?;
    let answer = handler(LambdaEvent::new(event, Context::default())).await?;
    assert_eq!(answer.into_handled().unwrap()["echo"]["warmer"], true);

    let warmup = serde_json::from_value(json!({"keep_warm": true}))?;
    assert!(handler(LambdaEvent::new(warmup, Context::default())).await?.is_warmed());
    Ok(())
}
