//! What to warm: one function (name or ARN, optional qualifier), how many environments, how.
//!
//! The same shape is used by the engine, the warmer Lambda's `{"targets": [...]}` event, the
//! `WARMER_CONFIG` variable and `warmer.toml`.
//!
//! ```
//! use warmer_fn::target::{Delay, Mode, Target};
//!
//! let target: Target = serde_json::from_str(
//!     r#"{"function": "orders", "qualifier": "live", "concurrency": 50}"#,
//! ).unwrap();
//! assert_eq!(target.delay, Delay::Auto);
//! assert_eq!(target.mode, Mode::Verify);
//!
//! let fixed: Target = serde_json::from_str(
//!     r#"{"function": "orders", "concurrency": 5, "delay": 300, "mode": "event"}"#,
//! ).unwrap();
//! assert_eq!(fixed.delay, Delay::Fixed(300));
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::autopilot::AutoRule;

/// One function to warm.
///
/// On the wire `concurrency` is a number (N) or `"auto"`, with an optional `auto` table
/// ([`AutoRule`]); see [`crate::autopilot`]. In Rust an `auto` target has `auto` set and
/// `concurrency` = its `auto.max`, the most it may warm (what the brief, the guard's sizing and
/// the cost read); the engine replaces it by the N chosen at each run.
///
/// ```
/// use warmer_fn::target::Target;
///
/// let auto: Target = serde_json::from_str(
///     r#"{"function": "orders", "concurrency": "auto", "auto": {"min": 2, "max": 30}}"#,
/// ).unwrap();
/// assert_eq!((auto.concurrency, auto.auto.unwrap().min), (30, 2));
/// // It is written back the same way.
/// assert_eq!(serde_json::to_value(&auto).unwrap()["concurrency"], "auto");
/// // `auto` without `"concurrency": "auto"` is refused, naming the fix.
/// let err = serde_json::from_str::<Target>(
///     r#"{"function": "orders", "concurrency": 5, "auto": {"max": 30}}"#,
/// ).unwrap_err();
/// assert!(err.to_string().contains("\"concurrency\": \"auto\""), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TargetWire", into = "TargetWire")]
pub struct Target {
    /// Function name, or its full or partial ARN.
    pub function: String,
    /// Alias or version to invoke; `$LATEST` when absent.
    pub qualifier: Option<String>,
    /// How many environments to keep warm (N); for an `auto` target, the most it may choose.
    pub concurrency: u32,
    /// Autopilot's rule when `concurrency` is `"auto"` on the wire; `None` for a fixed N.
    pub auto: Option<AutoRule>,
    /// How long each warm-up holds: `"auto"` (default) or milliseconds.
    pub delay: Delay,
    /// `verify` (default): all N synchronous, every answer counted; `event`: the classic
    /// N-1 `Event` invokes plus one synchronous.
    pub mode: Mode,
    /// Extra top-level fields added to every warm-up payload.
    pub payload: Map<String, Value>,
    /// The most of the function's available concurrency a warm-up may hold (a fraction in
    /// (0, 1]); the run's `max_share` when absent. See [`crate::engine::guard`].
    pub max_share: Option<f64>,
    /// How the target is kept warm when deployed from `warmer.toml`: `warm` (default, by the
    /// warmer's warm-ups) or `provision` (Provisioned Concurrency on its alias or version,
    /// following the same windows). The engine warms only `warm` targets and refuses the others.
    pub strategy: Strategy,
}

/// [`Target`] as written: `concurrency` a number or `"auto"`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetWire {
    function: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    qualifier: Option<String>,
    concurrency: Concurrency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auto: Option<AutoRule>,
    #[serde(default)]
    delay: Delay,
    #[serde(default)]
    mode: Mode,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    payload: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_share: Option<f64>,
    #[serde(default, skip_serializing_if = "Strategy::is_warm")]
    strategy: Strategy,
}

/// `concurrency` on the wire: N, or `"auto"`.
enum Concurrency {
    N(u32),
    Auto,
}

impl Serialize for Concurrency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Concurrency::N(n) => serializer.serialize_u32(*n),
            Concurrency::Auto => serializer.serialize_str("auto"),
        }
    }
}

impl<'de> Deserialize<'de> for Concurrency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u32),
            Text(String),
        }
        const EXPECTED: &str =
            "concurrency must be a whole number of environments (0 to 4294967295) or \"auto\"";
        match Raw::deserialize(deserializer).map_err(|_| serde::de::Error::custom(EXPECTED))? {
            Raw::N(n) => Ok(Concurrency::N(n)),
            Raw::Text(word) if word == "auto" => Ok(Concurrency::Auto),
            Raw::Text(word) => Err(serde::de::Error::custom(format!(
                "concurrency `{word}` is neither a whole number nor \"auto\""
            ))),
        }
    }
}

impl TryFrom<TargetWire> for Target {
    type Error = String;

    fn try_from(wire: TargetWire) -> Result<Self, String> {
        let (concurrency, auto) = match (wire.concurrency, wire.auto) {
            (Concurrency::N(n), None) => (n, None),
            (Concurrency::N(_), Some(_)) => {
                return Err("`auto` sizes N only with `\"concurrency\": \"auto\"`: set \
                            concurrency to \"auto\", or remove `auto`"
                    .into());
            }
            (Concurrency::Auto, auto) => {
                let rule = auto.unwrap_or_default();
                (rule.max, Some(rule))
            }
        };
        Ok(Target {
            function: wire.function,
            qualifier: wire.qualifier,
            concurrency,
            auto,
            delay: wire.delay,
            mode: wire.mode,
            payload: wire.payload,
            max_share: wire.max_share,
            strategy: wire.strategy,
        })
    }
}

impl From<Target> for TargetWire {
    fn from(target: Target) -> Self {
        TargetWire {
            function: target.function,
            qualifier: target.qualifier,
            concurrency: match target.auto {
                Some(_) => Concurrency::Auto,
                None => Concurrency::N(target.concurrency),
            },
            auto: target.auto,
            delay: target.delay,
            mode: target.mode,
            payload: target.payload,
            max_share: target.max_share,
            strategy: target.strategy,
        }
    }
}

/// How a target is kept warm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Warm-ups from the warmer, on its schedules.
    #[default]
    Warm,
    /// Provisioned Concurrency on the target's alias or version, scheduled by Application
    /// Auto Scaling; the warmer does not invoke it.
    Provision,
}

impl Strategy {
    /// Whether this is [`Strategy::Warm`].
    ///
    /// ```
    /// use warmer_fn::target::Strategy;
    /// assert!(Strategy::default().is_warm());
    /// assert!(!Strategy::Provision.is_warm());
    /// ```
    pub fn is_warm(&self) -> bool {
        *self == Strategy::Warm
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::Warm => "warm",
            Strategy::Provision => "provision",
        })
    }
}

impl Target {
    /// A target with the defaults: `auto` delay, `verify` mode, no qualifier or extras.
    ///
    /// ```
    /// let target = warmer_fn::target::Target::new("orders", 10);
    /// assert_eq!(target.concurrency, 10);
    /// ```
    pub fn new(function: impl Into<String>, concurrency: u32) -> Self {
        Self {
            function: function.into(),
            qualifier: None,
            concurrency,
            auto: None,
            delay: Delay::Auto,
            mode: Mode::Verify,
            payload: Map::new(),
            max_share: None,
            strategy: Strategy::Warm,
        }
    }

    /// Checks the target before anything is sent, with [`crate::rules::check_target`], and
    /// words every problem found on one line each.
    ///
    /// ```
    /// let mut target = warmer_fn::target::Target::new("orders", 0);
    /// let err = target.validate().unwrap_err();
    /// assert!(err.contains("concurrency"), "{err}");
    /// target.concurrency = 3;
    /// target.payload.insert("delay".into(), 5.into());
    /// assert!(target.validate().unwrap_err().contains("payload.delay"));
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        let problems = crate::rules::check_target(self, "");
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "target `{}`: {}",
                self.function,
                crate::rules::describe(&problems)
            ))
        }
    }

    /// The name shown in reports and metrics: `function` or `function:qualifier`.
    ///
    /// ```
    /// let mut target = warmer_fn::target::Target::new("orders", 10);
    /// target.qualifier = Some("live".into());
    /// assert_eq!(target.display_name(), "orders:live");
    /// ```
    pub fn display_name(&self) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{}", self.function, q),
            None => self.function.clone(),
        }
    }
}

/// The function a target invokes, however it was written (a name, `name:qualifier`, a partial
/// ARN, a full ARN with or without a qualifier): its bare name and its qualifier (`None` for
/// `$LATEST`). Reserved concurrency belongs to the name; the brief and the guard compare these.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId {
    /// The function's name.
    pub name: String,
    /// The alias or version, when not `$LATEST`.
    pub qualifier: Option<String>,
}

impl Target {
    /// The function this target invokes, resolved (see [`FunctionId`]).
    ///
    /// ```
    /// use warmer_fn::target::Target;
    /// let arn = Target::new("arn:aws:lambda:eu-west-1:123456789012:function:orders:live", 1);
    /// let mut named = Target::new("orders", 1);
    /// named.qualifier = Some("live".into());
    /// assert_eq!(arn.function_id(), named.function_id());
    /// assert_eq!(Target::new("123456789012:function:orders", 1).function_id().name, "orders");
    /// assert_eq!(Target::new("orders:$LATEST", 1).function_id().qualifier, None);
    /// ```
    pub fn function_id(&self) -> FunctionId {
        let parts: Vec<&str> = self.function.split(':').collect();
        let (name, embedded) = match parts.as_slice() {
            [name, qualifier] => (*name, Some(*qualifier)),
            [_account, "function", name] => (*name, None),
            [_account, "function", name, qualifier] => (*name, Some(*qualifier)),
            ["arn", _, "lambda", _, _, "function", name, rest @ ..] => {
                (*name, rest.first().copied())
            }
            _ => (self.function.as_str(), None),
        };
        let qualifier = self
            .qualifier
            .as_deref()
            .or(embedded)
            .filter(|q| *q != "$LATEST")
            .map(str::to_owned);
        FunctionId {
            name: name.to_owned(),
            qualifier,
        }
    }
}

/// How long each warm-up holds its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delay {
    /// Long enough that all N invocations overlap, derived from N and the dispatch speed
    /// measured in the run.
    #[default]
    Auto,
    /// A fixed delay in milliseconds.
    Fixed(u64),
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delay::Auto => f.write_str("auto"),
            Delay::Fixed(ms) => write!(f, "{ms}"),
        }
    }
}

impl std::str::FromStr for Delay {
    type Err = String;

    /// Parses `auto` or a number of milliseconds.
    ///
    /// ```
    /// use warmer_fn::target::Delay;
    /// assert_eq!("auto".parse::<Delay>(), Ok(Delay::Auto));
    /// assert_eq!("250".parse::<Delay>(), Ok(Delay::Fixed(250)));
    /// assert!("soon".parse::<Delay>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Delay::Auto);
        }
        s.trim().parse::<u64>().map(Delay::Fixed).map_err(|_| {
            format!("delay `{s}` is neither `auto` nor a whole number of milliseconds (e.g. 300)")
        })
    }
}

impl Serialize for Delay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Delay::Auto => serializer.serialize_str("auto"),
            Delay::Fixed(ms) => serializer.serialize_u64(*ms),
        }
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Ms(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("delay must be \"auto\" or a whole number of milliseconds")
        })? {
            Raw::Ms(ms) => Ok(Delay::Fixed(ms)),
            Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// How the N invocations are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// All N synchronous and in flight together; every answer's `instance` is counted.
    #[default]
    Verify,
    /// The classic design: N-1 `Event` invokes and one synchronous; coverage is unknown.
    Event,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Verify => "verify",
            Mode::Event => "event",
        })
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    /// Parses `verify` or `event`, as written in a target and on the command line.
    ///
    /// ```
    /// use warmer_fn::target::Mode;
    /// assert_eq!("event".parse::<Mode>(), Ok(Mode::Event));
    /// assert!("sync".parse::<Mode>().unwrap_err().contains("verify"));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "verify" => Ok(Mode::Verify),
            "event" => Ok(Mode::Event),
            other => Err(format!("unknown mode `{other}`: use `verify` or `event`")),
        }
    }
}
