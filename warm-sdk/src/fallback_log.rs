//! The warm-up line written straight to standard error when no `tracing` subscriber is set,
//! so that a function whose `main` sets up no logging still shows each warm-up with its
//! function name and log stream.
//!
//! Lambda sends a function's standard output and standard error to CloudWatch Logs, in the
//! environment's log stream. The line is JSON when `AWS_LAMBDA_LOG_FORMAT` is `JSON`
//! (compared without regard to case), plain text otherwise:
//!
//! - A function's log format is `JSON` or `Text`: the two values of `LogFormat` in the
//!   Lambda API's `LoggingConfig` ("The format in which Lambda sends your function's
//!   application and system logs to CloudWatch. Select between plain text and structured
//!   JSON", <https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html>; the
//!   `LogFormat` enum of the Lambda service model, as `aws-sdk-lambda` generates it).
//! - For a custom runtime such as a Rust function, "Lambda sets the application log level in
//!   the runtime using the `AWS_LAMBDA_LOG_LEVEL` environment variable. Lambda also sets your
//!   function's log format using the `AWS_LAMBDA_LOG_FORMAT` environment variable" (the AWS
//!   documentation as quoted in <https://github.com/aws/aws-lambda-rust-runtime/issues/821>,
//!   which added that support to `lambda_runtime`); for Lambda Managed Instances, "Managed
//!   Instances only support JSON log format. Ensure your runtime respects the
//!   `AWS_LAMBDA_LOG_FORMAT` environment variable"
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-managed-instances>).
//!
//! The JSON line is shaped as `lambda_runtime::tracing::init_default_subscriber()` writes an
//! event (the fields nested under `fields`, `level` at the top), so that the Logs Insights
//! query in the [protocol docs](crate::protocol) counts both alike. Its top-level `level` is
//! `INFO`, the key Lambda's log-level filtering reads from JSON lines of custom runtimes: a
//! function whose application log level is `WARN` or above does not get it in CloudWatch
//! ("Log-level filtering",
//! <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html>).
//!
//! With a subscriber set (the READMEs show the one line), the `tracing` event is the line and
//! nothing is written here.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The environment variable naming the function's log format (`Text` or `JSON`, see the
/// [module docs](self)).
pub const LOG_FORMAT_ENV: &str = "AWS_LAMBDA_LOG_FORMAT";

/// Whether no `tracing` subscriber would record an event logged here and now.
pub(crate) fn no_subscriber() -> bool {
    tracing::dispatcher::get_default(|dispatch| dispatch.is::<tracing::subscriber::NoSubscriber>())
}

/// Writes one line for `message` with `fields` (in order) to standard error: JSON when `json`
/// is true, `TIMESTAMP LEVEL message key=value ...` otherwise. Write errors are ignored: a warm-up is
/// answered whether or not its log line could be written.
pub(crate) fn write_line(
    level: &str,
    message: &str,
    fields: &[(&str, Value)],
    json: bool,
    now: SystemTime,
) {
    let line = format_line(level, message, fields, json, now);
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Whether `AWS_LAMBDA_LOG_FORMAT` asks for JSON.
pub(crate) fn json_format() -> bool {
    std::env::var(LOG_FORMAT_ENV).is_ok_and(|format| format.eq_ignore_ascii_case("json"))
}

fn format_line(
    level: &str,
    message: &str,
    fields: &[(&str, Value)],
    json: bool,
    now: SystemTime,
) -> String {
    let timestamp = rfc3339_millis(now);
    if json {
        let mut nested = Map::new();
        nested.insert("message".to_owned(), Value::from(message));
        for (key, value) in fields {
            if !value.is_null() {
                nested.insert((*key).to_owned(), value.clone());
            }
        }
        return json!({
            "timestamp": timestamp,
            "level": level,
            "fields": nested,
        })
        .to_string();
    }
    let mut line = format!("{timestamp} {level} {message}");
    for (key, value) in fields {
        match value {
            Value::Null => {}
            Value::String(text) => line.push_str(&format!(" {key}={text}")),
            other => line.push_str(&format!(" {key}={other}")),
        }
    }
    line
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for `time` (UTC).
fn rfc3339_millis(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date `days` days after 1970-01-01 (H. Hinnant's `civil_from_days`
/// algorithm, <https://howardhinnant.github.io/date_algorithms.html#civil_from_days>).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis)
    }

    #[test]
    fn timestamps_are_utc_rfc3339_with_milliseconds() {
        assert_eq!(rfc3339_millis(at(0, 0)), "1970-01-01T00:00:00.000Z");
        // 2024-02-29T12:34:56.789Z, a leap day.
        assert_eq!(
            rfc3339_millis(at(1_709_210_096, 789)),
            "2024-02-29T12:34:56.789Z"
        );
        assert_eq!(
            rfc3339_millis(at(1_798_761_599, 0)),
            "2026-12-31T23:59:59.000Z"
        );
    }

    #[test]
    fn text_line_names_each_present_field() {
        let fields = [
            ("function", Value::from("orders")),
            ("log_stream", Value::from("2026/12/02/[$LATEST]ab")),
            ("cold", Value::from(true)),
            ("index", Value::Null),
        ];
        assert_eq!(
            format_line("INFO", "warm-up answered", &fields, false, at(0, 5)),
            "1970-01-01T00:00:00.005Z INFO warm-up answered function=orders \
             log_stream=2026/12/02/[$LATEST]ab cold=true"
        );
    }

    #[test]
    fn json_line_nests_fields_as_the_default_subscriber_does() {
        let fields = [
            ("function", Value::from("orders")),
            ("invocations", Value::from(3)),
            ("index", Value::Null),
        ];
        let line = format_line("INFO", "warm-up answered", &fields, true, at(0, 0));
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["level"], "INFO");
        assert_eq!(parsed["fields"]["message"], "warm-up answered");
        assert_eq!(parsed["fields"]["function"], "orders");
        assert_eq!(parsed["fields"]["invocations"], 3);
        assert!(parsed["fields"].get("index").is_none());
    }

    /// A subscriber that records nothing but counts as one.
    struct Silent;

    impl tracing::Subscriber for Silent {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn the_fallback_is_used_only_where_no_subscriber_is_set() {
        assert!(no_subscriber());
        tracing::subscriber::with_default(Silent, || assert!(!no_subscriber()));
    }
}
