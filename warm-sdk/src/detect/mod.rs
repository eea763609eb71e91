//! Recognising a warm-up in a raw invoke payload, before any user type is deserialized.
//!
//! [`detect`] first searches the raw bytes for the flag key as JSON writes it (`"warmer"`)
//! and for the serverless-plugin-warmup marker; a payload containing neither is not parsed
//! at all. Only when one is found is the payload parsed, and then only its top-level object,
//! field by field, skipping values it does not need. Only top-level keys count: an API
//! Gateway event whose `body` is `{"warmer": true}` is user traffic.
//!
//! Keys count as a JSON writer spells them (as `serde_json::to_string` writes the name), and
//! so does the serverless-plugin-warmup marker: an escaped spelling such as `"w\u0061rmer"`
//! is a different key, whatever else the payload contains, so that the byte scan and the
//! parse always agree.
//!
//! ```
//! use warm_sdk::{detect, Dialect, WarmConfig};
//!
//! let config = WarmConfig::default();
//! let warmup = detect(br#"{"warmer": true, "delay": 300, "index": 2}"#, &config).unwrap();
//! assert_eq!(warmup.dialect, Dialect::Warm);
//! assert_eq!(warmup.delay.as_millis(), 300);
//! assert_eq!(warmup.index, Some(2));
//!
//! // An HTTP request that merely carries the flag in its body is user traffic.
//! let http = br#"{"version": "2.0", "rawPath": "/", "body": "{\"warmer\": true}"}"#;
//! assert!(detect(http, &config).is_none());
//! ```
//!
//! # Dialects
//!
//! | Dialect | Payload |
//! |---|---|
//! | [`Dialect::Warm`] | `{"warmer": true, "delay": 300, "__WARMER_INVOCATION__": 3, "__WARMER_CONCURRENCY__": 50, "__WARMER_CORRELATIONID__": "...", "__WARMER_CORRELATION_ID__": "..."}` (older form: `correlation_id`, `index`, `concurrency`) |
//! | [`Dialect::LambdaWarmer`] (jeremydaly/lambda-warmer) | `{"warmer": true, "__WARMER_INVOCATION__": 3, "__WARMER_CONCURRENCY__": 50, "__WARMER_CORRELATIONID__": "..."}` |
//! | [`Dialect::LambdaWarmerPy`] (lambda-warmer-py) | `{"warmer": true, "__WARMER_INVOCATION__": 3, "__WARMER_CONCURRENCY__": 50, "__WARMER_CORRELATION_ID__": "..."}` |
//! | [`Dialect::ServerlessPluginWarmup`] | `{"source": "serverless-plugin-warmup"}` |
//!
//! The fan-out children of jeremydaly/lambda-warmer and lambda-warmer-py each carry their own
//! correlation id spelling alone and no `delay`; a payload that does is their dialect, any
//! other (this protocol writes both spellings or neither) is [`Dialect::Warm`]. The dialect
//! is a label for logs; nothing depends on it.
//!
//! The flag must be the JSON boolean `true` (`"warmer": "true"` or `1` is user traffic). The
//! schedule pings of lambda-warmer and lambda-warmer-py (`{"warmer": true, "concurrency": 5}`)
//! are plain [`Dialect::Warm`] warm-ups: this crate answers them and does not fan out. When
//! such a ping asks for more than one environment (`concurrency` above 1 without
//! `__WARMER_INVOCATION__` or `index`), [`Warmup::fan_out`] holds the number, the answer
//! echoes it as `fan_out_requested`, and [`WarmupWarning::FanOutNotDone`] is logged at WARN with what to
//! do instead.
//!
//! serverless-plugin-warmup's ClientContext is not read: the plugin sends its `custom`
//! payload as the invoke payload itself (this crate reads `{"source":
//! "serverless-plugin-warmup"}` there), and `lambda_runtime` exposes the client context only
//! after the event has been taken apart, where a warm-up must already have been answered.
//!
//! A field that is present but unusable does not turn a warm-up into user traffic: the
//! warm-up keeps its default for that field and carries a [`WarmupWarning`] that
//! [`answer`](crate::answer()) logs at WARN. That includes valid JSON that Rust cannot hold
//! (`"delay": 1e400`, a lone surrogate escape in `correlation_id`). A payload that is not
//! valid JSON, or whose top level is not an object, is user traffic.

mod dialect;
mod fields;
mod scalar;
#[cfg(test)]
mod tests;
mod top_level;
mod warmup;

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use serde::de::DeserializeSeed;

use crate::config::{WarmConfig, quoted_finder};
use scalar::Scalar;
use top_level::{Fields, TopLevel};

pub use dialect::Dialect;
pub use warmup::{Warmup, WarmupWarning};

/// The `source` value of serverless-plugin-warmup's default payload.
pub const SERVERLESS_PLUGIN_WARMUP_SOURCE: &str = "serverless-plugin-warmup";

/// The longest correlation id echoed back, in bytes; a longer one is ignored with a warning.
pub const MAX_CORRELATION_ID_LEN: usize = 256;

static SOURCE_FINDER: LazyLock<Finder<'static>> =
    LazyLock::new(|| quoted_finder(SERVERLESS_PLUGIN_WARMUP_SOURCE));

/// Recognises a warm-up in a raw invoke payload; `None` means user traffic.
///
/// Payloads that contain neither the flag key (as JSON writes it) nor the
/// serverless-plugin-warmup marker are rejected by a byte scan alone, without parsing.
/// Never panics, whatever the bytes. See the [module docs](self) for the rules and dialects.
///
/// ```
/// use warm_sdk::{detect, Dialect, WarmConfig};
///
/// let config = WarmConfig::default();
/// let plugin = detect(br#"{"source": "serverless-plugin-warmup"}"#, &config).unwrap();
/// assert_eq!(plugin.dialect, Dialect::ServerlessPluginWarmup);
/// assert!(detect(b"[1, 2, 3]", &config).is_none());
/// assert!(detect(br#"{"warmer": false}"#, &config).is_none());
/// ```
pub fn detect(payload: &[u8], config: &WarmConfig) -> Option<Warmup> {
    let flag_seen = config.flag_finder().find(payload).is_some();
    if !flag_seen && SOURCE_FINDER.find(payload).is_none() {
        return None;
    }
    let fields = parse_top_level(payload, config)?;
    // Only keys spelled as written count, so a flag found here was also found by the scan.
    if matches!(fields.flag, Some(Scalar::Bool(true))) {
        return Some(fields.into_warmup(config));
    }
    // The plugin's marker counts only spelled as written too: borrowed means unescaped.
    let source_is_plugin = matches!(
        &fields.source,
        Some(Scalar::Str(Cow::Borrowed(s))) if *s == SERVERLESS_PLUGIN_WARMUP_SOURCE
    );
    if source_is_plugin {
        let mut warmup = fields.into_warmup(config);
        warmup.dialect = Dialect::ServerlessPluginWarmup;
        return Some(warmup);
    }
    None
}

/// Parses the top-level object of `payload`; `None` when it is not exactly one JSON object.
fn parse_top_level<'de>(payload: &'de [u8], config: &WarmConfig) -> Option<Fields<'de>> {
    // serde_json does not check the UTF-8 of values it skips; JSON must be UTF-8 throughout.
    let payload = std::str::from_utf8(payload).ok()?;
    let mut deserializer = serde_json::Deserializer::from_str(payload);
    let fields = TopLevel {
        payload,
        flag_key: config.get_flag_key(),
        flag_written: config.flag_finder().needle(),
    }
    .deserialize(&mut deserializer)
    .ok()??;
    deserializer.end().ok()?;
    Some(fields)
}
