//! What a run found, per target, and the CloudWatch Embedded Metric Format line for it.
//!
//! ```
//! use warmer_fn::engine::{RunReport, TargetReport};
//! use warmer_fn::target::Mode;
//!
//! let mut target = TargetReport::new("orders", Mode::Verify, 50);
//! target.reached = 50;
//! target.new = 50;
//! target.finish();
//! assert!(target.ok);
//!
//! let report = RunReport::new("run-1", vec![target], 1200);
//! assert!(report.ok);
//! let line: serde_json::Value = serde_json::from_str(&report.emf_lines("Warmer")[0]).unwrap();
//! assert_eq!(line["Reached"], 50);
//! assert_eq!(line["Shortfall"], 0);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::count::Count;
use super::guard::{Cap, Pool};
use super::shard::ShardSummary;
use crate::target::Mode;

/// The CloudWatch namespace used when none is configured.
pub const DEFAULT_METRICS_NAMESPACE: &str = "Warmer";

/// The result of one run over one or more targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The id sent in every warm-up payload of this run (`correlation_id`).
    pub correlation_id: String,
    /// One report per target, in the order the targets were given.
    pub targets: Vec<TargetReport>,
    /// `true` only when every target is ok.
    pub ok: bool,
    /// Wall time of the whole run, in milliseconds.
    pub elapsed_ms: u64,
}

impl RunReport {
    /// Assembles a run report; `ok` is derived from the targets.
    ///
    /// ```
    /// let report = warmer_fn::engine::RunReport::new("id", Vec::new(), 0);
    /// assert!(!report.ok, "a run that warmed nothing is not a success");
    /// ```
    pub fn new(
        correlation_id: impl Into<String>,
        targets: Vec<TargetReport>,
        elapsed_ms: u64,
    ) -> Self {
        let ok = !targets.is_empty() && targets.iter().all(|t| t.ok);
        Self {
            correlation_id: correlation_id.into(),
            targets,
            ok,
            elapsed_ms,
        }
    }

    /// One Embedded Metric Format JSON line per target (each line carries one `FunctionName`
    /// dimension value, so a run over one function emits exactly one line).
    pub fn emf_lines(&self, namespace: &str) -> Vec<String> {
        self.targets
            .iter()
            .map(|t| t.to_emf(namespace, &self.correlation_id).to_string())
            .collect()
    }

    /// How many environments the run fell short by, summed over all targets.
    ///
    /// ```
    /// let mut t = warmer_fn::engine::TargetReport::new("f", Default::default(), 10);
    /// t.reached = 7;
    /// t.finish();
    /// assert_eq!(warmer_fn::engine::RunReport::new("id", vec![t], 1).shortfall(), 3);
    /// ```
    pub fn shortfall(&self) -> u32 {
        self.targets.iter().map(TargetReport::shortfall).sum()
    }
}

/// What one target's warm-up found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    /// The function as shown to people: `name` or `name:qualifier`.
    pub function: String,
    /// How the invocations were sent.
    pub mode: Mode,
    /// N: how many environments were asked for.
    pub requested: u32,
    /// Warm-ups sent in all (every round's, a probe round's included; a sharded target's sent
    /// by its copies).
    #[serde(default)]
    pub sent: u32,
    /// Distinct environments (`instance`) that answered a warm-up in this run.
    pub reached: u32,
    /// Environments the warm-up itself started (answers with `cold: true`).
    pub new: u32,
    /// Answers from an environment already counted in this run.
    pub duplicates: u32,
    /// Invocations Lambda refused with `TooManyRequestsException`.
    pub throttled: u32,
    /// `throttled` by Lambda's `Reason` (e.g. `ReservedFunctionConcurrentInvocationLimitExceeded`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub throttle_reasons: BTreeMap<String, u32>,
    /// Invocations that failed for any other reason (not found, network, timeout, not a warm-up
    /// answer).
    pub failed: u32,
    /// `failed` by error type (e.g. `ResourceNotFoundException`, `DispatchFailure`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failure_types: BTreeMap<String, u32>,
    /// Invocations whose function raised an error (`X-Amz-Function-Error`).
    pub function_errors: u32,
    /// Invocations accepted for asynchronous execution (`event` mode: HTTP 202).
    #[serde(default)]
    pub accepted: u32,
    /// Answers that were not warm-sdk warm-up answers (a function without warm-sdk, or with
    /// its own warmer): the function ran, but which environment ran it is unknown.
    #[serde(default)]
    pub unknown: u32,
    /// `false` in `event` mode (asynchronous invokes do not say which environment ran them),
    /// when answers were not warm-sdk answers, or when N cannot be in flight at once here.
    pub coverage_known: bool,
    /// Set when the concurrency guard warmed fewer than `requested` (see
    /// [`crate::engine::guard`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capped: Option<Cap>,
    /// The concurrency guard could not read this target's limits, so its warm-ups went
    /// unchecked (the warmer's `GuardUnreadable` metric counts such targets).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guard_unreadable: bool,
    /// One word for the outcome: `ok`, `capped`, `short`, `unknown` or `error`.
    #[serde(default)]
    pub status: Status,
    /// Time between the first and the last invocation of the first round leaving the client,
    /// in milliseconds.
    pub dispatch_spread_ms: f64,
    /// Wall time of this target's warm-up, in milliseconds.
    pub elapsed_ms: u64,
    /// How long the first round held, in milliseconds: with a fixed delay, the delay each
    /// warm-up held for from its arrival; with the `auto` hold, the time from the round's start
    /// to the instant every warm-up held until (`hold_until_ms`).
    pub delay_ms: u64,
    /// The time from the first to the last environment receiving its warm-up in the first
    /// round (`received_at_ms` of the answers, by the environments' clocks), in milliseconds;
    /// absent when no answer said (older warm-sdk, `event` mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival_spread_ms: Option<u64>,
    /// The time from the first round's start to the last environment receiving its warm-up, in
    /// milliseconds (the warmer's and the environments' clocks; see the protocol's clock
    /// assumption in [`warm_sdk::protocol`]). The `auto` hold must last at least this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_arrival_ms: Option<u64>,
    /// Environment-seconds held: the sum, over every answered warm-up of every round, of the
    /// hold its answer reports (`delay_ms`), in seconds. Each is time the environment could
    /// not serve live traffic. `event` mode's asynchronous warm-ups do not answer and are not
    /// counted.
    #[serde(default)]
    pub held_env_seconds: f64,
    /// How many rounds were sent (2 when a top-up round ran; a sharded target's ramp may send
    /// more, see [`crate::engine::shard`]).
    pub rounds: u32,
    /// A sharded target's shards, round by round: what each was asked to send, reached, how
    /// long it took and why it failed (see [`crate::engine::shard`]). Empty when one process
    /// sent every warm-up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardSummary>,
    /// `true` only when every environment the run set out to warm was reached and counted:
    /// `reached == requested` (or `reached == capped.to` for a capped target) in `verify` mode.
    /// Never in `event` mode, nor when coverage is unknown.
    pub ok: bool,
    /// For a `"concurrency": "auto"` target, the N autopilot chose and why (see
    /// [`crate::autopilot`]); `requested` is that N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<crate::autopilot::Choice>,
    /// A target-level error (bad target, function not found), when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Human sentences explaining shortfalls, throttles and what the engine did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl TargetReport {
    /// An empty report for `function` asking for `requested` environments; fill in the counts,
    /// then call [`TargetReport::finish`].
    pub fn new(function: impl Into<String>, mode: Mode, requested: u32) -> Self {
        Self {
            function: function.into(),
            mode,
            requested,
            sent: 0,
            reached: 0,
            new: 0,
            duplicates: 0,
            throttled: 0,
            throttle_reasons: BTreeMap::new(),
            failed: 0,
            failure_types: BTreeMap::new(),
            function_errors: 0,
            accepted: 0,
            unknown: 0,
            coverage_known: mode == Mode::Verify,
            capped: None,
            guard_unreadable: false,
            status: Status::Error,
            dispatch_spread_ms: 0.0,
            elapsed_ms: 0,
            delay_ms: 0,
            arrival_spread_ms: None,
            last_arrival_ms: None,
            held_env_seconds: 0.0,
            rounds: 0,
            shards: Vec::new(),
            ok: false,
            auto: None,
            error: None,
            notes: Vec::new(),
        }
    }

    /// Sets the counts from what the warm-ups found: reached, new, duplicates, throttles and
    /// failures by kind, function errors, accepted, unknown, environment-seconds held.
    ///
    /// ```
    /// use warmer_fn::engine::{Count, TargetReport};
    /// let mut count = Count::default();
    /// count.warmed("env-a", true, 1_500, None);
    /// let mut t = TargetReport::new("f", Default::default(), 1);
    /// t.set_counts(&count);
    /// assert_eq!((t.reached, t.new, t.held_env_seconds), (1, 1, 1.5));
    /// ```
    pub fn set_counts(&mut self, count: &Count) {
        self.sent = count.sent;
        self.reached = count.reached();
        self.new = count.started();
        self.duplicates = count.duplicates;
        self.throttled = count.throttled();
        self.throttle_reasons = count.throttles.clone();
        self.failed = count.failed();
        self.failure_types = count
            .failures
            .iter()
            .map(|(kind, n)| (kind.to_string(), *n))
            .collect();
        self.function_errors = count.function_errors;
        self.accepted = count.accepted;
        self.unknown = count.unknown;
        self.held_env_seconds = count.held_ms as f64 / 1000.0;
    }

    /// The N the run set out to warm: `capped.to` for a capped target, else `requested`.
    ///
    /// ```
    /// let t = warmer_fn::engine::TargetReport::new("f", Default::default(), 10);
    /// assert_eq!(t.target_n(), 10);
    /// ```
    pub fn target_n(&self) -> u32 {
        self.capped.as_ref().map_or(self.requested, |c| c.to)
    }

    /// How many environments short of [`TargetReport::target_n`] this target is (0 when ok). In
    /// `event` mode, the invokes that were not accepted (coverage itself is unknown there).
    pub fn shortfall(&self) -> u32 {
        match self.mode {
            Mode::Verify => self.target_n().saturating_sub(self.reached),
            Mode::Event => self
                .target_n()
                .saturating_sub(self.accepted + self.reached.min(1) + self.unknown.min(1)),
        }
    }

    /// Derives `ok` from the counts and adds the sentences that explain a shortfall.
    /// Never reports ok on a partial warm.
    pub fn finish(&mut self) {
        if self.unknown > 0 {
            self.coverage_known = false;
        }
        self.status = if self.error.is_some() || self.requested == 0 {
            Status::Error
        } else if !self.coverage_known {
            Status::Unknown
        } else if self.shortfall() > 0 {
            Status::Short
        } else if self.capped.is_some() {
            Status::Capped
        } else {
            Status::Ok
        };
        self.ok = matches!(self.status, Status::Ok | Status::Capped);
        if self.mode == Mode::Event {
            self.notes.push(format!(
                "event mode: {} of {} asynchronous invokes were accepted ({} throttled, {} \
                 failed); how many environments they reached is unknown, so the run is not \
                 reported ok (use verify mode to count them)",
                self.accepted,
                self.target_n().saturating_sub(1),
                self.throttled,
                self.failed
            ));
        }
        if self.unknown > 0 {
            self.notes.push(format!(
                "{} answers were not warm-sdk warm-up answers: the function ran, but which \
                 environment ran it is unknown (a function without warm-sdk, or with its own \
                 warmer); wrap its handler with warm-sdk (WarmLayer or #[warmable]) to count \
                 environments",
                self.unknown
            ));
        }
        let concurrency_throttles: u32 = self
            .throttle_reasons
            .iter()
            .filter(|(reason, _)| throttle_kind(reason) == ThrottleKind::Concurrency)
            .map(|(_, n)| n)
            .sum();
        if concurrency_throttles > 0 {
            let allowed = self.target_n().saturating_sub(self.throttled);
            let reserved = self
                .throttle_reasons
                .keys()
                .any(|reason| throttle_pool(reason) == Some(Pool::Reserved));
            let limit = if reserved {
                "reserved concurrency"
            } else {
                "the account's concurrency limit"
            };
            self.notes.push(format!(
                "{limit} allows {allowed} of the {} requested ({} throttled)",
                self.target_n(),
                self.throttled
            ));
        }
        let other_throttles: u32 = self
            .throttle_reasons
            .iter()
            .filter(|(reason, _)| throttle_kind(reason) == ThrottleKind::Other)
            .map(|(_, n)| n)
            .sum();
        if other_throttles > 0 {
            self.notes.push(format!(
                "{other_throttles} invokes were throttled without a Reason this warmer knows \
                 (TooManyRequestsException; not retried): a burst past Lambda's scaling rate, \
                 1,000 new environments per function every 10 s, is one cause; the warmer \
                 Lambda shards and ramps a large N to stay inside it"
            ));
        }
        let rate_throttles = self
            .throttled
            .saturating_sub(concurrency_throttles + other_throttles);
        if rate_throttles > 0 {
            self.notes.push(format!(
                "{rate_throttles} invokes stayed throttled by a rate limit after one retry"
            ));
        }
        if self.function_errors > 0 {
            self.notes.push(format!(
                "{} warm-ups raised a function error: is the handler wrapped with warm-sdk?",
                self.function_errors
            ));
        }
        if self.mode == Mode::Verify && !self.ok && self.error.is_none() {
            let unexplained = self
                .shortfall()
                .saturating_sub(self.throttled + self.failed + self.function_errors);
            if unexplained > 0 && self.duplicates > 0 {
                self.notes.push(format!(
                    "{} answers came from environments already counted: the warm-ups did not all \
                     overlap (delay {} ms, dispatch spread {:.1} ms); a longer delay would help",
                    self.duplicates, self.delay_ms, self.dispatch_spread_ms
                ));
            }
        }
    }

    /// The Embedded Metric Format object for this target, under `namespace` with the
    /// dimension `FunctionName`: metrics `Requested`, `Reached`, `New`, `Throttled`, `Failed`,
    /// `Capped` (requested minus the N warmed), `Accepted`, `Unknown` and, only where coverage is
    /// known, `Shortfall` (unit Count). Where coverage is unknown (`event` mode, answers that are
    /// not warm-sdk answers) there is no `Shortfall` at all: 0 would claim what the run cannot
    /// see.
    ///
    /// Format: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
    ///
    /// ```
    /// let mut t = warmer_fn::engine::TargetReport::new("orders", Default::default(), 5);
    /// t.reached = 5;
    /// t.finish();
    /// let emf = t.to_emf("Warmer", "run-1");
    /// assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0], "FunctionName");
    /// assert_eq!(emf["FunctionName"], "orders");
    /// assert_eq!(emf["Requested"], 5);
    /// assert_eq!(emf["Shortfall"], 0);
    /// ```
    pub fn to_emf(&self, namespace: &str, correlation_id: &str) -> Value {
        let metrics = EMF_METRICS
            .iter()
            .copied()
            .filter(|name| self.coverage_known || *name != "Shortfall")
            .chain(self.auto.iter().flat_map(|choice| {
                let peak = choice.peak.map(|_| "AutoPeak");
                ["AutoN", "AutoNoData"].into_iter().chain(peak)
            }));
        let mut line = json!({
            "_aws": emf_metadata(namespace, "FunctionName", metrics),
            "FunctionName": self.function,
            "Requested": self.requested,
            "Reached": self.reached,
            "New": self.new,
            "Throttled": self.throttled,
            "Failed": self.failed + self.function_errors,
            "Capped": self.requested - self.target_n().min(self.requested),
            "Accepted": self.accepted,
            "Unknown": self.unknown,
            "Mode": self.mode,
            "Status": self.status,
            "CorrelationId": correlation_id,
        });
        if self.coverage_known {
            line["Shortfall"] = json!(self.shortfall());
        }
        if let Some(choice) = &self.auto {
            line["AutoN"] = json!(choice.n);
            line["AutoNoData"] = json!(u32::from(choice.fell_back()));
            if let Some(peak) = choice.peak {
                line["AutoPeak"] = json!(peak);
            }
        }
        line
    }
}

/// The `_aws` metadata of an Embedded Metric Format line: the count metrics `names` under
/// `namespace`, with the one dimension `dimension`, timestamped now.
pub(crate) fn emf_metadata<'a>(
    namespace: &str,
    dimension: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Value {
    let metrics: Vec<Value> = names
        .into_iter()
        .map(|name| json!({"Name": name, "Unit": "Count"}))
        .collect();
    json!({
        "Timestamp": chrono::Utc::now().timestamp_millis(),
        "CloudWatchMetrics": [{
            "Namespace": namespace,
            "Dimensions": [[dimension]],
            "Metrics": metrics,
        }],
    })
}

/// The metrics of an `auto` target's line, after [`EMF_METRICS`]: the N autopilot chose, 1 when
/// it fell back to `min` for want of data (else 0), and the peak it read (absent without data).
pub const AUTO_EMF_METRICS: [&str; 3] = ["AutoN", "AutoNoData", "AutoPeak"];

/// The metric names an EMF line may carry, in order; `Shortfall` only where coverage is known.
pub const EMF_METRICS: [&str; 9] = [
    "Requested",
    "Reached",
    "New",
    "Throttled",
    "Failed",
    "Shortfall",
    "Capped",
    "Accepted",
    "Unknown",
];

/// One word for a target's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every environment asked for was reached.
    Ok,
    /// The guard lowered N, and every environment of the lowered N was reached.
    Capped,
    /// Fewer environments were reached than the run set out to warm.
    Short,
    /// How many environments were reached cannot be known (`event` mode, answers that are not
    /// warm-sdk answers, an N that cannot be in flight at once here).
    Unknown,
    /// The target could not be warmed at all (bad target, function not found).
    #[default]
    Error,
}

impl Status {
    /// The word, as in the report and the logs.
    ///
    /// ```
    /// assert_eq!(warmer_fn::engine::Status::Capped.as_str(), "capped");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Capped => "capped",
            Status::Short => "short",
            Status::Unknown => "unknown",
            Status::Error => "error",
        }
    }
}

/// Whether a throttle comes from a rate limit (worth one retry) or a concurrency limit (the
/// function cannot run more copies: retrying would not help).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleKind {
    /// Too many requests per second: may succeed after `Retry-After`.
    Rate,
    /// No concurrency left (reserved or account): a retry would be throttled again.
    Concurrency,
    /// No `Reason`, or one not known here (`Unknown` in the report): reported, never retried.
    /// Lambda's scaling rate (1,000 new environments per function every 10 s) has no value of
    /// its own in the service model's `ThrottleReason`.
    Other,
}

/// Classifies Lambda's throttle `Reason` (the values of the service model's `ThrottleReason`).
/// A missing or unknown reason is [`ThrottleKind::Other`]: reported, not retried.
///
/// ```
/// use warmer_fn::engine::{ThrottleKind, throttle_kind};
/// assert_eq!(throttle_kind("CallerRateLimitExceeded"), ThrottleKind::Rate);
/// assert_eq!(
///     throttle_kind("ReservedFunctionConcurrentInvocationLimitExceeded"),
///     ThrottleKind::Concurrency,
/// );
/// assert_eq!(throttle_kind("Unknown"), ThrottleKind::Other);
/// ```
pub fn throttle_kind(reason: &str) -> ThrottleKind {
    if throttle_pool(reason).is_some() {
        return ThrottleKind::Concurrency;
    }
    match reason {
        "CallerRateLimitExceeded"
        | "FunctionInvocationRateLimitExceeded"
        | "ReservedFunctionInvocationRateLimitExceeded" => ThrottleKind::Rate,
        _ => ThrottleKind::Other,
    }
}

/// The concurrency a concurrency-limit throttle ran out of: the function's reserved
/// concurrency, or the account's (the pool every function without a reservation shares);
/// `None` for any other reason.
///
/// ```
/// use warmer_fn::engine::guard::Pool;
/// use warmer_fn::engine::throttle_pool;
/// assert_eq!(throttle_pool("ReservedFunctionConcurrentInvocationLimitExceeded"), Some(Pool::Reserved));
/// assert_eq!(throttle_pool("ConcurrentInvocationLimitExceeded"), Some(Pool::Unreserved));
/// assert_eq!(throttle_pool("CallerRateLimitExceeded"), None);
/// ```
pub fn throttle_pool(reason: &str) -> Option<Pool> {
    match reason {
        "ReservedFunctionConcurrentInvocationLimitExceeded" => Some(Pool::Reserved),
        "ConcurrentInvocationLimitExceeded" => Some(Pool::Unreserved),
        _ => None,
    }
}
