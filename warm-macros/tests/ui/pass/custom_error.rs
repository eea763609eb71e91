// A custom error type is kept as the handler's error type, and returned unchanged.
use std::fmt;

use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde_json::{json, Value};
use warm_sdk::warmable;

#[derive(Debug, PartialEq)]
enum OrderError {
    Empty,
}

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the order is empty")
    }
}

impl From<OrderError> for Diagnostic {
    fn from(error: OrderError) -> Self {
        Diagnostic { error_type: "OrderError".into(), error_message: error.to_string() }
    }
}

#[warmable]
async fn handler(event: LambdaEvent<Value>) -> Result<Value, OrderError> {
    if event.payload.is_null() {
        return Err(OrderError::Empty);
    }
    Ok(json!({"handled": true}))
}

#[allow(dead_code)]
async fn serve() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(lambda_runtime::service_fn(handler)).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let error = handler(LambdaEvent::new(Value::Null.into(), Context::default())).await;
    assert_eq!(error.unwrap_err(), OrderError::Empty);
}
