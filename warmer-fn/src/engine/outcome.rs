//! What one warm-up invoke came back with, and how it is counted.

use std::time::Duration;

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use warm_sdk::protocol::WarmupResponse;

use super::count::{Count, FailureKind};
use super::invoke::parse_retry_after;
use super::reason::{CallSite, explain};
use super::report::{ThrottleKind, throttle_kind};

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
    /// Any other failure, by kind, with a sentence.
    Failed(FailureKind, String),
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

impl Count {
    /// Adds one warm-up's outcome.
    pub(crate) fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Warmed(answer) => {
                if answer.max_concurrency.is_some_and(|m| m > 1) {
                    self.max_concurrency = answer.max_concurrency;
                }
                self.warmed(
                    &answer.instance,
                    answer.cold,
                    answer.delay_ms,
                    answer.received_at_ms,
                );
            }
            Outcome::Accepted => self.accepted += 1,
            Outcome::Unknown(sentence) => {
                self.unknown += 1;
                self.first_unknown.get_or_insert(sentence);
            }
            Outcome::FunctionError(kind) => {
                self.function_errors += 1;
                self.first_failure
                    .get_or_insert(format!("function error {kind}"));
            }
            Outcome::Throttled { reason, .. } => self.throttle(&reason),
            Outcome::NotFound(message) => {
                *self.failures.entry(FailureKind::NotFound).or_default() += 1;
                self.not_found.get_or_insert(message);
            }
            Outcome::Failed(kind, message) => self.fail(kind, &message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::TargetReport;
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
        let mut count = Count::default();
        for outcome in [
            answer("a", true),
            answer("b", true),
            answer("a", false),
            answer("c", false),
        ] {
            count.add(outcome);
        }
        report.set_counts(&count);
        assert_eq!((report.reached, report.new, report.duplicates), (3, 2, 1));
        report.finish();
        assert!(!report.ok, "3 of 4 is a partial warm");
        assert_eq!(report.shortfall(), 1);
    }

    #[test]
    fn reserved_concurrency_throttles_are_explained() {
        let mut report = TargetReport::new("f", Mode::Verify, 50);
        let mut count = Count::default();
        for i in 0..20 {
            count.add(answer(&i.to_string(), true));
        }
        for _ in 0..30 {
            count.add(Outcome::Throttled {
                reason: "ReservedFunctionConcurrentInvocationLimitExceeded".into(),
                retry_after: None,
            });
        }
        report.set_counts(&count);
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
        let mut count = Count::default();
        for _ in 0..718 {
            count.add(Outcome::Throttled {
                reason: "Unknown".into(),
                retry_after: None,
            });
        }
        report.set_counts(&count);
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
        let mut count = Count::default();
        count.add(parse_answer(br#""warmed""#));
        count.add(parse_answer(br#""warmed""#));
        report.set_counts(&count);
        report.finish();
        assert_eq!((report.unknown, report.failed), (2, 0));
        assert!(!report.ok && !report.coverage_known);
        assert_eq!(report.status, crate::engine::Status::Unknown);
    }

    #[test]
    fn missing_function_is_counted_as_resource_not_found() {
        let mut report = TargetReport::new("ghost", Mode::Verify, 3);
        let mut count = Count::default();
        count.add(Outcome::NotFound("Function not found: ghost".into()));
        report.set_counts(&count);
        assert_eq!(report.failed, 1);
        assert_eq!(report.failure_types["ResourceNotFoundException"], 1);
        assert_eq!(
            count.not_found.as_deref(),
            Some("Function not found: ghost")
        );
    }
}
