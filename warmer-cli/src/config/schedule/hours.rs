//! Whole-hour ranges within a day (`08:00-20:00`), and the hours field of a cron written
//! from a list of hours.

use std::fmt;
use std::str::FromStr;

use super::*;

/// Whole hours `[start, end)` within one day, written `"08:00-20:00"` (end up to `24:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HourRange {
    /// First hour, 0-23.
    pub start: u8,
    /// Hour after the last, 1-24.
    pub end: u8,
}

impl HourRange {
    /// Number of hours.
    pub fn len(self) -> usize {
        usize::from(self.end - self.start)
    }

    /// Whether the range is empty (never true for a parsed range).
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The hours `start..end`.
    pub fn hours(self) -> std::ops::Range<usize> {
        usize::from(self.start)..usize::from(self.end)
    }
}

impl fmt::Display for HourRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:00-{:02}:00", self.start, self.end)
    }
}

impl FromStr for HourRange {
    type Err = ExprError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fix = "write whole hours \"HH:00-HH:00\" within one day, e.g. \"08:00-20:00\" (end up to 24:00); to cross midnight use two profiles, e.g. \"22:00-24:00\" and \"00:00-06:00\"";
        let hour = |t: &str| -> Result<u8, ExprError> {
            let t = t.trim();
            let (h, m) = t.split_once(':').unwrap_or((t, "00"));
            if m != "00" {
                return Err(ExprError::new(
                    format!("`{t}` is not on a whole hour: windows are cut in whole hours"),
                    fix,
                ));
            }
            h.parse::<u8>().ok().filter(|h| *h <= 24).ok_or_else(|| {
                ExprError::new(format!("`{t}` is not an hour from 00:00 to 24:00"), fix)
            })
        };
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| ExprError::new(format!("hours `{s}` is not a range"), fix))?;
        let (start, end) = (hour(a)?, hour(b)?);
        if start >= end {
            return Err(ExprError::new(
                format!("hours `{s}` end at or before they start"),
                fix,
            ));
        }
        Ok(HourRange { start, end })
    }
}

/// The hours field of a cron for a sorted list of hours: `*`, `8-19`, `0-7,20-23`.
///
/// ```
/// assert_eq!(warmer_cli::config::schedule::hours_field(&[0, 1, 2, 7, 20, 21]), "0-2,7,20-21");
/// ```
pub fn hours_field(hours: &[usize]) -> String {
    if hours.len() == 24 {
        return "*".into();
    }
    runs(hours.iter().copied())
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Consecutive runs `(first, last)` in an ascending sequence.
pub(super) fn runs(values: impl Iterator<Item = usize>) -> impl Iterator<Item = (usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == v => *last = v,
            _ => out.push((v, v)),
        }
    }
    out.into_iter()
}

/// Human form of hours: `08:00-20:00`, or several ranges joined by commas.
pub fn hours_label(hours: &[usize]) -> String {
    runs(hours.iter().copied())
        .map(|(a, b)| format!("{a:02}:00-{:02}:00", b + 1))
        .collect::<Vec<_>>()
        .join(",")
}
