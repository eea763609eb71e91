// The body of an associated function sees what any associated function sees: `Self`,
// associated consts and functions, and the `impl`'s generic parameters, in the body and in
// the signature. `?` converts into the declared error type and `return` leaves the body.
use std::marker::PhantomData;

use lambda_runtime::{service_fn, Context, Error, LambdaEvent};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use warm_sdk::warmable;

struct Handler<T>(PhantomData<T>);

impl<T: Clone + Default + Into<Value>> Handler<T> {
    const GREETING: &'static str = "hello";

    fn fallback() -> T {
        T::default()
    }

    #[warmable]
    async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
        if event.payload.is_null() {
            return Ok(json!({"greeting": Self::GREETING}));
        }
        let fallback: T = Self::fallback();
        // `ParseIntError` becomes `lambda_runtime::Error` through `?`.
        let count: u32 = event.payload["count"].to_string().parse()?;
        Ok(json!({"greeting": Self::GREETING, "fallback": fallback.into(), "count": count}))
    }
}

/// The impl's generic parameter as the event and the response type.
struct Echo<T>(PhantomData<T>);

impl<T: DeserializeOwned + Serialize + Send> Echo<T> {
    #[warmable]
    async fn handle(event: LambdaEvent<T>) -> Result<T, Error> {
        Ok(event.payload)
    }
}

/// `Self` as the event and the response type.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
struct Order {
    id: String,
}

impl Order {
    #[warmable(crate = "warm_sdk")]
    async fn handle(event: LambdaEvent<Self>) -> Result<Self, Error> {
        let Self { id } = event.payload;
        Ok(Self { id: id.to_uppercase() })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let _service = service_fn(Handler::<u32>::handle);

    let event = LambdaEvent::new(json!({"count": 3}).into(), Context::default());
    let answer = Handler::<u32>::handle(event).await?.into_handled();
    assert_eq!(answer, Some(json!({"greeting": "hello", "fallback": 0, "count": 3})));

    let event = LambdaEvent::new(Value::Null.into(), Context::default());
    let answer = Handler::<String>::handle(event).await?.into_handled();
    assert_eq!(answer, Some(json!({"greeting": "hello"})));

    let event = LambdaEvent::new(json!({"count": "three"}).into(), Context::default());
    assert!(Handler::<bool>::handle(event).await.is_err());

    let event = LambdaEvent::new(vec![1_u8, 2].into(), Context::default());
    assert_eq!(Echo::<Vec<u8>>::handle(event).await?.into_handled(), Some(vec![1, 2]));

    let order = serde_json::from_value(json!({"id": "o-1"}))?;
    let answer = Order::handle(LambdaEvent::new(order, Context::default())).await?;
    assert_eq!(answer.into_handled(), Some(Order { id: "O-1".into() }));

    let warmup = serde_json::from_value(json!({"warmer": true, "delay": 0}))?;
    assert!(Order::handle(LambdaEvent::new(warmup, Context::default())).await?.is_warmed());
    Ok(())
}
