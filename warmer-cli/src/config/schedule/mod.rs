//! EventBridge Scheduler expressions (`rate(...)`, `cron(...)`), days of the week, hour ranges
//! and the week grid that concurrency windows are cut from.
//!
//! ```
//! use warmer_cli::config::schedule::{DaySet, HourRange, Schedule};
//!
//! let schedule: Schedule = "cron(0/5 8-19 ? * MON-FRI *)".parse().unwrap();
//! assert_eq!(schedule.to_string(), "cron(0/5 8-19 ? * MON-FRI *)");
//! assert!("rate(5 minute)".parse::<Schedule>().is_err());
//!
//! let days: DaySet = "MON-FRI".parse().unwrap();
//! assert_eq!(days.len(), 5);
//! let hours: HourRange = "08:00-20:00".parse().unwrap();
//! assert_eq!(hours.len(), 12);
//! ```

use std::fmt;

mod cron;
mod days;
mod expression;
mod gap;
mod hours;
mod week;

pub use cron::Cron;
pub use days::DaySet;
pub use expression::{RateUnit, Schedule};
pub use gap::{MINUTES_PER_WEEK, longest_gap_minutes};
pub use hours::{HourRange, hours_field, hours_label};
pub use week::WeekGrid;

// Shared by the files of this folder.
use days::DAYS;
use hours::runs;

/// Why an expression was rejected, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub fix: String,
}

impl ExprError {
    fn new(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (fix: {})", self.message, self.fix)
    }
}

impl std::error::Error for ExprError {}
