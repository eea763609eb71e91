//! Cold or warm: read exactly from what the handler side reports, or guessed from latency.
//!
//! Exact sources, in the order they are tried:
//! 1. the `x-warm-cold-start` response header (HTTP), [`Method::Header`];
//! 2. the same header inside an API-Gateway-shaped Lambda response (`{"headers": {...}}`),
//!    [`Method::PayloadHeader`];
//! 3. the `cold` field of a JSON response such as a warm-up answer, [`Method::ColdField`];
//! 4. `Init Duration` in the `REPORT` line of a Lambda log tail, [`Method::InitDuration`].
//!
//! Only when none of them is present is the latency compared with a threshold,
//! [`Method::Threshold`].
//!
//! ```
//! use std::time::Duration;
//! use warmer_cli::loadtest::classify::{Classification, Method, Start};
//!
//! let payload = br#"{"statusCode": 200, "headers": {"x-warm-cold-start": "true"}, "body": "hi"}"#;
//! let found = Classification::of_lambda(payload, None, Duration::from_millis(20), Duration::from_millis(500));
//! assert_eq!(found, Classification { start: Start::Cold, method: Method::PayloadHeader });
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use warm_sdk::COLD_START_HEADER;

/// Whether a response was served by a fresh environment (cold) or a reused one (warm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// A fresh execution environment: the function's init ran for this request.
    Cold,
    /// A reused execution environment.
    Warm,
}

impl Start {
    fn from_cold(cold: bool) -> Self {
        if cold { Start::Cold } else { Start::Warm }
    }
}

/// How a response was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Exact: the `x-warm-cold-start` HTTP response header.
    Header,
    /// Exact: the `x-warm-cold-start` header in the `headers` of an API-Gateway-shaped Lambda
    /// response.
    PayloadHeader,
    /// Exact: the `cold` field of a JSON response.
    ColdField,
    /// Exact: `Init Duration` present (cold) or absent (warm) in the log tail's `REPORT` line.
    InitDuration,
    /// A guess: latency at or above the threshold is cold.
    Threshold,
}

impl Method {
    /// Whether the method reads what the function itself or Lambda reported (not a guess).
    ///
    /// ```
    /// use warmer_cli::loadtest::classify::Method;
    /// assert!(Method::InitDuration.is_exact());
    /// assert!(!Method::Threshold.is_exact());
    /// ```
    pub fn is_exact(self) -> bool {
        self != Method::Threshold
    }

    /// The name used in reports and JSON (`header`, `payload_header`, `cold_field`,
    /// `init_duration`, `threshold`).
    ///
    /// ```
    /// assert_eq!(warmer_cli::loadtest::classify::Method::ColdField.name(), "cold_field");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Method::Header => "header",
            Method::PayloadHeader => "payload_header",
            Method::ColdField => "cold_field",
            Method::InitDuration => "init_duration",
            Method::Threshold => "threshold",
        }
    }
}

/// The verdict on one response and how it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// Cold or warm.
    pub start: Start,
    /// Which source decided it.
    pub method: Method,
}

impl Classification {
    /// Classifies an HTTP response: its `x-warm-cold-start` header, else a `cold` field of a
    /// JSON body, else `latency` against `threshold`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use warmer_cli::loadtest::classify::{Classification, Method, Start};
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-warm-cold-start", "false".parse().unwrap());
    /// let found = Classification::of_http(&headers, b"", Duration::from_secs(3), Duration::from_millis(500));
    /// assert_eq!(found, Classification { start: Start::Warm, method: Method::Header });
    /// ```
    pub fn of_http(
        headers: &http::HeaderMap,
        body: &[u8],
        latency: Duration,
        threshold: Duration,
    ) -> Self {
        if let Some(cold) = headers
            .get(COLD_START_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_flag)
        {
            return Self::exact(cold, Method::Header);
        }
        if let Some(found) = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| cold_field(&v))
        {
            return Self::exact(found, Method::ColdField);
        }
        Self::by_threshold(latency, threshold)
    }

    /// Classifies a Lambda invoke response: the header inside an API-Gateway-shaped payload,
    /// else a `cold` field, else the log tail's `REPORT` line (`log_tail` is the decoded
    /// `LogResult`), else `latency` against `threshold`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use warmer_cli::loadtest::classify::{Classification, Method, Start};
    ///
    /// let tail = "REPORT RequestId: 1\tDuration: 2.00 ms\tInit Duration: 310.2 ms\t";
    /// let found = Classification::of_lambda(b"\"ok\"", Some(tail), Duration::ZERO, Duration::from_secs(1));
    /// assert_eq!(found, Classification { start: Start::Cold, method: Method::InitDuration });
    /// ```
    pub fn of_lambda(
        payload: &[u8],
        log_tail: Option<&str>,
        latency: Duration,
        threshold: Duration,
    ) -> Self {
        if let Ok(value) = serde_json::from_slice::<Value>(payload) {
            if let Some(cold) = payload_header(&value) {
                return Self::exact(cold, Method::PayloadHeader);
            }
            if let Some(cold) = cold_field(&value) {
                return Self::exact(cold, Method::ColdField);
            }
        }
        if let Some(cold) = log_tail.and_then(init_duration_in_report) {
            return Self::exact(cold, Method::InitDuration);
        }
        Self::by_threshold(latency, threshold)
    }

    /// The fallback: cold when `latency >= threshold`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use warmer_cli::loadtest::classify::{Classification, Start};
    ///
    /// let slow = Classification::by_threshold(Duration::from_millis(900), Duration::from_millis(500));
    /// assert_eq!(slow.start, Start::Cold);
    /// ```
    pub fn by_threshold(latency: Duration, threshold: Duration) -> Self {
        Self {
            start: Start::from_cold(latency >= threshold),
            method: Method::Threshold,
        }
    }

    fn exact(cold: bool, method: Method) -> Self {
        Self {
            start: Start::from_cold(cold),
            method,
        }
    }
}

fn parse_flag(text: &str) -> Option<bool> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") => Some(true),
        t if t.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The cold-start header in an API-Gateway-shaped response (`headers`, or the lists of
/// `multiValueHeaders`), matched without regard to case as HTTP header names are.
fn payload_header(value: &Value) -> Option<bool> {
    let object = value.as_object()?;
    let find = |key: &str| {
        object.get(key)?.as_object()?.iter().find_map(|(name, v)| {
            if !name.eq_ignore_ascii_case(COLD_START_HEADER) {
                return None;
            }
            match v {
                Value::String(s) => parse_flag(s),
                Value::Array(items) => items.first()?.as_str().and_then(parse_flag),
                Value::Bool(b) => Some(*b),
                _ => None,
            }
        })
    };
    find("headers").or_else(|| find("multiValueHeaders"))
}

fn cold_field(value: &Value) -> Option<bool> {
    value.as_object()?.get("cold")?.as_bool()
}

/// `Some(true)` when the log tail's `REPORT` line carries `Init Duration`, `Some(false)` when
/// there is a `REPORT` line without it, `None` without a `REPORT` line.
///
/// ```
/// use warmer_cli::loadtest::classify::init_duration_in_report;
///
/// assert_eq!(init_duration_in_report("START\nREPORT RequestId: 1\tDuration: 1.0 ms\t\n"), Some(false));
/// assert_eq!(init_duration_in_report("no report here"), None);
/// ```
pub fn init_duration_in_report(log_tail: &str) -> Option<bool> {
    log_tail
        .lines()
        .rev()
        .find(|line| line.starts_with("REPORT"))
        .map(|line| line.contains("Init Duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Duration = Duration::from_millis(5);
    const SLOW: Duration = Duration::from_millis(5_000);
    const THRESHOLD: Duration = Duration::from_millis(500);

    fn headers(value: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(COLD_START_HEADER, value.parse().unwrap());
        headers
    }

    #[test]
    fn http_header_decides_even_against_latency() {
        let cold = Classification::of_http(&headers("true"), b"", FAST, THRESHOLD);
        assert_eq!((cold.start, cold.method), (Start::Cold, Method::Header));
        let warm = Classification::of_http(&headers("FALSE"), b"", SLOW, THRESHOLD);
        assert_eq!((warm.start, warm.method), (Start::Warm, Method::Header));
    }

    #[test]
    fn http_body_cold_field_is_used_without_header() {
        let found = Classification::of_http(
            &http::HeaderMap::new(),
            br#"{"cold":true}"#,
            FAST,
            THRESHOLD,
        );
        assert_eq!(
            (found.start, found.method),
            (Start::Cold, Method::ColdField)
        );
    }

    #[test]
    fn http_garbage_header_falls_back_to_threshold() {
        let found = Classification::of_http(&headers("maybe"), b"not json", SLOW, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Cold, Method::Threshold)
        );
        let found = Classification::of_http(&http::HeaderMap::new(), b"", FAST, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Warm, Method::Threshold)
        );
    }

    #[test]
    fn lambda_payload_header_is_case_insensitive() {
        let payload = br#"{"statusCode":200,"headers":{"X-Warm-Cold-Start":"false"},"body":""}"#;
        let found = Classification::of_lambda(payload, None, SLOW, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Warm, Method::PayloadHeader)
        );
    }

    #[test]
    fn lambda_multi_value_header_is_read() {
        let payload = br#"{"statusCode":200,"multiValueHeaders":{"x-warm-cold-start":["true"]}}"#;
        let found = Classification::of_lambda(payload, None, FAST, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Cold, Method::PayloadHeader)
        );
    }

    #[test]
    fn lambda_payload_header_wins_over_log_tail() {
        let payload = br#"{"headers":{"x-warm-cold-start":"false"}}"#;
        let tail = "REPORT RequestId: x\tInit Duration: 100 ms";
        let found = Classification::of_lambda(payload, Some(tail), FAST, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Warm, Method::PayloadHeader)
        );
    }

    #[test]
    fn lambda_warmup_answer_cold_field_is_read() {
        let payload = br#"{"warmed":true,"cold":true,"instance":"abc"}"#;
        let found = Classification::of_lambda(payload, None, FAST, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Cold, Method::ColdField)
        );
    }

    #[test]
    fn lambda_report_line_init_duration_means_cold() {
        let tail = "START RequestId: 1\nEND RequestId: 1\nREPORT RequestId: 1\tDuration: 3.1 ms\tBilled Duration: 4 ms\tInit Duration: 250.7 ms\t\n";
        let found = Classification::of_lambda(b"{\"ok\":1}", Some(tail), FAST, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Cold, Method::InitDuration)
        );
    }

    #[test]
    fn lambda_report_line_without_init_duration_means_warm() {
        let tail = "REPORT RequestId: 1\tDuration: 3.1 ms\tBilled Duration: 4 ms\t";
        let found = Classification::of_lambda(b"\"plain\"", Some(tail), SLOW, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Warm, Method::InitDuration)
        );
    }

    #[test]
    fn init_duration_outside_report_line_is_ignored() {
        assert_eq!(
            init_duration_in_report("user printed Init Duration\n"),
            None
        );
        let tail = "Init Duration in a user line\nREPORT RequestId: 1\tDuration: 1 ms";
        assert_eq!(init_duration_in_report(tail), Some(false));
    }

    #[test]
    fn lambda_without_any_signal_uses_threshold() {
        let found = Classification::of_lambda(b"\"plain\"", Some("START\n"), SLOW, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Cold, Method::Threshold)
        );
        let found = Classification::of_lambda(b"", None, FAST, THRESHOLD);
        assert_eq!(
            (found.start, found.method),
            (Start::Warm, Method::Threshold)
        );
    }

    #[test]
    fn threshold_boundary_counts_as_cold() {
        assert_eq!(
            Classification::by_threshold(THRESHOLD, THRESHOLD).start,
            Start::Cold
        );
    }
}
