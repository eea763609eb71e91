//! What one warm-up invoke came back with, and how the counts are kept.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use warm_sdk::protocol::WarmupResponse;

use super::reason::{CallSite, explain};
use super::report::{TargetReport, ThrottleKind, throttle_kind};

/// The result of one invoke.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// A warm-up answer from an environment.
    Warmed(WarmupResponse),
    /// An `Event` invoke accepted for asynchronous execution.
    Accepted,
    /// The function ran and answered, but not with a warm-sdk warm-up answer, so which
    /// environment ran it is unknown; the sentence says what it answered.
    Unknown(String),
    /// The function raised an error (`X-Amz-Function-Error`), with its type.
    FunctionError(String),
    /// Lambda refused the invoke (`TooManyRequestsException`).
    Throttled {
        /// Lambda's `Reason`.
        reason: String,
        /// Lambda's `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// The function (or qualifier) does not exist.
    NotFound(String),
    /// Any other failure, by type, with a message.
    Failed(String, String),
}

impl Outcome {
    /// A throttle worth one retry after `Retry-After`.
    pub(crate) fn is_rate_throttle(&self) -> bool {
        matches!(self, Outcome::Throttled { reason, .. } if throttle_kind(reason) == ThrottleKind::Rate)
    }
}

/// Turns a successful invoke into an outcome: a warm-up answer, an accepted event, a
/// function error, or an answer that is not a warm-up answer (the function is not warmable).
pub(crate) fn from_output(output: &InvokeOutput) -> Outcome {
    let payload = output.payload().map(|b| b.as_ref()).unwrap_or_default();
    if let Some(kind) = output.function_error() {
        let error_type = serde_json::from_slice::<serde_json::Value>(payload)
            .ok()
            .and_then(|v| {
                v.get("errorType")
                    .and_then(|t| t.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| kind.to_owned());
        return Outcome::FunctionError(error_type);
    }
    if output.status_code() == 202 {
        return Outcome::Accepted;
    }
    parse_answer(payload)
}

/// Parses a synchronous answer as a [`WarmupResponse`]. Anything else (JSON without
/// `"warmed": true`, a bare string such as lambda-warmer's `"warmed"`, an HTTP response) means
/// the function ran but is not a warm-sdk function: reached, environment unknown.
pub(crate) fn parse_answer(payload: &[u8]) -> Outcome {
    match serde_json::from_slice::<WarmupResponse>(payload) {
        Ok(answer) if answer.warmed => Outcome::Warmed(answer),
        _ => {
            let shown: String = String::from_utf8_lossy(payload).chars().take(120).collect();
            Outcome::Unknown(format!(
                "the function answered `{shown}` instead of a warm-sdk warm-up response"
            ))
        }
    }
}

/// Classifies an invoke error; every reason is a sentence (see [`super::reason`]).
pub(crate) fn from_error(err: &SdkError<InvokeError>, site: &CallSite) -> Outcome {
    if let SdkError::ServiceError(service) = err {
        match service.err() {
            InvokeError::TooManyRequestsException(t) => {
                return Outcome::Throttled {
                    reason: t
                        .reason()
                        .map(|r| r.as_str().to_owned())
                        .unwrap_or_else(|| "Unknown".into()),
                    retry_after: parse_retry_after(t.retry_after_seconds()),
                };
            }
            InvokeError::ResourceNotFoundException(e) => {
                return Outcome::NotFound(e.message().unwrap_or("function not found").to_owned());
            }
            _ => {}
        }
    }
    let (kind, sentence) = explain(err, site);
    Outcome::Failed(kind, sentence)
}

/// `Retry-After` in seconds (Lambda sends whole seconds).
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Running counts for one target.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Every environment counted, and whether its answer said it started cold.
    instances: HashMap<String, bool>,
    pub(crate) not_found: Option<String>,
    pub(crate) max_concurrency: Option<u32>,
    pub(crate) first_failure: Option<String>,
    pub(crate) first_unknown: Option<String>,
    /// The earliest and latest `received_at_ms` of the current round's answers.
    arrivals: Option<(u64, u64)>,
    /// The sum of the holds the answers reported (`delay_ms`), over every round.
    pub(crate) held_ms: u64,
}

impl Tally {
    /// The earliest and latest arrival of the round's answers, and a fresh start for the next
    /// round's; `None` when no answer said when it arrived.
    pub(crate) fn take_arrivals(&mut self) -> Option<(u64, u64)> {
        self.arrivals.take()
    }

    /// The earliest and latest arrival of the round's answers so far, without resetting them.
    pub(crate) fn arrivals(&self) -> Option<(u64, u64)> {
        self.arrivals
    }

    /// Every environment counted, with whether the warm-up started it (`cold`).
    pub(crate) fn instances(&self) -> impl Iterator<Item = (&str, bool)> {
        self.instances.iter().map(|(id, cold)| (id.as_str(), *cold))
    }

    /// Counts one answer from environment `instance`: reached the first time, a duplicate
    /// after that; new when any of its answers says the warm-up started it.
    pub(crate) fn count_instance(
        &mut self,
        report: &mut TargetReport,
        instance: String,
        cold: bool,
    ) {
        if let Some(was_cold) = self.instances.get_mut(&instance) {
            report.duplicates += 1;
            // Answers are joined as they complete, in any order: the one that started the
            // environment may come second.
            if cold && !*was_cold {
                *was_cold = true;
                report.new += 1;
            }
            return;
        }
        self.instances.insert(instance, cold);
        report.reached += 1;
        if cold {
            report.new += 1;
        }
    }

    /// Adds one outcome to the report's counts.
    pub(crate) fn add(&mut self, report: &mut TargetReport, outcome: Outcome) {
        match outcome {
            Outcome::Warmed(answer) => {
                self.held_ms = self.held_ms.saturating_add(answer.delay_ms);
                if let Some(at) = answer.received_at_ms {
                    self.arrivals = Some(match self.arrivals {
                        Some((first, last)) => (first.min(at), last.max(at)),
                        None => (at, at),
                    });
                }
                if answer.max_concurrency.is_some_and(|m| m > 1) {
                    self.max_concurrency = answer.max_concurrency;
                }
                self.count_instance(report, answer.instance, answer.cold);
            }
            Outcome::Accepted => report.accepted += 1,
            Outcome::Unknown(sentence) => {
                report.unknown += 1;
                self.first_unknown.get_or_insert(sentence);
            }
            Outcome::FunctionError(kind) => {
                report.function_errors += 1;
                self.first_failure
                    .get_or_insert(format!("function error {kind}"));
            }
            Outcome::Throttled { reason, .. } => {
                report.throttled += 1;
                *report.throttle_reasons.entry(reason).or_default() += 1;
            }
            Outcome::NotFound(message) => {
                report.failed += 1;
                *report
                    .failure_types
                    .entry("ResourceNotFoundException".into())
                    .or_default() += 1;
                self.not_found.get_or_insert(message);
            }
            Outcome::Failed(kind, message) => {
                report.failed += 1;
                self.first_failure
                    .get_or_insert(format!("{kind}: {message}"));
                *report.failure_types.entry(kind).or_default() += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Mode;

    fn answer(instance: &str, cold: bool) -> Outcome {
        Outcome::Warmed(WarmupResponse {
            warmed: true,
            function: "f".into(),
            version: "$LATEST".into(),
            log_stream: "s".into(),
            instance: instance.into(),
            cold,
            invocations: 1,
            delay_ms: 100,
            correlation_id: None,
            index: None,
            max_concurrency: None,
            concurrent_warm_ups: None,
            init_type: None,
            fan_out_requested: None,
            received_at_ms: None,
        })
    }

    #[test]
    fn distinct_instances_are_reached_and_repeats_are_duplicates() {
        let mut report = TargetReport::new("f", Mode::Verify, 4);
        let mut tally = Tally::default();
        for outcome in [
            answer("a", true),
            answer("b", true),
            answer("a", false),
            answer("c", false),
        ] {
            tally.add(&mut report, outcome);
        }
        assert_eq!((report.reached, report.new, report.duplicates), (3, 2, 1));
        report.finish();
        assert!(!report.ok, "3 of 4 is a partial warm");
        assert_eq!(report.shortfall(), 1);
    }

    #[test]
    fn reserved_concurrency_throttles_are_explained() {
        let mut report = TargetReport::new("f", Mode::Verify, 50);
        let mut tally = Tally::default();
        for i in 0..20 {
            tally.add(&mut report, answer(&i.to_string(), true));
        }
        for _ in 0..30 {
            tally.add(
                &mut report,
                Outcome::Throttled {
                    reason: "ReservedFunctionConcurrentInvocationLimitExceeded".into(),
                    retry_after: None,
                },
            );
        }
        report.finish();
        assert!(!report.ok);
        assert_eq!(report.throttled, 30);
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("reserved concurrency allows 20 of the 50 requested")),
            "{:?}",
            report.notes
        );
    }

    #[test]
    fn throttles_without_a_reason_are_not_blamed_on_a_concurrency_limit() {
        let mut report = TargetReport::new("f", Mode::Verify, 2_000);
        let mut tally = Tally::default();
        for _ in 0..718 {
            tally.add(
                &mut report,
                Outcome::Throttled {
                    reason: "Unknown".into(),
                    retry_after: None,
                },
            );
        }
        report.finish();
        assert!(
            report.notes.iter().any(|n| n
                .starts_with("718 invokes were throttled without a Reason")
                && n.contains("scaling rate")),
            "{:?}",
            report.notes
        );
        assert!(
            !report.notes.iter().any(|n| n.contains("allows")),
            "{:?}",
            report.notes
        );
    }

    #[test]
    fn rate_limit_throttles_are_retryable_and_concurrency_throttles_are_not() {
        let rate = Outcome::Throttled {
            reason: "CallerRateLimitExceeded".into(),
            retry_after: None,
        };
        let concurrency = Outcome::Throttled {
            reason: "ConcurrentInvocationLimitExceeded".into(),
            retry_after: None,
        };
        assert!(rate.is_rate_throttle());
        assert!(!concurrency.is_rate_throttle());
        assert!(!Outcome::Accepted.is_rate_throttle());
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_garbage_is_ignored() {
        assert_eq!(parse_retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(Some("0.5")),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_retry_after(Some("soon")), None);
        assert_eq!(parse_retry_after(Some("-1")), None);
        assert_eq!(parse_retry_after(None), None);
    }

    #[test]
    fn an_answer_that_is_not_a_warmup_response_is_reached_with_the_environment_unknown() {
        for payload in [
            &br#"{"statusCode":200,"body":"hello"}"#[..],
            br#""warmed""#,
            br#"{"warmed": false}"#,
        ] {
            match parse_answer(payload) {
                Outcome::Unknown(sentence) => assert!(sentence.contains("warm-sdk"), "{sentence}"),
                other => panic!("expected unknown, got {other:?}"),
            }
        }
        let mut report = TargetReport::new("f", Mode::Verify, 2);
        let mut tally = Tally::default();
        tally.add(&mut report, parse_answer(br#""warmed""#));
        tally.add(&mut report, parse_answer(br#""warmed""#));
        report.finish();
        assert_eq!((report.unknown, report.failed), (2, 0));
        assert!(!report.ok && !report.coverage_known);
        assert_eq!(report.status, crate::engine::Status::Unknown);
    }

    #[test]
    fn missing_function_is_counted_as_resource_not_found() {
        let mut report = TargetReport::new("ghost", Mode::Verify, 3);
        let mut tally = Tally::default();
        tally.add(
            &mut report,
            Outcome::NotFound("Function not found: ghost".into()),
        );
        assert_eq!(report.failed, 1);
        assert_eq!(report.failure_types["ResourceNotFoundException"], 1);
        assert_eq!(
            tally.not_found.as_deref(),
            Some("Function not found: ghost")
        );
    }
}
