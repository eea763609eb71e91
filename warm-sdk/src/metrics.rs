//! Optional CloudWatch metrics written by the handler itself, in the Embedded Metric Format
//! (EMF): how many invocations were warm-ups, how long they held, and how many user
//! invocations started cold, so that dashboards can take the warm-ups out of the function's
//! `Invocations` and `Duration` (docs/monitoring.md has the metric-math and Logs Insights
//! recipes).
//!
//! Off by default; [`WarmConfig::metrics_namespace`](crate::WarmConfig::metrics_namespace)
//! turns it on. Each line is one JSON object on standard output, which Lambda sends to the
//! function's log group, where CloudWatch extracts the metrics
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//! Every line has the one dimension `FunctionName` (the function's name, as in `AWS/Lambda`)
//! and carries `RequestId` and `Version` as properties, not dimensions:
//!
//! | Metric | Unit | Written |
//! | --- | --- | --- |
//! | [`WARM_UPS`] | Count | 1 per warm-up answered |
//! | [`WARM_UP_DURATION`] | Milliseconds | per warm-up, how long it held |
//! | [`WARM_UP_COLD_STARTS`] | Count | per warm-up, 1 when it took its environment's cold start |
//! | [`COLD_STARTS`] | Count | 1 per user invocation that started cold (none for warm ones) |
//!
//! ```
//! let line = warm_sdk::metrics::warm_up_line("MyApp/Warm", "orders", "req-1", "7", true, 75, 1_700_000_000_000);
//! let json: serde_json::Value = serde_json::from_str(&line).unwrap();
//! assert_eq!(json["_aws"]["CloudWatchMetrics"][0]["Namespace"], "MyApp/Warm");
//! assert_eq!(json["_aws"]["CloudWatchMetrics"][0]["Dimensions"], serde_json::json!([["FunctionName"]]));
//! assert_eq!(json["WarmUps"], 1);
//! assert_eq!(json["WarmUpDuration"], 75);
//! assert_eq!(json["WarmUpColdStarts"], 1);
//! ```

use std::io::Write;

use serde::Serialize;

/// Warm-ups answered.
pub const WARM_UPS: &str = "WarmUps";
/// Milliseconds a warm-up held.
pub const WARM_UP_DURATION: &str = "WarmUpDuration";
/// Warm-ups that took their environment's cold start.
pub const WARM_UP_COLD_STARTS: &str = "WarmUpColdStarts";
/// User invocations that started cold.
pub const COLD_STARTS: &str = "ColdStarts";

#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "_aws")]
    aws: Aws<'a>,
    #[serde(rename = "FunctionName")]
    function: &'a str,
    #[serde(rename = "RequestId")]
    request_id: &'a str,
    #[serde(rename = "Version")]
    version: &'a str,
    #[serde(rename = "WarmUps", skip_serializing_if = "Option::is_none")]
    warm_ups: Option<u8>,
    #[serde(rename = "WarmUpDuration", skip_serializing_if = "Option::is_none")]
    warm_up_duration: Option<u64>,
    #[serde(rename = "WarmUpColdStarts", skip_serializing_if = "Option::is_none")]
    warm_up_cold_starts: Option<u8>,
    #[serde(rename = "ColdStarts", skip_serializing_if = "Option::is_none")]
    cold_starts: Option<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Aws<'a> {
    timestamp: u64,
    cloud_watch_metrics: [Directive<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Directive<'a> {
    namespace: &'a str,
    dimensions: [[&'static str; 1]; 1],
    metrics: Vec<Metric>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metric {
    name: &'static str,
    unit: &'static str,
}

fn directive(namespace: &str, metrics: Vec<Metric>) -> [Directive<'_>; 1] {
    [Directive {
        namespace,
        dimensions: [["FunctionName"]],
        metrics,
    }]
}

fn count(name: &'static str) -> Metric {
    Metric {
        name,
        unit: "Count",
    }
}

/// The EMF line of one warm-up. See the [module docs](self).
pub fn warm_up_line(
    namespace: &str,
    function: &str,
    request_id: &str,
    version: &str,
    cold: bool,
    held_ms: u64,
    timestamp_ms: u64,
) -> String {
    let metrics = vec![
        count(WARM_UPS),
        Metric {
            name: WARM_UP_DURATION,
            unit: "Milliseconds",
        },
        count(WARM_UP_COLD_STARTS),
    ];
    to_line(&Line {
        aws: Aws {
            timestamp: timestamp_ms,
            cloud_watch_metrics: directive(namespace, metrics),
        },
        function,
        request_id,
        version,
        warm_ups: Some(1),
        warm_up_duration: Some(held_ms),
        warm_up_cold_starts: Some(u8::from(cold)),
        cold_starts: None,
    })
}

/// The EMF line of a user invocation that started cold. See the [module docs](self).
///
/// ```
/// let line = warm_sdk::metrics::cold_start_line("MyApp/Warm", "orders", "req-2", "$LATEST", 1_700_000_000_000);
/// let json: serde_json::Value = serde_json::from_str(&line).unwrap();
/// assert_eq!(json["ColdStarts"], 1);
/// assert!(json.get("WarmUps").is_none());
/// ```
pub fn cold_start_line(
    namespace: &str,
    function: &str,
    request_id: &str,
    version: &str,
    timestamp_ms: u64,
) -> String {
    to_line(&Line {
        aws: Aws {
            timestamp: timestamp_ms,
            cloud_watch_metrics: directive(namespace, vec![count(COLD_STARTS)]),
        },
        function,
        request_id,
        version,
        warm_ups: None,
        warm_up_duration: None,
        warm_up_cold_starts: None,
        cold_starts: Some(1),
    })
}

fn to_line(line: &Line<'_>) -> String {
    let mut text = serde_json::to_string(line).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes `line` to standard output in one write, so lines of concurrent invocations do not
/// interleave. A failed write is dropped: metrics never fail an invocation.
pub(crate) fn emit(line: &str) {
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// Writes the cold-start line for a user invocation (not a warm-up) when metrics are on and
/// the invocation started cold; nothing otherwise, so a warm user invocation costs one branch.
pub(crate) fn user_invocation(
    invocation: crate::Invocation,
    context: &lambda_runtime::Context,
    config: &crate::WarmConfig,
) {
    if !invocation.cold {
        return;
    }
    if let Some(namespace) = config.get_metrics_namespace() {
        let env = &context.env_config;
        emit(&cold_start_line(
            namespace,
            &env.function_name,
            &context.request_id,
            &env.version,
            now_ms(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_metric_on_a_line_is_declared_with_its_unit() {
        let line = warm_up_line("N", "f", "r", "1", false, 12, 5);
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        let json: serde_json::Value = serde_json::from_str(&line).unwrap();
        let declared: Vec<(&str, &str)> = json["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["Name"].as_str().unwrap(), m["Unit"].as_str().unwrap()))
            .collect();
        assert_eq!(
            declared,
            [
                ("WarmUps", "Count"),
                ("WarmUpDuration", "Milliseconds"),
                ("WarmUpColdStarts", "Count")
            ]
        );
        for (name, _) in declared {
            assert!(json[name].is_u64(), "{name} has no value");
        }
        assert_eq!(json["WarmUpColdStarts"], 0);
        assert_eq!(json["_aws"]["Timestamp"], 5);
        assert_eq!(json["FunctionName"], "f");
        assert_eq!(json["RequestId"], "r");
    }

    #[test]
    fn quotes_in_names_stay_json() {
        let line = cold_start_line("a\"b", "f", "r\n", "v", 1);
        let json: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(json["_aws"]["CloudWatchMetrics"][0]["Namespace"], "a\"b");
        assert_eq!(json["RequestId"], "r\n");
    }
}
