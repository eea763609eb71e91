//! The warmer's own warm-ups in a `ConcurrentExecutions` history, found and taken out, so that
//! neither `warmer plan` nor autopilot reads them back as demand (one rule, used by both).
//!
//! `ConcurrentExecutions` counts every execution, warm-ups included, and both read its
//! `Maximum` per period. Once a warmer keeps N environments of the function warm, every run
//! holds N at once for well under a second, once per schedule period P; a plan made from that
//! history would propose 1.2 × (N + traffic), the next one 1.2 × that, and so on.
//!
//! - **Samples finer than P** (1-minute data, P = 5 minutes): only the samples whose minute
//!   holds a run are lifted; the others are traffic alone. Those samples are left out. Which
//!   ones: [`remove`] (for `warmer plan`, reading a history it did not make) finds them as the
//!   one class of sample times modulo P that sits well above the others, run after run; this
//!   works for a `rate(...)` schedule too, whose runs keep the phase of the schedule's
//!   creation. [`remove_known_runs`] (for autopilot, which runs on that schedule and knows when
//!   it runs) leaves out the minutes at whole periods before its own run.
//! - **Samples as coarse as P or coarser** (5-minute or hourly maxima): every sample holds a
//!   run, so traffic lies somewhere in `[value - N, value]`. Told N ([`HeldN`]), the plan
//!   subtracts it, and says that a traffic peak that did not coincide with a run may be
//!   under-read by up to N. Not told: it says plainly that it cannot tell warm-ups from traffic.
//!
//! CloudWatch keeps 1-minute data points for 15 days, 5-minute ones for 63 days and hourly ones
//! for 455 days (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention>);
//! `ConcurrentExecutions` is "the number of active concurrent invocations at a given point in
//! time" (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html>).
//!
//! ```
//! use chrono::{DateTime, Duration, Utc};
//! use warmer_fn::autopilot::Sample;
//! use warmer_fn::autopilot::own_warmups::{Finding, remove};
//!
//! // Two days of 1-minute maxima: 10 executions of traffic, plus a warmer holding 40 at minute
//! // 2 of every 5.
//! let start: DateTime<Utc> = "2026-11-02T00:00:00Z".parse().unwrap();
//! let samples: Vec<Sample> = (0..2 * 24 * 60)
//!     .map(|m| Sample { at: start + Duration::minutes(m), value: if m % 5 == 2 { 50.0 } else { 10.0 } })
//!     .collect();
//! let (kept, finding) = remove(&samples, 300, None);
//! assert!(matches!(finding, Finding::Dropped { .. }), "{finding}");
//! assert_eq!(kept.len(), samples.len() / 5 * 4);
//! assert!(kept.iter().all(|s| s.value == 10.0));
//! ```

use std::fmt;

use chrono::{DateTime, Utc};

use super::Sample;

/// What a warmer holds of the function at each instant: the N its run adds to a sample that
/// holds one (`warmer plan` reads it from `warmer.toml` or `--warmer-n`).
pub trait HeldN {
    /// The N held at `at`.
    fn n_at(&self, at: DateTime<Utc>) -> u32;
    /// The largest N held at any time.
    fn max_n(&self) -> u32;
    /// Where the numbers come from, for the report (`--warmer-n 40`).
    fn source(&self) -> String;
}

/// What [`remove`] found and did.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// Samples finer than the schedule, and one class of them stands out run after run: those
    /// samples hold the warmer's runs and were left out.
    Dropped {
        /// Seconds between samples.
        sample_seconds: i64,
        /// Seconds between runs.
        period_seconds: i64,
        /// Offset of the lifted samples within each period, in seconds.
        offset_seconds: i64,
        /// Samples left out.
        dropped: usize,
        /// How far those samples sit above the rest of their period (median).
        lift: f64,
    },
    /// Samples finer than the schedule, and none stands out: nothing taken out (no warmer ran,
    /// or too few samples to tell).
    NotSeen {
        /// Seconds between samples.
        sample_seconds: i64,
        /// Whether an N was given, yet not seen.
        told: bool,
    },
    /// Samples as coarse as the schedule: the N given was subtracted from every sample.
    Subtracted {
        /// Seconds between samples.
        sample_seconds: i64,
        /// Where N came from.
        source: String,
        /// The largest N subtracted.
        max_n: u32,
    },
    /// Samples as coarse as the schedule and no N given: warm-ups cannot be told from traffic.
    CannotTell {
        /// Seconds between samples.
        sample_seconds: i64,
        /// Seconds between runs.
        period_seconds: i64,
    },
    /// Fewer than two samples: no spacing to reason about.
    TooFew,
    /// The runs were known (autopilot runs on the schedule it takes out): the samples whose
    /// minute held one were left out.
    Known {
        /// Seconds between runs.
        period_seconds: i64,
        /// Samples left out.
        dropped: usize,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Dropped {
                sample_seconds,
                period_seconds,
                offset_seconds,
                dropped,
                lift,
            } => write!(
                f,
                "the history holds the warmer's own runs: every {period_seconds} s the sample \
                 at +{offset_seconds} s sits about {lift:.0} above the rest of its period; those \
                 {dropped} samples (1 in {}) were left out, so the plan reads traffic alone",
                period_seconds / sample_seconds
            ),
            Finding::NotSeen { told: false, .. } => write!(
                f,
                "no warmer runs seen in the history (no sample time stands out run after run): \
                 it is read as traffic"
            ),
            Finding::NotSeen { told: true, .. } => write!(
                f,
                "an N was given, but no warmer runs are seen in the history (no sample time \
                 stands out run after run): nothing was taken out; the history may predate the warmer"
            ),
            Finding::Subtracted {
                sample_seconds,
                source,
                max_n,
            } => write!(
                f,
                "samples are {sample_seconds} s apart, no finer than the schedule, so each may hold \
                 a warmer run: the N of {source} (up to {max_n}) was taken out of every sample. A \
                 traffic peak that did not meet a run may be under-read by up to that N: for an \
                 exact plan, fetch 1-minute maxima (Period 60, kept 15 days)"
            ),
            Finding::CannotTell {
                sample_seconds,
                period_seconds,
            } => write!(
                f,
                "samples are {sample_seconds} s apart and the schedule runs every \
                 {period_seconds} s: if a warmer ran during this history, every sample holds \
                 its warm-ups, they cannot be told from traffic, and re-planning would ratchet N \
                 up. Fetch 1-minute maxima (Period 60, kept 15 days), or pass --config \
                 warmer.toml (or --warmer-n N) to take the warmer's N out"
            ),
            Finding::TooFew => write!(f, "fewer than two samples: nothing checked"),
            Finding::Known {
                period_seconds,
                dropped,
            } => write!(
                f,
                "the {dropped} samples that held this warmer's own runs (every {period_seconds} s \
                 before this one) were left out"
            ),
        }
    }
}

/// The least lift at `at` that counts as a warm-up run: half the N held then, when told, or
/// without it, 2 executions and half the traffic around it (a run holds N at once; traffic's
/// minute-to-minute noise rarely lifts the same minute of every period).
fn threshold(told: Option<&dyn HeldN>, at: DateTime<Utc>, typical: f64) -> f64 {
    match told {
        Some(own) => (f64::from(own.n_at(at)) / 2.0).max(1.0),
        None => (typical / 2.0).max(2.0),
    }
}

/// Takes the warmer's own runs out of `samples` (see the module docs): `period_seconds` is the
/// schedule's period, `told` what the warmer holds, when known. Returns the samples to plan
/// from and what was done.
pub fn remove(
    samples: &[Sample],
    period_seconds: i64,
    told: Option<&dyn HeldN>,
) -> (Vec<Sample>, Finding) {
    let mut sorted = samples.to_vec();
    sorted.sort_by_key(|s| s.at);
    let Some(sample_seconds) = spacing(&sorted) else {
        return (sorted, Finding::TooFew);
    };
    if sample_seconds >= period_seconds {
        return match told {
            Some(own) => {
                let subtracted = sorted
                    .iter()
                    .map(|s| Sample {
                        at: s.at,
                        value: (s.value - f64::from(own.n_at(s.at))).max(0.0),
                    })
                    .collect();
                let finding = Finding::Subtracted {
                    sample_seconds,
                    source: own.source(),
                    max_n: own.max_n(),
                };
                (subtracted, finding)
            }
            None => (
                sorted,
                Finding::CannotTell {
                    sample_seconds,
                    period_seconds,
                },
            ),
        };
    }
    // Samples finer than the period: group them by their offset within the period.
    let classes = (period_seconds / sample_seconds).max(1) as usize;
    let class_of = |s: &Sample| {
        (s.at.timestamp().rem_euclid(period_seconds) / sample_seconds) as usize % classes
    };
    // Per period, how far each class sits above the median of the others.
    let mut lifts: Vec<Vec<(DateTime<Utc>, f64)>> = vec![Vec::new(); classes];
    let mut others_all = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let cycle = sorted[i].at.timestamp().div_euclid(period_seconds);
        let mut j = i;
        while j < sorted.len() && sorted[j].at.timestamp().div_euclid(period_seconds) == cycle {
            j += 1;
        }
        let period = &sorted[i..j];
        if period.len() >= 2 {
            for s in period {
                let mut rest: Vec<f64> = period
                    .iter()
                    .filter(|o| class_of(o) != class_of(s))
                    .map(|o| o.value)
                    .collect();
                if let Some(m) = median(&mut rest) {
                    lifts[class_of(s)].push((s.at, s.value - m));
                    others_all.push(m);
                }
            }
        }
        i = j;
    }
    let typical = median(&mut others_all).unwrap_or(0.0);
    // The class whose lift clears its threshold by the most, in the median period.
    let best = lifts
        .iter()
        .enumerate()
        .filter_map(|(class, l)| {
            let mut excess: Vec<f64> = l
                .iter()
                .map(|(at, lift)| lift - threshold(told, *at, typical))
                .collect();
            let mut lift: Vec<f64> = l.iter().map(|(_, lift)| *lift).collect();
            Some((class, median(&mut excess)?, median(&mut lift)?, l.len()))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        // Enough periods to tell (a day of them at least), lifted by more than the threshold in
        // most of them (the median lift is above it).
        Some((class, excess, lift, periods)) if periods >= 24 && excess >= 0.0 => {
            let kept: Vec<Sample> = sorted
                .iter()
                .filter(|s| class_of(s) != class)
                .copied()
                .collect();
            let dropped = sorted.len() - kept.len();
            (
                kept,
                Finding::Dropped {
                    sample_seconds,
                    period_seconds,
                    offset_seconds: class as i64 * sample_seconds,
                    dropped,
                    lift,
                },
            )
        }
        _ => (
            sorted,
            Finding::NotSeen {
                sample_seconds,
                told: told.is_some(),
            },
        ),
    }
}

/// The usual spacing of sorted samples, in seconds (the median gap; gaps of 0 ignored).
fn spacing(sorted: &[Sample]) -> Option<i64> {
    let mut gaps: Vec<f64> = sorted
        .windows(2)
        .map(|w| (w[1].at - w[0].at).num_seconds())
        .filter(|g| *g > 0)
        .map(|g| g as f64)
        .collect();
    median(&mut gaps).map(|g| g as i64)
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

/// Leaves out the samples that hold the runs of a warmer that knows when it runs: one run at
/// `now`, and one every `period_seconds` before it, each holding its environments for up to
/// `run_seconds`. A sample (`sample_seconds` long, from `at`: 60 for the 1-minute data points
/// autopilot reads) holds a run when the two overlap. Autopilot
/// calls this with its own schedule's period, so the concurrency its earlier runs held is not
/// read back as demand; the rule is [`remove`]'s, with the runs known instead of found.
///
/// ```
/// use chrono::{DateTime, Duration, Utc};
/// use warmer_fn::autopilot::Sample;
/// use warmer_fn::autopilot::own_warmups::{Finding, remove_known_runs};
///
/// // 15 minutes of 1-minute maxima: 3 executions of traffic, and runs holding 20 at 12:00,
/// // 12:05 and 12:10 (every 5 minutes); this run is at 12:15:02.
/// let start: DateTime<Utc> = "2026-11-02T12:00:00Z".parse().unwrap();
/// let samples: Vec<Sample> = (0..15)
///     .map(|m| Sample { at: start + Duration::minutes(m), value: if m % 5 == 0 { 23.0 } else { 3.0 } })
///     .collect();
/// let now = start + Duration::seconds(15 * 60 + 2);
/// let (kept, finding) = remove_known_runs(&samples, now, 300, 60, 12);
/// assert_eq!(finding, Finding::Known { period_seconds: 300, dropped: 3 });
/// assert!(kept.iter().all(|s| s.value == 3.0));
/// ```
pub fn remove_known_runs(
    samples: &[Sample],
    now: DateTime<Utc>,
    period_seconds: i64,
    sample_seconds: i64,
    run_seconds: i64,
) -> (Vec<Sample>, Finding) {
    let period = period_seconds.max(1);
    let mut sorted = samples.to_vec();
    sorted.sort_by_key(|s| s.at);
    // A run at r = now - k × period overlaps the sample [m, m + sample) when
    // m - run_seconds <= r < m + sample, i.e. (now - m + run_seconds) mod period falls below
    // sample + run_seconds (every k at once, as the runs repeat with the period).
    let holds_run = |s: &Sample| {
        let since = now.timestamp() - s.at.timestamp() + run_seconds;
        since.rem_euclid(period) < sample_seconds + run_seconds
    };
    let kept: Vec<Sample> = sorted.iter().filter(|s| !holds_run(s)).copied().collect();
    let dropped = sorted.len() - kept.len();
    (
        kept,
        Finding::Known {
            period_seconds: period,
            dropped,
        },
    )
}
