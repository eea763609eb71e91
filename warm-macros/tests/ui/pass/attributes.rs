// Attributes, doc comments and visibility are kept; the expansion triggers no lint, even
// under `deny(warnings, missing_docs)`; destructuring and `mut` bindings work; inner
// attributes of the body apply to it; without arguments it works on an associated function of
// an `impl` block.
#![deny(warnings, missing_docs, unreachable_pub)]
//! Crate docs.

/// Handlers.
pub mod handlers {
    use lambda_runtime::{Error, LambdaEvent};
    use serde_json::Value;
    use warm_sdk::warmable;

    /// Echoes the event.
    #[warmable(max_delay = "2s")]
    #[allow(clippy::unused_async)]
    pub async fn echo(mut event: LambdaEvent<Value>) -> Result<Value, Error> {
        event.payload["handled"] = true.into();
        Ok(event.payload)
    }

    /// Returns the request id.
    #[warmable]
    pub(crate) async fn request_id(
        LambdaEvent { payload: _, context }: LambdaEvent<Value>,
    ) -> Result<String, Error> {
        // An inner attribute of the body keeps applying to it.
        #![allow(unused_variables)]
        let unused = ();
        Ok(context.request_id)
    }

    /// Handlers grouped on a type.
    pub struct Orders;

    impl Orders {
        /// Echoes the event.
        #[warmable]
        pub async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
            Ok(event.payload)
        }
    }

    #[cfg(any())]
    #[warmable(flag = "never_compiled")]
    pub async fn gone(event: LambdaEvent<Value>) -> Result<Value, Error> {
        Ok(event.payload)
    }
}

fn main() {
    // `service_fn` accepts both; the private one stays reachable from its crate.
    let _echo = lambda_runtime::service_fn(handlers::echo);
    let _id = lambda_runtime::service_fn(handlers::request_id);
    let _orders = lambda_runtime::service_fn(handlers::Orders::handle);
}
