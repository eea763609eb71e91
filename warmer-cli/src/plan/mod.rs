//! Concurrency profiles from history: `ConcurrentExecutions` samples in, `[[warmers.profiles]]`
//! out.
//!
//! Per hour of the week (in the chosen time zone) the samples' high percentile plus headroom
//! is what must be warm. Neighbouring hours with similar needs are merged into runs, runs with
//! the same hours on several days into one window, and the most common level becomes the
//! default concurrency of the targets.
//!
//! ```
//! use warmer_cli::plan::{PlanOptions, Sample, propose};
//!
//! // Two weeks of hourly samples: 40 from 09:00 to 17:00 on weekdays, 2 otherwise.
//! let start = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z").unwrap().to_utc(); // a Monday
//! let samples: Vec<Sample> = (0..24 * 14)
//!     .map(|h| {
//!         let at = start + chrono::Duration::hours(h);
//!         let busy = (h / 24) % 7 < 5 && (9..17).contains(&(h % 24));
//!         Sample { at, value: if busy { 40.0 } else { 2.0 } }
//!     })
//!     .collect();
//! let proposal = propose(&samples, &PlanOptions::default());
//! // 2 + 20 % = 2.4, rounded up to the step of 2 chosen for a peak of 48.
//! assert_eq!(proposal.default_concurrency, 4);
//! assert_eq!(proposal.profiles.len(), 1);
//! assert_eq!((proposal.profiles[0].days.as_str(), proposal.profiles[0].hours.as_str()), ("MON-FRI", "09:00-17:00"));
//! assert_eq!(proposal.profiles[0].concurrency, 48);
//! ```

use std::collections::BTreeMap;

use chrono::{Datelike, Timelike};

use crate::config::schedule::{DaySet, HourRange};
use crate::config::{Config, ConfigBuilder, Profile, Warmer, WarmerBuilder};

mod metrics;
pub mod own_warmups;

pub use metrics::{InputError, read_metrics};

/// One observation of concurrent executions (the type autopilot reads too).
pub use warmer_fn::autopilot::Sample;

/// How to turn samples into profiles.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// Percentile of each hour's samples, 0-100 (99).
    pub percentile: f64,
    /// Extra on top, in percent (20).
    pub headroom_percent: f64,
    /// Round levels up to this step; `None` picks 1, 2 or 5 x 10^k near a twentieth of the peak.
    pub step: Option<u32>,
    /// The least concurrency to keep warm (1).
    pub min_concurrency: u32,
    /// No window above this (the account limit, 1000).
    pub max_concurrency: u32,
    /// The time zone hours are read in.
    pub timezone: chrono_tz::Tz,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            percentile: 99.0,
            headroom_percent: 20.0,
            step: None,
            min_concurrency: 1,
            max_concurrency: crate::config::DEFAULT_ACCOUNT_CONCURRENCY,
            timezone: chrono_tz::UTC,
        }
    }
}

/// The proposed profiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// What to keep warm in each hour of the week, by day (0 = SUN) and hour.
    pub hourly: [[u32; 24]; 7],
    /// The concurrency outside every window.
    pub default_concurrency: u32,
    /// The windows.
    pub profiles: Vec<Profile>,
    /// The rounding step used.
    pub step: u32,
    /// Samples read.
    pub samples: usize,
    /// Hours of the week with no sample (planned at the minimum).
    pub empty_hours: usize,
    /// Hours whose need was above `max_concurrency` and was capped.
    pub capped_hours: usize,
}

/// Proposes profiles from samples.
pub fn propose(samples: &[Sample], options: &PlanOptions) -> Proposal {
    let mut buckets: Vec<Vec<f64>> = vec![Vec::new(); 168];
    for s in samples {
        let local = s.at.with_timezone(&options.timezone);
        let day = local.weekday().num_days_from_sunday() as usize;
        buckets[day * 24 + local.hour() as usize].push(s.value);
    }
    let mut empty_hours = 0;
    let need: Vec<u32> = buckets
        .iter_mut()
        .map(|b| {
            if b.is_empty() {
                empty_hours += 1;
                return options.min_concurrency;
            }
            b.sort_by(f64::total_cmp);
            let rank = ((options.percentile / 100.0) * b.len() as f64)
                .ceil()
                .max(1.0) as usize;
            let value = b[rank.min(b.len()) - 1];
            let n = (value * (1.0 + options.headroom_percent / 100.0) - 1e-9)
                .ceil()
                .max(0.0) as u32;
            n.max(options.min_concurrency)
        })
        .collect();
    let peak = need.iter().copied().max().unwrap_or(1);
    let step = options.step.unwrap_or_else(|| nice_step(peak)).max(1);
    let round = |n: u32| n.div_ceil(step) * step;
    let mut capped_hours = 0;
    let mut cap = |n: u32| {
        if n > options.max_concurrency {
            capped_hours += 1;
            options.max_concurrency
        } else {
            n
        }
    };

    // Runs of similar need within each day; a run is planned at its highest need.
    let similar = |lo: u32, hi: u32| hi - lo <= step.max(hi / 4);
    let mut hourly = [[0u32; 24]; 7];
    let mut runs: Vec<(usize, u8, u8, u32)> = Vec::new(); // (day, start, end, level)
    for (day, row) in hourly.iter_mut().enumerate() {
        let mut start = 0;
        while start < 24 {
            let (mut lo, mut hi) = (need[day * 24 + start], need[day * 24 + start]);
            let mut end = start + 1;
            while end < 24 {
                let v = need[day * 24 + end];
                if !similar(lo.min(v), hi.max(v)) {
                    break;
                }
                lo = lo.min(v);
                hi = hi.max(v);
                end += 1;
            }
            let level = cap(round(hi));
            row[start..end].fill(level);
            runs.push((day, start as u8, end as u8, level));
            start = end;
        }
    }

    // The level that covers the most hours is the default (ties: the lower).
    let mut hours_at: BTreeMap<u32, usize> = BTreeMap::new();
    for &(_, s, e, level) in &runs {
        *hours_at.entry(level).or_default() += usize::from(e - s);
    }
    let default_concurrency = hours_at
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(level, _)| *level)
        .unwrap_or(options.min_concurrency);

    // Same hours and level on several days: one window.
    let mut windows: BTreeMap<(u8, u8, u32), DaySet> = BTreeMap::new();
    for &(day, s, e, level) in &runs {
        if level != default_concurrency {
            windows.entry((s, e, level)).or_default().insert(day);
        }
    }
    let mut profiles: Vec<(DaySet, HourRange, u32)> = windows
        .into_iter()
        .map(|((start, end, level), days)| (days, HourRange { start, end }, level))
        .collect();
    // Monday-first, then by hour, for reading.
    profiles.sort_by_key(|(days, range, _)| {
        let first = days.iter().map(|d| (d + 6) % 7).min().unwrap_or(7);
        (first, range.start)
    });
    Proposal {
        hourly,
        default_concurrency,
        profiles: profiles
            .into_iter()
            .map(|(days, hours, concurrency)| Profile {
                name: None,
                days: days.to_string(),
                hours: hours.to_string(),
                concurrency,
            })
            .collect(),
        step,
        samples: samples.len(),
        empty_hours,
        capped_hours,
    }
}

/// 1, 2 or 5 x 10^k, the largest not above a twentieth of `peak` (at least 1).
fn nice_step(peak: u32) -> u32 {
    let raw = (f64::from(peak) / 20.0).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s <= raw)
        .unwrap_or(magnitude);
    step as u32
}

impl Proposal {
    /// A warmer with these profiles for one function.
    pub fn warmer(&self, name: &str, function: &str, schedule: &str, timezone: &str) -> Warmer {
        let mut warmer = WarmerBuilder::new(name)
            .schedule(schedule)
            .timezone(timezone)
            .target(function, self.default_concurrency)
            .build();
        warmer.profiles = self.profiles.clone();
        warmer
    }

    /// A whole config holding just that warmer, with the account limit given.
    pub fn config(&self, warmer: Warmer, account_limit: u32) -> Config {
        let mut config = ConfigBuilder::new()
            .account_concurrency_limit(account_limit)
            .build();
        config.warmers.push(warmer);
        config
    }
}

/// The `[[warmers]]` fragment for a warmer, as TOML.
pub fn warmers_fragment(warmer: &Warmer) -> String {
    #[derive(serde::Serialize)]
    struct Fragment<'a> {
        warmers: [&'a Warmer; 1],
    }
    toml::to_string(&Fragment { warmers: [warmer] }).expect("a warmer always serializes to TOML")
}
