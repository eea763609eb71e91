//! Runtime support for the [`#[warmable]`](macro@crate::warmable) attribute: the event wrapper that
//! recognises a warm-up before the user's event type is deserialized, and the response that
//! is either the warm-up answer or the user's own.
//!
//! A `#[warmable]` handler takes `LambdaEvent<WarmableEvent<T>>` and returns
//! `Result<WarmableResponse<R>, E>`; user code still sees `LambdaEvent<T>` and returns
//! `Result<R, E>`. Unit tests call the handler like this:
//!
//! ```
//! use lambda_runtime::{Context, Error, LambdaEvent};
//! use serde::{Deserialize, Serialize};
//! use serde_json::json;
//! use warm_sdk::warmable;
//!
//! #[derive(Deserialize)]
//! struct Order { id: String }
//!
//! #[derive(Serialize)]
//! struct Receipt { id: String, handled: bool }
//!
//! #[warmable]
//! async fn handler(event: LambdaEvent<Order>) -> Result<Receipt, Error> {
//!     Ok(Receipt { id: event.payload.id, handled: true })
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! // A user event: wrap it with `.into()`, unwrap the answer with `into_handled()`.
//! let order = Order { id: "o-1".into() };
//! let receipt = handler(LambdaEvent::new(order.into(), Context::default()))
//!     .await?
//!     .into_handled()
//!     .expect("user code answered");
//! assert!(receipt.handled);
//!
//! // A warm-up: deserialize it as the runtime would; user code never runs.
//! let warmup = serde_json::from_value(json!({"warmer": true, "delay": 0}))?;
//! let answer = handler(LambdaEvent::new(warmup, Context::default())).await?;
//! assert!(answer.warmed().is_some());
//! # Ok(())
//! # }
//! ```
//!
//! Use `#[warmable]` or [`WarmLayer`](crate::WarmLayer) on a function, not both: each counts
//! every invocation in [`Environment`](crate::Environment), so together they would count
//! user invocations twice.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use lambda_runtime::LambdaEvent;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::config::WarmConfig;
use crate::detect::{Warmup, detect};
use crate::protocol::WarmupResponse;

/// The warm-up settings of one `#[warmable]` handler, as a type.
///
/// `#[warmable]` generates a hidden zero-sized type implementing this trait when the attribute
/// has arguments (`flag`, `max_delay`); handlers without arguments use [`DefaultConfig`].
/// Implement it yourself only when writing the expansion by hand.
///
/// ```
/// use std::sync::OnceLock;
/// use std::time::Duration;
/// use warm_sdk::WarmConfig;
/// use warm_sdk::warmable::WarmableConfig;
///
/// struct Fast;
///
/// impl WarmableConfig for Fast {
///     fn config() -> &'static WarmConfig {
///         static CONFIG: OnceLock<WarmConfig> = OnceLock::new();
///         CONFIG.get_or_init(|| WarmConfig::new().max_delay(Duration::from_millis(500)))
///     }
/// }
/// assert_eq!(Fast::config().get_max_delay(), Duration::from_millis(500));
/// ```
pub trait WarmableConfig {
    /// The settings; called once per invocation, so keep it cheap (a `static`).
    fn config() -> &'static WarmConfig;
}

/// The default warm-up settings ([`WarmConfig::default`]), for `#[warmable]` without
/// arguments.
///
/// ```
/// use warm_sdk::warmable::{DefaultConfig, WarmableConfig};
/// assert_eq!(DefaultConfig::config().get_flag_key(), "warmer");
/// ```
#[derive(Debug, Clone, Copy)]
pub enum DefaultConfig {}

impl WarmableConfig for DefaultConfig {
    fn config() -> &'static WarmConfig {
        static CONFIG: std::sync::OnceLock<WarmConfig> = std::sync::OnceLock::new();
        CONFIG.get_or_init(WarmConfig::default)
    }
}

/// What an invocation of a `#[warmable]` handler carries: a warm-up or the user's event.
///
/// Deserializing it reads the payload as raw JSON, asks [`detect`] (with the settings of `C`)
/// whether it is a warm-up, and otherwise deserializes `T` from it. An event that does not fit
/// `T` fails with the same message `lambda_runtime` gives for a plain handler, so the handler
/// never runs for it. See the [module docs](self) for use in tests.
///
/// ```
/// use serde_json::json;
/// use warm_sdk::warmable::{Incoming, WarmableEvent};
///
/// let user: WarmableEvent<Vec<u32>> = serde_json::from_str("[1, 2]").unwrap();
/// assert_eq!(user.event(), Some(&vec![1, 2]));
///
/// let warmup: WarmableEvent<Vec<u32>> = serde_json::from_str(r#"{"warmer": true}"#).unwrap();
/// assert!(matches!(warmup.into_incoming(), Incoming::Warmup(_)));
/// ```
pub struct WarmableEvent<T, C = DefaultConfig> {
    incoming: Incoming<T>,
    config: PhantomData<fn() -> C>,
}

/// The two kinds of invocation a `#[warmable]` handler tells apart.
#[derive(Debug, Clone)]
pub enum Incoming<T> {
    /// A warm-up, answered by `warm_sdk`; user code does not run.
    Warmup(Warmup),
    /// The user's event, deserialized.
    Event(T),
}

impl<T, C> WarmableEvent<T, C> {
    /// Wraps a user event (what the runtime builds for a non-warm-up payload).
    ///
    /// ```
    /// let event = warm_sdk::warmable::WarmableEvent::<u8>::new(7);
    /// assert_eq!(event.event(), Some(&7));
    /// ```
    pub fn new(event: T) -> Self {
        Self::from_incoming(Incoming::Event(event))
    }

    /// Wraps a recognised warm-up.
    ///
    /// ```
    /// use warm_sdk::{detect, WarmConfig};
    /// use warm_sdk::warmable::WarmableEvent;
    ///
    /// let warmup = detect(br#"{"warmer": true}"#, &WarmConfig::default()).unwrap();
    /// assert!(WarmableEvent::<u8>::warmup(warmup).is_warmup());
    /// ```
    pub fn warmup(warmup: Warmup) -> Self {
        Self::from_incoming(Incoming::Warmup(warmup))
    }

    fn from_incoming(incoming: Incoming<T>) -> Self {
        Self {
            incoming,
            config: PhantomData,
        }
    }

    /// `true` for a warm-up.
    pub fn is_warmup(&self) -> bool {
        matches!(self.incoming, Incoming::Warmup(_))
    }

    /// The user's event, unless this is a warm-up.
    pub fn event(&self) -> Option<&T> {
        match &self.incoming {
            Incoming::Event(event) => Some(event),
            Incoming::Warmup(_) => None,
        }
    }

    /// The warm-up or the user's event.
    pub fn into_incoming(self) -> Incoming<T> {
        self.incoming
    }
}

impl<T, C> From<T> for WarmableEvent<T, C> {
    fn from(event: T) -> Self {
        Self::new(event)
    }
}

impl<T: fmt::Debug, C> fmt::Debug for WarmableEvent<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.incoming.fmt(f)
    }
}

impl<T: Clone, C> Clone for WarmableEvent<T, C> {
    fn clone(&self) -> Self {
        Self::from_incoming(self.incoming.clone())
    }
}

impl<'de, T, C> Deserialize<'de> for WarmableEvent<T, C>
where
    T: DeserializeOwned,
    C: WarmableConfig,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // An event that fails here never reaches `handle`, which counts invocations; it is
        // still an invocation of this environment, so it is counted here (a later warm-up
        // must not say `cold`).
        let unseen = || crate::environment::Environment::global().count_unseen_invocation();
        let raw = <Box<RawValue>>::deserialize(deserializer).inspect_err(|_| unseen())?;
        let json = raw.get();
        if let Some(warmup) = detect(json.as_bytes(), C::config()) {
            return Ok(Self::warmup(warmup));
        }
        match serde_json::from_str::<T>(json) {
            Ok(event) => Ok(Self::new(event)),
            Err(_) => {
                unseen();
                Err(D::Error::custom(event_error::<T>(json)))
            }
        }
    }
}

/// Why `json` does not fit `T`, worded as `lambda_runtime` words it for a plain handler:
/// `[field.path] message at line L column C` (the path only when the error is inside the event).
///
/// Only reached on failure, so the path tracking costs nothing on the success path.
fn event_error<T: DeserializeOwned>(json: &str) -> String {
    let deserializer = &mut serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Err(error) if error.path().to_string() != "." => {
            format!("[{}] {}", error.path(), error.inner())
        }
        Err(error) => error.into_inner().to_string(),
        // Unreachable in practice (the same input failed a moment ago); say so rather than lie.
        Ok(_) => "the event could not be deserialized".to_owned(),
    }
}

/// What a `#[warmable]` handler answers: the warm-up answer or the user's response.
///
/// Serializes untagged: a warm-up as its [`WarmupResponse`], a user response exactly as `R`
/// serializes, so callers of the function see the same JSON as without `#[warmable]`.
///
/// ```
/// use warm_sdk::warmable::WarmableResponse;
///
/// let response = WarmableResponse::Handled(vec![1, 2]);
/// assert_eq!(serde_json::to_string(&response).unwrap(), "[1,2]");
/// assert_eq!(response.into_handled(), Some(vec![1, 2]));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one answer per invocation, moved straight to the runtime's serializer: boxing it \
              would only add an allocation per warm-up"
)]
pub enum WarmableResponse<R> {
    /// The answer to a warm-up.
    Warmed(WarmupResponse),
    /// What user code returned.
    Handled(R),
}

impl<R> WarmableResponse<R> {
    /// What user code returned, or `None` for a warm-up.
    pub fn into_handled(self) -> Option<R> {
        match self {
            Self::Handled(response) => Some(response),
            Self::Warmed(_) => None,
        }
    }

    /// What user code returned, by reference.
    pub fn handled(&self) -> Option<&R> {
        match self {
            Self::Handled(response) => Some(response),
            Self::Warmed(_) => None,
        }
    }

    /// The warm-up answer, or `None` when user code answered.
    pub fn warmed(&self) -> Option<&WarmupResponse> {
        match self {
            Self::Warmed(answer) => Some(answer),
            Self::Handled(_) => None,
        }
    }

    /// `true` when this answers a warm-up.
    pub fn is_warmed(&self) -> bool {
        matches!(self, Self::Warmed(_))
    }
}

impl<R: Serialize> Serialize for WarmableResponse<R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Warmed(answer) => answer.serialize(serializer),
            Self::Handled(response) => response.serialize(serializer),
        }
    }
}

/// The body of every `#[warmable]` handler: counts the invocation, answers a warm-up, or
/// calls `handler` with the user's event.
///
/// Call it yourself to write the expansion by hand (see "Equivalent code" in the
/// [`#[warmable]`](macro@crate::warmable) docs):
///
/// ```
/// use lambda_runtime::{Error, LambdaEvent};
/// use serde_json::Value;
/// use warm_sdk::warmable::{handle, WarmableEvent, WarmableResponse};
///
/// async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
///     Ok(event.payload)
/// }
///
/// async fn handler(event: LambdaEvent<WarmableEvent<Value>>) -> Result<WarmableResponse<Value>, Error> {
///     handle(event, echo).await
/// }
/// ```
pub async fn handle<T, C, R, E, F, Fut>(
    event: LambdaEvent<WarmableEvent<T, C>>,
    handler: F,
) -> Result<WarmableResponse<R>, E>
where
    C: WarmableConfig,
    F: FnOnce(LambdaEvent<T>) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    let (payload, context) = event.into_parts();
    let invocation =
        crate::environment::Environment::global().begin_invocation(&context.request_id);
    match payload.incoming {
        Incoming::Warmup(warmup) => {
            let answer = crate::answer::answer(&warmup, invocation, &context, C::config()).await;
            Ok(WarmableResponse::Warmed(answer))
        }
        Incoming::Event(event) => {
            crate::metrics::user_invocation(invocation, &context, C::config());
            handler(LambdaEvent::new(event, context))
                .await
                .map(WarmableResponse::Handled)
        }
    }
}

/// Items the `#[warmable]` expansion names; not a public API.
#[doc(hidden)]
pub mod __private {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// Holds when `T` can be a `#[warmable]` event.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the event of a #[warmable] handler: it does not implement `serde::Deserialize`",
        label = "the event type must be deserializable from the invocation's JSON",
        note = "add `#[derive(serde::Deserialize)]` to `{Self}`, or take `serde_json::Value`"
    )]
    pub trait Event: DeserializeOwned {}
    impl<T: DeserializeOwned> Event for T {}

    /// Holds when `R` can be a `#[warmable]` response.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the response of a #[warmable] handler: it does not implement `serde::Serialize`",
        label = "the response type must serialize to the invocation's JSON answer",
        note = "add `#[derive(serde::Serialize)]` to `{Self}`, or return `serde_json::Value`"
    )]
    pub trait Response: Serialize {}
    impl<R: Serialize> Response for R {}

    /// Reports a non-deserializable event type on the user's `T`.
    #[inline(always)]
    pub const fn assert_event<T: Event>() {}

    /// Reports a non-serializable response type on the user's `R`.
    #[inline(always)]
    pub const fn assert_response<R: Response>() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Order {
        id: String,
        items: Vec<Item>,
    }

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Item {
        quantity: u32,
    }

    enum KeepWarm {}

    impl WarmableConfig for KeepWarm {
        fn config() -> &'static WarmConfig {
            static CONFIG: std::sync::OnceLock<WarmConfig> = std::sync::OnceLock::new();
            CONFIG.get_or_init(|| WarmConfig::new().flag_key("keep_warm"))
        }
    }

    /// Deserializes `body` the way `lambda_runtime` does, returning its error message.
    fn runtime_deserialize<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
        let deserializer = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            if path == "." {
                error.into_inner().to_string()
            } else {
                format!("[{path}] {}", error.into_inner())
            }
        })
    }

    #[test]
    fn user_event_is_deserialized_through_the_runtime_path() {
        let body = br#"{"id": "o-1", "items": [{"quantity": 2}]}"#;
        let event: WarmableEvent<Order> = runtime_deserialize(body).unwrap();
        let expected = Order {
            id: "o-1".into(),
            items: vec![Item { quantity: 2 }],
        };
        assert_eq!(event.event(), Some(&expected));
    }

    #[test]
    fn warm_up_is_recognised_before_the_event_type_is_tried() {
        let event: WarmableEvent<Order> =
            runtime_deserialize(br#"{"warmer": true, "delay": 3}"#).unwrap();
        match event.into_incoming() {
            Incoming::Warmup(warmup) => assert_eq!(warmup.delay.as_millis(), 3),
            Incoming::Event(order) => panic!("a warm-up reached the event type: {order:?}"),
        }
    }

    #[test]
    fn warm_up_wins_even_when_the_event_type_would_accept_it() {
        let event: WarmableEvent<serde_json::Value> =
            runtime_deserialize(br#"{"warmer": true}"#).unwrap();
        assert!(event.is_warmup());
    }

    #[test]
    fn configured_flag_key_is_used() {
        let custom: WarmableEvent<serde_json::Value, KeepWarm> =
            runtime_deserialize(br#"{"keep_warm": true}"#).unwrap();
        assert!(custom.is_warmup());
        let default_flag: WarmableEvent<serde_json::Value, KeepWarm> =
            runtime_deserialize(br#"{"warmer": true}"#).unwrap();
        assert!(!default_flag.is_warmup());
    }

    #[test]
    fn bad_events_fail_with_the_message_a_plain_handler_gets() {
        for body in [
            &br#"{"id": "o-1"}"#[..],
            br#"{"id": "o-1", "items": [{"quantity": "two"}]}"#,
            br#"{"id": 7, "items": []}"#,
            b"[1, 2]",
            b"not json",
            b"",
            br#"{"warmer": "true"}"#,
        ] {
            let plain = runtime_deserialize::<Order>(body).unwrap_err();
            let warmable = runtime_deserialize::<WarmableEvent<Order>>(body).unwrap_err();
            assert_eq!(warmable, plain, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn nested_error_names_the_field_path() {
        let body = br#"{"id": "o-1", "items": [{"quantity": 1}, {"quantity": -1}]}"#;
        let message = runtime_deserialize::<WarmableEvent<Order>>(body).unwrap_err();
        assert!(
            message.starts_with("[items[1].quantity] invalid value: integer `-1`"),
            "{message}"
        );
    }

    #[test]
    fn events_deserialize_from_values_for_tests() {
        let event: WarmableEvent<Order> =
            serde_json::from_value(json!({"id": "o-2", "items": []})).unwrap();
        assert_eq!(event.event().map(|o| o.id.as_str()), Some("o-2"));
        let warmup: WarmableEvent<Order> = serde_json::from_value(json!({"warmer": true})).unwrap();
        assert!(warmup.is_warmup());
    }

    #[test]
    fn user_response_serializes_exactly_as_its_type() {
        let order = Order {
            id: "o-3".into(),
            items: vec![],
        };
        let expected = serde_json::to_string(&order).unwrap();
        assert_eq!(
            serde_json::to_string(&WarmableResponse::Handled(order)).unwrap(),
            expected
        );
    }

    #[tokio::test]
    async fn handle_runs_user_code_for_events_only() {
        async fn echo(event: LambdaEvent<u32>) -> Result<u32, String> {
            Ok(event.payload + 1)
        }
        let event = LambdaEvent::new(
            WarmableEvent::<u32>::new(41),
            lambda_runtime::Context::default(),
        );
        assert_eq!(handle(event, echo).await.unwrap().into_handled(), Some(42));

        let warmup: WarmableEvent<u32> =
            serde_json::from_str(r#"{"warmer": true, "delay": 0}"#).unwrap();
        let event = LambdaEvent::new(warmup, lambda_runtime::Context::default());
        let answer = handle(event, |_| async {
            Err::<u32, _>("user code ran".to_owned())
        })
        .await;
        assert!(answer.unwrap().warmed().is_some_and(|w| w.warmed));
    }

    #[tokio::test]
    async fn handle_passes_user_errors_through_unchanged() {
        let event = LambdaEvent::new(
            WarmableEvent::<u32>::new(1),
            lambda_runtime::Context::default(),
        );
        let error = handle(event, |_| async {
            Err::<u32, _>(std::io::ErrorKind::NotFound)
        })
        .await;
        assert_eq!(error.unwrap_err(), std::io::ErrorKind::NotFound);
    }
}
