//! The shared protocol corpus (`tests/corpus/*.json`), run against this crate.
//!
//! warm-sdk-python and warm-sdk-node run the same files, so a rule changed here (and in the
//! corpus) fails their suites until they follow, and the other way round.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use warm_sdk::answer::{WARMUP_LOG_MESSAGE, hold_for};
use warm_sdk::environment::{InitType, Invocation};
use warm_sdk::protocol::WarmupResponse;
use warm_sdk::{Dialect, WarmConfig, Warmup, WarmupWarning, detect};

fn corpus(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cases(file: &Value) -> &Vec<Value> {
    file["cases"].as_array().expect("a `cases` array")
}

fn millis(value: &Value) -> Option<Duration> {
    value.as_u64().map(Duration::from_millis)
}

/// The case's `config`, applied to the defaults.
fn config_of(case: &Value) -> WarmConfig {
    let given = &case["config"];
    let mut config = WarmConfig::new();
    if let Some(key) = given["flag_key"].as_str() {
        config = config.flag_key(key);
    }
    if let Some(delay) = millis(&given["default_delay_ms"]) {
        config = config.default_delay(delay);
    }
    if let Some(delay) = millis(&given["max_delay_ms"]) {
        config = config.max_delay(delay);
    }
    if let Some(margin) = millis(&given["deadline_margin_ms"]) {
        config = config.deadline_margin(margin);
    }
    config
}

fn warning_json(warning: &WarmupWarning) -> Value {
    match warning {
        WarmupWarning::InvalidDelay { .. } => json!({"kind": "invalid_delay"}),
        WarmupWarning::InvalidField { field, .. } => {
            json!({"kind": "invalid_field", "field": field})
        }
        WarmupWarning::FanOutNotDone { requested } => {
            json!({"kind": "fan_out_not_done", "requested": requested})
        }
        other => json!({"kind": format!("{other:?}")}),
    }
}

/// A warm-up as the corpus writes it.
fn warmup_json(warmup: &Warmup) -> Value {
    json!({
        "dialect": warmup.dialect.as_str(),
        "delay_ms": u64::try_from(warmup.delay.as_millis()).unwrap_or(u64::MAX),
        "hold_until_ms": warmup.hold_until_ms,
        "correlation_id": warmup.correlation_id,
        "index": warmup.index,
        "concurrency": warmup.concurrency,
        "fan_out": warmup.fan_out,
        "warnings": warmup.warnings.iter().map(warning_json).collect::<Vec<_>>(),
    })
}

#[test]
fn every_detection_case_of_the_corpus_holds() {
    let file = corpus("detect.json");
    let mut failures = Vec::new();
    for case in cases(&file) {
        let payload = case["payload"].as_str().expect("a `payload` string");
        let found = detect(payload.as_bytes(), &config_of(case));
        let found = found.as_ref().map_or(Value::Null, warmup_json);
        if found != case["expect"] {
            failures.push(format!(
                "{}: {payload}\n  expected {}\n  found    {found}",
                case["name"], case["expect"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases(&file).len() >= 80, "the corpus lost cases");
}

#[test]
fn every_hold_case_of_the_corpus_holds() {
    let file = corpus("hold.json");
    let mut failures = Vec::new();
    for case in cases(&file) {
        let config = config_of(case);
        let payload = case["payload"].as_str().expect("a `payload` string");
        let warmup = detect(payload.as_bytes(), &config).expect("a hold case is a warm-up");
        let at = |key: &str| UNIX_EPOCH + millis(&case[key]).expect("a time in ms");
        let held = hold_for(&warmup, &config, at("deadline_ms"), at("now_ms"));
        if Some(held) != millis(&case["hold_ms"]) {
            failures.push(format!(
                "{}: held {held:?}, corpus says {}",
                case["name"], case["hold_ms"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_corpus_constants_are_this_crates() {
    use warm_sdk::config::DEFAULT_DEADLINE_MARGIN_MS;
    use warm_sdk::detect::{MAX_CORRELATION_ID_LEN, SERVERLESS_PLUGIN_WARMUP_SOURCE};
    use warm_sdk::fallback_log::LOG_FORMAT_ENV;
    use warm_sdk::protocol::{DEFAULT_DELAY_MS, DEFAULT_FLAG_KEY, DEFAULT_MAX_DELAY_MS};
    let p = corpus("protocol.json");
    assert_eq!(p["flag_key"], DEFAULT_FLAG_KEY);
    assert_eq!(p["default_delay_ms"], DEFAULT_DELAY_MS);
    assert_eq!(p["max_delay_ms"], DEFAULT_MAX_DELAY_MS);
    assert_eq!(p["deadline_margin_ms"], DEFAULT_DEADLINE_MARGIN_MS);
    assert_eq!(p["max_correlation_id_len"], MAX_CORRELATION_ID_LEN);
    assert_eq!(
        p["serverless_plugin_warmup_source"],
        SERVERLESS_PLUGIN_WARMUP_SOURCE
    );
    assert_eq!(p["log"]["message"], WARMUP_LOG_MESSAGE);
    assert_eq!(p["log"]["format_env"], LOG_FORMAT_ENV);
    let dialects = [
        Dialect::Warm,
        Dialect::LambdaWarmer,
        Dialect::LambdaWarmerPy,
        Dialect::ServerlessPluginWarmup,
    ];
    assert_eq!(p["dialects"], json!(dialects.map(Dialect::as_str)));
    let init_types = [
        InitType::OnDemand,
        InitType::ProvisionedConcurrency,
        InitType::SnapStart,
        InitType::LambdaManagedInstances,
    ];
    assert_eq!(p["init_types"], json!(init_types.map(InitType::as_str)));
    let cold: Vec<_> = init_types
        .into_iter()
        .filter(|t| t.first_invocation_is_cold())
        .map(InitType::as_str)
        .collect();
    assert_eq!(p["cold_init_types"], json!(cold));
}

fn keys(value: Value) -> Vec<String> {
    let Value::Object(map) = value else {
        panic!("an object")
    };
    map.into_iter().map(|(k, _)| k).collect()
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = serde_json::from_value(list.clone()).expect("a list of names");
    names.sort();
    names
}

#[test]
fn the_corpus_answer_shape_is_this_crates() {
    let p = corpus("protocol.json");
    let bare = WarmupResponse {
        warmed: true,
        function: "f".into(),
        version: "$LATEST".into(),
        log_stream: "s".into(),
        instance: "0123456789abcdef".into(),
        cold: true,
        invocations: 1,
        delay_ms: 0,
        correlation_id: None,
        index: None,
        max_concurrency: None,
        concurrent_warm_ups: None,
        init_type: None,
        fan_out_requested: None,
        received_at_ms: None,
    };
    let mut bare_keys = keys(serde_json::to_value(&bare).unwrap());
    bare_keys.sort();
    assert_eq!(bare_keys, names(&p["response"]["always"]));
    let full = WarmupResponse {
        correlation_id: Some("c".into()),
        index: Some(1),
        max_concurrency: Some(2),
        concurrent_warm_ups: Some(2),
        init_type: Some("on-demand".into()),
        fan_out_requested: Some(3),
        received_at_ms: Some(1),
        ..bare
    };
    let mut optional: Vec<String> = keys(serde_json::to_value(&full).unwrap())
        .into_iter()
        .filter(|k| !bare_keys.contains(k))
        .collect();
    optional.sort();
    assert_eq!(optional, names(&p["response"]["optional"]));
}

/// Records the field names of the warm-up's INFO event.
struct FieldNames(std::sync::Mutex<Vec<String>>);

impl tracing::Subscriber for FieldNames {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::INFO {
            let fields = event
                .metadata()
                .fields()
                .iter()
                .map(|f| f.name().to_owned());
            *self.0.lock().unwrap() = fields.filter(|f| f != "message").collect();
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn the_corpus_log_fields_are_this_crates() {
    let p = corpus("protocol.json");
    let recorder = std::sync::Arc::new(FieldNames(std::sync::Mutex::new(Vec::new())));
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let config = WarmConfig::new();
    let warmup = detect(br#"{"warmer": true, "delay": 0}"#, &config).unwrap();
    let mut context = lambda_runtime::Context::default();
    context.request_id = "corpus".into();
    context.deadline = u64::try_from(
        (SystemTime::now() + Duration::from_secs(5))
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let invocation = Invocation {
        number: 1,
        cold: true,
    };
    warm_sdk::answer(&warmup, invocation, &context, &config).await;
    let expected: Vec<String> = serde_json::from_value(p["log"]["fields"].clone()).unwrap();
    assert_eq!(*recorder.0.lock().unwrap(), expected);
}
