//! The longest time between two runs of a warmer's schedules: the least a heartbeat alarm's
//! period must span so that a warmer that runs never looks dead.
//!
//! ```
//! use warmer_cli::config::schedule::{Schedule, longest_gap_minutes};
//!
//! let every_five: Schedule = "rate(5 minutes)".parse().unwrap();
//! assert_eq!(longest_gap_minutes(&[every_five]), Some(5));
//!
//! // Weekdays 08:00-19:55: the longest gap is Friday 19:55 to Monday 08:00.
//! let office: Schedule = "cron(0/5 8-19 ? * MON-FRI *)".parse().unwrap();
//! assert_eq!(longest_gap_minutes(&[office]), Some(2 * 24 * 60 + 12 * 60 + 5));
//! ```

use super::Schedule;

/// Minutes in a week.
pub const MINUTES_PER_WEEK: u32 = 7 * 24 * 60;

/// The longest gap between consecutive runs of `schedules` together, in minutes, over a week
/// that repeats. A lone `rate(...)` gives its rate; crons give the largest distance between
/// two neighbouring minutes they fire on, the week wrapping around. `None` when a schedule has
/// no weekly pattern (a rate beside other schedules, a cron with a day of the month, `L`, `#`,
/// a month or a year) or nothing fires.
pub fn longest_gap_minutes(schedules: &[Schedule]) -> Option<u64> {
    if let [only] = schedules
        && let Some(minutes) = only.rate_minutes()
    {
        return Some(minutes);
    }
    let mut minutes = Vec::new();
    for schedule in schedules {
        match schedule {
            Schedule::Cron(cron) => minutes.extend(cron.week_minutes()?),
            Schedule::Rate { .. } => return None,
        }
    }
    minutes.sort_unstable();
    minutes.dedup();
    let (first, last) = (*minutes.first()?, *minutes.last()?);
    let wrap = first + MINUTES_PER_WEEK - last;
    let inner = minutes.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    Some(u64::from(inner.max(wrap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(expressions: &[&str]) -> Option<u64> {
        let schedules: Vec<Schedule> = expressions.iter().map(|e| e.parse().unwrap()).collect();
        longest_gap_minutes(&schedules)
    }

    #[test]
    fn windows_of_one_warmer_together_run_at_their_shared_minute_rate() {
        // A profile window and the rest of the week, cut as `Warmer::schedules` cuts them.
        let windows = [
            "cron(0/5 8-19 ? * MON-FRI *)",
            "cron(0/5 0-7,20-23 ? * * *)",
            "cron(0/5 8-19 ? * SUN,SAT *)",
        ];
        assert_eq!(gap(&windows), Some(5));
    }

    #[test]
    fn a_daily_cron_waits_a_day_and_irregular_crons_have_no_weekly_gap() {
        assert_eq!(gap(&["cron(0 8 * * ? *)"]), Some(24 * 60));
        assert_eq!(gap(&["cron(0 8 ? * MON *)"]), Some(7 * 24 * 60));
        assert_eq!(gap(&["cron(0 8 1 * ? *)"]), None);
        assert_eq!(gap(&["cron(0 8 ? * 2#1 *)"]), None);
        assert_eq!(gap(&["cron(0 8 * 1-6 ? *)"]), None);
        assert_eq!(gap(&["rate(5 minutes)", "cron(0 8 * * ? *)"]), None);
        assert_eq!(gap(&[]), None);
    }
}
