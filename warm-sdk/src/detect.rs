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
//! | [`Dialect::Warm`] | `{"warmer": true, "delay": 300, "correlation_id": "...", "index": 3, "concurrency": 50}` |
//! | [`Dialect::LambdaWarmer`] (jeremydaly/lambda-warmer) | `{"warmer": true, "__WARMER_INVOCATION__": 3, "__WARMER_CONCURRENCY__": 50, "__WARMER_CORRELATIONID__": "..."}` |
//! | [`Dialect::LambdaWarmerPy`] (lambda-warmer-py) | `{"warmer": true, "__WARMER_INVOCATION__": 3, "__WARMER_CONCURRENCY__": 50, "__WARMER_CORRELATION_ID__": "..."}` |
//! | [`Dialect::ServerlessPluginWarmup`] | `{"source": "serverless-plugin-warmup"}` |
//!
//! The flag must be the JSON boolean `true` (`"warmer": "true"` or `1` is user traffic). The
//! schedule pings of lambda-warmer and lambda-warmer-py (`{"warmer": true, "concurrency": 5}`)
//! are plain [`Dialect::Warm`] warm-ups: this crate answers them and does not fan out.
//!
//! A field that is present but unusable does not turn a warm-up into user traffic: the
//! warm-up keeps its default for that field and carries a [`WarmupWarning`] that
//! [`answer`](crate::answer()) logs at WARN. That includes valid JSON that Rust cannot hold
//! (`"delay": 1e400`, a lone surrogate escape in `correlation_id`). A payload that is not
//! valid JSON, or whose top level is not an object, is user traffic.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use memchr::memmem::Finder;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::config::{WarmConfig, quoted_finder};

/// The `source` value of serverless-plugin-warmup's default payload.
pub const SERVERLESS_PLUGIN_WARMUP_SOURCE: &str = "serverless-plugin-warmup";

/// The longest correlation id echoed back, in bytes; a longer one is ignored with a warning.
pub const MAX_CORRELATION_ID_LEN: usize = 256;

static SOURCE_FINDER: LazyLock<Finder<'static>> =
    LazyLock::new(|| quoted_finder(SERVERLESS_PLUGIN_WARMUP_SOURCE));

/// Which warmer sent a warm-up. See the [module docs](self) for each payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// This project's protocol: `{"warmer": true, "delay": 300, ...}`.
    Warm,
    /// jeremydaly/lambda-warmer's fan-out payload (`__WARMER_CORRELATIONID__`).
    LambdaWarmer,
    /// lambda-warmer-py's fan-out payload (`__WARMER_CORRELATION_ID__`).
    LambdaWarmerPy,
    /// serverless-plugin-warmup's default payload `{"source": "serverless-plugin-warmup"}`.
    ServerlessPluginWarmup,
}

impl Dialect {
    /// A short name for logs: `warm`, `lambda-warmer`, `lambda-warmer-py` or
    /// `serverless-plugin-warmup`.
    ///
    /// ```
    /// assert_eq!(warm_sdk::Dialect::LambdaWarmerPy.as_str(), "lambda-warmer-py");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Dialect::Warm => "warm",
            Dialect::LambdaWarmer => "lambda-warmer",
            Dialect::LambdaWarmerPy => "lambda-warmer-py",
            Dialect::ServerlessPluginWarmup => "serverless-plugin-warmup",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recognised warm-up: what [`detect`] found in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warmup {
    /// Which warmer sent it.
    pub dialect: Dialect,
    /// The delay the payload asks for, or the configured default when it names none or an
    /// invalid one. Not yet capped: [`answer`](crate::answer()) caps it.
    pub delay: Duration,
    /// The warmer's correlation id, echoed in the answer.
    pub correlation_id: Option<String>,
    /// This invocation's index in its warm-up run.
    pub index: Option<u32>,
    /// How many invocations the run sends at once.
    pub concurrency: Option<u32>,
    /// Fields that were present but unusable; each is logged at WARN when answering.
    pub warnings: Vec<WarmupWarning>,
}

/// A warm-up field that was present but could not be used.
///
/// The warm-up is still answered (user code never sees it); the field falls back as the
/// message says.
///
/// ```
/// use warm_sdk::{detect, WarmConfig};
///
/// let warmup = detect(br#"{"warmer": true, "delay": "soon"}"#, &WarmConfig::default()).unwrap();
/// assert_eq!(warmup.delay.as_millis(), 75);
/// assert_eq!(
///     warmup.warnings[0].to_string(),
///     r#"warm-up field `delay` is the string "soon", not a non-negative number of milliseconds (send e.g. "delay": 300); holding the default 75 ms"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarmupWarning {
    /// `delay` was not a non-negative number; the default delay is used.
    InvalidDelay {
        /// What the payload held, described briefly (`the string "soon"`, `-5`).
        found: String,
        /// The default used instead, in milliseconds.
        default_ms: u64,
    },
    /// An optional field (index, concurrency, correlation id) was unusable and is ignored.
    InvalidField {
        /// The field's name in the payload.
        field: &'static str,
        /// What the field must hold.
        expected: &'static str,
        /// What the payload held, described briefly.
        found: String,
    },
}

impl fmt::Display for WarmupWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarmupWarning::InvalidDelay { found, default_ms } => write!(
                f,
                "warm-up field `delay` is {found}, not a non-negative number of milliseconds \
                 (send e.g. \"delay\": 300); holding the default {default_ms} ms"
            ),
            WarmupWarning::InvalidField {
                field,
                expected,
                found,
            } => write!(
                f,
                "warm-up field `{field}` is {found}, not {expected}; the field is ignored"
            ),
        }
    }
}

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

/// A JSON value as far as detection cares: scalars kept (strings borrowed when unescaped),
/// arrays and objects skipped.
#[derive(Debug)]
enum Scalar<'de> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'de, str>),
    Array,
    Object,
    /// Valid JSON that Rust cannot hold, kept as written: a number beyond `f64`'s range
    /// (`1e400`) or a string with a lone UTF-16 surrogate escape (`"\ud800"`).
    Unrepresentable(&'de str),
}

impl Scalar<'_> {
    /// A short description for warnings: `the string "soon"`, `-5`, `an array`.
    fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::U64(n) => n.to_string(),
            Scalar::I64(n) => n.to_string(),
            Scalar::F64(n) => n.to_string(),
            Scalar::Str(s) if s.len() > 40 => {
                let mut end = 40;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                format!("a string of {} bytes starting {:?}", s.len(), &s[..end])
            }
            Scalar::Str(s) => format!("the string {s:?}"),
            Scalar::Array => "an array".to_owned(),
            Scalar::Object => "an object".to_owned(),
            Scalar::Unrepresentable(raw) if raw.len() > 40 => {
                format!("{} bytes of JSON beyond what Rust can hold", raw.len())
            }
            Scalar::Unrepresentable(raw) => format!("{raw} (beyond what Rust can hold)"),
        }
    }
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

/// Reads a field's value, taken as written (which JSON's grammar has checked), as a
/// [`Scalar`]: a value Rust cannot hold becomes [`Scalar::Unrepresentable`] instead of failing
/// the whole payload, so it is judged like any other unusable value of that field (the same
/// number in a field detection skips never failed the payload either).
fn read_field(text: &str) -> Scalar<'_> {
    let mut value = serde_json::Deserializer::from_str(text);
    <Scalar<'_> as de::Deserialize>::deserialize(&mut value)
        .unwrap_or(Scalar::Unrepresentable(text))
}

/// Where `part`, a slice of `whole`, starts in it.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// The key as written, quotes included, in the text between the previous value's end and a
/// value's start (`{ "key" :` or `, "key" :`): only whitespace and punctuation surround it.
fn written_key(between: &str) -> &str {
    match (between.find('"'), between.rfind('"')) {
        (Some(open), Some(close)) if open < close => &between[open..=close],
        _ => "",
    }
}

/// An object key, borrowed from the payload when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The top-level fields detection reads; for a repeated key the last one wins.
#[derive(Debug, Default)]
struct Fields<'de> {
    flag: Option<Scalar<'de>>,
    source: Option<Scalar<'de>>,
    delay: Option<Scalar<'de>>,
    correlation_id: Option<Scalar<'de>>,
    index: Option<Scalar<'de>>,
    concurrency: Option<Scalar<'de>>,
    warmer_invocation: Option<Scalar<'de>>,
    warmer_concurrency: Option<Scalar<'de>>,
    warmer_correlationid: Option<Scalar<'de>>,
    warmer_correlation_id: Option<Scalar<'de>>,
}

/// Parses a top-level object into [`Fields`]; any other top-level value yields `None`.
struct TopLevel<'de, 'k> {
    /// The whole payload, to find an escaped key's spelling.
    payload: &'de str,
    flag_key: &'k str,
    /// The flag key as a JSON writer spells it, quotes included.
    flag_written: &'k [u8],
}

impl<'de> DeserializeSeed<'de> for TopLevel<'de, '_> {
    type Value = Option<Fields<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'de, '_> {
    type Value = Option<Fields<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Fields::default();
        // Where the previous value ended: an escaped key is spelled between it and its value.
        let mut previous_end = 0;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<&'de RawValue>()?.get();
            let start = offset_in(self.payload, value);
            let between = self.payload.get(previous_end..start).unwrap_or_default();
            previous_end = start + value.len();
            // A key spelled as written is borrowed, except a flag key that JSON must escape
            // (a quote, a control character): that one is compared as written.
            let written = match &key {
                Cow::Borrowed(_) => true,
                Cow::Owned(_) => {
                    key == self.flag_key && written_key(between).as_bytes() == self.flag_written
                }
            };
            if !written {
                continue;
            }
            let slot = if key == self.flag_key {
                &mut fields.flag
            } else {
                match key.as_ref() {
                    "source" => &mut fields.source,
                    "delay" => &mut fields.delay,
                    "correlation_id" => &mut fields.correlation_id,
                    "index" => &mut fields.index,
                    "concurrency" => &mut fields.concurrency,
                    "__WARMER_INVOCATION__" => &mut fields.warmer_invocation,
                    "__WARMER_CONCURRENCY__" => &mut fields.warmer_concurrency,
                    "__WARMER_CORRELATIONID__" => &mut fields.warmer_correlationid,
                    "__WARMER_CORRELATION_ID__" => &mut fields.warmer_correlation_id,
                    _ => continue,
                }
            };
            *slot = Some(read_field(value));
        }
        Ok(Some(fields))
    }

    // Any other top-level value: consume it so that `end()` can check for trailing bytes.
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ScalarVisitor.visit_seq(seq).map(|_| None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

impl Fields<'_> {
    fn into_warmup(self, config: &WarmConfig) -> Warmup {
        let mut warnings = Vec::new();
        let dialect = if self.warmer_correlation_id.is_some() {
            Dialect::LambdaWarmerPy
        } else if self.warmer_correlationid.is_some()
            || self.warmer_invocation.is_some()
            || self.warmer_concurrency.is_some()
        {
            Dialect::LambdaWarmer
        } else {
            Dialect::Warm
        };
        let delay = requested_delay(self.delay, config.get_default_delay(), &mut warnings);

        let (index_field, index) = first_present([
            ("index", self.index),
            ("__WARMER_INVOCATION__", self.warmer_invocation),
        ]);
        let (concurrency_field, concurrency) = first_present([
            ("__WARMER_CONCURRENCY__", self.warmer_concurrency),
            ("concurrency", self.concurrency),
        ]);
        let (correlation_field, correlation) = first_present([
            ("correlation_id", self.correlation_id),
            ("__WARMER_CORRELATIONID__", self.warmer_correlationid),
            ("__WARMER_CORRELATION_ID__", self.warmer_correlation_id),
        ]);
        Warmup {
            dialect,
            delay,
            correlation_id: correlation
                .and_then(|v| correlation_id(correlation_field, v, &mut warnings)),
            index: index.and_then(|v| count(index_field, v, &mut warnings)),
            concurrency: concurrency.and_then(|v| count(concurrency_field, v, &mut warnings)),
            warnings,
        }
    }
}

/// The first field of `candidates` that is present, with its name.
fn first_present<'de, const N: usize>(
    candidates: [(&'static str, Option<Scalar<'de>>); N],
) -> (&'static str, Option<Scalar<'de>>) {
    let fallback = candidates[0].0;
    candidates
        .into_iter()
        .find(|(_, value)| value.is_some())
        .unwrap_or((fallback, None))
}

fn requested_delay(
    value: Option<Scalar<'_>>,
    default: Duration,
    warnings: &mut Vec<WarmupWarning>,
) -> Duration {
    match value {
        None => default,
        Some(Scalar::U64(ms)) => Duration::from_millis(ms),
        // `as` saturates: an absurd delay becomes u64::MAX ms and is capped when answering.
        Some(Scalar::F64(ms)) if ms >= 0.0 => Duration::from_millis(ms as u64),
        Some(other) => {
            warnings.push(WarmupWarning::InvalidDelay {
                found: other.describe(),
                default_ms: u64::try_from(default.as_millis()).unwrap_or(u64::MAX),
            });
            default
        }
    }
}

fn count(field: &'static str, value: Scalar<'_>, warnings: &mut Vec<WarmupWarning>) -> Option<u32> {
    if let Scalar::U64(n) = value
        && let Ok(n) = u32::try_from(n)
    {
        return Some(n);
    }
    warnings.push(WarmupWarning::InvalidField {
        field,
        expected: "a whole number from 0 to 4294967295",
        found: value.describe(),
    });
    None
}

fn correlation_id(
    field: &'static str,
    value: Scalar<'_>,
    warnings: &mut Vec<WarmupWarning>,
) -> Option<String> {
    let id = match &value {
        Scalar::Str(s) if s.len() <= MAX_CORRELATION_ID_LEN => return Some(s.clone().into_owned()),
        Scalar::U64(n) => n.to_string(),
        Scalar::I64(n) => n.to_string(),
        _ => {
            warnings.push(WarmupWarning::InvalidField {
                field,
                expected: "a string of at most 256 bytes",
                found: value.describe(),
            });
            return None;
        }
    };
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_default(payload: &str) -> Option<Warmup> {
        detect(payload.as_bytes(), &WarmConfig::default())
    }

    #[test]
    fn plain_flag_is_a_warm_up_with_default_delay() {
        let warmup = detect_default(r#"{"warmer":true}"#).unwrap();
        assert_eq!(warmup.dialect, Dialect::Warm);
        assert_eq!(warmup.delay, Duration::from_millis(75));
        assert!(warmup.warnings.is_empty());
        assert_eq!(warmup.correlation_id, None);
    }

    #[test]
    fn our_fields_are_read() {
        let warmup = detect_default(
            r#"{"warmer": true, "delay": 300, "correlation_id": "run-1", "index": 4, "concurrency": 9}"#,
        )
        .unwrap();
        assert_eq!(warmup.delay, Duration::from_millis(300));
        assert_eq!(warmup.correlation_id.as_deref(), Some("run-1"));
        assert_eq!(warmup.index, Some(4));
        assert_eq!(warmup.concurrency, Some(9));
        assert!(warmup.warnings.is_empty());
    }

    #[test]
    fn lambda_warmer_fan_out_payload_is_recognised() {
        let warmup = detect_default(
            r#"{"warmer":true,"__WARMER_INVOCATION__":3,"__WARMER_CONCURRENCY__":5,"__WARMER_CORRELATIONID__":"1700000000000-0042"}"#,
        )
        .unwrap();
        assert_eq!(warmup.dialect, Dialect::LambdaWarmer);
        assert_eq!(warmup.index, Some(3));
        assert_eq!(warmup.concurrency, Some(5));
        assert_eq!(warmup.correlation_id.as_deref(), Some("1700000000000-0042"));
        assert_eq!(warmup.delay, Duration::from_millis(75));
    }

    #[test]
    fn lambda_warmer_py_fan_out_payload_is_recognised() {
        let warmup = detect_default(
            r#"{"warmer":true,"__WARMER_CONCURRENCY__":4,"__WARMER_CORRELATION_ID__":"req-9","__WARMER_INVOCATION__":2}"#,
        )
        .unwrap();
        assert_eq!(warmup.dialect, Dialect::LambdaWarmerPy);
        assert_eq!(warmup.index, Some(2));
        assert_eq!(warmup.concurrency, Some(4));
        assert_eq!(warmup.correlation_id.as_deref(), Some("req-9"));
    }

    #[test]
    fn schedule_ping_of_lambda_warmer_is_a_plain_warm_up() {
        let warmup = detect_default(r#"{"warmer": true, "concurrency": 5}"#).unwrap();
        assert_eq!(warmup.dialect, Dialect::Warm);
        assert_eq!(warmup.concurrency, Some(5));
    }

    #[test]
    fn serverless_plugin_warmup_default_payload_is_recognised() {
        let warmup = detect_default(r#"{"source": "serverless-plugin-warmup"}"#).unwrap();
        assert_eq!(warmup.dialect, Dialect::ServerlessPluginWarmup);
        assert_eq!(warmup.delay, Duration::from_millis(75));
        assert!(detect_default(r#"{"source": "aws.events", "detail": {}}"#).is_none());
    }

    #[test]
    fn http_body_with_warmer_flag_is_user_traffic() {
        let event = serde_json::json!({
            "version": "2.0",
            "routeKey": "POST /",
            "rawPath": "/",
            "body": "{\"warmer\": true}",
            "isBase64Encoded": false,
        });
        assert!(detect(&serde_json::to_vec(&event).unwrap(), &WarmConfig::default()).is_none());
    }

    #[test]
    fn nested_flag_is_user_traffic() {
        assert!(detect_default(r#"{"detail": {"warmer": true}}"#).is_none());
        assert!(detect_default(r#"[{"warmer": true}]"#).is_none());
        assert!(detect_default(r#"{"body": {"source": "serverless-plugin-warmup"}}"#).is_none());
    }

    #[test]
    fn flag_must_be_boolean_true() {
        for payload in [
            r#"{"warmer": false}"#,
            r#"{"warmer": "true"}"#,
            r#"{"warmer": 1}"#,
            r#"{"warmer": null}"#,
            r#"{"warmer": {}}"#,
        ] {
            assert!(detect_default(payload).is_none(), "{payload}");
        }
    }

    #[test]
    fn malformed_payloads_are_user_traffic() {
        for payload in [
            "",
            "not json",
            "{",
            r#"{"warmer": true"#,
            r#"{"warmer": true} trailing"#,
            r#"{"warmer": true}{"warmer": true}"#,
            "\"warmer\"",
        ] {
            assert!(detect_default(payload).is_none(), "{payload:?}");
        }
        assert!(
            detect(
                b"{\"warmer\": true, \"x\": \"\xff\"}",
                &WarmConfig::default()
            )
            .is_none()
        );
    }

    #[test]
    fn repeated_flag_key_last_one_wins() {
        assert!(detect_default(r#"{"warmer": true, "warmer": false}"#).is_none());
        assert!(detect_default(r#"{"warmer": false, "warmer": true}"#).is_some());
    }

    #[test]
    fn values_rust_cannot_hold_are_judged_like_other_unusable_values() {
        // A number beyond f64 in `delay`: the default delay, with a warning naming it.
        let warmup = detect_default(r#"{"warmer": true, "delay": 1e400}"#).unwrap();
        assert_eq!(warmup.delay, Duration::from_millis(75));
        assert_eq!(
            warmup.warnings,
            vec![WarmupWarning::InvalidDelay {
                found: "1e400 (beyond what Rust can hold)".to_owned(),
                default_ms: 75
            }]
        );
        // The same in a field detection skips, as before.
        assert!(detect_default(r#"{"warmer": true, "x": 1e400}"#).is_some());
        // A lone surrogate as correlation id: ignored with a warning.
        let warmup = detect_default(r#"{"warmer": true, "correlation_id": "\ud800"}"#).unwrap();
        assert_eq!(warmup.correlation_id, None);
        assert_eq!(warmup.warnings.len(), 1, "{:?}", warmup.warnings);
        // As the flag it is not `true`: user traffic.
        assert!(detect_default(r#"{"warmer": 1e400}"#).is_none());
    }

    #[test]
    fn escaped_keys_are_other_keys() {
        assert!(detect_default(r#"{"w\u0061rmer": true}"#).is_none());
        // Even when the key as written appears elsewhere (the scan finds it, the parse decides).
        assert!(detect_default(r#"{"w\u0061rmer": true, "note": "warmer"}"#).is_none());
        assert!(detect_default(r#"{"a": {"warmer": 1}, "w\u0061rmer": true}"#).is_none());
        // An escaped duplicate does not override the flag, nor a field.
        let warmup = detect_default(
            r#"{"warmer": true, "delay": 5, "w\u0061rmer": false, "d\u0065lay": 9}"#,
        )
        .unwrap();
        assert_eq!(warmup.delay, Duration::from_millis(5));
        // The plugin's marker counts only spelled as written, too.
        let escaped_marker =
            r#"{"source": "serverless\u002dplugin-warmup", "x": "serverless-plugin-warmup"}"#;
        assert!(detect_default(escaped_marker).is_none());
    }

    #[test]
    fn a_flag_key_json_must_escape_counts_as_json_writes_it() {
        let config = WarmConfig::new().flag_key("a\"b");
        assert!(detect(br#"{"a\"b": true}"#, &config).is_some());
        assert!(detect(br#"{ "x" : 1 ,  "a\"b"  :  true }"#, &config).is_some());
        assert!(detect(br#"{"a\u0022b": true, "x": "a\"b"}"#, &config).is_none());
    }

    #[test]
    fn invalid_delays_fall_back_to_default_with_a_warning() {
        for (payload, found) in [
            (r#"{"warmer": true, "delay": -5}"#, "-5"),
            (r#"{"warmer": true, "delay": "300"}"#, "the string \"300\""),
            (r#"{"warmer": true, "delay": null}"#, "null"),
            (r#"{"warmer": true, "delay": [1]}"#, "an array"),
            (r#"{"warmer": true, "delay": -0.5}"#, "-0.5"),
            (r#"{"warmer": true, "delay": true}"#, "true"),
        ] {
            let warmup = detect_default(payload).unwrap();
            assert_eq!(warmup.delay, Duration::from_millis(75), "{payload}");
            assert_eq!(
                warmup.warnings,
                vec![WarmupWarning::InvalidDelay {
                    found: found.to_owned(),
                    default_ms: 75
                }],
                "{payload}"
            );
        }
    }

    #[test]
    fn fractional_and_huge_delays_are_accepted_before_capping() {
        assert_eq!(
            detect_default(r#"{"warmer": true, "delay": 12.9}"#)
                .unwrap()
                .delay,
            Duration::from_millis(12)
        );
        assert_eq!(
            detect_default(r#"{"warmer": true, "delay": 1e30}"#)
                .unwrap()
                .delay,
            Duration::from_millis(u64::MAX)
        );
    }

    #[test]
    fn configured_default_delay_is_used() {
        let config = WarmConfig::new().default_delay(Duration::from_millis(5));
        assert_eq!(
            detect(br#"{"warmer": true}"#, &config).unwrap().delay,
            Duration::from_millis(5)
        );
    }

    #[test]
    fn unusable_optional_fields_are_ignored_with_warnings() {
        let long = "x".repeat(MAX_CORRELATION_ID_LEN + 1);
        let payload = format!(
            r#"{{"warmer": true, "index": -1, "concurrency": 1e3, "correlation_id": "{long}"}}"#
        );
        let warmup = detect_default(&payload).unwrap();
        assert_eq!(warmup.index, None);
        assert_eq!(warmup.concurrency, None);
        assert_eq!(warmup.correlation_id, None);
        assert_eq!(warmup.warnings.len(), 3);
        assert!(
            warmup.warnings[0]
                .to_string()
                .contains("a string of 257 bytes")
        );
        assert!(warmup.warnings[1].to_string().contains("`index` is -1"));
    }

    #[test]
    fn numeric_correlation_id_is_echoed_as_text() {
        let warmup = detect_default(r#"{"warmer": true, "__WARMER_CORRELATIONID__": 17}"#).unwrap();
        assert_eq!(warmup.correlation_id.as_deref(), Some("17"));
    }

    #[test]
    fn deeply_nested_values_do_not_overflow_the_stack() {
        let open = "[".repeat(100_000);
        let close = "]".repeat(100_000);
        // Skipped values, read values and the top level itself, each 100 000 levels deep.
        let skipped = format!(r#"{{"warmer": true, "x": {open}{close}}}"#);
        assert!(detect_default(&skipped).is_some());
        let read = format!(r#"{{"warmer": true, "delay": {open}{close}}}"#);
        assert_eq!(detect_default(&read).unwrap().warnings.len(), 1);
        let top = format!(r#"{open}"warmer"{close}"#);
        assert!(detect_default(&top).is_none());
        let objects = format!(
            r#"{{"warmer": true, "x": {}1{}}}"#,
            r#"{"a":"#.repeat(100_000),
            "}".repeat(100_000)
        );
        assert!(detect_default(&objects).is_some());
    }

    #[test]
    fn payload_without_marker_is_not_parsed() {
        // Invalid JSON that would fail to parse: rejected by the scan alone either way, but the
        // scan is what keeps this cheap; here we check the scan's verdict directly.
        let config = WarmConfig::default();
        assert!(config.flag_finder().find(b"{\"warm\": true}").is_none());
        assert!(SOURCE_FINDER.find(b"serverless-plugin-warmup").is_none());
    }
}
