//! Autopilot: a target with `"concurrency": "auto"` has its N chosen at every run from the
//! function's recent concurrency.
//!
//! Each run, before the guard, the engine reads the target's `ConcurrentExecutions` (namespace
//! `AWS/Lambda`, statistic `Maximum`, one data point per minute: "the number of active
//! concurrent invocations at a given point in time", emitted "for all functions, versions, and
//! aliases", <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html>) over
//! the last [`AutoRule::window_minutes`], leaves out the minutes that held the warmer's own
//! runs ([`own_warmups::remove_known_runs`], the rule `warmer plan` uses too), and sets
//!
//! ```text
//! N = clamp(ceil(peak × (1 + headroom)), min, max)
//! ```
//!
//! where `peak` is the highest minute left. The defaults: `min` 1, `max` 100, `headroom` 0.2
//! (20 %, as `warmer plan`), `window_minutes` 15, `every_minutes` 5 (the schedule's period:
//! `warmer render` writes the real one). When there is nothing to read (no data point at all in
//! the window: a new function, or one not invoked; the metric not available; the read denied
//! or failed), N is `min`, never 0 and never `max`, and the report and the `AutoNoData` metric
//! say so. The guard then applies to the chosen N as to any other.
//!
//! ```
//! use warmer_fn::autopilot::{AutoRule, Demand, NoData, choose};
//!
//! let rule = AutoRule { min: 2, max: 40, ..AutoRule::default() };
//! // A peak of 12 concurrent executions: 12 × 1.2 = 14.4, so 15.
//! assert_eq!(choose(&rule, &Demand::Seen { peak: 12.0, minutes: 14, own_runs_left_out: 3 }).n, 15);
//! // Nothing seen but the warmer's own runs: the minimum.
//! assert_eq!(choose(&rule, &Demand::Seen { peak: 0.0, minutes: 12, own_runs_left_out: 3 }).n, 2);
//! // A burst above the ceiling: the ceiling.
//! assert_eq!(choose(&rule, &Demand::Seen { peak: 90.0, minutes: 15, own_runs_left_out: 0 }).n, 40);
//! // No data: the minimum, with the reason.
//! let choice = choose(&rule, &Demand::NoData(NoData::NoDataPoints));
//! assert_eq!(choice.n, 2);
//! assert!(choice.to_string().contains("no data"), "{choice}");
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::target::Target;

mod cloudwatch;
pub mod own_warmups;

pub use cloudwatch::{cloudwatch_client, read_concurrency};

/// One observation of concurrent executions: a data point of `ConcurrentExecutions`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// When (the start of its period).
    pub at: DateTime<Utc>,
    /// How many executions ran at once.
    pub value: f64,
}

/// How autopilot sizes N: the `auto` table of a target whose `concurrency` is `"auto"`.
///
/// ```
/// use warmer_fn::autopilot::AutoRule;
/// let rule: AutoRule = serde_json::from_str(r#"{"max": 30}"#).unwrap();
/// assert_eq!((rule.min, rule.max, rule.headroom), (1, 30, 0.2));
/// assert_eq!((rule.window_minutes, rule.every_minutes), (15, 5));
/// assert!(serde_json::from_str::<AutoRule>(r#"{"maximum": 30}"#).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoRule {
    /// The least N, also the N when there is nothing to read (default 1).
    #[serde(default = "default_min")]
    pub min: u32,
    /// The most N (default 100); the brief, the cost and the template's sizing use it.
    #[serde(default = "default_max")]
    pub max: u32,
    /// The extra over the peak, as a fraction (default 0.2: 20 %).
    #[serde(default = "default_headroom")]
    pub headroom: f64,
    /// How far back to read, in minutes (default 15; 1 to 1,440).
    #[serde(default = "default_window")]
    pub window_minutes: u32,
    /// The warmer's schedule period, in minutes, to leave its own runs out (default 5;
    /// `warmer render` writes the schedule's). 0: no schedule, nothing left out (what
    /// `warmer warm --concurrency auto` sends unless told `--auto-every`).
    #[serde(default = "default_every")]
    pub every_minutes: u32,
}

fn default_min() -> u32 {
    1
}
fn default_max() -> u32 {
    100
}
fn default_headroom() -> f64 {
    0.2
}
fn default_window() -> u32 {
    15
}
fn default_every() -> u32 {
    5
}

impl Default for AutoRule {
    fn default() -> Self {
        Self {
            min: default_min(),
            max: default_max(),
            headroom: default_headroom(),
            window_minutes: default_window(),
            every_minutes: default_every(),
        }
    }
}

/// The period of the data points autopilot reads: Lambda's metrics have 1-minute granularity.
pub const SAMPLE_SECONDS: i64 = 60;

/// The longest window autopilot reads: one day of 1-minute data points (1,440, one
/// `GetMetricData` page holds up to 100,800).
pub const MAX_WINDOW_MINUTES: u32 = 1_440;

/// The most headroom a rule may add (10: N up to 11 × the peak).
pub const MAX_HEADROOM: f64 = 10.0;

/// What the read found.
#[derive(Debug, Clone, PartialEq)]
pub enum Demand {
    /// Data points were read.
    Seen {
        /// The highest `Maximum` left after the warmer's own runs were taken out (0 when only
        /// they were seen).
        peak: f64,
        /// Data points read.
        minutes: usize,
        /// Of those, the ones left out as the warmer's own runs.
        own_runs_left_out: usize,
    },
    /// Nothing to read: N falls back to `min`.
    NoData(NoData),
}

/// Why there was nothing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoData {
    /// The metric has no data point in the window (a new function, or not invoked).
    NoDataPoints,
    /// The read failed: the AWS error code (`AccessDenied`, ...) or what went wrong.
    ReadFailed(String),
    /// No CloudWatch client was given to the run.
    NoReader,
}

impl fmt::Display for NoData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoData::NoDataPoints => f.write_str("no data points in the window"),
            NoData::ReadFailed(code) => write!(f, "the read failed ({code})"),
            NoData::NoReader => f.write_str("no CloudWatch client in this run"),
        }
    }
}

/// The N autopilot chose, and why: what the report and the log line say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The N chosen.
    pub n: u32,
    /// The peak read (own runs left out); `None` when there was nothing to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak: Option<f64>,
    /// Data points read.
    #[serde(default)]
    pub minutes: usize,
    /// Data points left out as the warmer's own runs.
    #[serde(default)]
    pub own_runs_left_out: usize,
    /// Why nothing was read, when so (the N is then `min`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_data: Option<String>,
    /// The rule applied.
    pub rule: AutoRule,
}

impl Choice {
    /// Whether N fell back to `min` for want of data.
    pub fn fell_back(&self) -> bool {
        self.no_data.is_some()
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let AutoRule {
            min,
            max,
            headroom,
            window_minutes,
            ..
        } = self.rule;
        match (&self.no_data, self.peak) {
            (Some(why), _) => write!(
                f,
                "auto: N {} (min): no data in the last {window_minutes} min ({why})",
                self.n
            ),
            (None, peak) => {
                let peak = peak.unwrap_or(0.0);
                let wanted = wanted(peak, headroom);
                let bound = if wanted < min {
                    ", raised to min"
                } else if wanted > max {
                    ", capped at max"
                } else {
                    ""
                };
                write!(
                    f,
                    "auto: N {}: peak {peak} in the last {window_minutes} min ({} of {} minutes \
                     left out as the warmer's own runs) + {:.0} % headroom = {wanted}{bound} \
                     (min {min}, max {max})",
                    self.n,
                    self.own_runs_left_out,
                    self.minutes,
                    headroom * 100.0
                )
            }
        }
    }
}

/// `ceil(peak × (1 + headroom))`, in N's range.
fn wanted(peak: f64, headroom: f64) -> u32 {
    let raw = (peak.max(0.0) * (1.0 + headroom.max(0.0))).ceil();
    if raw >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        raw as u32
    }
}

/// The N `rule` gives for `demand` (see the module docs).
pub fn choose(rule: &AutoRule, demand: &Demand) -> Choice {
    let min = rule.min.max(1);
    let max = rule.max.max(min);
    match demand {
        Demand::Seen {
            peak,
            minutes,
            own_runs_left_out,
        } => Choice {
            n: wanted(*peak, rule.headroom).clamp(min, max),
            peak: Some(*peak),
            minutes: *minutes,
            own_runs_left_out: *own_runs_left_out,
            no_data: None,
            rule: *rule,
        },
        Demand::NoData(why) => Choice {
            n: min,
            peak: None,
            minutes: 0,
            own_runs_left_out: 0,
            no_data: Some(why.to_string()),
            rule: *rule,
        },
    }
}

/// What `samples` (one window of 1-minute maxima read at `now`) say of demand, the warmer's
/// own runs left out (every [`AutoRule::every_minutes`] before `now`, each up to `run_seconds`
/// long).
///
/// ```
/// use chrono::{DateTime, Duration, Utc};
/// use warmer_fn::autopilot::{AutoRule, Demand, Sample, demand};
///
/// let now: DateTime<Utc> = "2026-11-02T12:15:01Z".parse().unwrap();
/// let at = |m: i64| now - Duration::seconds(1) - Duration::minutes(15 - m);
/// // Runs at 12:00, 12:05, 12:10 held 30; traffic peaked at 8.
/// let samples: Vec<Sample> = (0..15)
///     .map(|m| Sample { at: at(m), value: if m % 5 == 0 { 31.0 } else if m == 7 { 8.0 } else { 1.0 } })
///     .collect();
/// let seen = demand(&samples, now, &AutoRule::default(), 12);
/// assert_eq!(seen, Demand::Seen { peak: 8.0, minutes: 15, own_runs_left_out: 3 });
/// ```
pub fn demand(samples: &[Sample], now: DateTime<Utc>, rule: &AutoRule, run_seconds: i64) -> Demand {
    if samples.is_empty() {
        return Demand::NoData(NoData::NoDataPoints);
    }
    // Every `every_minutes` before now held one of this warmer's runs; 0: it runs on no schedule.
    let kept = match rule.every_minutes {
        0 => samples.to_vec(),
        every => {
            let period = i64::from(every) * 60;
            own_warmups::remove_known_runs(samples, now, period, SAMPLE_SECONDS, run_seconds).0
        }
    };
    Demand::Seen {
        peak: kept.iter().map(|s| s.value).fold(0.0, f64::max),
        minutes: samples.len(),
        own_runs_left_out: samples.len() - kept.len(),
    }
}

/// How long autopilot waits for CloudWatch at most (less when the run's deadline is closer).
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Sizes `target` when it is `auto`: reads its concurrency with `cloudwatch` over the rule's
/// window before `now`, takes the warmer's own runs (each up to `run_seconds`) out, and chooses
/// N. Returns the target to warm (its `concurrency` the chosen N, `auto` cleared) and the
/// choice; a fixed target comes back as it was, with `None`. Never fails: a read that fails or
/// finds nothing gives `min` ([`NoData`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use warmer_fn::autopilot::{AutoRule, size};
/// use warmer_fn::target::Target;
///
/// let mut target = Target::new("orders", 40);
/// target.auto = Some(AutoRule { min: 3, max: 40, ..AutoRule::default() });
/// // No CloudWatch client: the minimum, and the reason.
/// let (sized, choice) = size(None, &target, chrono::Utc::now(), 12, None).await;
/// assert_eq!((sized.concurrency, sized.auto), (3, None));
/// assert!(choice.unwrap().fell_back());
/// # }
/// ```
pub async fn size(
    cloudwatch: Option<&aws_sdk_cloudwatch::Client>,
    target: &Target,
    now: DateTime<Utc>,
    run_seconds: i64,
    deadline: Option<Instant>,
) -> (Target, Option<Choice>) {
    let Some(rule) = target.auto else {
        return (target.clone(), None);
    };
    let demand = match cloudwatch {
        None => Demand::NoData(NoData::NoReader),
        Some(client) => {
            let start = now - chrono::Duration::minutes(i64::from(rule.window_minutes));
            let id = target.function_id();
            let limit = deadline
                .map(|d| d.saturating_duration_since(Instant::now()) / 2)
                .map_or(READ_TIMEOUT, |left| left.min(READ_TIMEOUT));
            match tokio::time::timeout(
                limit,
                read_concurrency(client, &id, start, now, SAMPLE_SECONDS as i32),
            )
            .await
            {
                Ok(Ok(samples)) => demand(&samples, now, &rule, run_seconds),
                Ok(Err(code)) => Demand::NoData(NoData::ReadFailed(code)),
                Err(_) => Demand::NoData(NoData::ReadFailed(format!(
                    "no answer within {} ms",
                    limit.as_millis()
                ))),
            }
        }
    };
    let choice = choose(&rule, &demand);
    let mut sized = target.clone();
    sized.concurrency = choice.n;
    sized.auto = None;
    (sized, Some(choice))
}
