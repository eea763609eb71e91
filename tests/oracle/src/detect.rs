//! A reference model of warm-up detection, checked against [`warm_sdk::detect()`].
//!
//! `detect` parses only the top level of a payload, field by field, and skips everything it
//! does not need. The model does it the slow, obvious way: parse the whole payload into a
//! `serde_json::Value`, then walk the top-level entries as written (a `Value` forgets how a
//! key was spelled and which of two repeats came last), keep those whose key is spelled as a
//! JSON writer spells it, and read the fields the protocol names. Both must agree on every
//! input; where they cannot (the model's parser stops at 128 levels of nesting, `detect`
//! does not), the model says so and only "never panics" is checked.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/`) and the normal test run
//! (`tests/tests/properties.rs` depends on this crate), so every input the fuzzer saves can be
//! replayed as a regression test.

use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use warm_sdk::detect::{MAX_CORRELATION_ID_LEN, SERVERLESS_PLUGIN_WARMUP_SOURCE};
use warm_sdk::protocol::WarmupRequest;
use warm_sdk::{Dialect, WarmConfig, Warmup, detect};

/// What the model expects `detect` to find.
#[derive(Debug, PartialEq, Eq)]
pub struct Expected {
    /// The dialect.
    pub dialect: Dialect,
    /// The requested (uncapped) delay.
    pub delay: Duration,
    /// Whether the delay field was present but unusable (one warning).
    pub delay_warning: bool,
    /// The instant to hold until (`hold_until_ms`), when usable.
    pub hold_until_ms: Option<u64>,
    /// The echoed correlation id.
    pub correlation_id: Option<String>,
    /// The index.
    pub index: Option<u32>,
    /// The concurrency.
    pub concurrency: Option<u32>,
    /// How many warnings in all.
    pub warnings: usize,
}

/// The model's verdict on a payload.
#[derive(Debug)]
pub enum Verdict {
    /// A warm-up, as described.
    WarmUp(Expected),
    /// User traffic.
    NotWarmUp,
    /// The model cannot tell (nesting deeper than `serde_json::Value` parses, a number beyond
    /// f64's range, a lone surrogate escape).
    Unknown,
}

/// Runs `detect` on `payload` and panics if it disagrees with the model; returns what
/// `detect` found.
pub fn check_detect(payload: &[u8], config: &WarmConfig) -> Option<Warmup> {
    let found = detect(payload, config);
    match model(payload, config) {
        Verdict::Unknown => {}
        Verdict::NotWarmUp => assert!(
            found.is_none(),
            "detect found a warm-up the model does not: {found:?} in {:?} (flag key {:?})",
            String::from_utf8_lossy(payload),
            config.get_flag_key()
        ),
        Verdict::WarmUp(expected) => {
            let warmup = found.as_ref().unwrap_or_else(|| {
                panic!(
                    "detect missed a warm-up: {expected:?} in {:?} (flag key {:?})",
                    String::from_utf8_lossy(payload),
                    config.get_flag_key()
                )
            });
            let actual = Expected {
                dialect: warmup.dialect,
                delay: warmup.delay,
                delay_warning: warmup
                    .warnings
                    .iter()
                    .any(|w| w.to_string().starts_with("warm-up field `delay`")),
                hold_until_ms: warmup.hold_until_ms,
                correlation_id: warmup.correlation_id.clone(),
                index: warmup.index,
                concurrency: warmup.concurrency,
                warnings: warmup.warnings.len(),
            };
            assert_eq!(
                actual,
                expected,
                "detect and the model disagree on {:?} (flag key {:?})",
                String::from_utf8_lossy(payload),
                config.get_flag_key()
            );
        }
    }
    found
}

/// The model: parse everything, then read the protocol's fields.
pub fn model(payload: &[u8], config: &WarmConfig) -> Verdict {
    let Ok(text) = std::str::from_utf8(payload) else {
        return Verdict::NotWarmUp;
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        // Deeper than `Value` parses, or, in a field `detect` skips, a number beyond f64 or a
        // lone UTF-16 surrogate escape (JSON's grammar allows both; a Rust `String` or `f64`
        // cannot hold them; `detect` never reads them): only "never panics" is checked.
        Err(e) if unrepresentable(&e, text) => return Verdict::Unknown,
        Err(_) => return Verdict::NotWarmUp,
    };
    if !value.is_object() {
        return Verdict::NotWarmUp;
    }
    // Keys count only as a JSON writer spells them: an escaped spelling is another key. So the
    // model reads the entries as written, and keeps those whose key is written so.
    let mut object = Map::new();
    let mut source_written = None;
    for (written_key, written_value) in entries_as_written(text) {
        let name: String = serde_json::from_str(written_key).expect("a parsed key parses again");
        if written(&name) != written_key {
            continue;
        }
        if name == "source" {
            source_written = Some(written_value);
        }
        let value = serde_json::from_str(written_value).expect("a parsed value parses again");
        object.insert(name, value);
    }
    let key = config.get_flag_key();
    // A field named like the flag key is the flag, whatever else it could mean.
    let field = |name: &str| (name != key).then(|| object.get(name)).flatten();

    let dialect = if object.get(key) == Some(&Value::Bool(true)) {
        // Each package's fan-out children carry its own correlation id spelling alone and no
        // delay; anything else is this protocol's.
        let js = field("__WARMER_CORRELATIONID__").is_some();
        let py = field("__WARMER_CORRELATION_ID__").is_some();
        match (js, py, field("delay").is_some()) {
            (true, false, false) => Dialect::LambdaWarmer,
            (false, true, false) => Dialect::LambdaWarmerPy,
            _ => Dialect::Warm,
        }
    } else if key != "source"
        && source_written == Some(written(SERVERLESS_PLUGIN_WARMUP_SOURCE).as_str())
    {
        Dialect::ServerlessPluginWarmup
    } else {
        return Verdict::NotWarmUp;
    };
    Verdict::WarmUp(read_fields(&object, key, dialect, config))
}

/// A string as a JSON writer spells it, quotes included.
fn written(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The entries of the top-level object in `text` (valid JSON) as written: each key with its
/// quotes and escapes, and its value's text, in order, repeats included.
fn entries_as_written(text: &str) -> Vec<(&str, &str)> {
    let mut entries = Vec::new();
    let mut rest = text.trim_start().strip_prefix('{').expect("an object");
    loop {
        rest = rest.trim_start();
        if rest.starts_with('}') {
            return entries;
        }
        if !entries.is_empty() {
            rest = rest.strip_prefix(',').expect("a comma").trim_start();
        }
        // The key ends at the first quote that no backslash escapes.
        let mut escaped = false;
        let (end, _) = rest
            .char_indices()
            .skip(1)
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .expect("a closing quote");
        let key = &rest[..=end];
        rest = rest[end + 1..]
            .trim_start()
            .strip_prefix(':')
            .expect("a colon")
            .trim_start();
        let len = serde_json::Deserializer::from_str(rest)
            .into_iter::<&RawValue>()
            .next()
            .and_then(Result::ok)
            .expect("a value")
            .get()
            .len();
        entries.push((key, &rest[..len]));
        rest = &rest[len..];
    }
}

/// Errors of valid JSON that `serde_json::Value` cannot represent.
fn unrepresentable(error: &serde_json::Error, text: &str) -> bool {
    let message = error.to_string();
    let lone_surrogate = || {
        let lower = text.to_ascii_lowercase();
        [
            "\\ud8", "\\ud9", "\\uda", "\\udb", "\\udc", "\\udd", "\\ude", "\\udf",
        ]
        .iter()
        .any(|escape| lower.contains(escape))
    };
    message.starts_with("recursion limit exceeded")
        || message.starts_with("number out of range")
        || message.contains("surrogate")
        || (message.contains("hex escape") && lone_surrogate())
}

fn read_fields(
    object: &Map<String, Value>,
    key: &str,
    dialect: Dialect,
    config: &WarmConfig,
) -> Expected {
    let field = |name: &str| (name != key).then(|| object.get(name)).flatten();
    let first = |names: &[&str]| names.iter().find_map(|name| field(name));
    let mut warnings = 0;

    let (delay, delay_warning) = match field("delay") {
        None => (config.get_default_delay(), false),
        Some(Value::Number(n)) if n.as_u64().is_some() => {
            (Duration::from_millis(n.as_u64().unwrap_or(0)), false)
        }
        Some(Value::Number(n)) if n.is_f64() && n.as_f64().is_some_and(|f| f >= 0.0) => {
            // Fractions round down; absurd values saturate (and are capped when answering).
            (
                Duration::from_millis(n.as_f64().unwrap_or(0.0) as u64),
                false,
            )
        }
        Some(_) => (config.get_default_delay(), true),
    };
    warnings += usize::from(delay_warning);

    // An instant: a non-negative number (fractions round down), else one warning.
    let hold_until_ms = match field("hold_until_ms") {
        None => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(Value::Number(n)) if n.is_f64() && n.as_f64().is_some_and(|f| f >= 0.0) => {
            Some(n.as_f64().unwrap_or(0.0) as u64)
        }
        Some(_) => {
            warnings += 1;
            None
        }
    };

    // A schedule ping asking for a fan-out (`concurrency` above 1, no position) warns.
    let positioned = field("index").is_some() || field("__WARMER_INVOCATION__").is_some();
    let fan_out = field("concurrency")
        .and_then(Value::as_u64)
        .is_some_and(|n| n > 1);
    warnings += usize::from(fan_out && !positioned);
    let mut count = |value: Option<&Value>| -> Option<u32> {
        let value = value?;
        let n = value.as_u64().and_then(|n| u32::try_from(n).ok());
        warnings += usize::from(n.is_none());
        n
    };
    let index = count(first(&["index", "__WARMER_INVOCATION__"]));
    let concurrency = count(first(&["__WARMER_CONCURRENCY__", "concurrency"]));

    let correlation_id = match first(&[
        "correlation_id",
        "__WARMER_CORRELATIONID__",
        "__WARMER_CORRELATION_ID__",
    ]) {
        None => None,
        Some(Value::String(s)) if s.len() <= MAX_CORRELATION_ID_LEN => Some(s.clone()),
        Some(Value::Number(n)) if !n.is_f64() => Some(n.to_string()),
        Some(_) => {
            warnings += 1;
            None
        }
    };
    Expected {
        dialect,
        delay,
        delay_warning,
        hold_until_ms,
        correlation_id,
        index,
        concurrency,
        warnings,
    }
}

/// Splits a `detect_custom` fuzz input into its config and payload: one byte `k` (the key
/// length, mod 16), `k` bytes of key (lossy UTF-8), two bytes of default delay in
/// milliseconds (little-endian), then the payload. `None` when the input is too short.
pub fn split_custom(data: &[u8]) -> Option<(WarmConfig, &[u8])> {
    let (&k, rest) = data.split_first()?;
    let k = usize::from(k % 16).min(rest.len());
    let (key, rest) = rest.split_at(k);
    let (delay, payload) = rest.split_first_chunk::<2>()?;
    let config = WarmConfig::new()
        .flag_key(String::from_utf8_lossy(key))
        .default_delay(Duration::from_millis(u16::from_le_bytes(*delay).into()));
    Some((config, payload))
}

/// Checks the request type a warmer sends against `detect`: any `WarmupRequest` that parses
/// from `payload` must serialize back to a payload `detect` reads field for field.
pub fn check_warmup_request(payload: &[u8]) {
    let Ok(request) = serde_json::from_slice::<WarmupRequest>(payload) else {
        return;
    };
    let bytes = serde_json::to_vec(&request).expect("a WarmupRequest serializes");
    let again: WarmupRequest =
        serde_json::from_slice(&bytes).expect("a serialized WarmupRequest parses");
    // The protocol's fields survive the round trip exactly (extra fields may not: serde_json
    // reads floats back to the nearest representable value, not always the same bits).
    let fields = |r: &WarmupRequest| {
        (
            r.warmer,
            r.delay,
            r.correlation_id.clone(),
            r.index,
            r.concurrency,
        )
    };
    assert_eq!(
        fields(&again),
        fields(&request),
        "round trip changed {}",
        String::from_utf8_lossy(&bytes)
    );

    let config = WarmConfig::default();
    let found = check_detect(&bytes, &config);
    if !request.warmer {
        assert!(
            found.is_none(),
            "`warmer: false` was taken for a warm-up: {found:?}"
        );
        return;
    }
    let warmup = found.unwrap_or_else(|| {
        panic!(
            "a warm-up request was not detected: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    let delay = request
        .delay
        .map_or(config.get_default_delay(), Duration::from_millis);
    assert_eq!(warmup.delay, delay);
    assert_eq!(warmup.hold_until_ms, request.hold_until_ms);
    if !request.extra.keys().any(|k| k.starts_with("__WARMER_")) {
        assert_eq!(warmup.dialect, Dialect::Warm);
        assert_eq!(warmup.index, request.index);
        assert_eq!(warmup.concurrency, request.concurrency);
        let id = request
            .correlation_id
            .filter(|id| id.len() <= MAX_CORRELATION_ID_LEN);
        assert_eq!(warmup.correlation_id, id);
    }
}
