// Attributes, doc comments and visibility are kept; the expansion triggers no lint, even
// under `deny(warnings, missing_docs)`; destructuring and `mut` bindings work.
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
        Ok(context.request_id)
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
}
