//! The period of the heartbeat alarm: the shortest window in which a healthy warmer always
//! reports a run, so that a warmer that stops running alarms within about one schedule period.
//!
//! The period is the longest gap between two runs (over the week, from the schedules of the
//! warmers that warm something; with several warmers, the smallest of their gaps, since any one
//! of them alone keeps the heartbeat), one hour more when the warmer's time zone shifts its
//! clock and the gap is an hour or longer (a daylight-saving change stretches one gap), plus
//! the function's timeout (a run reports when it ends) and a minute for Scheduler's delivery,
//! rounded up to a whole minute. CloudWatch evaluates an alarm over at most seven days
//! (`Period` × `EvaluationPeriods`); a warmer whose runs are further apart, or have no weekly
//! pattern, gets no heartbeat alarm and `warmer config check` says so.
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, WarmerBuilder, heartbeat_period};
//!
//! let config = ConfigBuilder::new()
//!     .warmer(WarmerBuilder::new("api").schedule("rate(5 minutes)").target("orders", 5))
//!     .build();
//! // 5 minutes + the 60 s timeout + 60 s for delivery.
//! assert_eq!(heartbeat_period(&config), Ok(7 * 60));
//! ```

use std::fmt;

use chrono::{Offset, TimeZone};

use super::schedule::{Schedule, longest_gap_minutes};
use super::{Config, Warmer};

/// The longest an alarm may evaluate, `Period` × `EvaluationPeriods`, in seconds (seven days;
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html>).
pub const MAX_ALARM_RANGE_SECONDS: u64 = 7 * 24 * 3600;
/// Slack for Scheduler's delivery of a run, in seconds.
const DELIVERY_SLACK_SECONDS: u64 = 60;

/// Why a config gets no heartbeat alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoHeartbeat {
    /// No warmer warms anything (every target provisioned): nothing runs.
    NothingRuns,
    /// No warmer's schedule repeats every week (a day of the month, `L`, `#`, months, years).
    NoWeeklyPattern,
    /// The runs are further apart than an alarm can watch.
    TooFarApart {
        /// The period the alarm would need, in seconds.
        period_seconds: u64,
    },
}

impl fmt::Display for NoHeartbeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoHeartbeat::NothingRuns => f.write_str("no warmer warms a target, so nothing runs"),
            NoHeartbeat::NoWeeklyPattern => f.write_str(
                "no warmer's schedule repeats every week, so no gap between runs is known",
            ),
            NoHeartbeat::TooFarApart { period_seconds } => write!(
                f,
                "runs are up to {period_seconds} s apart (with the timeout and delivery), longer than the {MAX_ALARM_RANGE_SECONDS} s a CloudWatch alarm evaluates"
            ),
        }
    }
}

/// The heartbeat alarm's period in seconds (a multiple of 60), or why there is none. See the
/// [module docs](self).
pub fn heartbeat_period(config: &Config) -> Result<u64, NoHeartbeat> {
    let gaps: Vec<Option<u64>> = config
        .warmers
        .iter()
        .filter_map(warmer_gap_minutes)
        .collect();
    if gaps.is_empty() {
        return Err(NoHeartbeat::NothingRuns);
    }
    let gap = gaps
        .into_iter()
        .flatten()
        .min()
        .ok_or(NoHeartbeat::NoWeeklyPattern)?;
    let seconds = gap * 60 + u64::from(config.function.timeout_seconds) + DELIVERY_SLACK_SECONDS;
    let period_seconds = seconds.div_ceil(60) * 60;
    if period_seconds > MAX_ALARM_RANGE_SECONDS {
        return Err(NoHeartbeat::TooFarApart { period_seconds });
    }
    Ok(period_seconds)
}

/// `None` when the warmer runs nothing; `Some(None)` when its runs have no weekly pattern.
fn warmer_gap_minutes(warmer: &Warmer) -> Option<Option<u64>> {
    let schedules = warmer.schedules().ok()?;
    let running: Vec<Schedule> = schedules
        .iter()
        .filter(|s| !s.warmed_targets().is_empty())
        .filter_map(|s| s.expression.parse().ok())
        .collect();
    if running.is_empty() {
        return None;
    }
    let gap = longest_gap_minutes(&running);
    Some(gap.map(|g| {
        if g >= 60 && shifts_clock(&warmer.timezone) {
            g + 60
        } else {
            g
        }
    }))
}

/// Whether the time zone's UTC offset differs between January and July (daylight saving).
fn shifts_clock(timezone: &str) -> bool {
    let Ok(tz) = timezone.parse::<chrono_tz::Tz>() else {
        return true;
    };
    let offset = |month| {
        let at = chrono::NaiveDate::from_ymd_opt(2026, month, 15)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("a valid date");
        tz.offset_from_utc_datetime(&at).fix()
    };
    offset(1) != offset(7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigBuilder, WarmerBuilder};

    fn period(warmers: Vec<WarmerBuilder>) -> Result<u64, NoHeartbeat> {
        let mut builder = ConfigBuilder::new();
        for w in warmers {
            builder = builder.warmer(w);
        }
        heartbeat_period(&builder.build())
    }

    #[test]
    fn the_period_is_the_longest_gap_plus_timeout_and_delivery() {
        let office = WarmerBuilder::new("office")
            .schedule("cron(0/5 8-19 ? * MON-FRI *)")
            .timezone("UTC")
            .target("orders", 5);
        // Friday 19:55 to Monday 08:00, plus 60 s timeout and 60 s delivery.
        assert_eq!(period(vec![office.clone()]), Ok((60 * 60 + 5) * 60 + 120));
        // Berlin shifts its clock: one gap a year is an hour longer.
        let berlin = office.clone().timezone("Europe/Berlin");
        assert_eq!(period(vec![berlin]), Ok((61 * 60 + 5) * 60 + 120));
        // A second warmer that runs every minute keeps the heartbeat on its own.
        let busy = WarmerBuilder::new("busy")
            .schedule("rate(1 minute)")
            .target("f", 1);
        assert_eq!(period(vec![office, busy]), Ok(3 * 60));
    }

    #[test]
    fn no_heartbeat_for_monthly_runs_or_runs_a_week_apart() {
        let monthly = WarmerBuilder::new("m")
            .schedule("cron(0 8 1 * ? *)")
            .target("f", 1);
        assert_eq!(period(vec![monthly]), Err(NoHeartbeat::NoWeeklyPattern));
        let weekly = WarmerBuilder::new("w")
            .schedule("rate(7 days)")
            .target("f", 1);
        assert_eq!(
            period(vec![weekly]),
            Err(NoHeartbeat::TooFarApart {
                period_seconds: 7 * 24 * 3600 + 120
            })
        );
    }
}
