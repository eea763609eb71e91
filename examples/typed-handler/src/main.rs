//! Example: a `#[warmable]` Lambda handler over a typed event.
//!
//! The function prices an order. Warm-ups (`{"warmer": true, "delay": 300}` and the other
//! dialects `warm_sdk` recognises) are answered before the event is deserialized into
//! [`Order`], so the handler body only ever sees orders. User code answers with
//! `"handled": true`, so a test can tell that it ran.
//!
//! `EXAMPLE_INIT_MS` (default 0) makes start-up sleep that long, standing for the SDK clients
//! and connection pools a real function sets up before serving.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};
use warm_sdk::warmable;

/// An order to price.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Order {
    /// The order's id, echoed in the answer.
    order_id: String,
    /// The lines of the order.
    items: Vec<Item>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    /// What is bought.
    sku: String,
    /// How many.
    quantity: u32,
    /// Price of one, in cents.
    unit_cents: u64,
}

/// The priced order.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Priced {
    /// Always `true`: user code produced this answer.
    handled: bool,
    /// The order's id.
    order_id: String,
    /// How many items in all.
    items: u64,
    /// The total, in cents.
    total_cents: u64,
    /// The invocation's request id, so a test can match answers to invokes.
    request_id: String,
}

/// Prices an order.
#[warmable]
async fn handler(event: LambdaEvent<Order>) -> Result<Priced, Error> {
    let order = event.payload;
    let mut total_cents: u64 = 0;
    let mut items: u64 = 0;
    for item in &order.items {
        let line = item
            .unit_cents
            .checked_mul(u64::from(item.quantity))
            .and_then(|line| total_cents.checked_add(line))
            .ok_or_else(|| {
                format!(
                    "the total of order {} overflows at sku {}",
                    order.order_id, item.sku
                )
            })?;
        total_cents = line;
        items += u64::from(item.quantity);
    }
    Ok(Priced {
        handled: true,
        order_id: order.order_id,
        items,
        total_cents,
        request_id: event.context.request_id,
    })
}

/// The start-up cost from `EXAMPLE_INIT_MS`; a value that is not a whole number of
/// milliseconds is an error naming the variable.
fn init_delay(value: Option<&str>) -> Result<Duration, Error> {
    match value.map(str::trim) {
        None | Some("") => Ok(Duration::ZERO),
        Some(text) => text.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            format!(
                "EXAMPLE_INIT_MS must be a whole number of milliseconds (e.g. 250), not {text:?}"
            )
            .into()
        }),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .init();
    let init = init_delay(std::env::var("EXAMPLE_INIT_MS").ok().as_deref())?;
    tokio::time::sleep(init).await;
    lambda_runtime::run(service_fn(handler)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_runtime::Context;
    use serde_json::json;
    use warm_sdk::warmable::WarmableEvent;

    fn order() -> Order {
        Order {
            order_id: "o-42".into(),
            items: vec![
                Item {
                    sku: "tea".into(),
                    quantity: 2,
                    unit_cents: 350,
                },
                Item {
                    sku: "cake".into(),
                    quantity: 1,
                    unit_cents: 425,
                },
            ],
        }
    }

    fn context(request_id: &str) -> Context {
        let mut context = Context::default();
        context.request_id = request_id.into();
        context
    }

    #[tokio::test]
    async fn order_is_priced_by_user_code() {
        let answer = handler(LambdaEvent::new(order().into(), context("req-1")))
            .await
            .unwrap()
            .into_handled()
            .expect("user code answered");
        assert_eq!(
            answer,
            Priced {
                handled: true,
                order_id: "o-42".into(),
                items: 3,
                total_cents: 1125,
                request_id: "req-1".into(),
            }
        );
    }

    #[tokio::test]
    async fn json_order_serializes_as_user_response() {
        let event: WarmableEvent<Order> = serde_json::from_value(json!({
            "order_id": "o-1",
            "items": [{"sku": "tea", "quantity": 1, "unit_cents": 100}],
        }))
        .unwrap();
        let answer = handler(LambdaEvent::new(event, context("req-2")))
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            json!({"handled": true, "order_id": "o-1", "items": 1, "total_cents": 100, "request_id": "req-2"})
        );
    }

    #[tokio::test]
    async fn warm_up_is_answered_without_user_code() {
        let event: WarmableEvent<Order> =
            serde_json::from_value(json!({"warmer": true, "delay": 0, "correlation_id": "run-1"}))
                .unwrap();
        let answer = handler(LambdaEvent::new(event, context("req-3")))
            .await
            .unwrap();
        let warmed = answer.warmed().expect("a warm-up answer");
        assert!(warmed.warmed);
        assert_eq!(warmed.correlation_id.as_deref(), Some("run-1"));
        assert!(
            serde_json::to_value(&answer)
                .unwrap()
                .get("handled")
                .is_none()
        );
    }

    #[test]
    fn malformed_order_fails_deserialization_naming_the_field() {
        let error = serde_json::from_value::<WarmableEvent<Order>>(json!({"order_id": "o-1"}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing field `items`"), "{error}");
    }

    #[tokio::test]
    async fn overflowing_total_is_an_error_naming_the_order() {
        let mut order = order();
        order.items[0].unit_cents = u64::MAX;
        let error = handler(LambdaEvent::new(order.into(), context("req-4")))
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("order o-42 overflows at sku tea"),
            "{error}"
        );
    }

    #[test]
    fn init_delay_reads_milliseconds_and_rejects_junk() {
        assert_eq!(init_delay(None).unwrap(), Duration::ZERO);
        assert_eq!(
            init_delay(Some(" 250 ")).unwrap(),
            Duration::from_millis(250)
        );
        let error = init_delay(Some("fast")).unwrap_err().to_string();
        assert!(
            error.contains("EXAMPLE_INIT_MS") && error.contains("\"fast\""),
            "{error}"
        );
    }
}
