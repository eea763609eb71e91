//! The warm-up protocol: what a warmer sends and what a warmed function answers.
//!
//! A warm-up is an invoke payload that is a JSON object whose top-level `warmer` is `true`
//! (the flag key is configurable). The warmer also says how long each copy should hold
//! (`delay`, milliseconds) so that N concurrent warm-ups land on N different environments,
//! and tags every invocation of one run with a correlation id and an index.
//!
//! ```
//! use warm_sdk::protocol::WarmupRequest;
//!
//! let request = WarmupRequest::new().delay_ms(300).correlation_id("run-1").index(3).concurrency(50);
//! let json = serde_json::to_value(&request).unwrap();
//! assert_eq!(json["warmer"], true);
//! assert_eq!(json["delay"], 300);
//! assert_eq!(json["__WARMER_INVOCATION__"], 3);
//! assert_eq!(json["__WARMER_CORRELATIONID__"], "run-1");
//! // No top-level `concurrency`: other warmers' handlers fan out on it.
//! assert!(json.get("concurrency").is_none());
//! ```
//!
//! The keys the protocol reserves are listed once, in [`RESERVED_KEYS`].
//!
//! The function answers with a [`WarmupResponse`]; its `instance` is fixed for the life of the
//! execution environment, so a warmer that collects the answers of N concurrent warm-ups can
//! count how many distinct environments it reached.
//!
//! # Recognising a warm-up
//!
//! Only the payload's top-level object counts: an API Gateway, ALB or Function URL event whose
//! `body` is `{"warmer": true}` is user traffic. The flag must be the JSON boolean `true`.
//! The payloads of jeremydaly/lambda-warmer, lambda-warmer-py and serverless-plugin-warmup are
//! recognised too; [`detect`](crate::detect()) lists them. User code never runs for a warm-up.
//!
//! # The delay
//!
//! `delay` is in milliseconds. Missing: [`DEFAULT_DELAY_MS`]. Present but not a non-negative
//! number (`"300"`, `-5`, `null`): the default, and a WARN log naming the field and the fix;
//! it is still a warm-up. Fractions are rounded down. Whatever the payload asks, the function
//! holds at most the configured maximum ([`DEFAULT_MAX_DELAY_MS`] unless
//! [`WarmConfig::max_delay`](crate::WarmConfig::max_delay) says otherwise) and answers before
//! the invocation's deadline minus a safety margin, so a crafted payload cannot hold an
//! environment for minutes.
//!
//! # Holding until an instant
//!
//! A warmer that knows when its last warm-up will have arrived sends `hold_until_ms`: an
//! instant in milliseconds since the Unix epoch. The environment then holds until that instant
//! instead of for a relative `delay`, so that every environment of the run is released at the
//! same moment, once the last warm-up has arrived: an environment that received its warm-up
//! early holds longer, one that received it late holds less, and none holds past the moment it
//! is needed. The hold is never negative (an instant already past holds 0 ms) and never longer
//! than `delay` (so `delay` stays the upper bound, and a warmer sends both: `delay` =
//! `hold_until_ms` minus the time of sending, which is what a function that does not know
//! `hold_until_ms` holds for, ending at the same instant or later), nor than the configured
//! maximum and the invocation's deadline minus the margin. A `hold_until_ms` that is not a
//! non-negative number is ignored with a WARN naming the field, and `delay` applies.
//!
//! The instant is read against the environment's own clock, so it assumes that the warmer's
//! and the function's clocks agree. On one machine they are the same clock. On AWS this is an
//! assumption, the same one Lambda's own deadline makes: the Runtime API gives each invocation's
//! deadline as an instant, `Lambda-Runtime-Deadline-Ms` in Unix milliseconds
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>), which the runtime reads
//! against the environment's clock; EC2 hosts keep time with the Amazon Time Sync Service
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html>), but AWS documents no
//! bound for a Lambda environment's clock. A skew of s milliseconds moves the release by s
//! (the warmer's margin covers a few); the bound by `delay` keeps a function whose clock runs
//! behind from holding longer than a relative delay would, and one whose clock runs ahead
//! holds less, never less than 0 ms.
//!
//! # The answer
//!
//! ```json
//! {"warmed": true, "function": "orders", "version": "$LATEST",
//!  "log_stream": "2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef",
//!  "instance": "5f0c1e7a9b2d4c3e", "cold": true, "invocations": 1, "delay_ms": 300,
//!  "correlation_id": "run-1", "index": 7, "init_type": "on-demand",
//!  "received_at_ms": 1764700000123}
//! ```
//!
//! `cold` is `true` when the warm-up was the first invocation its environment served and it
//! waited for the environment's init (the warm-up itself paid the cold start); `init_type`
//! says how the environment was initialized, and the
//! [environment docs](crate::environment#what-cold-means) say what `cold` means under each;
//! `invocations` counts this one too (every invocation counts, whatever became of its
//! event); `delay_ms` is what
//! it actually held. `received_at_ms` is when the environment received the warm-up (its clock,
//! milliseconds since the Unix epoch), so a warmer sees when each environment got its warm-up:
//! the arrival spread, where it matters. `correlation_id` and `index` echo the request (from any dialect).
//! `max_concurrency` appears when `AWS_LAMBDA_MAX_CONCURRENCY` is above 1 (Lambda Managed
//! Instances): one environment then serves several requests at once, so N concurrent
//! warm-ups do not mean N environments. `concurrent_warm_ups` appears when several did land
//! on one: it counts the warm-ups the environment was holding when this one began, this one
//! included. `fan_out_requested` appears when a schedule ping
//! asked this function to invoke itself N times (lambda-warmer's `{"warmer": true,
//! "concurrency": N}`): it does not, and says so at WARN.
//!
//! # The log event, and counting warmed environments
//!
//! Each warm-up logs exactly one `tracing` event at INFO, message
//! [`"warm-up answered"`](crate::answer::WARMUP_LOG_MESSAGE), with the fields `function`,
//! `request_id`, `version`, `log_stream`, `instance`, `init_type`, `cold`, `invocations`,
//! `delay_ms`, `requested_delay_ms`, `dialect` and, when given, `max_concurrency`,
//! `concurrent_warm_ups`, `correlation_id`, `index` and `fan_out_requested`.
//!
//! With JSON logs (`AWS_LAMBDA_LOG_FORMAT=JSON` and
//! `lambda_runtime::tracing::init_default_subscriber()`, which nests event fields under
//! `fields`), this CloudWatch Logs Insights query counts the distinct environments warmed
//! per 15 minutes:
//!
//! ```text
//! filter fields.message = "warm-up answered"
//! | stats count_distinct(@logStream) as warmed_environments,
//!         count(*) as warm_ups
//!   by bin(15m)
//! ```
//!
//! Each execution environment writes to its own log stream, so `@logStream` (or
//! `fields.instance`) tells environments apart. With a subscriber that flattens event fields
//! (`.json().flatten_event(true)`), drop the `fields.` prefix. Lambda Managed Instances share
//! one stream between the requests of one environment: count `fields.instance` there.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The default flag key: a warm-up is a JSON object whose `warmer` field is `true`.
pub const DEFAULT_FLAG_KEY: &str = "warmer";

/// The delay a warm-up holds for when its payload names none, in milliseconds.
///
/// 75 ms is what the best-known JavaScript warmer uses, so functions switching to `warm`
/// behave as before when their warmer sends no delay.
pub const DEFAULT_DELAY_MS: u64 = 75;

/// The most a warm-up may hold, unless configured otherwise, in milliseconds (10 s).
pub const DEFAULT_MAX_DELAY_MS: u64 = 10_000;

/// The JSON key of the instant a warm-up holds until, in milliseconds since the Unix epoch
/// (see [Holding until an instant](self#holding-until-an-instant)).
pub const HOLD_UNTIL_KEY: &str = "hold_until_ms";

/// The JSON key under which a warm-up carries its index in the run (1-based).
///
/// The key jeremydaly/lambda-warmer 2.3.0 and lambda-warmer-py 0.3.1 give their own fan-out
/// children; both log it and neither fans out on it (lambda-warmer `index.js`,
/// `event['__WARMER_INVOCATION__']`, <https://registry.npmjs.org/lambda-warmer/-/lambda-warmer-2.3.0.tgz>;
/// lambda-warmer-py `lambdawarmer/__init__.py`, `warmer_fan_out`,
/// <https://pypi.org/project/lambda-warmer-py/0.3.1/>).
pub const INVOCATION_KEY: &str = "__WARMER_INVOCATION__";
/// The JSON key under which a warm-up carries how many invocations its run sends at once;
/// the key both packages give their fan-out children (same sources as [`INVOCATION_KEY`]).
pub const CONCURRENCY_KEY: &str = "__WARMER_CONCURRENCY__";
/// The correlation id key of jeremydaly/lambda-warmer (`__WARMER_CORRELATIONID__`).
pub const CORRELATION_ID_KEY: &str = "__WARMER_CORRELATIONID__";
/// The correlation id key of lambda-warmer-py (`__WARMER_CORRELATION_ID__`).
pub const CORRELATION_ID_PY_KEY: &str = "__WARMER_CORRELATION_ID__";

/// Every top-level key the warm-up protocol reserves: a warmer sets them itself, and a
/// target's extra payload must not set them.
///
/// - `warmer`, `delay`, `hold_until_ms` and the four `__WARMER_*__` keys are what a warm-up
///   carries.
/// - `correlation_id`, `index` are this protocol's older spellings, still read.
/// - `concurrency` and `target` are the keys on which jeremydaly/lambda-warmer 2.3.0 fans
///   out (`event[config.concurrency] > 1`, or `event[config.target]` naming another
///   function; lambda-warmer-py fans out on `concurrency`): a payload carrying them would
///   make a function using those packages invoke itself again, so N warm-ups could become
///   about N² invocations.
/// - `test` stops lambda-warmer's fan-out; reserved so that no payload depends on it.
///
/// The flag key is configurable ([`WarmConfig::flag_key`](crate::WarmConfig::flag_key));
/// this list holds the default, [`DEFAULT_FLAG_KEY`].
///
/// ```
/// use warm_sdk::protocol::RESERVED_KEYS;
///
/// assert!(RESERVED_KEYS.contains(&"concurrency"));
/// assert!(RESERVED_KEYS.contains(&"__WARMER_INVOCATION__"));
/// assert!(!RESERVED_KEYS.contains(&"team"));
/// ```
pub const RESERVED_KEYS: [&str; 12] = [
    DEFAULT_FLAG_KEY,
    "delay",
    HOLD_UNTIL_KEY,
    INVOCATION_KEY,
    CONCURRENCY_KEY,
    CORRELATION_ID_KEY,
    CORRELATION_ID_PY_KEY,
    "correlation_id",
    "index",
    "concurrency",
    "target",
    "test",
];

/// The payload a warmer sends to warm one environment.
///
/// Serializes to `{"warmer": true, "delay": 300, "__WARMER_INVOCATION__": 1,
/// "__WARMER_CONCURRENCY__": 50, "__WARMER_CORRELATIONID__": "...",
/// "__WARMER_CORRELATION_ID__": "..."}`: the run's position goes in the keys that
/// jeremydaly/lambda-warmer and lambda-warmer-py give their own fan-out children, which they
/// log and never fan out on (see [`RESERVED_KEYS`]). There is no top-level `concurrency`: on
/// it, those packages would fan out again from every warmed environment. The correlation id
/// is written under both packages' spellings so that either logs it. Optional fields are
/// left out when unset; `extra` fields are merged in at the top level, except a key in
/// [`RESERVED_KEYS`], which is left out (the warmer's configuration check refuses one with a
/// message; this is the last line of defence).
///
/// Reading accepts the older spellings as well (`index`, `concurrency`, `correlation_id`).
///
/// ```
/// use warm_sdk::protocol::WarmupRequest;
///
/// let request: WarmupRequest = serde_json::from_str(r#"{"warmer": true, "delay": 120}"#).unwrap();
/// assert_eq!(request.delay, Some(120));
/// assert!(request.correlation_id.is_none());
///
/// let json = serde_json::to_value(WarmupRequest::new().index(2).concurrency(5)).unwrap();
/// assert_eq!(json["__WARMER_INVOCATION__"], 2);
/// assert_eq!(json["__WARMER_CONCURRENCY__"], 5);
/// assert!(json.get("concurrency").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "WireRequest", from = "WireRequest")]
pub struct WarmupRequest {
    /// Always `true`: the flag that makes this payload a warm-up.
    pub warmer: bool,
    /// How long the warmed environment holds before answering, in milliseconds.
    pub delay: Option<u64>,
    /// The instant the warmed environment holds until, in milliseconds since the Unix epoch
    /// (`hold_until_ms`); the hold never exceeds `delay`.
    pub hold_until_ms: Option<u64>,
    /// An id shared by every invocation of one warm-up run.
    pub correlation_id: Option<String>,
    /// This invocation's position in the run, from 1 to `concurrency`.
    pub index: Option<u32>,
    /// How many invocations the run sends at once.
    pub concurrency: Option<u32>,
    /// Extra top-level fields, passed through as given (keys in [`RESERVED_KEYS`] are left
    /// out when serializing).
    pub extra: Map<String, Value>,
}

/// [`WarmupRequest`] as it is written on the wire.
#[derive(Serialize, Deserialize)]
struct WireRequest {
    warmer: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hold_until_ms: Option<u64>,
    #[serde(
        rename = "__WARMER_INVOCATION__",
        alias = "index",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    index: Option<u32>,
    #[serde(
        rename = "__WARMER_CONCURRENCY__",
        alias = "concurrency",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    concurrency: Option<u32>,
    #[serde(
        rename = "__WARMER_CORRELATIONID__",
        alias = "correlation_id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    correlation_id: Option<String>,
    #[serde(
        rename = "__WARMER_CORRELATION_ID__",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    correlation_id_py: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<WarmupRequest> for WireRequest {
    fn from(request: WarmupRequest) -> Self {
        let mut extra = request.extra;
        extra.retain(|key, _| !RESERVED_KEYS.contains(&key.as_str()));
        Self {
            warmer: request.warmer,
            delay: request.delay,
            hold_until_ms: request.hold_until_ms,
            index: request.index,
            concurrency: request.concurrency,
            correlation_id_py: request.correlation_id.clone(),
            correlation_id: request.correlation_id,
            extra,
        }
    }
}

impl From<WireRequest> for WarmupRequest {
    fn from(wire: WireRequest) -> Self {
        Self {
            warmer: wire.warmer,
            delay: wire.delay,
            hold_until_ms: wire.hold_until_ms,
            correlation_id: wire.correlation_id.or(wire.correlation_id_py),
            index: wire.index,
            concurrency: wire.concurrency,
            extra: wire.extra,
        }
    }
}

impl Default for WarmupRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl WarmupRequest {
    /// A warm-up with no delay, correlation id or index: `{"warmer": true}`.
    ///
    /// ```
    /// let json = serde_json::to_string(&warm_sdk::protocol::WarmupRequest::new()).unwrap();
    /// assert_eq!(json, r#"{"warmer":true}"#);
    /// ```
    pub fn new() -> Self {
        Self {
            warmer: true,
            delay: None,
            hold_until_ms: None,
            correlation_id: None,
            index: None,
            concurrency: None,
            extra: Map::new(),
        }
    }

    /// Sets the delay in milliseconds.
    ///
    /// ```
    /// assert_eq!(warm_sdk::protocol::WarmupRequest::new().delay_ms(5).delay, Some(5));
    /// ```
    pub fn delay_ms(mut self, delay: u64) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sets the instant to hold until, in milliseconds since the Unix epoch (see
    /// [Holding until an instant](self#holding-until-an-instant)); send a `delay` too.
    ///
    /// ```
    /// let request = warm_sdk::protocol::WarmupRequest::new()
    ///     .delay_ms(400)
    ///     .hold_until_ms(1_764_700_000_400);
    /// let json = serde_json::to_value(&request).unwrap();
    /// assert_eq!(json["hold_until_ms"], 1_764_700_000_400u64);
    /// assert_eq!(json["delay"], 400);
    /// ```
    pub fn hold_until_ms(mut self, instant_ms: u64) -> Self {
        self.hold_until_ms = Some(instant_ms);
        self
    }

    /// Sets the run's correlation id.
    ///
    /// ```
    /// let request = warm_sdk::protocol::WarmupRequest::new().correlation_id("abc");
    /// assert_eq!(request.correlation_id.as_deref(), Some("abc"));
    /// ```
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Sets this invocation's index in the run (1-based).
    ///
    /// ```
    /// assert_eq!(warm_sdk::protocol::WarmupRequest::new().index(2).index, Some(2));
    /// ```
    pub fn index(mut self, index: u32) -> Self {
        self.index = Some(index);
        self
    }

    /// Sets how many invocations the run sends at once.
    ///
    /// ```
    /// assert_eq!(warm_sdk::protocol::WarmupRequest::new().concurrency(9).concurrency, Some(9));
    /// ```
    pub fn concurrency(mut self, concurrency: u32) -> Self {
        self.concurrency = Some(concurrency);
        self
    }

    /// Adds an extra top-level field.
    ///
    /// ```
    /// let request = warm_sdk::protocol::WarmupRequest::new().extra("team", "payments");
    /// let json = serde_json::to_value(&request).unwrap();
    /// assert_eq!(json["team"], "payments");
    /// ```
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

/// What a warmed function answers to a warm-up.
///
/// ```
/// use warm_sdk::protocol::WarmupResponse;
///
/// let json = r#"{"warmed":true,"function":"orders","version":"$LATEST",
///   "log_stream":"2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef",
///   "instance":"5f0c1e7a9b2d4c3e","cold":true,"invocations":1,"delay_ms":300,
///   "correlation_id":"run-1","index":7}"#;
/// let response: WarmupResponse = serde_json::from_str(json).unwrap();
/// assert!(response.cold);
/// assert_eq!(response.index, Some(7));
/// assert_eq!(response.max_concurrency, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmupResponse {
    /// Always `true`: this answer comes from a warm-up, not from user code.
    pub warmed: bool,
    /// `AWS_LAMBDA_FUNCTION_NAME` of the environment.
    pub function: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION` of the environment.
    pub version: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME` of the environment. Empty under SnapStart, where Lambda
    /// does not set the variable ("Defined runtime environment variables",
    /// <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>);
    /// the log line still lands in the environment's stream (`@logStream` in Logs Insights).
    pub log_stream: String,
    /// An id fixed for the life of the execution environment.
    pub instance: String,
    /// `true` when this warm-up was the first invocation the environment served: the warm-up
    /// itself paid the cold start.
    pub cold: bool,
    /// How many invocations the environment has served, this one included.
    pub invocations: u64,
    /// How long the warm-up actually held, in milliseconds.
    pub delay_ms: u64,
    /// The caller's correlation id, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The caller's invocation index, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` when it is above 1 (Lambda Managed Instances): one
    /// environment then serves many requests at once, so N warm-ups do not mean N environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// How many warm-ups the environment was holding when this one began, this one included,
    /// when more than one: several warm-ups landed on this one environment at once (Lambda
    /// Managed Instances). Absent where each environment serves one invocation at a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_warm_ups: Option<u32>,
    /// How Lambda initialized the environment (`AWS_LAMBDA_INITIALIZATION_TYPE`):
    /// `on-demand`, `provisioned-concurrency`, `snap-start` or `lambda-managed-instances`
    /// (see [`InitType`](crate::environment::InitType) for what `cold` means under each).
    /// Absent in answers from older versions of this crate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_type: Option<String>,
    /// The fan-out a schedule ping asked for and did not get (see
    /// [`Warmup::fan_out`](crate::Warmup::fan_out)): only this environment was warmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_out_requested: Option<u32>,
    /// When the environment received the warm-up, by its clock, in milliseconds since the Unix
    /// epoch. Absent in answers from older versions of this crate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at_ms: Option<u64>,
}
