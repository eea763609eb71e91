//! The warmer's own warm-ups in a `ConcurrentExecutions` history, found and taken out, so that
//! re-planning after deployment does not ratchet N up.
//!
//! `ConcurrentExecutions` counts every execution, warm-ups included, and `warmer plan` reads its
//! `Maximum` per period. Once a warmer keeps N environments of the function warm, every run
//! holds N at once for well under a second, once per schedule period P; a plan made from that
//! history would propose 1.2 × (N + traffic), the next one 1.2 × that, and so on.
//!
//! - **Samples finer than P** (1-minute data, P = 5 minutes): only the samples whose minute
//!   holds a run are lifted; the others are traffic alone. The warmer shows as one class of
//!   sample times modulo P that sits well above the others, run after run. Those samples are
//!   left out, and the report says which. This works for a `rate(...)` schedule too, whose runs
//!   keep the phase of the schedule's creation.
//! - **Samples as coarse as P or coarser** (5-minute or hourly maxima): every sample holds a
//!   run, so traffic lies somewhere in `[value - N, value]`. Told N (from `warmer.toml`, per
//!   window, or as one number), the plan subtracts it, and says that a traffic peak that did not
//!   coincide with a run may be under-read by up to N. Not told: it says plainly that it
//!   cannot tell warm-ups from traffic.
//!
//! CloudWatch keeps 1-minute data points for 15 days, 5-minute ones for 63 days and hourly ones
//! for 455 days (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention>);
//! `ConcurrentExecutions` is "the number of function instances that are processing events"
//! (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html>).
//!
//! ```
//! use chrono::{DateTime, Duration, Utc};
//! use warmer_cli::plan::Sample;
//! use warmer_cli::plan::own_warmups::{Finding, remove};
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

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::Sample;
use crate::config::Config;

/// The N a warmer holds in each hour of the week, in its own time zone: what it adds to a
/// sample that holds one of its runs.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnWarmups {
    /// N by day (0 = SUN) and hour, in `timezone`.
    n: [[u32; 24]; 7],
    timezone: chrono_tz::Tz,
    /// Where the numbers come from, for the report.
    source: String,
}

impl OwnWarmups {
    /// The same N at every hour (`--warmer-n`).
    ///
    /// ```
    /// let own = warmer_cli::plan::own_warmups::OwnWarmups::constant(40);
    /// assert_eq!(own.n_at("2026-11-02T10:00:00Z".parse().unwrap()), 40);
    /// ```
    pub fn constant(n: u32) -> Self {
        Self {
            n: [[n; 24]; 7],
            timezone: chrono_tz::UTC,
            source: format!("--warmer-n {n}"),
        }
    }

    /// The N that the warmers of `config` (or only the one named `warmer`) hold of `function`
    /// in each hour of the week, summed over the targets that name it.
    ///
    /// ```
    /// use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
    /// use warmer_cli::plan::own_warmups::OwnWarmups;
    ///
    /// let config = ConfigBuilder::new()
    ///     .warmer(WarmerBuilder::new("api").target("orders", 5))
    ///     .build();
    /// let own = OwnWarmups::from_config(&config, None, "orders").unwrap();
    /// assert_eq!(own.n_at("2026-11-04T03:00:00Z".parse().unwrap()), 5);
    /// assert!(OwnWarmups::from_config(&config, None, "search").is_err());
    /// ```
    pub fn from_config(
        config: &Config,
        warmer: Option<&str>,
        function: &str,
    ) -> Result<Self, String> {
        let warmers: Vec<_> = config
            .warmers
            .iter()
            .filter(|w| warmer.is_none_or(|name| w.name == name))
            .collect();
        if warmers.is_empty() {
            return Err(format!(
                "no warmer named `{}` in the config: name one of its [[warmers]] with --warmer",
                warmer.unwrap_or_default()
            ));
        }
        let timezone = warmers[0].timezone.clone();
        if warmers.iter().any(|w| w.timezone != timezone) {
            return Err(
                "the config's warmers use different time zones: pick one with --warmer".into(),
            );
        }
        let tz: chrono_tz::Tz = timezone
            .parse()
            .map_err(|_| format!("warmer time zone `{timezone}` is not an IANA time zone"))?;
        let mut n = [[0u32; 24]; 7];
        let mut found = false;
        for w in &warmers {
            for schedule in w.schedules().map_err(|e| e.to_string())? {
                // Provisioned targets get no warm-ups, so nothing of theirs is taken out.
                let warmed = schedule.targets.iter().filter(|t| t.strategy.is_warm());
                for target in warmed.filter(|t| t.function == function) {
                    found = true;
                    for (day, row) in n.iter_mut().enumerate() {
                        for (hour, cell) in row.iter_mut().enumerate() {
                            if schedule.hours.get(day, hour) {
                                *cell += target.concurrency;
                            }
                        }
                    }
                }
            }
        }
        if !found {
            return Err(format!(
                "no target of the config warms `{function}`: check --function (the name as the config writes it)"
            ));
        }
        Ok(Self {
            n,
            timezone: tz,
            source: format!(
                "the config's warmer{} {}",
                if warmers.len() == 1 { "" } else { "s" },
                warmers
                    .iter()
                    .map(|w| w.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    /// The N held at `at`.
    pub fn n_at(&self, at: DateTime<Utc>) -> u32 {
        let local = at.with_timezone(&self.timezone);
        self.n[local.weekday().num_days_from_sunday() as usize][local.hour() as usize]
    }

    fn max(&self) -> u32 {
        self.n.iter().flatten().copied().max().unwrap_or(0)
    }
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
        }
    }
}

/// The least lift at `at` that counts as a warm-up run: half the N held then, when told, or
/// without it, 2 executions and half the traffic around it (a run holds N at once; traffic's
/// minute-to-minute noise rarely lifts the same minute of every period).
fn threshold(told: Option<&OwnWarmups>, at: DateTime<Utc>, typical: f64) -> f64 {
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
    told: Option<&OwnWarmups>,
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
                    source: own.source.clone(),
                    max_n: own.max(),
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
