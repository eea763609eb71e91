//! What detection found: the recognised warm-up and the warnings about unusable fields.

use std::fmt;
use std::time::Duration;

use super::dialect::Dialect;

/// A recognised warm-up: what [`detect`](crate::detect()) found in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warmup {
    /// Which warmer sent it.
    pub dialect: Dialect,
    /// The delay the payload asks for, or the configured default when it names none or an
    /// invalid one. Not yet capped: [`answer`](crate::answer()) caps it.
    pub delay: Duration,
    /// The instant to hold until, in milliseconds since the Unix epoch (`hold_until_ms`), when
    /// the payload names a usable one; [`answer`](crate::answer()) holds until then, never
    /// longer than [`Warmup::delay`] (see [`hold_for`](crate::answer::hold_for)).
    pub hold_until_ms: Option<u64>,
    /// The warmer's correlation id, echoed in the answer.
    pub correlation_id: Option<String>,
    /// This invocation's index in its warm-up run.
    pub index: Option<u32>,
    /// How many invocations the run sends at once.
    pub concurrency: Option<u32>,
    /// The fan-out a schedule ping asked for and did not get: a top-level `concurrency` above
    /// 1 without `__WARMER_INVOCATION__` or `index`, as jeremydaly/lambda-warmer and
    /// lambda-warmer-py send from their schedule (they expect the function to invoke itself
    /// `concurrency - 1` more times). This crate answers one warm-up and never fans out; the
    /// answer echoes the number and [`WarmupWarning::FanOutNotDone`] says what to do instead.
    pub fan_out: Option<u32>,
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
    /// A schedule ping asked this function to fan out (`"concurrency": N`, N > 1, without
    /// `__WARMER_INVOCATION__`); only this environment was warmed.
    FanOutNotDone {
        /// The `concurrency` the ping asked for.
        requested: u32,
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
            WarmupWarning::FanOutNotDone { requested } => write!(
                f,
                "warm-up asked this function to fan out to {requested} environments \
                 (`concurrency` without `__WARMER_INVOCATION__`, as lambda-warmer's schedule \
                 pings send); this function does not invoke itself, so only this environment \
                 is warm: have the warmer send {requested} concurrent warm-ups instead (the \
                 `warmer` engine's `concurrency` setting)"
            ),
        }
    }
}
