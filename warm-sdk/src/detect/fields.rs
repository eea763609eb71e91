//! Turning the fields found into a [`Warmup`]: which dialect, and each value checked, with a
//! warning for each unusable one.

use std::time::Duration;

use super::MAX_CORRELATION_ID_LEN;
use super::dialect::Dialect;
use super::scalar::Scalar;
use super::top_level::Fields;
use super::warmup::{Warmup, WarmupWarning};
use crate::config::WarmConfig;

impl Fields<'_> {
    pub(super) fn into_warmup(self, config: &WarmConfig) -> Warmup {
        let mut warnings = Vec::new();
        // Each package's fan-out children carry its own correlation id spelling alone and no
        // delay; this protocol writes both spellings (or neither) and usually a delay.
        let js = self.warmer_correlationid.is_some();
        let py = self.warmer_correlation_id.is_some();
        let dialect = match (js, py, self.delay.is_some()) {
            (true, false, false) => Dialect::LambdaWarmer,
            (false, true, false) => Dialect::LambdaWarmerPy,
            _ => Dialect::Warm,
        };
        // A schedule ping of lambda-warmer / lambda-warmer-py: the function is expected to
        // invoke itself `concurrency - 1` more times. This crate never fans out (see
        // `WarmupWarning::FanOutNotDone`); it says so. Their own fan-out children carry
        // `__WARMER_INVOCATION__`, and so does this protocol (its older form: `index`).
        let positioned = self.warmer_invocation.is_some() || self.index.is_some();
        let fan_out = match &self.concurrency {
            Some(Scalar::U64(n)) if *n > 1 && !positioned => {
                Some(u32::try_from(*n).unwrap_or(u32::MAX))
            }
            _ => None,
        };
        if let Some(requested) = fan_out {
            warnings.push(WarmupWarning::FanOutNotDone { requested });
        }
        let delay = requested_delay(self.delay, config.get_default_delay(), &mut warnings);
        let hold_until_ms = self
            .hold_until_ms
            .and_then(|v| epoch_millis("hold_until_ms", v, &mut warnings));

        let (index_field, index) = first_present([
            ("index", self.index),
            ("__WARMER_INVOCATION__", self.warmer_invocation),
        ]);
        let (concurrency_field, concurrency) = first_present([
            ("__WARMER_CONCURRENCY__", self.warmer_concurrency),
            ("concurrency", self.concurrency),
        ]);
        let (correlation_field, correlation) = first_present([
            ("correlation_id", self.correlation_id),
            ("__WARMER_CORRELATIONID__", self.warmer_correlationid),
            ("__WARMER_CORRELATION_ID__", self.warmer_correlation_id),
        ]);
        Warmup {
            dialect,
            delay,
            hold_until_ms,
            correlation_id: correlation
                .and_then(|v| correlation_id(correlation_field, v, &mut warnings)),
            index: index.and_then(|v| count(index_field, v, &mut warnings)),
            concurrency: concurrency.and_then(|v| count(concurrency_field, v, &mut warnings)),
            fan_out,
            warnings,
        }
    }
}

/// The first field of `candidates` that is present, with its name.
fn first_present<'de, const N: usize>(
    candidates: [(&'static str, Option<Scalar<'de>>); N],
) -> (&'static str, Option<Scalar<'de>>) {
    let fallback = candidates[0].0;
    candidates
        .into_iter()
        .find(|(_, value)| value.is_some())
        .unwrap_or((fallback, None))
}

fn requested_delay(
    value: Option<Scalar<'_>>,
    default: Duration,
    warnings: &mut Vec<WarmupWarning>,
) -> Duration {
    match value {
        None => default,
        Some(Scalar::U64(ms)) => Duration::from_millis(ms),
        // `as` saturates: an absurd delay becomes u64::MAX ms and is capped when answering.
        Some(Scalar::F64(ms)) if ms >= 0.0 => Duration::from_millis(ms as u64),
        Some(other) => {
            warnings.push(WarmupWarning::InvalidDelay {
                found: other.describe(),
                default_ms: u64::try_from(default.as_millis()).unwrap_or(u64::MAX),
            });
            default
        }
    }
}

/// An instant in milliseconds since the Unix epoch: a non-negative number (fractions round
/// down). Anything else is ignored with a warning, and the warm-up holds for its `delay`.
fn epoch_millis(
    field: &'static str,
    value: Scalar<'_>,
    warnings: &mut Vec<WarmupWarning>,
) -> Option<u64> {
    match value {
        Scalar::U64(ms) => Some(ms),
        // `as` saturates: an absurd instant is far in the future, and the hold stays capped.
        Scalar::F64(ms) if ms >= 0.0 => Some(ms as u64),
        other => {
            warnings.push(WarmupWarning::InvalidField {
                field,
                expected: "a whole number of milliseconds since the Unix epoch (the warm-up \
                           holds for its `delay` instead)",
                found: other.describe(),
            });
            None
        }
    }
}

fn count(field: &'static str, value: Scalar<'_>, warnings: &mut Vec<WarmupWarning>) -> Option<u32> {
    if let Scalar::U64(n) = value
        && let Ok(n) = u32::try_from(n)
    {
        return Some(n);
    }
    warnings.push(WarmupWarning::InvalidField {
        field,
        expected: "a whole number from 0 to 4294967295",
        found: value.describe(),
    });
    None
}

fn correlation_id(
    field: &'static str,
    value: Scalar<'_>,
    warnings: &mut Vec<WarmupWarning>,
) -> Option<String> {
    let id = match &value {
        Scalar::Str(s) if s.len() <= MAX_CORRELATION_ID_LEN => return Some(s.clone().into_owned()),
        Scalar::U64(n) => n.to_string(),
        Scalar::I64(n) => n.to_string(),
        _ => {
            warnings.push(WarmupWarning::InvalidField {
                field,
                expected: "a string of at most 256 bytes",
                found: value.describe(),
            });
            return None;
        }
    };
    Some(id)
}
