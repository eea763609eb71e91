//! The six fields of a Scheduler `cron(...)` expression: each checked, and the hours and days
//! it fires on.

use std::fmt;
use std::str::FromStr;

use super::*;

/// The six fields of a Scheduler cron expression, each validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// Minutes, 0-59.
    pub minutes: String,
    /// Hours, 0-23.
    pub hours: String,
    /// Day of month, 1-31, `?`, `L`, `W`.
    pub day_of_month: String,
    /// Month, 1-12 or JAN-DEC.
    pub month: String,
    /// Day of week, 1-7 or SUN-SAT, `?`, `L`, `#`.
    pub day_of_week: String,
    /// Year, 1970-2199.
    pub year: String,
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cron({} {} {} {} {} {})",
            self.minutes, self.hours, self.day_of_month, self.month, self.day_of_week, self.year
        )
    }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

#[derive(Clone, Copy)]
struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTES: FieldSpec = FieldSpec {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: FieldSpec = FieldSpec {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
};
const DOM: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
};
const DOW: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &DAYS,
};
const YEAR: FieldSpec = FieldSpec {
    name: "year",
    min: 1970,
    max: 2199,
    names: &[],
};

impl FieldSpec {
    fn value(&self, text: &str) -> Result<u32, ExprError> {
        if let Some(i) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(self.min + i as u32);
        }
        let names = if self.names.is_empty() {
            String::new()
        } else {
            format!(" or {}-{}", self.names[0], self.names[self.names.len() - 1])
        };
        text.parse::<u32>()
            .ok()
            .filter(|v| (self.min..=self.max).contains(v))
            .ok_or_else(|| {
                ExprError::new(
                    format!("cron {} value `{text}` is out of range", self.name),
                    format!("use {}-{}{names}", self.min, self.max),
                )
            })
    }

    /// Expands a field (`*`, `a`, `a-b`, `a/s`, `*/s`, `a-b/s`, lists) into its values.
    fn expand(&self, field: &str) -> Result<Vec<u32>, ExprError> {
        let mut out = Vec::new();
        for item in field.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => {
                    let step = s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| {
                        ExprError::new(
                            format!(
                                "cron {} step `{s}` is not a whole number of 1 or more",
                                self.name
                            ),
                            format!("write e.g. 0/5 in the {} field", self.name),
                        )
                    })?;
                    (r, step)
                }
                None => (item, 1),
            };
            let (lo, hi) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                (self.value(a)?, self.value(b)?)
            } else {
                let v = self.value(range)?;
                (v, if step > 1 { self.max } else { v })
            };
            if lo > hi {
                return Err(ExprError::new(
                    format!("cron {} range `{range}` runs backwards", self.name),
                    "write the smaller value first, or split it into two ranges with a comma",
                ));
            }
            out.extend((lo..=hi).step_by(step as usize));
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

impl FromStr for Cron {
    type Err = ExprError;

    fn from_str(body: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(ExprError::new(
                format!(
                    "cron has {} fields, Scheduler wants 6 (minutes hours day-of-month month day-of-week year)",
                    fields.len()
                ),
                "write e.g. cron(0/5 8-19 ? * MON-FRI *); a classic 5-field cron needs `?` in one day field and a year field (`*`)",
            ));
        }
        let cron = Cron {
            minutes: fields[0].to_string(),
            hours: fields[1].to_string(),
            day_of_month: fields[2].to_string(),
            month: fields[3].to_string(),
            day_of_week: fields[4].to_string(),
            year: fields[5].to_string(),
        };
        MINUTES.expand(&cron.minutes)?;
        HOURS.expand(&cron.hours)?;
        MONTH.expand(&cron.month)?;
        YEAR.expand(&cron.year)?;
        match (cron.day_of_month == "?", cron.day_of_week == "?") {
            (true, true) => {
                return Err(ExprError::new(
                    "cron has `?` in both day-of-month and day-of-week",
                    "put `*` (or days) in one of them, e.g. cron(0/5 * * * ? *)",
                ));
            }
            (false, false) => {
                return Err(ExprError::new(
                    format!(
                        "cron sets both day-of-month (`{}`) and day-of-week (`{}`)",
                        cron.day_of_month, cron.day_of_week
                    ),
                    "put `?` in one of them: cron(0/5 * ? * MON-FRI *) or cron(0/5 * 1-15 * ? *)",
                ));
            }
            (false, true) => {
                dom_count(&cron.day_of_month)?;
            }
            (true, false) => {
                dow_days(&cron.day_of_week)?;
            }
        }
        Ok(cron)
    }
}

/// How many days of a month a day-of-month field selects (`L`, `LW` and `nW` count as one).
fn dom_count(field: &str) -> Result<u32, ExprError> {
    let mut days = Vec::new();
    for item in field.split(',') {
        if item == "L" || item == "LW" {
            days.push(100);
        } else if let Some(n) = item.strip_suffix('W') {
            days.push(DOM.value(n)?);
        } else {
            days.extend(DOM.expand(item)?);
        }
    }
    days.sort_unstable();
    days.dedup();
    Ok(days.len() as u32)
}

/// The days of the week a day-of-week field selects, and the fraction of those weeks it fires
/// in (`L` and `#` select one occurrence a month, about 12/52.18 of the weeks).
fn dow_days(field: &str) -> Result<(DaySet, f64), ExprError> {
    if field.contains('#') {
        if field.contains(',') {
            return Err(ExprError::new(
                format!("cron day-of-week `{field}` combines `#` with a list"),
                "a `#` day-of-week may hold one expression only, e.g. 3#2 (second Tuesday)",
            ));
        }
        let (day, nth) = field.split_once('#').unwrap_or((field, ""));
        let day = DOW.value(day)?;
        let nth_ok = nth.parse::<u32>().is_ok_and(|n| (1..=5).contains(&n));
        if !nth_ok {
            return Err(ExprError::new(
                format!("cron day-of-week `{field}`: the occurrence after `#` must be 1-5"),
                "write e.g. 3#2 for the second Tuesday of the month",
            ));
        }
        return Ok((DaySet::from_cron_days([day]), 12.0 / WEEKS_PER_YEAR));
    }
    if field == "L" {
        return Ok((DaySet::from_cron_days([7]), 12.0 / WEEKS_PER_YEAR));
    }
    if let Some(day) = field.strip_suffix('L') {
        let day = DOW.value(day)?;
        return Ok((DaySet::from_cron_days([day]), 12.0 / WEEKS_PER_YEAR));
    }
    Ok((DaySet::from_cron_days(DOW.expand(field)?), 1.0))
}

const WEEKS_PER_YEAR: f64 = 365.25 / 7.0;

impl Cron {
    /// The minutes of the week (0 = Sunday 00:00) at which the cron fires, when it fires the
    /// same every week: day-of-month `*` or days of the week without `L` or `#`, every month,
    /// every year. `None` otherwise (a monthly or yearly cron has no weekly pattern).
    pub(super) fn week_minutes(&self) -> Option<Vec<u32>> {
        if self.month != "*" || self.year != "*" {
            return None;
        }
        let days: Vec<u32> = if self.day_of_week == "?" {
            if self.day_of_month != "*" {
                return None;
            }
            (1..=7).collect()
        } else if self.day_of_week.contains(['L', '#']) {
            return None;
        } else {
            DOW.expand(&self.day_of_week).ok()?
        };
        let hours = HOURS.expand(&self.hours).ok()?;
        let minutes = MINUTES.expand(&self.minutes).ok()?;
        let mut out = Vec::with_capacity(days.len() * hours.len() * minutes.len());
        for day in &days {
            for hour in &hours {
                out.extend(minutes.iter().map(|m| (day - 1) * 24 * 60 + hour * 60 + m));
            }
        }
        Some(out)
    }

    pub(super) fn coverage(&self) -> (WeekGrid, f64) {
        // Validated at parse time, so the expansions below cannot fail.
        let minutes = MINUTES.expand(&self.minutes).unwrap_or_default().len() as f64;
        let hours = HOURS.expand(&self.hours).unwrap_or_default();
        let months = MONTH.expand(&self.month).unwrap_or_default().len() as f64 / 12.0;
        let (days, fraction) = if self.day_of_week == "?" {
            let per_month = dom_count(&self.day_of_month).unwrap_or(0) as f64;
            // Spread the selected days of a month over every day of it.
            (DaySet::ALL, per_month / (365.25 / 12.0))
        } else {
            dow_days(&self.day_of_week).unwrap_or((DaySet::ALL, 1.0))
        };
        let mut grid = WeekGrid::empty();
        for day in days.iter() {
            for &hour in &hours {
                grid.set(day, hour as usize);
            }
        }
        (grid, minutes * months * fraction)
    }
}
