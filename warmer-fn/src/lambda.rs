//! The warmer Lambda: a scheduled function that warms its targets and returns the report.
//!
//! It accepts three event shapes:
//!
//! - the classic warmer's `{"functionName": "orders", "concurrency": 50, "delay": 300}`
//!   (`delay` and `qualifier` optional; `delay` defaults to `auto`);
//! - `{"targets": [...]}` with the full [`Target`] shape;
//! - an empty event (`{}`, `null`, or an EventBridge `Scheduled Event` with no input): the
//!   targets come from the `WARMER_CONFIG` environment variable, a JSON array of targets or
//!   `{"targets": [...]}`.
//!
//! `{"targets": [...]}` (and `WARMER_CONFIG` in that shape) may carry `max_share`, and the
//! classic event `maxShare` (it is camelCase throughout), the run's share for the concurrency guard ([`crate::engine::guard`]). Every
//! shape is checked by [`crate::rules::check_targets`], the rules every entry path uses.
//!
//! Anything else is refused with an error naming the field, and the refusal is logged too
//! (asynchronous invokes discard the return value). The run is bounded by the invocation's own
//! deadline minus a reserve, so the report always comes back. Each run writes, per target, one
//! log line with the whole report ([`crate::logging`], following Lambda's log settings) and one
//! EMF line to stdout (namespace `WARMER_METRICS_NAMESPACE`, default `Warmer`).
//! `WARMER_ENDPOINT_URL` points the client elsewhere (e.g. a local Lambda service).
//!
//! ```
//! use warmer_fn::lambda::targets_from_event;
//!
//! let event = serde_json::json!({"functionName": "orders", "concurrency": 5, "delay": 300});
//! let targets = targets_from_event(&event, None).unwrap();
//! assert_eq!(targets[0].function, "orders");
//! assert_eq!(targets[0].concurrency, 5);
//!
//! let err = targets_from_event(&serde_json::json!({"fn": "orders"}), None).unwrap_err();
//! assert!(err.to_string().contains("`fn`"));
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Deserialize;
use serde_json::Value;

use crate::engine::{
    ArrivalMemory, ClientOptions, DEFAULT_METRICS_NAMESPACE, RunOptions, ShardRequest, ShardVia,
    client, warm, warm_shard,
};
use crate::rules::{self, Problem};
use crate::target::{Delay, Mode, Target};

/// The environment variable holding the targets used for an empty event.
pub const CONFIG_ENV: &str = "WARMER_CONFIG";
/// The environment variable that overrides the Lambda endpoint.
pub const ENDPOINT_ENV: &str = "WARMER_ENDPOINT_URL";
/// The environment variable naming the EMF namespace.
pub const NAMESPACE_ENV: &str = "WARMER_METRICS_NAMESPACE";

/// Why an event could not be turned into targets.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// A field this function does not know.
    #[error(
        "unknown field `{0}` in the warmer event: send {{\"targets\": [...]}}, the classic \
         {{\"functionName\": ..., \"concurrency\": N, \"delay\": MS}}, or an empty event to use {CONFIG_ENV}"
    )]
    UnknownField(String),
    /// The event is not a JSON object.
    #[error("the warmer event must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// A known shape with a bad value.
    #[error("bad warmer event: {0}")]
    Invalid(String),
    /// An empty event with no `WARMER_CONFIG`.
    #[error(
        "the event is empty and {CONFIG_ENV} is not set: send {{\"targets\": [...]}} or set {CONFIG_ENV} to a JSON list of targets"
    )]
    NoConfig,
    /// `WARMER_CONFIG` is not valid.
    #[error("{CONFIG_ENV} is not a valid target list: {0}")]
    BadConfig(String),
    /// The targets break the rules every entry path checks ([`crate::rules`]).
    #[error("bad warmer event: {}", rules::describe(.0))]
    Rules(Vec<Problem>),
    /// The targets in `WARMER_CONFIG` break those rules.
    #[error("{CONFIG_ENV} is not a valid target list: {}", rules::describe(.0))]
    ConfigRules(Vec<Problem>),
}

impl From<EventError> for lambda_runtime::Diagnostic {
    fn from(error: EventError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: "InvalidWarmerEvent".into(),
            error_message: error.to_string(),
        }
    }
}

/// The classic warmer's event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Classic {
    function_name: String,
    #[serde(default = "one")]
    concurrency: u32,
    #[serde(default)]
    delay: Delay,
    #[serde(default)]
    qualifier: Option<String>,
    #[serde(default)]
    max_share: Option<f64>,
}

fn one() -> u32 {
    1
}

/// `{"targets": [...], "max_share": 0.8, "shard_size": 800}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetList {
    targets: Vec<Target>,
    #[serde(default)]
    max_share: Option<f64>,
    #[serde(default)]
    shard_size: Option<u32>,
}

/// What one invocation is asked to do: the targets, and the run's `max_share` when the event
/// (or `WARMER_CONFIG`) sets one.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmRequest {
    /// The targets, checked by [`crate::rules::check_targets`].
    pub targets: Vec<Target>,
    /// The share of each function's available concurrency a warm-up may hold, for targets
    /// without their own (see [`crate::engine::guard`]); the engine's default when `None`.
    pub max_share: Option<f64>,
    /// The most warm-ups one copy of the warmer sends for a target (see
    /// [`crate::engine::shard`]); [`crate::rules::DEFAULT_SHARD_SIZE`] when `None`.
    pub shard_size: Option<u32>,
}

/// What one invocation of the warmer Lambda is: a run over targets, or one shard of a
/// coordinator's run.
///
/// ```
/// use warmer_fn::lambda::{Invocation, invocation_from_event};
/// let event = serde_json::json!({"targets": [{"function": "a", "concurrency": 2000}], "shard_size": 500});
/// let Invocation::Run(run) = invocation_from_event(&event, None).unwrap() else { panic!() };
/// assert_eq!(run.shard_size, Some(500));
/// let err = invocation_from_event(&serde_json::json!({"shard": {"target": 1}}), None).unwrap_err();
/// assert!(err.to_string().contains("`shard`"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// Warm these targets (sharding those above the shard size).
    Run(WarmRequest),
    /// Warm one shard for the coordinator named in it, and answer with what it reached.
    Shard(Box<ShardRequest>),
}

/// Reads an event: `{"shard": {...}}` is a shard of a coordinator's run (and nothing else may
/// sit beside it); anything else is read by [`request_from_event`].
pub fn invocation_from_event(
    event: &Value,
    config: Option<&str>,
) -> Result<Invocation, EventError> {
    let Some(shard) = event.get("shard") else {
        return request_from_event(event, config).map(Invocation::Run);
    };
    if let Some(other) = event
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "shard"))
    {
        return Err(EventError::Invalid(format!(
            "`{other}` beside `shard`: a shard event holds only `shard`"
        )));
    }
    let request: ShardRequest = serde_json::from_value(shard.clone())
        .map_err(|e| EventError::Invalid(format!("{e} (in `shard`)")))?;
    Ok(Invocation::Shard(Box::new(request)))
}

/// Turns an event into targets; `config` is the value of `WARMER_CONFIG`, used for an empty
/// event.
///
/// ```
/// use warmer_fn::lambda::targets_from_event;
/// let config = r#"[{"function": "orders", "concurrency": 3}]"#;
/// let targets = targets_from_event(&serde_json::json!({}), Some(config)).unwrap();
/// assert_eq!(targets.len(), 1);
/// ```
pub fn targets_from_event(event: &Value, config: Option<&str>) -> Result<Vec<Target>, EventError> {
    request_from_event(event, config).map(|r| r.targets)
}

/// Turns an event into targets and the run's `max_share`; `config` is the value of
/// `WARMER_CONFIG`, used for an empty event. Both paths check the targets with
/// [`crate::rules::check_targets`].
///
/// ```
/// use warmer_fn::lambda::request_from_event;
/// let event = serde_json::json!({"targets": [{"function": "a", "concurrency": 2}], "max_share": 0.5});
/// assert_eq!(request_from_event(&event, None).unwrap().max_share, Some(0.5));
/// let err = request_from_event(&serde_json::json!({"functionName": "a", "concurrency": 100000000}), None)
///     .unwrap_err();
/// assert!(err.to_string().contains("`targets[0].concurrency` is 100000000"), "{err}");
/// ```
pub fn request_from_event(event: &Value, config: Option<&str>) -> Result<WarmRequest, EventError> {
    let object = match event {
        Value::Null => return targets_from_config(config),
        Value::Object(object) => object,
        Value::Array(_) => return Err(EventError::NotAnObject("an array")),
        Value::String(_) => return Err(EventError::NotAnObject("a string")),
        Value::Number(_) => return Err(EventError::NotAnObject("a number")),
        Value::Bool(_) => return Err(EventError::NotAnObject("a boolean")),
    };
    let scheduled = object.get("source").and_then(Value::as_str) == Some("aws.events")
        && object.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event");
    if object.is_empty() || scheduled {
        return targets_from_config(config);
    }
    let (targets, max_share, shard_size) = if object.contains_key("targets") {
        let list = serde_json::from_value::<TargetList>(event.clone())
            .map_err(|e| EventError::Invalid(format!("{e} (in `targets`)")))?;
        (list.targets, list.max_share, list.shard_size)
    } else if object.contains_key("functionName") {
        let classic: Classic = serde_json::from_value(event.clone()).map_err(|e| {
            EventError::Invalid(format!(
                "{e} (classic event: functionName, concurrency, delay, qualifier)"
            ))
        })?;
        let target = Target {
            function: classic.function_name,
            qualifier: classic.qualifier,
            concurrency: classic.concurrency,
            delay: classic.delay,
            mode: Mode::Verify,
            payload: Default::default(),
            max_share: None,
            strategy: Default::default(),
        };
        (vec![target], classic.max_share, None)
    } else {
        let field = object.keys().next().cloned().unwrap_or_default();
        return Err(EventError::UnknownField(field));
    };
    let request = WarmRequest {
        targets,
        max_share,
        shard_size,
    };
    check(&request).map_err(EventError::Rules)?;
    Ok(request)
}

fn targets_from_config(config: Option<&str>) -> Result<WarmRequest, EventError> {
    let text = config
        .filter(|c| !c.trim().is_empty())
        .ok_or(EventError::NoConfig)?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| EventError::BadConfig(e.to_string()))?;
    let request = match value {
        Value::Array(_) => {
            serde_json::from_value::<Vec<Target>>(value).map(|targets| WarmRequest {
                targets,
                max_share: None,
                shard_size: None,
            })
        }
        _ => serde_json::from_value::<TargetList>(value).map(|l| WarmRequest {
            targets: l.targets,
            max_share: l.max_share,
            shard_size: l.shard_size,
        }),
    }
    .map_err(|e| EventError::BadConfig(e.to_string()))?;
    check(&request).map_err(EventError::ConfigRules)?;
    Ok(request)
}

/// The same rules as every other entry path, plus the run's `max_share`.
fn check(request: &WarmRequest) -> Result<(), Vec<Problem>> {
    let mut problems = rules::check_targets(&request.targets, "targets")
        .err()
        .unwrap_or_default();
    if let Some(share) = request.max_share {
        problems.extend(rules::check_share(share, "max_share"));
    }
    if let Some(size) = request.shard_size {
        problems.extend(rules::check_shard_size(size, "shard_size"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The deadline the engine works to: the invocation's deadline minus a reserve (a tenth of the
/// time left, at least 500 ms) so the report is returned in time.
///
/// ```
/// use std::time::{Duration, Instant, SystemTime};
/// let now = Instant::now();
/// let deadline = warmer_fn::lambda::run_deadline(SystemTime::now() + Duration::from_secs(10), now);
/// let left = deadline - now;
/// assert!(left <= Duration::from_secs(9) && left > Duration::from_secs(8));
/// ```
pub fn run_deadline(invocation_deadline: SystemTime, now: Instant) -> Instant {
    let left = invocation_deadline
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    let reserve = (left / 10).max(Duration::from_millis(500));
    now + left.saturating_sub(reserve)
}

/// Runs the warmer Lambda: reads the environment, builds one client, and serves invocations.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    crate::logging::init();
    let client = client(&ClientOptions {
        endpoint_url: std::env::var(ENDPOINT_ENV).ok().filter(|u| !u.is_empty()),
        region: None,
    })
    .await;
    let namespace =
        std::env::var(NAMESPACE_ENV).unwrap_or_else(|_| DEFAULT_METRICS_NAMESPACE.to_owned());
    let config = std::env::var(CONFIG_ENV).ok();
    // Kept for the life of this environment: the next scheduled run of a target holds at least
    // as long as the last one's arrivals took.
    let memory = Arc::new(ArrivalMemory::default());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let client = client.clone();
        let memory = memory.clone();
        let namespace = namespace.clone();
        let config = config.clone();
        async move {
            // Asynchronous invokes (EventBridge Scheduler) discard the return value, so a
            // refused event is logged too.
            let invocation = invocation_from_event(&event.payload, config.as_deref())
                .inspect_err(|e| tracing::error!(error = %e, "warmer event refused"))?;
            let deadline = run_deadline(event.context.deadline(), Instant::now());
            let defaults = RunOptions::default();
            let request = match invocation {
                Invocation::Shard(shard) => {
                    let answer =
                        warm_shard(&client, &shard, Some(deadline), defaults.invoke_grace).await;
                    crate::logging::log_shard(&shard, &answer);
                    return Ok(serde_json::to_value(answer).unwrap_or_default());
                }
                Invocation::Run(request) => request,
            };
            // Copies of this very function (its name and the version it runs) warm the
            // shards of a large target.
            let env = &event.context.env_config;
            let mut via = ShardVia::new(env.function_name.clone(), Some(env.version.clone()));
            if let Some(size) = request.shard_size {
                via.shard_size = size;
            }
            let options = RunOptions {
                deadline: Some(deadline),
                metrics_namespace: namespace.clone(),
                max_share: request.max_share.unwrap_or(defaults.max_share),
                memory: Some(memory),
                shards: (!env.function_name.is_empty()).then_some(via),
                ..defaults
            };
            let report = warm(&client, &request.targets, &options).await;
            crate::logging::log_report(&report);
            for line in report.emf_lines(&namespace) {
                println!("{line}");
            }
            Ok::<_, EventError>(serde_json::to_value(report).unwrap_or_default())
        }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classic_event_becomes_one_verify_target() {
        let targets = targets_from_event(
            &json!({"functionName": "orders", "concurrency": 4, "delay": 75}),
            None,
        )
        .unwrap();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].delay, Delay::Fixed(75));
        assert_eq!(targets[0].mode, Mode::Verify);
    }

    #[test]
    fn classic_event_without_delay_uses_auto() {
        let targets = targets_from_event(&json!({"functionName": "orders"}), None).unwrap();
        assert_eq!((targets[0].concurrency, targets[0].delay), (1, Delay::Auto));
    }

    #[test]
    fn targets_event_takes_the_full_shape() {
        let event = json!({"targets": [
            {"function": "a", "concurrency": 2, "mode": "event"},
            {"function": "b", "qualifier": "live", "concurrency": 3, "delay": 200}
        ]});
        let targets = targets_from_event(&event, None).unwrap();
        assert_eq!(targets[1].display_name(), "b:live");
        assert_eq!(targets[0].mode, Mode::Event);
    }

    #[test]
    fn empty_event_and_scheduled_event_read_warmer_config() {
        let config = r#"{"targets": [{"function": "a", "concurrency": 2}]}"#;
        for event in [
            json!({}),
            Value::Null,
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}),
        ] {
            let targets = targets_from_event(&event, Some(config)).unwrap();
            assert_eq!(targets[0].function, "a");
        }
    }

    #[test]
    fn empty_event_without_config_says_how_to_fix_it() {
        let err = targets_from_event(&json!({}), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("WARMER_CONFIG"), "{err}");
    }

    #[test]
    fn unknown_shapes_name_the_field() {
        let err = targets_from_event(&json!({"function_name": "a"}), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`function_name`"), "{err}");
        let err = targets_from_event(&json!({"functionName": "a", "concurency": 3}), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("concurency"), "{err}");
        let err = targets_from_event(
            &json!({"targets": [{"function": "a", "concurrency": 0}]}),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("concurrency"), "{err}");
        assert!(targets_from_event(&json!([1]), None).is_err());
    }

    #[test]
    fn a_shard_event_is_read_whole_and_alone() {
        let shard = json!({
            "target": {"function": "f", "concurrency": 500},
            "total": 2000, "first_index": 501, "correlation_id": "c",
            "hold_until_ms": 1, "deadline_ms": 2, "round": 1, "shard": 2, "shards": 4
        });
        let Invocation::Shard(request) =
            invocation_from_event(&json!({ "shard": shard }), None).unwrap()
        else {
            panic!("not a shard");
        };
        assert_eq!(
            (request.first_index, request.target.concurrency),
            (501, 500)
        );
        // Anything beside it, or a field it does not know, is refused by name.
        let err = invocation_from_event(&json!({"shard": shard, "max_share": 1}), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`max_share` beside `shard`"), "{err}");
        let mut unknown = shard.clone();
        unknown["guard"] = json!(false);
        let err = invocation_from_event(&json!({ "shard": unknown }), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("guard") && err.contains("`shard`"), "{err}");
    }

    #[test]
    fn shard_size_is_read_from_the_event_and_the_config_and_checked() {
        let config = r#"{"targets": [{"function": "a", "concurrency": 2}], "shard_size": 300}"#;
        assert_eq!(
            request_from_event(&json!({}), Some(config))
                .unwrap()
                .shard_size,
            Some(300)
        );
        let err = request_from_event(
            &json!({"targets": [{"function": "a", "concurrency": 2}], "shard_size": 901}),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`shard_size` is 901"), "{err}");
    }

    #[test]
    fn bad_warmer_config_is_reported_as_such() {
        let err = targets_from_event(&json!({}), Some("{not json"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("WARMER_CONFIG"), "{err}");
    }
}
