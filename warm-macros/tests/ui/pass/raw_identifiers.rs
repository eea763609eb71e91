// Raw identifiers work: as the argument's name (`r#ref`), in a destructuring pattern and as
// the handler's name (`r#match`), with and without arguments.
use lambda_runtime::{Context, Error, LambdaEvent};
use serde_json::{json, Value};
use warm_sdk::warmable;

#[warmable]
async fn handler(r#ref: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({"echo": r#ref.payload}))
}

#[warmable(flag = "keep_warm")]
async fn r#match(LambdaEvent { payload: r#type, .. }: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(r#type)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let event = LambdaEvent::new(json!({"id": 1}).into(), Context::default());
    let answer = handler(event).await?.into_handled();
    assert_eq!(answer, Some(json!({"echo": {"id": 1}})));

    let event = LambdaEvent::new(json!("typed").into(), Context::default());
    assert_eq!(r#match(event).await?.into_handled(), Some(json!("typed")));

    let warmup = serde_json::from_value(json!({"keep_warm": true, "delay": 0}))?;
    assert!(r#match(LambdaEvent::new(warmup, Context::default())).await?.is_warmed());
    Ok(())
}
