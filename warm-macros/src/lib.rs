//! The `#[warmable]` attribute for AWS Lambda handlers.
//!
//! Use it through `warm_sdk`, which re-exports it as [`warm_sdk::warmable`] next to the
//! runtime support the expansion calls; this crate holds only the macro.
//!
//! [`warm_sdk::warmable`]: https://docs.rs/warm-sdk/latest/warm_sdk/attr.warmable.html

#![deny(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod attr;
mod expand;
mod handler;
#[cfg(test)]
mod snapshot;

use proc_macro::TokenStream;

/// Makes a `lambda_runtime` handler answer warm-ups before its event type is deserialized.
///
/// Put it on `async fn handler(event: LambdaEvent<T>) -> Result<R, E>`. A warm-up payload (a
/// JSON object whose top-level `warmer` is `true`, or one of the other dialects
/// `warm_sdk::detect` recognises) is answered by `warm_sdk`: it holds for the requested
/// delay, capped, logs once and returns a `WarmupResponse`. Every other payload is
/// deserialized into `T` exactly as before and the body runs unchanged. The handler stays a
/// plain function, so `lambda_runtime::run(service_fn(handler))` works as written.
///
/// ```no_run
/// use lambda_runtime::{service_fn, Error, LambdaEvent};
/// use serde::{Deserialize, Serialize};
/// use warm_sdk::warmable;
///
/// #[derive(Deserialize)]
/// struct Order { id: String }
///
/// #[derive(Serialize)]
/// struct Receipt { id: String, handled: bool }
///
/// #[warmable]
/// async fn handler(event: LambdaEvent<Order>) -> Result<Receipt, Error> {
///     Ok(Receipt { id: event.payload.id, handled: true })
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), Error> {
///     lambda_runtime::run(service_fn(handler)).await
/// }
/// ```
///
/// # Arguments
///
/// All optional, in any order:
///
/// - `flag = "warmer"`: the top-level key that marks a warm-up (default `"warmer"`).
/// - `max_delay = "10s"`: the longest a warm-up may hold whatever it asks for, a
///   [humantime](https://docs.rs/humantime) duration checked at compile time
///   (`"1500ms"`, `"10s"`, `"1m"`; default 10 s). The invocation's deadline caps it too.
/// - `crate = "warm_sdk"`: the path of `warm_sdk` when the dependency is renamed.
///
/// ```no_run
/// # use lambda_runtime::{Error, LambdaEvent};
/// # use serde_json::Value;
/// #[warm_sdk::warmable(flag = "keep_warm", max_delay = "2s")]
/// async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
///     Ok(event.payload)
/// }
/// ```
///
/// # Equivalent code not using `#[warmable]`
///
/// The handler above becomes, in essence (the `warm-macros` snapshot test
/// `tests/expand/*.expanded.rs` holds the exact output):
///
/// ```no_run
/// # use lambda_runtime::{Error, LambdaEvent};
/// # use serde_json::Value;
/// /// Configuration of `handler`: a zero-sized type, only generated when arguments are given.
/// #[doc(hidden)]
/// #[allow(non_camel_case_types)]
/// struct __warmable_config_handler;
///
/// impl warm_sdk::warmable::WarmableConfig for __warmable_config_handler {
///     fn config() -> &'static warm_sdk::config::WarmConfig {
///         static CONFIG: std::sync::OnceLock<warm_sdk::config::WarmConfig> =
///             std::sync::OnceLock::new();
///         CONFIG.get_or_init(|| {
///             warm_sdk::config::WarmConfig::new()
///                 .flag_key("keep_warm")
///                 .max_delay(std::time::Duration::from_millis(2000))
///         })
///     }
/// }
///
/// async fn handler(
///     event: LambdaEvent<warm_sdk::warmable::WarmableEvent<Value, __warmable_config_handler>>,
/// ) -> Result<warm_sdk::warmable::WarmableResponse<Value>, Error> {
///     // Counts the invocation, answers a warm-up or runs the body below.
///     warm_sdk::warmable::handle(event, |event: LambdaEvent<Value>| async move {
///         // Never taken: makes the block's output the declared `Result<Value, Error>`, so `?`
///         // converts into `Error` and a wrong value is reported against the declared type.
///         #[allow(unreachable_code)]
///         if false {
///             let declared: Result<Value, Error> = loop {};
///             return declared;
///         }
///         // The user's body, verbatim.
///         {
///             Ok(event.payload)
///         }
///     })
///     .await
/// }
/// ```
///
/// - `WarmableEvent<T, C>` deserializes from the invocation payload: it reads the raw JSON,
///   asks `warm_sdk::detect` (with configuration `C`) whether it is a warm-up, and otherwise
///   deserializes `T` from it, so an event that does not fit `T` still fails as
///   `lambda_runtime`'s usual deserialization error and never reaches the body.
/// - `WarmableResponse<R>` serializes as the warm-up answer or as the user's `R`, untagged,
///   so callers see exactly the JSON the body produced. `E` is unchanged.
/// - The body runs in an async block inside the generated function, not in a nested `fn`, so
///   in an associated function it can use `Self`, associated consts and functions, and the
///   `impl` block's generic parameters, as any associated function can. `return` leaves the
///   body with the handler's answer, as before.
/// - Every invocation, warm-up or not, is counted by `warm_sdk::environment`, so warm-up
///   answers report correct `cold` and `invocations` values. An event rejected during
///   deserialization is counted too (by `WarmableEvent`'s deserializer, since the runtime
///   reports it before the handler runs), so a later warm-up does not claim `cold`.
///
/// # Calling the handler in unit tests
///
/// Wrap the test event with `.into()` (`WarmableEvent<T, _>: From<T>`) and unwrap the answer
/// with `WarmableResponse::into_handled()`; a warm-up can be built by deserializing its JSON:
///
/// ```no_run
/// # use lambda_runtime::{Context, Error, LambdaEvent};
/// # use serde_json::{json, Value};
/// # #[warm_sdk::warmable]
/// # async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> { Ok(event.payload) }
/// # async fn test() -> Result<(), Error> {
/// let event = LambdaEvent::new(json!({"id": "o-1"}).into(), Context::default());
/// let answer = handler(event).await?.into_handled().expect("user code answered");
/// assert_eq!(answer["id"], "o-1");
///
/// let warmup = LambdaEvent::new(serde_json::from_value(json!({"warmer": true}))?, Context::default());
/// assert!(handler(warmup).await?.is_warmed());
/// # Ok(())
/// # }
/// ```
///
/// # Compile errors
///
/// The function must be an `async fn` (not a method: no `self`) with exactly one argument of
/// type `LambdaEvent<T>` and a `Result<R, E>` return type (aliases such as
/// `anyhow::Result<R>` are fine). `T` must implement `serde::Deserialize` and `R`
/// `serde::Serialize`. Unknown, repeated or malformed arguments are errors too; each error
/// points at the token to change and says how.
///
/// Without `flag` or `max_delay` the function may be an associated function of an `impl`
/// block (generic or not; `crate = "..."` is fine there too):
///
/// ```no_run
/// # use lambda_runtime::{Error, LambdaEvent};
/// # use serde_json::{json, Value};
/// struct Orders<T>(std::marker::PhantomData<T>);
///
/// impl<T: Default + Into<Value>> Orders<T> {
///     const VERSION: u32 = 2;
///
///     #[warm_sdk::warmable]
///     async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
///         Ok(json!({"version": Self::VERSION, "default": T::default().into(), "echo": event.payload}))
///     }
/// }
/// # let _ = lambda_runtime::service_fn(Orders::<u32>::handle);
/// ```
///
/// With `flag` or `max_delay` it must be a module item. The settings must be known while the
/// payload is deserialized, before any handler code runs, so they live in a type
/// (`WarmableEvent<T, C>`); stable Rust has no string-valued const generics to write them
/// inline in that type, so the macro declares the type beside the function, and an `impl`
/// block cannot hold a type (rustc then reports "struct is not supported in `trait`s or
/// `impl`s" at the attribute). Move the handler out of the `impl` block, or configure a
/// `warm_sdk::layer::WarmLayer` instead.
#[proc_macro_attribute]
pub fn warmable(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::warmable(args.into(), item.into()).into()
}
