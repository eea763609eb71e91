//! Sets of days of the week (`MON-FRI`, `FRI-MON`, `SAT,SUN`), in Scheduler's order.

use std::fmt;
use std::str::FromStr;

use super::*;

/// Day names in Scheduler order: 1 = SUN ... 7 = SAT.
pub(super) const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A set of days of the week. Bit 0 is Sunday, as in Scheduler's 1 = SUN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DaySet(u8);

impl DaySet {
    /// Every day.
    pub const ALL: DaySet = DaySet(0b111_1111);
    /// Monday to Friday.
    pub const WEEKDAYS: DaySet = DaySet(0b011_1110);

    /// From Scheduler day numbers (1 = SUN ... 7 = SAT).
    pub(super) fn from_cron_days(days: impl IntoIterator<Item = u32>) -> Self {
        DaySet(days.into_iter().fold(0, |acc, d| acc | (1 << (d - 1))))
    }

    /// Days as indexes 0 (SUN) to 6 (SAT).
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..7).filter(move |d| self.0 & (1 << d) != 0)
    }

    /// Whether `day` (0 = SUN) is in the set.
    pub fn contains(self, day: usize) -> bool {
        day < 7 && self.0 & (1 << day) != 0
    }

    /// Adds `day` (0 = SUN).
    pub fn insert(&mut self, day: usize) {
        self.0 |= 1 << day;
    }

    /// Days in both sets.
    pub fn intersect(self, other: DaySet) -> DaySet {
        DaySet(self.0 & other.0)
    }

    /// Number of days.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether no day is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The day-of-week field for a cron: `*`, or names with ranges in Scheduler order
    /// (`MON-FRI`, `SUN,SAT`).
    ///
    /// ```
    /// use warmer_cli::config::schedule::DaySet;
    /// assert_eq!(DaySet::WEEKDAYS.cron_field(), "MON-FRI");
    /// assert_eq!("SAT,SUN".parse::<DaySet>().unwrap().cron_field(), "SUN,SAT");
    /// ```
    pub fn cron_field(self) -> String {
        if self == DaySet::ALL {
            return "*".into();
        }
        runs(self.iter())
            .map(|(a, b)| match b - a {
                0 => DAYS[a].to_string(),
                1 => format!("{},{}", DAYS[a], DAYS[b]),
                _ => format!("{}-{}", DAYS[a], DAYS[b]),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl fmt::Display for DaySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == DaySet::ALL {
            return f.write_str("daily");
        }
        // Humans read weeks from Monday: show SAT,SUN rather than SUN,SAT.
        let monday_first: Vec<usize> = (1..7).chain([0]).filter(|d| self.contains(*d)).collect();
        let mut parts = Vec::new();
        let mut i = 0;
        while i < monday_first.len() {
            let mut j = i;
            while j + 1 < monday_first.len() && (monday_first[j] + 1) % 7 == monday_first[j + 1] {
                j += 1;
            }
            let (a, b) = (DAYS[monday_first[i]], DAYS[monday_first[j]]);
            parts.push(match j - i {
                0 => a.to_string(),
                1 => format!("{a},{b}"),
                _ => format!("{a}-{b}"),
            });
            i = j + 1;
        }
        f.write_str(&parts.join(","))
    }
}

impl FromStr for DaySet {
    type Err = ExprError;

    /// Parses `daily` / `*`, day names, ranges (`MON-FRI`, `FRI-MON` wraps) and lists.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fix = "write day names MON TUE WED THU FRI SAT SUN, ranges and lists, e.g. \"MON-FRI\", \"SAT,SUN\" or \"daily\"";
        let s = s.trim();
        if s == "*" || s.eq_ignore_ascii_case("daily") {
            return Ok(DaySet::ALL);
        }
        let day = |name: &str| {
            DAYS.iter()
                .position(|d| d.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| ExprError::new(format!("`{}` is not a day name", name.trim()), fix))
        };
        let mut set = DaySet::default();
        for item in s.split(',') {
            match item.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a)?, day(b)?);
                    let mut d = a;
                    loop {
                        set.insert(d);
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
                None => set.insert(day(item)?),
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_wrapping_ranges() {
        let d: DaySet = "FRI-MON".parse().unwrap();
        assert_eq!(d.len(), 4);
        assert_eq!(d.to_string(), "MON,FRI-SUN");
        assert!("MON-FRY".parse::<DaySet>().is_err());
    }
}
