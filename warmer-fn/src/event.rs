//! The warmer Lambda's events, one wire type each: [`WarmRequest`] (`{"targets": [...]}`, also
//! what `WARMER_CONFIG`, the rendered schedules and `warmer warm --via` send), the classic
//! warmer's [`ClassicEvent`], and the coordinator's [`crate::engine::ShardEvent`]. Each field
//! has one spelling: the `{"targets"}` shape is snake_case (`max_share`, `shard_size`), the
//! classic one camelCase (`functionName`, `maxShare`) as the classic warmer sends it; the
//! other spelling is refused with a message naming the right one.
//!
//! ```
//! use warmer_fn::event::request_from_event;
//!
//! let err = request_from_event(&serde_json::json!({"functionName": "a", "max_share": 0.5}), None)
//!     .unwrap_err();
//! assert!(err.to_string().contains("`maxShare`"), "{err}");
//! let err = request_from_event(
//!     &serde_json::json!({"targets": [{"function": "a", "concurrency": 1}], "maxShare": 0.5}), None)
//!     .unwrap_err();
//! assert!(err.to_string().contains("`max_share`"), "{err}");
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::{ShardEvent, ShardRequest};
use crate::rules::{self, Problem};
use crate::target::{Delay, Mode, Target};

/// The environment variable holding the targets used for an empty event.
pub const CONFIG_ENV: &str = "WARMER_CONFIG";

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
    /// A field spelled the other shape's way.
    #[error("`{wrong}` is not a field of this warmer event: {right}")]
    Spelling {
        /// The field as sent.
        wrong: &'static str,
        /// The spelling this shape takes.
        right: &'static str,
    },
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
    /// The event asks for more than the warmer's brief (`WARMER_CONFIG`) allows
    /// ([`crate::brief`]).
    #[error("the event asks for more than this warmer's brief ({CONFIG_ENV}) allows: {}", rules::describe(.0))]
    Brief(Vec<Problem>),
    /// The targets in `WARMER_CONFIG` break those rules.
    #[error("{CONFIG_ENV} is not a valid target list: {}", rules::describe(.0))]
    ConfigRules(Vec<Problem>),
}

impl From<EventError> for lambda_runtime::Diagnostic {
    fn from(error: EventError) -> Self {
        let error_type = match &error {
            EventError::Brief(_) => "OutsideWarmerBrief",
            _ => "InvalidWarmerEvent",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}

/// The classic warmer's event: `{"functionName": "orders", "concurrency": 50, "delay": 300}`,
/// camelCase as the classic warmer sends it (`maxShare` for the run's share).
///
/// ```
/// let event: warmer_fn::event::ClassicEvent =
///     serde_json::from_str(r#"{"functionName": "orders", "maxShare": 0.5}"#).unwrap();
/// assert_eq!((event.concurrency, event.max_share), (1, Some(0.5)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClassicEvent {
    /// The function's name or ARN.
    pub function_name: String,
    /// N (default 1).
    #[serde(default = "one")]
    pub concurrency: u32,
    /// The hold: milliseconds or `auto` (the default).
    #[serde(default)]
    pub delay: Delay,
    /// An alias or version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// The run's share for the concurrency guard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_share: Option<f64>,
}

/// Spellings of the other shape, and the one each shape takes instead.
const CLASSIC_SPELLINGS: [(&str, &str); 5] = [
    ("max_share", "the classic event spells it `maxShare`"),
    (
        "function_name",
        "the classic event spells it `functionName`",
    ),
    ("function", "the classic event spells it `functionName`"),
    (
        "shard_size",
        "the classic event has no shard size: send {\"targets\": [...], \"shard_size\": N}",
    ),
    (
        "shardSize",
        "the classic event has no shard size: send {\"targets\": [...], \"shard_size\": N}",
    ),
];
const TARGETS_SPELLINGS: [(&str, &str); 3] = [
    ("maxShare", "the {\"targets\"} event spells it `max_share`"),
    (
        "shardSize",
        "the {\"targets\"} event spells it `shard_size`",
    ),
    (
        "functionName",
        "the {\"targets\"} event names functions inside `targets`, each as `function`",
    ),
];

/// A field spelled the other shape's way, with the spelling this shape takes.
fn misspelled<'a>(
    object: &serde_json::Map<String, Value>,
    spellings: &[(&'a str, &'a str)],
) -> Option<(&'a str, &'a str)> {
    spellings
        .iter()
        .copied()
        .find(|(wrong, _)| object.contains_key(*wrong))
}

fn one() -> u32 {
    1
}

/// What one invocation is asked to do: `{"targets": [...], "max_share": 0.8, "shard_size":
/// 800}`, the wire type of the warmer's event, of `WARMER_CONFIG`, of the rendered schedules'
/// input and of `warmer warm --via`.
///
/// ```
/// use warmer_fn::event::WarmRequest;
/// use warmer_fn::target::Target;
/// let request = WarmRequest { targets: vec![Target::new("orders", 3)], max_share: None, shard_size: Some(500) };
/// let json = serde_json::to_string(&request).unwrap();
/// assert_eq!(json, r#"{"targets":[{"function":"orders","concurrency":3,"delay":"auto","mode":"verify"}],"shard_size":500}"#);
/// assert_eq!(serde_json::from_str::<WarmRequest>(&json).unwrap(), request);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmRequest {
    /// The targets, checked by [`crate::rules::check_targets`].
    pub targets: Vec<Target>,
    /// The share of each function's available concurrency a warm-up may hold, for targets
    /// without their own (see [`crate::engine::guard`]); the engine's default when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_share: Option<f64>,
    /// The most warm-ups one copy of the warmer sends for a target (see
    /// [`crate::engine::shard`]); [`crate::rules::DEFAULT_SHARD_SIZE`] when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    if event.get("shard").is_none() {
        return request_from_event(event, config).map(Invocation::Run);
    }
    if let Some(other) = event
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "shard"))
    {
        return Err(EventError::Invalid(format!(
            "`{other}` beside `shard`: a shard event holds only `shard`"
        )));
    }
    let ShardEvent { shard } = ShardEvent::deserialize(event)
        .map_err(|e| EventError::Invalid(format!("{e} (in `shard`)")))?;
    Ok(Invocation::Shard(Box::new(shard)))
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
    let request = if object.contains_key("targets") {
        if let Some((wrong, right)) = misspelled(object, &TARGETS_SPELLINGS) {
            return Err(EventError::Spelling { wrong, right });
        }
        WarmRequest::deserialize(event)
            .map_err(|e| EventError::Invalid(format!("{e} (in `targets`)")))?
    } else if object.contains_key("functionName") {
        if let Some((wrong, right)) = misspelled(object, &CLASSIC_SPELLINGS) {
            return Err(EventError::Spelling { wrong, right });
        }
        let classic = ClassicEvent::deserialize(event).map_err(|e| {
            EventError::Invalid(format!(
                "{e} (classic event: functionName, concurrency, delay, qualifier, maxShare)"
            ))
        })?;
        let target = Target {
            function: classic.function_name,
            qualifier: classic.qualifier,
            concurrency: classic.concurrency,
            auto: None,
            delay: classic.delay,
            mode: Mode::Verify,
            payload: Default::default(),
            max_share: None,
            strategy: Default::default(),
        };
        WarmRequest {
            targets: vec![target],
            max_share: classic.max_share,
            shard_size: None,
        }
    } else {
        let field = object.keys().next().cloned().unwrap_or_default();
        return Err(EventError::UnknownField(field));
    };
    check(&request).map_err(EventError::Rules)?;
    Ok(request)
}

/// The warmer's brief: `WARMER_CONFIG` read as a [`WarmRequest`] and checked; `Ok(None)` when
/// it is not set.
///
/// ```
/// use warmer_fn::event::brief_from_config;
/// assert_eq!(brief_from_config(None).unwrap(), None);
/// let brief = brief_from_config(Some(r#"[{"function": "orders", "concurrency": 3}]"#)).unwrap();
/// assert_eq!(brief.unwrap().targets[0].concurrency, 3);
/// assert!(brief_from_config(Some("{oops")).is_err());
/// ```
pub fn brief_from_config(config: Option<&str>) -> Result<Option<WarmRequest>, EventError> {
    match config.filter(|c| !c.trim().is_empty()) {
        None => Ok(None),
        Some(text) => targets_from_config(Some(text)).map(Some),
    }
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
        _ => serde_json::from_value::<WarmRequest>(value),
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
