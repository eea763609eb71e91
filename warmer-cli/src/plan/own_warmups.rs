//! What a `warmer.toml` (or `--warmer-n`) says the warmer holds of a function, hour by hour,
//! for taking its own warm-ups out of a history: the rule itself lives once, in
//! [`warmer_fn::autopilot::own_warmups`], which autopilot uses too.
//!
//! ```
//! use chrono::{DateTime, Duration, Utc};
//! use warmer_cli::plan::Sample;
//! use warmer_cli::plan::own_warmups::{Finding, OwnWarmups, remove};
//!
//! // Two days of hourly maxima: 10 executions of traffic plus a warmer's 40 in every sample.
//! let start: DateTime<Utc> = "2026-11-02T00:00:00Z".parse().unwrap();
//! let samples: Vec<Sample> = (0..48)
//!     .map(|h| Sample { at: start + Duration::hours(h), value: 50.0 })
//!     .collect();
//! let (kept, finding) = remove(&samples, 300, Some(&OwnWarmups::constant(40)));
//! assert!(matches!(finding, Finding::Subtracted { .. }), "{finding}");
//! assert!(kept.iter().all(|s| s.value == 10.0));
//! ```

use chrono::{DateTime, Datelike, Timelike, Utc};
pub use warmer_fn::autopilot::own_warmups::{Finding, HeldN};

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

impl HeldN for OwnWarmups {
    fn n_at(&self, at: DateTime<Utc>) -> u32 {
        OwnWarmups::n_at(self, at)
    }

    fn max_n(&self) -> u32 {
        self.max()
    }

    fn source(&self) -> String {
        self.source.clone()
    }
}

/// Takes the warmer's own runs out of `samples` with the one rule
/// ([`warmer_fn::autopilot::own_warmups::remove`]): `period_seconds` is the schedule's period,
/// `told` what the warmer holds, when known. Returns the samples to plan from and what was done.
pub fn remove(
    samples: &[Sample],
    period_seconds: i64,
    told: Option<&OwnWarmups>,
) -> (Vec<Sample>, Finding) {
    warmer_fn::autopilot::own_warmups::remove(
        samples,
        period_seconds,
        told.map(|own| own as &dyn HeldN),
    )
}
