//! EventBridge Scheduler expressions (`rate(...)`, `cron(...)`), days of the week, hour ranges
//! and the week grid that concurrency windows are cut from.
//!
//! ```
//! use warmer_fn::config::schedule::{DaySet, HourRange, Schedule};
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
use std::str::FromStr;

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

/// The unit of a `rate(...)` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// `minute` / `minutes`.
    Minutes,
    /// `hour` / `hours`.
    Hours,
    /// `day` / `days`.
    Days,
}

impl RateUnit {
    fn minutes(self) -> u64 {
        match self {
            RateUnit::Minutes => 1,
            RateUnit::Hours => 60,
            RateUnit::Days => 24 * 60,
        }
    }
}

/// A Scheduler schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `rate(value unit)`.
    Rate {
        /// How many units between runs (1 or more).
        value: u32,
        /// The unit.
        unit: RateUnit,
    },
    /// `cron(minutes hours day-of-month month day-of-week year)`.
    Cron(Cron),
}

impl Schedule {
    /// Minutes between runs for a rate; `None` for a cron.
    pub fn rate_minutes(&self) -> Option<u64> {
        match self {
            Schedule::Rate { value, unit } => Some(u64::from(*value) * unit.minutes()),
            Schedule::Cron(_) => None,
        }
    }

    /// The cron minutes field that fires this schedule within an hour, when the schedule can be
    /// cut into hour windows: rates that divide an hour (or exactly one hour), and crons whose
    /// hour, day and month fields are wildcards.
    pub fn minute_field(&self) -> Result<String, ExprError> {
        match self {
            Schedule::Rate { .. } => {
                let every = self.rate_minutes().unwrap_or(0);
                match every {
                    1 => Ok("*".into()),
                    60 => Ok("0".into()),
                    m if m < 60 && 60u64.is_multiple_of(m) => Ok(format!("0/{m}")),
                    _ => Err(ExprError::new(
                        format!(
                            "{self} cannot be cut into hour windows: its runs do not repeat every hour"
                        ),
                        "use a rate that divides an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes, or 1 hour) or a cron like cron(0/5 * * * ? *)",
                    )),
                }
            }
            Schedule::Cron(cron) => {
                let wild = |f: &str| f == "*" || f == "?";
                if cron.hours == "*"
                    && wild(&cron.day_of_month)
                    && wild(&cron.day_of_week)
                    && cron.month == "*"
                    && cron.year == "*"
                {
                    Ok(cron.minutes.clone())
                } else {
                    Err(ExprError::new(
                        format!(
                            "{self} restricts hours or days itself, so concurrency profiles cannot cut it into windows"
                        ),
                        "keep only the minutes in the cron (e.g. cron(0/5 * * * ? *)) and say the hours and days in [[warmers.profiles]]",
                    ))
                }
            }
        }
    }

    /// The hours of the week in which the schedule fires, and how often it fires in each of
    /// them on average. Day-of-month, month and year restrictions are averaged (a month is
    /// 365.25 / 12 days), which is what a monthly cost needs.
    pub fn coverage(&self) -> (WeekGrid, f64) {
        match self {
            Schedule::Rate { .. } => {
                let minutes = self.rate_minutes().unwrap_or(1) as f64;
                (WeekGrid::full(), 60.0 / minutes)
            }
            Schedule::Cron(cron) => cron.coverage(),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Rate { value, unit } => {
                let name = match unit {
                    RateUnit::Minutes => "minute",
                    RateUnit::Hours => "hour",
                    RateUnit::Days => "day",
                };
                let plural = if *value == 1 { "" } else { "s" };
                write!(f, "rate({value} {name}{plural})")
            }
            Schedule::Cron(cron) => write!(f, "{cron}"),
        }
    }
}

impl FromStr for Schedule {
    type Err = ExprError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(body) = s.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
            parse_rate(body)
        } else if let Some(body) = s.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
            body.parse().map(Schedule::Cron)
        } else {
            Err(ExprError::new(
                format!("`{s}` is neither a rate(...) nor a cron(...) expression"),
                "write e.g. \"rate(5 minutes)\" or \"cron(0/5 8-19 ? * MON-FRI *)\"",
            ))
        }
    }
}

fn parse_rate(body: &str) -> Result<Schedule, ExprError> {
    let fix = "write rate(VALUE UNIT) with UNIT minute/minutes, hour/hours or day/days, e.g. rate(1 minute), rate(5 minutes)";
    let mut parts = body.split_whitespace();
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ExprError::new(
            format!("`rate({body})` needs a value and a unit"),
            fix,
        ));
    };
    let value: u32 = value.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
        ExprError::new(
            format!("rate value `{value}` is not a whole number of 1 or more"),
            fix,
        )
    })?;
    let (unit, singular) = match unit {
        "minute" => (RateUnit::Minutes, true),
        "minutes" => (RateUnit::Minutes, false),
        "hour" => (RateUnit::Hours, true),
        "hours" => (RateUnit::Hours, false),
        "day" => (RateUnit::Days, true),
        "days" => (RateUnit::Days, false),
        other => {
            return Err(ExprError::new(
                format!("rate unit `{other}` is unknown"),
                fix,
            ));
        }
    };
    if singular != (value == 1) {
        let expected = Schedule::Rate { value, unit };
        return Err(ExprError::new(
            format!(
                "`rate({body})`: Scheduler wants the singular unit for 1 and the plural otherwise"
            ),
            format!("write {expected}"),
        ));
    }
    Ok(Schedule::Rate { value, unit })
}

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
/// Day names in Scheduler order: 1 = SUN ... 7 = SAT.
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

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
    fn coverage(&self) -> (WeekGrid, f64) {
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

/// A set of days of the week. Bit 0 is Sunday, as in Scheduler's 1 = SUN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DaySet(u8);

impl DaySet {
    /// Every day.
    pub const ALL: DaySet = DaySet(0b111_1111);
    /// Monday to Friday.
    pub const WEEKDAYS: DaySet = DaySet(0b011_1110);

    /// From Scheduler day numbers (1 = SUN ... 7 = SAT).
    fn from_cron_days(days: impl IntoIterator<Item = u32>) -> Self {
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
    /// use warmer_fn::config::schedule::DaySet;
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

/// The 168 hours of a week, by day (0 = SUN) and hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WeekGrid([u32; 7]);

impl WeekGrid {
    /// No hour.
    pub fn empty() -> Self {
        WeekGrid([0; 7])
    }

    /// Every hour.
    pub fn full() -> Self {
        WeekGrid([(1 << 24) - 1; 7])
    }

    /// The hours `hours` on the days `days`.
    pub fn window(days: DaySet, hours: HourRange) -> Self {
        let mut grid = WeekGrid::empty();
        for day in days.iter() {
            for hour in hours.hours() {
                grid.set(day, hour);
            }
        }
        grid
    }

    /// Adds one hour.
    pub fn set(&mut self, day: usize, hour: usize) {
        self.0[day] |= 1 << hour;
    }

    /// Whether an hour is in the grid.
    pub fn get(&self, day: usize, hour: usize) -> bool {
        self.0[day] & (1 << hour) != 0
    }

    /// Hours in both grids.
    pub fn intersect(&self, other: &WeekGrid) -> WeekGrid {
        WeekGrid(std::array::from_fn(|d| self.0[d] & other.0[d]))
    }

    /// Hours in `self` and not in `other`.
    pub fn minus(&self, other: &WeekGrid) -> WeekGrid {
        WeekGrid(std::array::from_fn(|d| self.0[d] & !other.0[d]))
    }

    /// Hours in either grid.
    pub fn union(&self, other: &WeekGrid) -> WeekGrid {
        WeekGrid(std::array::from_fn(|d| self.0[d] | other.0[d]))
    }

    /// Number of hours.
    pub fn count(&self) -> usize {
        self.0.iter().map(|d| d.count_ones() as usize).sum()
    }

    /// Whether no hour is set.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The first hour set, as (day, hour).
    pub fn first(&self) -> Option<(usize, usize)> {
        (0..7).find_map(|d| (self.0[d] != 0).then(|| (d, self.0[d].trailing_zeros() as usize)))
    }

    /// Cuts the grid into pieces that each are one cron's days x hours: hours that share the
    /// same set of days go together.
    pub fn rectangles(&self) -> Vec<(DaySet, Vec<usize>)> {
        let mut groups: Vec<(DaySet, Vec<usize>)> = Vec::new();
        for hour in 0..24 {
            let mut days = DaySet::default();
            for day in 0..7 {
                if self.get(day, hour) {
                    days.insert(day);
                }
            }
            if days.is_empty() {
                continue;
            }
            match groups.iter_mut().find(|(d, _)| *d == days) {
                Some((_, hours)) => hours.push(hour),
                None => groups.push((days, vec![hour])),
            }
        }
        groups
    }
}

/// The hours field of a cron for a sorted list of hours: `*`, `8-19`, `0-7,20-23`.
///
/// ```
/// assert_eq!(warmer_fn::config::schedule::hours_field(&[0, 1, 2, 7, 20, 21]), "0-2,7,20-21");
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
fn runs(values: impl Iterator<Item = usize>) -> impl Iterator<Item = (usize, usize)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_need_matching_plural() {
        assert!("rate(1 minute)".parse::<Schedule>().is_ok());
        assert!("rate(5 minutes)".parse::<Schedule>().is_ok());
        assert!("rate(1 minutes)".parse::<Schedule>().is_err());
        assert!("rate(0 minutes)".parse::<Schedule>().is_err());
        assert!("rate(5 weeks)".parse::<Schedule>().is_err());
    }

    #[test]
    fn cron_day_fields_need_exactly_one_question_mark() {
        assert!("cron(0 8 * * ? *)".parse::<Schedule>().is_ok());
        assert!("cron(0 8 * * * *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 ? * ? *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 * *)".parse::<Schedule>().is_err());
        assert!("cron(61 8 * * ? *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 ? * 3#2 *)".parse::<Schedule>().is_ok());
        assert!("cron(0 8 ? * 3#2,4 *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 L * ? *)".parse::<Schedule>().is_ok());
        assert!("cron(0 8 15W * ? *)".parse::<Schedule>().is_ok());
    }

    #[test]
    fn cron_coverage_counts_runs_per_hour() {
        let s: Schedule = "cron(0/5 8-19 ? * MON-FRI *)".parse().unwrap();
        let (grid, per_hour) = s.coverage();
        assert_eq!(grid.count(), 5 * 12);
        assert_eq!(per_hour, 12.0);
        assert!(grid.get(1, 8) && !grid.get(0, 8) && !grid.get(1, 20));
    }

    #[test]
    fn complement_of_weekday_window_is_two_crons() {
        let window = WeekGrid::window(DaySet::WEEKDAYS, "08:00-20:00".parse().unwrap());
        let rest = WeekGrid::full().minus(&window);
        let rects = rest.rectangles();
        assert_eq!(rects.len(), 2);
        assert_eq!(rects[0].0, DaySet::ALL);
        assert_eq!(hours_field(&rects[0].1), "0-7,20-23");
        assert_eq!(rects[1].0.cron_field(), "SUN,SAT");
        assert_eq!(hours_field(&rects[1].1), "8-19");
    }

    #[test]
    fn days_parse_wrapping_ranges() {
        let d: DaySet = "FRI-MON".parse().unwrap();
        assert_eq!(d.len(), 4);
        assert_eq!(d.to_string(), "MON,FRI-SUN");
        assert!("MON-FRY".parse::<DaySet>().is_err());
    }
}
