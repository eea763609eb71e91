//! The warmer Lambda's logs: set up to follow the function's Lambda log settings, and one
//! structured line per target and run carrying that target's whole report.
//!
//! Lambda passes a function's logging configuration to custom runtimes in
//! `AWS_LAMBDA_LOG_FORMAT` (`JSON` or `Text`) and `AWS_LAMBDA_LOG_LEVEL` (`TRACE`, `DEBUG`,
//! `INFO`, `WARN`, `ERROR`, `FATAL`), and filters JSON logs by their `level` key, which needs a
//! `timestamp` key beside it
//! (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html>).
//! `lambda_runtime::tracing::init_default_subscriber` reads the same variables but drops the
//! timestamp and does not know `FATAL`, so the subscriber is built here: with a timestamp, and
//! `FATAL` read as `ERROR` (tracing's most severe level). In JSON the event's fields are top-level
//! keys, so CloudWatch Logs Insights can filter on them (`filter status != "ok"`).
//!
//! ```
//! use warmer_fn::logging::{LogFormat, LogSettings};
//! let settings = LogSettings::from_values(Some("JSON"), Some("WARN"), None);
//! assert_eq!(settings.format, LogFormat::Json);
//! assert_eq!(settings.level, tracing::Level::WARN);
//! ```

use std::str::FromStr;

use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

use crate::engine::guard::Pool;
use crate::engine::{RunReport, Status, TargetReport};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, with `timestamp`, `level` and the event's fields as keys.
    Json,
    /// Plain text (`LEVEL message key=value ...`).
    Text,
}

/// The log format and the least severe level written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSettings {
    /// JSON or text.
    pub format: LogFormat,
    /// Events below this level are not written.
    pub level: Level,
}

impl LogSettings {
    /// From the values of `AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL` and `RUST_LOG` (used
    /// when Lambda sets no level). Unknown values fall back to text and `INFO`.
    pub fn from_values(format: Option<&str>, level: Option<&str>, rust_log: Option<&str>) -> Self {
        let format = if format.is_some_and(|f| f.trim().eq_ignore_ascii_case("json")) {
            LogFormat::Json
        } else {
            LogFormat::Text
        };
        let level = level
            .or(rust_log)
            .map(str::trim)
            .and_then(|l| {
                if l.eq_ignore_ascii_case("fatal") {
                    Some(Level::ERROR)
                } else {
                    Level::from_str(l).ok()
                }
            })
            .unwrap_or(Level::INFO);
        Self { format, level }
    }

    /// From the process environment.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok();
        Self::from_values(
            var("AWS_LAMBDA_LOG_FORMAT").as_deref(),
            var("AWS_LAMBDA_LOG_LEVEL").as_deref(),
            var("RUST_LOG").as_deref(),
        )
    }
}

/// A subscriber writing to `writer` with `settings`; [`init`] installs one on stdout.
pub fn subscriber<W>(settings: LogSettings, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // No ANSI colours: CloudWatch Logs shows escape codes as text.
    let builder = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_target(false)
        .with_max_level(settings.level)
        .with_writer(writer);
    match settings.format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .finish(),
        ),
        LogFormat::Text => Box::new(builder.without_time().finish()),
    }
}

/// Installs the subscriber for this process from its environment, on stdout (Lambda sends
/// stdout to the function's log stream). Does nothing if one is installed already.
pub fn init() {
    let _ = tracing::subscriber::set_global_default(subscriber(
        LogSettings::from_env(),
        std::io::stdout,
    ));
}

/// Writes one line per target of `report`: at `INFO` when the target is `ok` or `capped`, at
/// `WARN` when it is `short`, `unknown` or `error`.
pub fn log_report(report: &RunReport) {
    for target in &report.targets {
        log_target(target, &report.correlation_id);
    }
}

/// One target's line; its fields are the whole report.
fn log_target(t: &TargetReport, correlation_id: &str) {
    let shortfall = if t.coverage_known {
        t.shortfall().to_string()
    } else {
        "unknown".to_owned()
    };
    let capped_to = t.capped.as_ref().map(|c| c.to);
    let cap_limit = t.capped.as_ref().map(|c| c.limit);
    let cap_share = t.capped.as_ref().map(|c| c.share);
    let cap_pool = t.capped.as_ref().map(|c| match c.pool {
        Pool::Reserved => "reserved",
        Pool::Unreserved => "unreserved",
    });
    let notes = t.notes.join(" | ");
    let throttle_reasons = to_json(&t.throttle_reasons);
    let failure_types = to_json(&t.failure_types);
    let shards = to_json(&t.shards);
    macro_rules! line {
        ($level:expr) => {
            tracing::event!(
                $level,
                function = %t.function,
                mode = %t.mode,
                status = t.status.as_str(),
                ok = t.ok,
                requested = t.requested,
                warmed_n = t.target_n(),
                reached = t.reached,
                new = t.new,
                duplicates = t.duplicates,
                shortfall = %shortfall,
                coverage_known = t.coverage_known,
                capped_to,
                cap_limit,
                cap_share,
                cap_pool,
                throttled = t.throttled,
                throttle_reasons = %throttle_reasons,
                failed = t.failed,
                failure_types = %failure_types,
                function_errors = t.function_errors,
                accepted = t.accepted,
                unknown = t.unknown,
                delay_ms = t.delay_ms,
                rounds = t.rounds,
                dispatch_spread_ms = t.dispatch_spread_ms,
                arrival_spread_ms = t.arrival_spread_ms,
                last_arrival_ms = t.last_arrival_ms,
                held_env_seconds = t.held_env_seconds,
                elapsed_ms = t.elapsed_ms,
                shards = %shards,
                error = t.error.as_deref(),
                notes = %notes,
                correlation_id,
                "warm-up target report"
            )
        };
    }
    if matches!(t.status, Status::Ok | Status::Capped) {
        line!(Level::INFO);
    } else {
        line!(Level::WARN);
    }
}

/// One line for a shard this copy of the warmer sent for its coordinator: the shard, its
/// counts and, when not every warm-up was answered, why (at WARN).
pub fn log_shard(request: &crate::engine::ShardRequest, answer: &crate::engine::ShardReport) {
    let t = &answer.report;
    let notes = t.notes.join(" | ");
    let throttle_reasons = to_json(&t.throttle_reasons);
    let failure_types = to_json(&t.failure_types);
    macro_rules! line {
        ($level:expr) => {
            tracing::event!(
                $level,
                function = %t.function,
                round = request.round,
                shard = request.shard,
                shards = request.shards,
                sent = t.requested,
                reached = t.reached,
                new = t.new,
                duplicates = t.duplicates,
                throttled = t.throttled,
                throttle_reasons = %throttle_reasons,
                failed = t.failed,
                failure_types = %failure_types,
                function_errors = t.function_errors,
                unknown = t.unknown,
                held_env_seconds = t.held_env_seconds,
                elapsed_ms = t.elapsed_ms,
                error = t.error.as_deref(),
                notes = %notes,
                correlation_id = %request.correlation_id,
                "warm-up shard report"
            )
        };
    }
    if t.error.is_none() && t.throttled + t.failed + t.function_errors + t.unknown == 0 {
        line!(Level::INFO);
    } else {
        line!(Level::WARN);
    }
}

/// JSON text of a map field, so that it stays one value in the line.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
