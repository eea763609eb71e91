// A typed event and response: user events reach the body unchanged, warm-ups never do, and
// the response serializes exactly as the user's type.
use lambda_runtime::{Context, Error, LambdaEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use warm_sdk::warmable;

#[derive(Debug, Deserialize)]
struct Order {
    id: String,
    quantity: u32,
}

#[derive(Debug, Serialize)]
struct Receipt {
    id: String,
    total: u32,
    handled: bool,
}

#[warmable]
async fn handler(event: LambdaEvent<Order>) -> Result<Receipt, Error> {
    let order = event.payload;
    Ok(Receipt { id: order.id, total: order.quantity * 2, handled: true })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let order = Order { id: "o-1".into(), quantity: 3 };
    let answer = handler(LambdaEvent::new(order.into(), Context::default())).await?;
    assert_eq!(serde_json::to_value(&answer)?, json!({"id": "o-1", "total": 6, "handled": true}));

    let raw = json!({"id": "o-2", "quantity": 1});
    let event = serde_json::from_value(raw)?;
    let receipt = handler(LambdaEvent::new(event, Context::default())).await?.into_handled();
    assert_eq!(receipt.map(|r| r.total), Some(2));

    let warmup = serde_json::from_value(json!({"warmer": true, "delay": 0}))?;
    let answer = handler(LambdaEvent::new(warmup, Context::default())).await?;
    assert!(answer.warmed().is_some_and(|w| w.warmed));
    assert_eq!(serde_json::to_value(&answer)?["warmed"], true);
    Ok(())
}
